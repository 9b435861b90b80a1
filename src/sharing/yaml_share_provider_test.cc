#include "sharing/yaml_share_provider.h"

#include <gtest/gtest.h>

#include "sharing/sharing_test_util.h"

namespace lakeshare::sharing {
namespace {

std::unique_ptr<YamlShareProvider> Make(const char* yaml) {
  auto p = testing::YamlProviderOf(yaml);
  EXPECT_TRUE(p) << p.error().message;
  return std::move(*p);
}

constexpr const char* kConfig = R"(
version: 1
shares:
- name: Sales
  schemas:
  - name: eu
    tables:
    - {name: Orders, location: /t/o, id: fixed-id}
    - {name: items, location: /t/i, historyShared: true}
  - name: us
    tables:
    - {name: orders, location: /t/uo}
- name: hr
  schemas:
  - name: people
    tables:
    - {name: staff, location: /t/s}
authorization:
  bearerToken: global-token
recipients:
- name: acme
  bearerToken: acme-token-0123456789
  shares: [sales]
)";

std::string Bearer(const char* t) { return std::string("Bearer ") + t; }

TEST(YamlShareProviderTest, TokensIdentifyRecipients) {
  auto p = Make(kConfig);
  std::string g = Bearer("global-token"), a = Bearer("acme-token-0123456789"),
              lower = "bearer acme-token-0123456789", bad = Bearer("nope"), basic = "Basic x";
  EXPECT_EQ(p->Authenticate({&g, "127.0.0.1"})->name, "default");
  EXPECT_EQ(p->Authenticate({&a, "127.0.0.1"})->name, "acme");
  EXPECT_EQ(p->Authenticate({&lower, "127.0.0.1"})->name, "acme");
  EXPECT_EQ(p->Authenticate({&bad, "127.0.0.1"}).error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(p->Authenticate({&basic, "127.0.0.1"}).error().code, ErrorCode::kUnauthenticated);
  EXPECT_EQ(p->Authenticate({nullptr, "127.0.0.1"}).error().code, ErrorCode::kUnauthenticated);
}

// The header is read by auth::BearerToken, the one parser of "Bearer <token>" (it was parsed a
// second time here); the refusals keep their messages.
TEST(YamlShareProviderTest, RefusedHeadersKeepTheirMessages) {
  auto p = Make(kConfig);
  struct Case {
    const char* header;  // null: no Authorization header
    const char* message;
  };
  const Case cases[] = {
      {nullptr, "Missing bearer token (Authorization header)"},
      {"Basic x", "The Authorization header must be 'Bearer <token>'"},
      {"Bearer", "The Authorization header must be 'Bearer <token>'"},
      {"Bearer ", "The Authorization header must be 'Bearer <token>'"},
      {"Bearer\tacme-token-0123456789", "The Authorization header must be 'Bearer <token>'"},
      {"Bearertoken", "The Authorization header must be 'Bearer <token>'"},
      {"Bearer   ", "Empty bearer token"},
      {"BEARER \t", "Empty bearer token"},
      {"Bearer nope", "Invalid or expired bearer token"},
  };
  for (const Case& c : cases) {
    std::string header = c.header ? c.header : "";
    auto r = p->Authenticate({c.header ? &header : nullptr, "127.0.0.1"});
    ASSERT_FALSE(r) << header;
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated) << header;
    EXPECT_EQ(r.error().message, c.message) << header;
  }
  std::string spaced = "bearer   acme-token-0123456789 \t";
  EXPECT_EQ(p->Authenticate({&spaced, "127.0.0.1"})->name, "acme");
}

TEST(YamlShareProviderTest, RecipientsSeeOnlyTheirShares) {
  auto p = Make(kConfig);
  Recipient acme{"acme"}, global{"default"};
  auto shares = p->ListShares(acme, {});
  ASSERT_EQ(shares->items.size(), 1u);
  EXPECT_EQ(shares->items[0].name, "Sales");
  EXPECT_EQ(p->ListShares(global, {})->items.size(), 2u);
  // Unknown and invisible look the same.
  auto hidden = p->GetShare(acme, "hr");
  auto unknown = p->GetShare(acme, "nothing");
  EXPECT_EQ(hidden.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(p->GetTable(acme, "hr", "people", "staff").error().message.find("hr.people.staff") !=
                std::string::npos,
            true);
  EXPECT_FALSE(p->GetTable(acme, "hr", "people", "staff"));
  EXPECT_TRUE(p->GetTable(global, "hr", "people", "staff"));
}

TEST(YamlShareProviderTest, NamesAreCaseInsensitiveAndIdsStable) {
  auto p = Make(kConfig);
  Recipient acme{"acme"};
  auto t = p->GetTable(acme, "SALES", "EU", "orders");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->name, "Orders");
  EXPECT_EQ(t->id, "fixed-id");
  auto items = p->GetTable(acme, "sales", "eu", "ITEMS");
  ASSERT_TRUE(items);
  EXPECT_EQ(items->id.size(), 36u);
  EXPECT_EQ(items->id, Make(kConfig)->GetTable(acme, "sales", "eu", "items")->id);
  EXPECT_TRUE(items->history_shared);
  EXPECT_TRUE(items->cdf_shared);
  EXPECT_TRUE(p->GetTableById("acme", items->share_id, items->id, "127.0.0.1"));
  EXPECT_FALSE(p->GetTableById("acme", items->share_id, "fixed-id-x", "127.0.0.1"));
  auto staff = p->GetTable(Recipient{"default"}, "hr", "people", "staff");
  EXPECT_FALSE(p->GetTableById("acme", staff->share_id, staff->id, "127.0.0.1"));
}

TEST(YamlShareProviderTest, PagesByKey) {
  auto p = Make(kConfig);
  Recipient global{"default"};
  auto first = p->ListAllTables(global, "sales", {"", 2});
  ASSERT_EQ(first->items.size(), 2u);
  EXPECT_TRUE(first->more);
  EXPECT_EQ(first->items[0].name, "items");
  EXPECT_EQ(first->items[1].name, "Orders");
  auto second = p->ListAllTables(global, "sales", {"eu\x1forders", 2});
  ASSERT_EQ(second->items.size(), 1u);
  EXPECT_FALSE(second->more);
  EXPECT_EQ(second->items[0].schema, "us");
  auto none = p->ListShares(global, {"", 0});
  EXPECT_TRUE(none->items.empty());
  EXPECT_TRUE(none->more);
}

TEST(YamlShareProviderTest, OpenAccessWithoutTokens) {
  auto p = Make("version: 1\nshares:\n- name: s\n");
  auto r = p->Authenticate({nullptr, "127.0.0.1"});
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->anonymous);
  EXPECT_EQ(p->ListShares(Recipient{r->name, r->anonymous}, {})->items.size(), 1u);
}

TEST(ShareProviderTest, NameRules) {
  EXPECT_TRUE(ValidateObjectName("share", "a.b"));
  EXPECT_FALSE(ValidateObjectName("schema", "a.b"));
  EXPECT_FALSE(ValidateObjectName("table", "a b"));
  EXPECT_FALSE(ValidateObjectName("table", "a/b"));
  EXPECT_FALSE(ValidateObjectName("table", std::string(256, 'a')));
  EXPECT_FALSE(ValidateObjectName("table", "a\x7f"));
  EXPECT_NE(NameBasedUuid("x", "a"), NameBasedUuid("x", "b"));
  EXPECT_EQ(NameBasedUuid("x", "a")[14], '8');
}

}  // namespace
}  // namespace lakeshare::sharing
