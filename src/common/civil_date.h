// Civil dates: the one home of the proleptic Gregorian calendar arithmetic every module needs
// (Delta dates and statistics, Parquet DATE values, S3 and HTTP timestamps, ISO-8601 text).
// Days count from 1970-01-01 (the Unix epoch, as Delta and Parquet do). The conversions are
// H. Hinnant's days_from_civil / civil_from_days, valid for every int64 day count (whole
// 400-year cycles are taken out first, so nothing overflows near the int64 edge).
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace lakeshare {

/// floor(a / b) for b > 0 (C++ division truncates towards zero).
constexpr int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/// Days since 1970-01-01 of year-month-day (month 1..12, day 1..31; not validated).
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);

/// The date of `days` since 1970-01-01, for any int64.
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day);

/// How a year outside 0..9999 is written (ISO 8601 "expanded" years need a sign and an agreed
/// number of digits). kFour is Java's and Spark's LocalDate form ("-0001-12-31",
/// "+10000-01-01"), used in the Delta log; kFive is the Parquet tools' JSON form
/// ("-00001-12-31", "+10000-01-01").
enum class ExpandedYearDigits { kFour = 4, kFive = 5 };

/// Append "yyyy-mm-dd" for `days` since 1970-01-01; years outside 0..9999 get a sign and at
/// least `expanded` digits.
void AppendDate(std::string& out, int64_t days,
                ExpandedYearDigits expanded = ExpandedYearDigits::kFour);

}  // namespace lakeshare
