#include "common/iso_time.h"

#include <fmt/format.h>

#include <ctime>
#include <iterator>

#include "common/civil_date.h"

namespace lakeshare {

bool ParseFixedDigits(std::string_view s, size_t pos, size_t n, int64_t* out) {
  if (pos > s.size() || n > s.size() - pos) {
    return false;
  }
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') {
      return false;
    }
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

std::optional<int64_t> ParseZoneOffset(std::string_view zone) {
  if (zone.empty() || zone == "Z" || zone == "z") {
    return 0;
  }
  int64_t hh = 0;
  int64_t mm = 0;
  if ((zone[0] != '+' && zone[0] != '-') || !ParseFixedDigits(zone, 1, 2, &hh)) {
    return std::nullopt;
  }
  size_t pos = zone.size() > 3 && zone[3] == ':' ? 4 : 3;
  if (pos < zone.size() && (!ParseFixedDigits(zone, pos, 2, &mm) || pos + 2 != zone.size())) {
    return std::nullopt;
  }
  if (pos == 4 && pos == zone.size()) {
    return std::nullopt;  // "+01:" without minutes
  }
  if (hh > 23 || mm > 59) {
    return std::nullopt;
  }
  int64_t seconds = hh * 3600 + mm * 60;
  return zone[0] == '-' ? -seconds : seconds;
}

bool ParseClockTime(std::string_view s, size_t* pos, int fraction_digits, ClockTime* out) {
  size_t p = *pos;
  ClockTime t;
  if (!ParseFixedDigits(s, p, 2, &t.hour) || p + 2 >= s.size() || s[p + 2] != ':' ||
      !ParseFixedDigits(s, p + 3, 2, &t.minute)) {
    return false;
  }
  p += 5;
  if (p < s.size() && s[p] == ':') {
    if (!ParseFixedDigits(s, p + 1, 2, &t.second)) {
      return false;
    }
    p += 3;
    if (p < s.size() && s[p] == '.') {
      int digits = 0;
      for (++p; p < s.size() && s[p] >= '0' && s[p] <= '9'; ++p, ++digits) {
        if (digits < fraction_digits) {
          t.fraction = t.fraction * 10 + (s[p] - '0');
        }
      }
      if (digits == 0) {
        return false;
      }
      for (; digits < fraction_digits; ++digits) {
        t.fraction *= 10;
      }
    }
  }
  *pos = p;
  *out = t;
  return true;
}

void AppendIsoMillis(std::string& out, int64_t millis) {
  const int64_t seconds = FloorDiv(millis, 1000);
  const int64_t ms = millis - seconds * 1000;
  const int64_t days = FloorDiv(seconds, 86400);
  const int64_t sod = seconds - days * 86400;
  AppendDate(out, days);
  fmt::format_to(std::back_inserter(out), "T{:02d}:{:02d}:{:02d}.{:03d}Z", sod / 3600,
                 (sod / 60) % 60, sod % 60, ms);
}

std::string FormatIsoMillis(int64_t millis) {
  std::string out;
  AppendIsoMillis(out, millis);
  return out;
}

std::optional<int64_t> ParseIsoMillis(std::string_view s) {
  int64_t year = 0, month = 0, day = 0;
  if (!ParseFixedDigits(s, 0, 4, &year) || s.size() < 10 || s[4] != '-' ||
      !ParseFixedDigits(s, 5, 2, &month) || s[7] != '-' || !ParseFixedDigits(s, 8, 2, &day)) {
    return std::nullopt;
  }
  size_t pos = 10;
  ClockTime time;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == 't' || s[pos] == ' ')) {
    ++pos;
    if (!ParseClockTime(s, &pos, 3, &time)) {
      return std::nullopt;
    }
  }
  std::optional<int64_t> offset = ParseZoneOffset(s.substr(pos));
  if (!offset || month < 1 || month > 12 || day < 1 || time.hour > 23 || time.minute > 59 ||
      time.second > 59) {
    return std::nullopt;
  }
  std::tm tm{};
  // Every field has at most four digits: the narrowing below cannot lose anything.
  tm.tm_year = static_cast<int>(year - 1900);
  tm.tm_mon = static_cast<int>(month - 1);
  tm.tm_mday = static_cast<int>(day);
  tm.tm_hour = static_cast<int>(time.hour);
  tm.tm_min = static_cast<int>(time.minute);
  tm.tm_sec = static_cast<int>(time.second);
  const std::time_t t = timegm(&tm);
  if (tm.tm_mday != day || tm.tm_mon != month - 1) {
    return std::nullopt;  // timegm normalized a day that does not exist
  }
  return (static_cast<int64_t>(t) - *offset) * 1000 + time.fraction;
}

std::optional<int64_t> ParseHttpDateMillis(std::string_view s) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // "Sun, " then "06 Nov 1994 08:49:37 GMT": fixed positions.
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ') return std::nullopt;
  s.remove_prefix(5);
  int64_t day = 0, year = 0;
  size_t pos = 12;
  ClockTime time;
  if (!ParseFixedDigits(s, 0, 2, &day) || s[2] != ' ' || s[6] != ' ' ||
      !ParseFixedDigits(s, 7, 4, &year) || s[11] != ' ' || !ParseClockTime(s, &pos, 3, &time) ||
      pos != 20 || s.substr(20) != " GMT") {
    return std::nullopt;
  }
  int64_t month = 0;
  for (int64_t i = 0; i < 12; ++i) {
    if (s.substr(3, 3) == kMonths[i]) month = i + 1;
  }
  if (month == 0 || day < 1 || time.hour > 23 || time.minute > 59 || time.second > 60) {
    return std::nullopt;
  }
  const int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t check_year = 0;
  unsigned check_month = 0, check_day = 0;
  CivilFromDays(days, &check_year, &check_month, &check_day);
  if (check_month != month || check_day != day) return std::nullopt;  // 30 Feb
  return ((days * 24 + time.hour) * 60 + time.minute) * 60000 + time.second * 1000;
}

}  // namespace lakeshare
