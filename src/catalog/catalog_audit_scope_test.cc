// Atomic management audit (audit_scope.h), on every backend through CatalogSuite: an event is
// committed with its request's first change or not at all, and stored once per dedup key.
#include "catalog/audit_scope.h"
#include "catalog/catalog_suite_test.h"

// Designated initializers naming only the fields a test cares about are the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace lakeshare::catalog {
namespace {

AuditEvent Event(const std::string& key, int64_t status) {
  return AuditEvent{.time_ms = 1,
                    .request_id = "req-" + key,
                    .action = "createCatalog",
                    .principal = "alice",
                    .params_json = "{}",
                    .status_code = status,
                    .dedup_key = key};
}

std::vector<AuditEvent> Events(Catalog& catalog) {
  auto listed = catalog.QueryAuditEvents({});
  return listed ? listed->items : std::vector<AuditEvent>{};
}

TEST_P(CatalogSuite, AChangeInAnAuditScopeCommitsItsEventOnceAndOnlyWithIt) {
  PendingAuditEvent pending{.make_event = [] { return Event("k1", 0); }};
  {
    AuditScope scope(&pending);
    // A refused write commits nothing, and so no event.
    EXPECT_CODE(catalog_->CreateCatalog({.name = "bad/name"}), ErrorCode::kInvalidArgument);
    EXPECT_CODE(catalog_->DeleteCatalog("missing", false), ErrorCode::kNotFound);
    EXPECT_EQ(pending.written_id, 0);
    EXPECT_TRUE(Events(*catalog_).empty());
    // Reads are not changes.
    ASSERT_OK(catalog_->ListCatalogs({}));
    EXPECT_EQ(pending.written_id, 0);
    ASSERT_OK(catalog_->CreateCatalog({.name = "c1"}));
    EXPECT_NE(pending.written_id, 0);
    // The second change of the request adds no second event.
    ASSERT_OK(catalog_->CreateSchema({.catalog_name = "c1", .name = "s"}));
  }
  std::vector<AuditEvent> events = Events(*catalog_);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].id, pending.written_id);
  EXPECT_EQ(events[0].status_code, 0);  // as it stood when the change committed
  AuditEvent final_event = Event("k1", 200);
  final_event.action = "createCatalog";
  ASSERT_OK(catalog_->FinishAuditEvent(pending.written_id, final_event));
  events = Events(*catalog_);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].status_code, 200);
  // Outside the scope, changes carry no event.
  ASSERT_OK(catalog_->CreateCatalog({.name = "c2"}));
  EXPECT_EQ(Events(*catalog_).size(), 1u);
}

TEST_P(CatalogSuite, ARetriedRequestIsAuditedOnce) {
  // The same event written twice (a lost connection after the commit, then the retry) is one.
  ASSERT_OK(catalog_->AppendAuditEvents(std::vector<AuditEvent>{Event("get", 200)}));
  ASSERT_OK(catalog_->AppendAuditEvents(std::vector<AuditEvent>{Event("get", 200)}));
  // Events without a key (the protocol's) are never merged.
  ASSERT_OK(catalog_->AppendAuditEvents(std::vector<AuditEvent>{Event("", 200), Event("", 200)}));
  EXPECT_EQ(Events(*catalog_).size(), 3u);

  // Attempt 1 fails before any change and is audited; attempt 2 commits: its event replaces the
  // failure; attempt 3 (the client did not see the answer) changes again: nothing more recorded.
  ASSERT_OK(catalog_->AppendAuditEvents(std::vector<AuditEvent>{Event("create", 503)}));
  PendingAuditEvent second{.make_event = [] { return Event("create", 0); }};
  {
    AuditScope scope(&second);
    ASSERT_OK(catalog_->CreateShare({.name = "s"}));
  }
  EXPECT_NE(second.written_id, 0);
  EXPECT_FALSE(second.recorded_before);
  PendingAuditEvent third{.make_event = [] { return Event("create", 0); }};
  {
    AuditScope scope(&third);
    ASSERT_OK(catalog_->UpdateShare("s", {.comment = "again"}, {}, "alice"));
  }
  EXPECT_EQ(third.written_id, 0);
  EXPECT_TRUE(third.recorded_before);
  ASSERT_OK(catalog_->AppendAuditEvents(std::vector<AuditEvent>{Event("create", 409)}));
  int with_key = 0;
  for (const AuditEvent& e : Events(*catalog_)) {
    if (e.request_id == "req-create") {
      ++with_key;
      EXPECT_EQ(e.id, second.written_id);
      EXPECT_EQ(e.status_code, 0);
    }
  }
  EXPECT_EQ(with_key, 1);
}

}  // namespace
}  // namespace lakeshare::catalog
