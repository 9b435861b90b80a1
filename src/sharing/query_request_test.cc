#include "sharing/query_request.h"

#include <gtest/gtest.h>

#include <string>

namespace lakeshare::sharing {
namespace {

http::Request MakeRequest(std::string target) {
  auto r = http::Request::Create("GET", target);
  EXPECT_TRUE(r) << r.error().message;
  return std::move(*r);
}

TEST(QueryRequestTest, EmptyBodyAndEmptyObjectAreValid) {
  EXPECT_TRUE(ParseQueryRequest(""));
  EXPECT_TRUE(ParseQueryRequest("  {} "));
}

TEST(QueryRequestTest, ParsesEveryField) {
  auto q = ParseQueryRequest(R"({"predicateHints":["a = 1"],"jsonPredicateHints":"{\"op\":\"x\"}",
      "limitHint":10,"version":3,"maxFiles":5,"pageToken":"t","idempotency_key":"k",
      "includeHistoricalProtocol":true})");
  ASSERT_TRUE(q) << q.error().message;
  EXPECT_EQ(q->predicate_hints.size(), 1u);
  EXPECT_EQ(*q->json_predicate_hints, "{\"op\":\"x\"}");
  EXPECT_EQ(*q->limit_hint, 10);
  EXPECT_EQ(*q->version, 3);
  EXPECT_EQ(*q->max_files, 5);
  EXPECT_EQ(*q->page_token, "t");
  EXPECT_EQ(*q->idempotency_key, "k");
  auto ts = ParseQueryRequest(R"({"timestamp":"2022-01-01T00:00:01Z"})");
  ASSERT_TRUE(ts);
  EXPECT_EQ(*ts->timestamp_ms, 1640995201000);
}

TEST(QueryRequestTest, MalformedBodiesAreMalformedRequest) {
  EXPECT_EQ(ParseQueryRequest("{").error().code, ErrorCode::kMalformedRequest);
  EXPECT_EQ(ParseQueryRequest("[1]").error().code, ErrorCode::kMalformedRequest);
  EXPECT_EQ(ParseQueryRequest(R"({"predicateHints":"a"})").error().code,
            ErrorCode::kMalformedRequest);
  EXPECT_EQ(ParseQueryRequest(R"({"version":"x"})").error().code, ErrorCode::kMalformedRequest);
  EXPECT_EQ(ParseQueryRequest(R"({"version":1.5})").error().code, ErrorCode::kMalformedRequest);
}

// Issue 10: an 80,000-deep jsonPredicateHints object overflowed the stack of the server while
// being re-serialised; both predicate forms and the body itself are bounded before parsing.
TEST(QueryRequestTest, DeepJsonIsRefusedBeforeParsing) {
  const std::string deep = std::string(80'000, '[') + std::string(80'000, ']');
  struct Case {
    std::string body;
    std::string message_start;
  };
  const Case cases[] = {
      {R"({"jsonPredicateHints":{"op":)" + deep + "}}", "The query body nests JSON deeper than 64"},
      {R"({"jsonPredicateHints":")" + deep + "\"}",
       "'jsonPredicateHints' nests JSON deeper than 64"},
      {R"({"limitHint":)" + deep + "}", "The query body nests JSON deeper than 64"},
  };
  for (const Case& c : cases) {
    auto q = ParseQueryRequest(c.body);
    ASSERT_FALSE(q);
    EXPECT_EQ(q.error().code, ErrorCode::kMalformedRequest);
    EXPECT_EQ(q.error().message.rfind(c.message_start, 0), 0u) << q.error().message;
  }
}

TEST(QueryRequestTest, PredicateBoundsApplyToBothForms) {
  // 64 levels in the string form; in the object form the body's own level counts too.
  auto nest = [](int levels) {
    return std::string(static_cast<size_t>(levels), '[') +
           std::string(static_cast<size_t>(levels), ']');
  };
  EXPECT_TRUE(ParseQueryRequest(R"({"jsonPredicateHints":")" + nest(64) + "\"}"));
  EXPECT_FALSE(ParseQueryRequest(R"({"jsonPredicateHints":")" + nest(65) + "\"}"));
  EXPECT_TRUE(ParseQueryRequest(R"({"jsonPredicateHints":{"a":)" + nest(62) + "}}"));
  EXPECT_FALSE(ParseQueryRequest(R"({"jsonPredicateHints":{"a":)" + nest(63) + "}}"));
  // More than 10,000 elements, in either form.
  std::string wide = "[0";
  for (int i = 0; i < 10'000; ++i) wide += ",0";
  wide += "]";
  for (const std::string& body : {R"({"jsonPredicateHints":")" + wide + "\"}",
                                  R"({"jsonPredicateHints":{"a":)" + wide + "}}"}) {
    auto q = ParseQueryRequest(body);
    ASSERT_FALSE(q);
    EXPECT_EQ(q.error().message,
              "'jsonPredicateHints' has more than 10000 elements (the limit); send fewer values");
  }
  // Brackets inside a SQL hint string are text.
  EXPECT_TRUE(ParseQueryRequest(R"({"predicateHints":[")" + std::string(100'000, '[') + "\"]}"));
}

TEST(QueryRequestTest, ConflictsAndRangesAreInvalidArgument) {
  for (const char* body : {
           R"({"version":1,"timestamp":"2022-01-01T00:00:00Z"})",
           R"({"version":1,"startingVersion":1})",
           R"({"version":-1})",
           R"({"limitHint":-1})",
           R"({"maxFiles":0})",
           R"({"endingVersion":3})",
           R"({"startingVersion":4,"endingVersion":3})",
           R"({"includeRefreshToken":true,"refreshToken":"x"})",
           R"({"includeRefreshToken":true,"version":1})",
           R"({"refreshToken":"x","pageToken":"y"})",
           R"({"timestamp":"yesterday"})",
           R"({"version":99999999999999999999})",
       }) {
    auto q = ParseQueryRequest(body);
    ASSERT_FALSE(q) << body;
    EXPECT_TRUE(q.error().code == ErrorCode::kInvalidArgument ||
                q.error().code == ErrorCode::kMalformedRequest)
        << body;
  }
}

TEST(QueryRequestTest, CanonicalIgnoresPagingFields) {
  auto a = ParseQueryRequest(R"({"limitHint":3,"maxFiles":1})");
  auto b = ParseQueryRequest(R"({"limitHint":3,"maxFiles":9,"pageToken":"x"})");
  auto c = ParseQueryRequest(R"({"limitHint":4})");
  EXPECT_EQ(a->Canonical(), b->Canonical());
  EXPECT_NE(a->Canonical(), c->Canonical());
}

TEST(ChangesRequestTest, BooleansAreCaseInsensitive) {
  auto c = ParseChangesRequest(
      MakeRequest("/c?startingVersion=1&endingVersion=2&includeHistoricalMetadata=True"));
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_TRUE(c->include_historical_metadata);
  EXPECT_EQ(*c->ending_version, 2);
  EXPECT_FALSE(
      ParseChangesRequest(MakeRequest("/c?startingVersion=1&includeHistoricalMetadata=yes")));
}

TEST(ChangesRequestTest, StartIsRequiredAndBoundsAreExclusive) {
  EXPECT_FALSE(ParseChangesRequest(MakeRequest("/c")));
  EXPECT_FALSE(ParseChangesRequest(
      MakeRequest("/c?startingVersion=1&startingTimestamp=2022-01-01T00:00:00Z")));
  EXPECT_FALSE(ParseChangesRequest(
      MakeRequest("/c?startingVersion=1&endingVersion=2&endingTimestamp=2022-01-01T00:00:00Z")));
  EXPECT_FALSE(ParseChangesRequest(MakeRequest("/c?startingVersion=-1")));
  EXPECT_FALSE(ParseChangesRequest(MakeRequest("/c?startingVersion=abc")));
  EXPECT_FALSE(ParseChangesRequest(MakeRequest("/c?startingVersion=3&endingVersion=2")));
  EXPECT_FALSE(ParseChangesRequest(MakeRequest("/c?startingVersion=1&startingVersion=2")));
  EXPECT_FALSE(ParseChangesRequest(MakeRequest("/c?startingVersion=1&maxFiles=0")));
  auto ts = ParseChangesRequest(MakeRequest("/c?startingTimestamp=2022-01-01%2000:00:00"));
  ASSERT_TRUE(ts) << ts.error().message;
  EXPECT_EQ(*ts->starting_timestamp_ms, 1640995200000);
}

TEST(ListParamsTest, MaxResultsIsCheckedAndCapped) {
  EXPECT_EQ(ParseListParams(MakeRequest("/s?maxResults=10"))->max_results, 10);
  EXPECT_EQ(ParseListParams(MakeRequest("/s?maxResults=100000"))->max_results, 500);
  EXPECT_EQ(ParseListParams(MakeRequest("/s?maxResults=0"))->max_results, 0);
  EXPECT_EQ(ParseListParams(MakeRequest("/s?maxResults=-1")).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_FALSE(ParseListParams(MakeRequest("/s?maxResults=ten")));
  EXPECT_FALSE(ParseListParams(MakeRequest("/s?maxResults=99999999999")));
}

// A partner's timestamp beyond what int64 microseconds hold wrapped around (signed overflow,
// undefined behaviour: the sanitizer build aborts): "+294248-01-01T00:00:00Z" became a time in
// the year -290307, so /changes?startingTimestamp= of the far future served the whole feed from
// version 0. It is refused now; the int64 edges themselves are kept, floored to milliseconds.
TEST(TimestampParamTest, TimestampsBeyondInt64MicrosecondsAreRefusedNotWrapped) {
  for (const char* text :
       {"+294248-01-01T00:00:00Z", "294247-01-10T04:00:54.775808Z", "999999-12-31T23:59:59Z",
        "294247-01-10T04:00:54.775807-00:01", "-290308-12-21T19:59:05.224191Z",
        "-999999-01-01", "-290308-12-21T19:59:05.224192+00:01"}) {
    auto ms = ParseTimestampParam("startingTimestamp", text);
    EXPECT_FALSE(ms) << text << " -> " << *ms;
    if (!ms) {
      EXPECT_EQ(ms.error().code, ErrorCode::kInvalidArgument) << text;
    }
  }
  auto latest = ParseTimestampParam("timestamp", "294247-01-10T04:00:54.775807Z");
  ASSERT_TRUE(latest) << latest.error().message;
  EXPECT_EQ(*latest, 9223372036854775);
  auto earliest = ParseTimestampParam("timestamp", "-290308-12-21T19:59:05.224192Z");
  ASSERT_TRUE(earliest) << earliest.error().message;
  EXPECT_EQ(*earliest, -9223372036854776);
  EXPECT_EQ(*ParseTimestampParam("timestamp", "1969-12-31T23:59:59.9995Z"), -1);
  EXPECT_EQ(*ParseTimestampParam("timestamp", "2022-01-01T00:00:01Z"), 1640995201000);
}

TEST(MetadataParamsTest, VersionAndTimestampAreExclusive) {
  EXPECT_FALSE(ParseMetadataParams(MakeRequest("/m?version=1&timestamp=2022-01-01T00:00:00Z")));
  EXPECT_EQ(*ParseMetadataParams(MakeRequest("/m?version=1"))->version, 1);
}

}  // namespace
}  // namespace lakeshare::sharing
