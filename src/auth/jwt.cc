#include "auth/jwt.h"

#include <fmt/chrono.h>

#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>

#include "auth/jose_json_internal.h"
#include "common/strings.h"

namespace lakeshare::auth {
namespace {

using nlohmann::json;

tl::unexpected<Error> Refuse(std::string message) {
  return MakeError(ErrorCode::kUnauthenticated, std::move(message));
}

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// RFC 7515 §4.1.9: `typ` is compared case-insensitively, "application/" may be left out.
std::string MediaType(std::string_view typ) {
  std::string lower = ToLower(typ);
  constexpr std::string_view kPrefix = "application/";
  if (std::string_view(lower).substr(0, kPrefix.size()) == kPrefix) lower.erase(0, kPrefix.size());
  return lower;
}

std::string Iso8601(int64_t seconds) {
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(static_cast<std::time_t>(seconds)));
}

// Read a decoded segment as a bounded JSON object.
Result<json> SegmentJson(std::string_view segment, size_t max_bytes, std::string_view what) {
  // The decoded size is 3/4 of the encoded one: refuse before decoding when it must be too big.
  if (segment.size() / 4 * 3 > max_bytes) {
    return Refuse(
        fmt::format("The token's {} is larger than the {} bytes accepted", what, max_bytes));
  }
  auto bytes = Base64UrlDecodeStrict(segment);
  if (!bytes) return Refuse(fmt::format("The token's {} is not base64url (RFC 7515 §2)", what));
  JsonLimits limits = kJwtJsonLimits;
  limits.max_bytes = max_bytes;
  return internal::ParseJoseObject(*bytes, limits, fmt::format("The token's {}", what),
                                   ErrorCode::kUnauthenticated);
}

Status ReadHeader(const json& header, Jwt& jwt) {
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string()) return Refuse("The token's header has no 'alg'");
  auto parsed = JwsAlgorithmFromName(alg->get_ref<const std::string&>());
  if (!parsed) {
    return Refuse(fmt::format("The token's algorithm '{}' is not accepted: sign with {}",
                              Printable(alg->get_ref<const std::string&>(), 20),
                              AcceptedJwsAlgorithms()));
  }
  jwt.alg = *parsed;
  // RFC 7515 §4.1.11: a recipient that does not understand a listed extension MUST reject the
  // JWS. This server understands none (no `b64`, RFC 7797).
  if (header.contains("crit")) {
    return Refuse("The token's header lists critical extensions ('crit'); none is supported");
  }
  if (auto kid = header.find("kid"); kid != header.end()) {
    if (!kid->is_string() || kid->get_ref<const std::string&>().size() > 256) {
      return Refuse("The token's 'kid' must be a string of at most 256 characters");
    }
    jwt.kid = kid->get<std::string>();
  }
  if (auto typ = header.find("typ"); typ != header.end()) {
    if (!typ->is_string()) return Refuse("The token's 'typ' is not a string");
    jwt.typ = typ->get<std::string>();
  }
  // `jku`, `x5u`, `jwk` and `x5c` are ignored on purpose: keys come from the issuer's
  // configured JWK Set, never from the token that they would have to vouch for.
  return OkStatus();
}

// A NumericDate (RFC 7519 §2): a JSON number of seconds, possibly with a fraction.
Result<std::optional<int64_t>> NumericDate(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::optional<int64_t>();
  if (!it->is_number()) return Refuse(fmt::format("The token's '{}' is not a number", name));
  double v = it->get<double>();
  if (!std::isfinite(v) || v < 0 || v > 1e12) {
    return Refuse(fmt::format("The token's '{}' is not a plausible time", name));
  }
  return std::optional<int64_t>(static_cast<int64_t>(std::floor(v)));
}

Result<std::string> OptionalString(const json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::string();
  if (!it->is_string()) return Refuse(fmt::format("The token's '{}' is not a string", name));
  return it->get<std::string>();
}

Status ReadClaims(const json& doc, JwtClaims& claims) {
  LS_ASSIGN_OR_RETURN(claims.issuer, OptionalString(doc, "iss"));
  LS_ASSIGN_OR_RETURN(claims.subject, OptionalString(doc, "sub"));
  LS_ASSIGN_OR_RETURN(claims.jwt_id, OptionalString(doc, "jti"));
  LS_ASSIGN_OR_RETURN(claims.expires_at, NumericDate(doc, "exp"));
  LS_ASSIGN_OR_RETURN(claims.not_before, NumericDate(doc, "nbf"));
  LS_ASSIGN_OR_RETURN(claims.issued_at, NumericDate(doc, "iat"));
  for (const auto& [name, value] : doc.items()) {
    std::vector<std::string> strings;
    if (value.is_string()) {
      strings.push_back(value.get<std::string>());
    } else if (value.is_array()) {
      bool all_strings = true;
      for (const json& item : value) {
        if (!item.is_string()) {
          all_strings = false;
          break;
        }
        strings.push_back(item.get<std::string>());
      }
      if (!all_strings) {
        if (name == "aud") return Refuse("The token's 'aud' is not a string or strings");
        continue;
      }
    } else {
      if (name == "aud") return Refuse("The token's 'aud' is not a string or strings");
      continue;
    }
    if (name == "aud") claims.audiences = strings;
    claims.strings.emplace(name, std::move(strings));
  }
  return OkStatus();
}

}  // namespace

std::string Printable(std::string_view text, size_t max) {
  std::string out;
  for (char c : text) {
    if (out.size() >= max) {
      out += "...";
      break;
    }
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  return out;
}

bool LooksLikeJwt(std::string_view token) {
  int dots = 0;
  for (char c : token) {
    if (c == '.') {
      ++dots;
    } else if (!IsBase64UrlChar(c)) {
      return false;
    }
  }
  return dots == 2;
}

bool JwtClaims::Matches(std::string_view name, std::string_view value) const {
  auto it = strings.find(name);
  if (it == strings.end()) return false;
  for (const std::string& v : it->second) {
    if (v == value) return true;
  }
  return false;
}

std::string_view JwtClaims::First(std::string_view name) const {
  auto it = strings.find(name);
  return it == strings.end() || it->second.empty() ? std::string_view() : it->second.front();
}

Result<Jwt> DecodeJwt(std::string_view token, const JoseLimits& limits) {
  if (token.size() > limits.max_token_bytes) {
    return Refuse(fmt::format("The token is {} bytes, more than the {} accepted", token.size(),
                              limits.max_token_bytes));
  }
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos) {
    return Refuse("The bearer token is not a JWT (header.payload.signature)");
  }
  if (token.find('.', second + 1) != std::string_view::npos) {
    return Refuse("The token has more than three parts: encrypted tokens (JWE) are not accepted");
  }
  std::string_view header_b64 = token.substr(0, first);
  std::string_view payload_b64 = token.substr(first + 1, second - first - 1);
  std::string_view signature_b64 = token.substr(second + 1);
  if (header_b64.empty() || payload_b64.empty()) return Refuse("The token has an empty part");
  // An unsigned JWT (RFC 7519 §6, `alg: none`) has an empty signature: never accepted.
  if (signature_b64.empty()) return Refuse("The token is not signed");

  Jwt jwt;
  LS_ASSIGN_OR_RETURN(json header, SegmentJson(header_b64, limits.max_header_bytes, "header"));
  LS_RETURN_IF_ERROR(ReadHeader(header, jwt));
  LS_ASSIGN_OR_RETURN(json claims, SegmentJson(payload_b64, limits.max_claims_bytes, "claims"));
  LS_RETURN_IF_ERROR(ReadClaims(claims, jwt.claims));
  auto signature = Base64UrlDecodeStrict(signature_b64);
  if (!signature) return Refuse("The token's signature is not base64url (RFC 7515 §2)");
  jwt.signature = *std::move(signature);
  jwt.signing_input = std::string(token.substr(0, second));
  return jwt;
}

Status Jwt::VerifySignature(const VerificationKey& key) const {
  return key.Verify(alg, signing_input, signature);
}

const VerificationKey* FindKey(const JsonWebKeySet& keys, const Jwt& jwt) {
  const VerificationKey* found = nullptr;
  for (const VerificationKey& key : keys.keys) {
    if (!key.CanVerify(jwt.alg)) continue;
    if (!jwt.kid.empty() && key.kid() != jwt.kid) continue;
    // Two keys could verify the token: refuse to guess between them (only possible without a
    // kid, or with an issuer that reuses one).
    if (found != nullptr) return nullptr;
    found = &key;
  }
  return found;
}

Error NoKeyError(const Jwt& jwt, std::string_view issuer) {
  std::string message =
      jwt.kid.empty()
          ? fmt::format(
                "The token has no 'kid' and issuer '{}' does not publish exactly one {} "
                "key: request a token with a key id",
                Printable(issuer), JwsAlgorithmName(jwt.alg))
          : fmt::format(
                "The token's key '{}' is not a {} key that issuer '{}' publishes (it may "
                "have been rotated out): request a new token",
                Printable(jwt.kid, 64), JwsAlgorithmName(jwt.alg), Printable(issuer));
  return Error{ErrorCode::kUnauthenticated, std::move(message)};
}

Status CheckTimes(const JwtClaims& claims, const TimeRules& rules) {
  int64_t now = rules.now_seconds;
  int64_t skew = rules.clock_skew_seconds;
  if (!claims.expires_at) {
    return Refuse("The token has no 'exp' claim: tokens without an expiry are not accepted");
  }
  if (now - skew >= *claims.expires_at) {
    return Refuse(
        fmt::format("The token expired at {} (now {}, clock skew allowed {} s): "
                    "request a new token",
                    Iso8601(*claims.expires_at), Iso8601(now), skew));
  }
  if (claims.not_before && now + skew < *claims.not_before) {
    return Refuse(
        fmt::format("The token is not valid before {} (now {}, clock skew allowed {} "
                    "s): check the clock of the token's issuer",
                    Iso8601(*claims.not_before), Iso8601(now), skew));
  }
  if (claims.issued_at && now + skew < *claims.issued_at) {
    return Refuse(
        fmt::format("The token was issued in the future, at {} (now {}, clock skew "
                    "allowed {} s): check the clock of the token's issuer",
                    Iso8601(*claims.issued_at), Iso8601(now), skew));
  }
  return OkStatus();
}

bool AudienceMatches(const JwtClaims& claims, std::span<const std::string> accepted) {
  for (const std::string& aud : claims.audiences) {
    for (const std::string& want : accepted) {
      if (aud == want) return true;
    }
  }
  return false;
}

Result<Jwt> VerifyJwt(std::string_view token, const JsonWebKeySet& keys,
                      const JwtExpectations& expect, const JoseLimits& limits) {
  LS_ASSIGN_OR_RETURN(Jwt jwt, DecodeJwt(token, limits));
  if (jwt.claims.issuer != expect.issuer) {
    return Refuse(fmt::format("The token's issuer '{}' is not '{}'", Printable(jwt.claims.issuer),
                              expect.issuer));
  }
  const VerificationKey* key = FindKey(keys, jwt);
  if (key == nullptr) return tl::unexpected(NoKeyError(jwt, expect.issuer));
  LS_RETURN_IF_ERROR(jwt.VerifySignature(*key));
  if (!expect.typ.empty() && MediaType(jwt.typ) != MediaType(expect.typ)) {
    return Refuse(
        fmt::format("The token's type '{}' is not '{}'", Printable(jwt.typ, 32), expect.typ));
  }
  LS_RETURN_IF_ERROR(CheckTimes(jwt.claims, expect.times));
  if (!AudienceMatches(jwt.claims, expect.audiences)) {
    return Refuse(fmt::format("The token's audience is not '{}'",
                              expect.audiences.empty() ? "" : expect.audiences.front()));
  }
  return jwt;
}

Result<std::string> SignJwt(const SigningKey& key, std::string_view claims_json,
                            std::string_view typ) {
  json header = {{"alg", std::string(JwsAlgorithmName(key.alg()))}, {"typ", std::string(typ)}};
  if (!key.kid().empty()) header["kid"] = key.kid();
  std::string out = Base64UrlEncode(header.dump());
  out.push_back('.');
  out += Base64UrlEncode(claims_json);
  LS_ASSIGN_OR_RETURN(std::string signature, key.Sign(out));
  out.push_back('.');
  out += Base64UrlEncode(signature);
  return out;
}

}  // namespace lakeshare::auth
