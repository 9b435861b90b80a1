#include "delta/snapshot_cache.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/clock.h"
#include "delta/delta_test_util.h"

namespace lakeshare::delta {
namespace {

using namespace testing;  // the table builders of delta/delta_test_util.h

const std::string kSchema = SchemaString({{"id", "long"}});

class SnapshotCacheTest : public ::testing::Test {
 protected:
  SnapshotCacheOptions Options() {
    SnapshotCacheOptions o;
    o.open_store =
        [this](const std::string& location) -> Result<std::shared_ptr<const storage::ObjectStore>> {
      auto it = tables.find(location);
      if (it == tables.end()) {
        return NotFound("no table {}", location);
      }
      return std::shared_ptr<const storage::ObjectStore>(it->second.store());
    };
    o.clock = &clock;
    return o;
  }
  void MakeTable(const std::string& name, int files) {
    std::vector<std::string> lines = {ProtocolLine(), MetadataLine(kSchema)};
    for (int i = 0; i < files; ++i) {
      lines.push_back(AddLine(name + std::to_string(i)));
    }
    tables[name].Commit(0, lines);
  }
  std::map<std::string, TestTable> tables;
  ManualClock clock{0, 0};
};

TEST_F(SnapshotCacheTest, RefreshesIncrementallyAndReusesUnchangedSnapshots) {
  MakeTable("t", 10);
  SnapshotCache cache(Options());
  auto s0 = cache.GetLatest("t");
  ASSERT_TRUE(s0);
  EXPECT_EQ(cache.stats().full_loads, 1);
  auto again = cache.GetLatest("t");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->get(), s0->get());
  tables["t"].Commit(1, {AddLine("new")});
  auto s1 = cache.GetLatest("t");
  ASSERT_TRUE(s1);
  EXPECT_EQ((*s1)->version(), 1);
  EXPECT_EQ((*s1)->files().size(), 11u);
  EXPECT_EQ((*s1)->load_stats().commits_read, 1);  // only the new commit was read
  EXPECT_EQ(cache.stats().full_loads, 1);
  EXPECT_EQ(cache.stats().refreshes, 2);
}

TEST_F(SnapshotCacheTest, RefreshIntervalServesFromMemory) {
  MakeTable("t", 1);
  auto options = Options();
  options.refresh_interval_ms = 1000;
  SnapshotCache cache(options);
  ASSERT_TRUE(cache.GetLatest("t"));
  tables["t"].Commit(1, {AddLine("new")});
  clock.Advance(500);
  EXPECT_EQ((*cache.GetLatest("t"))->version(), 0);
  EXPECT_EQ(cache.stats().hits, 1);
  clock.Advance(1000);
  EXPECT_EQ((*cache.GetLatest("t"))->version(), 1);
}

TEST_F(SnapshotCacheTest, HistoricalVersionsAreCachedSeparately) {
  MakeTable("t", 3);
  tables["t"].Commit(1, {AddLine("x")});
  SnapshotCache cache(Options());
  auto v0 = cache.GetVersion("t", 0);
  ASSERT_TRUE(v0);
  EXPECT_EQ((*v0)->files().size(), 3u);
  auto v0b = cache.GetVersion("t", 0);
  EXPECT_EQ(v0b->get(), v0->get());
  auto latest = cache.GetVersion("t", 1);
  EXPECT_EQ(latest->get(), cache.GetLatest("t")->get());
  EXPECT_EQ(cache.GetVersion("t", 9).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(cache.GetLatest("missing").error().code, ErrorCode::kNotFound);
}

TEST_F(SnapshotCacheTest, MemoryBudgetEvictsLeastRecentlyUsed) {
  for (const char* name : {"a", "b", "c"}) {
    MakeTable(name, 2000);
  }
  auto options = Options();
  SnapshotCache probe(options);
  ASSERT_TRUE(probe.GetLatest("a"));
  const size_t one = probe.memory_usage();
  ASSERT_GT(one, 0u);
  options.memory_budget_bytes = one * 2 + one / 2;  // room for two tables
  SnapshotCache cache(options);
  ASSERT_TRUE(cache.GetLatest("a"));
  ASSERT_TRUE(cache.GetLatest("b"));
  ASSERT_TRUE(cache.GetLatest("a"));  // a is now more recent than b
  ASSERT_TRUE(cache.GetLatest("c"));  // evicts b
  EXPECT_EQ(cache.stats().evictions, 1);
  EXPECT_EQ(cache.num_entries(), 2u);
  EXPECT_LE(cache.memory_usage(), options.memory_budget_bytes);
  const int64_t loads = cache.stats().full_loads;
  ASSERT_TRUE(cache.GetLatest("a"));
  EXPECT_EQ(cache.stats().full_loads, loads);  // still cached
  ASSERT_TRUE(cache.GetLatest("b"));
  EXPECT_EQ(cache.stats().full_loads, loads + 1);  // was evicted
}

TEST_F(SnapshotCacheTest, ConcurrentRequestsShareOneLoad) {
  MakeTable("t", 500);
  SnapshotCache cache(Options());
  std::vector<std::thread> threads;
  std::vector<const Snapshot*> seen(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto s = cache.GetLatest("t");
      seen[i] = s ? s->get() : nullptr;
    });
  }
  for (auto& th : threads) {
    th.join();
  }
  EXPECT_EQ(cache.stats().full_loads, 1);
  for (auto* p : seen) {
    EXPECT_EQ(p, seen[0]);
  }
}

TEST_F(SnapshotCacheTest, InvalidateDropsEveryVersion) {
  MakeTable("t", 1);
  tables["t"].Commit(1, {AddLine("x")});
  SnapshotCache cache(Options());
  ASSERT_TRUE(cache.GetVersion("t", 0));
  EXPECT_EQ(cache.num_entries(), 2u);
  cache.Invalidate("t");
  EXPECT_EQ(cache.num_entries(), 0u);
  EXPECT_EQ(cache.memory_usage(), 0u);
}

}  // namespace
}  // namespace lakeshare::delta
