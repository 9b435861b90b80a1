// Provider sign-in (issue 12): the management API accepts a JWT of the company's identity
// provider for an existing principal (ManagementOptions::principal_jwt), through the real router,
// ManagementService::Authenticate and the handlers, with the token verifier and JWKS cache of the
// partner side and a loopback IdP (auth/test_idp_internal.h) whose keys the test makes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "admin/management_test_fixture.h"
#include "auth/jwks_cache.h"
#include "auth/principal_jwt.h"
#include "auth/test_idp_internal.h"
#include "auth/token_verifier.h"
#include "common/clock.h"
#include "common/strings.h"

namespace lakeshare::admin::test {
namespace {

constexpr std::string_view kAudience = "lakeshare-staff";
constexpr std::string_view kPrincipals = "/api/2.1/lakeshare/principals";

class PrincipalSignInTest : public ManagementTest {
 protected:
  void AdjustOptions(ManagementOptions& options) override {
    key_ = idp_.AddKey(auth::JwsAlgorithm::kES256, "corp-1");
    auth::JwksCacheOptions jwks;
    jwks.fetch.allow_loopback_http = true;
    jwks.clock = &clock_;
    keys_ = std::make_unique<auth::JwksCache>(jwks);
    auth::TokenVerifierOptions vo;
    vo.clock = &clock_;
    verifier_ = std::make_unique<auth::TokenVerifier>(*keys_, vo);
    auth::PrincipalJwtConfig config;
    config.issuer = idp_.issuer();
    config.audiences = {std::string(kAudience)};
    config.claim = "email";
    config.clock = &clock_;
    principal_jwt_ = std::make_unique<auth::PrincipalJwtAuthenticator>(*verifier_, config);
    options.principal_jwt = principal_jwt_.get();
  }

  void TearDown() override {
    ManagementTest::TearDown();  // the service goes before what it points to
    principal_jwt_.reset();
  }

  /// The fixture's time (no test here moves it), in seconds: a JWT's `exp`.
  int64_t NowSeconds() const { return clock_.NowMs() / 1000; }

  std::string Jwt(const std::string& email, Json extra = Json::object()) {
    Json claims = {{"iss", idp_.issuer()}, {"aud", kAudience},          {"sub", "id-" + email},
                   {"email", email},       {"exp", NowSeconds() + 300}, {"jti", "jti-" + email}};
    claims.update(extra);
    return *auth::SignJwt(key_, claims.dump());
  }

  /// The refusal of `token` on a route any principal may call: a 401 whose message has `words`.
  void ExpectRefused(const std::string& token, std::string_view words) {
    Reply r = Call("GET", Uc("/shares"), token);
    EXPECT_EQ(r.status, 401) << r.raw;
    EXPECT_THAT(r.raw, HasSubstr("UNAUTHENTICATED"));
    EXPECT_THAT(r.body.value("message", ""), HasSubstr(std::string(words))) << r.raw;
    EXPECT_THAT(r.raw, Not(HasSubstr(token)));
  }

  auth::testing::TestIdp idp_;
  auth::SigningKey key_;
  std::unique_ptr<auth::JwksCache> keys_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
  std::unique_ptr<auth::PrincipalJwtAuthenticator> principal_jwt_;
};

TEST_F(PrincipalSignInTest, AJwtCarriesExactlyItsPrincipalsPrivileges) {
  MakeTeam("analyst@example.com");  // CREATE_SHARE and CREATE_RECIPIENT, no admin
  const std::string token = Jwt("analyst@example.com");
  Reply created = Call("POST", Uc("/shares"), token, Json{{"name", "sales"}});
  ASSERT_EQ(created.status, 200) << created.raw;
  EXPECT_EQ(created.body.value("owner", ""), "analyst@example.com");
  // The audit names the principal's sign-in as federated, with issuer, subject and token id.
  EXPECT_EQ(created.audit.params["auth_method"], "oidc_federation");
  EXPECT_EQ(created.audit.params["token_issuer"], idp_.issuer());
  EXPECT_EQ(created.audit.params["token_subject"], "id-analyst@example.com");
  EXPECT_EQ(created.audit.params["token_id"], "jti-analyst@example.com");
  // Nothing more: principals are the admins' (403), another team's share is invisible (404).
  ASSERT_EQ(Call("POST", Uc("/shares"), "admin-token", Json{{"name", "hr"}}).status, 200);
  Reply principals = Call("GET", std::string(kPrincipals), token);
  EXPECT_EQ(principals.status, 403) << principals.raw;
  EXPECT_EQ(Call("GET", Uc("/shares/hr"), token).status, 404);
  EXPECT_EQ(Call("DELETE", Uc("/shares/hr"), token).status, 404);
  EXPECT_EQ(Call("GET", Uc("/shares/sales"), token).status, 200);
  // Self-service on its own principal works as with an API token.
  EXPECT_EQ(Call("GET", std::string(kPrincipals) + "/analyst@example.com", token).status, 200);
}

TEST_F(PrincipalSignInTest, AnAdminsJwtIsAnAdmin) {
  ASSERT_EQ(Call("POST", std::string(kPrincipals), "admin-token",
                 Json{{"name", "boss@example.com"}, {"is_admin", true}, {"create_token", false}})
                .status,
            200);
  Reply r = Call("GET", std::string(kPrincipals), Jwt("boss@example.com"));
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["principals"].size(), 2u) << r.raw;
}

TEST_F(PrincipalSignInTest, AnUnknownPrincipalIsRefusedSayingHowToCreateIt) {
  ExpectRefused(Jwt("newcomer@example.com"),
                "`lakeshare admin principals create newcomer@example.com`");
  // Signing in created no one.
  Reply r = Call("GET", std::string(kPrincipals) + "/newcomer@example.com");
  EXPECT_EQ(r.status, 404) << r.raw;
}

TEST_F(PrincipalSignInTest, RefusedTokensAre401sWithTheirReason) {
  MakeTeam("analyst@example.com");
  // Another issuer (signed by its own key): no key of it is fetched.
  auto other = *auth::SigningKey::Generate(auth::JwsAlgorithm::kES256, "corp-1");
  Json foreign = {{"iss", "https://other-idp.example.com"},
                  {"aud", kAudience},
                  {"email", "analyst@example.com"},
                  {"exp", NowSeconds() + 300}};
  ExpectRefused(*auth::SignJwt(other, foreign.dump()), "signs provider teams in");
  EXPECT_EQ(idp_.jwks_fetches.load(), 0);
  ExpectRefused(Jwt("analyst@example.com", {{"aud", "partner-api"}}), "audience");
  ExpectRefused(Jwt("analyst@example.com", {{"exp", NowSeconds() - 600}}), "expired");
  ExpectRefused(Jwt("analyst@example.com", {{"email", Json::array({"a@x", "b@x"})}}),
                "no single 'email' claim");
  // The IdP's issuer and kid, but another key's signature.
  Json claims = {{"iss", idp_.issuer()},
                 {"aud", kAudience},
                 {"email", "analyst@example.com"},
                 {"exp", NowSeconds() + 300}};
  ExpectRefused(*auth::SignJwt(other, claims.dump()), "signature");
  // alg none: an unsigned token.
  auto b64 = [](std::string_view text) { return Base64UrlEncode(text); };
  const std::string none_header = b64(R"({"alg":"none","typ":"JWT"})");
  ExpectRefused(none_header + "." + b64(claims.dump()) + ".", "not signed");
  ExpectRefused(none_header + "." + b64(claims.dump()) + ".c2ln", "'none'");
  ExpectRefused(b64(R"({"alg":"ES256","kid":"corp-1"})") + "." + b64(claims.dump()) + ".",
                "not signed");
  // Garbage of JWT shape: 401, never 400 or 500.
  ExpectRefused("eyJ.eyJ.c2ln", "");
}

TEST_F(PrincipalSignInTest, APrincipalDeletedAfterSignInIsRefusedAtOnce) {
  MakeTeam("leaver@example.com");
  const std::string token = Jwt("leaver@example.com");
  ASSERT_EQ(Call("GET", Uc("/shares"), token).status, 200);
  ASSERT_EQ(Call("DELETE", std::string(kPrincipals) + "/leaver@example.com").status, 200);
  ExpectRefused(token, "no principal of that name exists");
}

TEST_F(PrincipalSignInTest, TheSignatureCheckIsCachedPerToken) {
  MakeTeam("analyst@example.com");
  const std::string token = Jwt("analyst@example.com");
  for (int i = 0; i < 5; ++i) ASSERT_EQ(Call("GET", Uc("/shares"), token).status, 200);
  EXPECT_EQ(verifier_->stats().misses, 1);
  EXPECT_EQ(verifier_->stats().hits, 4);
  EXPECT_EQ(idp_.jwks_fetches.load(), 1);
}

TEST_F(PrincipalSignInTest, PrincipalApiTokensKeepWorkingEvenOfJwtShape) {
  std::string api_token = MakeTeam("robot");
  ASSERT_FALSE(api_token.empty());
  EXPECT_EQ(Call("GET", Uc("/shares"), api_token).status, 200);
  // A chosen token (LAKESHARE_ADMIN_TOKEN) may have three dot-separated base64url parts.
  ASSERT_TRUE(catalog_->AddChosenPrincipalToken("robot", "chosen.robot.token0123456789", ""));
  Reply r = Call("GET", Uc("/shares"), "chosen.robot.token0123456789");
  EXPECT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.audit.params.count("auth_method"), 0u);
}

TEST_F(PrincipalSignInTest, AnUnreachableIdentityProviderIsA503) {
  MakeTeam("analyst@example.com");
  idp_.SetStatus(500);
  Reply r = Call("GET", Uc("/shares"), Jwt("analyst@example.com"));
  EXPECT_EQ(r.status, 503) << r.raw;
  EXPECT_THAT(r.raw, HasSubstr("TEMPORARILY_UNAVAILABLE"));
}

// Without --oidc-principal-issuer a JWT is refused saying that this server takes no IdP tokens.
using NoPrincipalSignInTest = ManagementTest;

TEST_F(NoPrincipalSignInTest, AJwtIsRefusedSayingSignInIsNotConfigured) {
  auto key = *auth::SigningKey::Generate(auth::JwsAlgorithm::kES256, "corp-1");
  Json claims = {
      {"iss", "https://idp.example.com"}, {"sub", "admin"}, {"exp", clock_.NowMs() / 1000 + 60}};
  Reply r = Call("GET", Uc("/shares"), *auth::SignJwt(key, claims.dump()));
  EXPECT_EQ(r.status, 401) << r.raw;
  EXPECT_THAT(r.body.value("message", ""), HasSubstr("without --oidc-principal-issuer")) << r.raw;
  Reply opaque = Call("GET", Uc("/shares"), "not-a-token");
  EXPECT_EQ(opaque.status, 401) << opaque.raw;
  EXPECT_THAT(opaque.body.value("message", ""), HasSubstr("API token")) << opaque.raw;
}

}  // namespace
}  // namespace lakeshare::admin::test
