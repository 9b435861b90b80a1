// PrincipalJwtAuthenticator: provider teams sign in to the management API with a JWT from the
// company's identity provider (issue 12), checked by the same code as partners' federated
// tokens (TokenVerifier: signature with the issuer's discovered or configured keys, cached per
// token; then times and audience), and mapped to a principal by one configured claim: the
// claim's value is the principal's name (e.g. `email`, `preferred_username`, `upn`, `sub`). The
// principal must exist in the metastore (no one is created by signing in); the caller looks it
// up. The claim must hold exactly one string (a list of several names nobody).
//
// Thread-safe. `verifier` must outlive the authenticator.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/token_verifier.h"
#include "common/result.h"

namespace lakeshare::auth {

struct PrincipalJwtConfig {
  std::string issuer;                  // exactly the tokens' `iss` (https)
  std::vector<std::string> audiences;  // the token's `aud` must hold one
  std::string claim = "sub";           // whose value is the principal's name
  std::string jwks_uri;                // empty: discovered from the issuer
  int64_t clock_skew_seconds = 60;
  /// Milliseconds since the epoch; null: the system clock.
  std::function<int64_t()> clock_ms{};
};

struct PrincipalJwtIdentity {
  std::string principal;  // the claim's value
  std::string subject;    // `sub`, for the audit
  std::string token_id;   // `jti`
};

class PrincipalJwtAuthenticator {
 public:
  PrincipalJwtAuthenticator(const TokenVerifier& verifier, PrincipalJwtConfig config);

  /// The principal name `token` signs in as; kUnauthenticated with the reason (another issuer,
  /// wrong audience, expired, no such claim), kUnavailable when the IdP cannot be reached.
  Result<PrincipalJwtIdentity> Authenticate(std::string_view token) const;

  const PrincipalJwtConfig& config() const { return config_; }

 private:
  const TokenVerifier& verifier_;
  PrincipalJwtConfig config_;
};

}  // namespace lakeshare::auth
