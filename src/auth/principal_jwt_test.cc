#include "auth/principal_jwt.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "auth/test_idp_internal.h"
#include "common/clock.h"

namespace lakeshare::auth {
namespace {

using nlohmann::json;

// A company IdP over loopback HTTP; the token verifier shared with federation.
class PrincipalJwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = idp_.AddKey(JwsAlgorithm::kES256, "corp-1");
    JwksCacheOptions jwks;
    jwks.fetch.allow_loopback_http = true;
    jwks.clock = &clock_;
    keys_ = std::make_unique<JwksCache>(jwks);
    TokenVerifierOptions vo;
    vo.clock = &clock_;
    verifier_ = std::make_unique<TokenVerifier>(*keys_, vo);
    PrincipalJwtConfig config;
    config.issuer = idp_.issuer();
    config.audiences = {"lakeshare-admin"};
    config.claim = "email";
    config.clock = &clock_;
    auth_ = std::make_unique<PrincipalJwtAuthenticator>(*verifier_, config);
  }
  std::string Token(json extra = json::object()) {
    json claims = {
        {"iss", idp_.issuer()},         {"aud", "lakeshare-admin"},           {"sub", "u-123"},
        {"email", "alice@example.com"}, {"exp", clock_.NowMs() / 1000 + 300}, {"jti", "j1"}};
    claims.update(extra);
    return *SignJwt(key_, claims.dump());
  }

  ManualClock clock_{1'700'000'000'000};
  testing::TestIdp idp_;
  SigningKey key_;
  std::unique_ptr<JwksCache> keys_;
  std::unique_ptr<TokenVerifier> verifier_;
  std::unique_ptr<PrincipalJwtAuthenticator> auth_;
};

TEST_F(PrincipalJwtTest, TheConfiguredClaimNamesThePrincipal) {
  auto id = auth_->Authenticate(Token());
  ASSERT_TRUE(id) << id.error().ToString();
  EXPECT_EQ(id->principal, "alice@example.com");
  EXPECT_EQ(id->subject, "u-123");
  EXPECT_EQ(id->token_id, "j1");
}

TEST_F(PrincipalJwtTest, OtherIssuersAudiencesAndMissingClaimsAreRefused) {
  auto other = auth_->Authenticate(Token({{"iss", "https://partner-idp.example.com"}}));
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("signs provider teams in"), std::string::npos);
  EXPECT_EQ(idp_.jwks_fetches.load(), 0);  // no key fetched for a foreign issuer
  EXPECT_NE(auth_->Authenticate(Token({{"aud", "partner-api"}})).error().message.find("audience"),
            std::string::npos);
  auto missing = auth_->Authenticate(Token({{"email", json::array({"a@x", "b@x"})}}));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no single 'email' claim"), std::string::npos);
  auto expired = auth_->Authenticate(Token({{"exp", clock_.NowMs() / 1000 - 120}}));
  ASSERT_FALSE(expired);
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
  auto forger = SigningKey::Generate(JwsAlgorithm::kES256, "corp-1");
  json claims = {{"iss", idp_.issuer()},
                 {"aud", "lakeshare-admin"},
                 {"email", "admin@example.com"},
                 {"exp", clock_.NowMs() / 1000 + 300}};
  EXPECT_FALSE(auth_->Authenticate(*SignJwt(*forger, claims.dump())));
}

// A token whose signature the shared verifier accepted earlier with other keys (a partner
// federation policy naming the company issuer but its own jwks_uri) never signs a principal in.
TEST_F(PrincipalJwtTest, ATokenVerifiedWithAnotherJwksSourceIsRefused) {
  testing::TestIdp attacker;
  SigningKey forged = attacker.AddKey(JwsAlgorithm::kES256, "corp-1");
  json claims = {{"iss", idp_.issuer()},
                 {"aud", "lakeshare-admin"},
                 {"email", "admin@example.com"},
                 {"exp", clock_.NowMs() / 1000 + 300}};
  std::string token = *SignJwt(forged, claims.dump());
  KeySources policy = [&](const Jwt&) -> Result<std::vector<JwksSource>> {
    return std::vector<JwksSource>{{idp_.issuer(), attacker.jwks_uri()}};
  };
  ASSERT_TRUE(verifier_->Verify(token, policy));  // cached now, under the policy's source
  auto id = auth_->Authenticate(token);
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(id.error().message.find("not verified with the keys"), std::string::npos);
}

}  // namespace
}  // namespace lakeshare::auth
