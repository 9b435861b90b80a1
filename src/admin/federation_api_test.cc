// Issue 12's management endpoints: federation policies of OIDC_FEDERATION recipients (Databricks'
// shape), their profile template, OAUTH_CLIENT_CREDENTIALS recipients (activation yields a v2
// profile) and their client keys; who may change them, and every bound on their input
// (fixture: management_test_fixture.h).
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "admin/management_test_fixture.h"
#include "auth/jwk.h"

namespace lakeshare::admin::test {
namespace {

constexpr std::string_view kPolicies = "/api/2.0/data-sharing/recipients/acme/federation-policies";
constexpr std::string_view kIssuer = "https://idp.example.com/tenant";

Json Policy(std::string name, std::string issuer = std::string(kIssuer)) {
  return Json{{"name", std::move(name)},
              {"comment", "ACME's pipeline"},
              {"oidc_policy",
               {{"issuer", std::move(issuer)},
                {"audiences", {"urn:lakeshare"}},
                {"subject_claim", "azp"},
                {"subject", "acme-pipeline"}}}};
}

class FederationApiTest : public ManagementTest {
 protected:
  void MakeOidcRecipient(const std::string& name, std::string_view token = "admin-token") {
    Reply r = Call("POST", Uc("/recipients"), token,
                   Json{{"name", name}, {"authentication_type", "OIDC_FEDERATION"}});
    ASSERT_EQ(r.status, 200) << r.raw;
    EXPECT_EQ(r.body["authentication_type"], "OIDC_FEDERATION");
    EXPECT_FALSE(r.body.contains("activation_url")) << "no secret of ours exists for it";
  }
  std::string PublicJwk(const std::string& kid) {
    auto key = auth::SigningKey::Generate(auth::JwsAlgorithm::kES256, kid);
    EXPECT_TRUE(key);
    return key->PublicKey().ToJwkJson();
  }
};

TEST_F(FederationApiTest, PoliciesRoundTripInDatabricksShape) {
  MakeOidcRecipient("acme");
  Reply created = Call("POST", kPolicies, "admin-token", Policy("acme-m2m"));
  ASSERT_EQ(created.status, 200) << created.raw;
  EXPECT_EQ(created.body["name"], "acme-m2m");
  EXPECT_EQ(created.body["comment"], "ACME's pipeline");
  EXPECT_EQ(created.body["oidc_policy"]["issuer"], kIssuer);
  EXPECT_EQ(created.body["oidc_policy"]["audiences"], Json::array({"urn:lakeshare"}));
  EXPECT_EQ(created.body["oidc_policy"]["subject_claim"], "azp");
  EXPECT_EQ(created.body["oidc_policy"]["subject"], "acme-pipeline");
  EXPECT_FALSE(created.body["id"].get<std::string>().empty());
  EXPECT_EQ(created.body["create_time"], "2023-11-14T22:13:20.000Z");
  EXPECT_THAT(changed_, ::testing::Contains("acme"));
  // The body may also come wrapped as {"policy": {...}} (the SDKs' request object).
  Json wrapped{{"policy", Policy("acme-u2m")}};
  wrapped["policy"]["oidc_policy"]["jwks_uri"] = "https://idp.example.com/keys";
  Reply second = Call("POST", kPolicies, "admin-token", wrapped);
  ASSERT_EQ(second.status, 200) << second.raw;
  EXPECT_EQ(second.body["oidc_policy"]["jwks_uri"], "https://idp.example.com/keys");

  Reply listed = Call("GET", std::string(kPolicies));
  ASSERT_EQ(listed.status, 200) << listed.raw;
  ASSERT_EQ(listed.body["policies"].size(), 2u);
  EXPECT_EQ(listed.body["policies"][0]["name"], "acme-m2m");
  Reply page = Call("GET", std::string(kPolicies) + "?max_results=1");
  ASSERT_EQ(page.body["policies"].size(), 1u);
  EXPECT_FALSE(page.body.value("next_page_token", "").empty());
  EXPECT_EQ(Call("GET", std::string(kPolicies) + "/acme-m2m").body["id"], created.body["id"]);
  Reply missing = Call("GET", std::string(kPolicies) + "/nope");
  EXPECT_EQ(missing.status, 404) << missing.raw;
  EXPECT_EQ(Call("POST", kPolicies, "admin-token", Policy("acme-m2m")).status, 409);

  changed_.clear();
  EXPECT_EQ(Call("DELETE", std::string(kPolicies) + "/acme-m2m").status, 200);
  EXPECT_THAT(changed_, ::testing::Contains("acme"));
  EXPECT_EQ(Call("GET", std::string(kPolicies) + "/acme-m2m").status, 404);
  EXPECT_EQ(Call("DELETE", std::string(kPolicies) + "/acme-m2m").status, 404);
  EXPECT_EQ(Call("GET", "/api/2.0/data-sharing/recipients/ghost/federation-policies").status,
            404);
}

TEST_F(FederationApiTest, PolicyInputIsBoundedAndSaysWhatIsWrong) {
  MakeOidcRecipient("acme");
  auto refused = [&](Json body, std::string_view words) {
    Reply r = Call("POST", kPolicies, "admin-token", body);
    EXPECT_EQ(r.status, 400) << body.dump() << " -> " << r.raw;
    EXPECT_THAT(r.body.value("message", ""), HasSubstr(std::string(words))) << body.dump();
  };
  refused(Policy("p", "http://idp.example.com"), "https");
  refused(Policy("p", "http://127.0.0.1:8080"), "--oidc-allow-loopback-http");
  refused(Policy("p", "not a url"), "issuer");
  refused(Policy("Bad_Name"), "lower-case");
  refused(Policy(std::string(65, 'a')), "lower-case");
  refused(Json{{"name", "p"}}, "oidc_policy");
  Json body = Policy("p");
  body["oidc_policy"]["jwks_uri"] = "http://idp.example.com/keys";
  refused(body, "jwks_uri");
  body = Policy("p");
  body["oidc_policy"]["audiences"] = Json::array();
  refused(body, "audiences");
  body["oidc_policy"]["audiences"] = Json::array();
  for (int i = 0; i < 17; ++i) body["oidc_policy"]["audiences"].push_back("a" + std::to_string(i));
  refused(body, "audiences");
  body = Policy("p");
  body["oidc_policy"]["issuer"] = "https://idp.example.com/" + std::string(2000, 'x');
  refused(body, "issuer");
  body = Policy("p");
  body["oidc_policy"]["subject"] = "";
  refused(body, "subject");
  body = Policy("p");
  body["oidc_policy"]["subject_claim"] = "sub\n";
  refused(body, "subject_claim");
  body = Policy("p");
  body["oidc_policy"]["audiences"] = "urn:lakeshare";
  refused(body, "audiences");
  EXPECT_EQ(Call("POST", kPolicies, "admin-token", std::string("{not json")).status, 400);
  EXPECT_EQ(Call("GET", std::string(kPolicies)).body["policies"].size(), 0u);

  // Policies belong to OIDC_FEDERATION recipients only.
  MakeRecipient("bearer-partner");
  Reply r = Call("POST", "/api/2.0/data-sharing/recipients/bearer-partner/federation-policies",
                 "admin-token", Policy("p"));
  EXPECT_EQ(r.status, 400) << r.raw;
  EXPECT_THAT(r.body.value("message", ""), HasSubstr("OIDC_FEDERATION"));
}

TEST_F(FederationApiTest, OnlyTheRecipientsOwnerOrAnAdminChangesItsPolicies) {
  std::string a = MakeTeam("team-a");
  std::string b = MakeTeam("team-b");
  MakeOidcRecipient("acme", a);
  ASSERT_EQ(Call("POST", kPolicies, a, Policy("by-owner")).status, 200);
  // Another team does not see the recipient: exactly as if it did not exist.
  EXPECT_EQ(Call("POST", kPolicies, b, Policy("by-b")).status, 404);
  EXPECT_EQ(Call("GET", std::string(kPolicies), b).status, 404);
  EXPECT_EQ(Call("DELETE", std::string(kPolicies) + "/by-owner", b).status, 404);
  EXPECT_EQ(Call("GET", "/api/2.1/lakeshare/recipients/acme/profile-template", b).status, 404);
  // With USE_RECIPIENT it reads, but still cannot change.
  Reply g = Grant("/permissions/metastore/metastore", "team-b", {"USE_RECIPIENT"});
  ASSERT_EQ(g.status, 200) << g.raw;
  EXPECT_EQ(Call("GET", std::string(kPolicies), b).status, 200);
  EXPECT_EQ(Call("POST", kPolicies, b, Policy("by-b")).status, 403);
  EXPECT_EQ(Call("DELETE", std::string(kPolicies) + "/by-owner", b).status, 403);
  EXPECT_EQ(Call("POST", kPolicies, "admin-token", Policy("by-admin")).status, 200);
  EXPECT_EQ(Call("DELETE", std::string(kPolicies) + "/by-owner", a).status, 200);
  EXPECT_EQ(Call("GET", std::string(kPolicies), "").status, 401);
}

TEST_F(FederationApiTest, ProfileTemplateNamesTheIssuersTokenEndpoint) {
  MakeOidcRecipient("acme");
  const std::string path = "/api/2.1/lakeshare/recipients/acme/profile-template";
  Reply none = Call("GET", path);
  EXPECT_EQ(none.status, 400) << none.raw;
  EXPECT_THAT(none.body.value("message", ""), HasSubstr("no federation policy"));
  ASSERT_EQ(Call("POST", kPolicies, "admin-token", Policy("acme-m2m")).status, 200);
  // The identity provider cannot be reached: 503, never 500.
  Reply down = Call("GET", path);
  EXPECT_EQ(down.status, 503) << down.raw;
  idp_documents_[std::string(kIssuer) + "/.well-known/openid-configuration"] =
      Json{{"issuer", kIssuer}, {"token_endpoint", std::string(kIssuer) + "/token"}}.dump();
  Reply t = Call("GET", path);
  ASSERT_EQ(t.status, 200) << t.raw << (t.response.error() ? t.response.error()->ToString() : "");
  EXPECT_EQ(t.body["shareCredentialsVersion"], 2);
  EXPECT_EQ(t.body["type"], "oauth_client_credentials");
  EXPECT_EQ(t.body["endpoint"], "https://share.example.com/delta-sharing");
  EXPECT_EQ(t.body["tokenEndpoint"], std::string(kIssuer) + "/token");
  EXPECT_THAT(t.body.value("clientId", ""), HasSubstr("your application"));
  EXPECT_FALSE(t.body.contains("scope"));
  EXPECT_EQ(Call("GET", path + "?scope=api%3A%2F%2Fx%2F.default").body["scope"],
            "api://x/.default");
  EXPECT_EQ(Call("GET", path + "?policy=nope").status, 404);

  // A discovery document naming another issuer, or a plain-http token endpoint, is not used.
  idp_documents_[std::string(kIssuer) + "/.well-known/openid-configuration"] =
      Json{{"issuer", "https://evil.example.com"}, {"token_endpoint", "https://evil/token"}}
          .dump();
  EXPECT_EQ(Call("GET", path).status, 503);
  idp_documents_[std::string(kIssuer) + "/.well-known/openid-configuration"] =
      Json{{"issuer", kIssuer}, {"token_endpoint", "http://idp.example.com/token"}}.dump();
  EXPECT_EQ(Call("GET", path).status, 503);

  // Entra ID: the scope to request is the audience's "/.default".
  const std::string entra = "https://login.microsoftonline.com/tenant-1/v2.0";
  Json body = Policy("entra", entra);
  body["oidc_policy"]["audiences"] = {"api://lakeshare-acme"};
  ASSERT_EQ(Call("POST", kPolicies, "admin-token", body).status, 200);
  idp_documents_[entra + "/.well-known/openid-configuration"] =
      Json{{"issuer", entra},
           {"token_endpoint", "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/token"}}
          .dump();
  Reply e = Call("GET", path + "?policy=entra");
  ASSERT_EQ(e.status, 200) << e.raw;
  EXPECT_EQ(e.body["scope"], "api://lakeshare-acme/.default");
}

TEST_F(FederationApiTest, ClientCredentialsActivationYieldsAVersion2ProfileOnce) {
  Reply r = Call("POST", Uc("/recipients"), "admin-token",
                 Json{{"name", "globex"}, {"authentication_type", "OAUTH_CLIENT_CREDENTIALS"}});
  ASSERT_EQ(r.status, 200) << r.raw;
  EXPECT_EQ(r.body["authentication_type"], "OAUTH_CLIENT_CREDENTIALS");
  std::string link = r.body.value("activation_url", "");
  ASSERT_FALSE(link.empty()) << r.raw;
  Reply info = Call("GET", Uc("/public/data_sharing_activation_info/" + TokenOf(link)), "");
  EXPECT_EQ(info.body["shareCredentialsVersion"], 2) << info.raw;
  Reply profile = Call("GET", Uc("/public/data_sharing_activation/" + TokenOf(link)), "");
  ASSERT_EQ(profile.status, 200) << profile.raw;
  EXPECT_EQ(profile.body["shareCredentialsVersion"], 2);
  EXPECT_EQ(profile.body["type"], "oauth_client_credentials");
  EXPECT_EQ(profile.body["endpoint"], "https://share.example.com/delta-sharing");
  EXPECT_EQ(profile.body["tokenEndpoint"], "https://share.example.com/delta-sharing/oauth/token");
  EXPECT_EQ(profile.body["clientId"], r.body["id"]);
  EXPECT_GE(profile.body.value("clientSecret", "").size(), 32u);
  EXPECT_FALSE(profile.body.contains("bearerToken"));
  Reply again = Call("GET", Uc("/public/data_sharing_activation/" + TokenOf(link)), "");
  EXPECT_EQ(again.status, 403);
  EXPECT_THAT(again.raw, Not(HasSubstr(profile.body.value("clientSecret", "-"))));
  // The secret rotates like a bearer token; an OIDC recipient has nothing to rotate.
  Reply rotated = Call("POST", Uc("/recipients/globex/rotate-token"), "admin-token",
                       Json{{"existing_token_expire_in_seconds", 60}});
  EXPECT_EQ(rotated.status, 200) << rotated.raw;
  EXPECT_FALSE(rotated.body.value("activation_url", "").empty());
  MakeOidcRecipient("acme");
  Reply oidc = Call("POST", Uc("/recipients/acme/rotate-token"), "admin-token",
                    Json{{"existing_token_expire_in_seconds", 0}});
  EXPECT_EQ(oidc.status, 400) << oidc.raw;
}

TEST_F(FederationApiTest, ClientKeysArePublicBoundedAndTheOwnersToChange) {
  std::string a = MakeTeam("team-a");
  std::string b = MakeTeam("team-b");
  ASSERT_EQ(Call("POST", Uc("/recipients"), a,
                 Json{{"name", "globex"}, {"authentication_type", "OAUTH_CLIENT_CREDENTIALS"}})
                .status,
            200);
  const std::string path = "/api/2.1/lakeshare/recipients/globex/client-keys";
  Json key = Json::parse(PublicJwk("k1"));
  Reply set = Call("PUT", path, a, Json{{"jwks", {{"keys", {key}}}}});
  ASSERT_EQ(set.status, 200) << set.raw;
  Reply got = Call("GET", path, a);
  ASSERT_EQ(got.status, 200) << got.raw;
  ASSERT_EQ(got.body["jwks"]["keys"].size(), 1u);
  EXPECT_EQ(got.body["jwks"]["keys"][0]["kid"], "k1");
  EXPECT_THAT(changed_, ::testing::Contains("globex"));

  auto refused = [&](Json body, std::string_view words) {
    Reply r = Call("PUT", path, a, body);
    EXPECT_EQ(r.status, 400) << body.dump() << " -> " << r.raw;
    EXPECT_THAT(r.body.value("message", ""), HasSubstr(std::string(words))) << body.dump();
  };
  Json priv = key;
  priv["d"] = "AAAA";
  refused(Json{{"jwks", {{"keys", {priv}}}}}, "private");
  Json hmac{{"kty", "oct"}, {"kid", "h"}, {"k", "c2VjcmV0"}};
  refused(Json{{"jwks", {{"keys", {hmac}}}}}, "symmetric");
  Json no_kid = key;
  no_kid.erase("kid");
  refused(Json{{"jwks", {{"keys", {no_kid}}}}}, "kid");
  refused(Json{{"jwks", {{"keys", {key, key}}}}}, "twice");
  Json many = Json::array();
  for (int i = 0; i < 11; ++i) many.push_back(Json::parse(PublicJwk("k" + std::to_string(i))));
  refused(Json{{"jwks", {{"keys", many}}}}, "keys");
  refused(Json{{"jwks", {{"keys", Json::array()}}}}, "DELETE");
  refused(Json::object(), "jwks");
  Json broken = key;
  broken["x"] = "AAAA";  // not a point of the curve
  EXPECT_EQ(Call("PUT", path, a, Json{{"jwks", {{"keys", {broken}}}}}).status, 400);
  EXPECT_EQ(Call("GET", path, a).body["jwks"]["keys"][0]["x"], key["x"]) << "left unchanged";

  // Another team neither sees nor changes them; client keys are for OAuth clients only.
  EXPECT_EQ(Call("GET", path, b).status, 404);
  EXPECT_EQ(Call("PUT", path, b, Json{{"jwks", {{"keys", {key}}}}}).status, 404);
  MakeOidcRecipient("acme");
  EXPECT_EQ(Call("PUT", "/api/2.1/lakeshare/recipients/acme/client-keys", "admin-token",
                 Json{{"jwks", {{"keys", {key}}}}})
                .status,
            400);
  EXPECT_EQ(Call("DELETE", path, a).status, 200);
  EXPECT_EQ(Call("GET", path, a).body["jwks"]["keys"].size(), 0u);
}

}  // namespace
}  // namespace lakeshare::admin::test
