// Request rate limits (issue 10, "Abuse limits"): token buckets per client address and per
// authenticated caller, answered with 429 RESOURCE_EXHAUSTED and a Retry-After header (RFC 6585
// §4; the official Delta Sharing clients retry 429 with exponential backoff from 100 ms).
//
//  - per address: a router middleware that runs before routing and authentication
//    (Router::UseBeforeRouting), so an anonymous flood is refused before any token is checked.
//    The address is the client's (after trusted proxies, Router step 0); IPv6 clients are
//    counted per /64 (address_key.h).
//  - per principal: a router middleware after authentication (Router::Use), keyed by what
//    `principal_key` returns (app/ passes the recipient), so one partner's pipeline cannot take
//    the server from the others whatever addresses it comes from.
// A request takes one token when its head arrives: a /query stream of any length counts once.
// /healthz and /readyz are never limited. Both tables are bounded (RateLimiter).
//
// Thread-safe; `metrics` must outlive the RequestLimits, which must outlive the router using its
// middlewares.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "http/metrics.h"
#include "http/rate_limiter.h"
#include "http/router.h"

namespace lakeshare::http {

struct RequestLimitOptions {
  RateLimit per_address{.per_second = 200, .burst = 400};
  RateLimit per_principal{.per_second = 100, .burst = 300};
  /// Buckets kept per table at most (about 150 bytes each).
  size_t max_tracked_keys = 100'000;
  /// The per_principal key of a request, "" for none (not limited by per_principal).
  std::function<std::string(const Request& request)> principal_key{};
  /// Renders the 429 reply (default: ErrorResponse); Retry-After is added to what it returns.
  ErrorRenderer renderer{};
};

class RequestLimits {
 public:
  RequestLimits(RequestLimitOptions options, MetricsRegistry& metrics);
  ~RequestLimits();
  RequestLimits(const RequestLimits&) = delete;
  RequestLimits& operator=(const RequestLimits&) = delete;

  /// For Router::UseBeforeRouting: the per-address limit.
  Middleware AddressMiddleware();
  /// For Router::Use: the per-principal limit.
  Middleware PrincipalMiddleware();

  const RateLimiter& address_limiter() const { return *by_address_; }
  const RateLimiter& principal_limiter() const { return *by_principal_; }

 private:
  Result<Response> Refuse(const Request& request, std::string_view what,
                          std::chrono::seconds retry_after);

  RequestLimitOptions options_;
  std::unique_ptr<RateLimiter> by_address_;
  std::unique_ptr<RateLimiter> by_principal_;
  Counter& limited_total_;
};

}  // namespace lakeshare::http
