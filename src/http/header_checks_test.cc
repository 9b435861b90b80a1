#include "http/header_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lakeshare::http {
namespace {

using ::testing::HasSubstr;

std::string Refusal(const std::vector<Field>& headers, unsigned version = 11) {
  Status status = CheckRequestHeaders(headers, version);
  if (status) {
    return "accepted";
  }
  EXPECT_EQ(status.error().code, ErrorCode::kMalformedRequest);
  return status.error().message;
}

TEST(HeaderChecksTest, AcceptsAnOrdinaryRequest) {
  EXPECT_EQ(Refusal({{"Host", "sharing.example.com:8443"},
                     {"Authorization", "Bearer t"},
                     {"Content-Type", "application/json"},
                     {"Content-Length", "12"},
                     {"X-Forwarded-For", "10.0.0.1"},
                     {"X-Forwarded-For", "10.0.0.2"}}),
            "accepted");
  EXPECT_EQ(Refusal({{"host", "127.0.0.1"}, {"transfer-encoding", "Chunked"}}), "accepted");
}

TEST(HeaderChecksTest, AnHttp11RequestWithoutHostIsRefusedAnHttp10OneIsNot) {
  EXPECT_THAT(Refusal({{"Accept", "*/*"}}), HasSubstr("needs a Host header"));
  EXPECT_EQ(Refusal({{"Accept", "*/*"}}, 10), "accepted");
}

TEST(HeaderChecksTest, TwoHostsOrABadHostAreRefused) {
  EXPECT_THAT(Refusal({{"Host", "a"}, {"Host", "b"}}), HasSubstr("more than one Host"));
  EXPECT_THAT(Refusal({{"Host", "a"}, {"HOST", "a"}}), HasSubstr("more than one Host"));
  for (std::string_view bad : {"a b", "evil.example/path", "a@b", "h:99999x", "h:123456", ":80",
                               "[::1", "[zz::1]", "[::1]x", "a\"b", "x,y"}) {
    SCOPED_TRACE(std::string(bad));
    EXPECT_THAT(Refusal({{"Host", std::string(bad)}}), HasSubstr("Host header is not"));
  }
  for (std::string_view good : {"", "localhost", "a.b-c_d~e", "h:8080", "10.1.2.3:1", "[::1]",
                                "[2001:db8::1]:443", "[::ffff:10.0.0.1]"}) {
    SCOPED_TRACE(std::string(good));
    EXPECT_EQ(Refusal({{"Host", std::string(good)}}), "accepted");
  }
}

TEST(HeaderChecksTest, TwoAuthorizationHeadersAreRefused) {
  EXPECT_THAT(
      Refusal({{"Host", "h"}, {"Authorization", "Bearer a"}, {"authorization", "Bearer b"}}),
      HasSubstr("more than one Authorization"));
}

TEST(HeaderChecksTest, AmbiguousBodyFramingIsRefused) {
  EXPECT_THAT(Refusal({{"Host", "h"}, {"Content-Length", "2"}, {"Content-Length", "2"}}),
              HasSubstr("more than one Content-Length"));
  EXPECT_THAT(Refusal({{"Host", "h"}, {"Content-Length", "2, 2"}}),
              HasSubstr("more than one Content-Length"));
  EXPECT_THAT(Refusal({{"Host", "h"}, {"Content-Length", "2"}, {"Transfer-Encoding", "chunked"}}),
              HasSubstr("both Transfer-Encoding and Content-Length"));
  EXPECT_THAT(Refusal({{"Host", "h"}, {"Transfer-Encoding", "gzip"}}),
              HasSubstr("exactly 'chunked'"));
  EXPECT_THAT(Refusal({{"Host", "h"}, {"Transfer-Encoding", "gzip, chunked"}}),
              HasSubstr("exactly 'chunked'"));
  EXPECT_THAT(
      Refusal({{"Host", "h"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}}),
      HasSubstr("exactly 'chunked'"));
  EXPECT_THAT(
      Refusal(
          {{"Host", "h"}, {"Content-Type", "application/json"}, {"Content-Type", "text/plain"}}),
      HasSubstr("more than one Content-Type"));
}

TEST(HeaderChecksTest, AnHttp10RequestWithTransferEncodingIsRefused) {
  EXPECT_THAT(Refusal({{"Transfer-Encoding", "chunked"}}, 10),
              HasSubstr("An HTTP/1.0 request cannot use Transfer-Encoding"));
  EXPECT_THAT(Refusal({{"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}}, 10),
              HasSubstr("An HTTP/1.0 request cannot use Transfer-Encoding"));
  EXPECT_EQ(Refusal({{"Content-Length", "5"}}, 10), "accepted");
  EXPECT_EQ(Refusal({{"Host", "h"}, {"Transfer-Encoding", "chunked"}}, 11), "accepted");
}

}  // namespace
}  // namespace lakeshare::http
