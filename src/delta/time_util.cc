#include "delta/time_util.h"

#include <fmt/format.h>

#include <limits>

#include "common/iso_time.h"

namespace lakeshare::delta {

namespace {

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

// Parse "[+-]yyyy-mm-dd" at the start; returns characters consumed or 0.
size_t ParseDatePart(std::string_view s, int64_t* days) {
  size_t pos = 0;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    pos = 1;
  }
  size_t year_digits = 0;
  while (pos + year_digits < s.size() && s[pos + year_digits] >= '0' &&
         s[pos + year_digits] <= '9') {
    ++year_digits;
  }
  if (year_digits < 4 || year_digits > 6) {
    return 0;
  }
  int64_t y, m, d;
  if (!ParseFixedDigits(s, pos, year_digits, &y)) {
    return 0;
  }
  pos += year_digits;
  if (pos >= s.size() || s[pos] != '-') {
    return 0;
  }
  ++pos;
  // Months and days may have one or two digits ("2021-1-5" appears in old partition values).
  auto small = [&](int64_t* v) {
    size_t n = 0;
    while (pos + n < s.size() && n < 2 && s[pos + n] >= '0' && s[pos + n] <= '9') {
      ++n;
    }
    if (n == 0 || !ParseFixedDigits(s, pos, n, v)) {
      return false;
    }
    pos += n;
    return true;
  };
  if (!small(&m)) {
    return 0;
  }
  if (pos >= s.size() || s[pos] != '-') {
    return 0;
  }
  ++pos;
  if (!small(&d)) {
    return 0;
  }
  if (neg) {
    y = -y;
  }
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, static_cast<unsigned>(m))) {
    return 0;
  }
  *days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return pos;
}

// `micros` as int64 microseconds, or nullopt when it does not fit.
std::optional<int64_t> MicrosInRange(__int128 micros) {
  if (micros < std::numeric_limits<int64_t>::min() ||
      micros > std::numeric_limits<int64_t>::max()) {
    return std::nullopt;
  }
  return static_cast<int64_t>(micros);
}

}  // namespace

std::optional<int64_t> ParseDate(std::string_view text) {
  int64_t days;
  size_t n = ParseDatePart(text, &days);
  if (n == 0) {
    return std::nullopt;
  }
  if (n < text.size() && text[n] != ' ' && text[n] != 'T') {
    return std::nullopt;
  }
  return days;
}

std::optional<int64_t> ParseTimestampMicros(std::string_view s) {
  int64_t days;
  size_t pos = ParseDatePart(s, &days);
  if (pos == 0) {
    return std::nullopt;
  }
  // In 128 bits, then checked: six-digit years reach past what int64 microseconds hold (about
  // +-292,000 years), and a partner's timestamp must be refused, not wrapped around.
  __int128 micros = static_cast<__int128>(days) * 86'400'000'000;
  if (pos == s.size()) {
    return MicrosInRange(micros);
  }
  if (s[pos] != ' ' && s[pos] != 'T') {
    return std::nullopt;
  }
  ++pos;
  ClockTime time;
  if (!ParseClockTime(s, &pos, 6, &time) || time.hour > 23 || time.minute > 59 ||
      time.second > 60) {
    return std::nullopt;
  }
  while (pos < s.size() && s[pos] == ' ') {
    ++pos;
  }
  std::string_view zone = s.substr(pos);
  std::optional<int64_t> offset_seconds =
      zone == "UTC" || zone == "GMT" ? std::optional<int64_t>(0) : ParseZoneOffset(zone);
  if (!offset_seconds) {
    return std::nullopt;
  }
  const int64_t seconds = (time.hour * 60 + time.minute) * 60 + time.second - *offset_seconds;
  micros += static_cast<__int128>(seconds) * 1'000'000 + time.fraction;
  return MicrosInRange(micros);
}

}  // namespace lakeshare::delta
