#include "sharing/query_ids.h"

#include <gtest/gtest.h>

#include <string>

namespace lakeshare::sharing {
namespace {

AsyncQueryId Sample() {
  AsyncQueryId id;
  id.binding = "recipient-a/share/table";
  id.version = 12;
  id.time_travel = true;
  id.format = ResponseFormat::kDelta;
  id.fileidhash = ResponseFormat::kParquet;
  id.predicate_hints = {"country = 'DE'"};
  id.json_predicate_hints = R"({"op":"isNull","children":[{"op":"column","name":"x"}]})";
  id.limit_hint = 100;
  id.include_refresh_token = true;
  id.digest = "d1";
  id.expires_ms = 5000;
  return id;
}

TEST(QueryIdsTest, RoundTrips) {
  HmacSigner signer("0123456789abcdef0123");
  const AsyncQueryId id = Sample();
  const std::string text = EncodeQueryId(signer, id);
  EXPECT_LE(text.size(), kMaxQueryIdChars);
  auto back = DecodeQueryId(signer, text, id.binding, 4999);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->version, 12);
  EXPECT_TRUE(back->time_travel);
  EXPECT_EQ(back->format, ResponseFormat::kDelta);
  ASSERT_TRUE(back->fileidhash);
  EXPECT_EQ(*back->fileidhash, ResponseFormat::kParquet);
  EXPECT_EQ(back->predicate_hints, id.predicate_hints);
  EXPECT_EQ(back->json_predicate_hints, id.json_predicate_hints);
  EXPECT_EQ(back->limit_hint, 100);
  EXPECT_TRUE(back->include_refresh_token);
  EXPECT_EQ(back->digest, "d1");
  // Nothing optional set: nothing optional back.
  AsyncQueryId bare;
  bare.binding = "b";
  bare.expires_ms = 10;
  auto plain = DecodeQueryId(signer, EncodeQueryId(signer, bare), "b", 0);
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->time_travel);
  EXPECT_FALSE(plain->fileidhash);
  EXPECT_FALSE(plain->limit_hint);
  EXPECT_TRUE(plain->predicate_hints.empty());
}

TEST(QueryIdsTest, TheSameSubmissionGetsTheSameId) {
  HmacSigner signer("0123456789abcdef0123");
  EXPECT_EQ(EncodeQueryId(signer, Sample()), EncodeQueryId(signer, Sample()));
  AsyncQueryId other_key = Sample();
  other_key.digest = "d2";
  EXPECT_NE(EncodeQueryId(signer, Sample()), EncodeQueryId(signer, other_key));
  // Within one window the expiry, hence the id, does not move; it lives one to two windows.
  EXPECT_EQ(QueryIdExpiry(1'000, 1'000), 3'000);
  EXPECT_EQ(QueryIdExpiry(1'999, 1'000), 3'000);
  EXPECT_EQ(QueryIdExpiry(2'000, 1'000), 4'000);
}

TEST(QueryIdsTest, TamperedForeignExpiredAndHugeIdsAreNotFound) {
  HmacSigner signer("0123456789abcdef0123");
  HmacSigner other("another-secret-0123456");
  const AsyncQueryId id = Sample();
  const std::string text = EncodeQueryId(signer, id);
  auto not_found = [&](const HmacSigner& s, const std::string& t, const std::string& binding,
                       int64_t now) {
    auto r = DecodeQueryId(s, t, binding, now);
    return !r && r.error().code == ErrorCode::kNotFound;
  };
  std::string tampered = text;
  tampered[5] = tampered[5] == 'A' ? 'B' : 'A';
  EXPECT_TRUE(not_found(signer, tampered, id.binding, 0));
  std::string bad_mac = text;
  bad_mac.back() = bad_mac.back() == 'A' ? 'B' : 'A';
  EXPECT_TRUE(not_found(signer, bad_mac, id.binding, 0));
  EXPECT_TRUE(not_found(other, text, id.binding, 0));                   // another server's key
  EXPECT_TRUE(not_found(signer, text, "recipient-b/share/table", 0));  // another recipient
  EXPECT_TRUE(not_found(signer, text, "recipient-a/share/other", 0));  // another table
  EXPECT_TRUE(not_found(signer, text, id.binding, 5001));              // expired
  EXPECT_TRUE(not_found(signer, "", id.binding, 0));
  EXPECT_TRUE(not_found(signer, "not base64 at all!", id.binding, 0));
  EXPECT_TRUE(not_found(signer, "eyJ2IjoxfQ", id.binding, 0));  // base64 JSON, unsigned
  EXPECT_TRUE(not_found(signer, std::string(kMaxQueryIdChars + 1, 'A'), id.binding, 0));
  // A page token sealed by the same signer is not a query id (another purpose).
  EXPECT_TRUE(not_found(signer, signer.Seal("page", R"({"b":"x"})"), id.binding, 0));
  // The message says what to do and never whether the id exists for someone else.
  auto r = DecodeQueryId(signer, text, "recipient-b/share/table", 0);
  EXPECT_NE(r.error().message.find("submit the query again"), std::string::npos);
}

}  // namespace
}  // namespace lakeshare::sharing
