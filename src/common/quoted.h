// Quoting what a caller sent inside a message the caller (and the logs) will read back: an
// error that names a bad parameter quotes it, but a 1 MB parameter must not come back whole in
// the reply body. Quoted() keeps at most a bounded start of the value, cut on a UTF-8 character
// boundary, and says how long the value was.
//
//   return InvalidArgument("'{}' must be an integer, got {}", name, Quoted(text));
//   // -> 'version' must be an integer, got 'abc'
//   // -> 'version' must be an integer, got 'xxxx...' (1000000 bytes)
//
// Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lakeshare {

/// The most bytes of a value Quoted() keeps by default.
inline constexpr size_t kMaxQuotedBytes = 100;

/// `value` in single quotes when it is at most `max_bytes` long; otherwise its first bytes (at
/// most `max_bytes`, not splitting a UTF-8 character), "..." and the value's length:
/// "'abc...' (1000000 bytes)".
std::string Quoted(std::string_view value, size_t max_bytes = kMaxQuotedBytes);

/// `arg` as one word for /bin/sh, for a command printed for a person to copy (or a test to run):
/// as it is when it holds only characters the shell takes literally, otherwise single-quoted (a
/// ' inside becomes '\''). Not bounded: the caller prints whole commands.
std::string ShellQuote(std::string_view arg);

}  // namespace lakeshare
