#include "sharing/digests.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

namespace lakeshare::sharing {
namespace {

TEST(DigestsTest, DigestsMatchOpenSsl) {
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

TEST(DigestsTest, SideBySideMd5MatchesOneAtATime) {
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

}  // namespace
}  // namespace lakeshare::sharing
