// ISO-8601 text for human-facing times (UTC): formatting milliseconds since the epoch and parsing
// the dates and times people type. The calendar arithmetic is common/civil_date.h. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lakeshare {

/// "2026-11-25T07:22:24.123Z" for milliseconds since the epoch (any int64; years outside
/// 0..9999 in the expanded form of common/civil_date.h).
std::string FormatIsoMillis(int64_t ms);
/// The same, appended to `out`.
void AppendIsoMillis(std::string& out, int64_t ms);

/// Read exactly `n` decimal digits of `s` at `pos` (no sign) into *out; false when fewer than
/// `n` characters remain or one of them is not a digit. The caller keeps `n` below 19.
bool ParseFixedDigits(std::string_view s, size_t pos, size_t n, int64_t* out);

/// Milliseconds since the epoch of "yyyy-mm-dd", "yyyy-mm-ddThh:mm[:ss[.fff]]" (or a space for
/// 'T'), optionally followed by "Z" or an offset "+hh:mm" / "-hhmm"; no zone means UTC. Nullopt
/// for anything else, including dates that do not exist (2025-02-30).
std::optional<int64_t> ParseIsoMillis(std::string_view text);

}  // namespace lakeshare
