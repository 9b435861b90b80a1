#include "common/quoted.h"

#include <algorithm>

#include <fmt/format.h>

namespace lakeshare {

std::string Quoted(std::string_view value, size_t max_bytes) {
  if (value.size() <= max_bytes) {
    return fmt::format("'{}'", value);
  }
  size_t end = max_bytes;
  // Back off continuation bytes (10xxxxxx) so that a multi-byte character is kept whole or not
  // at all.
  while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) {
    --end;
  }
  return fmt::format("'{}...' ({} bytes)", value.substr(0, end), value.size());
}

std::string ShellQuote(std::string_view arg) {
  const bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_-.,:/=@%+").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(arg);
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out.push_back('\'');
  return out;
}

}  // namespace lakeshare
