#include <cmath>
#include <cstring>
#include <limits>

#include "common/civil_date.h"
#include "common/strings.h"
#include "parquet/scalar_text_internal.h"

namespace lakeshare::parquet {

namespace {

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

// Read exactly `n` digits.
bool ReadDigits(std::string_view& s, size_t n, int64_t* out) {
  if (s.size() < n) {
    return false;
  }
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
    v = v * 10 + (s[i] - '0');
  }
  s.remove_prefix(n);
  *out = v;
  return true;
}

bool Expect(std::string_view& s, char c) {
  if (s.empty() || s[0] != c) {
    return false;
  }
  s.remove_prefix(1);
  return true;
}

}  // namespace

// "YYYY-MM-DD", or with a sign and more year digits ("+10000-01-01", "-0001-12-31"), as printed
// by RecordJsonWriter.
bool ParseDatePart(std::string_view& s, int64_t* days) {
  bool negative = false;
  size_t year_digits = 4;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
    year_digits = 0;
    while (year_digits < s.size() && s[year_digits] >= '0' && s[year_digits] <= '9') {
      ++year_digits;
    }
    if (year_digits < 4 || year_digits > 9) {
      return false;
    }
  }
  int64_t y, m, d;
  if (!ReadDigits(s, year_digits, &y) || !Expect(s, '-') || !ReadDigits(s, 2, &m) ||
      !Expect(s, '-') || !ReadDigits(s, 2, &d)) {
    return false;
  }
  if (negative) {
    y = -y;
  }
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) {
    return false;
  }
  const int max_day = kDays[m - 1] + (m == 2 && IsLeap(y) ? 1 : 0);
  if (d > max_day) {
    return false;
  }
  *days = DaysFromCivil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
  return true;
}

// "HH:MM:SS[.f...]" -> ticks of 10^-digits seconds since midnight; at most `digits` fraction
// digits (fewer are padded).
bool ParseClockPart(std::string_view& s, int digits, int64_t* ticks) {
  int64_t h, mi, sec;
  if (!ReadDigits(s, 2, &h) || !Expect(s, ':') || !ReadDigits(s, 2, &mi) || !Expect(s, ':') ||
      !ReadDigits(s, 2, &sec)) {
    return false;
  }
  if (h > 23 || mi > 59 || sec > 59) {
    return false;
  }
  int64_t fraction = 0;
  int got = 0;
  if (!s.empty() && s[0] == '.') {
    s.remove_prefix(1);
    while (!s.empty() && s[0] >= '0' && s[0] <= '9') {
      if (got == digits) {
        return false;  // more precision than the unit holds
      }
      fraction = fraction * 10 + (s[0] - '0');
      ++got;
      s.remove_prefix(1);
    }
    if (got == 0) {
      return false;
    }
  }
  for (; got < digits; ++got) {
    fraction *= 10;
  }
  int64_t per_second = 1;
  for (int i = 0; i < digits; ++i) {
    per_second *= 10;
  }
  *ticks = ((h * 60 + mi) * 60 + sec) * per_second + fraction;
  return true;
}

bool ParseTimestampText(std::string_view s, int digits, int64_t* days, int64_t* ticks_of_day) {
  if (!ParseDatePart(s, days) || !(Expect(s, 'T') || Expect(s, ' ')) ||
      !ParseClockPart(s, digits, ticks_of_day)) {
    return false;
  }
  if (!s.empty() && s == "Z") {
    s.remove_prefix(1);
  }
  return s.empty();
}

// Decimal text -> the unscaled value as big-endian two's complement of minimal length, and its
// digit count. At most `scale` fraction digits; fewer are padded with zeros.
bool ParseDecimalText(std::string_view s, int scale, std::string* be, int* digits) {
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  std::string unscaled;
  size_t dot = s.find('.');
  std::string_view int_part = s.substr(0, dot);
  std::string_view frac_part =
      dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
  if (int_part.empty() && frac_part.empty()) {
    return false;
  }
  if (dot != std::string_view::npos && frac_part.empty()) {
    return false;
  }
  if (frac_part.size() > static_cast<size_t>(std::max(scale, 0))) {
    return false;
  }
  for (char c : int_part) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  for (char c : frac_part) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  unscaled.append(int_part);
  unscaled.append(frac_part);
  unscaled.append(static_cast<size_t>(scale) - frac_part.size(), '0');
  size_t first = unscaled.find_first_not_of('0');
  unscaled = first == std::string::npos ? std::string() : unscaled.substr(first);
  *digits = static_cast<int>(unscaled.size());
  // Decimal digits -> little-endian magnitude bytes.
  std::vector<uint8_t> mag;
  for (char c : unscaled) {
    unsigned carry = static_cast<unsigned>(c - '0');
    for (auto& b : mag) {
      unsigned v = b * 10u + carry;
      b = static_cast<uint8_t>(v & 0xff);
      carry = v >> 8;
    }
    while (carry) {
      mag.push_back(static_cast<uint8_t>(carry & 0xff));
      carry >>= 8;
    }
  }
  // Room for the sign bit.
  if (mag.empty() || (mag.back() & 0x80)) {
    mag.push_back(0);
  }
  if (negative) {
    for (auto& b : mag) {
      b = static_cast<uint8_t>(~b);
    }
    for (auto& b : mag) {
      if (++b != 0) {
        break;
      }
    }
    // Trim redundant 0xff bytes (keep the sign).
    while (mag.size() > 1 && mag.back() == 0xff && (mag[mag.size() - 2] & 0x80)) {
      mag.pop_back();
    }
  } else {
    while (mag.size() > 1 && mag.back() == 0 && !(mag[mag.size() - 2] & 0x80)) {
      mag.pop_back();
    }
  }
  be->assign(mag.rbegin(), mag.rend());
  return true;
}

// Sign-extend / check a minimal two's complement value into exactly `width` bytes.
bool FitTwosComplement(const std::string& be, size_t width, std::string* out) {
  if (be.size() > width) {
    return false;
  }
  const char fill = (!be.empty() && (static_cast<uint8_t>(be[0]) & 0x80)) ? '\xff' : '\0';
  *out = std::string(width - be.size(), fill) + be;
  return true;
}

int64_t TwosComplementToInt64(const std::string& be) {
  uint64_t v = (!be.empty() && (static_cast<uint8_t>(be[0]) & 0x80)) ? ~uint64_t{0} : 0;
  for (char c : be) {
    v = (v << 8) | static_cast<uint8_t>(c);
  }
  return static_cast<int64_t>(v);
}

bool ParseUuid(std::string_view s, std::string* out) {
  out->clear();
  int hi = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '-' && (i == 8 || i == 13 || i == 18 || i == 23)) {
      continue;
    }
    int v = HexDigitValue(s[i]);
    if (v < 0) {
      return false;
    }
    if (hi < 0) {
      hi = v;
    } else {
      out->push_back(static_cast<char>((hi << 4) | v));
      hi = -1;
    }
  }
  return hi < 0 && out->size() == 16;
}

// IEEE half precision, round to nearest even.
uint16_t DoubleToHalf(double d) {
  uint16_t sign = std::signbit(d) ? 0x8000 : 0;
  double a = std::fabs(d);
  if (std::isnan(d)) {
    return static_cast<uint16_t>(sign | 0x7e00);
  }
  if (a >= 65520.0) {
    return static_cast<uint16_t>(sign | 0x7c00);  // rounds to infinity
  }
  if (a == 0) {
    return sign;
  }
  int e;
  std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  int exp = e - 1;    // a = 1.f * 2^exp
  if (exp < -14) {
    // Subnormal: units of 2^-24.
    double units = std::nearbyint(std::ldexp(a, 24));
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(units));  // may carry into normal
  }
  double mant = std::nearbyint(std::ldexp(a, 10 - exp)) - 1024;  // 10 fraction bits
  int biased = exp + 15;
  if (mant >= 1024) {
    mant -= 1024;
    ++biased;
  }
  if (biased >= 31) {
    return static_cast<uint16_t>(sign | 0x7c00);
  }
  return static_cast<uint16_t>(sign | (biased << 10) | static_cast<uint16_t>(mant));
}

}  // namespace lakeshare::parquet
