#include "auth/principal_authenticator.h"

#include <memory>
#include <utility>

#include "auth/jwt.h"
#include "auth/secret_token.h"

namespace lakeshare::auth {

PrincipalAuthenticator::PrincipalAuthenticator(catalog::Catalog& catalog,
                                               const PrincipalJwtAuthenticator* jwt)
    : catalog_(catalog), jwt_(jwt) {}

Result<Identity> PrincipalAuthenticator::Authenticate(const Credentials& credentials) const {
  std::optional<std::string_view> token = BearerToken(credentials.authorization);
  if (!token) {
    return MakeError(ErrorCode::kUnauthenticated,
                     "Missing API token: send 'Authorization: Bearer <token>' with a principal's "
                     "API token");
  }
  Identity out;
  if (jwt_ != nullptr && LooksLikeJwt(*token)) {
    // Issue 12: a staff member signed in with the company's identity provider.
    LS_ASSIGN_OR_RETURN(PrincipalSignIn in, jwt_->SignIn(catalog_, *token));
    out.audit_params = std::move(in.audit_params);
    out.principal = std::make_shared<const catalog::Principal>(std::move(in.principal));
  } else {
    Result<catalog::Principal> found = catalog_.AuthenticatePrincipal(*token);
    if (!found && found.error().code == ErrorCode::kUnauthenticated && LooksLikeJwt(*token)) {
      // A JWT where no identity provider signs anyone in: say so (not "unknown token").
      return tl::unexpected(PrincipalJwtNotConfiguredError());
    }
    LS_ASSIGN_OR_RETURN(catalog::Principal principal, std::move(found));
    out.principal = std::make_shared<const catalog::Principal>(std::move(principal));
  }
  out.name = out.principal->name;
  return out;
}

}  // namespace lakeshare::auth
