#include "auth/principal_jwt.h"

#include <fmt/format.h>

#include <chrono>
#include <utility>

namespace lakeshare::auth {

Error PrincipalJwtNotConfiguredError() {
  return Error{ErrorCode::kUnauthenticated,
               "This server signs no one in with an identity provider's token (it was started "
               "without --oidc-principal-issuer): send a principal's API token, or ask the "
               "operator to configure sign-in with your identity provider"};
}

PrincipalJwtAuthenticator::PrincipalJwtAuthenticator(const TokenVerifier& verifier,
                                                     PrincipalJwtConfig config)
    : verifier_(verifier), config_(std::move(config)) {}

Result<PrincipalJwtIdentity> PrincipalJwtAuthenticator::Authenticate(std::string_view token) const {
  KeySources sources = [this](const Jwt& jwt) -> Result<std::vector<JwksSource>> {
    if (jwt.claims.issuer != config_.issuer) {
      return MakeError(ErrorCode::kUnauthenticated,
                       fmt::format("The token's issuer '{}' is not the identity provider this "
                                   "server signs provider teams in with",
                                   Printable(jwt.claims.issuer, 200)));
    }
    return std::vector<JwksSource>{{config_.issuer, config_.jwks_uri}};
  };
  LS_ASSIGN_OR_RETURN(auto verified, verifier_.Verify(token, sources));
  const JwtClaims& claims = verified->jwt.claims;
  // The verifier remembers tokens verified for partners too, with the keys of a federation
  // policy (which a team may point at any JWK Set): only this IdP's keys sign staff in.
  if (claims.issuer != config_.issuer ||
      !verified->VerifiedBy(JwksSource{config_.issuer, config_.jwks_uri})) {
    return MakeError(ErrorCode::kUnauthenticated,
                     "The token was not verified with the keys of the identity provider this "
                     "server signs provider teams in with; request a token from it");
  }
  const int64_t now_ms = ClockOr(config_.clock).NowMs();
  LS_RETURN_IF_ERROR(CheckTimes(claims, {now_ms / 1000, config_.clock_skew_seconds}));
  if (!AudienceMatches(claims, config_.audiences)) {
    return MakeError(ErrorCode::kUnauthenticated,
                     "The token's audience is not this server's: request a token for it");
  }
  auto it = claims.strings.find(config_.claim);
  if (it == claims.strings.end() || it->second.size() != 1 || it->second.front().empty()) {
    return MakeError(
        ErrorCode::kUnauthenticated,
        fmt::format("The token has no single '{}' claim to name a principal by", config_.claim));
  }
  return PrincipalJwtIdentity{it->second.front(), claims.subject, claims.jwt_id};
}

Result<PrincipalSignIn> PrincipalJwtAuthenticator::SignIn(catalog::Catalog& catalog,
                                                          std::string_view token) const {
  Result<PrincipalJwtIdentity> id = Authenticate(token);
  if (!id) {
    if (id.error().code == ErrorCode::kUnauthenticated) {
      // A chosen principal API token (LAKESHARE_ADMIN_TOKEN) may have the shape of a JWT.
      if (auto principal = catalog.AuthenticatePrincipal(token)) {
        return PrincipalSignIn{std::move(*principal), {}};
      }
    }
    return tl::unexpected(std::move(id.error()));
  }
  Result<catalog::Principal> principal = catalog.GetPrincipal(id->principal);
  if (!principal) {
    if (principal.error().code != ErrorCode::kNotFound) {
      return tl::unexpected(std::move(principal.error()));
    }
    const std::string name = Printable(id->principal, 200);
    return MakeError(ErrorCode::kUnauthenticated,
                     fmt::format("The token's '{}' claim names '{}', and no principal of that name "
                                 "exists here: ask a metastore admin to create it (`lakeshare "
                                 "admin principals create {}`); signing in creates no one",
                                 config_.claim, name, name));
  }
  PrincipalSignIn out{std::move(*principal), {}};
  out.audit_params["auth_method"] = "oidc_federation";
  out.audit_params["token_issuer"] = config_.issuer;
  out.audit_params["token_subject"] = id->subject;
  if (!id->token_id.empty()) out.audit_params["token_id"] = id->token_id;
  return out;
}

}  // namespace lakeshare::auth
