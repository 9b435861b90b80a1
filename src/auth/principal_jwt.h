// PrincipalJwtAuthenticator: provider teams sign in to the management API with a JWT from the
// company's identity provider (issue 12), checked by the same code as partners' federated
// tokens (TokenVerifier: signature with the issuer's discovered or configured keys, cached per
// token; then times and audience), and mapped to a principal by one configured claim: the
// claim's value is the principal's name (e.g. `email`, `preferred_username`, `upn`, `sub`). The
// principal must exist in the metastore (no one is created by signing in): SignIn looks it up
// and answers with exactly that principal (its admin flag and groups, hence its privileges). The
// claim must hold exactly one string (a list of several names nobody).
//
// The management API (admin::ManagementOptions::principal_jwt) hands a bearer value of JWT shape
// (LooksLikeJwt) to SignIn and any other to Catalog::AuthenticatePrincipal; a chosen principal
// API token that happens to have the shape of a JWT still signs in (SignIn falls back to it).
//
// Thread-safe. `verifier` must outlive the authenticator.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "auth/token_verifier.h"
#include "catalog/catalog.h"
#include "common/clock.h"
#include "common/result.h"

namespace lakeshare::auth {

struct PrincipalJwtConfig {
  std::string issuer;                  // exactly the tokens' `iss` (https)
  std::vector<std::string> audiences;  // the token's `aud` must hold one
  std::string claim = "sub";           // whose value is the principal's name
  std::string jwks_uri;                // empty: discovered from the issuer
  int64_t clock_skew_seconds = 60;
  /// The wall clock (common/clock.h); null: the system clock.
  const Clock* clock = nullptr;
};

struct PrincipalJwtIdentity {
  std::string principal;  // the claim's value
  std::string subject;    // `sub`, for the audit
  std::string token_id;   // `jti`
};

/// A management request's caller: the metastore principal, and what its audit record adds
/// (auth_method "oidc_federation", token_issuer, token_subject, token_id; never the token).
struct PrincipalSignIn {
  catalog::Principal principal;
  std::map<std::string, std::string> audit_params;
};

/// The refusal of a JWT on a server that signs no one in with an identity provider (no
/// --oidc-principal-issuer): says so, and what to send instead.
Error PrincipalJwtNotConfiguredError();

class PrincipalJwtAuthenticator {
 public:
  PrincipalJwtAuthenticator(const TokenVerifier& verifier, PrincipalJwtConfig config);

  /// The principal name `token` signs in as; kUnauthenticated with the reason (another issuer,
  /// wrong audience, expired, no such claim), kUnavailable when the IdP cannot be reached.
  Result<PrincipalJwtIdentity> Authenticate(std::string_view token) const;

  /// Authenticate, then the principal the claim names, from `catalog`. kUnauthenticated when no
  /// principal has that name (saying how an admin creates it) or the token is refused (the
  /// reason) — unless `token` is a principal API token (a chosen one may look like a JWT), which
  /// signs in as its principal without audit additions. kUnavailable when the IdP or the
  /// metastore cannot be reached.
  Result<PrincipalSignIn> SignIn(catalog::Catalog& catalog, std::string_view token) const;

  const PrincipalJwtConfig& config() const { return config_; }

 private:
  const TokenVerifier& verifier_;
  PrincipalJwtConfig config_;
};

}  // namespace lakeshare::auth
