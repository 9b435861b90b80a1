#include <set>
#include <string>
#include <vector>

#include "auth/jose_json_internal.h"

namespace lakeshare::auth::internal {

using nlohmann::json;

Result<json> ParseJoseObject(std::string_view text, const JsonBounds& bounds, std::string_view what,
                             ErrorCode code) {
  if (text.size() > bounds.max_bytes) {
    return Errorf(code, "The {} is {} bytes, more than the {} accepted", what, text.size(),
                  bounds.max_bytes);
  }
  // One set of member names per open object (arrays push an empty placeholder), so that a
  // duplicate is seen at whatever depth it appears.
  std::vector<std::set<std::string>> open;
  bool too_deep = false;
  bool duplicate = false;
  auto check = [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= bounds.max_depth) too_deep = true;
        open.emplace_back();
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!open.empty()) open.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open.empty() && parsed.is_string() &&
            !open.back().insert(parsed.get_ref<const std::string&>()).second) {
          duplicate = true;
        }
        break;
      case json::parse_event_t::value:
        break;
    }
    return true;
  };
  json doc = json::parse(text.begin(), text.end(), check, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Errorf(code, "The {} is not valid JSON", what);
  if (too_deep) {
    return Errorf(code, "The {} nests deeper than {} levels", what, bounds.max_depth);
  }
  if (duplicate) return Errorf(code, "The {} names a member twice", what);
  if (!doc.is_object()) return Errorf(code, "The {} is not a JSON object", what);
  return doc;
}

}  // namespace lakeshare::auth::internal
