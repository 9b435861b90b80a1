// Secrets handed to people and programs: recipient bearer tokens, activation-link tokens and
// principal API tokens (DESIGN.md, "Secrets": at least 256 bits from OpenSSL's CSPRNG, stored
// only as hashes, compared in constant time, never logged). All functions are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace lakeshare::auth {

/// A fresh secret: 32 bytes (256 bits) from OpenSSL's CSPRNG, base64url without padding (43
/// characters), safe in URLs, headers and file names. Aborts if the CSPRNG fails (no secret is
/// better than a weak one).
std::string NewSecretToken();

/// Compare two secrets in time that depends only on their lengths (CRYPTO_memcmp).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

/// The token of an Authorization header value "Bearer <token>" (RFC 6750 §2.1: the scheme is
/// case-insensitive, one or more spaces follow it). Null for an absent header, another scheme
/// or an empty token.
std::optional<std::string_view> BearerToken(const std::string* authorization);

/// Whether an Authorization header value carries Bearer credentials: the scheme (any case), a
/// space and at least one more character (RFC 7235 §2.1, `auth-scheme 1*SP token68`). For such a
/// value BearerToken is null only when the token is blank, so replies can tell "empty bearer
/// token" from "not a bearer header" ("Bearer" and "Bearer " are the latter).
bool HasBearerCredentials(std::string_view authorization);

}  // namespace lakeshare::auth
