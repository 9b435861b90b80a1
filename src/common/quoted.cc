#include "common/quoted.h"

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

}  // namespace lakeshare
