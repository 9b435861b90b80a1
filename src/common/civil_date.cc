#include "common/civil_date.h"

#include <fmt/format.h>

#include <iterator>

namespace lakeshare {
namespace {

constexpr int64_t kDaysPer400Years = 146097;

// H. Hinnant's civil_from_days for day counts within a few 400-year cycles of the epoch.
void CivilFromDaysNear(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2 ? 1 : 0);
}

}  // namespace

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  // H. Hinnant's days_from_civil.
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day) {
  // The calendar repeats every 400 years: take whole cycles out so that the arithmetic never
  // sees a day count near the int64 edge (a DATE may arrive on an INT64 column).
  // The day within its cycle from the remainder, never days - cycles * kDaysPer400Years: for
  // INT64_MIN that product leaves the int64 range (UBSan, common_test under make test-asan).
  const int64_t cycles = FloorDiv(days, kDaysPer400Years);
  int64_t within = days % kDaysPer400Years;
  if (within < 0) within += kDaysPer400Years;
  CivilFromDaysNear(within, year, month, day);
  *year += cycles * 400;
}

void AppendDate(std::string& out, int64_t days, ExpandedYearDigits expanded) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  if (y >= 0 && y <= 9999) {
    fmt::format_to(std::back_inserter(out), "{:04d}-{:02d}-{:02d}", y, m, d);
    return;
  }
  // -y cannot overflow: |y| <= int64 max / 365 + 1.
  fmt::format_to(std::back_inserter(out), "{}{:0{}d}-{:02d}-{:02d}", y < 0 ? "-" : "+",
                 y < 0 ? -y : y, static_cast<int>(expanded), m, d);
}

}  // namespace lakeshare
