// The JWT sign-in of `lakeshare serve --data-dir` (issue 12): the serve flags that govern it and
// the objects it runs on — one JWKS cache for every identity provider, one token verifier (its
// per-token cache), and the federation authenticator over the metastore's federation policies.
// RunPlatform builds one FederationSetup and hands Authenticate to the recipients' authenticator
// (auth::RecipientAuthOptions::jwt_recipient).
//
// Thread-safe once built. The catalog must outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/federation.h"
#include "auth/jwks_cache.h"
#include "auth/oauth_server.h"
#include "auth/principal_jwt.h"
#include "auth/recipient_authenticator.h"
#include "auth/token_verifier.h"
#include "catalog/catalog.h"

namespace CLI {
class App;
}

namespace lakeshare::app {

struct FederationFlags {
  bool allow_loopback_http = false;
  bool allow_private_networks = false;
  std::string ca_file;
  int64_t clock_skew_seconds = 60;
  int64_t jwks_max_age_seconds = 900;
  int64_t jwks_min_refresh_seconds = 60;
  int64_t access_token_lifetime_seconds = 3600;  // tokens of OAUTH_CLIENT_CREDENTIALS clients
  int64_t max_blocked_callers = 2;  // auth::JwksCacheOptions::max_blocked_callers, 1..64
  // Provider sign-in (--oidc-principal-*): the company IdP whose tokens name principals.
  std::string principal_issuer;
  std::vector<std::string> principal_audiences;
  std::string principal_claim = "sub";
  std::string principal_jwks_uri;  // empty: discovered from the issuer
};

/// Register the --oidc-* options of `serve` into `flags`.
void AddFederationFlags(CLI::App& serve, FederationFlags& flags);

class FederationSetup {
 public:
  /// `revocation_delay_ms`: how long policies and live clients are cached. kInvalidArgument for
  /// a half-configured provider sign-in (naming the missing flag) or an issuer / JWKS URL the
  /// IdP fetch rules refuse (https only; http to loopback with --oidc-allow-loopback-http).
  static Result<std::unique_ptr<FederationSetup>> Create(catalog::Catalog& catalog,
                                                         const FederationFlags& flags,
                                                         int64_t revocation_delay_ms);

  /// The recipient of a JWT bearer token — an access token this server issued (OAuth client
  /// credentials) or a token of a partner's identity provider (federation) — with what its audit
  /// record names (issuer, subject, token id). 401 with the reason, 503 when the identity
  /// provider is unreachable.
  Result<auth::JwtRecipient> Authenticate(std::string_view token) const;

  auth::OAuthServer& oauth() { return *oauth_; }

  /// Provider sign-in with the company's IdP (--oidc-principal-issuer); null when not configured.
  const auth::PrincipalJwtAuthenticator* principal_jwt() const { return principal_jwt_.get(); }

  /// IdP fetch rules (for checking the URLs of policies when they are created).
  const auth::IdpFetchOptions& fetch_options() const { return jwks_options_.fetch; }
  /// GET another document of an identity provider (a profile template's discovery) on a
  /// handler thread, within the bound of callers blocked on identity providers that key fetches
  /// share (--oidc-max-blocked-callers): a team naming an issuer that hangs cannot hold every
  /// handler thread with template requests. The setup must outlive the fetcher.
  auth::DocumentFetcher idp_fetcher() const {
    return [jwks = jwks_.get()](const std::string& url) { return jwks->FetchDocument(url); };
  }
  /// What the JWKS cache was built with (from the flags).
  const auth::JwksCacheOptions& jwks_options() const { return jwks_options_; }
  auth::FederationAuthenticator& federation() { return *federation_; }
  const auth::JwksCache& jwks() const { return *jwks_; }
  const auth::TokenVerifier& verifier() const { return *verifier_; }

 private:
  FederationSetup() = default;
  void Build(catalog::Catalog& catalog, const FederationFlags& flags, int64_t policy_ttl_ms);

  auth::JwksCacheOptions jwks_options_;
  std::unique_ptr<auth::OAuthServer> oauth_;
  std::unique_ptr<auth::JwksCache> jwks_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  std::unique_ptr<auth::FederationAuthenticator> federation_;
  std::unique_ptr<auth::PrincipalJwtAuthenticator> principal_jwt_;
};

}  // namespace lakeshare::app
