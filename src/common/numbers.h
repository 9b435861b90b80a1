// Numbers read from untrusted text or files: the one parse of a decimal integer or a double from
// text, the one conversion of a JSON or text double to an integer, and the one narrowing of an
// int64 to a non-negative int32. A double outside int64's range, NaN or infinity must never reach
// static_cast<int64_t> (that is undefined behaviour, which UBSan and the fuzzers catch); an int64
// must never be narrowed by a plain cast (2^32 + 1 would read as 1). Thread-safe (pure functions).
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace lakeshare {

/// The whole of `text` as a decimal integer of type T: digits, with one leading '-' for a signed
/// T; nullopt for anything else (empty text, '+', white space, a fraction, text after the
/// digits) and for a number outside T's range, never a clamped or wrapped value (sscanf's "%ld"
/// is undefined behaviour past int64; atoi reads "12abc" as 12).
template <typename T>
std::optional<T> ParseInteger(std::string_view text) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  T value{};
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end) {
    return std::nullopt;
  }
  return value;
}

/// The whole of `text` as a double (std::from_chars' general format: "1.5", "-2e10", "inf",
/// "nan"); nullopt for empty text, '+', white space, text after the number, or a magnitude past
/// double's range.
inline std::optional<double> ParseDouble(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [stop, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || stop != end) {
    return std::nullopt;
  }
  return value;
}

/// `d` as an int64 when it is a whole number int64 can hold exactly ("1.0" from writers that
/// print integral doubles); nullopt for fractions, NaN, infinities and anything at or past 2^63.
inline std::optional<int64_t> WholeDoubleToInt64(double d) {
  // -2^63 and 2^63 are exact doubles; every whole double in [-2^63, 2^63) fits an int64.
  constexpr double kTwoTo63 = 9223372036854775808.0;
  if (!std::isfinite(d) || d != std::floor(d) || d < -kTwoTo63 || d >= kTwoTo63) {
    return std::nullopt;
  }
  return static_cast<int64_t>(d);
}

/// `n` as an int32 when it is in 0..2^31-1 (a version, a byte offset or a size the format stores
/// as a 32-bit Int); nullopt otherwise, never a wrapped value.
inline std::optional<int32_t> NonNegativeInt32(int64_t n) {
  if (n < 0 || n > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(n);
}

}  // namespace lakeshare
