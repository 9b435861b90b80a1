#include "auth/principal_jwt.h"

#include <fmt/format.h>

#include <chrono>

namespace lakeshare::auth {

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
  if (claims.issuer != config_.issuer) {  // a token verified earlier for another purpose
    return MakeError(ErrorCode::kUnauthenticated, "The token's issuer is not this server's");
  }
  const int64_t now_ms = config_.clock_ms ? config_.clock_ms()
                                          : std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count();
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

}  // namespace lakeshare::auth
