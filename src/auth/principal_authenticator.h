// PrincipalAuthenticator: the principals of the management API (provider teams and their
// programs, issue 5): `Authorization: Bearer <principal API token>`, looked up by
// Catalog::AuthenticatePrincipal (digest, or the salted form of a chosen token), or, when a
// PrincipalJwtAuthenticator is given, a JWT of the company's identity provider naming an existing
// principal (issue 12, PrincipalJwtAuthenticator::SignIn). The Identity carries the principal's
// metastore record (admin right, groups), from which the API decides what the caller may do.
// Nothing is cached: a revoked API token or a deleted principal stops at once on every replica.
//
// Thread-safe. The catalog and the JWT authenticator must outlive it.
#pragma once

#include "auth/authenticator.h"
#include "auth/principal_jwt.h"
#include "catalog/catalog.h"

namespace lakeshare::auth {

class PrincipalAuthenticator final : public Authenticator {
 public:
  /// `jwt` null: only principal API tokens.
  explicit PrincipalAuthenticator(catalog::Catalog& catalog,
                                  const PrincipalJwtAuthenticator* jwt = nullptr);

  /// kUnauthenticated when the header is missing or not a bearer token, or the token is unknown,
  /// expired or revoked, or a refused JWT (with the reason; without `jwt`,
  /// PrincipalJwtNotConfiguredError()); kUnavailable when the metastore or the identity provider
  /// cannot be reached.
  Result<Identity> Authenticate(const Credentials& credentials) const override;

 private:
  catalog::Catalog& catalog_;
  const PrincipalJwtAuthenticator* jwt_;
};

}  // namespace lakeshare::auth
