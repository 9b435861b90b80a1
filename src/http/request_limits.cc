#include "http/request_limits.h"

#include <fmt/format.h>

#include "http/address_key.h"
#include "http/error_response.h"

namespace lakeshare::http {
namespace {

bool IsUnlimitedProbe(const Request& request) {
  return request.path() == "/healthz" || request.path() == "/readyz";
}

}  // namespace

RequestLimits::RequestLimits(RequestLimitOptions options, MetricsRegistry& metrics)
    : options_(std::move(options)),
      by_address_(std::make_unique<RateLimiter>(options_.per_address, options_.max_tracked_keys)),
      by_principal_(
          std::make_unique<RateLimiter>(options_.per_principal, options_.max_tracked_keys)),
      limited_total_(metrics.AddCounter(
          "lakeshare_http_rate_limited_total",
          "Requests refused with 429 by a rate limit, by limit (address or principal).",
          {"limit"})) {}

RequestLimits::~RequestLimits() = default;

Result<Response> RequestLimits::Refuse(const Request& request, std::string_view what,
                                       std::chrono::seconds retry_after) {
  limited_total_.Inc({std::string(what)});
  Error error{ErrorCode::kResourceExhausted,
              fmt::format("Too many requests from this {}; retry after {} s (Retry-After)",
                          what == "address" ? "address" : "caller", retry_after.count())};
  Response response = options_.renderer ? options_.renderer(request, error)
                                        : ErrorResponse(error, request.request_id());
  response.SetHeader("Retry-After", std::to_string(retry_after.count()));
  return response;
}

Middleware RequestLimits::AddressMiddleware() {
  return [this](Request& request, const Handler& next) -> Result<Response> {
    if (by_address_->limit().enabled() && !IsUnlimitedProbe(request)) {
      RateLimiter::Decision decision = by_address_->Take(AddressLimitKey(request.remote_address()));
      if (!decision.allowed) {
        return Refuse(request, "address", decision.retry_after);
      }
    }
    return next(request);
  };
}

Middleware RequestLimits::PrincipalMiddleware() {
  return [this](Request& request, const Handler& next) -> Result<Response> {
    if (by_principal_->limit().enabled() && options_.principal_key) {
      std::string key = options_.principal_key(request);
      if (!key.empty()) {
        RateLimiter::Decision decision = by_principal_->Take(key);
        if (!decision.allowed) {
          return Refuse(request, "principal", decision.retry_after);
        }
      }
    }
    return next(request);
  };
}

}  // namespace lakeshare::http
