// ISO-8601 text for human-facing times (UTC): formatting milliseconds since the epoch and parsing
// the dates and times people type; and reading the HTTP date form servers send (Last-Modified).
// The calendar arithmetic is common/civil_date.h. Pure functions.
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

/// A time of day as read by ParseClockTime; `fraction` counts units of 10^-fraction_digits s.
struct ClockTime {
  int64_t hour = 0;
  int64_t minute = 0;
  int64_t second = 0;
  int64_t fraction = 0;
};

/// Read "hh:mm[:ss[.f...]]" of `s` at `*pos` into *out and advance *pos past it; false when it is
/// not there (a missing field, a '.' without a digit). The fraction keeps its first
/// `fraction_digits` digits (3: milliseconds, 6: microseconds), reads and drops the rest, and is
/// scaled up when shorter. The ranges (hour <= 23, ...) are the caller's to check.
bool ParseClockTime(std::string_view s, size_t* pos, int fraction_digits, ClockTime* out);

/// Seconds east of UTC of a zone suffix: "" / "Z" / "z" (0), "+hh", "+hh:mm" or "-hhmm"; nullopt
/// for anything else, hours past 23, minutes past 59 and "+hh:" without minutes included.
std::optional<int64_t> ParseZoneOffset(std::string_view zone);

/// Milliseconds since the epoch of "yyyy-mm-dd", "yyyy-mm-ddThh:mm[:ss[.fff]]" (or a space for
/// 'T'), optionally followed by "Z" or an offset "+hh:mm" / "-hhmm"; no zone means UTC. Nullopt
/// for anything else, including dates that do not exist (2025-02-30).
std::optional<int64_t> ParseIsoMillis(std::string_view text);

/// Milliseconds since the epoch of an RFC 9110 IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT" (the
/// day name is not checked, the date must exist); nullopt for anything else, including the
/// obsolete RFC 850 and asctime forms.
std::optional<int64_t> ParseHttpDateMillis(std::string_view text);

}  // namespace lakeshare
