// Small string helpers used across modules: splitting, hex and base64, JSON string escaping and
// shortest round-trip number formatting for hand-written JSON output. Pure functions.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lakeshare {

std::vector<std::string_view> Split(std::string_view s, char sep);
/// `items` with `separator` between each two of them ("" for none); the inverse of Split for a
/// one-character separator that no item holds, empty items included. `items` is any range of
/// string-like elements (a vector or set of strings, string_views, C strings, a view), read once
/// in its order. Not a std::views adaptor over a container: clang 14 (the sanitizer build) cannot
/// compile those, nor std::ranges::subrange, with GCC 12's <ranges>; collect the items first.
template <std::ranges::input_range Range>
  requires std::convertible_to<std::ranges::range_reference_t<Range>, std::string_view>
std::string Join(Range&& items, std::string_view separator) {
  std::string out;
  bool first = true;
  for (auto&& item : items) {
    if (!first) {
      out += separator;
    }
    first = false;
    out += std::string_view(item);
  }
  return out;
}
/// The same for a braced list: Join({"a", "b"}, ",").
inline std::string Join(std::initializer_list<std::string_view> items,
                        std::string_view separator) {
  return Join(std::span<const std::string_view>(items.begin(), items.size()), separator);
}
std::string ToLower(std::string_view s);

/// ASCII white space: the characters `std::isspace` accepts in the "C" locale.
inline constexpr std::string_view kAsciiWhitespace = " \t\n\v\f\r";
/// HTTP's optional white space (RFC 9110 OWS) around header list elements and parameters.
inline constexpr std::string_view kHttpOws = " \t";
/// `s` without the leading and trailing characters that are in `chars`.
std::string_view Trim(std::string_view s, std::string_view chars = kAsciiWhitespace);

std::string HexEncode(std::string_view bytes);
/// Append the lowercase hex of `bytes` to `out`.
void AppendHex(std::string& out, std::string_view bytes);
/// The value of one hex digit (either case), or -1 when `c` is none.
int HexDigitValue(char c);
/// The bytes of hex text (either case); nullopt for an odd length or a non-hex character.
std::optional<std::string> HexDecode(std::string_view hex);
std::string Base64Encode(std::string_view bytes);
/// Decode standard or URL-safe base64, padding optional; nullopt when not base64.
std::optional<std::string> Base64Decode(std::string_view text);
/// Encode as base64url without padding (RFC 4648 §5; the JOSE encoding of RFC 7515 §2).
std::string Base64UrlEncode(std::string_view bytes);
/// Decode base64url strictly, as JOSE requires (RFC 7515 §2, Appendix C): only the URL-safe
/// alphabet, no padding, no whitespace, and the unused low bits of the last character zero (one
/// encoding per byte string). nullopt otherwise.
std::optional<std::string> Base64UrlDecodeStrict(std::string_view text);

/// Encode every byte but RFC 3986's unreserved ones (A-Z a-z 0-9 - . _ ~), and '/' when
/// `keep_slash`, as %XX with upper-case hex: a URI path segment or query part, as SigV4 wants.
std::string PercentEncode(std::string_view text, bool keep_slash = false);
/// Decode %XX escapes (and '+' as a space when `plus_is_space`, for query strings); nullopt on a
/// malformed escape. Encoded NUL bytes are decoded; callers that must refuse them check.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space = false);

/// Append the code point `cp` (at most U+10FFFF; the caller checks) to `out` as UTF-8.
void AppendUtf8(std::string& out, uint32_t cp);

/// Append `s` to `out` as a quoted JSON string. Invalid UTF-8 bytes become U+FFFD.
void AppendJsonString(std::string& out, std::string_view s);
/// True when AppendJsonString(s) would only add the quotes (printable ASCII but '"' and '\\').
bool IsJsonPlain(std::string_view s);
/// Append the shortest text that reads back as exactly `v` ("NaN"/"Infinity" quoted).
void AppendJsonDouble(std::string& out, double v);

}  // namespace lakeshare
