// ISO-8601 text for human-facing times (UTC): formatting milliseconds since the epoch and parsing
// the dates and times people type. Small on purpose: the calendar arithmetic of the Delta log
// lives with it (delta/time_util.h) until the civil-date helpers move here. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lakeshare {

/// "2026-11-25T07:22:24.123Z" for milliseconds since the epoch.
std::string FormatIsoMillis(int64_t ms);

/// Milliseconds since the epoch of "yyyy-mm-dd", "yyyy-mm-ddThh:mm[:ss[.fff]]" (or a space for
/// 'T'), optionally followed by "Z" or an offset "+hh:mm" / "-hhmm"; no zone means UTC. Nullopt
/// for anything else, including dates that do not exist (2025-02-30).
std::optional<int64_t> ParseIsoMillis(std::string_view text);

}  // namespace lakeshare
