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

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

namespace {

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define LAKESHARE_MD5_AVX2 1

// RFC 1321, 3.4: the per-step constants (floor(abs(sin(i + 1)) * 2^32)) and rotations.
constexpr uint32_t kMd5K[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
constexpr int kMd5S[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                           5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                           4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                           6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

// One-block MD5 of kMd5Lanes messages of at most 55 bytes, lane i of each vector holding
// message i. Unused lanes hash an empty message.
__attribute__((target("avx2"))) void Md5OneBlockAvx2(const std::string_view* data, size_t n,
                                                     unsigned char (*out)[16]) {
  alignas(32) uint32_t words[16][kMd5Lanes] = {};
  for (size_t lane = 0; lane < kMd5Lanes; ++lane) {
    // RFC 1321, 3.1-3.2: the message, 0x80, zeros, the bit length; words are little-endian,
    // as x86 stores them.
    uint32_t block[16] = {};
    const size_t len = lane < n ? data[lane].size() : 0;
    if (len > 0) std::memcpy(block, data[lane].data(), len);
    reinterpret_cast<unsigned char*>(block)[len] = 0x80;
    const uint64_t bits = static_cast<uint64_t>(len) * 8;
    std::memcpy(&block[14], &bits, sizeof(bits));
    for (int j = 0; j < 16; ++j) words[j][lane] = block[j];
  }
  __m256i m[16];
  for (int j = 0; j < 16; ++j) m[j] = _mm256_load_si256(reinterpret_cast<const __m256i*>(words[j]));
  const __m256i a0 = _mm256_set1_epi32(0x67452301), b0 = _mm256_set1_epi32(0xefcdab89);
  const __m256i c0 = _mm256_set1_epi32(0x98badcfe), d0 = _mm256_set1_epi32(0x10325476);
  const __m256i ones = _mm256_set1_epi32(-1);
  __m256i a = a0, b = b0, c = c0, d = d0;
  for (int i = 0; i < 64; ++i) {
    __m256i f;
    int g;
    if (i < 16) {
      f = _mm256_or_si256(_mm256_and_si256(b, c), _mm256_andnot_si256(b, d));
      g = i;
    } else if (i < 32) {
      f = _mm256_or_si256(_mm256_and_si256(d, b), _mm256_andnot_si256(d, c));
      g = (5 * i + 1) % 16;
    } else if (i < 48) {
      f = _mm256_xor_si256(_mm256_xor_si256(b, c), d);
      g = (3 * i + 5) % 16;
    } else {
      f = _mm256_xor_si256(c, _mm256_or_si256(b, _mm256_xor_si256(d, ones)));
      g = (7 * i) % 16;
    }
    __m256i sum =
        _mm256_add_epi32(_mm256_add_epi32(a, f),
                         _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(kMd5K[i])), m[g]));
    const __m128i left = _mm_cvtsi32_si128(kMd5S[i]);
    const __m128i right = _mm_cvtsi32_si128(32 - kMd5S[i]);
    __m256i rotated = _mm256_or_si256(_mm256_sll_epi32(sum, left), _mm256_srl_epi32(sum, right));
    a = d;
    d = c;
    c = b;
    b = _mm256_add_epi32(b, rotated);
  }
  alignas(32) uint32_t state[4][kMd5Lanes];
  _mm256_store_si256(reinterpret_cast<__m256i*>(state[0]), _mm256_add_epi32(a, a0));
  _mm256_store_si256(reinterpret_cast<__m256i*>(state[1]), _mm256_add_epi32(b, b0));
  _mm256_store_si256(reinterpret_cast<__m256i*>(state[2]), _mm256_add_epi32(c, c0));
  _mm256_store_si256(reinterpret_cast<__m256i*>(state[3]), _mm256_add_epi32(d, d0));
  for (size_t lane = 0; lane < n; ++lane) {
    for (int w = 0; w < 4; ++w) std::memcpy(&out[lane][4 * w], &state[w][lane], 4);
  }
}

bool HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}
#endif

}  // namespace

void Md5Digests(const std::string_view* data, size_t n, unsigned char (*out)[16]) {
  LS_CHECK(n <= kMd5Lanes, "at most kMd5Lanes messages at once");
#ifdef LAKESHARE_MD5_AVX2
  if (n > 1 && HasAvx2()) {
    // Messages of more than one block take the scalar route.
    std::string_view short_ones[kMd5Lanes];
    for (size_t i = 0; i < n; ++i) short_ones[i] = data[i].size() <= 55 ? data[i] : "";
    Md5OneBlockAvx2(short_ones, n, out);
    for (size_t i = 0; i < n; ++i) {
      if (data[i].size() > 55) Md5Digest(data[i], out[i]);
    }
    return;
  }
#endif
  for (size_t i = 0; i < n; ++i) Md5Digest(data[i], out[i]);
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
  // Nothing left in `ctx` or `inner_digest` reveals more than the MAC itself: no cleansing.
  ctx = state_->outer;
  SHA256_Update(&ctx, inner_digest, sizeof(inner_digest));
  SHA256_Final(out, &ctx);
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
