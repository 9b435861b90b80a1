// jwt_auth_bench: authenticated list-shares with a federated JWT against the bearer-token path
// (issue 12), through the real HTTP stack; bench/60_federation.sh drives it with wrk.
//
//   jwt_auth_bench serve DIR [--recipients N] [--verify-cache N]
//
// DIR gets a fresh SQLite metastore: N TOKEN recipients (one bearer token each) and N
// OIDC_FEDERATION recipients (one federation policy each: issuer = an identity provider this
// program serves on loopback, audience urn:lakeshare:bench, sub = client-I), 10 shares of 3 tables,
// each recipient granted one share. It writes DIR/bearer.txt and DIR/jwt.txt (one token a line:
// the bearer tokens, and RS256 access tokens of the identity provider, valid for 2 hours), then
// serves GET /delta-sharing/shares on 127.0.0.1 (port printed on stdout) until SIGTERM.
// --verify-cache 0 turns the per-token signature cache off (every request verifies RS256).
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "auth/federation.h"
#include "auth/jwks_cache.h"
#include "auth/recipient_authenticator.h"
#include "auth/test_idp_internal.h"
#include "auth/token_verifier.h"
#include "catalog/catalog.h"
#include "http/server.h"
#include "sharing/bench_support.h"
#include "sharing/metastore_share_provider.h"
#include "sharing/sharing_service.h"

namespace lakeshare::sharing {
namespace {

using bench::Check;
using bench::ServeUntilSignal;

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Metastore contents; the tokens of both kinds go to DIR/bearer.txt and DIR/jwt.txt.
void Fill(catalog::Catalog& c, const std::string& dir, int n, const std::string& issuer,
          const auth::SigningKey& key) {
  Check(c.CreateCatalog({.name = "main"}), "catalog");
  Check(c.CreateSchema({.catalog_name = "main", .name = "sales"}), "schema");
  for (int t = 0; t < 30; ++t) {
    Check(c.CreateTable({.catalog_name = "main",
                         .schema_name = "sales",
                         .name = fmt::format("t{:02d}", t),
                         .storage_location = fmt::format("s3://bench/t{:02d}", t)}),
          "table");
  }
  for (int s = 0; s < 10; ++s) {
    std::string name = fmt::format("share{}", s);
    Check(c.CreateShare({.name = name}), "share");
    std::vector<catalog::SharedObjectChange> changes;
    for (int t = 0; t < 3; ++t) {
      changes.push_back({catalog::SharedObjectChange::Action::kAdd,
                         {.name = fmt::format("main.sales.t{:02d}", s * 3 + t)}});
    }
    Check(c.UpdateShare(name, {}, changes, "bench"), "share objects");
  }
  std::ofstream bearer(dir + "/bearer.txt");
  std::ofstream jwt(dir + "/jwt.txt");
  const int64_t now = NowSeconds();
  for (int i = 0; i < n; ++i) {
    std::string tok = fmt::format("tok{:05d}", i);
    std::string fed = fmt::format("fed{:05d}", i);
    Check(c.CreateRecipient({.name = tok}), "recipient");
    std::string token = fmt::format("bench-token-{:05d}-7f3a9c2e5b1d4086a2c4e6f8091b3d5f", i);
    Check(c.AddRecipientToken(tok, token, std::nullopt, "bench"), "token");
    Check(c.CreateRecipient({.name = fed, .authentication_type = "OIDC"}), "oidc recipient");
    Check(c.CreateFederationPolicy(fed, {.name = "m2m",
                                         .issuer = issuer,
                                         .audiences = {"urn:lakeshare:bench"},
                                         .subject_claim = "sub",
                                         .subject = fmt::format("client-{}", i)}),
          "policy");
    for (const std::string& r : {tok, fed}) {
      catalog::PermissionsChange grant{.principal = r, .add = {catalog::Privilege::kSelect}};
      Check(c.UpdatePermissions(catalog::SecurableType::kShare, fmt::format("share{}", i % 10),
                                {grant}),
            "grant");
    }
    bearer << token << "\n";
    std::string claims = fmt::format(
        R"({{"iss":"{}","aud":"urn:lakeshare:bench","sub":"client-{}","client_id":"client-{}",)"
        R"("iat":{},"exp":{},"jti":"bench-{}"}})",
        issuer, i, i, now, now + 7200, i);
    jwt << Check(auth::SignJwt(key, claims, "at+jwt"), "sign") << "\n";
  }
}

int Serve(const std::string& dir, int n, size_t verify_cache) {
  http::BlockShutdownSignals();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auth::testing::TestIdp idp;
  auth::SigningKey key = idp.AddKey(auth::JwsAlgorithm::kRS256, "bench-key");
  auto catalog = Check(catalog::OpenCatalog(dir + "/metastore.db"), "open metastore");
  std::fprintf(stderr, "  filling %d TOKEN and %d OIDC_FEDERATION recipients\n", n, n);
  Fill(*catalog, dir, n, idp.issuer(), key);

  auth::JwksCacheOptions jwks_options;
  jwks_options.fetch.allow_loopback_http = true;
  auth::JwksCache jwks(jwks_options);
  auth::TokenVerifier verifier(jwks, {.max_tokens = verify_cache});
  auth::FederationAuthenticator federation(*catalog, verifier);
  MetastoreProviderOptions provider_options;
  provider_options.require_external_location = false;  // the bench's catalog has no location policy
  auto provider = std::make_shared<MetastoreShareProvider>(*catalog, provider_options);
  auth::RecipientAuthOptions auth_options;
  auth_options.jwt_recipient =
      [&federation](std::string_view token) -> Result<auth::JwtRecipient> {
    LS_ASSIGN_OR_RETURN(auth::FederatedIdentity id, federation.Authenticate(token));
    return auth::JwtRecipient{id.recipient, {{"token_subject", id.subject}}};
  };
  auth_options.on_recipient_read = [provider](const catalog::RecipientInfo& r) {
    return provider->RememberRecipient(r);
  };
  auto recipients = std::make_shared<auth::RecipientAuthenticator>(*catalog, auth_options);
  auto service = Check(SharingService::Create(provider, recipients, SharingOptions{}),
                       "sharing service");
  ServeUntilSignal(*service, http::ServerOptions{.log_sink = [](std::string_view) {}});
  auto st = verifier.stats();
  std::fprintf(stderr, "  signature checks: %lld cached, %lld verified; JWKS fetches %d\n",
               static_cast<long long>(st.hits), static_cast<long long>(st.misses),
               idp.jwks_fetches.load());
  return 0;
}

}  // namespace
}  // namespace lakeshare::sharing

int main(int argc, char** argv) {
  if (argc < 3 || std::string(argv[1]) != "serve") {
    std::fprintf(stderr, "usage: %s serve DIR [--recipients N] [--verify-cache N]\n", argv[0]);
    return 2;
  }
  int n = 1000;
  size_t verify_cache = 10'000;
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--recipients") n = std::atoi(argv[i + 1]);
    if (flag == "--verify-cache") verify_cache = std::strtoull(argv[i + 1], nullptr, 10);
  }
  return lakeshare::sharing::Serve(argv[2], n, verify_cache);
}
