#include "sharing/tokens.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <atomic>

#include <nlohmann/json.hpp>

#include "common/check.h"
#include "common/strings.h"

namespace lakeshare::sharing {

namespace {

tl::unexpected<Error> BadPageToken(std::string_view why) {
  return InvalidArgument("Invalid pageToken: {}", why);
}

}  // namespace

std::string Base64UrlEncode(std::string_view bytes) {
  std::string s = Base64Encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return s;
}

std::string ShortDigest(std::string_view text) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), d);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(d), 16));
}

namespace {

std::atomic<uint64_t> next_signer_id{1};

/// The calling thread's copy of the keyed context of one signer (the last one it used: a server
/// has one signer, so this is a hit but for the first call of each thread).
struct ThreadMacContext {
  uint64_t signer_id = 0;
  EVP_MAC_CTX* ctx = nullptr;
  ~ThreadMacContext() { EVP_MAC_CTX_free(ctx); }
};

}  // namespace

TokenSigner::TokenSigner(std::string secret) : key_(std::move(secret)) {
  if (key_.empty()) {
    key_.resize(32);
    LS_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), 32) == 1,
             "the OpenSSL CSPRNG must work");
  }
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  LS_CHECK(mac != nullptr, "OpenSSL must provide HMAC");
  keyed_ = EVP_MAC_CTX_new(mac);
  EVP_MAC_free(mac);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  LS_CHECK(keyed_ != nullptr &&
               EVP_MAC_init(keyed_, reinterpret_cast<const unsigned char*>(key_.data()),
                            key_.size(), params) == 1,
           "OpenSSL must set up HMAC-SHA256");
  id_ = next_signer_id.fetch_add(1);
}

TokenSigner::~TokenSigner() {
  EVP_MAC_CTX_free(keyed_);
  OPENSSL_cleanse(key_.data(), key_.size());
}

std::string TokenSigner::Mac(std::string_view purpose, std::string_view data) const {
  thread_local ThreadMacContext local;
  if (local.signer_id != id_) {
    EVP_MAC_CTX_free(local.ctx);
    local.ctx = EVP_MAC_CTX_dup(keyed_);
    LS_CHECK(local.ctx != nullptr, "OpenSSL must copy an HMAC context");
    local.signer_id = id_;
  }
  // Re-initialising with no key keeps the key and resets the state (EVP_MAC_init(3)).
  static constexpr unsigned char kSeparator = 0;
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  LS_CHECK(EVP_MAC_init(local.ctx, nullptr, 0, nullptr) == 1 &&
               EVP_MAC_update(local.ctx, reinterpret_cast<const unsigned char*>(purpose.data()),
                              purpose.size()) == 1 &&
               EVP_MAC_update(local.ctx, &kSeparator, 1) == 1 &&
               EVP_MAC_update(local.ctx, reinterpret_cast<const unsigned char*>(data.data()),
                              data.size()) == 1 &&
               EVP_MAC_final(local.ctx, out, &len, sizeof(out)) == 1,
           "HMAC-SHA256 over memory cannot fail");
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string TokenSigner::Seal(std::string_view purpose, std::string_view payload) const {
  return Base64UrlEncode(payload) + "." + Base64UrlEncode(Mac(purpose, payload));
}

bool TokenSigner::Verify(std::string_view purpose, std::string_view data,
                         std::string_view mac_b64url) const {
  std::optional<std::string> given = Base64Decode(mac_b64url);
  std::string expected = Mac(purpose, data);
  if (!given || given->size() != expected.size()) return false;
  return CRYPTO_memcmp(given->data(), expected.data(), expected.size()) == 0;
}

Result<std::string> TokenSigner::Open(std::string_view purpose, std::string_view token) const {
  size_t dot = token.find('.');
  if (token.size() > 8192 || dot == std::string_view::npos) {
    return InvalidArgument("not a token issued by this server");
  }
  std::optional<std::string> payload = Base64Decode(token.substr(0, dot));
  if (!payload || !Verify(purpose, *payload, token.substr(dot + 1))) {
    return InvalidArgument("not a token issued by this server, or it was modified");
  }
  return std::move(*payload);
}

std::string EncodePageToken(const TokenSigner& signer, const PageToken& token) {
  nlohmann::json j = {{"k", token.kind}, {"b", token.binding}, {"x", token.expires_ms}};
  if (!token.after.empty()) j["a"] = token.after;
  if (token.version >= 0) j["v"] = token.version;
  if (token.index > 0) j["i"] = token.index;
  if (token.end_version >= 0) j["e"] = token.end_version;
  return signer.Seal("page", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Result<PageToken> DecodePageToken(const TokenSigner& signer, std::string_view text,
                                  std::string_view kind, std::string_view binding, int64_t now_ms) {
  auto payload = signer.Open("page", text);
  if (!payload) return BadPageToken(payload.error().message);
  PageToken t;
  try {
    nlohmann::json j = nlohmann::json::parse(*payload);
    t.kind = j.at("k").get<std::string>();
    t.binding = j.at("b").get<std::string>();
    t.expires_ms = j.at("x").get<int64_t>();
    if (j.contains("a")) t.after = j["a"].get<std::string>();
    if (j.contains("v")) t.version = j["v"].get<int64_t>();
    if (j.contains("i")) t.index = j["i"].get<int64_t>();
    if (j.contains("e")) t.end_version = j["e"].get<int64_t>();
  } catch (const std::exception&) {
    return BadPageToken("malformed content");
  }
  if (t.kind != kind || t.binding != binding) {
    return BadPageToken(
        "it was issued for a different request (a follow-up page must repeat the parameters of "
        "the first one)");
  }
  if (t.expires_ms < now_ms) return BadPageToken("it has expired; start again from the first page");
  return t;
}

std::string EncodeRefreshToken(const TokenSigner& signer, const RefreshToken& token) {
  nlohmann::json j = {{"b", token.binding}, {"v", token.version}, {"x", token.expires_ms}};
  return signer.Seal("refresh", j.dump());
}

Result<RefreshToken> DecodeRefreshToken(const TokenSigner& signer, std::string_view text,
                                        std::string_view binding, int64_t now_ms) {
  auto payload = signer.Open("refresh", text);
  if (!payload) return InvalidArgument("Invalid refreshToken: {}", payload.error().message);
  RefreshToken t;
  try {
    nlohmann::json j = nlohmann::json::parse(*payload);
    t.binding = j.at("b").get<std::string>();
    t.version = j.at("v").get<int64_t>();
    t.expires_ms = j.at("x").get<int64_t>();
  } catch (const std::exception&) {
    return InvalidArgument("Invalid refreshToken: malformed content");
  }
  if (t.binding != binding) {
    return InvalidArgument("Invalid refreshToken: it was issued for a different table");
  }
  if (t.expires_ms < now_ms) return InvalidArgument("Invalid refreshToken: it has expired");
  return t;
}

}  // namespace lakeshare::sharing
