// The SHA-256 and MD5 block functions are used through OpenSSL's low-level API (SHA256_Init,
// MD5_Init...), deprecated since 3.0 in favour of EVP but still provided: only it lets a hash state
// be copied by value, which is what makes a per-line HMAC cheap (the EVP route duplicates a heap
// context and takes provider locks per copy).
#define OPENSSL_SUPPRESS_DEPRECATED

#include "sharing/tokens.h"

#include <openssl/crypto.h>
#include <openssl/md5.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstring>
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
  std::string s;
  AppendBase64Url(s, bytes);
  return s;
}

void AppendBase64Url(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const size_t n = bytes.size();
  const size_t start = out.size();
  out.resize(start + (n / 3) * 4 + (n % 3 == 0 ? 0 : n % 3 + 1));
  char* p = out.data() + start;
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t i = 0;
  for (; i + 2 < n; i += 3) {
    uint32_t v = (uint32_t{b[i]} << 16) | (uint32_t{b[i + 1]} << 8) | b[i + 2];
    *p++ = kAlphabet[(v >> 18) & 63];
    *p++ = kAlphabet[(v >> 12) & 63];
    *p++ = kAlphabet[(v >> 6) & 63];
    *p++ = kAlphabet[v & 63];
  }
  if (i < n) {
    uint32_t v = uint32_t{b[i]} << 16;
    if (i + 1 < n) v |= uint32_t{b[i + 1]} << 8;
    *p++ = kAlphabet[(v >> 18) & 63];
    *p++ = kAlphabet[(v >> 12) & 63];
    if (i + 1 < n) *p++ = kAlphabet[(v >> 6) & 63];
  }
}

std::string ShortDigest(std::string_view text) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  Sha256Digest(text, d);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(d), 16));
}

void Md5Digest(std::string_view data, unsigned char (&out)[16]) {
  MD5_CTX ctx;
  MD5_Init(&ctx);
  MD5_Update(&ctx, data.data(), data.size());
  MD5_Final(out, &ctx);
}

void Sha256Digest(std::string_view data, unsigned char (&out)[32]) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(out, &ctx);
}

// RFC 2104: HMAC(K, m) = H((K0 ^ opad) || H((K0 ^ ipad) || m)), K0 the key padded to the block
// size (hashed first when longer). `inner` has absorbed K0 ^ ipad and the message prefix,
// `outer` K0 ^ opad.
struct PrefixedMac::State {
  SHA256_CTX inner;
  SHA256_CTX outer;
  ~State() { OPENSSL_cleanse(this, sizeof(*this)); }
};

void PrefixedMac::Compute(std::initializer_list<std::string_view> parts,
                          unsigned char (&out)[kSize]) const {
  SHA256_CTX ctx = state_->inner;
  for (std::string_view part : parts) SHA256_Update(&ctx, part.data(), part.size());
  unsigned char inner_digest[SHA256_DIGEST_LENGTH];
  SHA256_Final(inner_digest, &ctx);
  ctx = state_->outer;
  SHA256_Update(&ctx, inner_digest, sizeof(inner_digest));
  SHA256_Final(out, &ctx);
  OPENSSL_cleanse(&ctx, sizeof(ctx));
}

TokenSigner::TokenSigner(std::string secret) : key_(std::move(secret)) {
  if (key_.empty()) {
    key_.resize(32);
    LS_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(key_.data()), 32) == 1,
             "the OpenSSL CSPRNG must work");
  }
  constexpr size_t kBlock = SHA256_CBLOCK;
  unsigned char k0[kBlock] = {};
  if (key_.size() > kBlock) {
    unsigned char d[SHA256_DIGEST_LENGTH];
    Sha256Digest(key_, d);
    std::memcpy(k0, d, sizeof(d));
  } else {
    std::memcpy(k0, key_.data(), key_.size());
  }
  unsigned char ipad[kBlock], opad[kBlock];
  for (size_t i = 0; i < kBlock; ++i) {
    ipad[i] = k0[i] ^ 0x36;
    opad[i] = k0[i] ^ 0x5c;
  }
  auto state = std::make_shared<PrefixedMac::State>();
  SHA256_Init(&state->inner);
  SHA256_Update(&state->inner, ipad, kBlock);
  SHA256_Init(&state->outer);
  SHA256_Update(&state->outer, opad, kBlock);
  OPENSSL_cleanse(k0, kBlock);
  OPENSSL_cleanse(ipad, kBlock);
  OPENSSL_cleanse(opad, kBlock);
  keyed_.state_ = std::move(state);
}

TokenSigner::~TokenSigner() { OPENSSL_cleanse(key_.data(), key_.size()); }

PrefixedMac TokenSigner::Prefixed(std::string_view purpose, std::string_view data_prefix) const {
  static constexpr char kSeparator = 0;
  auto state = std::make_shared<PrefixedMac::State>(*keyed_.state_);
  SHA256_Update(&state->inner, purpose.data(), purpose.size());
  SHA256_Update(&state->inner, &kSeparator, 1);
  SHA256_Update(&state->inner, data_prefix.data(), data_prefix.size());
  PrefixedMac mac;
  mac.state_ = std::move(state);
  return mac;
}

std::string TokenSigner::Mac(std::string_view purpose, std::string_view data) const {
  unsigned char out[PrefixedMac::kSize];
  keyed_.Compute({purpose, std::string_view("\0", 1), data}, out);
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
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
