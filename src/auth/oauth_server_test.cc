#include "auth/oauth_server.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "auth/test_metastore_internal.h"
#include "common/clock.h"
#include "common/strings.h"

// Designated initializers naming only the fields a test cares about are the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace lakeshare::auth {
namespace {

using nlohmann::json;

constexpr char kTokenUrl[] = "https://share.example.com/delta-sharing/oauth/token";
constexpr int64_t kStart = 1'700'000'000'000;
/// A token request of the RFC 7523 jwt-bearer grant, without its assertion.
constexpr char kJwtBearerForm[] =
    "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=";

class OAuthServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(metastore_.Open(&clock_));
    catalog_ = &metastore_.catalog();
    server_ = MakeServer();
    auto r = catalog_->CreateRecipient(
        {.name = "acme", .authentication_type = "OAUTH_CLIENT_CREDENTIALS"});
    ASSERT_TRUE(r);
    client_id_ = r->id;
    ASSERT_TRUE(catalog_->AddRecipientToken("acme", "secret-1", std::nullopt, "admin"));
  }
  std::unique_ptr<OAuthServer> MakeServer() {
    OAuthServerOptions options;
    options.clock = &clock_;
    return *OAuthServer::Create(*catalog_, options);
  }

  tl::expected<TokenReply, OAuthError> Issue(const std::string& body,
                                             std::optional<std::string> auth = std::nullopt,
                                             std::vector<std::string> urls = {kTokenUrl}) {
    TokenRequest request;
    request.body = body;
    request.authorization = auth ? &*auth : nullptr;
    request.token_endpoint_urls = std::move(urls);
    return server_->IssueToken(request);
  }
  std::string Basic(const std::string& id, const std::string& secret) {
    return "Basic " + Base64Encode(id + ":" + secret);
  }
  // What the Python connector signs for oauth_jwt_bearer_private_key_jwt.
  std::string Assertion(const SigningKey& key, json extra = json::object()) {
    json claims = {{"iss", client_id_},
                   {"aud", kTokenUrl},
                   {"iat", clock_.NowMs() / 1000},
                   {"exp", clock_.NowMs() / 1000 + 120},
                   {"jti", "jti-" + std::to_string(++jti_)}};
    claims.update(extra);
    return *SignJwt(key, claims.dump());
  }
  /// Register a new RS256 key "partner-key-1" as acme's only client key; nullopt on failure.
  std::optional<SigningKey> RegisterClientKey() {
    auto key = SigningKey::Generate(JwsAlgorithm::kRS256, "partner-key-1");
    if (!key || !catalog_->SetRecipientClientKeys(
                    "acme", R"({"keys":[)" + key->PublicKey().ToJwkJson() + "]}")) {
      return std::nullopt;
    }
    return std::move(*key);
  }
  std::string Error(const tl::expected<TokenReply, OAuthError>& r) {
    return r ? std::string("issued") : r.error().error + ": " + r.error().description;
  }

  ManualClock clock_{kStart};
  testing::TestMetastore metastore_{"oauth-test"};
  catalog::Catalog* catalog_ = nullptr;
  std::unique_ptr<OAuthServer> server_;
  std::string client_id_;
  int jti_ = 0;
};

TEST_F(OAuthServerTest, ClientSecretBasicGetsAShortLivedAccessToken) {
  auto reply = Issue("grant_type=client_credentials", Basic(client_id_, "secret-1"));
  ASSERT_TRUE(reply) << Error(reply);
  EXPECT_EQ(reply->expires_in, 3600);
  EXPECT_EQ(reply->recipient, "acme");
  auto jwt = DecodeJwt(reply->access_token);
  ASSERT_TRUE(jwt);
  EXPECT_EQ(jwt->typ, "at+jwt");
  EXPECT_EQ(jwt->alg, JwsAlgorithm::kES256);
  EXPECT_EQ(jwt->claims.issuer, server_->issuer());
  EXPECT_EQ(jwt->claims.subject, client_id_);
  auto id = server_->VerifyAccessToken(reply->access_token);
  ASSERT_TRUE(id) << id.error().ToString();
  EXPECT_EQ(id->recipient, "acme");
  EXPECT_EQ(id->client_id, client_id_);
  EXPECT_EQ(id->credential.rfind("secret:", 0), 0u);
  // The token is no secret store: the client secret is nowhere in it.
  EXPECT_EQ(reply->access_token.find("secret-1"), std::string::npos);
}

TEST_F(OAuthServerTest, ClientSecretPostAndScopeAreAccepted) {
  auto reply = Issue("grant_type=client_credentials&client_id=" + client_id_ +
                     "&client_secret=secret-1&scope=delta-sharing");
  ASSERT_TRUE(reply) << Error(reply);
}

TEST_F(OAuthServerTest, BadClientsAndRequestsGetTheirOAuthErrors) {
  ASSERT_TRUE(catalog_->CreateRecipient({.name = "tok", .authentication_type = "TOKEN"}));
  ASSERT_TRUE(catalog_->AddRecipientToken("tok", "bearer-of-tok", std::nullopt, "admin"));
  auto wrong = Issue("grant_type=client_credentials", Basic(client_id_, "nope"));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().status, 401);
  EXPECT_EQ(wrong.error().error, "invalid_client");
  // A TOKEN recipient's bearer token is no client secret, for any client id.
  EXPECT_EQ(
      Issue("grant_type=client_credentials", Basic(client_id_, "bearer-of-tok")).error().error,
      "invalid_client");
  EXPECT_EQ(Issue("grant_type=client_credentials", Basic("other-id", "secret-1")).error().error,
            "invalid_client");
  EXPECT_EQ(Issue("grant_type=client_credentials").error().error, "invalid_client");
  EXPECT_EQ(Issue("grant_type=client_credentials&client_secret=secret-1&client_id=" + client_id_,
                  Basic(client_id_, "secret-1"))
                .error()
                .error,
            "invalid_request");
  EXPECT_EQ(Issue("grant_type=password&username=a&password=b").error().error,
            "unsupported_grant_type");
  EXPECT_EQ(Issue("").error().error, "invalid_request");
  EXPECT_EQ(Issue("grant_type=client_credentials&grant_type=client_credentials",
                  Basic(client_id_, "secret-1"))
                .error()
                .error,
            "invalid_request");
  EXPECT_EQ(Issue("grant_type=client_credentials%", Basic(client_id_, "secret-1")).error().error,
            "invalid_request");
  EXPECT_EQ(Issue("grant_type=client_credentials", "Bearer secret-1").error().error,
            "invalid_client");
  EXPECT_EQ(Issue(std::string(40 * 1024, 'a')).error().error, "invalid_request");
}

TEST_F(OAuthServerTest, RevokedSecretsStopTheirAccessTokensWithinTheRevocationDelay) {
  auto reply = Issue("grant_type=client_credentials", Basic(client_id_, "secret-1"));
  ASSERT_TRUE(reply);
  ASSERT_TRUE(server_->VerifyAccessToken(reply->access_token));
  ASSERT_TRUE(catalog_->RevokeRecipientTokens("acme"));
  EXPECT_TRUE(server_->VerifyAccessToken(reply->access_token));  // cached up to 2 s
  clock_.Advance(2001);
  auto refused = server_->VerifyAccessToken(reply->access_token);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(refused.error().message.find("revoked"), std::string::npos);
  EXPECT_EQ(Issue("grant_type=client_credentials", Basic(client_id_, "secret-1")).error().error,
            "invalid_client");
}

TEST_F(OAuthServerTest, RotationKeepsTheOldSecretForItsGraceAndCapsTokensByIt) {
  ASSERT_TRUE(catalog_->RotateRecipientToken("acme", "secret-2", std::nullopt, 600, "admin"));
  auto old_reply = Issue("grant_type=client_credentials", Basic(client_id_, "secret-1"));
  ASSERT_TRUE(old_reply) << Error(old_reply);
  EXPECT_EQ(old_reply->expires_in, 600);  // not beyond the old secret's grace
  ASSERT_TRUE(Issue("grant_type=client_credentials", Basic(client_id_, "secret-2")));
  clock_.Advance(601 * 1000);
  EXPECT_EQ(Issue("grant_type=client_credentials", Basic(client_id_, "secret-1")).error().error,
            "invalid_client");
  EXPECT_FALSE(server_->VerifyAccessToken(old_reply->access_token));
}

TEST_F(OAuthServerTest, AccessTokensExpireAndSigningKeysRotateAcrossReplicas) {
  auto reply = Issue("grant_type=client_credentials", Basic(client_id_, "secret-1"));
  ASSERT_TRUE(reply);
  // Another replica on the same metastore verifies it: the signing key is shared.
  auto replica = MakeServer();
  EXPECT_EQ(replica->issuer(), server_->issuer());
  EXPECT_TRUE(replica->VerifyAccessToken(reply->access_token));
  auto jwks = json::parse(*server_->JwksJson());
  EXPECT_EQ(jwks["keys"].size(), 2u);
  EXPECT_EQ(json::parse(*replica->JwksJson()), jwks);
  // Past its expiry (and the clock skew) it is refused.
  clock_.Advance((3600 + 61) * 1000);
  auto expired = replica->VerifyAccessToken(reply->access_token);
  ASSERT_FALSE(expired);
  EXPECT_NE(expired.error().message.find("expired"), std::string::npos);
  // Two key periods later the old key is retired: even a token it signed is refused.
  clock_.Advance(2 * 86'400 * 1000);
  auto fresh = Issue("grant_type=client_credentials", Basic(client_id_, "secret-1"));
  ASSERT_TRUE(fresh);
  EXPECT_NE(DecodeJwt(fresh->access_token)->kid, DecodeJwt(reply->access_token)->kid);
  EXPECT_NE(server_->VerifyAccessToken(reply->access_token).error().message.find("retired"),
            std::string::npos);
}

TEST_F(OAuthServerTest, PrivateKeyJwtAsThePythonConnectorSendsIt) {
  std::optional<SigningKey> key = RegisterClientKey();
  ASSERT_TRUE(key);
  const std::string form = kJwtBearerForm;
  std::string assertion = Assertion(*key);
  auto reply = Issue(form + assertion);
  ASSERT_TRUE(reply) << Error(reply);
  auto id = server_->VerifyAccessToken(reply->access_token);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->credential, "key:partner-key-1");
  // The same assertion twice is a replay.
  EXPECT_NE(Error(Issue(form + assertion)).find("already used"), std::string::npos);
  // Signed by another key, for another audience, for too long, without jti, naming another sub.
  auto stranger = SigningKey::Generate(JwsAlgorithm::kRS256, "partner-key-1");
  EXPECT_EQ(Issue(form + Assertion(*stranger)).error().error, "invalid_grant");
  EXPECT_EQ(Issue(form + Assertion(*key, {{"aud", "https://elsewhere/token"}})).error().error,
            "invalid_grant");
  EXPECT_NE(Error(Issue(form + Assertion(*key, {{"exp", clock_.NowMs() / 1000 + 3600}})))
                .find("too long"),
            std::string::npos);
  std::string unsigned_claims =
      json{{"iss", client_id_}, {"aud", kTokenUrl}, {"exp", clock_.NowMs() / 1000 + 60}}.dump();
  EXPECT_NE(Error(Issue(form + *SignJwt(*key, unsigned_claims))).find("no 'jti'"),
            std::string::npos);
  EXPECT_EQ(Issue(form + Assertion(*key, {{"sub", "someone"}})).error().error, "invalid_grant");
  // The RFC 7523 §2.2 form: client_credentials with a client assertion.
  auto cc = Issue(
      "grant_type=client_credentials&client_assertion_type=urn%3Aietf%3Aparams%3Aoauth%3A"
      "client-assertion-type%3Ajwt-bearer&client_assertion=" +
      Assertion(*key, {{"sub", client_id_}}));
  ASSERT_TRUE(cc) << Error(cc);
  // Dropping the key stops the access tokens it obtained.
  ASSERT_TRUE(catalog_->SetRecipientClientKeys("acme", R"({"keys":[]})"));
  clock_.Advance(2001);
  EXPECT_FALSE(server_->VerifyAccessToken(reply->access_token));
  EXPECT_EQ(Issue(form + Assertion(*key)).error().error, "invalid_client");
}

TEST_F(OAuthServerTest, WithoutAPublicUrlOnlyTheIssuerIsAnAssertionAudience) {
  // No URL configured: a token endpoint URL as audience is refused, naming the setting (it once
  // came from the request's Host header, which the caller chooses).
  std::optional<SigningKey> key = RegisterClientKey();
  ASSERT_TRUE(key);
  const std::string form = kJwtBearerForm;
  auto refused = Issue(form + Assertion(*key), std::nullopt, {});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().error, "invalid_grant");
  EXPECT_NE(refused.error().description.find("--public-url"), std::string::npos)
      << refused.error().description;
  auto by_issuer = Issue(form + Assertion(*key, {{"aud", server_->issuer()}}), std::nullopt, {});
  EXPECT_TRUE(by_issuer) << Error(by_issuer);
}

TEST_F(OAuthServerTest, DeletedOrExpiredClientsStop) {
  auto reply = Issue("grant_type=client_credentials", Basic(client_id_, "secret-1"));
  ASSERT_TRUE(reply);
  catalog::RecipientUpdate expire;
  expire.expiration_time = std::optional<int64_t>(kStart + 60'000);
  ASSERT_TRUE(catalog_->UpdateRecipient("acme", expire));
  auto capped = Issue("grant_type=client_credentials", Basic(client_id_, "secret-1"));
  ASSERT_TRUE(capped);
  EXPECT_EQ(capped->expires_in, 60);
  ASSERT_TRUE(catalog_->DeleteRecipient("acme"));
  clock_.Advance(2001);
  EXPECT_FALSE(server_->VerifyAccessToken(reply->access_token));
}

TEST_F(OAuthServerTest, ForeignAndForgedTokensAreRefused) {
  auto forger = SigningKey::Generate(JwsAlgorithm::kES256, "lakeshare-19675");
  json claims = {{"iss", server_->issuer()}, {"aud", server_->issuer()},
                 {"sub", client_id_},        {"client_id", client_id_},
                 {"cred", "secret:x"},       {"exp", clock_.NowMs() / 1000 + 60}};
  int64_t period = clock_.NowMs() / 1000 / 86'400;
  auto same_kid = SigningKey::Generate(JwsAlgorithm::kES256, "lakeshare-" + std::to_string(period));
  EXPECT_FALSE(server_->VerifyAccessToken(*SignJwt(*same_kid, claims.dump(), "at+jwt")));
  EXPECT_FALSE(server_->VerifyAccessToken(*SignJwt(*forger, claims.dump(), "at+jwt")));
  claims["iss"] = "https://idp.example.com";
  EXPECT_NE(server_->VerifyAccessToken(*SignJwt(*same_kid, claims.dump(), "at+jwt"))
                .error()
                .message.find("not issued by this server"),
            std::string::npos);
}

}  // namespace
}  // namespace lakeshare::auth
