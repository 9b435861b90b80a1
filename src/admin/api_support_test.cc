#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "admin/api_internal.h"

namespace lakeshare::admin::internal {
namespace {

TEST(ApiSupportTest, MapsCatalogErrorsToUnityCatalogCodes) {
  EXPECT_EQ(FromError({ErrorCode::kNotFound, "Share 's' does not exist"}).error_code,
            "SHARE_DOES_NOT_EXIST");
  EXPECT_EQ(FromError({ErrorCode::kNotFound, "Recipient 'r' does not exist"}).error_code,
            "RECIPIENT_DOES_NOT_EXIST");
  EXPECT_EQ(FromError({ErrorCode::kNotFound, "Table 'a.b.c' does not exist"}).error_code,
            "TABLE_DOES_NOT_EXIST");
  EXPECT_EQ(FromError({ErrorCode::kNotFound, "Table 'a.b.c' is not in share 's'"}).error_code,
            "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(FromError({ErrorCode::kAlreadyExists, "Share 's' already exists"}).error_code,
            "SHARE_ALREADY_EXISTS");
  EXPECT_EQ(FromError({ErrorCode::kAlreadyExists, "Share 's' already holds 'a.b.c' (as 'b.c')"})
                .error_code,
            "RESOURCE_ALREADY_EXISTS");
  ApiError internal_error = FromError({ErrorCode::kInternal, "db at /var/x is corrupt"});
  EXPECT_EQ(internal_error.status, 500);
  http::Response reply = ErrorReply(internal_error, "req-1");
  EXPECT_EQ(reply.status(), 500);
  EXPECT_THAT(reply.body(), ::testing::Not(::testing::HasSubstr("/var/x")));
  EXPECT_THAT(reply.body(), ::testing::HasSubstr("req-1"));
  // A dependency that is down: 503, retry, still no detail.
  ApiError down = FromError({ErrorCode::kUnavailable, "db at /var/x is down"});
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.error_code, "TEMPORARILY_UNAVAILABLE");
  http::Response retry = ErrorReply(down, "req-2");
  EXPECT_EQ(retry.status(), 503);
  EXPECT_THAT(retry.body(), ::testing::Not(::testing::HasSubstr("/var/x")));
  ASSERT_NE(retry.Header("Retry-After"), nullptr);
  EXPECT_EQ(retry.error()->code, ErrorCode::kUnavailable);
}

TEST(ApiSupportTest, ParsesBodiesStrictly) {
  EXPECT_TRUE(ParseBody("")->is_object());
  EXPECT_EQ(ParseBody("{").error().error_code, "MALFORMED_REQUEST");
  EXPECT_EQ(ParseBody("[1]").error().error_code, "MALFORMED_REQUEST");
  EXPECT_EQ(ParseBody(std::string(100000, '[')).error().error_code, "MALFORMED_REQUEST");
  Json body =
      *ParseBody(R"({"s": 1, "i": "12", "f": 1.5, "b": "true", "big": 18446744073709551615})");
  EXPECT_EQ(OptString(body, "s").error().status, 400);
  EXPECT_EQ(**OptInt(body, "i"), 12);
  ASSERT_FALSE(OptInt(body, "f"));
  EXPECT_EQ(OptInt(body, "f").error().error_code, "INVALID_PARAMETER_VALUE");
  ASSERT_FALSE(OptInt(body, "big"));
  EXPECT_EQ(OptInt(body, "big").error().error_code, "INVALID_PARAMETER_VALUE");
  EXPECT_EQ(OptBool(body, "b").error().error_code, "INVALID_PARAMETER_VALUE");
  EXPECT_FALSE(*OptString(body, "absent"));
  EXPECT_EQ(ReqString(body, "absent").error().message, "Field 'absent' is required");
}

TEST(ApiSupportTest, ValidatesPartitionsAndCanonicalizesThem) {
  Json ok = Json::parse(
      R"([{"values": [{"name": "country", "op": "EQUAL", "recipient_property_key": "country"},
                      {"name": "date", "op": "LIKE", "value": "2026-%"}]}])");
  auto text = CanonicalPartitions(ok);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(Json::parse(*text), ok);
  EXPECT_EQ(*CanonicalPartitions(Json::array()), "");
  for (
      const char* bad : {
          R"({"values": []})",
          R"([{"values": []}])",
          R"([{"values": [{"name": "c", "op": "GREATER", "value": "1"}]}])",
          R"([{"values": [{"op": "EQUAL", "value": "1"}]}])",
          R"([{"values": [{"name": "c", "op": "EQUAL", "value": "1", "recipient_property_key": "k"}]}])",
          R"([{"values": [{"name": "c", "op": "EQUAL", "value": 1}]}])",
          R"([{"values": [{"name": "c", "op": "EQUAL", "extra": "x"}]}])",
          R"([{"values": [{"name": "c", "op": "EQUAL"}], "other": 1}])",
      }) {
    auto r = CanonicalPartitions(Json::parse(bad));
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().error_code, "INVALID_PARAMETER_VALUE") << bad;
  }
}

TEST(ApiSupportTest, ExtractsActivationTokensFromUrls) {
  EXPECT_EQ(*ActivationTokenOf("abc_DEF-123"), "abc_DEF-123");
  EXPECT_EQ(*ActivationTokenOf("http://h:1/delta-sharing/activation/abc_DEF-123"), "abc_DEF-123");
  EXPECT_FALSE(ActivationTokenOf("http://h/x/a.b"));
  EXPECT_FALSE(ActivationTokenOf(""));
  EXPECT_EQ(IsoTime(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
}

}  // namespace
}  // namespace lakeshare::admin::internal
