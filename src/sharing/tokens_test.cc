#include "sharing/tokens.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
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

TEST(TokensTest, MacIsHmacSha256OfPurposeNulData) {
  TokenSigner a("key-a-0123456789abcdef");
  TokenSigner b("key-b-0123456789abcdef");
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

TEST(TokensTest, LongKeysAndPrefixedMacsMatchOpenSslHmac) {
  // Keys longer than the SHA-256 block are hashed first (RFC 2104).
  const std::string long_key(100, 'k');
  TokenSigner signer(long_key);
  EXPECT_EQ(signer.Mac("file", "data"), OneShotHmac(long_key, "file", "data"));
  const std::string key64(64, 'q');
  EXPECT_EQ(TokenSigner(key64).Mac("p", "d"), OneShotHmac(key64, "p", "d"));
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

TEST(TokensTest, Base64UrlHasNoPadding) {
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

TEST(TokensTest, DigestsMatchOpenSsl) {
  for (std::string data :
       {std::string(), std::string("part_0/file_0.parquet"), std::string(200, 'z')}) {
    unsigned char md5[16], sha[32], want[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    Md5Digest(data, md5);
    EVP_Digest(data.data(), data.size(), want, &len, EVP_md5(), nullptr);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(md5), 16),
              std::string(reinterpret_cast<char*>(want), len));
    Sha256Digest(data, sha);
    EVP_Digest(data.data(), data.size(), want, &len, EVP_sha256(), nullptr);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(sha), 32),
              std::string(reinterpret_cast<char*>(want), len));
  }
}

TEST(TokensTest, SideBySideMd5MatchesOneAtATime) {
  // Every count of messages, lengths around the one-block limit (55) and past it.
  std::vector<std::string> messages;
  for (size_t len : {0, 1, 21, 54, 55, 56, 63, 64, 100, 3, 40, 55, 7, 56, 12, 33}) {
    std::string m;
    for (size_t i = 0; i < len; ++i) m.push_back(static_cast<char>('a' + (i * 7 + len) % 26));
    messages.push_back(m);
  }
  for (size_t start = 0; start + kMd5Lanes <= messages.size(); ++start) {
    for (size_t n = 0; n <= kMd5Lanes; ++n) {
      std::string_view views[kMd5Lanes];
      for (size_t i = 0; i < n; ++i) views[i] = messages[start + i];
      unsigned char got[kMd5Lanes][16];
      Md5Digests(views, n, got);
      for (size_t i = 0; i < n; ++i) {
        unsigned char want[16];
        Md5Digest(views[i], want);
        EXPECT_EQ(std::string(reinterpret_cast<char*>(got[i]), 16),
                  std::string(reinterpret_cast<char*>(want), 16))
            << "message of " << views[i].size() << " bytes";
      }
    }
  }
}

TEST(TokensTest, PageTokenRoundTrips) {
  TokenSigner signer("0123456789abcdef0123");
  PageToken t;
  t.kind = "query";
  t.binding = "b1";
  t.expires_ms = 1000;
  t.after = "a/b.parquet\x1f";
  t.version = 7;
  t.index = 3;
  t.end_version = 9;
  std::string text = EncodePageToken(signer, t);
  auto back = DecodePageToken(signer, text, "query", "b1", 999);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->after, t.after);
  EXPECT_EQ(back->version, 7);
  EXPECT_EQ(back->index, 3);
  EXPECT_EQ(back->end_version, 9);
}

TEST(TokensTest, TamperedForeignAndExpiredTokensAreInvalidArgument) {
  TokenSigner signer("0123456789abcdef0123");
  TokenSigner other("another-secret-0123456");
  PageToken t{"shares", "b1", 1000, "x"};
  std::string text = EncodePageToken(signer, t);
  std::string tampered = text;
  tampered[3] = tampered[3] == 'A' ? 'B' : 'A';
  EXPECT_EQ(DecodePageToken(signer, tampered, "shares", "b1", 0).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_FALSE(DecodePageToken(other, text, "shares", "b1", 0));
  EXPECT_FALSE(DecodePageToken(signer, text, "schemas", "b1", 0));
  EXPECT_FALSE(DecodePageToken(signer, text, "shares", "b2", 0));
  EXPECT_FALSE(DecodePageToken(signer, text, "shares", "b1", 1001));
  EXPECT_FALSE(DecodePageToken(signer, "", "shares", "b1", 0));
  EXPECT_FALSE(DecodePageToken(signer, "not.a.token", "shares", "b1", 0));
}

TEST(TokensTest, RefreshTokenIsBoundToItsTable) {
  TokenSigner signer("");
  std::string text = EncodeRefreshToken(signer, RefreshToken{"t1", 5, 100});
  EXPECT_EQ(DecodeRefreshToken(signer, text, "t1", 50)->version, 5);
  EXPECT_FALSE(DecodeRefreshToken(signer, text, "t2", 50));
  EXPECT_FALSE(DecodeRefreshToken(signer, text, "t1", 101));
}

TEST(TokensTest, PurposesDoNotMix) {
  TokenSigner signer("0123456789abcdef0123");
  std::string sealed = signer.Seal("page", "payload");
  EXPECT_TRUE(signer.Open("page", sealed));
  EXPECT_FALSE(signer.Open("refresh", sealed));
}

}  // namespace
}  // namespace lakeshare::sharing
