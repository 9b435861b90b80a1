// Parsing the small JSON documents of JOSE (a JWS header, JWT claims, a JWK Set, an OpenID
// discovery document) with bounds checked before and during the parse: the text's size, the
// nesting depth, and unique member names. RFC 7515 §4 and RFC 7519 §4: "The Header Parameter
// names within the JOSE Header MUST be unique; JWS parsers MUST either reject JWSs with duplicate
// Header Parameter names or use a JSON parser that returns only the lexically last duplicate
// member name" — we reject, so that no two parsers (ours and the issuer's) can read different
// claims out of one token. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string_view>

#include "common/result.h"

namespace lakeshare::auth::internal {

struct JsonBounds {
  size_t max_bytes = 8192;
  int max_depth = 8;
};

/// Parse `text` as one JSON object within `bounds`. `what` names the document in messages
/// ("JWT header"); failures are `code` (kUnauthenticated for a token, kUnavailable for what an
/// identity provider served).
Result<nlohmann::json> ParseJoseObject(std::string_view text, const JsonBounds& bounds,
                                       std::string_view what, ErrorCode code);

}  // namespace lakeshare::auth::internal
