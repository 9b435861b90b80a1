#include "app/federation_setup.h"

#include <CLI/CLI.hpp>

namespace lakeshare::app {

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
  serve
      .add_option("--oidc-clock-skew-seconds", flags.clock_skew_seconds,
                  "Tolerance for exp/nbf/iat of federated tokens")
      ->check(CLI::Range(0, 600))
      ->capture_default_str()
      ->group(group);
  serve
      .add_option("--oidc-jwks-max-age-seconds", flags.jwks_max_age_seconds,
                  "How long an IdP's keys are used before they are fetched again (how long a "
                  "key the IdP dropped is still trusted)")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str()
      ->group(group);
  serve
      .add_option("--oidc-jwks-min-refresh-seconds", flags.jwks_min_refresh_seconds,
                  "Least time between two fetches of an IdP's keys caused by tokens naming an "
                  "unknown key id (bounds the fetches a flood of forged tokens causes)")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str()
      ->group(group);
  serve
      .add_option("--oauth-access-token-lifetime-seconds", flags.access_token_lifetime_seconds,
                  "Lifetime of the access tokens the token endpoint issues to "
                  "OAUTH_CLIENT_CREDENTIALS recipients")
      ->check(CLI::Range(10, 86400))
      ->capture_default_str()
      ->group(group);
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
  return setup;
}

void FederationSetup::Build(catalog::Catalog& catalog, const FederationFlags& flags,
                            int64_t policy_ttl_ms) {
  jwks_options_.fetch.allow_loopback_http = flags.allow_loopback_http;
  jwks_options_.fetch.allow_private_networks = flags.allow_private_networks;
  jwks_options_.fetch.ca_file = flags.ca_file;
  jwks_options_.max_age_seconds = flags.jwks_max_age_seconds;
  jwks_options_.min_refresh_interval_seconds = flags.jwks_min_refresh_seconds;
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

Result<sharing::JwtRecipient> FederationSetup::Authenticate(std::string_view token) const {
  auto unverified = auth::DecodeJwt(token);
  if (unverified && oauth_->IsOurs(*unverified)) {
    LS_ASSIGN_OR_RETURN(auth::AccessTokenIdentity id, oauth_->VerifyAccessToken(token));
    sharing::JwtRecipient out;
    out.name = id.recipient;
    out.audit_params["auth_method"] = "oauth_client_credentials";
    out.audit_params["client_id"] = id.client_id;
    out.audit_params["client_credential"] = id.credential;
    out.audit_params["token_id"] = id.token_id;
    return out;
  }
  LS_ASSIGN_OR_RETURN(auth::FederatedIdentity id, federation_->Authenticate(token));
  sharing::JwtRecipient out;
  out.name = id.recipient;
  out.audit_params["auth_method"] = "oidc_federation";
  out.audit_params["federation_policy"] = id.policy;
  out.audit_params["token_issuer"] = id.issuer;
  out.audit_params["token_subject"] = id.subject;
  if (!id.token_id.empty()) out.audit_params["token_id"] = id.token_id;
  return out;
}

}  // namespace lakeshare::app
