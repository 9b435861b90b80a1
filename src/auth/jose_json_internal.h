// Parsing the small JSON documents of JOSE (a JWS header, JWT claims, a JWK Set, an OpenID
// discovery document): bounds are checked before the parse (common/json_bounds.h: size, depth,
// elements), and member names must be unique. RFC 7515 §4 and RFC 7519 §4: "The Header Parameter
// names within the JOSE Header MUST be unique; JWS parsers MUST either reject JWSs with duplicate
// Header Parameter names or use a JSON parser that returns only the lexically last duplicate
// member name" — we reject, so that no two parsers (ours and the issuer's) can read different
// claims out of one token. Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "common/json_bounds.h"
#include "common/result.h"

namespace lakeshare::auth::internal {

/// Parse `text` as one JSON object within `limits`. `what` names the document in messages
/// ("The token's header"); failures are `code` (kUnauthenticated for a token, kUnavailable for
/// what an identity provider served, kInvalidArgument for what a provider registers).
Result<nlohmann::json> ParseJoseObject(std::string_view text, const JsonLimits& limits,
                                       std::string_view what, ErrorCode code);

}  // namespace lakeshare::auth::internal
