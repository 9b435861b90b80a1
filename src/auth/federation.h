// FederationAuthenticator: which OIDC_FEDERATION recipient a JWT bearer token belongs to, by the
// recipients' federation policies (catalog/federation.h).
//
// The checks, in the order their refusals are given (each a 401 that says which):
//   1. the token is a well-formed JWT with an accepted algorithm (jwt.h);
//   2. its `iss` is named by some policy ("unknown issuer"): policies are looked up by issuer
//      (one indexed metastore statement, cached per issuer for policy_ttl_ms), never by a scan of
//      the recipients;
//   3. its signature verifies with the issuer's key (TokenVerifier: discovered or the policy's
//      jwks_uri; the result is cached per token);
//   4. `exp`, `nbf`, `iat` with the clock skew ("expired", "not yet valid");
//   5. its `aud` holds an audience of one of the issuer's policies ("wrong audience");
//   6. the subject claim of one of those policies is, or contains, its subject ("no policy
//      matched");
//   7. exactly one recipient's policies matched, and that recipient has not expired.
// Signature first, then claims: an unsigned token learns nothing about the configured audiences
// or subjects. Steps 5-7 run on every request against the current (cached) policies, so a
// policy or recipient deleted on any replica stops matching within policy_ttl_ms.
//
// A failure to reach the identity provider is kUnavailable (503); a metastore failure is the
// catalog's error. Messages name the token's own claims, never the token, and never another
// recipient's policy.
//
// Thread-safe. `catalog` and `verifier` must outlive the authenticator.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/token_verifier.h"
#include "catalog/catalog.h"
#include "common/clock.h"
#include "common/result.h"
#include "common/ttl_cache.h"

namespace lakeshare::auth {

struct FederationOptions {
  /// How long the policies of an issuer are used without asking the metastore again.
  int64_t policy_ttl_ms = 2000;
  /// Issuers whose policies (or whose having none) are cached.
  size_t max_issuers = 10'000;
  int64_t clock_skew_seconds = 60;
  /// The wall clock (common/clock.h); null: the system clock.
  const Clock* clock = nullptr;
};

/// Who a federated token identified, for the request and its audit record (never the token).
struct FederatedIdentity {
  std::string recipient;
  std::string recipient_id;
  std::string policy;
  std::string issuer;
  std::string subject;   // the value of the matching policy's subject claim
  std::string token_id;  // `jti`, when the token has one
  int64_t expires_at_ms = 0;
};

class FederationAuthenticator {
 public:
  FederationAuthenticator(catalog::Catalog& catalog, const TokenVerifier& verifier,
                          FederationOptions options = {});

  /// Identify the recipient of the JWT `token` (steps 1-7 above).
  Result<FederatedIdentity> Authenticate(std::string_view token) const;

  /// Forget the cached policies of `issuer` (empty: of every issuer); call after creating or
  /// deleting a policy on this replica.
  void InvalidateIssuer(std::string_view issuer);

 private:
  using Policies = std::shared_ptr<const std::vector<catalog::FederatedRecipientPolicy>>;
  Result<Policies> PoliciesOf(std::string_view issuer) const;
  int64_t NowMs() const;

  catalog::Catalog& catalog_;
  const TokenVerifier& verifier_;
  FederationOptions options_;
  mutable TtlCache<Policies> policies_;
};

}  // namespace lakeshare::auth
