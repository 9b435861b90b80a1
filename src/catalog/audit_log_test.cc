#include "catalog/audit_log.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/temp_dir.h"

namespace lakeshare::catalog {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = OpenCatalog((dir_.path() / "metastore.db").string());
    ASSERT_TRUE(catalog) << catalog.error().message;
    catalog_ = std::move(*catalog);
  }

  AuditEvent Event(std::string action, int64_t time_ms) {
    AuditEvent e;
    e.action = std::move(action);
    e.time_ms = time_ms;
    e.request_id = "req-" + std::to_string(time_ms);
    e.status_code = 200;
    return e;
  }

  std::vector<AuditEvent> All() {
    AuditQuery q;
    auto listing = catalog_->QueryAuditEvents(q);
    EXPECT_TRUE(listing) << listing.error().message;
    return listing ? listing->items : std::vector<AuditEvent>{};
  }

  TempDir dir_{"lakeshare-audit-log"};
  std::unique_ptr<Catalog> catalog_;
};

TEST_F(AuditLogTest, WriteIsDurableWhenItReturns) {
  AuditLog log(catalog_.get());
  ASSERT_TRUE(log.Write(Event("createRecipient", 1)));
  auto events = All();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "createRecipient");
  EXPECT_EQ(log.written(), 1u);
}

TEST_F(AuditLogTest, EnqueuedEventsFromManyThreadsAllArriveAfterFlush) {
  AuditLogOptions options;
  options.flush_interval_ms = 50;
  options.max_batch = 64;
  AuditLog log(catalog_.get(), options);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&log, t, this] {
      for (int i = 0; i < 500; ++i) log.Enqueue(Event("deltaSharingListShares", t * 1000 + i));
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(log.Flush());
  EXPECT_EQ(All().size(), 2000u);
  EXPECT_EQ(log.written(), 2000u);
  EXPECT_EQ(log.dropped(), 0u);
}

TEST_F(AuditLogTest, StopWritesEverythingStillQueued) {
  {
    // A long interval: nothing is written by the timer before Stop.
    AuditLogOptions options;
    options.flush_interval_ms = 60'000;
    AuditLog log(catalog_.get(), options);
    for (int i = 0; i < 300; ++i) log.Enqueue(Event("deltaSharingQueryTable", i));
    log.Stop();
    EXPECT_EQ(log.queued(), 0u);
  }
  EXPECT_EQ(All().size(), 300u);
}

TEST_F(AuditLogTest, EnqueueAfterStopStillWrites) {
  AuditLog log(catalog_.get());
  log.Stop();
  log.Enqueue(Event("deltaSharingGetShare", 7));
  EXPECT_EQ(All().size(), 1u);
}

TEST_F(AuditLogTest, BoundedQueueDropsOldestAndCountsThem) {
  AuditLogOptions options;
  options.flush_interval_ms = 60'000;
  options.max_queued = 10;
  AuditLog log(catalog_.get(), options);
  for (int i = 0; i < 25; ++i) log.Enqueue(Event("deltaSharingListShares", i));
  EXPECT_LE(log.queued(), 10u);
  ASSERT_TRUE(log.Flush());
  std::vector<AuditEvent> events;
  for (AuditEvent& e : All()) {
    if (e.action != kDroppedEventsAction) events.push_back(std::move(e));  // the count, below
  }
  EXPECT_EQ(events.size() + log.dropped(), 25u);
  ASSERT_FALSE(events.empty());
  // The newest event survived.
  EXPECT_EQ(events.back().time_ms, 24);
}

TEST_F(AuditLogTest, DroppedEventsAreCountedRecordedAndReported) {
  AuditLogOptions options;
  options.flush_interval_ms = 60'000;
  options.max_queued = 10;
  std::atomic<uint64_t> reported{0};
  options.on_dropped = [&](uint64_t n) { reported += n; };
  AuditLog log(catalog_.get(), options);
  for (int i = 0; i < 25; ++i) log.Enqueue(Event("deltaSharingListShares", i));
  EXPECT_EQ(reported.load(), log.dropped());
  log.Stop();
  auto events = All();
  ASSERT_FALSE(events.empty());
  uint64_t recorded = 0;
  for (const AuditEvent& e : events) {
    if (e.action == kDroppedEventsAction) {
      recorded += std::stoull(e.params_json.substr(e.params_json.find("\"count\":\"") + 9));
    }
  }
  EXPECT_EQ(recorded, 15u);
  EXPECT_EQ(log.dropped(), 15u);
}

TEST_F(AuditLogTest, AnonymousRefusalsOfAFloodBecomeAFewRowsThatCountThemAll) {
  AuditLogOptions options;
  std::atomic<uint64_t> aggregated{0};
  options.on_aggregated = [&] { ++aggregated; };
  const int64_t t0 = 1'700'000'000'000;  // 40 s before the end of its minute
  // The writer's clock stays inside the events' minute, so no flush in the middle of the flood
  // closes the window early (with the wall clock every window of 2023 is closed at once, and a
  // flush between two Enqueues started a new group: a race, not the behaviour under test).
  ManualClock clock(t0 + 5'000);
  options.clock = &clock;
  AuditLog log(catalog_.get(), options);
  for (int i = 0; i < 5000; ++i) {
    AuditEvent e = Event("deltaSharingListShares", t0 + i);
    e.status_code = 401;
    e.source_ip = i % 2 ? "203.0.113.1" : "203.0.113.2";
    log.Enqueue(std::move(e));
  }
  // An authenticated caller's refusals are all kept.
  for (int i = 0; i < 30; ++i) {
    AuditEvent e = Event("deltaSharingGetShare", t0 + i);
    e.status_code = 404;
    e.recipient = "acme";
    e.source_ip = "203.0.113.1";
    log.Enqueue(std::move(e));
  }
  log.Stop();  // writes the groups still open
  auto events = All();
  EXPECT_EQ(aggregated.load(), 4998u);
  EXPECT_EQ(log.aggregated(), 4998u);
  int64_t accounted = 0;
  int kept = 0;
  for (const AuditEvent& e : events) {
    if (!e.recipient.empty()) {
      ++kept;
    } else if (e.action == kAggregatedRefusalsAction) {
      accounted += std::stoll(e.params_json.substr(e.params_json.find("\"count\":\"") + 9));
    } else {
      accounted += 1;
    }
  }
  EXPECT_EQ(kept, 30);
  EXPECT_EQ(accounted, 5000);
  EXPECT_EQ(events.size(), 30u + 4u);  // per address: the first event and one aggregate
}

TEST_F(AuditLogTest, RetentionExportsThenDeletesOldEvents) {
  const int64_t day = 86'400'000;
  const int64_t now = 100 * day;
  ASSERT_TRUE(catalog_->AppendAuditEvents(std::vector<AuditEvent>{
      Event("old1", now - 40 * day), Event("old2", now - 31 * day), Event("recent", now - day)}));
  AuditLogOptions options;
  options.retention_ms = 30 * day;
  options.retention_interval_ms = 3'600'000;
  options.export_dir = (dir_.path() / "export").string();
  ManualClock clock(now);
  options.clock = &clock;
  AuditLog log(catalog_.get(), options);
  Result<int64_t> deleted = log.ApplyRetention();  // the thread may have run it already
  ASSERT_TRUE(deleted) << deleted.error().message;
  log.Stop();
  auto events = All();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "recent");
  std::string exported;
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_.path() / "export")) {
    ++files;
    std::ifstream in(entry.path());
    exported += std::string(std::istreambuf_iterator<char>(in), {});
    EXPECT_EQ(
        std::filesystem::status(entry.path()).permissions() & std::filesystem::perms::others_read,
        std::filesystem::perms::none);
  }
  EXPECT_EQ(files, 1);
  EXPECT_NE(exported.find("\"action_name\":\"old1\""), std::string::npos) << exported;
  EXPECT_NE(exported.find("\"action_name\":\"old2\""), std::string::npos) << exported;
  EXPECT_EQ(exported.find("recent"), std::string::npos);
  EXPECT_EQ(std::count(exported.begin(), exported.end(), '\n'), 2);
  EXPECT_NE(exported.find("\"request_params\":{}"), std::string::npos) << exported;
}

TEST_F(AuditLogTest, RetentionWithoutAnExportFolderOnlyDeletes) {
  const int64_t day = 86'400'000;
  const int64_t now = 100 * day;
  std::vector<AuditEvent> old;
  for (int i = 0; i < 12'000; ++i) old.push_back(Event("old", now - 10 * day + i));
  ASSERT_TRUE(catalog_->AppendAuditEvents(old));
  AuditLogOptions options;
  options.retention_ms = 7 * day;
  ManualClock clock(now);
  options.clock = &clock;
  AuditLog log(catalog_.get(), options);
  ASSERT_TRUE(log.ApplyRetention());
  log.Stop();
  EXPECT_TRUE(All().empty());
}

TEST(AuditEventJsonLineTest, HasTheManagementApiExportShape) {
  AuditEvent e;
  e.id = 7;
  e.time_ms = 1000;
  e.request_id = "r1";
  e.action = "deltaSharingQueryTable";
  e.recipient = "acme";
  e.source_ip = "10.0.0.1";
  e.user_agent = "ua \"quoted\"";
  e.params_json = R"({"share":"s"})";
  e.status_code = 200;
  e.volume_json = "not json";
  EXPECT_EQ(AuditEventJsonLine(e),
            R"({"event_id":7,"event_time":1000,"request_id":"r1",)"
            R"("action_name":"deltaSharingQueryTable","principal":"","recipient":"acme",)"
            R"("source_ip_address":"10.0.0.1","user_agent":"ua \"quoted\"",)"
            R"("request_params":{"share":"s"},"response":{"status_code":200,"error_message":"",)"
            R"("result":{}}})");
}

}  // namespace
}  // namespace lakeshare::catalog
