// Calendar helpers for the Delta log: dates as days since 1970-01-01, timestamps as microseconds
// since the epoch (UTC), parsing the text forms the log and the Delta Sharing protocol use
// ("2024-01-31", "2024-01-31 10:00:00.123456", "2024-01-31T10:00:00Z", ...). Formatting and the
// calendar arithmetic are common/ (civil_date.h, iso_time.h). Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/civil_date.h"  // DaysFromCivil, CivilFromDays, AppendDate: the one home
#include "common/iso_time.h"    // FormatIsoMillis, ParseClockTime, ParseZoneOffset

namespace lakeshare::delta {

/// "yyyy-mm-dd" (also accepts a trailing time part, which is ignored) -> days.
std::optional<int64_t> ParseDate(std::string_view text);

/// A timestamp as microseconds since the epoch. Accepts "yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss",
/// "yyyy-mm-ddThh:mm:ss", each with optional fraction (any number of digits, microseconds kept)
/// and optional zone (ParseZoneOffset's "Z", "+hh:mm", "+hhmm", or "UTC"/"GMT", after optional
/// spaces). Without a zone the time is taken as UTC. The clock time and the zone are read by
/// common/iso_time.h (ParseClockTime, ParseZoneOffset), as ParseIsoMillis reads them.
std::optional<int64_t> ParseTimestampMicros(std::string_view text);

}  // namespace lakeshare::delta
