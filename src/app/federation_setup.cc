#include "app/federation_setup.h"

#include <CLI/CLI.hpp>

namespace lakeshare::app {

namespace {

/// Provider sign-in: the provider's staff sign in to the management API with the company IdP.
void AddPrincipalFlags(CLI::App& serve, FederationFlags& flags) {
  const std::string group = "Provider sign-in (staff sign in with the company's IdP)";
  serve
      .add_option("--oidc-principal-issuer", flags.principal_issuer,
                  "Issuer URL (the tokens' exact `iss`, https) of the identity provider whose "
                  "tokens sign principals in to the management API; needs "
                  "--oidc-principal-audience")
      ->group(group);
  serve
      .add_option("--oidc-principal-audience", flags.principal_audiences,
                  "Audience the tokens must carry in `aud` (repeatable: any of them); use one "
                  "registered for this server only")
      ->group(group);
  serve
      .add_option("--oidc-principal-claim", flags.principal_claim,
                  "Claim whose value is the principal's name (as Databricks account federation "
                  "policies' subject_claim; e.g. email, preferred_username, upn, oid)")
      ->capture_default_str()
      ->group(group);
  serve
      .add_option("--oidc-principal-jwks-uri", flags.principal_jwks_uri,
                  "The issuer's JWK Set URL, for issuers without OpenID discovery (default: the "
                  "jwks_uri of ISSUER/.well-known/openid-configuration)")
      ->group(group);
}

/// Provider sign-in is all or nothing: a half-configured set is refused, naming what is missing.
Status CheckPrincipalFlags(const FederationFlags& flags, const auth::IdpFetchOptions& fetch) {
  const bool claim_changed = flags.principal_claim != FederationFlags{}.principal_claim;
  if (flags.principal_issuer.empty()) {
    const char* given = !flags.principal_audiences.empty()  ? "--oidc-principal-audience"
                        : claim_changed                     ? "--oidc-principal-claim"
                        : !flags.principal_jwks_uri.empty() ? "--oidc-principal-jwks-uri"
                                                            : nullptr;
    if (given != nullptr) {
      return InvalidArgument(
          "{} needs --oidc-principal-issuer: give the issuer URL of the identity provider staff "
          "sign in with",
          given);
    }
    return OkStatus();
  }
  if (flags.principal_audiences.empty()) {
    return InvalidArgument(
        "--oidc-principal-issuer needs --oidc-principal-audience: give the audience the identity "
        "provider puts in tokens for this server (tokens for other services must not sign in)");
  }
  for (const std::string& audience : flags.principal_audiences) {
    if (audience.empty()) return InvalidArgument("--oidc-principal-audience must not be empty");
  }
  if (flags.principal_claim.empty()) {
    return InvalidArgument("--oidc-principal-claim must name a claim (e.g. sub or email)");
  }
  if (auto st = auth::CheckIdpUrl(flags.principal_issuer, fetch); !st) {
    return InvalidArgument("--oidc-principal-issuer: {}", st.error().message);
  }
  if (!flags.principal_jwks_uri.empty()) {
    if (auto st = auth::CheckIdpUrl(flags.principal_jwks_uri, fetch); !st) {
      return InvalidArgument("--oidc-principal-jwks-uri: {}", st.error().message);
    }
  }
  return OkStatus();
}

/// A whole number (of seconds, of callers) in [lo, hi] in the flag group `group`, its default
/// shown in --help.
void AddBoundedOption(CLI::App& serve, const std::string& name, int64_t& value, int lo, int hi,
                      const std::string& group, const std::string& help) {
  serve.add_option(name, value, help)
      ->check(CLI::Range(lo, hi))
      ->capture_default_str()
      ->group(group);
}

}  // namespace

void AddFederationFlags(CLI::App& serve, FederationFlags& flags) {
  const std::string group = "Federation (OIDC / JWT sign-in)";
  serve
      .add_flag("--oidc-allow-loopback-http", flags.allow_loopback_http,
                "Let identity providers be reached over plain http on a loopback address (tests, "
                "a local IdP); never over any other network")
      ->group(group);
  serve
      .add_flag("--oidc-allow-private-networks", flags.allow_private_networks,
                "Let identity-provider URLs resolve to private addresses (a company IdP inside its "
                "network); refused by default, like loopback and link-local addresses")
      ->group(group);
  serve.add_option("--oidc-ca-file", flags.ca_file, "PEM bundle of CAs to trust for IdP TLS")
      ->group(group);
  AddBoundedOption(serve, "--oidc-clock-skew-seconds", flags.clock_skew_seconds, 0, 600, group,
                   "Tolerance for exp/nbf/iat of federated tokens");
  AddBoundedOption(serve, "--oidc-jwks-max-age-seconds", flags.jwks_max_age_seconds, 1, 86400,
                   group,
                   "How long an IdP's keys are used before they are fetched again (how long a "
                   "key the IdP dropped is still trusted)");
  AddBoundedOption(serve, "--oidc-jwks-min-refresh-seconds", flags.jwks_min_refresh_seconds, 1,
                   3600, group,
                   "Least time between two fetches of an IdP's keys caused by tokens naming an "
                   "unknown key id (bounds the fetches a flood of forged tokens causes)");
  AddBoundedOption(serve, "--oauth-access-token-lifetime-seconds",
                   flags.access_token_lifetime_seconds, 10, 86400, group,
                   "Lifetime of the access tokens the token endpoint issues to "
                   "OAUTH_CLIENT_CREDENTIALS recipients");
  AddBoundedOption(serve, "--oidc-max-blocked-callers", flags.max_blocked_callers, 1, 64, group,
                   "Requests that may wait on identity providers at once (fetching keys or "
                   "waiting for a fetch), across all of them; keep it well below the handler "
                   "threads (8), so an IdP that hangs cannot hold them all; beyond: 503");
  AddPrincipalFlags(serve, flags);
}

Result<std::unique_ptr<FederationSetup>> FederationSetup::Create(catalog::Catalog& catalog,
                                                                 const FederationFlags& flags,
                                                                 int64_t revocation_delay_ms) {
  std::unique_ptr<FederationSetup> setup(new FederationSetup());
  auth::OAuthServerOptions oauth;
  oauth.access_token_lifetime_seconds = flags.access_token_lifetime_seconds;
  oauth.revocation_delay_ms = revocation_delay_ms;
  oauth.clock_skew_seconds = flags.clock_skew_seconds;
  LS_ASSIGN_OR_RETURN(setup->oauth_, auth::OAuthServer::Create(catalog, oauth));
  setup->Build(catalog, flags, revocation_delay_ms);
  LS_RETURN_IF_ERROR(CheckPrincipalFlags(flags, setup->jwks_options_.fetch));
  if (!flags.principal_issuer.empty()) {
    auth::PrincipalJwtConfig config;
    config.issuer = flags.principal_issuer;
    config.audiences = flags.principal_audiences;
    config.claim = flags.principal_claim;
    config.jwks_uri = flags.principal_jwks_uri;
    config.clock_skew_seconds = flags.clock_skew_seconds;
    setup->principal_jwt_ =
        std::make_unique<auth::PrincipalJwtAuthenticator>(*setup->verifier_, std::move(config));
  }
  return setup;
}

void FederationSetup::Build(catalog::Catalog& catalog, const FederationFlags& flags,
                            int64_t policy_ttl_ms) {
  jwks_options_.fetch.allow_loopback_http = flags.allow_loopback_http;
  jwks_options_.fetch.allow_private_networks = flags.allow_private_networks;
  jwks_options_.fetch.ca_file = flags.ca_file;
  jwks_options_.max_age_seconds = flags.jwks_max_age_seconds;
  jwks_options_.min_refresh_interval_seconds = flags.jwks_min_refresh_seconds;
  // Within 1..64 (checked when parsed).
  jwks_options_.max_blocked_callers = static_cast<int>(flags.max_blocked_callers);
  jwks_ = std::make_unique<auth::JwksCache>(jwks_options_);
  auth::TokenVerifierOptions verifier_options;
  verifier_options.clock_skew_seconds = flags.clock_skew_seconds;
  verifier_ = std::make_unique<auth::TokenVerifier>(*jwks_, verifier_options);
  auth::FederationOptions federation_options;
  federation_options.policy_ttl_ms = policy_ttl_ms;
  federation_options.clock_skew_seconds = flags.clock_skew_seconds;
  federation_ =
      std::make_unique<auth::FederationAuthenticator>(catalog, *verifier_, federation_options);
}

Result<auth::JwtRecipient> FederationSetup::Authenticate(std::string_view token) const {
  auto unverified = auth::DecodeJwt(token);
  if (unverified && oauth_->IsOurs(*unverified)) {
    LS_ASSIGN_OR_RETURN(auth::AccessTokenIdentity id, oauth_->VerifyAccessToken(token));
    return auth::JwtRecipient{.name = id.recipient,
                              .audit_params = {{"auth_method", "oauth_client_credentials"},
                                               {"client_id", id.client_id},
                                               {"client_credential", id.credential},
                                               {"token_id", id.token_id}}};
  }
  LS_ASSIGN_OR_RETURN(auth::FederatedIdentity id, federation_->Authenticate(token));
  auth::JwtRecipient out{.name = id.recipient,
                         .audit_params = {{"auth_method", "oidc_federation"},
                                          {"federation_policy", id.policy},
                                          {"token_issuer", id.issuer},
                                          {"token_subject", id.subject}}};
  if (!id.token_id.empty()) out.audit_params["token_id"] = id.token_id;
  return out;
}

}  // namespace lakeshare::app
