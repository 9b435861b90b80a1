#include "sharing/page_tokens.h"

#include <nlohmann/json.hpp>

namespace lakeshare::sharing {

namespace {

tl::unexpected<Error> BadPageToken(std::string_view why) {
  return InvalidArgument("Invalid pageToken: {}", why);
}

}  // namespace

std::string EncodePageToken(const HmacSigner& signer, const PageToken& token) {
  nlohmann::json j = {{"k", token.kind}, {"b", token.binding}, {"x", token.expires_ms}};
  if (!token.after.empty()) j["a"] = token.after;
  if (token.version >= 0) j["v"] = token.version;
  if (token.index > 0) j["i"] = token.index;
  if (token.end_version >= 0) j["e"] = token.end_version;
  return signer.Seal("page", j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Result<PageToken> DecodePageToken(const HmacSigner& signer, std::string_view text,
                                  std::string_view kind, std::string_view binding, int64_t now_ms) {
  auto payload = signer.Open("page", text);
  if (!payload) return BadPageToken(payload.error().message);
  PageToken t;
  try {
    nlohmann::json j = nlohmann::json::parse(*payload);
    t.kind = j.at("k").get<std::string>();
    t.binding = j.at("b").get<std::string>();
    t.expires_ms = j.at("x").get<int64_t>();
    if (j.contains("a")) t.after = j["a"].get<std::string>();
    if (j.contains("v")) t.version = j["v"].get<int64_t>();
    if (j.contains("i")) t.index = j["i"].get<int64_t>();
    if (j.contains("e")) t.end_version = j["e"].get<int64_t>();
  } catch (const std::exception&) {
    return BadPageToken("malformed content");
  }
  if (t.kind != kind || t.binding != binding) {
    return BadPageToken(
        "it was issued for a different request (a follow-up page must repeat the parameters of "
        "the first one)");
  }
  if (t.expires_ms < now_ms) return BadPageToken("it has expired; start again from the first page");
  return t;
}

std::string EncodeRefreshToken(const HmacSigner& signer, const RefreshToken& token) {
  nlohmann::json j = {{"b", token.binding}, {"v", token.version}, {"x", token.expires_ms}};
  return signer.Seal("refresh", j.dump());
}

Result<RefreshToken> DecodeRefreshToken(const HmacSigner& signer, std::string_view text,
                                        std::string_view binding, int64_t now_ms) {
  auto payload = signer.Open("refresh", text);
  if (!payload) return InvalidArgument("Invalid refreshToken: {}", payload.error().message);
  RefreshToken t;
  try {
    nlohmann::json j = nlohmann::json::parse(*payload);
    t.binding = j.at("b").get<std::string>();
    t.version = j.at("v").get<int64_t>();
    t.expires_ms = j.at("x").get<int64_t>();
  } catch (const std::exception&) {
    return InvalidArgument("Invalid refreshToken: malformed content");
  }
  if (t.binding != binding) {
    return InvalidArgument("Invalid refreshToken: it was issued for a different table");
  }
  if (t.expires_ms < now_ms) return InvalidArgument("Invalid refreshToken: it has expired");
  return t;
}

}  // namespace lakeshare::sharing
