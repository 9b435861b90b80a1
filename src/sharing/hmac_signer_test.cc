#include "sharing/hmac_signer.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "common/strings.h"

namespace lakeshare::sharing {
namespace {

std::string OneShotHmac(const std::string& key, const std::string& purpose,
                        const std::string& data) {
  std::string input = purpose + std::string(1, '\0') + data;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

TEST(HmacSignerTest, MacIsHmacSha256OfPurposeNulData) {
  HmacSigner a("key-a-0123456789abcdef");
  HmacSigner b("key-b-0123456789abcdef");
  // Alternating signers on one thread must never reuse the other's key.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(a.Mac("file", "x" + std::to_string(i)),
              OneShotHmac("key-a-0123456789abcdef", "file", "x" + std::to_string(i)));
    EXPECT_EQ(b.Mac("file", "x" + std::to_string(i)),
              OneShotHmac("key-b-0123456789abcdef", "file", "x" + std::to_string(i)));
  }
  EXPECT_EQ(a.Mac("", ""), OneShotHmac("key-a-0123456789abcdef", "", ""));
  // Many threads, one signer: every thread gets the same answers.
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&a, &wrong, t] {
      for (int i = 0; i < 200; ++i) {
        std::string data = std::to_string(t * 1000 + i);
        if (a.Mac("page", data) != OneShotHmac("key-a-0123456789abcdef", "page", data)) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(HmacSignerTest, LongKeysAndPrefixedMacsMatchOpenSslHmac) {
  // Keys longer than the SHA-256 block are hashed first (RFC 2104).
  const std::string long_key(100, 'k');
  HmacSigner signer(long_key);
  EXPECT_EQ(signer.Mac("file", "data"), OneShotHmac(long_key, "file", "data"));
  const std::string key64(64, 'q');
  EXPECT_EQ(HmacSigner(key64).Mac("p", "d"), OneShotHmac(key64, "p", "d"));
  // A prefix of any length (across block boundaries), then the rest in several parts.
  for (size_t n : {0, 1, 50, 55, 56, 63, 64, 65, 130}) {
    std::string prefix(n, 'a');
    PrefixedMac mac = signer.Prefixed("file", prefix);
    unsigned char out[PrefixedMac::kSize];
    mac.Compute({"b", "", std::string(70, 'c')}, out);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(out), sizeof(out)),
              OneShotHmac(long_key, "file", prefix + "b" + std::string(70, 'c')))
        << n;
  }
}

TEST(HmacSignerTest, Base64UrlHasNoPadding) {
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  std::string out = "x";
  AppendBase64Url(out, "foob");
  EXPECT_EQ(out, "xZm9vYg");
  // Every length up to several times the encoder's stack buffer, against the standard alphabet.
  std::string bytes;
  for (int n = 0; n < 200; ++n) {
    std::string want = Base64Encode(bytes);
    while (!want.empty() && want.back() == '=') want.pop_back();
    for (char& c : want) c = c == '+' ? '-' : c == '/' ? '_' : c;
    ASSERT_EQ(Base64UrlEncode(bytes), want) << n;
    bytes.push_back(static_cast<char>(n * 53 + 7));
  }
}

TEST(HmacSignerTest, PurposesDoNotMix) {
  HmacSigner signer("0123456789abcdef0123");
  std::string sealed = signer.Seal("page", "payload");
  EXPECT_TRUE(signer.Open("page", sealed));
  EXPECT_FALSE(signer.Open("refresh", sealed));
}

}  // namespace
}  // namespace lakeshare::sharing
