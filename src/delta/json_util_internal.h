// Small JSON helpers for the delta module: unescaping a JSON string body and simdjson glue
// (raw text of any on-demand value). Internal to src/delta.
#pragma once

#include <string>
#include <string_view>

namespace lakeshare::delta {

/// Decode the body of a JSON string literal (the text between the quotes). Returns false on a
/// malformed escape; `out` is overwritten.
bool UnescapeJsonString(std::string_view escaped, std::string& out);

/// Trim ASCII whitespace at the end.
inline std::string_view TrimRight(std::string_view s) {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\n' || s.back() == '\r' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace lakeshare::delta
