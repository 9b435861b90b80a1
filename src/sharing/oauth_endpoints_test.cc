#include "sharing/oauth_endpoints.h"

#include <gtest/gtest.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "auth/test_metastore_internal.h"
#include "common/strings.h"

// Designated initializers naming only the fields a test cares about are the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace lakeshare::sharing {
namespace {

using nlohmann::json;

class OAuthEndpointsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(metastore_.Open());
    catalog_ = &metastore_.catalog();
    server_ = *auth::OAuthServer::Create(*catalog_);
    ASSERT_TRUE(RegisterOAuthEndpoints(router_, *server_, {"/delta-sharing", ""}));
    auto r = catalog_->CreateRecipient(
        {.name = "acme", .authentication_type = "OAUTH_CLIENT_CREDENTIALS"});
    ASSERT_TRUE(r);
    client_id_ = r->id;
    ASSERT_TRUE(catalog_->AddRecipientToken("acme", "the-secret", std::nullopt, "admin"));
  }
  http::Response Post(std::string body, std::vector<http::Field> headers) {
    headers.emplace_back("Host", "share.example.com");
    auto request = http::Request::Create("POST", "/delta-sharing/oauth/token", headers,
                                         std::move(body), "127.0.0.1");
    EXPECT_TRUE(request);
    return router_.Dispatch(*request);
  }

  auth::testing::TestMetastore metastore_{"oauth-endpoints"};
  catalog::Catalog* catalog_ = nullptr;
  std::unique_ptr<auth::OAuthServer> server_;
  http::Router router_;
  std::string client_id_;
};

TEST_F(OAuthEndpointsTest, TheConnectorsRequestGetsABearerTokenThatIsNotCached) {
  // Exactly the headers and body of the Python connector's ClientSecretOAuthClient.
  http::Response r = Post("grant_type=client_credentials",
                          {{"accept", "application/json"},
                           {"authorization", "Basic " + Base64Encode(client_id_ + ":the-secret")},
                           {"content-type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(r.status(), 200) << r.body();
  json body = json::parse(r.body());
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_EQ(body["expires_in"], 3600);
  EXPECT_TRUE(server_->VerifyAccessToken(body["access_token"].get<std::string>()));
  EXPECT_EQ(*r.Header("Cache-Control"), "no-store");
  EXPECT_EQ(*r.Header("Pragma"), "no-cache");
}

TEST_F(OAuthEndpointsTest, ErrorsAreOAuthErrors) {
  http::Response bad = Post("grant_type=client_credentials",
                            {{"authorization", "Basic " + Base64Encode(client_id_ + ":wrong")},
                             {"content-type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(bad.status(), 401);
  EXPECT_EQ(json::parse(bad.body())["error"], "invalid_client");
  EXPECT_NE(bad.Header("WWW-Authenticate"), nullptr);
  EXPECT_EQ(bad.body().find("wrong"), std::string::npos);
  http::Response json_body =
      Post(R"({"grant_type":"client_credentials"})", {{"content-type", "application/json"}});
  EXPECT_EQ(json_body.status(), 400);
  EXPECT_EQ(json::parse(json_body.body())["error"], "invalid_request");
}

TEST_F(OAuthEndpointsTest, AnAssertionForTheHostTheCallerChoseIsRefused) {
  // No public URL is configured: the token endpoint URL of the request's Host (which the caller
  // chooses) is no accepted audience; the server's issuer id is.
  auto key = auth::SigningKey::Generate(auth::JwsAlgorithm::kES256, "k1");
  ASSERT_TRUE(catalog_->SetRecipientClientKeys(
      "acme", R"({"keys":[)" + key->PublicKey().ToJwkJson() + "]}"));
  int jti = 0;
  auto assert_for = [&](const std::string& audience) {
    json claims = {{"iss", client_id_},
                   {"aud", audience},
                   {"exp", std::time(nullptr) + 60},
                   {"jti", "j" + std::to_string(++jti)}};
    return Post("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" +
                    *auth::SignJwt(*key, claims.dump()),
                {{"content-type", "application/x-www-form-urlencoded"}});
  };
  for (const char* scheme : {"https://", "http://"}) {
    http::Response r =
        assert_for(std::string(scheme) + "share.example.com/delta-sharing/oauth/token");
    EXPECT_EQ(r.status(), 400) << r.body();
    EXPECT_EQ(json::parse(r.body())["error"], "invalid_grant") << r.body();
  }
  http::Response ok = assert_for(server_->issuer());
  EXPECT_EQ(ok.status(), 200) << ok.body();
}

TEST_F(OAuthEndpointsTest, TheSigningKeysArePublished) {
  auto request = http::Request::Create("GET", "/delta-sharing/oauth/jwks", {}, "", "127.0.0.1");
  http::Response r = router_.Dispatch(*request);
  ASSERT_EQ(r.status(), 200);
  auto set = auth::ParseJwks(r.body());
  ASSERT_TRUE(set);
  EXPECT_EQ(set->keys.size(), 2u);
  EXPECT_EQ(r.body().find("\"d\""), std::string::npos);  // no private part
}

}  // namespace
}  // namespace lakeshare::sharing
