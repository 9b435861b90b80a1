// Federation policies in the Catalog behaviour suite (run on SQLite and PostgreSQL).
#include "catalog/catalog_suite_test.h"

// Designated initializers naming only the fields a test cares about are the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace lakeshare::catalog {
namespace {

FederationPolicy Policy(std::string name, std::string issuer, std::string subject) {
  return {.name = std::move(name),
          .comment = "entra app",
          .issuer = std::move(issuer),
          .audiences = {"api://lakeshare", "https://share.example.com"},
          .subject_claim = "azp",
          .subject = std::move(subject),
          .created_by = "alice"};
}

TEST_P(CatalogSuite, FederationPoliciesBelongToOidcRecipientsAndAreFoundByIssuer) {
  ASSERT_OK(catalog_->CreateRecipient({.name = "Acme", .authentication_type = "OIDC"}));
  ASSERT_OK(catalog_->CreateRecipient(
      {.name = "globex", .authentication_type = "OIDC", .expiration_time = 1'900'000'000'000}));
  ASSERT_OK(catalog_->CreateRecipient({.name = "tok", .authentication_type = "TOKEN"}));
  const std::string entra = "https://login.microsoftonline.com/tenant-a/v2.0";
  auto p = catalog_->CreateFederationPolicy("acme", Policy("m2m", entra, "client-1"));
  ASSERT_OK(p);
  EXPECT_FALSE(p->id.empty());
  EXPECT_EQ(p->recipient_name, "Acme");
  EXPECT_EQ(p->created_at, clock_.NowMs());
  ASSERT_OK(catalog_->CreateFederationPolicy("acme", Policy("second", entra, "client-2")));
  ASSERT_OK(catalog_->CreateFederationPolicy("globex", Policy("m2m", entra, "client-3")));
  ASSERT_OK(catalog_->CreateFederationPolicy(
      "globex", Policy("okta", "https://globex.okta.com/oauth2/default", "0oa1")));

  EXPECT_CODE(catalog_->CreateFederationPolicy("acme", Policy("M2M", entra, "x")),
              ErrorCode::kInvalidArgument);  // names are lower case
  EXPECT_CODE(catalog_->CreateFederationPolicy("acme", Policy("m2m", entra, "x")),
              ErrorCode::kAlreadyExists);
  EXPECT_CODE(catalog_->CreateFederationPolicy("tok", Policy("p", entra, "x")),
              ErrorCode::kInvalidArgument);  // a TOKEN recipient has no policies
  EXPECT_EQ(catalog_->CreateFederationPolicy("tok", Policy("p", entra, "x")).error().message,
            "Recipient 'tok' authenticates with TOKEN: federation policies belong to recipients "
            "of authentication_type OIDC_FEDERATION");
  EXPECT_CODE(catalog_->CreateFederationPolicy("nobody", Policy("p", entra, "x")),
              ErrorCode::kNotFound);

  auto got = catalog_->GetFederationPolicy("ACME", "m2m");
  ASSERT_OK(got);
  EXPECT_EQ(got->issuer, entra);
  EXPECT_EQ(got->audiences,
            (std::vector<std::string>{"api://lakeshare", "https://share.example.com"}));
  EXPECT_EQ(got->subject_claim, "azp");
  EXPECT_EQ(got->subject, "client-1");
  EXPECT_EQ(got->comment, "entra app");
  EXPECT_EQ(got->created_by, "alice");
  EXPECT_CODE(catalog_->GetFederationPolicy("acme", "nope"), ErrorCode::kNotFound);
  EXPECT_CODE(catalog_->GetFederationPolicy("globex", "second"), ErrorCode::kNotFound);

  auto list = catalog_->ListFederationPolicies("acme", {.max_results = 1});
  ASSERT_OK(list);
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].name, "m2m");
  EXPECT_EQ(list->items[0].recipient_name, "Acme");
  auto rest = catalog_->ListFederationPolicies("acme", {.page_token = list->next_page_token});
  ASSERT_OK(rest);
  ASSERT_EQ(rest->items.size(), 1u);
  EXPECT_EQ(rest->items[0].name, "second");

  auto by_issuer = catalog_->FindFederationPolicies(entra);
  ASSERT_OK(by_issuer);
  ASSERT_EQ(by_issuer->size(), 3u);
  EXPECT_EQ((*by_issuer)[0].policy.recipient_name, "Acme");
  EXPECT_EQ((*by_issuer)[2].policy.recipient_name, "globex");
  EXPECT_EQ((*by_issuer)[2].recipient_expiration_time, 1'900'000'000'000);
  EXPECT_EQ((*by_issuer)[2].authentication_type, "OIDC");
  EXPECT_EQ((*by_issuer)[2].policy.subject, "client-3");
  // Issuers match exactly: no prefix, case or trailing-slash variants.
  for (const std::string& other : {entra + "/",
                                   std::string("https://LOGIN.microsoftonline.com/"
                                               "tenant-a/v2.0"),
                                   std::string("https://login.microsoftonline.com/tenant-a")}) {
    auto none = catalog_->FindFederationPolicies(other);
    ASSERT_OK(none);
    EXPECT_TRUE(none->empty()) << other;
  }

  ASSERT_OK(catalog_->DeleteFederationPolicy("acme", "second"));
  EXPECT_CODE(catalog_->DeleteFederationPolicy("acme", "second"), ErrorCode::kNotFound);
  // Deleting a recipient deletes its policies: its tokens stop matching at once.
  ASSERT_OK(catalog_->DeleteRecipient("globex"));
  by_issuer = catalog_->FindFederationPolicies(entra);
  ASSERT_OK(by_issuer);
  ASSERT_EQ(by_issuer->size(), 1u);
  EXPECT_EQ((*by_issuer)[0].policy.name, "m2m");
}

TEST_P(CatalogSuite, FederationPolicyFieldsAreCheckedAndBounded) {
  ASSERT_OK(catalog_->CreateRecipient({.name = "acme", .authentication_type = "OIDC"}));
  const std::string iss = "https://idp.example.com";
  auto with = [&](auto change) {
    FederationPolicy p = Policy("p", iss, "s");
    change(p);
    return catalog_->CreateFederationPolicy("acme", p);
  };
  EXPECT_CODE(with([](FederationPolicy& p) { p.issuer = ""; }), ErrorCode::kInvalidArgument);
  EXPECT_CODE(with([](FederationPolicy& p) { p.audiences.clear(); }), ErrorCode::kInvalidArgument);
  EXPECT_CODE(with([](FederationPolicy& p) { p.audiences.assign(17, "a"); }),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(with([](FederationPolicy& p) { p.audiences = {"a\nb"}; }),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(with([](FederationPolicy& p) { p.subject_claim = "sub claim"; }),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(with([](FederationPolicy& p) { p.subject = ""; }), ErrorCode::kInvalidArgument);
  EXPECT_CODE(with([](FederationPolicy& p) { p.name = "a_b"; }), ErrorCode::kInvalidArgument);
  EXPECT_CODE(with([](FederationPolicy& p) { p.name = std::string(65, 'a'); }),
              ErrorCode::kInvalidArgument);
  for (size_t i = 0; i < kMaxPoliciesPerRecipient; ++i) {
    ASSERT_OK(catalog_->CreateFederationPolicy("acme", Policy("p" + std::to_string(i), iss, "s")));
  }
  EXPECT_CODE(catalog_->CreateFederationPolicy("acme", Policy("one-more", iss, "s")),
              ErrorCode::kInvalidArgument);
}

TEST_P(CatalogSuite, OAuthClientsAreFoundByIdAndKeepTheirPublicKeys) {
  auto client = catalog_->CreateRecipient(
      {.name = "Acme", .authentication_type = "OAUTH_CLIENT_CREDENTIALS"});
  ASSERT_OK(client);
  ASSERT_OK(catalog_->CreateRecipient({.name = "tok"}));
  auto by_id = catalog_->GetRecipientById(client->id);
  ASSERT_OK(by_id);
  EXPECT_EQ(by_id->name, "Acme");
  EXPECT_EQ(by_id->authentication_type, "OAUTH_CLIENT_CREDENTIALS");
  EXPECT_CODE(catalog_->GetRecipientById("no-such-id"), ErrorCode::kNotFound);
  EXPECT_CODE(catalog_->GetRecipientById("' OR '1'='1"), ErrorCode::kNotFound);

  auto none = catalog_->GetRecipientClientKeys("acme");
  ASSERT_OK(none);
  EXPECT_EQ(*none, "");
  const std::string jwks = R"({"keys":[{"kty":"EC","crv":"P-256","kid":"k1","x":"a","y":"b"}]})";
  ASSERT_OK(catalog_->SetRecipientClientKeys("ACME", jwks));
  EXPECT_EQ(*catalog_->GetRecipientClientKeys("acme"), jwks);
  ASSERT_OK(catalog_->SetRecipientClientKeys("acme", R"({"keys":[]})"));
  EXPECT_EQ(*catalog_->GetRecipientClientKeys("acme"), R"({"keys":[]})");
  EXPECT_CODE(catalog_->SetRecipientClientKeys("tok", jwks), ErrorCode::kInvalidArgument);
  EXPECT_EQ(catalog_->SetRecipientClientKeys("tok", jwks).error().message,
            "Recipient 'tok' authenticates with TOKEN: client keys belong to recipients of "
            "authentication_type OAUTH_CLIENT_CREDENTIALS");
  EXPECT_CODE(catalog_->SetRecipientClientKeys("acme", std::string(kMaxClientKeysBytes + 1, 'x')),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->SetRecipientClientKeys("nobody", jwks), ErrorCode::kNotFound);
  // A secret is a recipient token of the client (hashed like any token).
  ASSERT_OK(catalog_->AddRecipientToken("acme", "client-secret-1", std::nullopt, "admin"));
  auto auth = catalog_->AuthenticateRecipient("client-secret-1");
  ASSERT_OK(auth);
  EXPECT_EQ(auth->recipient.id, client->id);
  ASSERT_OK(catalog_->DeleteRecipient("acme"));
  EXPECT_CODE(catalog_->GetRecipientById(client->id), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace lakeshare::catalog
