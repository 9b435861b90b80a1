// MetastoreShareProvider over a real SQLite catalog in a temp dir, with an injected clock shared
// by the catalog and the provider (no sleeping). The last tests drive the SharingService on a
// small local Delta table through the http Router, to show the per-recipient partition rule and
// the audit notes end to end.
// Designated initializers leave the catalog structs' other fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include "sharing/metastore_share_provider.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "auth/recipient_authenticator.h"
#include "common/clock.h"
#include "common/temp_dir.h"
#include "http/router.h"
#include "sharing/sharing_service.h"
#include "sharing/sharing_test_util.h"
#include "sharing/ttl_cache_internal.h"

namespace lakeshare::sharing {
namespace {

namespace fs = std::filesystem;
using catalog::Privilege;
using catalog::SharedDataObject;
using catalog::SharedObjectChange;
using ::testing::ElementsAre;

#define ASSERT_OK(expr)                                           \
  do {                                                            \
    auto&& ls_r_ = (expr);                                        \
    ASSERT_TRUE(ls_r_) << #expr << ": " << ls_r_.error().message; \
  } while (false)

constexpr int64_t kStart = 1'700'000'000'000;

class MetastoreProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = catalog::OpenCatalog((dir_.path() / "metastore.db").string(), {.clock = &clock_});
    ASSERT_TRUE(c) << c.error().message;
    catalog_ = std::move(*c);
    // Storage governance as the server sets it up: tables lie under external locations (the
    // bucket of Table() and this test's folder), compared by storage's one parser.
    ASSERT_OK(catalog_->SetLocationPolicy(sharing::testing::TestLocationPolicy()));
    ASSERT_OK(catalog_->CreateExternalLocation(
        {.name = "bucket", .url = "s3://bucket", .owner = "admin"}));
    ASSERT_OK(catalog_->CreateExternalLocation(
        {.name = "local", .url = (dir_.path() / "orders").string(), .owner = "admin"}));
    ASSERT_OK(catalog_->CreateCatalog({.name = "main", .owner = "admin"}));
    ASSERT_OK(catalog_->CreateSchema({.catalog_name = "main", .name = "sales", .owner = "admin"}));
    MakeProvider();
  }
  void TearDown() override {
    auth_.reset();
    provider_.reset();
    catalog_.reset();
  }

  // The provider and the authenticator of its recipients, wired as `lakeshare serve` does.
  void MakeProvider(MetastoreProviderOptions options = {},
                    auth::RecipientAuthOptions auth_options = {}) {
    options.clock = &clock_;
    provider_ = std::make_shared<MetastoreShareProvider>(*catalog_, std::move(options));
    auth_options.clock = &clock_;
    auth_options.on_recipient_read = [p = provider_](const catalog::RecipientInfo& r) {
      return p->RememberRecipient(r);
    };
    auth_ = std::make_shared<auth::RecipientAuthenticator>(*catalog_, std::move(auth_options));
  }
  // What the admin API's on_access_changed does.
  void InvalidateRecipient(const std::string& name) {
    auth_->InvalidateRecipient(name);
    provider_->InvalidateRecipient(name);
  }

  void Table(const std::string& name, const std::string& location = "") {
    ASSERT_OK(catalog_->CreateTable(
        {.catalog_name = "main",
         .schema_name = "sales",
         .name = name,
         .storage_location = location.empty() ? "s3://bucket/" + name : location,
         .owner = "admin"}));
  }
  void Share(const std::string& name, std::vector<SharedDataObject> objects) {
    ASSERT_OK(catalog_->CreateShare({.name = name, .owner = "admin", .comment = name + " data"}));
    std::vector<SharedObjectChange> changes;
    for (auto& o : objects) changes.push_back({SharedObjectChange::Action::kAdd, std::move(o)});
    ASSERT_OK(catalog_->UpdateShare(name, {}, changes, "admin"));
  }
  // A recipient with one live token; returns the Authorization header value.
  std::string Recipient(const std::string& name, std::map<std::string, std::string> props = {},
                        std::vector<std::string> ips = {}) {
    auto r = catalog_->CreateRecipient(
        {.name = name, .owner = "admin", .ip_access_list = ips, .properties = props});
    EXPECT_TRUE(r) << r.error().message;
    std::string token = "token-of-" + name + "-0123456789abcdef0123456789abcdef";
    EXPECT_TRUE(catalog_->AddRecipientToken(name, token, std::nullopt, "admin"));
    return "Bearer " + token;
  }
  void Grant(const std::string& share, const std::string& recipient, bool add = true) {
    catalog::PermissionsChange change{.principal = recipient};
    (add ? change.add : change.remove).push_back(Privilege::kSelect);
    ASSERT_OK(catalog_->UpdatePermissions(catalog::SecurableType::kShare, share, {change}));
  }
  sharing::Recipient As(const std::string& name) { return sharing::Recipient{name, false}; }

  std::vector<std::string> ShareNames(const std::string& recipient) {
    auto page = provider_->ListShares(As(recipient), {});
    EXPECT_TRUE(page) << page.error().message;
    std::vector<std::string> out;
    if (page) {
      for (const auto& s : page->items) out.push_back(s.name);
    }
    return out;
  }
  std::vector<std::string> TableNames(const std::string& recipient, const std::string& share) {
    auto page = provider_->ListAllTables(As(recipient), share, {});
    EXPECT_TRUE(page) << page.error().message;
    std::vector<std::string> out;
    if (page) {
      for (const auto& t : page->items) out.push_back(t.schema + "." + t.name);
    }
    return out;
  }

  TempDir dir_{"lakeshare-provider-test"};
  ManualClock clock_{kStart};
  std::unique_ptr<catalog::Catalog> catalog_;
  std::shared_ptr<MetastoreShareProvider> provider_;
  std::shared_ptr<auth::RecipientAuthenticator> auth_;
};

TEST_F(MetastoreProviderTest, VisibilityFollowsGrants) {
  Table("daily");
  Share("retail", {{.name = "main.sales.daily"}});
  Share("wholesale", {{.name = "main.sales.daily"}});
  Recipient("acme");
  Grant("retail", "acme");
  EXPECT_THAT(ShareNames("acme"), ElementsAre("retail"));
  auto s = provider_->GetShare(As("acme"), "RETAIL");
  ASSERT_OK(s);
  EXPECT_EQ(s->id, catalog_->GetShare("retail", false)->id);
  EXPECT_EQ(s->comment, "retail data");
  EXPECT_EQ(provider_->GetShare(As("acme"), "wholesale").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(provider_->GetTable(As("acme"), "wholesale", "sales", "daily").error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(provider_->ListShares(As("nobody"), {})->items.size(), 0u);

  Grant("wholesale", "acme");
  InvalidateRecipient("acme");
  EXPECT_THAT(ShareNames("acme"), ElementsAre("retail", "wholesale"));
  Grant("retail", "acme", /*add=*/false);
  InvalidateRecipient("ACME");
  EXPECT_THAT(ShareNames("acme"), ElementsAre("wholesale"));
}

TEST_F(MetastoreProviderTest, ListSharesPagesByKey) {
  Recipient("acme");
  for (const char* name : {"c", "a", "b"}) {
    Share(name, {});
    Grant(name, "acme");
  }
  auto first = provider_->ListShares(As("acme"), {.after = "", .limit = 2});
  ASSERT_OK(first);
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_EQ(first->items[1].name, "b");
  EXPECT_TRUE(first->more);
  auto second = provider_->ListShares(As("acme"), {.after = "b", .limit = 2});
  ASSERT_OK(second);
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_EQ(second->items[0].name, "c");
  EXPECT_FALSE(second->more);
}

TEST_F(MetastoreProviderTest, AliasesHistoryCdfAndStartVersion) {
  Table("daily");
  Table("monthly");
  Table("yearly");
  Share("retail",
        {{.name = "main.sales.daily", .history_data_sharing_status = "ENABLED", .start_version = 3},
         {.name = "main.sales.monthly", .shared_as = "Reports.Monthly_Totals", .cdf_enabled = true},
         {.name = "main.sales.yearly"}});
  Recipient("acme");
  Grant("retail", "acme");
  EXPECT_THAT(TableNames("acme", "retail"),
              ElementsAre("Reports.Monthly_Totals", "sales.daily", "sales.yearly"));
  auto schemas = provider_->ListSchemas(As("acme"), "retail", {});
  ASSERT_OK(schemas);
  ASSERT_EQ(schemas->items.size(), 2u);
  EXPECT_EQ(schemas->items[0].name, "Reports");
  EXPECT_EQ(schemas->items[1].name, "sales");

  auto daily = provider_->GetTable(As("acme"), "retail", "SALES", "Daily");
  ASSERT_OK(daily);
  EXPECT_EQ(daily->location, "s3://bucket/daily");
  EXPECT_EQ(daily->id, catalog_->GetTable("main.sales.daily")->id);
  EXPECT_EQ(daily->share_id, catalog_->GetShare("retail", false)->id);
  EXPECT_TRUE(daily->history_shared);
  EXPECT_TRUE(daily->cdf_shared);  // history covers the change data feed
  EXPECT_EQ(daily->start_version, 3);
  EXPECT_FALSE(daily->partition_rule);

  auto monthly = provider_->GetTable(As("acme"), "retail", "reports", "monthly_totals");
  ASSERT_OK(monthly);
  EXPECT_EQ(monthly->name, "Monthly_Totals");
  EXPECT_EQ(monthly->source_name, "main.sales.monthly");
  EXPECT_FALSE(monthly->history_shared);
  EXPECT_TRUE(monthly->cdf_shared);
  // The source name is not reachable under its own schema once aliased.
  EXPECT_EQ(provider_->GetTable(As("acme"), "retail", "sales", "monthly").error().code,
            ErrorCode::kNotFound);

  auto yearly = provider_->GetTable(As("acme"), "retail", "sales", "yearly");
  ASSERT_OK(yearly);
  EXPECT_FALSE(yearly->history_shared);
  EXPECT_FALSE(yearly->cdf_shared);
  EXPECT_EQ(yearly->start_version, 0);

  auto by_id = provider_->GetTableById("acme", daily->share_id, daily->id, "127.0.0.1");
  ASSERT_OK(by_id);
  EXPECT_EQ(by_id->name, "daily");
  EXPECT_EQ(provider_->GetTableById("other", daily->share_id, daily->id, "127.0.0.1").error().code,
            ErrorCode::kNotFound);

  auto tables = provider_->ListTables(As("acme"), "retail", "sales", {.after = "", .limit = 1});
  ASSERT_OK(tables);
  ASSERT_EQ(tables->items.size(), 1u);
  EXPECT_TRUE(tables->more);
  EXPECT_EQ(provider_->ListTables(As("acme"), "retail", "nope", {}).error().code,
            ErrorCode::kNotFound);
}

TEST_F(MetastoreProviderTest, InactiveAndDroppedObjectsAreInvisible) {
  Table("daily");
  Table("gone");
  Share("retail", {{.name = "main.sales.daily"}, {.name = "main.sales.gone"}});
  ASSERT_OK(catalog_->UpdateShare(
      "retail", {},
      {{SharedObjectChange::Action::kUpdate,
        {.name = "main.sales.daily", .shared_as = "sales.daily", .status = "PERMISSION_DENIED"}}},
      "admin"));
  ASSERT_EQ(catalog_->GetShare("retail", true)->objects[0].status, "PERMISSION_DENIED");
  ASSERT_OK(catalog_->DeleteTable("main.sales.gone"));
  Recipient("acme");
  Grant("retail", "acme");
  EXPECT_THAT(TableNames("acme", "retail"), ElementsAre());
  EXPECT_EQ(provider_->GetTable(As("acme"), "retail", "sales", "daily").error().code,
            ErrorCode::kNotFound);
  EXPECT_THAT(ShareNames("acme"), ElementsAre("retail"));  // the share itself stays visible
}

// Issue 10: a table is served only while an external location contains its root. Dropping or
// narrowing the location after registration stops it (fail closed), with a 403 that names the
// table but no path; declaring a location again serves it again.
TEST_F(MetastoreProviderTest, TablesOutsideEveryExternalLocationAreNotServed) {
  Table("daily", "s3://bucket/sales/daily");
  Table("monthly", "s3://bucket/finance/monthly");
  Share("retail", {{.name = "main.sales.daily"}, {.name = "main.sales.monthly"}});
  Recipient("acme");
  Grant("retail", "acme");
  ASSERT_OK(provider_->GetTable(As("acme"), "retail", "sales", "daily"));
  const std::string daily_id = catalog_->GetTable("main.sales.daily")->id;
  const std::string share_id = catalog_->GetShare("retail", false)->id;
  ASSERT_OK(provider_->GetTableById("acme", share_id, daily_id, "127.0.0.1"));

  // Narrowed to the finance prefix (force: tables are left outside it).
  ASSERT_OK(catalog_->UpdateExternalLocation(
      "bucket", {.url = "s3://bucket/finance", .updated_by = "admin", .force = true}));
  provider_->InvalidateShare("retail");
  auto refused = provider_->GetTable(As("acme"), "retail", "sales", "daily");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(refused.error().message, ::testing::HasSubstr("retail.sales.daily"));
  EXPECT_THAT(refused.error().message, ::testing::Not(::testing::HasSubstr("s3://")));
  EXPECT_THAT(refused.error().message, ::testing::Not(::testing::HasSubstr("bucket")));
  auto by_id = provider_->GetTableById("acme", share_id, daily_id, "127.0.0.1");
  ASSERT_FALSE(by_id);
  EXPECT_EQ(by_id.error().code, ErrorCode::kPermissionDenied);
  ASSERT_OK(provider_->GetTable(As("acme"), "retail", "sales", "monthly"));  // still inside

  // Dropped altogether (force: its tables stay registered).
  ASSERT_OK(catalog_->DeleteExternalLocation("bucket", /*force=*/true));
  provider_->InvalidateShare("retail");
  EXPECT_EQ(provider_->GetTable(As("acme"), "retail", "sales", "monthly").error().code,
            ErrorCode::kPermissionDenied);
  // Without invalidation, another replica's change is seen after the TTL.
  ASSERT_OK(catalog_->CreateExternalLocation(
      {.name = "bucket2", .url = "s3://bucket", .owner = "admin"}));
  clock_.Advance(60'000);
  ASSERT_OK(provider_->GetTable(As("acme"), "retail", "sales", "daily"));
  ASSERT_OK(provider_->GetTable(As("acme"), "retail", "sales", "monthly"));
}

TEST_F(MetastoreProviderTest, PartitionsResolveRecipientProperties) {
  Table("daily");
  Table("fixed");
  Table("broken");
  Share(
      "retail",
      {{.name = "main.sales.daily",
        .partitions_json =
            R"([{"values":[{"name":"partner_id","op":"EQUAL","recipient_property_key":"partner_id"},)"
            R"({"name":"country","op":"EQUAL","value":"DE"}]},)"
            R"({"values":[{"name":"day","op":"LIKE","value":"2024-%"}]}])"},
       {.name = "main.sales.fixed",
        .partitions_json =
            R"([{"values":[{"name":"region","op":"EQUAL","recipient_property_key":"region"}]}])"},
       {.name = "main.sales.broken",
        .partitions_json = R"([{"values":[{"name":"x","op":"GT"}]}])"}});
  Recipient("acme", {{"partner_id", "42"}, {"region", "EU"}});
  Recipient("nokey");
  Grant("retail", "acme");
  Grant("retail", "nokey");

  auto daily = provider_->GetTable(As("acme"), "retail", "sales", "daily");
  ASSERT_OK(daily);
  ASSERT_TRUE(daily->partition_rule);
  ASSERT_EQ(daily->partition_rule->size(), 2u);
  const PartitionClause& first = (*daily->partition_rule)[0];
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].column, "partner_id");
  EXPECT_EQ(first[0].value, "42");
  EXPECT_EQ(first[1].value, "DE");
  EXPECT_EQ((*daily->partition_rule)[1][0].op, PartitionCondition::Op::kLike);
  EXPECT_TRUE(daily->partition_restricted());
  EXPECT_THAT(TableNames("acme", "retail"), ElementsAre("sales.daily", "sales.fixed"));

  // Without the property, the entry naming it is dropped; the LIKE entry still applies.
  auto partial = provider_->GetTable(As("nokey"), "retail", "sales", "daily");
  ASSERT_OK(partial);
  ASSERT_EQ(partial->partition_rule->size(), 1u);
  EXPECT_EQ((*partial->partition_rule)[0][0].value, "2024-%");
  // Every entry names a missing property: nothing of the table is visible (fail closed).
  EXPECT_EQ(provider_->GetTable(As("nokey"), "retail", "sales", "fixed").error().code,
            ErrorCode::kNotFound);
  EXPECT_THAT(TableNames("nokey", "retail"), ElementsAre("sales.daily"));
  // Partitions that cannot be understood hide the table from everyone.
  EXPECT_EQ(provider_->GetTable(As("acme"), "retail", "sales", "broken").error().code,
            ErrorCode::kNotFound);
  auto fixed = provider_->GetTableById("nokey", daily->share_id,
                                       catalog_->GetTable("main.sales.fixed")->id, "127.0.0.1");
  EXPECT_EQ(fixed.error().code, ErrorCode::kNotFound);
}

TEST_F(MetastoreProviderTest, AuthenticateRefusesBadUnknownAndExpiredTokens) {
  std::string header = Recipient("acme");
  auto r = auth_->Authenticate({&header, "127.0.0.1"});
  ASSERT_OK(r);
  EXPECT_EQ(r->name, "acme");
  EXPECT_FALSE(r->anonymous);

  std::string unknown = "Bearer not-a-token";
  std::string basic = "Basic dXNlcjpwYXNz";
  EXPECT_EQ(auth_->Authenticate({nullptr, "127.0.0.1"}).error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth_->Authenticate({&basic, "127.0.0.1"}).error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth_->Authenticate({&unknown, "127.0.0.1"}).error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(auth_->Authenticate({&unknown, "127.0.0.1"}).error().code,
            ErrorCode::kUnauthenticated);  // the cached refusal

  // A token expiring soon stops exactly at its expiry, cached or not.
  ASSERT_OK(catalog_->CreateRecipient({.name = "brief", .owner = "admin"}));
  ASSERT_OK(catalog_->AddRecipientToken("brief", "brief-token", kStart + 500, "admin"));
  std::string brief = "Bearer brief-token";
  ASSERT_OK(auth_->Authenticate({&brief, "127.0.0.1"}));
  clock_.Advance(500);
  EXPECT_EQ(auth_->Authenticate({&brief, "127.0.0.1"}).error().code, ErrorCode::kUnauthenticated);

  // So does a recipient's expiration time.
  ASSERT_OK(catalog_->UpdateRecipient(
      "acme", {.expiration_time = std::optional<int64_t>(clock_.NowMs() + 100)}));
  InvalidateRecipient("acme");
  ASSERT_OK(auth_->Authenticate({&header, "127.0.0.1"}));
  clock_.Advance(100);
  EXPECT_EQ(auth_->Authenticate({&header, "127.0.0.1"}).error().code, ErrorCode::kUnauthenticated);
  InvalidateRecipient("acme");
  EXPECT_EQ(auth_->Authenticate({&header, "127.0.0.1"}).error().code,
            ErrorCode::kUnauthenticated);  // refused by the metastore, and cached as refused
  // Extending the expiration lets the recipient in at once after InvalidateRecipient.
  ASSERT_OK(catalog_->UpdateRecipient(
      "acme", {.expiration_time = std::optional<int64_t>(clock_.NowMs() + 100'000)}));
  InvalidateRecipient("acme");
  EXPECT_TRUE(auth_->Authenticate({&header, "127.0.0.1"}));
}

TEST_F(MetastoreProviderTest, IpAccessListGatesRequestsAndFileUrls) {
  Table("daily");
  Share("retail", {{.name = "main.sales.daily"}});
  std::string header = Recipient("acme", {}, {"10.0.0.0/8", "2001:db8::/32"});
  Grant("retail", "acme");
  ASSERT_OK(auth_->Authenticate({&header, "10.1.2.3"}));
  ASSERT_OK(auth_->Authenticate({&header, "2001:db8::7"}));
  ASSERT_OK(auth_->Authenticate({&header, "::ffff:10.9.9.9"}));
  auto refused = auth_->Authenticate({&header, "192.168.1.1"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_NE(refused.error().message.find("'192.168.1.1'"), std::string::npos);
  EXPECT_NE(refused.error().message.find("IP access list"), std::string::npos);
  // The refusal can be audited under the token's recipient; unknown tokens name nobody.
  EXPECT_EQ(auth_->RefusedCaller({&header}), std::optional<std::string>("acme"));
  const std::string stranger = "Bearer not-a-token-of-anyone-0123456789";
  EXPECT_FALSE(auth_->Authenticate({&stranger, "10.1.2.3"}));
  EXPECT_EQ(auth_->RefusedCaller({&stranger}), std::nullopt);
  EXPECT_EQ(auth_->RefusedCaller({nullptr}), std::nullopt);

  auto table = provider_->GetTable(As("acme"), "retail", "sales", "daily");
  ASSERT_OK(table);
  ASSERT_OK(provider_->GetTableById("acme", table->share_id, table->id, "10.0.0.1"));
  EXPECT_EQ(provider_->GetTableById("acme", table->share_id, table->id, "192.168.1.1").error().code,
            ErrorCode::kPermissionDenied);

  // Lifting the restriction takes effect at once after InvalidateRecipient.
  ASSERT_OK(catalog_->UpdateRecipient("acme", {.ip_access_list = std::vector<std::string>{}}));
  InvalidateRecipient("acme");
  ASSERT_OK(auth_->Authenticate({&header, "192.168.1.1"}));
}

// Issue 12: a JWT bearer goes to the jwt_recipient checker app/ supplies (federation, OAuth access
// tokens); the recipient it names then passes the same IP list and grants as a bearer token's.
TEST_F(MetastoreProviderTest, JwtBearersAreIdentifiedByTheJwtAuthenticator) {
  Table("daily");
  Share("retail", {{.name = "main.sales.daily"}});
  Recipient("acme", {}, {"10.0.0.0/8"});
  Grant("retail", "acme");
  auth::RecipientAuthOptions options;
  options.jwt_recipient = [](std::string_view token) -> Result<auth::JwtRecipient> {
    if (token == "eyJ.good.sig") return auth::JwtRecipient{"acme", {{"token_subject", "svc-1"}}};
    if (token == "eyJ.ghost.sig") return auth::JwtRecipient{"deleted-meanwhile", {}};
    return MakeError(ErrorCode::kUnauthenticated, "The token expired at ...");
  };
  MakeProvider({}, options);
  std::string good = "Bearer eyJ.good.sig";
  auto r = auth_->Authenticate({&good, "10.1.2.3"});
  ASSERT_OK(r);
  EXPECT_EQ(r->name, "acme");
  EXPECT_EQ(r->audit_params.at("token_subject"), "svc-1");
  EXPECT_THAT(ShareNames(r->name), ElementsAre("retail"));
  // The recipient's IP access list applies, and the refusal is audited under the recipient.
  auto outside = auth_->Authenticate({&good, "192.0.2.1"});
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(auth_->RefusedCaller({&good}), "acme");
  // The authenticator's refusal is the reply; a recipient that no longer exists is refused.
  std::string expired = "Bearer eyJ.expired.sig";
  auto refused = auth_->Authenticate({&expired, "10.1.2.3"});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "The token expired at ...");
  std::string ghost = "Bearer eyJ.ghost.sig";
  EXPECT_EQ(auth_->Authenticate({&ghost, "10.1.2.3"}).error().code, ErrorCode::kUnauthenticated);
  // Opaque bearer tokens still go to the metastore.
  std::string opaque = "Bearer token-of-acme-0123456789abcdef0123456789abcdef";
  EXPECT_TRUE(auth_->Authenticate({&opaque, "10.1.2.3"}));
  // The recipient's expiration, shortened after the JWT was verified, refuses it at once.
  ASSERT_OK(catalog_->UpdateRecipient("acme", {.expiration_time = std::optional<int64_t>(1000)}));
  InvalidateRecipient("acme");
  auto lapsed = auth_->Authenticate({&good, "10.1.2.3"});
  ASSERT_FALSE(lapsed);
  EXPECT_EQ(lapsed.error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(lapsed.error().message,
            "The recipient's access has expired: ask the data provider to renew it");
}

// Issue 12: the secret of an OAuth client recipient is exchanged for access tokens at the token
// endpoint; sent as a bearer token it is refused, saying so.
TEST_F(MetastoreProviderTest, OAuthClientSecretsAreNotBearerTokens) {
  ASSERT_OK(catalog_->CreateRecipient(
      {.name = "m2m", .authentication_type = "OAUTH_CLIENT_CREDENTIALS", .owner = "admin"}));
  ASSERT_OK(
      catalog_->AddRecipientToken("m2m", "client-secret-0123456789abcdef", std::nullopt, "admin"));
  std::string header = "Bearer client-secret-0123456789abcdef";
  auto r = auth_->Authenticate({&header, "127.0.0.1"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(r.error().message.find("OAuth client secret"), std::string::npos);
}

TEST_F(MetastoreProviderTest, RevocationIsImmediateAfterInvalidateRecipient) {
  std::string header = Recipient("acme");
  ASSERT_OK(auth_->Authenticate({&header, "127.0.0.1"}));
  ASSERT_OK(catalog_->RevokeRecipientTokens("acme"));
  // Another replica revoked it: this one still has the token cached (within the TTL) ...
  ASSERT_OK(auth_->Authenticate({&header, "127.0.0.1"}));
  // ... until the admin API of this replica says so.
  InvalidateRecipient("acme");
  EXPECT_EQ(auth_->Authenticate({&header, "127.0.0.1"}).error().code, ErrorCode::kUnauthenticated);
}

TEST_F(MetastoreProviderTest, RevocationElsewhereIsSeenAfterTheTtl) {
  Table("daily");
  Share("retail", {{.name = "main.sales.daily"}});
  std::string header = Recipient("acme");
  Grant("retail", "acme");
  ASSERT_OK(auth_->Authenticate({&header, "127.0.0.1"}));
  EXPECT_THAT(ShareNames("acme"), ElementsAre("retail"));

  // Changes made through the catalog directly, as another replica would.
  ASSERT_OK(catalog_->RevokeRecipientTokens("acme"));
  Grant("retail", "acme", /*add=*/false);
  clock_.Advance(1999);
  EXPECT_TRUE(auth_->Authenticate({&header, "127.0.0.1"}));
  EXPECT_THAT(ShareNames("acme"), ElementsAre("retail"));
  clock_.Advance(1);  // the default TTL is 2 s
  EXPECT_EQ(auth_->Authenticate({&header, "127.0.0.1"}).error().code, ErrorCode::kUnauthenticated);
  EXPECT_THAT(ShareNames("acme"), ElementsAre());
}

TEST_F(MetastoreProviderTest, ShareChangesAreSeenAfterInvalidateShareOrTheTtl) {
  Table("daily");
  Table("monthly");
  Share("retail", {{.name = "main.sales.daily"}});
  Recipient("acme");
  Grant("retail", "acme");
  EXPECT_THAT(TableNames("acme", "retail"), ElementsAre("sales.daily"));
  ASSERT_OK(catalog_->UpdateShare(
      "retail", {}, {{SharedObjectChange::Action::kAdd, {.name = "main.sales.monthly"}}}, "admin"));
  EXPECT_THAT(TableNames("acme", "retail"), ElementsAre("sales.daily"));
  provider_->InvalidateShare("RETAIL");
  EXPECT_THAT(TableNames("acme", "retail"), ElementsAre("sales.daily", "sales.monthly"));
  ASSERT_OK(catalog_->UpdateShare(
      "retail", {}, {{SharedObjectChange::Action::kRemove, {.name = "main.sales.daily"}}},
      "admin"));
  clock_.Advance(2000);
  EXPECT_THAT(TableNames("acme", "retail"), ElementsAre("sales.monthly"));
}

TEST_F(MetastoreProviderTest, CachesAnswerWithoutTheCatalogAndStayBounded) {
  MakeProvider({}, {.max_tokens = 2});
  std::vector<std::string> headers = {Recipient("a"), Recipient("b"), Recipient("c")};
  for (const auto& h : headers) ASSERT_OK(auth_->Authenticate({&h, "127.0.0.1"}));
  EXPECT_EQ(auth_->stats().token_misses, 3);
  // "b" and "c" are cached; "a" was the least recently used and is read again.
  ASSERT_OK(auth_->Authenticate({&headers[2], "127.0.0.1"}));
  ASSERT_OK(auth_->Authenticate({&headers[1], "127.0.0.1"}));
  EXPECT_EQ(auth_->stats().token_hits, 2);
  ASSERT_OK(auth_->Authenticate({&headers[0], "127.0.0.1"}));
  EXPECT_EQ(auth_->stats().token_misses, 4);

  MakeProvider({.ttl_ms = 0}, {.ttl_ms = 0});  // no caching at all
  ASSERT_OK(auth_->Authenticate({&headers[0], "127.0.0.1"}));
  ASSERT_OK(auth_->Authenticate({&headers[0], "127.0.0.1"}));
  EXPECT_EQ(auth_->stats().token_misses, 2);
}

TEST(TtlCacheTest, EvictsLeastRecentlyUsedAndExpires) {
  TtlCache<int> cache(2);
  cache.PutIfGeneration("a", 1, 100, cache.generation());
  cache.PutIfGeneration("b", 2, 100, cache.generation());
  EXPECT_EQ(cache.Get("a", 0), 1);
  cache.PutIfGeneration("c", 3, 100, cache.generation());
  EXPECT_EQ(cache.Get("b", 0), std::nullopt);
  EXPECT_EQ(cache.Get("a", 0), 1);
  EXPECT_EQ(cache.Get("c", 99), 3);
  EXPECT_EQ(cache.Get("c", 100), std::nullopt);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(TtlCacheTest, AnInvalidationDuringALoadKeepsTheStaleValueOut) {
  TtlCache<int> cache(10);
  uint64_t generation = cache.generation();  // a loader starts reading the source
  cache.Erase("a");                          // an invalidation happens meanwhile
  cache.PutIfGeneration("a", 1, 100, generation);
  EXPECT_EQ(cache.Get("a", 0), std::nullopt);
  cache.PutIfGeneration("a", 2, 100, cache.generation());
  cache.EraseIf([](int v) { return v == 2; });
  EXPECT_EQ(cache.Get("a", 0), std::nullopt);
}

// ---- Through the SharingService ------------------------------------------------------------

class MetastoreServiceTest : public MetastoreProviderTest {
 protected:
  void SetUp() override {
    MetastoreProviderTest::SetUp();
    // A partitioned Delta table: one file per (country, partner_id).
    fs::path table = dir_.path() / "orders";
    fs::create_directories(table / "_delta_log");
    std::ofstream log(table / "_delta_log" / "00000000000000000000.json");
    nlohmann::json schema = {
        {"type", "struct"},
        {"fields",
         {{{"name", "country"}, {"type", "string"}, {"nullable", true}, {"metadata", {}}},
          {{"name", "partner_id"}, {"type", "integer"}, {"nullable", true}, {"metadata", {}}},
          {{"name", "amount"}, {"type", "long"}, {"nullable", true}, {"metadata", {}}}}}};
    log << nlohmann::json{{"protocol", {{"minReaderVersion", 1}, {"minWriterVersion", 2}}}}.dump()
        << "\n";
    log << nlohmann::json{{"metaData",
                           {{"id", "orders-id"},
                            {"format",
                             {{"provider", "parquet"}, {"options", nlohmann::json::object()}}},
                            {"schemaString", schema.dump()},
                            {"partitionColumns", {"country", "partner_id"}},
                            {"configuration", nlohmann::json::object()},
                            {"createdTime", 1}}}}
               .dump()
        << "\n";
    for (auto [country, partner] : {std::pair{"DE", "7"}, std::pair{"DE", "42"},
                                    std::pair{"FR", "42"}, std::pair{"FR", "07"}}) {
      std::string path =
          std::string("country=") + country + "/partner_id=" + partner + "/f.parquet";
      log << nlohmann::json{{"add",
                             {{"path", path},
                              {"partitionValues", {{"country", country}, {"partner_id", partner}}},
                              {"size", 100},
                              {"modificationTime", 1},
                              {"dataChange", true}}}}
                 .dump()
          << "\n";
    }
    log.close();
    Table("orders", table.string());
    Share(
        "retail",
        {{.name = "main.sales.orders",
          .partitions_json =
              R"([{"values":[{"name":"partner_id","op":"EQUAL","recipient_property_key":"pid"}]}])"}});
    header_ = Recipient("acme", {{"pid", "7"}}, {"127.0.0.0/8"});
    Grant("retail", "acme");

    SharingOptions options;
    options.clock = &clock_;
    options.public_url = "http://localhost";
    auto service = testing::ServeOn(router_, provider_, auth_, options);
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
  }

  testing::Reply Send(const std::string& method, const std::string& target,
                      const std::string& body = {}, const std::string& address = "127.0.0.1") {
    testing::Reply r =
        testing::Call(router_, method, target, {{"Authorization", header_}}, body, address);
    EXPECT_FALSE(r.aborted) << r.body;
    return r;
  }
  // The "country/partner_id" partition values of the files of a /query answer, sorted.
  static std::vector<std::string> FilePaths(const testing::Reply& r) {
    std::vector<std::string> out;
    for (const nlohmann::json& j : r.lines) {
      if (j.is_object() && j.contains("file")) {
        auto pv = j["file"]["partitionValues"];
        out.push_back(pv["country"].get<std::string>() + "/" + pv["partner_id"].get<std::string>());
      }
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string header_;
  std::unique_ptr<SharingService> service_;
  http::Router router_;
};

TEST_F(MetastoreServiceTest, QueryServesOnlyTheRecipientsPartitions) {
  auto e = Send("POST", "/delta-sharing/shares/retail/schemas/sales/tables/orders/query", "{}");
  ASSERT_EQ(e.status, 200) << e.body;
  // partner_id is an int column: "07" equals the property value "7".
  EXPECT_THAT(FilePaths(e), ElementsAre("DE/7", "FR/07"));

  ASSERT_OK(catalog_->UpdateRecipient(
      "acme", {.properties = std::map<std::string, std::string>{{"pid", "42"}}}));
  InvalidateRecipient("acme");
  e = Send("POST", "/delta-sharing/shares/retail/schemas/sales/tables/orders/query", "{}");
  ASSERT_EQ(e.status, 200) << e.body;
  EXPECT_THAT(FilePaths(e), ElementsAre("DE/42", "FR/42"));

  // Without the property the table does not exist for the recipient.
  ASSERT_OK(
      catalog_->UpdateRecipient("acme", {.properties = std::map<std::string, std::string>{}}));
  InvalidateRecipient("acme");
  e = Send("POST", "/delta-sharing/shares/retail/schemas/sales/tables/orders/query", "{}");
  EXPECT_EQ(e.status, 404) << e.body;
}

// A provider team that can write its own folder swaps a registered table's folder for a link
// to a folder it was never allowed to register (another team's table): the server serves the
// folder the registration checked, and follows no link on its path, so the swap is a missing
// table (404, no path), never the other folder's data; put back, the table is served again.
TEST_F(MetastoreServiceTest, ATableFolderSwappedForASymlinkIsNotFollowed) {
  const fs::path table = dir_.path() / "orders";
  const fs::path elsewhere = dir_.path() / "another-teams-table";
  fs::copy(table, elsewhere, fs::copy_options::recursive);
  fs::rename(table, dir_.path() / "orders-moved");
  fs::create_directory_symlink(elsewhere, table);
  const std::string query = "/delta-sharing/shares/retail/schemas/sales/tables/orders/query";
  auto e = Send("POST", query, "{}");
  EXPECT_EQ(e.status, 404) << e.body;
  EXPECT_THAT(e.body, ::testing::Not(::testing::HasSubstr(dir_.path().string())));
  EXPECT_EQ(Send("GET", "/delta-sharing/shares/retail/schemas/sales/tables/orders/metadata").status,
            404);

  fs::remove(table);
  fs::rename(dir_.path() / "orders-moved", table);
  e = Send("POST", query, "{}");
  ASSERT_EQ(e.status, 200) << e.body;
  EXPECT_THAT(FilePaths(e), ElementsAre("DE/7", "FR/07"));
}

// Attacker finding (issue 13): file URLs were signed over the recipient's name only, so a
// recipient deleted and created again under the same name, with the same grant, revived the old
// one's URLs until they expired. They are bound to the recipient's id now.
TEST_F(MetastoreServiceTest, ARecipientCreatedAgainDoesNotReviveTheOldOnesUrls) {
  const fs::path folder = dir_.path() / "orders" / "country=DE" / "partner_id=7";
  fs::create_directories(folder);
  std::ofstream(folder / "f.parquet") << "bytes";
  const std::string query = "/delta-sharing/shares/retail/schemas/sales/tables/orders/query";
  auto first_url = [&]() -> std::string {
    testing::Reply e = Send("POST", query, R"({"predicateHints": ["country = 'DE'"]})");
    EXPECT_EQ(e.status, 200) << e.body;
    for (const nlohmann::json& j : e.lines) {
      if (j.is_object() && j.contains("file")) {
        return j["file"]["url"].get<std::string>().substr(std::string("http://localhost").size());
      }
    }
    ADD_FAILURE() << "no file line: " << e.body;
    return "";
  };
  const std::string old_url = first_url();
  EXPECT_EQ(Send("GET", old_url).status, 200);

  ASSERT_OK(catalog_->DeleteRecipient("acme"));
  InvalidateRecipient("acme");
  EXPECT_EQ(Send("GET", old_url).status, 404);

  header_ = Recipient("acme", {{"pid", "7"}}, {"127.0.0.0/8"});
  Grant("retail", "acme");
  InvalidateRecipient("acme");
  EXPECT_EQ(Send("GET", old_url).status, 404);
  const std::string new_url = first_url();
  EXPECT_NE(new_url, old_url);
  EXPECT_EQ(Send("GET", new_url).status, 200);
}

TEST_F(MetastoreServiceTest, RequestsFromOutsideTheIpListAre403) {
  auto e = Send("GET", "/delta-sharing/shares", {}, "192.0.2.1");
  EXPECT_EQ(e.status, 403) << e.body;
  EXPECT_NE(e.body.find("PERMISSION_DENIED"), std::string::npos);
  EXPECT_EQ(e.audit->action, "deltaSharingListShares");  // denied requests are audited too
  e = Send("GET", "/delta-sharing/shares");
  EXPECT_EQ(e.status, 200) << e.body;
  EXPECT_NE(e.body.find("\"retail\""), std::string::npos);
}

TEST_F(MetastoreServiceTest, AuditNotesNameTheActionParamsAndServedVolume) {
  auto e = Send("GET", "/delta-sharing/shares?maxResults=10");
  EXPECT_EQ(e.audit->action, "deltaSharingListShares");
  EXPECT_EQ(e.audit->recipient, "acme");
  EXPECT_EQ(e.audit->params.at("maxResults"), "10");

  e = Send("GET", "/delta-sharing/shares/retail/all-tables");
  EXPECT_EQ(e.audit->action, "deltaSharingListAllTables");
  EXPECT_EQ(e.audit->params.at("share"), "retail");

  e = Send("GET", "/delta-sharing/shares/retail/schemas/sales/tables/orders/metadata");
  EXPECT_EQ(e.audit->action, "deltaSharingGetTableMetadata");
  EXPECT_EQ(e.audit->params.at("name"), "orders");

  e = Send("POST", "/delta-sharing/shares/retail/schemas/sales/tables/orders/query",
           R"({"limitHint": 1000, "predicateHints": ["country = 'DE'"]})");
  ASSERT_EQ(e.status, 200) << e.body;
  const http::AuditNotes& a = *e.audit;
  EXPECT_EQ(a.action, "deltaSharingQueryTable");
  EXPECT_EQ(a.served_action, "deltaSharingQueriedTable");
  EXPECT_EQ(a.recipient, "acme");
  EXPECT_EQ(a.params.at("share"), "retail");
  EXPECT_EQ(a.params.at("schema"), "sales");
  EXPECT_EQ(a.params.at("name"), "orders");
  EXPECT_EQ(a.params.at("limitHint"), "1000");
  EXPECT_EQ(a.params.at("predicateHints"), "true");
  EXPECT_EQ(a.result.at("tableVersion"), "0");
  EXPECT_EQ(a.result.at("numAddFiles"), "1");  // DE/7 only: the hint prunes FR/07
  EXPECT_EQ(a.result.at("scannedAddFileSize"), "100");
  EXPECT_EQ(a.result.at("limitHint"), "1000");
  EXPECT_EQ(a.result.at("deltaSharingPartitionFilteringAccessed"), "true");
  EXPECT_EQ(a.result.at("earlyTermination"), "false");
  for (const auto& [k, v] : a.params) {
    EXPECT_EQ(v.find("token-of-"), std::string::npos) << k;  // never a secret
  }

  e = Send("GET", "/delta-sharing/shares/nope/schemas/sales/tables/orders/version");
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.audit->action, "deltaSharingGetTableVersion");
}

}  // namespace
}  // namespace lakeshare::sharing
