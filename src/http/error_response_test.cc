#include "http/error_response.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <tuple>

namespace lakeshare::http {
namespace {

using ::testing::HasSubstr;

struct Expected {
  ErrorCode code;
  int status;
  std::string_view error_code;
};

// STYLE.md §3: the whole table, one row per ErrorCode.
constexpr Expected kTable[] = {
    {ErrorCode::kMalformedRequest, 400, "MALFORMED_REQUEST"},
    {ErrorCode::kInvalidArgument, 400, "INVALID_PARAMETER_VALUE"},
    {ErrorCode::kUnsupported, 400, "UNSUPPORTED_OPERATION"},
    {ErrorCode::kUnauthenticated, 401, "UNAUTHENTICATED"},
    {ErrorCode::kPermissionDenied, 403, "PERMISSION_DENIED"},
    {ErrorCode::kNotFound, 404, "RESOURCE_DOES_NOT_EXIST"},
    {ErrorCode::kAlreadyExists, 409, "RESOURCE_ALREADY_EXISTS"},
    {ErrorCode::kResourceExhausted, 429, "RESOURCE_EXHAUSTED"},
    {ErrorCode::kCorrupt, 500, "INTERNAL_ERROR"},
    {ErrorCode::kUnavailable, 503, "TEMPORARILY_UNAVAILABLE"},
    {ErrorCode::kInternal, 500, "INTERNAL_ERROR"},
};

TEST(ErrorResponseTest, MapsEveryErrorCode) {
  for (const Expected& row : kTable) {
    SCOPED_TRACE(std::string(ErrorCodeName(row.code)));
    EXPECT_EQ(HttpStatusFor(row.code), row.status);
    EXPECT_EQ(ProtocolErrorCodeFor(row.code), row.error_code);
    Response response = ErrorResponse(Error{row.code, "share 'x' not found"}, "rid-1");
    EXPECT_EQ(response.status(), row.status);
    ASSERT_NE(response.Header("Content-Type"), nullptr);
    EXPECT_EQ(*response.Header("Content-Type"), "application/json; charset=utf-8");
    EXPECT_THAT(response.body(),
                HasSubstr("{\"errorCode\":\"" + std::string(row.error_code) + "\""));
    ASSERT_TRUE(response.error().has_value());
    EXPECT_EQ(response.error()->code, row.code);
    EXPECT_EQ(response.error()->message, "share 'x' not found");
  }
}

TEST(ErrorResponseTest, TableCoversTheWholeEnum) {
  // kInternal is the last enumerator; a new code must extend the table above.
  EXPECT_EQ(static_cast<int>(ErrorCode::kInternal) + 1,
            static_cast<int>(sizeof(kTable) / sizeof(kTable[0])));
}

// The exact bodies: a client error says what is wrong (JSON-escaped); a server-side one hides its
// detail (paths, URLs, hosts) and names the request instead. The detail is kept for the log.
struct BodyCase {
  const char* what;
  Error error;
  int status;
  std::string_view body;
  const char* retry_after;  // null: no Retry-After
};

TEST(ErrorResponseTest, ClientErrorsSayWhatIsWrongAndServerErrorsHideTheirDetail) {
  const BodyCase cases[] = {
      {"a client error carries its message",
       Error{ErrorCode::kNotFound, "Table 's.sc.t' does not exist"}, 404,
       R"j({"errorCode":"RESOURCE_DOES_NOT_EXIST","message":"Table 's.sc.t' does not exist"})j",
       nullptr},
      {"messages are escaped as JSON",
       Error{ErrorCode::kInvalidArgument, "bad \"predicate\"\n\\ \x01"}, 400,
       R"j({"errorCode":"INVALID_PARAMETER_VALUE","message":"bad \"predicate\"\n\\ \u0001"})j",
       nullptr},
      {"an internal error hides the detail and names the request",
       Error{ErrorCode::kInternal, "GET https://bucket.s3/key?X-Amz-Signature=abc: refused"}, 500,
       R"j({"errorCode":"INTERNAL_ERROR","message":"Internal error (request id req-42)"})j",
       nullptr},
      {"an unavailable dependency is a 503 to retry, without its detail",
       Error{ErrorCode::kUnavailable, "Cannot connect to the PostgreSQL metastore at db:5432"}, 503,
       R"j({"errorCode":"TEMPORARILY_UNAVAILABLE","message":"Temporarily unavailable, )j"
       R"j(retry in a few seconds (request id req-42)"})j",
       "1"},
  };
  for (const BodyCase& c : cases) {
    SCOPED_TRACE(c.what);
    Response response = ErrorResponse(c.error, "req-42");
    EXPECT_EQ(response.status(), c.status);
    EXPECT_EQ(response.body(), c.body);
    ASSERT_TRUE(response.error().has_value());
    EXPECT_EQ(response.error()->message, c.error.message);  // kept for the log
    const std::string* retry_after = response.Header("Retry-After");
    if (c.retry_after == nullptr) {
      EXPECT_EQ(retry_after, nullptr);
    } else {
      ASSERT_NE(retry_after, nullptr);
      EXPECT_EQ(*retry_after, c.retry_after);
    }
  }
}

TEST(ErrorResponseTest, UnauthenticatedCarriesABearerChallenge) {
  Response response = ErrorResponse(Error{ErrorCode::kUnauthenticated, "no token"});
  ASSERT_NE(response.Header("WWW-Authenticate"), nullptr);
  EXPECT_EQ(*response.Header("WWW-Authenticate"), "Bearer");
}

TEST(ErrorResponseTest, TransportRefusalsUseTheSameShape) {
  Response response =
      StatusErrorResponse(413, "MALFORMED_REQUEST", "Request body exceeds 10 bytes");
  EXPECT_EQ(response.status(), 413);
  EXPECT_EQ(response.body(),
            "{\"errorCode\":\"MALFORMED_REQUEST\",\"message\":\"Request body exceeds 10 bytes\"}");
  EXPECT_FALSE(response.error().has_value());
}

}  // namespace
}  // namespace lakeshare::http
