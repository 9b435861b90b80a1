#include "sharing/tokens.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

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

TokenSigner::TokenSigner(std::string secret) : key_(std::move(secret)) {
  if (key_.empty()) {
    key_.resize(32);
    LS_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), 32) == 1,
             "the OpenSSL CSPRNG must work");
  }
}

TokenSigner::~TokenSigner() { OPENSSL_cleanse(key_.data(), key_.size()); }

std::string TokenSigner::Mac(std::string_view purpose, std::string_view data) const {
  std::string input;
  input.reserve(purpose.size() + 1 + data.size());
  input.append(purpose);
  input.push_back('\0');
  input.append(data);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), out, &len);
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
