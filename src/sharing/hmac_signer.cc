// The SHA-256 block functions are used through OpenSSL's low-level API (SHA256_Init...),
// deprecated since 3.0 in favour of EVP but still provided: only it lets a hash state be copied by
// value, which is what makes a per-line HMAC cheap (the EVP route duplicates a heap context and
// takes provider locks per copy).
#define OPENSSL_SUPPRESS_DEPRECATED

#include "sharing/hmac_signer.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstring>
#include <optional>

#include "common/check.h"
#include "common/strings.h"
#include "sharing/digests.h"

namespace lakeshare::sharing {

std::string Base64UrlEncode(std::string_view bytes) {
  std::string s;
  AppendBase64Url(s, bytes);
  return s;
}

void AppendBase64Url(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const size_t n = bytes.size();
  const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
  char buffer[64];  // MACs and digests: encoded on the stack, appended once
  char* p = buffer;
  auto spill = [&] {
    out.append(buffer, p);
    p = buffer;
  };
  size_t i = 0;
  for (; i + 2 < n; i += 3) {
    if (p + 4 > buffer + sizeof(buffer)) spill();
    uint32_t v = (uint32_t{b[i]} << 16) | (uint32_t{b[i + 1]} << 8) | b[i + 2];
    *p++ = kAlphabet[(v >> 18) & 63];
    *p++ = kAlphabet[(v >> 12) & 63];
    *p++ = kAlphabet[(v >> 6) & 63];
    *p++ = kAlphabet[v & 63];
  }
  if (i < n) {
    if (p + 3 > buffer + sizeof(buffer)) spill();
    uint32_t v = uint32_t{b[i]} << 16;
    if (i + 1 < n) v |= uint32_t{b[i + 1]} << 8;
    *p++ = kAlphabet[(v >> 18) & 63];
    *p++ = kAlphabet[(v >> 12) & 63];
    if (i + 1 < n) *p++ = kAlphabet[(v >> 6) & 63];
  }
  spill();
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
  // Nothing left in `ctx` or `inner_digest` reveals more than the MAC itself: no cleansing.
  ctx = state_->outer;
  SHA256_Update(&ctx, inner_digest, sizeof(inner_digest));
  SHA256_Final(out, &ctx);
}

HmacSigner::HmacSigner(std::string secret) : key_(std::move(secret)) {
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

HmacSigner::~HmacSigner() { OPENSSL_cleanse(key_.data(), key_.size()); }

PrefixedMac HmacSigner::Prefixed(std::string_view purpose, std::string_view data_prefix) const {
  static constexpr char kSeparator = 0;
  auto state = std::make_shared<PrefixedMac::State>(*keyed_.state_);
  SHA256_Update(&state->inner, purpose.data(), purpose.size());
  SHA256_Update(&state->inner, &kSeparator, 1);
  SHA256_Update(&state->inner, data_prefix.data(), data_prefix.size());
  PrefixedMac mac;
  mac.state_ = std::move(state);
  return mac;
}

std::string HmacSigner::Mac(std::string_view purpose, std::string_view data) const {
  unsigned char out[PrefixedMac::kSize];
  keyed_.Compute({purpose, std::string_view("\0", 1), data}, out);
  return std::string(reinterpret_cast<const char*>(out), sizeof(out));
}

std::string HmacSigner::Seal(std::string_view purpose, std::string_view payload) const {
  return Base64UrlEncode(payload) + "." + Base64UrlEncode(Mac(purpose, payload));
}

bool HmacSigner::Verify(std::string_view purpose, std::string_view data,
                        std::string_view mac_b64url) const {
  std::optional<std::string> given = Base64Decode(mac_b64url);
  std::string expected = Mac(purpose, data);
  if (!given || given->size() != expected.size()) return false;
  return CRYPTO_memcmp(given->data(), expected.data(), expected.size()) == 0;
}

Result<std::string> HmacSigner::Open(std::string_view purpose, std::string_view token) const {
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

}  // namespace lakeshare::sharing
