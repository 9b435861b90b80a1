// Calendar helpers for the Delta log: dates as days since 1970-01-01, timestamps as microseconds
// since the epoch (UTC), parsing the text forms the log and the Delta Sharing protocol use
// ("2024-01-31", "2024-01-31 10:00:00.123456", "2024-01-31T10:00:00Z", ...) and formatting
// ISO-8601. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lakeshare::delta {

/// Days since the epoch of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day);
void CivilFromDays(int64_t days, int64_t* year, unsigned* month, unsigned* day);

/// "yyyy-mm-dd" (also accepts a trailing time part, which is ignored) -> days.
std::optional<int64_t> ParseDate(std::string_view text);

/// A timestamp as microseconds since the epoch. Accepts "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss",
/// "yyyy-mm-ddThh:mm:ss", each with optional fraction (up to 9 digits) and optional zone
/// ("Z", "+hh:mm", "+hhmm", "UTC"). Without a zone the time is taken as UTC.
std::optional<int64_t> ParseTimestampMicros(std::string_view text);

/// Append "yyyy-mm-dd".
void AppendDate(std::string& out, int64_t days);
/// Append "yyyy-mm-ddThh:mm:ss.mmmZ" for a millisecond timestamp.
void AppendIsoMillis(std::string& out, int64_t millis);
/// "yyyy-mm-ddThh:mm:ss.mmmZ".
std::string FormatIsoMillis(int64_t millis);

}  // namespace lakeshare::delta
