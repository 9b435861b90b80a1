#include "sharing/page_tokens.h"

#include <gtest/gtest.h>

#include <string>

namespace lakeshare::sharing {
namespace {

TEST(PageTokensTest, PageTokenRoundTrips) {
  HmacSigner signer("0123456789abcdef0123");
  // Built whole (each string constructed from its literal): GCC 12 warned -Wmaybe-uninitialized
  // (Release) on assigning a literal to a default-constructed member's short-string buffer.
  const PageToken t{.kind = "query",
                    .binding = "b1",
                    .expires_ms = 1000,
                    .after = "a/b.parquet\x1f",
                    .version = 7,
                    .index = 3,
                    .end_version = 9};
  std::string text = EncodePageToken(signer, t);
  auto back = DecodePageToken(signer, text, "query", "b1", 999);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->after, t.after);
  EXPECT_EQ(back->version, 7);
  EXPECT_EQ(back->index, 3);
  EXPECT_EQ(back->end_version, 9);
}

TEST(PageTokensTest, TamperedForeignAndExpiredTokensAreInvalidArgument) {
  HmacSigner signer("0123456789abcdef0123");
  HmacSigner other("another-secret-0123456");
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

TEST(PageTokensTest, RefreshTokenIsBoundToItsTable) {
  HmacSigner signer("");
  std::string text = EncodeRefreshToken(signer, RefreshToken{"t1", 5, 100});
  EXPECT_EQ(DecodeRefreshToken(signer, text, "t1", 50)->version, 5);
  EXPECT_FALSE(DecodeRefreshToken(signer, text, "t2", 50));
  EXPECT_FALSE(DecodeRefreshToken(signer, text, "t1", 101));
}

}  // namespace
}  // namespace lakeshare::sharing
