// Structured log lines and HTTP dates for the server (internal to http/): JsonLine builds one
// {"ts":..., "level":..., "event":..., ...} line; the helpers keep secrets and client-minted
// label values out of logs and metrics. Thread-safe (HttpDate caches per thread).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/request.h"

namespace lakeshare::http::internal {

/// Now as ISO-8601 UTC with milliseconds ("2024-05-01T12:00:00.123Z").
std::string NowIso8601();

/// RFC 9110 §5.6.7 IMF-fixdate, cached per thread and second.
const std::string& HttpDate();

/// One structured log line: {"ts":..., "level":..., "event":..., ...}.
class JsonLine {
 public:
  JsonLine(std::string_view level, std::string_view event);
  JsonLine& Str(std::string_view key, std::string_view value);
  JsonLine& Int(std::string_view key, int64_t value);
  JsonLine& Num(std::string_view key, double value);
  std::string Take();

 private:
  void Key(std::string_view key);
  std::string out_;
};

/// The request's query with the values of sensitive parameters (tokens, signatures, keys,
/// secrets) replaced by REDACTED.
std::string RedactedQuery(const Request& request);

/// Method label values come from a closed set so clients cannot mint series.
std::string_view MethodLabel(std::string_view method);

}  // namespace lakeshare::http::internal
