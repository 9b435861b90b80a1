#include "http/request_limits.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include "http/error_response.h"

namespace lakeshare::http {
namespace {

using ::testing::HasSubstr;

Request From(std::string_view address, std::string_view target = "/shares",
             std::vector<Field> headers = {}) {
  Result<Request> request =
      Request::Create("GET", target, std::move(headers), {}, std::string(address));
  EXPECT_TRUE(request.has_value());
  return std::move(*request);
}

class RequestLimitsTest : public ::testing::Test {
 protected:
  void Build(RequestLimitOptions options) {
    limits_ = std::make_unique<RequestLimits>(std::move(options), metrics_);
    router_.UseBeforeRouting(limits_->AddressMiddleware());
    router_.Use(limits_->PrincipalMiddleware());
    router_.SetAuthenticator([this](Request& request) -> Status {
      ++authentications_;
      const std::string* auth = request.Header("Authorization");
      if (auth == nullptr || auth->rfind("Bearer ", 0) != 0) {
        return MakeError(ErrorCode::kUnauthenticated, "no token");
      }
      request.set_principal("recipient:" + auth->substr(7));
      return OkStatus();
    });
    ASSERT_TRUE(router_.Handle("GET", "/shares",
                               [](Request&) -> Result<Response> { return Response::Json("{}"); }));
    ASSERT_TRUE(router_.Handle("GET", "/healthz",
                               [](Request&) -> Result<Response> { return Response::Json("{}"); },
                               {.authenticate = false}));
  }

  int StatusOf(std::string_view address, std::string_view token = "",
               std::string_view target = "/shares") {
    std::vector<Field> headers;
    if (!token.empty()) {
      headers.emplace_back("Authorization", "Bearer " + std::string(token));
    }
    Request request = From(address, target, headers);
    last_ = router_.Dispatch(request);
    return last_.status();
  }

  MetricsRegistry metrics_;
  Router router_;
  std::unique_ptr<RequestLimits> limits_;
  std::atomic<int> authentications_{0};
  Response last_;
};

TEST_F(RequestLimitsTest, AnAddressOverItsLimitGets429WithRetryAfterBeforeAnyTokenCheck) {
  Build({.per_address = {.per_second = 1, .burst = 3}, .per_principal = {}});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(StatusOf("198.51.100.7"), 401);
  }
  EXPECT_EQ(authentications_.load(), 3);
  EXPECT_EQ(StatusOf("198.51.100.7"), 429);
  EXPECT_EQ(authentications_.load(), 3);  // refused before authentication
  EXPECT_THAT(last_.body(), HasSubstr("\"errorCode\":\"RESOURCE_EXHAUSTED\""));
  ASSERT_NE(last_.Header("Retry-After"), nullptr);
  EXPECT_EQ(*last_.Header("Retry-After"), "1");
  ASSERT_TRUE(last_.error().has_value());
  EXPECT_EQ(last_.error()->code, ErrorCode::kResourceExhausted);
  // Unknown routes are counted too; other addresses and the health probe are not affected.
  EXPECT_EQ(StatusOf("198.51.100.7", "", "/nowhere"), 429);
  EXPECT_EQ(StatusOf("198.51.100.8", "acme"), 200);
  EXPECT_EQ(StatusOf("198.51.100.7", "", "/healthz"), 200);
  EXPECT_EQ(
      metrics_.AddCounter("lakeshare_http_rate_limited_total", "", {"limit"}).Value({"address"}),
      2);
}

TEST_F(RequestLimitsTest, Ipv6ClientsShareOneBudgetPerSlash64) {
  Build({.per_address = {.per_second = 1, .burst = 2}, .per_principal = {}});
  EXPECT_EQ(StatusOf("2001:db8:1:2::1", "a"), 200);
  EXPECT_EQ(StatusOf("2001:db8:1:2::2", "a"), 200);
  EXPECT_EQ(StatusOf("2001:db8:1:2::3", "a"), 429);
  EXPECT_EQ(StatusOf("2001:db8:1:3::1", "a"), 200);
}

TEST_F(RequestLimitsTest, APrincipalIsLimitedWhateverAddressItComesFrom) {
  RequestLimitOptions options{
      .per_address = {},
      .per_principal = {.per_second = 1, .burst = 2},
      .principal_key = [](const Request& request) { return request.principal(); }};
  Build(std::move(options));
  EXPECT_EQ(StatusOf("10.0.0.1", "acme"), 200);
  EXPECT_EQ(StatusOf("10.0.0.2", "acme"), 200);
  EXPECT_EQ(StatusOf("10.0.0.3", "acme"), 429);
  ASSERT_NE(last_.Header("Retry-After"), nullptr);
  EXPECT_EQ(StatusOf("10.0.0.3", "globex"), 200);
  // Anonymous requests have no principal key: refused by authentication, not by this limit.
  EXPECT_EQ(StatusOf("10.0.0.3"), 401);
}

TEST_F(RequestLimitsTest, TheRendererShapesTheRefusal) {
  RequestLimitOptions options{.per_address = {.per_second = 1, .burst = 1}, .per_principal = {}};
  options.renderer = [](const Request&, const Error& error) {
    Response response = ErrorResponse(error);
    response.set_body("{\"error_code\":\"RESOURCE_EXHAUSTED\"}");
    return response;
  };
  Build(std::move(options));
  EXPECT_EQ(StatusOf("10.0.0.9", "a"), 200);
  EXPECT_EQ(StatusOf("10.0.0.9", "a"), 429);
  EXPECT_EQ(last_.body(), "{\"error_code\":\"RESOURCE_EXHAUSTED\"}");
  EXPECT_NE(last_.Header("Retry-After"), nullptr);
}

}  // namespace
}  // namespace lakeshare::http
