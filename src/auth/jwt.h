// JSON Web Tokens (RFC 7519) in the JWS Compact Serialization (RFC 7515 §7.1): decoding with
// every size bounded before it is parsed, choosing the issuer's key, checking the signature and
// the registered claims, and signing Lakeshare's own tokens.
//
// Verification order, and why: DecodeJwt reads the header and claims without trusting them (the
// caller needs the unverified `iss` to know whose keys to use); FindKey picks exactly one key by
// `kid` whose type fits the header's `alg` (never a key of another type: no HMAC with a public
// key, no `none` — neither is an algorithm here); Jwt::VerifySignature checks it; then the
// claims: CheckTimes (`exp` required, `nbf`, `iat`, with a clock skew), `iss` equality and
// CheckAudience. Every refusal is kUnauthenticated with a message a partner can act on; none
// contains the token. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwk.h"
#include "common/result.h"

namespace lakeshare::auth {

/// Sizes checked before decoding; the decoded header and claims are then held to
/// kJwtJsonLimits (common/json_bounds.h) for depth and element count.
struct JoseLimits {
  size_t max_token_bytes = 16 * 1024;   // large enough for an Entra ID token with groups
  size_t max_header_bytes = 2 * 1024;   // decoded JOSE header
  size_t max_claims_bytes = 12 * 1024;  // decoded claims set
};

/// Whether `token` has the shape of a JWS compact serialization: three base64url segments
/// joined by two dots. Lakeshare's opaque bearer tokens (NewSecretToken) never contain a dot.
bool LooksLikeJwt(std::string_view token);

struct JwtClaims {
  std::string issuer;                  // iss
  std::string subject;                 // sub
  std::vector<std::string> audiences;  // aud: a string or an array of strings
  std::string jwt_id;                  // jti
  std::optional<int64_t> expires_at;   // exp, seconds since the epoch (fractions dropped)
  std::optional<int64_t> not_before;   // nbf
  std::optional<int64_t> issued_at;    // iat
  /// Every top-level claim whose value is a string or an array of strings only.
  std::map<std::string, std::vector<std::string>, std::less<>> strings;

  /// Whether claim `name` is the string `value`, or an array of strings that contains it (how a
  /// federation policy matches `sub`, `azp`, `oid` or `groups`).
  bool Matches(std::string_view name, std::string_view value) const;
  /// The claim's first string value, or "".
  std::string_view First(std::string_view name) const;
};

/// A decoded token. Nothing in it is trusted until VerifySignature succeeds.
struct Jwt {
  JwsAlgorithm alg = JwsAlgorithm::kRS256;
  std::string kid;
  std::string typ;
  std::string signing_input;  // "header.payload" as received
  std::string signature;      // decoded JWS Signature
  JwtClaims claims;

  /// Check the signature with `key` (its type must fit `alg`).
  Status VerifySignature(const VerificationKey& key) const;
};

/// Decode `token` without verifying it. kUnauthenticated for anything but a bounded compact JWS
/// with strict base64url segments, JSON objects with unique member names, an accepted `alg`, no
/// `crit`, and registered claims of their registered types.
Result<Jwt> DecodeJwt(std::string_view token, const JoseLimits& limits = {});

/// The key of `keys` that must verify `jwt`: the one whose `kid` is the token's `kid` and that
/// fits its `alg`; without a `kid`, the only key that fits. Null when there is none (the caller
/// may refresh the key set once and ask again).
const VerificationKey* FindKey(const JsonWebKeySet& keys, const Jwt& jwt);
/// The refusal for a token FindKey found no key for.
Error NoKeyError(const Jwt& jwt, std::string_view issuer);

struct TimeRules {
  int64_t now_seconds = 0;
  int64_t clock_skew_seconds = 60;
};

/// RFC 7519 §4.1.4-6: `exp` (required here) must be after now, `nbf` not after now, `iat` not
/// in the future, each with `clock_skew_seconds` of tolerance. The messages give the times.
Status CheckTimes(const JwtClaims& claims, const TimeRules& rules);

/// RFC 7519 §4.1.3: one of the token's audiences must be one of `accepted`.
bool AudienceMatches(const JwtClaims& claims, std::span<const std::string> accepted);

/// What a token from one known issuer must satisfy (Lakeshare's own access tokens, a partner's
/// client assertion).
struct JwtExpectations {
  std::string issuer;
  std::vector<std::string> audiences;
  std::string typ;  // empty: any
  TimeRules times;
};

/// Decode, find the key in `keys`, verify the signature, `iss`, `typ`, the times and the
/// audience: the whole check for a token whose issuer is known in advance.
Result<Jwt> VerifyJwt(std::string_view token, const JsonWebKeySet& keys,
                      const JwtExpectations& expect, const JoseLimits& limits = {});

/// Sign `claims_json` (a JSON object's text) with `key`: header {"alg","kid","typ"}.
Result<std::string> SignJwt(const SigningKey& key, std::string_view claims_json,
                            std::string_view typ = "JWT");

/// `text` for a message: printable ASCII only, at most `max` characters (tokens' values are the
/// caller's input; they are echoed, never trusted).
std::string Printable(std::string_view text, size_t max = 80);

}  // namespace lakeshare::auth
