#include <fmt/format.h>
#include <time.h>

#include "common/clock.h"
#include "common/iso_time.h"
#include "common/strings.h"
#include "http/log_line_internal.h"

namespace lakeshare::http::internal {
namespace {

/// Query parameters whose values must never reach a log: tokens, signatures, keys, secrets.
bool IsSensitiveName(std::string_view name) {
  std::string lower = ToLower(name);
  for (std::string_view word :
       {"token", "sig", "secret", "password", "key", "credential", "auth", "code"}) {
    if (lower.find(word) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string NowIso8601() { return FormatIsoMillis(SystemClock().NowMs()); }

const std::string& HttpDate() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local time_t cached = 0;
  thread_local std::string text;
  time_t now = time(nullptr);
  if (now != cached) {
    struct tm tm {};
    gmtime_r(&now, &tm);
    text = fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays[tm.tm_wday], tm.tm_mday,
                       kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached = now;
  }
  return text;
}

JsonLine::JsonLine(std::string_view level, std::string_view event) {
  out_ = "{\"ts\":\"";
  out_ += NowIso8601();
  out_ += '"';
  Str("level", level);
  Str("event", event);
}

JsonLine& JsonLine::Str(std::string_view key, std::string_view value) {
  Key(key);
  AppendJsonString(out_, value);
  return *this;
}

JsonLine& JsonLine::Int(std::string_view key, int64_t value) {
  Key(key);
  out_ += std::to_string(value);
  return *this;
}

JsonLine& JsonLine::Num(std::string_view key, double value) {
  Key(key);
  AppendJsonDouble(out_, value);
  return *this;
}

std::string JsonLine::Take() {
  out_ += '}';
  return std::move(out_);
}

void JsonLine::Key(std::string_view key) {
  out_ += ',';
  AppendJsonString(out_, key);
  out_ += ':';
}

std::string RedactedQuery(const Request& request) {
  std::string out;
  for (const Field& field : request.query_params()) {
    if (!out.empty()) {
      out += '&';
    }
    out += field.first;
    out += '=';
    out += IsSensitiveName(field.first) ? std::string_view("REDACTED")
                                        : std::string_view(field.second);
  }
  return out;
}

std::string_view MethodLabel(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    if (method == known) {
      return known;
    }
  }
  return "OTHER";
}

}  // namespace lakeshare::http::internal
