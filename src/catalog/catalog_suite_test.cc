// The CatalogSuite fixture, and the suite's tests of the metastore itself: settings and server
// secrets, principals and their API tokens, the catalog -> schema -> table hierarchy, paged
// listings, audit events, concurrent writers and migrations. The other concepts have their own
// files: catalog_sharing_test.cc, catalog_recipients_test.cc, catalog_governance_test.cc,
// catalog_audit_scope_test.cc, federation_policies_test.cc.
#include "catalog/catalog_suite_test.h"
#include "common/strings.h"

// Designated initializers naming only the fields a test cares about are the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <atomic>
#include <fstream>
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

// An audit page token's numbers were read with sscanf("%ld:%ld"): a number past int64 was
// undefined behaviour (glibc took INT64_MAX and the listing went on from there), and text after
// the id was ignored. Such tokens are no token of ours: refused like any other.
TEST_P(CatalogSuite, AuditPageTokensWithOutOfRangeNumbersOrTrailingTextAreRefused) {
  ASSERT_OK(catalog_->AppendAuditEvents(std::vector<AuditEvent>{
      {.time_ms = 1000, .request_id = "r1", .action = "listShares"}}));
  ASSERT_OK(catalog_->QueryAuditEvents({.page = {.page_token = Base64Encode("a1000:0")}}));
  for (const char* forged : {"a99999999999999999999:1", "a1000:99999999999999999999",
                             "a1000:0junk", "a1000:", "a:1", "a 1000:0", "a1000:0\n"}) {
    SCOPED_TRACE(forged);
    EXPECT_CODE(catalog_->QueryAuditEvents({.page = {.page_token = Base64Encode(forged)}}),
                ErrorCode::kInvalidArgument);
  }
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