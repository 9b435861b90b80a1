#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "admin/api_internal.h"
#include "admin/uc_error.h"

namespace lakeshare::admin::internal {
using ::lakeshare::admin::UcErrorCode;
using ::lakeshare::admin::UcErrorResponse;
namespace {

TEST(ApiSupportTest, MapsCatalogErrorsToUnityCatalogCodes) {
  // The code comes from the resource kind the catalog sets, never from the message: a message
  // that reads like a share's is still RESOURCE_... without the kind.
  EXPECT_EQ(UcErrorCode({ErrorCode::kNotFound, "Share 's' does not exist"}),
            "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(UcErrorCode({ErrorCode::kNotFound, "Recipient 'r' does not exist",
                         ResourceKind::kRecipient}),
            "RECIPIENT_DOES_NOT_EXIST");
  EXPECT_EQ(UcErrorCode({ErrorCode::kNotFound, "Table 'a.b.c' does not exist", ResourceKind::kTable}),
            "TABLE_DOES_NOT_EXIST");
  EXPECT_EQ(UcErrorCode({ErrorCode::kAlreadyExists, "Share 's' already exists", ResourceKind::kShare}),
            "SHARE_ALREADY_EXISTS");
  EXPECT_EQ(UcErrorCode({ErrorCode::kUnsupported, "no"}), "INVALID_PARAMETER_VALUE");
  http::Response reply =
      UcErrorResponse({ErrorCode::kInternal, "db at /var/x is corrupt"}, "req-1");
  EXPECT_EQ(reply.status(), 500);
  EXPECT_THAT(reply.body(), ::testing::Not(::testing::HasSubstr("/var/x")));
  EXPECT_THAT(reply.body(), ::testing::HasSubstr("req-1"));
  EXPECT_THAT(reply.body(), ::testing::HasSubstr("INTERNAL_ERROR"));
  // A dependency that is down: 503, retry, still no detail.
  http::Response retry =
      UcErrorResponse({ErrorCode::kUnavailable, "db at /var/x is down"}, "req-2");
  EXPECT_EQ(retry.status(), 503);
  EXPECT_THAT(retry.body(), ::testing::HasSubstr("TEMPORARILY_UNAVAILABLE"));
  EXPECT_THAT(retry.body(), ::testing::Not(::testing::HasSubstr("/var/x")));
  ASSERT_NE(retry.Header("Retry-After"), nullptr);
  EXPECT_EQ(retry.error()->code, ErrorCode::kUnavailable);
}

TEST(ApiSupportTest, ResourceKindNamesTheCodeWithoutReadingTheMessage) {
  EXPECT_EQ(UcErrorCode({ErrorCode::kNotFound, "gone", ResourceKind::kShare}),
            "SHARE_DOES_NOT_EXIST");
  EXPECT_EQ(UcErrorCode({ErrorCode::kAlreadyExists, "Share 's' exists", ResourceKind::kRecipient}),
            "RECIPIENT_ALREADY_EXISTS");
  EXPECT_EQ(UcErrorCode({ErrorCode::kNotFound, "Table 'x' ...", ResourceKind::kSharedObject}),
            "RESOURCE_DOES_NOT_EXIST");
  EXPECT_EQ(UcErrorCode({ErrorCode::kNotFound, "x", ResourceKind::kExternalLocation}),
            "EXTERNAL_LOCATION_DOES_NOT_EXIST");
}

TEST(ApiSupportTest, ParsesBodiesStrictly) {
  EXPECT_TRUE(ParseBody("")->is_object());
  EXPECT_EQ(ParseBody("{").error().code, ErrorCode::kMalformedRequest);
  EXPECT_EQ(ParseBody("[1]").error().code, ErrorCode::kMalformedRequest);
  EXPECT_EQ(ParseBody(std::string(100000, '[')).error().code, ErrorCode::kMalformedRequest);
  Json body =
      *ParseBody(R"({"s": 1, "i": "12", "f": 1.5, "b": "true", "big": 18446744073709551615})");
  EXPECT_EQ(OptString(body, "s").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(**OptInt(body, "i"), 12);
  ASSERT_FALSE(OptInt(body, "f"));
  EXPECT_EQ(OptInt(body, "f").error().code, ErrorCode::kInvalidArgument);
  ASSERT_FALSE(OptInt(body, "big"));
  EXPECT_EQ(OptInt(body, "big").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(OptBool(body, "b").error().code, ErrorCode::kInvalidArgument);
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
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(ApiSupportTest, JsonTextIsCompactAndReplacesInvalidUtf8) {
  EXPECT_EQ(JsonText(Json{{"a", 1}, {"b", Json::array({"x", nullptr})}}),
            R"({"a":1,"b":["x",null]})");
  EXPECT_EQ(JsonText(Json{{"bad", "x\xffy"}}), "{\"bad\":\"x\xef\xbf\xbdy\"}");
  EXPECT_EQ(JsonReply(Json{{"bad", "x\xffy"}}).body(), JsonText(Json{{"bad", "x\xffy"}}));
}

TEST(ApiSupportTest, ANoStoreReplyIsTheJsonReplyNoCacheKeeps) {
  const Json body{{"token_value", "secret"}, {"b", "\xff"}};
  http::Response plain = JsonReply(body);
  http::Response secret = NoStoreReply(body);
  EXPECT_EQ(secret.status(), 200);
  EXPECT_EQ(secret.body(), plain.body());
  EXPECT_EQ(plain.Header("Cache-Control"), nullptr);
  ASSERT_NE(secret.Header("Cache-Control"), nullptr);
  EXPECT_EQ(*secret.Header("Cache-Control"), "no-store");
}

TEST(ApiSupportTest, ExtractsActivationTokensFromUrls) {
  EXPECT_EQ(*ActivationTokenOf("abc_DEF-123"), "abc_DEF-123");
  EXPECT_EQ(*ActivationTokenOf("http://h:1/delta-sharing/activation/abc_DEF-123"), "abc_DEF-123");
  EXPECT_FALSE(ActivationTokenOf("http://h/x/a.b"));
  EXPECT_FALSE(ActivationTokenOf(""));
}

}  // namespace
}  // namespace lakeshare::admin::internal
