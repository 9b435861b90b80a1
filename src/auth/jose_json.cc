#include <set>
#include <string>
#include <vector>

#include "auth/jose_json_internal.h"

namespace lakeshare::auth::internal {

using nlohmann::json;

Result<json> ParseJoseObject(std::string_view text, const JsonLimits& limits, std::string_view what,
                             ErrorCode code) {
  LS_RETURN_IF_ERROR(CheckJsonBounds(text, limits, what, code));
  // One set of member names per open object (arrays push an empty placeholder), so that a
  // duplicate is seen at whatever depth it appears.
  std::vector<std::set<std::string>> open;
  bool duplicate = false;
  auto check = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
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
  if (doc.is_discarded()) return Errorf(code, "{} is not valid JSON", what);
  if (duplicate) return Errorf(code, "{} names a member twice", what);
  if (!doc.is_object()) return Errorf(code, "{} is not a JSON object", what);
  return doc;
}

}  // namespace lakeshare::auth::internal
