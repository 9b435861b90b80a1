// Internal to src/parquet: the scalar text forms the JSON shredder (json_shredder.cc) accepts for
// typed columns, parsed into their Parquet encodings: dates, times and timestamps as
// RecordJsonWriter prints them, decimals as text, UUIDs, and FLOAT16. Each returns false on text
// that is not of its form. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lakeshare::parquet {

/// Days since 1970-01-01 from "YYYY-MM-DD" (or a signed longer year) at the front of `s`,
/// consumed.
bool ParseDatePart(std::string_view& s, int64_t* days);
/// Ticks of 10^-digits seconds since midnight from "HH:MM:SS[.f...]" at the front of `s`,
/// consumed.
bool ParseClockPart(std::string_view& s, int digits, int64_t* ticks);
/// "YYYY-MM-DDTHH:MM:SS[.f...][Z]" -> days since the epoch and ticks of the day.
bool ParseTimestampText(std::string_view s, int digits, int64_t* days, int64_t* ticks_of_day);
/// Decimal text -> the unscaled value, big-endian two's complement of minimal length, and its
/// digit count.
bool ParseDecimalText(std::string_view s, int scale, std::string* be, int* digits);
/// A minimal two's complement value in exactly `width` bytes.
bool FitTwosComplement(const std::string& be, size_t width, std::string* out);
int64_t TwosComplementToInt64(const std::string& be);
/// The 16 bytes of a UUID's text form.
bool ParseUuid(std::string_view s, std::string* out);
/// IEEE half precision, round to nearest even.
uint16_t DoubleToHalf(double d);

}  // namespace lakeshare::parquet
