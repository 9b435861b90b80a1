// The SHA-256 and MD5 block functions are used through OpenSSL's low-level API (SHA256_Init,
// MD5_Init...), deprecated since 3.0 in favour of EVP but still provided (see hmac_signer.cc).
#define OPENSSL_SUPPRESS_DEPRECATED

#include "sharing/digests.h"

#include <openssl/md5.h>
#include <openssl/sha.h>

#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "common/check.h"
#include "common/strings.h"

namespace lakeshare::sharing {

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

}  // namespace lakeshare::sharing
