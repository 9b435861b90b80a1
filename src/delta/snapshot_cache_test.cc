#include "delta/snapshot_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "common/clock.h"
#include "common/result_testing.h"
#include "delta/delta_test_util.h"
#include "delta/snapshot_internal.h"
#include "storage/storage_test_util.h"

namespace lakeshare::delta {
namespace {

using namespace testing;  // the table builders of delta/delta_test_util.h

const std::string kSchema = SchemaString({{"id", "long"}});

using storage::testing_util::CountingObjectStore;

// A gate a test opens once: Wait() blocks the loading thread (after saying it arrived) until Open().
class Gate {
 public:
  void Wait() {
    arrived_.set_value();
    opened_.wait();
  }
  void AwaitArrival() { arrived_.get_future().wait(); }
  void Open() { open_.set_value(); }

 private:
  std::promise<void> arrived_;
  std::promise<void> open_;
  std::shared_future<void> opened_ = open_.get_future().share();
};

// A store whose listings stop at `gate` while it is armed (once).
class GatedStore final : public storage::testing_util::ForwardingObjectStore {
 public:
  using ForwardingObjectStore::ForwardingObjectStore;
  Result<std::vector<storage::ObjectInfo>> List(std::string_view prefix,
                                                std::string_view start_after) const override {
    if (armed.exchange(false)) {
      gate.Wait();
    }
    return ForwardingObjectStore::List(prefix, start_after);
  }

  mutable std::atomic<bool> armed{false};
  mutable Gate gate;
};

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

// A provider's hostile log (here a commit line past the line limit) cost its whole work again on
// every request: the failure is remembered for failure_ttl_ms, and a fixed log is read after it.
TEST_F(SnapshotCacheTest, AFailureFromTheTablesContentIsRememberedForItsTtl) {
  MakeTable("t", 1);
  // A line is refused once more than the limit is read without a newline (blocks of 256 KiB).
  tables["t"].Commit(1, {AddLine(std::string(300 << 10, 'x'))});
  auto counting = std::make_shared<CountingObjectStore>(tables["t"].store());
  auto options = Options();
  options.open_store =
      [&](const std::string&) -> Result<std::shared_ptr<const storage::ObjectStore>> {
    return std::shared_ptr<const storage::ObjectStore>(counting);
  };
  options.max_json_line_bytes = 4096;
  options.failure_ttl_ms = 5000;
  SnapshotCache cache(options);
  EXPECT_TRUE(FailsWith(cache.GetLatest("t"), ErrorCode::kCorrupt, "a line longer than 4096"));
  const int64_t reads = counting->reads;
  ASSERT_GT(reads, 0);
  clock.Advance(4999);
  EXPECT_TRUE(FailsWith(cache.GetLatest("t"), ErrorCode::kCorrupt, "a line longer than 4096"));
  EXPECT_TRUE(FailsWith(cache.GetVersion("t", 0), ErrorCode::kCorrupt, "a line longer"));
  EXPECT_EQ(counting->reads, reads);  // answered from memory
  EXPECT_EQ(cache.stats().failure_hits, 2);
  EXPECT_EQ(cache.stats().failures_remembered, 1);

  tables["t"].Commit(1, {AddLine("fixed")});
  EXPECT_FALSE(cache.GetLatest("t"));  // still within the TTL
  clock.Advance(1);
  auto fixed = cache.GetLatest("t");
  ASSERT_TRUE(fixed) << fixed.error().message;
  EXPECT_EQ((*fixed)->version(), 1);
  EXPECT_GT(counting->reads, reads);
}

TEST_F(SnapshotCacheTest, AFailedHistoricalVersionIsRememberedUnderItsOwnKey) {
  MakeTable("t", 1);
  tables["t"].Put("_delta_log/00000000000000000000.json", "{not json\n");
  tables["t"].WriteParquetCheckpoint("_delta_log/00000000000000000001.checkpoint.parquet",
                                     {ProtocolLine(), MetadataLine(kSchema), AddLine("a")});
  tables["t"].Commit(1, {AddLine("a")});
  tables["t"].Commit(2, {AddLine("b")});
  auto counting = std::make_shared<CountingObjectStore>(tables["t"].store());
  auto options = Options();
  options.open_store =
      [&](const std::string&) -> Result<std::shared_ptr<const storage::ObjectStore>> {
    return std::shared_ptr<const storage::ObjectStore>(counting);
  };
  SnapshotCache cache(options);
  ASSERT_TRUE(cache.GetLatest("t"));
  EXPECT_EQ(cache.GetVersion("t", 0).error().code, ErrorCode::kCorrupt);
  const int64_t reads = counting->reads;
  EXPECT_EQ(cache.GetVersion("t", 0).error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(counting->reads, reads);
  EXPECT_TRUE(cache.GetLatest("t"));  // the latest is not touched by it
  cache.Invalidate("t");
  EXPECT_EQ(cache.GetVersion("t", 0).error().code, ErrorCode::kCorrupt);
  EXPECT_GT(counting->reads, reads);  // Invalidate forgot it
}

// Outages and missing objects are not remembered: the next request tries again.
TEST_F(SnapshotCacheTest, StorageFailuresAreNotRemembered) {
  MakeTable("t", 1);
  SnapshotCache cache(Options());
  tables["t"].Delete("_delta_log/00000000000000000000.json");
  EXPECT_EQ(cache.GetLatest("t").error().code, ErrorCode::kNotFound);
  MakeTable("t", 1);
  EXPECT_TRUE(cache.GetLatest("t"));
  EXPECT_EQ(cache.stats().failures_remembered, 0);
  // kResourceExhausted: a load meets it only as std::bad_alloc, which other loads may cause.
  for (ErrorCode code : {ErrorCode::kUnavailable, ErrorCode::kNotFound, ErrorCode::kInternal,
                         ErrorCode::kPermissionDenied, ErrorCode::kResourceExhausted}) {
    EXPECT_FALSE(IsTableContentError(Error(code, "x"))) << ErrorCodeName(code);
  }
  for (ErrorCode code : {ErrorCode::kCorrupt, ErrorCode::kUnsupported}) {
    EXPECT_TRUE(IsTableContentError(Error(code, "x"))) << ErrorCodeName(code);
  }
}

// A request for a version that cannot be loaded (its commits vacuumed) left an empty entry behind,
// never evicted while the cache stayed under its memory budget: a partner asking version=0, 1, 2,
// ... of a long table grew the cache by one entry per request.
TEST_F(SnapshotCacheTest, FailedLoadsLeaveNoEntryBehind) {
  MakeTable("t", 1);
  tables["t"].Commit(1, {AddLine("b")});
  tables["t"].Commit(2, {AddLine("c")});
  tables["t"].WriteParquetCheckpoint(
      "_delta_log/00000000000000000002.checkpoint.parquet",
      {ProtocolLine(), MetadataLine(kSchema), AddLine("t0"), AddLine("b"), AddLine("c")});
  tables["t"].Delete("_delta_log/00000000000000000000.json");
  tables["t"].Delete("_delta_log/00000000000000000001.json");
  SnapshotCache cache(Options());
  ASSERT_TRUE(cache.GetLatest("t"));
  for (Version v : {0, 1, 0, 1}) {
    EXPECT_EQ(cache.GetVersion("t", v).error().code, ErrorCode::kNotFound) << v;
  }
  EXPECT_EQ(cache.num_entries(), 1u);
  EXPECT_EQ(cache.GetLatest("nowhere").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(cache.num_entries(), 1u);
}

TEST_F(SnapshotCacheTest, RememberedFailuresAreBounded) {
  auto options = Options();
  options.max_failures = 2;
  options.failure_ttl_ms = 1000;
  SnapshotCache cache(options);
  for (const char* name : {"a", "b", "c"}) {
    tables[name].Put("_delta_log/00000000000000000000.json", "{not json\n");
    EXPECT_EQ(cache.GetLatest(name).error().code, ErrorCode::kCorrupt);
    clock.Advance(1);  // a is the oldest
  }
  // Past max_failures a new failure replaced none: 2 cheap failures kept an expensive table (c)
  // from being remembered. It now replaces the oldest (a).
  EXPECT_EQ(cache.stats().failures_remembered, 3);
  EXPECT_EQ(cache.num_failures(), 2u);
  EXPECT_EQ(cache.num_entries(), 2u);
  EXPECT_EQ(cache.GetLatest("c").error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(cache.GetLatest("b").error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(cache.stats().failure_hits, 2);  // b and c from memory
  EXPECT_EQ(cache.GetLatest("a").error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(cache.stats().failures_remembered, 4);  // a read again, b replaced
  clock.Advance(1000);
  tables["d"].Put("_delta_log/00000000000000000000.json", "{not json\n");
  EXPECT_EQ(cache.GetLatest("d").error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(cache.num_failures(), 1u);  // the expired ones made room
}

// failures_ counted the entries holding a failure, but a load that ended after its entry was
// dropped still counted: Invalidate uncounted an expired failure that the slot kept, and the
// thread reloading it uncounted it again (size_t wrapped): nothing was remembered any more.
TEST_F(SnapshotCacheTest, AFailureInvalidatedDuringItsReloadIsUncountedOnce) {
  for (const char* name : {"t", "u"}) {
    tables[name].Put("_delta_log/00000000000000000000.json", "{not json\n");
  }
  auto gated = std::make_shared<GatedStore>(tables["t"].store());
  auto options = Options();
  options.open_store =
      [&](const std::string& location) -> Result<std::shared_ptr<const storage::ObjectStore>> {
    if (location == "t") return std::shared_ptr<const storage::ObjectStore>(gated);
    return std::shared_ptr<const storage::ObjectStore>(tables[location].store());
  };
  options.max_failures = 1;
  options.failure_ttl_ms = 1000;
  SnapshotCache cache(options);
  EXPECT_EQ(cache.GetLatest("t").error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(cache.num_failures(), 1u);
  clock.Advance(1000);  // expired: the next request loads again
  gated->armed = true;
  std::thread reload([&] { EXPECT_EQ(cache.GetLatest("t").error().code, ErrorCode::kCorrupt); });
  gated->gate.AwaitArrival();
  cache.Invalidate("t");
  gated->gate.Open();
  reload.join();
  EXPECT_EQ(cache.num_failures(), 0u);
  EXPECT_EQ(cache.num_entries(), 0u);
  EXPECT_EQ(cache.GetLatest("u").error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(cache.num_failures(), 1u);  // still remembered
  EXPECT_EQ(cache.stats().failures_remembered, 2);
}

// A request that failed for an outage dropped its entry while a second request for the same
// table waited on it; that one then failed for the content and counted a failure on an entry no
// longer in the cache, never uncounted: after max_failures of them nothing was remembered.
TEST_F(SnapshotCacheTest, AFailureOnADroppedEntryIsNotCounted) {
  for (const char* name : {"t", "u"}) {
    tables[name].Put("_delta_log/00000000000000000000.json", "{not json\n");
  }
  Gate gate;
  std::atomic<int> opens{0};
  auto options = Options();
  options.open_store =
      [&](const std::string& location) -> Result<std::shared_ptr<const storage::ObjectStore>> {
    if (location == "t" && opens++ == 0) {
      gate.Wait();
      return MakeError(ErrorCode::kUnavailable, "store down");
    }
    return std::shared_ptr<const storage::ObjectStore>(tables[location].store());
  };
  options.max_failures = 1;
  SnapshotCache cache(options);
  std::thread first([&] { EXPECT_EQ(cache.GetLatest("t").error().code, ErrorCode::kUnavailable); });
  gate.AwaitArrival();
  std::thread second([&] { EXPECT_EQ(cache.GetLatest("t").error().code, ErrorCode::kCorrupt); });
  // The second request takes the same entry, then waits for the first's load.
  while (HoldersForTest(cache, "t") < 2) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  gate.Open();
  first.join();
  second.join();
  EXPECT_EQ(cache.num_failures(), 0u);
  EXPECT_EQ(cache.num_entries(), 0u);
  EXPECT_EQ(cache.GetLatest("u").error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(cache.num_failures(), 1u);  // there was room for it
}

// Invalidate and eviction uncount the failures of the entries they drop.
TEST_F(SnapshotCacheTest, DroppedEntriesTakeTheirFailuresAlong) {
  MakeTable("big", 200);
  tables["t"].Put("_delta_log/00000000000000000000.json", "{not json\n");
  auto options = Options();
  options.memory_budget_bytes = 1;  // any snapshot evicts every other entry
  SnapshotCache cache(options);
  EXPECT_EQ(cache.GetLatest("t").error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(cache.num_failures(), 1u);
  cache.Invalidate("t");
  EXPECT_EQ(cache.num_failures(), 0u);
  EXPECT_EQ(cache.GetLatest("t").error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(cache.num_failures(), 1u);
  ASSERT_TRUE(cache.GetLatest("big"));
  EXPECT_EQ(cache.stats().evictions, 1);
  EXPECT_EQ(cache.num_failures(), 0u);
  EXPECT_EQ(cache.num_entries(), 1u);
}

// Expired failures were reset but their entries stayed, empty and 0 bytes: a partner asking
// version=0, 1, 2, ... of a table whose old commits are corrupt left one entry per version once
// the failures expired. An expired failure's entry now leaves with it.
TEST_F(SnapshotCacheTest, ExpiredFailuresLeaveNoEntryBehind) {
  tables["t"].Put("_delta_log/00000000000000000000.json", "{not json\n");
  for (Version v = 1; v <= 3; ++v) {
    tables["t"].Commit(v, {AddLine("f" + std::to_string(v))});
  }
  tables["t"].WriteParquetCheckpoint(
      "_delta_log/00000000000000000003.checkpoint.parquet",
      {ProtocolLine(), MetadataLine(kSchema), AddLine("f1"), AddLine("f2"), AddLine("f3")});
  tables["t"].Commit(4, {AddLine("f4")});
  auto options = Options();
  options.max_failures = 1;
  options.failure_ttl_ms = 1000;
  SnapshotCache cache(options);
  ASSERT_TRUE(cache.GetLatest("t"));
  for (Version v : {0, 1, 2, 0, 1, 2}) {
    EXPECT_EQ(cache.GetVersion("t", v).error().code, ErrorCode::kCorrupt) << v;
    EXPECT_EQ(cache.num_entries(), 2u) << v;  // the latest and the one remembered failure
    EXPECT_EQ(cache.num_failures(), 1u) << v;
    clock.Advance(1000);
  }
  // The last one expires too: the next failure (of another table) sweeps it.
  tables["u"].Put("_delta_log/00000000000000000000.json", "{not json\n");
  EXPECT_EQ(cache.GetLatest("u").error().code, ErrorCode::kCorrupt);
  EXPECT_EQ(cache.num_entries(), 2u);  // t's latest and u's failure
  cache.Invalidate("t");
  cache.Invalidate("u");
  EXPECT_EQ(cache.num_entries(), 0u);
  EXPECT_EQ(cache.num_failures(), 0u);
}

}  // namespace
}  // namespace lakeshare::delta
