#include "catalog/catalog_suite_test.h"

// Designated initializers naming only the fields a test cares about are the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

namespace lakeshare::catalog {

LocationPolicy TestLocationPolicy() {
  LocationPolicy policy;
  policy.canonicalize = [](std::string_view location) -> Result<std::string> {
    if (location.find("..") != std::string_view::npos) {
      return InvalidArgument("location '{}' must not contain '..'", location);
    }
    return std::string(location);
  };
  policy.protected_locations = {"file:///srv/lakeshare/data", "file:///srv/lakeshare/meta.db"};
  return policy;
}

void CatalogSuite::SetUp() {
  std::string skip_reason;
  location_ = GetParam()->new_location(&skip_reason);
  if (location_.empty()) {
    GTEST_SKIP() << skip_reason;
  }
  auto opened = OpenCatalog(location_, {.clock = &clock_});
  ASSERT_TRUE(opened) << opened.error().ToString();
  catalog_ = std::move(*opened);
  ASSERT_TRUE(catalog_->SetLocationPolicy(TestLocationPolicy()));
  for (const char* url : {"s3://b", "s3://bucket"}) {
    auto created = catalog_->CreateExternalLocation({.name = url + 5, .url = url});
    ASSERT_TRUE(created) << created.error().ToString();
  }
}

std::string BackendName(const ::testing::TestParamInfo<const CatalogBackend*>& info) {
  return info.param->name;
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

namespace {

template <typename T>
std::vector<std::string> Names(const std::vector<T>& items) {
  std::vector<std::string> out;
  for (const T& item : items) {
    out.push_back(item.name);
  }
  return out;
}

void MakeTable(Catalog& cat, const std::string& c, const std::string& s, const std::string& t) {
  if (!cat.GetCatalog(c)) {
    ASSERT_OK(cat.CreateCatalog(CatalogInfo{.name = c, .owner = "alice"}));
  }
  if (!cat.GetSchema(c, s)) {
    ASSERT_OK(cat.CreateSchema(SchemaInfo{.catalog_name = c, .name = s, .owner = "alice"}));
  }
  ASSERT_OK(cat.CreateTable(TableInfo{.catalog_name = c,
                                      .schema_name = s,
                                      .name = t,
                                      .storage_location = "s3://bucket/" + c + "/" + s + "/" + t,
                                      .owner = "alice"}));
}

TEST_P(CatalogSuite, ServerSecretIsCreatedOnceAndNeverReplaced) {
  auto first = catalog_->GetOrCreateServerSecret("signing_key", "value-one");
  ASSERT_OK(first);
  EXPECT_EQ(*first, "value-one");
  auto second = catalog_->GetOrCreateServerSecret("signing_key", "value-two");
  ASSERT_OK(second);
  EXPECT_EQ(*second, "value-one");
  auto other = catalog_->GetOrCreateServerSecret("other", "x");
  ASSERT_OK(other);
  EXPECT_EQ(*other, "x");
  EXPECT_CODE(catalog_->GetOrCreateServerSecret("empty", ""), ErrorCode::kInvalidArgument);
  // Secrets are not settings: GetSettings does not show them.
  auto settings = catalog_->GetSettings();
  ASSERT_OK(settings);
  EXPECT_EQ(settings->organization_name, "");
}

TEST_P(CatalogSuite, SettingsStartEmptyAndUpdatePartially) {
  auto s = catalog_->GetSettings();
  ASSERT_OK(s);
  EXPECT_EQ(s->organization_name, "");
  EXPECT_EQ(s->recipient_token_lifetime_seconds, 0);
  ASSERT_OK(catalog_->UpdateSettings({.organization_name = "Acme"}));
  auto u = catalog_->UpdateSettings({.recipient_token_lifetime_seconds = 86400});
  ASSERT_OK(u);
  EXPECT_EQ(u->organization_name, "Acme");
  EXPECT_EQ(u->recipient_token_lifetime_seconds, 86400);
  EXPECT_CODE(catalog_->UpdateSettings({.recipient_token_lifetime_seconds = -1}),
              ErrorCode::kInvalidArgument);
}

TEST_P(CatalogSuite, PrincipalsAndApiTokensAreStoredOnlyAsHashes) {
  auto admin = catalog_->CreatePrincipal({.name = "Admin@Acme.com", .is_admin = true});
  ASSERT_OK(admin);
  EXPECT_EQ(admin->id.size(), 36u);
  EXPECT_CODE(catalog_->CreatePrincipal({.name = "admin@acme.com"}), ErrorCode::kAlreadyExists);
  EXPECT_CODE(catalog_->CreatePrincipal({.name = "has space"}), ErrorCode::kInvalidArgument);
  ASSERT_OK(catalog_->CreatePrincipal({.name = "bob"}));
  auto got = catalog_->GetPrincipal("ADMIN@acme.COM");
  ASSERT_OK(got);
  EXPECT_EQ(got->name, "Admin@Acme.com");
  EXPECT_TRUE(got->is_admin);

  const std::string token = "lsk_plain_secret_token_1234567890abcdef";
  auto t = catalog_->AddPrincipalToken("bob", token, std::nullopt, "ci");
  ASSERT_OK(t);
  auto who = catalog_->AuthenticatePrincipal(token);
  ASSERT_OK(who);
  EXPECT_EQ(who->name, "bob");
  EXPECT_CODE(catalog_->AuthenticatePrincipal(HashToken(token)), ErrorCode::kUnauthenticated);
  EXPECT_CODE(catalog_->AuthenticatePrincipal("nope"), ErrorCode::kUnauthenticated);

  clock_.Advance(1);  // tokens list by creation time
  auto expiring = catalog_->AddPrincipalToken("bob", "short-lived", clock_.NowMs() + 1000, "");
  ASSERT_OK(expiring);
  ASSERT_OK(catalog_->AuthenticatePrincipal("short-lived"));
  clock_.Advance(1000);
  EXPECT_CODE(catalog_->AuthenticatePrincipal("short-lived"), ErrorCode::kUnauthenticated);

  ASSERT_OK(catalog_->RevokePrincipalToken(t->id));
  EXPECT_CODE(catalog_->AuthenticatePrincipal(token), ErrorCode::kUnauthenticated);
  EXPECT_CODE(catalog_->RevokePrincipalToken("no-such-id"), ErrorCode::kNotFound);
  auto tokens = catalog_->ListPrincipalTokens("bob");
  ASSERT_OK(tokens);
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_TRUE(tokens->at(0).revoked_at.has_value());

  auto updated = catalog_->UpdatePrincipal("bob", {.new_name = "robert", .comment = "renamed"});
  ASSERT_OK(updated);
  EXPECT_EQ(updated->comment, "renamed");
  EXPECT_CODE(catalog_->GetPrincipal("bob"), ErrorCode::kNotFound);
  auto list = catalog_->ListPrincipals({});
  ASSERT_OK(list);
  EXPECT_EQ(Names(list->items), (std::vector<std::string>{"Admin@Acme.com", "robert"}));
  ASSERT_OK(catalog_->DeletePrincipal("robert"));
  EXPECT_CODE(catalog_->DeletePrincipal("robert"), ErrorCode::kNotFound);

  std::string bytes = GetParam()->dump(location_);
  ASSERT_FALSE(bytes.empty());
  EXPECT_EQ(bytes.find(token), std::string::npos) << "plain API token stored";
}

// Issue 10, item 8: a person-chosen LAKESHARE_ADMIN_TOKEN was stored as an unsalted SHA-256.
TEST_P(CatalogSuite, ChosenTokensAreStoredSaltedAndSlowAndStillAuthenticate) {
  ASSERT_OK(catalog_->CreatePrincipal({.name = "admin", .is_admin = true}));
  const std::string chosen = "correct-horse-battery-staple";
  ASSERT_OK(catalog_->AddChosenPrincipalToken("admin", chosen, "bootstrap"));
  auto who = catalog_->AuthenticatePrincipal(chosen);
  ASSERT_OK(who);
  EXPECT_EQ(who->name, "admin");
  EXPECT_CODE(catalog_->AuthenticatePrincipal(chosen + "x"), ErrorCode::kUnauthenticated);
  EXPECT_CODE(catalog_->AuthenticatePrincipal(HashToken(chosen)), ErrorCode::kUnauthenticated);
  std::string bytes = GetParam()->dump(location_);
  EXPECT_EQ(bytes.find(chosen), std::string::npos) << "plain token stored";
  EXPECT_EQ(bytes.find(HashToken(chosen)), std::string::npos) << "unsalted SHA-256 stored";
  EXPECT_NE(bytes.find("pbkdf2-sha256$600000$"), std::string::npos);
  // Another process (no verification cached) runs the slow hash and accepts it too.
  auto other = OpenCatalog(location_);
  ASSERT_OK(other);
  auto again = (*other)->AuthenticatePrincipal(chosen);
  ASSERT_OK(again);
  EXPECT_EQ(again->name, "admin");
  EXPECT_CODE((*other)->AuthenticatePrincipal("guess"), ErrorCode::kUnauthenticated);
}

TEST_P(CatalogSuite, CatalogsSchemasAndTablesHaveCrudWithCaseInsensitiveNames) {
  auto cat = catalog_->CreateCatalog({.name = "Main", .owner = "alice", .comment = "c"});
  ASSERT_OK(cat);
  EXPECT_EQ(cat->created_at, clock_.NowMs());
  EXPECT_CODE(catalog_->CreateCatalog({.name = "MAIN"}), ErrorCode::kAlreadyExists);
  EXPECT_CODE(catalog_->CreateCatalog({.name = "a.b"}), ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->CreateCatalog({.name = "a/b"}), ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->CreateCatalog({.name = std::string(256, 'x')}),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->CreateCatalog({.name = "tab\there"}), ErrorCode::kInvalidArgument);
  ASSERT_OK(catalog_->CreateCatalog({.name = std::string(255, 'x')}));

  auto schema = catalog_->CreateSchema({.catalog_name = "main", .name = "Sales", .owner = "bob"});
  ASSERT_OK(schema);
  EXPECT_EQ(schema->catalog_name, "Main");
  EXPECT_CODE(catalog_->CreateSchema({.catalog_name = "main", .name = "sales"}),
              ErrorCode::kAlreadyExists);
  EXPECT_CODE(catalog_->CreateSchema({.catalog_name = "nope", .name = "s"}), ErrorCode::kNotFound);
  EXPECT_CODE(catalog_->CreateSchema({.catalog_name = "main", .name = "s.x"}),
              ErrorCode::kInvalidArgument);

  auto table = catalog_->CreateTable({.catalog_name = "MAIN",
                                      .schema_name = "sales",
                                      .name = "Daily",
                                      .storage_location = "s3://b/daily",
                                      .owner = "bob"});
  ASSERT_OK(table);
  EXPECT_EQ(table->full_name(), "Main.Sales.Daily");
  EXPECT_EQ(table->id.size(), 36u);
  EXPECT_CODE(catalog_->CreateTable({.catalog_name = "main",
                                     .schema_name = "sales",
                                     .name = "DAILY",
                                     .storage_location = "s3://b/x"}),
              ErrorCode::kAlreadyExists);
  EXPECT_CODE(catalog_->CreateTable({.catalog_name = "main", .schema_name = "sales", .name = "t"}),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->CreateTable({.catalog_name = "main",
                                     .schema_name = "nope",
                                     .name = "t",
                                     .storage_location = "s3://b/t"}),
              ErrorCode::kNotFound);

  auto got = catalog_->GetTable("main.SALES.daily");
  ASSERT_OK(got);
  EXPECT_EQ(got->id, table->id);
  EXPECT_EQ(got->storage_location, "s3://b/daily");
  EXPECT_CODE(catalog_->GetTable("main.sales"), ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->GetTable("main.sales.nope"), ErrorCode::kNotFound);

  clock_.Advance(5);
  auto moved = catalog_->UpdateTable("main.sales.daily",
                                     {.new_name = "daily_v2", .storage_location = "s3://b/v2"});
  ASSERT_OK(moved);
  EXPECT_EQ(moved->id, table->id);
  EXPECT_EQ(moved->updated_at, clock_.NowMs());
  EXPECT_EQ(moved->created_at, table->created_at);
  ASSERT_OK(catalog_->CreateTable({.catalog_name = "main",
                                   .schema_name = "sales",
                                   .name = "other",
                                   .storage_location = "s3://b/o"}));
  EXPECT_CODE(catalog_->UpdateTable("main.sales.other", {.new_name = "DAILY_V2"}),
              ErrorCode::kAlreadyExists);
  auto tables = catalog_->ListTables("main", "sales", {});
  ASSERT_OK(tables);
  EXPECT_EQ(Names(tables->items), (std::vector<std::string>{"daily_v2", "other"}));

  auto s2 = catalog_->UpdateSchema("main", "sales", {.owner = "carol", .comment = "x"});
  ASSERT_OK(s2);
  EXPECT_EQ(s2->owner, "carol");
  auto c2 = catalog_->UpdateCatalog("main", {.new_name = "prod"});
  ASSERT_OK(c2);
  EXPECT_EQ(c2->id, cat->id);
  ASSERT_OK(catalog_->GetTable("prod.sales.other"));
  auto schemas = catalog_->ListSchemas("prod", {});
  ASSERT_OK(schemas);
  EXPECT_EQ(Names(schemas->items), (std::vector<std::string>{"Sales"}));

  EXPECT_CODE(catalog_->DeleteSchema("prod", "sales", false), ErrorCode::kInvalidArgument);
  ASSERT_OK(catalog_->DeleteTable("prod.sales.other"));
  EXPECT_CODE(catalog_->DeleteTable("prod.sales.other"), ErrorCode::kNotFound);
  EXPECT_CODE(catalog_->DeleteCatalog("prod", false), ErrorCode::kInvalidArgument);
  ASSERT_OK(catalog_->DeleteCatalog("prod", true));
  EXPECT_CODE(catalog_->GetCatalog("prod"), ErrorCode::kNotFound);
  EXPECT_CODE(catalog_->GetTable("prod.sales.daily_v2"), ErrorCode::kNotFound);
  EXPECT_CODE(catalog_->DeleteCatalog("prod", true), ErrorCode::kNotFound);
}

TEST_P(CatalogSuite, ListsPageInNameOrderWithOpaqueTokens) {
  std::vector<std::string> names = {"delta", "Alpha", "echo",   "charlie",
                                    "bravo", "golf",  "foxtrot"};
  for (const std::string& n : names) {
    ASSERT_OK(catalog_->CreateShare({.name = n, .owner = "alice"}));
    ASSERT_OK(catalog_->CreateRecipient({.name = n, .owner = "alice"}));
    ASSERT_OK(catalog_->CreateCatalog({.name = n}));
  }
  std::vector<std::string> want = {"Alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf"};
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = catalog_->ListShares({.max_results = 3, .page_token = token});
    ASSERT_OK(page);
    EXPECT_LE(page->items.size(), 3u);
    for (const ShareInfo& s : page->items) {
      seen.push_back(s.name);
    }
    token = page->next_page_token;
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(seen, want);
  EXPECT_EQ(pages, 3);

  auto all = catalog_->ListRecipients({});
  ASSERT_OK(all);
  EXPECT_EQ(Names(all->items), want);
  EXPECT_TRUE(all->next_page_token.empty());
  auto exact = catalog_->ListCatalogs({.max_results = 7});
  ASSERT_OK(exact);
  EXPECT_EQ(exact->items.size(), 7u);
  EXPECT_TRUE(exact->next_page_token.empty());
  auto two = catalog_->ListCatalogs({.max_results = 2});
  ASSERT_OK(two);
  auto rest = catalog_->ListCatalogs({.max_results = 0, .page_token = two->next_page_token});
  ASSERT_OK(rest);
  EXPECT_EQ(rest->items.size(), 5u);
  EXPECT_EQ(rest->items.front().name, "charlie");

  EXPECT_CODE(catalog_->ListShares({.max_results = -1}), ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->ListShares({.page_token = "%%%not-base64"}), ErrorCode::kInvalidArgument);
}

TEST_P(CatalogSuite, SharesHoldTablesWithAliasesHistoryAndPartitions) {
  MakeTable(*catalog_, "main", "sales", "daily");
  MakeTable(*catalog_, "main", "sales", "monthly");
  auto share = catalog_->CreateShare(
      {.name = "partners", .owner = "alice", .comment = "c", .created_by = "alice"});
  ASSERT_OK(share);
  EXPECT_EQ(share->id.size(), 36u);
  EXPECT_CODE(catalog_->CreateShare({.name = "PARTNERS"}), ErrorCode::kAlreadyExists);
  EXPECT_CODE(catalog_->CreateShare({.name = "bad name"}), ErrorCode::kInvalidArgument);

  SharedDataObject daily{
      .name = "main.sales.daily",
      .history_data_sharing_status = "ENABLED",
      .cdf_enabled = true,
      .start_version = 3,
      .partitions_json =
          R"([{"values":[{"name":"country","op":"EQUAL","recipient_property_key":"country"}]}])"};
  SharedDataObject monthly{.name = "MAIN.sales.monthly", .shared_as = "reports.monthly"};
  clock_.Advance(10);
  auto updated = catalog_->UpdateShare(
      "partners", {},
      {{SharedObjectChange::Action::kAdd, daily}, {SharedObjectChange::Action::kAdd, monthly}},
      "bob");
  ASSERT_OK(updated);
  ASSERT_EQ(updated->objects.size(), 2u);
  const SharedDataObject& d = updated->objects[0];
  EXPECT_EQ(d.name, "main.sales.daily");
  EXPECT_EQ(d.shared_as, "sales.daily");
  EXPECT_EQ(d.history_data_sharing_status, "ENABLED");
  EXPECT_TRUE(d.cdf_enabled);
  EXPECT_EQ(d.start_version, 3);
  EXPECT_EQ(d.partitions_json, daily.partitions_json);
  EXPECT_EQ(d.status, "ACTIVE");
  EXPECT_EQ(d.added_by, "bob");
  EXPECT_EQ(d.added_at, clock_.NowMs());
  EXPECT_EQ(updated->objects[1].shared_as, "reports.monthly");
  EXPECT_EQ(updated->updated_by, "bob");

  // Atomic: a failing change leaves the share as it was.
  EXPECT_CODE(catalog_->UpdateShare(
                  "partners", {.comment = "changed"},
                  {{SharedObjectChange::Action::kRemove, daily},
                   {SharedObjectChange::Action::kAdd, SharedDataObject{.name = "main.sales.nope"}}},
                  "bob"),
              ErrorCode::kNotFound);
  auto same = catalog_->GetShare("partners", true);
  ASSERT_OK(same);
  EXPECT_EQ(same->objects.size(), 2u);
  EXPECT_EQ(same->comment, "c");

  EXPECT_CODE(
      catalog_->UpdateShare("partners", {}, {{SharedObjectChange::Action::kAdd, daily}}, "bob"),
      ErrorCode::kAlreadyExists);
  MakeTable(*catalog_, "main", "other", "daily");
  EXPECT_CODE(catalog_->UpdateShare(
                  "partners", {},
                  {{SharedObjectChange::Action::kAdd,
                    SharedDataObject{.name = "main.other.daily", .shared_as = "SALES.daily"}}},
                  "bob"),
              ErrorCode::kAlreadyExists);
  EXPECT_CODE(
      catalog_->UpdateShare(
          "partners", {},
          {{SharedObjectChange::Action::kAdd,
            SharedDataObject{.name = "main.other.daily", .history_data_sharing_status = "MAYBE"}}},
          "bob"),
      ErrorCode::kInvalidArgument);

  SharedDataObject daily2 = daily;
  daily2.history_data_sharing_status = "DISABLED";
  daily2.cdf_enabled = false;
  daily2.start_version.reset();
  daily2.shared_as = "sales.day";
  auto changed = catalog_->UpdateShare(
      "partners", {.new_name = "Partners2", .owner = "team-b"},
      {{SharedObjectChange::Action::kUpdate, daily2},
       {SharedObjectChange::Action::kRemove, SharedDataObject{.name = "main.sales.monthly"}}},
      "carol");
  ASSERT_OK(changed);
  EXPECT_EQ(changed->id, share->id);
  EXPECT_EQ(changed->name, "Partners2");
  EXPECT_EQ(changed->owner, "team-b");
  ASSERT_EQ(changed->objects.size(), 1u);
  EXPECT_EQ(changed->objects[0].shared_as, "sales.day");
  EXPECT_FALSE(changed->objects[0].start_version.has_value());
  EXPECT_EQ(changed->objects[0].added_by, "bob");

  auto without = catalog_->GetShare("partners2", false);
  ASSERT_OK(without);
  EXPECT_TRUE(without->objects.empty());
  EXPECT_CODE(catalog_->GetShare("partners", false), ErrorCode::kNotFound);
  EXPECT_CODE(catalog_->UpdateShare("partners2", {},
                                    {{SharedObjectChange::Action::kRemove,
                                      SharedDataObject{.name = "main.sales.monthly"}}},
                                    "bob"),
              ErrorCode::kNotFound);
  ASSERT_OK(catalog_->DeleteShare("partners2"));
  EXPECT_CODE(catalog_->DeleteShare("partners2"), ErrorCode::kNotFound);
}

TEST_P(CatalogSuite, SharesWithTablesAreReadTogetherWithTheirTables) {
  MakeTable(*catalog_, "main", "sales", "daily");
  MakeTable(*catalog_, "Other", "Stock", "Levels");
  MakeTable(*catalog_, "main", "sales", "gone");
  // 70 shares: more than one batch of keys, and not a power of two.
  std::vector<std::string> names;
  for (int i = 0; i < 70; ++i) {
    std::string name = "s" + std::to_string(i);
    ASSERT_OK(catalog_->CreateShare({.name = name, .owner = "alice"}));
    if (i % 7 == 0) {
      continue;  // an empty share
    }
    std::vector<SharedObjectChange> adds{
        {SharedObjectChange::Action::kAdd, SharedDataObject{.name = "main.sales.daily"}},
        {SharedObjectChange::Action::kAdd,
         SharedDataObject{.name = "other.stock.LEVELS", .shared_as = "stock.levels"}}};
    if (i == 1) {
      adds.push_back(
          {SharedObjectChange::Action::kAdd, SharedDataObject{.name = "main.sales.gone"}});
    }
    ASSERT_OK(catalog_->UpdateShare(name, {}, adds, "alice"));
    names.push_back(i % 2 == 0 ? name : "S" + name.substr(1));  // any case
  }
  ASSERT_OK(catalog_->DeleteTable("main.sales.gone"));
  names.push_back("s0");
  names.push_back("no-such-share");
  names.push_back("s1");  // twice

  auto got = catalog_->GetSharesWithTables(names);
  ASSERT_OK(got);
  std::map<std::string, ShareContents> by_name;
  for (const ShareContents& sc : *got) {
    EXPECT_TRUE(by_name.emplace(sc.share.name, sc).second) << "twice: " << sc.share.name;
  }
  EXPECT_EQ(by_name.size(), 61u);  // 60 with objects + s0; the unknown name is left out
  ASSERT_TRUE(by_name.count("s0"));
  EXPECT_TRUE(by_name["s0"].share.objects.empty());
  EXPECT_TRUE(by_name["s0"].tables.empty());
  ASSERT_TRUE(by_name.count("s1"));
  const ShareContents& s1 = by_name["s1"];
  EXPECT_EQ(s1.share.id, catalog_->GetShare("s1", false)->id);
  ASSERT_EQ(s1.share.objects.size(), 3u);
  ASSERT_EQ(s1.tables.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const SharedDataObject& o = s1.share.objects[i];
    if (o.name == "main.sales.gone") {
      EXPECT_FALSE(s1.tables[i].has_value()) << "a dropped table resolves to nothing";
      continue;
    }
    ASSERT_TRUE(s1.tables[i].has_value()) << o.name;
    auto direct = catalog_->GetTable(o.name);
    ASSERT_OK(direct);
    EXPECT_EQ(s1.tables[i]->id, direct->id);
    EXPECT_EQ(s1.tables[i]->storage_location, direct->storage_location);
    EXPECT_EQ(s1.tables[i]->full_name(), direct->full_name());
  }
  EXPECT_EQ(by_name["s69"].tables.size(), 2u);
  auto none = catalog_->GetSharesWithTables({"nothing", "at-all"});
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
  auto empty = catalog_->GetSharesWithTables({});
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->empty());
}

TEST_P(CatalogSuite, RecipientShareGrantsListSelectedSharesAndTellUnknownRecipients) {
  ASSERT_OK(catalog_->CreateRecipient({.name = "acme"}));
  ASSERT_OK(catalog_->CreateShare({.name = "b-share", .owner = "alice"}));
  ASSERT_OK(catalog_->CreateShare({.name = "A-share", .owner = "alice"}));
  auto none = catalog_->ListRecipientShareGrants("ACME");
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
  for (const char* share : {"b-share", "A-share"}) {
    ASSERT_OK(catalog_->UpdatePermissions(SecurableType::kShare, share,
                                          {{.principal = "acme", .add = {Privilege::kSelect}}}));
  }
  auto grants = catalog_->ListRecipientShareGrants("acme");
  ASSERT_OK(grants);
  ASSERT_EQ(grants->size(), 2u);
  EXPECT_EQ(grants->at(0).share_name, "A-share");
  EXPECT_EQ(grants->at(1).share_name, "b-share");
  EXPECT_EQ(grants->at(0).privileges, std::vector<Privilege>{Privilege::kSelect});
  EXPECT_CODE(catalog_->ListRecipientShareGrants("nobody"), ErrorCode::kNotFound);
}

TEST_P(CatalogSuite, RecipientsKeepPropertiesIpListsAndExpiry) {
  auto r = catalog_->CreateRecipient({.name = "Zalando",
                                      .owner = "alice",
                                      .comment = "partner",
                                      .ip_access_list = {"10.0.0.0/8", "2001:db8::/32"},
                                      .properties = {{"country", "DE"}, {"tier", "gold"}},
                                      .expiration_time = 1'800'000'000'000,
                                      .created_by = "alice"});
  ASSERT_OK(r);
  EXPECT_EQ(r->authentication_type, "TOKEN");
  EXPECT_CODE(catalog_->CreateRecipient({.name = "zalando"}), ErrorCode::kAlreadyExists);
  EXPECT_CODE(catalog_->CreateRecipient({.name = "x", .authentication_type = "PASSWORD"}),
              ErrorCode::kInvalidArgument);
  ASSERT_OK(catalog_->CreateRecipient({.name = "oidc-partner", .authentication_type = "OIDC"}));

  auto got = catalog_->GetRecipient("ZALANDO");
  ASSERT_OK(got);
  EXPECT_EQ(got->id, r->id);
  EXPECT_EQ(got->ip_access_list, (std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32"}));
  EXPECT_EQ(got->properties.at("country"), "DE");
  EXPECT_EQ(got->expiration_time, 1'800'000'000'000);
  EXPECT_EQ(got->created_by, "alice");

  RecipientUpdate u;
  u.properties = std::map<std::string, std::string>{{"country", "FR"}};
  u.ip_access_list = std::vector<std::string>{};
  u.expiration_time = std::optional<int64_t>();
  u.comment = "moved";
  u.updated_by = "bob";
  auto up = catalog_->UpdateRecipient("zalando", u);
  ASSERT_OK(up);
  auto again = catalog_->GetRecipient("zalando");
  ASSERT_OK(again);
  EXPECT_EQ(again->properties, (std::map<std::string, std::string>{{"country", "FR"}}));
  EXPECT_TRUE(again->ip_access_list.empty());
  EXPECT_FALSE(again->expiration_time.has_value());
  EXPECT_EQ(again->comment, "moved");
  EXPECT_EQ(again->updated_by, "bob");
  EXPECT_CODE(catalog_->UpdateRecipient("zalando", {.new_name = "OIDC-partner"}),
              ErrorCode::kAlreadyExists);
  EXPECT_CODE(catalog_->UpdateRecipient("nobody", {}), ErrorCode::kNotFound);

  ASSERT_OK(catalog_->AddRecipientToken("zalando", "tok-1", std::nullopt, "alice"));
  ASSERT_OK(catalog_->DeleteRecipient("zalando"));
  EXPECT_CODE(catalog_->GetRecipient("zalando"), ErrorCode::kNotFound);
  EXPECT_CODE(catalog_->AuthenticateRecipient("tok-1"), ErrorCode::kUnauthenticated);
}

TEST_P(CatalogSuite, AtMostTwoLiveRecipientTokensAndRotationOnlyShortens) {
  ASSERT_OK(catalog_->CreateRecipient({.name = "acme", .properties = {{"k", "v"}}}));
  const int64_t t0 = clock_.NowMs();
  const std::string first = "first-bearer-token-0123456789";
  auto a = catalog_->AddRecipientToken("acme", first, t0 + 3'600'000, "alice");
  ASSERT_OK(a);
  auto auth = catalog_->AuthenticateRecipient(first);
  ASSERT_OK(auth);
  EXPECT_EQ(auth->recipient.name, "acme");
  EXPECT_EQ(auth->recipient.properties.at("k"), "v");
  EXPECT_EQ(auth->token.id, a->id);
  ASSERT_OK(catalog_->AddRecipientToken("acme", "second", std::nullopt, "alice"));
  EXPECT_CODE(catalog_->AddRecipientToken("acme", "third", std::nullopt, "alice"),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->RotateRecipientToken("acme", "third", std::nullopt, 60, "alice"),
              ErrorCode::kInvalidArgument);              // two still live after shortening
  ASSERT_OK(catalog_->AuthenticateRecipient("second"));  // the failed rotation changed nothing
  auto tokens = catalog_->ListRecipientTokens("acme");
  ASSERT_OK(tokens);
  ASSERT_EQ(tokens->size(), 2u);
  const RecipientToken& listed = tokens->at(0).id == a->id ? tokens->at(0) : tokens->at(1);
  EXPECT_EQ(listed.id, a->id);
  EXPECT_EQ(listed.expires_at, t0 + 3'600'000);

  // Revoke now, then rotate with a 60 s grace: the old token lives 60 s more, not longer.
  ASSERT_OK(catalog_->RevokeRecipientTokens("acme"));
  EXPECT_CODE(catalog_->AuthenticateRecipient(first), ErrorCode::kUnauthenticated);
  ASSERT_OK(catalog_->AddRecipientToken("acme", "old", t0 + 10'000, "alice"));
  ASSERT_OK(catalog_->AddRecipientToken("acme", "older", std::nullopt, "alice"));
  ASSERT_OK(catalog_->RevokeRecipientTokens("acme"));
  ASSERT_OK(catalog_->AddRecipientToken("acme", "current", std::nullopt, "alice"));
  auto rotated = catalog_->RotateRecipientToken("acme", "next", std::nullopt, 60, "alice");
  ASSERT_OK(rotated);
  auto cur = catalog_->AuthenticateRecipient("current");
  ASSERT_OK(cur);
  EXPECT_EQ(cur->token.expires_at, t0 + 60'000);
  clock_.Advance(60'000);
  EXPECT_CODE(catalog_->AuthenticateRecipient("current"), ErrorCode::kUnauthenticated);
  ASSERT_OK(catalog_->AuthenticateRecipient("next"));

  // A short-lived token keeps its earlier expiry; 0 revokes at once.
  ASSERT_OK(catalog_->RotateRecipientToken("acme", "after", clock_.NowMs() + 5'000, 0, "alice"));
  EXPECT_CODE(catalog_->AuthenticateRecipient("next"), ErrorCode::kUnauthenticated);
  ASSERT_OK(catalog_->RotateRecipientToken("acme", "final", std::nullopt, 3600, "alice"));
  auto after = catalog_->AuthenticateRecipient("after");
  ASSERT_OK(after);
  EXPECT_EQ(after->token.expires_at, clock_.NowMs() + 5'000);
  EXPECT_CODE(catalog_->RotateRecipientToken("acme", "x", std::nullopt, -1, "alice"),
              ErrorCode::kInvalidArgument);

  // The recipient's own expiration_time stops every token.
  RecipientUpdate u;
  u.expiration_time = std::optional<int64_t>(clock_.NowMs() + 1);
  ASSERT_OK(catalog_->UpdateRecipient("acme", u));
  ASSERT_OK(catalog_->AuthenticateRecipient("final"));
  clock_.Advance(1);
  EXPECT_CODE(catalog_->AuthenticateRecipient("final"), ErrorCode::kUnauthenticated);

  std::string bytes = GetParam()->dump(location_);
  EXPECT_EQ(bytes.find(first), std::string::npos) << "plain recipient token stored";
  EXPECT_NE(bytes.find(HashToken(first)), std::string::npos) << "hash not found in the store";
}

TEST_P(CatalogSuite, ActivationLinksRedeemOnceAndExpire) {
  ASSERT_OK(catalog_->CreateRecipient({.name = "acme"}));
  const int64_t t0 = clock_.NowMs();
  auto link = catalog_->CreateActivationLink("acme", "link-token-abc", t0 + 72 * 3'600'000LL);
  ASSERT_OK(link);
  EXPECT_EQ(link->recipient_name, "acme");
  EXPECT_CODE(catalog_->CreateActivationLink("nobody", "l2", t0 + 1), ErrorCode::kNotFound);
  auto info = catalog_->GetActivationLink("link-token-abc");
  ASSERT_OK(info);
  EXPECT_FALSE(info->used_at.has_value());
  EXPECT_CODE(catalog_->GetActivationLink("unknown"), ErrorCode::kNotFound);

  clock_.Advance(1000);
  auto act = catalog_->RedeemActivationLink("link-token-abc", "minted-bearer", t0 + 10'000'000);
  ASSERT_OK(act);
  EXPECT_EQ(act->recipient.name, "acme");
  EXPECT_EQ(act->token.expires_at, t0 + 10'000'000);
  ASSERT_OK(catalog_->AuthenticateRecipient("minted-bearer"));
  EXPECT_CODE(catalog_->RedeemActivationLink("link-token-abc", "again", std::nullopt),
              ErrorCode::kPermissionDenied);
  EXPECT_CODE(catalog_->AuthenticateRecipient("again"), ErrorCode::kUnauthenticated);
  auto used = catalog_->GetActivationLink("link-token-abc");
  ASSERT_OK(used);
  EXPECT_EQ(used->used_at, t0 + 1000);
  EXPECT_CODE(catalog_->RedeemActivationLink("unknown", "x", std::nullopt), ErrorCode::kNotFound);

  ASSERT_OK(catalog_->CreateActivationLink("acme", "short-link", clock_.NowMs() + 10));
  clock_.Advance(10);
  EXPECT_CODE(catalog_->RedeemActivationLink("short-link", "late", std::nullopt),
              ErrorCode::kPermissionDenied);
  EXPECT_CODE(catalog_->AuthenticateRecipient("late"), ErrorCode::kUnauthenticated);
  EXPECT_EQ(GetParam()->dump(location_).find("link-token-abc"), std::string::npos);
}

// Listings read the tokens and pending links of a whole page at once (no query per recipient):
// the same answer as the per-recipient calls, across more than one batch of 64.
TEST_P(CatalogSuite, RecipientSecretsOfAPageAreReadTogether) {
  std::vector<std::string> ids;
  for (int i = 0; i < 70; ++i) {
    const std::string name = "r" + std::to_string(i);
    auto r = catalog_->CreateRecipient({.name = name});
    ASSERT_OK(r);
    ids.push_back(r->id);
    if (i % 3 != 2) {
      ASSERT_OK(catalog_->AddRecipientToken(name, "tok-" + name, std::nullopt, "admin"));
    }
    if (i % 2 == 0) {
      ASSERT_OK(catalog_->CreateActivationLink(name, "link-" + name, clock_.NowMs() + 1000));
      ASSERT_OK(catalog_->CreateActivationLink(name, "gone-" + name, clock_.NowMs() + 1));
    }
    clock_.Advance(1);
  }
  clock_.Advance(1);  // the "gone-" links expire
  ids.push_back(ids.back());  // repeated ids count once
  auto all = catalog_->ListRecipientSecrets(ids);
  ASSERT_OK(all);
  for (int i = 0; i < 70; ++i) {
    const std::string name = "r" + std::to_string(i);
    auto tokens = catalog_->ListRecipientTokens(name);
    auto links = catalog_->ListPendingActivationLinks(name);
    ASSERT_OK(tokens);
    ASSERT_OK(links);
    auto it = all->find(ids[static_cast<size_t>(i)]);
    if (tokens->empty() && links->empty()) {
      EXPECT_EQ(it, all->end()) << name;
      continue;
    }
    ASSERT_NE(it, all->end()) << name;
    ASSERT_EQ(it->second.tokens.size(), tokens->size()) << name;
    for (size_t k = 0; k < tokens->size(); ++k) {
      EXPECT_EQ(it->second.tokens[k].id, (*tokens)[k].id) << name;
    }
    ASSERT_EQ(it->second.pending_links.size(), links->size()) << name;
    ASSERT_EQ(links->size(), i % 2 == 0 ? 1u : 0u) << name;
    for (size_t k = 0; k < links->size(); ++k) {
      EXPECT_EQ(it->second.pending_links[k].id, (*links)[k].id) << name;
    }
  }
  auto none = catalog_->ListRecipientSecrets({});
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(CatalogSuite, RotateActivationShortensTokensAndReplacesUnusedLinks) {
  ASSERT_OK(catalog_->CreateRecipient({.name = "acme"}));
  int64_t t0 = clock_.NowMs();
  ASSERT_OK(catalog_->CreateActivationLink("acme", "link-1", t0 + 1'000'000));
  ASSERT_OK(catalog_->RedeemActivationLink("link-1", "bearer-1", std::nullopt));
  // An unopened link is invalidated by the rotation.
  ASSERT_OK(catalog_->CreateActivationLink("acme", "link-unopened", t0 + 1'000'000));
  auto link = catalog_->RotateRecipientActivation("acme", "link-2", t0 + 2'000'000, 60);
  ASSERT_OK(link);
  EXPECT_EQ(link->recipient_name, "acme");
  EXPECT_EQ(link->expires_at, t0 + 2'000'000);
  EXPECT_FALSE(link->used_at);
  EXPECT_CODE(catalog_->RedeemActivationLink("link-unopened", "x", std::nullopt),
              ErrorCode::kPermissionDenied);
  // The old token lives on for the grace period only.
  auto tokens = catalog_->ListRecipientTokens("acme");
  ASSERT_OK(tokens);
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].expires_at, t0 + 60'000);
  ASSERT_OK(catalog_->RedeemActivationLink("link-2", "bearer-2", std::nullopt));
  ASSERT_OK(catalog_->AuthenticateRecipient("bearer-1"));
  ASSERT_OK(catalog_->AuthenticateRecipient("bearer-2"));
  // Two live tokens after shortening: refused, and nothing changed.
  auto third = catalog_->RotateRecipientActivation("acme", "link-3", t0 + 2'000'000, 30);
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(third.error().message.find("There are already two active tokens for recipient acme"),
            std::string::npos)
      << third.error().message;
  EXPECT_CODE(catalog_->GetActivationLink("link-3"), ErrorCode::kNotFound);
  tokens = catalog_->ListRecipientTokens("acme");
  ASSERT_OK(tokens);
  ASSERT_EQ(tokens->size(), 2u);  // created in the same millisecond: order by id is random
  EXPECT_EQ(std::count_if(tokens->begin(), tokens->end(),
                          [](const RecipientToken& t) { return !t.expires_at; }),
            1);
  // 0 revokes every live token now.
  ASSERT_OK(catalog_->RotateRecipientActivation("acme", "link-4", t0 + 2'000'000, 0));
  EXPECT_CODE(catalog_->AuthenticateRecipient("bearer-1"), ErrorCode::kUnauthenticated);
  EXPECT_CODE(catalog_->AuthenticateRecipient("bearer-2"), ErrorCode::kUnauthenticated);
  EXPECT_CODE(catalog_->RotateRecipientActivation("acme", "link-5", t0 + 1, -1),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->RotateRecipientActivation("nobody", "link-6", t0 + 1, 0),
              ErrorCode::kNotFound);
  EXPECT_EQ(GetParam()->dump(location_).find("link-4"), std::string::npos);
}

TEST_P(CatalogSuite, ConcurrentRedemptionsOfOneLinkHaveExactlyOneWinner) {
  ASSERT_OK(catalog_->CreateRecipient({.name = "acme"}));
  for (int round = 0; round < 5; ++round) {
    std::string link = "race-" + std::to_string(round);
    ASSERT_OK(catalog_->CreateActivationLink("acme", link, clock_.NowMs() + 100'000));
    std::atomic<int> winners{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] {
        auto r = catalog_->RedeemActivationLink(link, link + "-bearer-" + std::to_string(i),
                                                std::nullopt);
        if (r) {
          ++winners;
        } else if (r.error().code == ErrorCode::kPermissionDenied) {
          ++refused;
        }
      });
    }
    for (std::thread& t : threads) {
      t.join();
    }
    EXPECT_EQ(winners.load(), 1);
    EXPECT_EQ(refused.load(), 1);
    ASSERT_OK(catalog_->RevokeRecipientTokens("acme"));
  }
}

TEST_P(CatalogSuite, GrantsFollowUnityCatalogRules) {
  MakeTable(*catalog_, "main", "sales", "daily");
  ASSERT_OK(catalog_->CreatePrincipal({.name = "root", .is_admin = true}));
  ASSERT_OK(catalog_->CreatePrincipal({.name = "team-a"}));
  ASSERT_OK(catalog_->CreatePrincipal({.name = "team-b"}));
  ASSERT_OK(catalog_->CreateShare({.name = "s1", .owner = "team-a"}));
  ASSERT_OK(catalog_->CreateRecipient({.name = "r1"}));
  ASSERT_OK(catalog_->CreateRecipient({.name = "r2"}));

  auto perms = catalog_->UpdatePermissions(SecurableType::kShare, "S1",
                                           {{.principal = "r1", .add = {Privilege::kSelect}},
                                            {.principal = "R2", .add = {Privilege::kSelect}}});
  ASSERT_OK(perms);
  ASSERT_EQ(perms->size(), 2u);
  EXPECT_EQ(perms->at(0).principal, "r1");
  EXPECT_EQ(perms->at(0).privileges, std::vector<Privilege>{Privilege::kSelect});
  // Idempotent add, then remove one.
  perms = catalog_->UpdatePermissions(SecurableType::kShare, "s1",
                                      {{.principal = "r1", .add = {Privilege::kSelect}},
                                       {.principal = "r2", .remove = {Privilege::kSelect}}});
  ASSERT_OK(perms);
  ASSERT_EQ(perms->size(), 1u);
  EXPECT_CODE(catalog_->UpdatePermissions(SecurableType::kShare, "s1",
                                          {{.principal = "r1", .add = {Privilege::kUseShare}}}),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->UpdatePermissions(SecurableType::kShare, "s1",
                                          {{.principal = "ghost", .add = {Privilege::kSelect}}}),
              ErrorCode::kNotFound);
  EXPECT_CODE(catalog_->UpdatePermissions(SecurableType::kShare, "nope", {}), ErrorCode::kNotFound);
  auto grants = catalog_->ListRecipientShareGrants("r1");
  ASSERT_OK(grants);
  ASSERT_EQ(grants->size(), 1u);
  EXPECT_EQ(grants->at(0).share_name, "s1");

  // Metastore privileges for team-b; ownership for team-a.
  ASSERT_OK(catalog_->UpdatePermissions(
      SecurableType::kMetastore, "",
      {{.principal = "team-b",
        .add = {Privilege::kCreateShare, Privilege::kUseShare, Privilege::kSetSharePermission}}}));
  auto mperms = catalog_->GetPermissions(SecurableType::kMetastore, "");
  ASSERT_OK(mperms);
  ASSERT_EQ(mperms->size(), 1u);
  EXPECT_EQ(mperms->at(0).privileges,
            (std::vector<Privilege>{Privilege::kCreateShare, Privilege::kUseShare,
                                    Privilege::kSetSharePermission}));
  auto has = [&](const char* who, SecurableType t, const char* name, Privilege p) {
    auto r = catalog_->HasPrivilege(who, t, name, p);
    EXPECT_TRUE(r) << r.error().ToString();
    return r && *r;
  };
  EXPECT_TRUE(has("team-b", SecurableType::kMetastore, "", Privilege::kCreateShare));
  EXPECT_FALSE(has("team-a", SecurableType::kMetastore, "", Privilege::kCreateShare));
  EXPECT_TRUE(has("root", SecurableType::kMetastore, "", Privilege::kCreateRecipient));
  EXPECT_TRUE(has("team-a", SecurableType::kShare, "s1", Privilege::kSetSharePermission));
  EXPECT_FALSE(has("team-b", SecurableType::kShare, "s1", Privilege::kSelect));
  EXPECT_FALSE(has("nobody", SecurableType::kShare, "s1", Privilege::kSelect));
  EXPECT_FALSE(has("team-b", SecurableType::kTable, "main.sales.daily", Privilege::kSelect));
  ASSERT_OK(catalog_->UpdatePermissions(SecurableType::kSchema, "main.sales",
                                        {{.principal = "team-b", .add = {Privilege::kSelect}}}));
  EXPECT_TRUE(has("team-b", SecurableType::kTable, "main.sales.daily", Privilege::kSelect));
  EXPECT_TRUE(has("alice", SecurableType::kTable, "main.sales.daily", Privilege::kSelect) ==
              false);  // alice owns it but is no principal
  EXPECT_CODE(
      catalog_->UpdatePermissions(SecurableType::kTable, "main.sales.daily",
                                  {{.principal = "team-b", .add = {Privilege::kCreateShare}}}),
      ErrorCode::kInvalidArgument);

  // Deleting the recipient or the share drops their grants.
  ASSERT_OK(catalog_->DeleteRecipient("r1"));
  auto after = catalog_->GetPermissions(SecurableType::kShare, "s1");
  ASSERT_OK(after);
  EXPECT_TRUE(after->empty());
  ASSERT_OK(catalog_->DeletePrincipal("team-b"));
  mperms = catalog_->GetPermissions(SecurableType::kMetastore, "");
  ASSERT_OK(mperms);
  EXPECT_TRUE(mperms->empty());
  EXPECT_EQ(ParsePrivilege("use share"), Privilege::kUseShare);
  EXPECT_EQ(PrivilegeName(Privilege::kSetSharePermission), "SET_SHARE_PERMISSION");
  EXPECT_EQ(ParseSecurableType("share"), SecurableType::kShare);
}

TEST_P(CatalogSuite, AuditEventsAreQueriedByTimeActionPrincipalRecipientAndPaged) {
  std::vector<AuditEvent> events;
  for (int i = 0; i < 25; ++i) {
    events.push_back(AuditEvent{.time_ms = 1000 + i / 2,
                                .request_id = "req-" + std::to_string(i),
                                .action = i % 3 == 0 ? "deltaSharingQueryTable" : "createShare",
                                .principal = i % 3 == 0 ? "" : "alice",
                                .recipient = i % 3 == 0 ? "acme" : "",
                                .source_ip = "10.0.0.1",
                                .user_agent = "pandas",
                                .params_json = R"({"share":"s"})",
                                .status_code = i == 4 ? 403 : 200,
                                .error = i == 4 ? "PERMISSION_DENIED" : "",
                                .volume_json = i % 3 == 0 ? R"({"numFiles":"3"})" : ""});
  }
  ASSERT_OK(catalog_->AppendAuditEvents(events));
  auto all = catalog_->QueryAuditEvents({});
  ASSERT_OK(all);
  ASSERT_EQ(all->items.size(), 25u);
  EXPECT_EQ(all->items[0].request_id, "req-0");
  EXPECT_EQ(all->items[24].request_id, "req-24");
  EXPECT_GT(all->items[1].id, all->items[0].id);
  EXPECT_EQ(all->items[4].status_code, 403);
  EXPECT_EQ(all->items[4].error, "PERMISSION_DENIED");
  EXPECT_EQ(all->items[3].volume_json, R"({"numFiles":"3"})");
  EXPECT_EQ(all->items[3].user_agent, "pandas");

  auto by_action = catalog_->QueryAuditEvents({.action = "deltaSharingQueryTable"});
  ASSERT_OK(by_action);
  EXPECT_EQ(by_action->items.size(), 9u);
  auto by_recipient = catalog_->QueryAuditEvents({.recipient = "acme"});
  ASSERT_OK(by_recipient);
  EXPECT_EQ(by_recipient->items.size(), 9u);
  auto by_principal = catalog_->QueryAuditEvents({.principal = "alice"});
  ASSERT_OK(by_principal);
  EXPECT_EQ(by_principal->items.size(), 16u);
  auto window = catalog_->QueryAuditEvents({.from_ms = 1002, .to_ms = 1004});
  ASSERT_OK(window);
  EXPECT_EQ(window->items.size(), 4u);  // events 4..7
  EXPECT_EQ(window->items[0].request_id, "req-4");

  // Pages split events sharing one time_ms without losing or repeating any.
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    auto page = catalog_->QueryAuditEvents(
        {.principal = "alice", .page = {.max_results = 3, .page_token = token}});
    ASSERT_OK(page);
    for (const AuditEvent& e : page->items) {
      seen.push_back(e.request_id);
    }
    token = page->next_page_token;
  } while (!token.empty() && ++pages < 20);
  ASSERT_EQ(seen.size(), 16u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 16u);
  EXPECT_CODE(catalog_->QueryAuditEvents({.page = {.page_token = "bogus"}}),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->QueryAuditEvents({.page = {.max_results = -2}}),
              ErrorCode::kInvalidArgument);
}

TEST_P(CatalogSuite, AuditEventsAreDeletedById) {
  std::vector<AuditEvent> events;
  for (int i = 0; i < 1200; ++i) {
    events.push_back(AuditEvent{.time_ms = 1000 + i, .request_id = "r" + std::to_string(i),
                                .action = "deltaSharingListShares"});
  }
  ASSERT_OK(catalog_->AppendAuditEvents(events));
  auto old = catalog_->QueryAuditEvents({.to_ms = 2100});
  ASSERT_OK(old);
  ASSERT_EQ(old->items.size(), 1100u);
  std::vector<int64_t> ids;
  for (const AuditEvent& e : old->items) ids.push_back(e.id);
  ids.push_back(987'654'321);  // no such event: skipped
  auto deleted = catalog_->DeleteAuditEvents(ids);
  ASSERT_OK(deleted);
  EXPECT_EQ(*deleted, 1100);
  auto left = catalog_->QueryAuditEvents({});
  ASSERT_OK(left);
  ASSERT_EQ(left->items.size(), 100u);
  EXPECT_EQ(left->items[0].request_id, "r1100");
  EXPECT_EQ(*catalog_->DeleteAuditEvents({}), 0);
}

TEST_P(CatalogSuite, ConcurrentWritersLoseNothing) {
  constexpr int kThreads = 6;
  constexpr int kPerThread = 15;
  ASSERT_OK(catalog_->CreateRecipient({.name = "shared-recipient"}));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string name = "share-" + std::to_string(t) + "-" + std::to_string(i);
        bool ok = static_cast<bool>(catalog_->CreateShare({.name = name, .owner = "team"})) &&
                  static_cast<bool>(catalog_->CreateRecipient({.name = "r-" + name})) &&
                  static_cast<bool>(catalog_->UpdatePermissions(
                      SecurableType::kShare, name,
                      {{.principal = "shared-recipient", .add = {Privilege::kSelect}}}));
        AuditEvent e{.time_ms = i, .request_id = name, .action = "createShare"};
        ok = ok && static_cast<bool>(catalog_->AppendAuditEvents({&e, 1}));
        ok = ok && static_cast<bool>(catalog_->ListShares({.max_results = 5}));
        if (!ok) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(failures.load(), 0);
  auto shares = catalog_->ListShares({});
  ASSERT_OK(shares);
  EXPECT_EQ(shares->items.size(), size_t{kThreads * kPerThread});
  auto recipients = catalog_->ListRecipients({});
  ASSERT_OK(recipients);
  EXPECT_EQ(recipients->items.size(), size_t{kThreads * kPerThread + 1});
  auto grants = catalog_->ListRecipientShareGrants("shared-recipient");
  ASSERT_OK(grants);
  EXPECT_EQ(grants->size(), size_t{kThreads * kPerThread});
  auto audit = catalog_->QueryAuditEvents({});
  ASSERT_OK(audit);
  EXPECT_EQ(audit->items.size(), size_t{kThreads * kPerThread});
}

TEST_P(CatalogSuite, MigrationsAreIdempotentOnReopen) {
  ASSERT_OK(catalog_->CreateShare({.name = "kept", .owner = "alice"}));
  ASSERT_OK(catalog_->UpdateSettings({.organization_name = "Acme"}));
  catalog_.reset();
  // Two opens racing (replicas starting together), then a third.
  std::vector<std::thread> threads;
  std::atomic<int> opened{0};
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] {
      auto c = OpenCatalog(location_);
      if (c && (*c)->GetShare("kept", false)) {
        ++opened;
      } else if (!c) {
        ADD_FAILURE() << c.error().ToString();
      }
    });
  }
  for (std::thread& t : threads) {
    t.join();
  }
  EXPECT_EQ(opened.load(), 2);
  auto again = OpenCatalog(location_);
  ASSERT_OK(again);
  auto share = (*again)->GetShare("KEPT", false);
  ASSERT_OK(share);
  auto settings = (*again)->GetSettings();
  ASSERT_OK(settings);
  EXPECT_EQ(settings->organization_name, "Acme");
}

}  // namespace
}  // namespace lakeshare::catalog
