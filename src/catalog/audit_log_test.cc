#include "catalog/audit_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

namespace lakeshare::catalog {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("lakeshare-audit-log-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto catalog = OpenCatalog((dir_ / "metastore.db").string());
    ASSERT_TRUE(catalog) << catalog.error().message;
    catalog_ = std::move(*catalog);
  }
  void TearDown() override {
    catalog_.reset();
    std::filesystem::remove_all(dir_);
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

  std::filesystem::path dir_;
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
  auto events = All();
  EXPECT_EQ(events.size() + log.dropped(), 25u);
  ASSERT_FALSE(events.empty());
  // The newest event survived.
  EXPECT_EQ(events.back().time_ms, 24);
}

}  // namespace
}  // namespace lakeshare::catalog
