#include "delta/time_util.h"

#include <fmt/format.h>

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
  int64_t micros = days * 86400 * 1000000;
  if (pos == s.size()) {
    return micros;
  }
  if (s[pos] != ' ' && s[pos] != 'T') {
    return std::nullopt;
  }
  ++pos;
  int64_t hh, mm, ss = 0;
  if (!ParseFixedDigits(s, pos, 2, &hh) || pos + 2 >= s.size() || s[pos + 2] != ':' ||
      !ParseFixedDigits(s, pos + 3, 2, &mm)) {
    return std::nullopt;
  }
  pos += 5;
  if (pos < s.size() && s[pos] == ':') {
    if (!ParseFixedDigits(s, pos + 1, 2, &ss)) {
      return std::nullopt;
    }
    pos += 3;
  }
  if (hh > 23 || mm > 59 || ss > 60) {
    return std::nullopt;
  }
  int64_t frac_micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t n = 0;
    int64_t frac = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (n < 6) {
        frac = frac * 10 + (s[pos] - '0');
      }
      ++n;
      ++pos;
    }
    if (n == 0) {
      return std::nullopt;
    }
    for (size_t i = std::min<size_t>(n, 6); i < 6; ++i) {
      frac *= 10;
    }
    frac_micros = frac;
  }
  int64_t offset_seconds = 0;
  while (pos < s.size() && s[pos] == ' ') {
    ++pos;
  }
  if (pos < s.size()) {
    std::string_view zone = s.substr(pos);
    if (zone == "Z" || zone == "z" || zone == "UTC" || zone == "GMT") {
      // UTC
    } else if (zone[0] == '+' || zone[0] == '-') {
      int64_t zh, zm = 0;
      if (!ParseFixedDigits(zone, 1, 2, &zh)) {
        return std::nullopt;
      }
      size_t zp = 3;
      if (zp < zone.size() && zone[zp] == ':') {
        ++zp;
      }
      if (zp < zone.size()) {
        if (!ParseFixedDigits(zone, zp, 2, &zm) || zp + 2 != zone.size()) {
          return std::nullopt;
        }
      }
      offset_seconds = (zh * 3600 + zm * 60) * (zone[0] == '-' ? -1 : 1);
    } else {
      return std::nullopt;
    }
  }
  micros += ((hh * 60 + mm) * 60 + ss - offset_seconds) * 1000000 + frac_micros;
  return micros;
}

}  // namespace lakeshare::delta
