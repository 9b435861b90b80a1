#include "sharing/query_ids.h"

#include <nlohmann/json.hpp>

namespace lakeshare::sharing {

namespace {

using nlohmann::json;

constexpr std::string_view kPurpose = "query-id";

tl::unexpected<Error> UnknownQueryId() {
  return NotFound(
      "Unknown or expired queryId for this table: submit the query again (POST .../query with "
      "'asyncquery=true' in the delta-sharing-capabilities header)");
}

}  // namespace

int64_t QueryIdExpiry(int64_t now_ms, int64_t window_ms) {
  if (window_ms <= 0) window_ms = 1;
  return (now_ms / window_ms + 2) * window_ms;
}

std::string EncodeQueryId(const HmacSigner& signer, const AsyncQueryId& id) {
  // Keys of a json object are ordered: the same id always serializes to the same bytes.
  json j = {{"b", id.binding},
            {"v", id.version},
            {"f", std::string(ResponseFormatName(id.format))},
            {"d", id.digest},
            {"x", id.expires_ms}};
  if (id.time_travel) j["t"] = true;
  if (id.fileidhash) j["h"] = std::string(ResponseFormatName(*id.fileidhash));
  if (!id.predicate_hints.empty()) j["p"] = id.predicate_hints;
  if (id.json_predicate_hints) j["j"] = *id.json_predicate_hints;
  if (id.limit_hint) j["l"] = *id.limit_hint;
  if (id.include_refresh_token) j["r"] = true;
  return signer.Seal(kPurpose, j.dump(-1, ' ', false, json::error_handler_t::replace));
}

Result<AsyncQueryId> DecodeQueryId(const HmacSigner& signer, std::string_view text,
                                   std::string_view binding, int64_t now_ms) {
  if (text.empty() || text.size() > kMaxQueryIdChars) return UnknownQueryId();
  auto payload = signer.Open(kPurpose, text);
  if (!payload) return UnknownQueryId();
  AsyncQueryId id;
  try {
    json j = json::parse(*payload);
    id.binding = j.at("b").get<std::string>();
    id.version = j.at("v").get<int64_t>();
    const std::string format = j.at("f").get<std::string>();
    id.format = format == "delta" ? ResponseFormat::kDelta : ResponseFormat::kParquet;
    id.digest = j.at("d").get<std::string>();
    id.expires_ms = j.at("x").get<int64_t>();
    id.time_travel = j.value("t", false);
    if (j.contains("h")) {
      id.fileidhash = j["h"].get<std::string>() == "delta" ? ResponseFormat::kDelta
                                                            : ResponseFormat::kParquet;
    }
    if (j.contains("p")) id.predicate_hints = j["p"].get<std::vector<std::string>>();
    if (j.contains("j")) id.json_predicate_hints = j["j"].get<std::string>();
    if (j.contains("l")) id.limit_hint = j["l"].get<int64_t>();
    id.include_refresh_token = j.value("r", false);
  } catch (const std::exception&) {
    return UnknownQueryId();  // signed by us, so never expected; still no 500
  }
  if (id.binding != binding || id.expires_ms < now_ms || id.version < 0) {
    return UnknownQueryId();
  }
  return id;
}

}  // namespace lakeshare::sharing
