#include "common/json_bounds.h"

#include <fmt/format.h>

namespace lakeshare {

namespace {

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

Result<JsonShape> ScanJsonBounds(std::string_view text, const JsonLimits& limits,
                                 std::string_view what, ErrorCode code) {
  if (text.size() > limits.max_bytes) {
    return MakeError(code, fmt::format("{} is {} bytes, over the limit of {} bytes; send less",
                                       what, text.size(), limits.max_bytes));
  }
  JsonShape shape;
  int depth = 0;
  // Just after '[' or '{': the next token either closes the container or is its first element
  // (every further element follows a ',').
  bool opened = false;
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (IsJsonSpace(c)) {
      ++i;
      continue;
    }
    const bool first_element = opened && c != ']' && c != '}';
    opened = false;
    if (first_element || (c == ',' && depth > 0)) {
      if (++shape.elements > limits.max_elements) {
        return MakeError(code, fmt::format("{} has more than {} elements (the limit); send fewer "
                                           "values",
                                           what, limits.max_elements));
      }
    }
    if (c == '"') {
      i = JsonStringEnd(text, i);
      continue;
    }
    if (c == '[' || c == '{') {
      if (++depth > limits.max_depth) {
        return MakeError(code, fmt::format("{} nests JSON deeper than {} levels (the limit); send "
                                           "a flatter document",
                                           what, limits.max_depth));
      }
      if (depth > shape.depth) shape.depth = depth;
      opened = true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      // A close without an open is invalid JSON for the parser to report; it never lowers the
      // depth below zero, so it cannot buy room for deeper nesting later.
      --depth;
    }
    ++i;
  }
  return shape;
}

Status CheckJsonBounds(std::string_view text, const JsonLimits& limits, std::string_view what,
                       ErrorCode code) {
  LS_RETURN_IF_ERROR(ScanJsonBounds(text, limits, what, code));
  return OkStatus();
}

}  // namespace lakeshare
