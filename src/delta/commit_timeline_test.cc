#include "delta/commit_timeline.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <thread>

#include "common/result_testing.h"
#include "delta/delta_test_util.h"
#include "delta/history.h"
#include "delta/snapshot_cache.h"
#include "storage/storage_test_util.h"

namespace lakeshare::delta {
namespace {

using namespace testing;  // the table builders of delta/delta_test_util.h
using storage::testing_util::CountingObjectStore;

const std::string kTimelineSchema = SchemaString({{"id", "long"}});

std::string IctMetadata(Version enablement_version, int64_t enablement_ms) {
  return MetadataLine(
      kTimelineSchema, {},
      {{"delta.enableInCommitTimestamps", "true"},
       {"delta.inCommitTimestampEnablementVersion", std::to_string(enablement_version)},
       {"delta.inCommitTimestampEnablementTimestamp", std::to_string(enablement_ms)}});
}

// A table served through a SnapshotCache (whose snapshots carry the table's timeline), next to
// the same table loaded without one: every answer of the first must be the second's.
class CommitTimelineTest : public ::testing::Test {
 protected:
  CommitTimelineTest() : counting(std::make_shared<CountingObjectStore>(table.store())) {}

  std::unique_ptr<SnapshotCache> MakeCache(CommitTimelineLimits limits = {}) {
    SnapshotCacheOptions o;
    o.open_store =
        [this](const std::string&) -> Result<std::shared_ptr<const storage::ObjectStore>> {
      return std::shared_ptr<const storage::ObjectStore>(counting);
    };
    o.timelines = limits;
    return std::make_unique<SnapshotCache>(std::move(o));
  }
  void Commits(Version from, Version to) {
    for (Version v = from; v <= to; ++v) {
      if (v == 0) {
        table.Commit(0, {ProtocolLine(), MetadataLine(kTimelineSchema), AddLine("f0")});
      } else {
        table.Commit(v, {AddLine("f" + std::to_string(v))});
      }
    }
  }
  // Every timestamp around each commit time, both bounds: the cached answer (value or message)
  // is the uncached one.
  void ExpectSameAnswers(SnapshotCache& cache, int64_t max_ms) {
    auto cached = cache.GetLatest("t");
    ASSERT_TRUE(cached) << cached.error().message;
    auto plain = table.Load();
    ASSERT_TRUE(plain) << plain.error().message;
    ASSERT_EQ((*cached)->version(), (*plain)->version());
    ASSERT_TRUE((*cached)->timeline());
    ASSERT_FALSE((*plain)->timeline());
    for (int64_t ts = 0; ts <= max_ms; ts += 250) {
      for (TimestampBound bound :
           {TimestampBound::kLatestAtOrBefore, TimestampBound::kEarliestAtOrAfter}) {
        auto want = VersionAtTimestamp(**plain, ts, bound);
        auto got = VersionAtTimestamp(**cached, ts, bound);
        ASSERT_EQ(got.has_value(), want.has_value()) << ts;
        if (want) {
          EXPECT_EQ(*got, *want) << ts;
        } else {
          EXPECT_EQ(got.error().ToString(), want.error().ToString()) << ts;
        }
      }
    }
    auto want = CommitTimestamps(**plain, 0, (*plain)->version());
    auto got = CommitTimestamps(**cached, 0, (*cached)->version());
    ASSERT_TRUE(want && got);
    ASSERT_EQ(got->size(), want->size());
    for (size_t i = 0; i < want->size(); ++i) {
      EXPECT_EQ((*got)[i].version, (*want)[i].version);
      EXPECT_EQ((*got)[i].timestamp_ms, (*want)[i].timestamp_ms);
      EXPECT_EQ((*got)[i].in_commit, (*want)[i].in_commit);
    }
  }
  Result<Version> At(SnapshotCache& cache, int64_t ts) {
    LS_ASSIGN_OR_RETURN(auto latest, cache.GetLatest("t"));
    return VersionAtTimestamp(*latest, ts, TimestampBound::kLatestAtOrBefore);
  }

  TestTable table;
  std::shared_ptr<CountingObjectStore> counting;
};

TEST_F(CommitTimelineTest, ASecondQueryListsNothingAndANewCommitIsListedAlone) {
  Commits(0, 99);  // commit v at 1000 * (v + 1)
  auto cache = MakeCache();
  ASSERT_EQ(*At(*cache, 50'500), 49);
  counting->Reset();
  ASSERT_TRUE(cache->GetLatest("t"));  // the refresh's own listing, not the timeline's
  const int64_t refresh_lists = counting->lists;
  counting->Reset();
  EXPECT_EQ(*At(*cache, 20'000), 19);
  EXPECT_EQ(counting->lists, refresh_lists);
  EXPECT_EQ(counting->stats, 2);  // commit 0 and the last listed commit are still the ones listed
  EXPECT_EQ(counting->reads, 0);

  Commits(100, 100);  // committed after the timeline was built: found, not stale
  counting->Reset();
  EXPECT_EQ(*At(*cache, 101'000), 100);
  // The refresh and the timeline each list from the versions they know, not from 0.
  EXPECT_LE(counting->objects_listed, 3);
  ExpectSameAnswers(*cache, 102'000);
}

// The measure of docs/benchmarks.md (sixteenth session): 100 timestamp queries on a table of
// 2,000 commits, the store calls without a timeline (each query lists the whole log, as before
// it) and with the cache's.
TEST_F(CommitTimelineTest, StoreCallsOfAHundredQueriesOnTwoThousandCommits) {
  Commits(0, 1999);
  auto cache = MakeCache();
  auto plain = table.Load();
  ASSERT_TRUE(plain);
  auto latest = cache->GetLatest("t");
  ASSERT_TRUE(latest);
  CountingObjectStore uncached(table.store());
  auto plain_on_counting = Snapshot::Load(std::shared_ptr<const storage::ObjectStore>(
      std::shared_ptr<storage::ObjectStore>(), &uncached));
  ASSERT_TRUE(plain_on_counting);
  uncached.Reset();
  counting->Reset();
  for (int q = 0; q < 100; ++q) {
    const int64_t ts = 1000 + q * 19'990;
    auto want = VersionAtTimestamp(**plain_on_counting, ts, TimestampBound::kLatestAtOrBefore);
    auto got = VersionAtTimestamp(**latest, ts, TimestampBound::kLatestAtOrBefore);
    ASSERT_TRUE(want && got);
    EXPECT_EQ(*got, *want);
  }
  std::printf("without a timeline: %lld lists, %lld objects listed, %lld stats, %lld reads\n",
              static_cast<long long>(uncached.lists),
              static_cast<long long>(uncached.objects_listed),
              static_cast<long long>(uncached.stats), static_cast<long long>(uncached.reads));
  std::printf("with the timeline:  %lld lists, %lld objects listed, %lld stats, %lld reads\n",
              static_cast<long long>(counting->lists),
              static_cast<long long>(counting->objects_listed),
              static_cast<long long>(counting->stats), static_cast<long long>(counting->reads));
  EXPECT_EQ(uncached.objects_listed, 100 * 2000);
  EXPECT_EQ(counting->lists, 1);  // the first query builds the timeline
  EXPECT_EQ(counting->objects_listed, 2000);
  EXPECT_EQ(counting->stats, 2 * 99);  // each later one checks commit 0 and the last commit
}

TEST_F(CommitTimelineTest, CleanupOfEarlyCommitsIsNoticed) {
  Commits(0, 9);
  table.WriteParquetCheckpoint("_delta_log/00000000000000000005.checkpoint.parquet",
                               {ProtocolLine(), MetadataLine(kTimelineSchema), AddLine("f0")});
  auto cache = MakeCache();
  EXPECT_EQ(*At(*cache, 2'500), 1);
  ExpectSameAnswers(*cache, 11'000);
  for (Version v = 0; v < 5; ++v) {
    table.Delete(CommitName(v));  // log cleanup: the checkpoint at 5 is now the start
  }
  EXPECT_TRUE(FailsWith(At(*cache, 2'500), ErrorCode::kInvalidArgument,
                        "before the earliest available table version 5"));
  ExpectSameAnswers(*cache, 11'000);
}

TEST(CommitTimelineRecreatedTest, ATableRecreatedInPlaceIsListedAgain) {
  TestTable t;
  t.Commit(0, {ProtocolLine()}, 1000);
  t.Commit(1, {AddLine("a")}, 2000);
  auto timeline = CommitTimeline::Make();
  auto first = timeline->Commits(*t.store(), 1);
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ((*first)->file_ms, (std::vector<int64_t>{1000, 2000}));
  // Deleted and written again: commit 0 has the same name and size, not the same time.
  t.Delete(CommitName(1));
  t.Commit(0, {ProtocolLine()}, 5000);
  auto second = timeline->Commits(*t.store(), 0);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ((*second)->file_ms, (std::vector<int64_t>{5000}));
}

TEST(CommitTimelineRecreatedTest, ARecreatedTableWhoseFirstCommitLooksTheSameIsListedAgain) {
  TestTable t;
  t.Commit(0, {ProtocolLine()}, 1000);
  t.Commit(1, {AddLine("a")}, 2000);
  auto timeline = CommitTimeline::Make();
  ASSERT_TRUE(timeline->Commits(*t.store(), 1));
  // Written again with a commit 0 of the same name, size and time (an object store's times are
  // to the second) and fewer commits: the last listed commit is gone.
  t.Delete(CommitName(1));
  t.Commit(0, {ProtocolLine()}, 1000);
  auto second = timeline->Commits(*t.store(), 0);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ((*second)->file_ms, (std::vector<int64_t>{1000}));
}

// A read that began on a timeline since rebuilt (cleanup, a table recreated) must not leave its
// file's in-commit timestamp under the new timeline's version.
TEST(CommitTimelineRecreatedTest, AnInCommitTimestampOfAnotherFileIsNotKept) {
  TestTable t;
  t.Commit(0, {ProtocolLine()}, 1000);
  t.Commit(1, {CommitInfoLine(50'000), AddLine("a")}, 2000);
  t.Put("_delta_log/old-00000000000000000001.json", CommitInfoLine(7'000) + "\n", 2000);
  auto timeline = CommitTimeline::Make();
  auto commits = timeline->Commits(*t.store(), 1);
  ASSERT_TRUE(commits) << commits.error().message;
  ASSERT_EQ((*commits)->commits.size(), 2u);
  CommitRef other = (*commits)->commits[1];
  const size_t name = other.file.path.rfind("00000000000000000001.json");
  ASSERT_NE(name, std::string::npos) << other.file.path;
  other.file.path.insert(name, "old-");
  auto stale = timeline->InCommitTimestamp(*t.store(), other);
  ASSERT_TRUE(stale) << stale.error().message;
  EXPECT_EQ(*stale, 7'000);
  auto real = timeline->InCommitTimestamp(*t.store(), (*commits)->commits[1]);
  ASSERT_TRUE(real) << real.error().message;
  EXPECT_EQ(*real, 50'000);
}

TEST_F(CommitTimelineTest, CleanupOfTheCheckpointItStartsAtIsNoticed) {
  Commits(3, 12);  // commits 0-2 cleaned up long ago
  table.WriteParquetCheckpoint("_delta_log/00000000000000000004.checkpoint.parquet",
                               {ProtocolLine(), MetadataLine(kTimelineSchema), AddLine("f0")});
  table.WriteParquetCheckpoint("_delta_log/00000000000000000008.checkpoint.parquet",
                               {ProtocolLine(), MetadataLine(kTimelineSchema), AddLine("f0")});
  auto cache = MakeCache();
  ExpectSameAnswers(*cache, 14'000);
  table.Delete("_delta_log/00000000000000000004.checkpoint.parquet");
  EXPECT_TRUE(FailsWith(At(*cache, 7'000), ErrorCode::kInvalidArgument,
                        "before the earliest available table version 8"));
  ExpectSameAnswers(*cache, 14'000);
}

TEST_F(CommitTimelineTest, InCommitTimestampsEnabledAfterCaching) {
  table.Commit(0,
               {ProtocolLine(1, 7, std::nullopt, std::vector<std::string>{"inCommitTimestamp"}),
                MetadataLine(kTimelineSchema), AddLine("a")},
               1000);
  table.Commit(1, {AddLine("b")}, 2000);
  auto cache = MakeCache();
  ExpectSameAnswers(*cache, 4'000);
  // Enabled at version 2; file times unrelated to the in-commit timestamps.
  table.Commit(2, {CommitInfoLine(50'000), IctMetadata(2, 50'000)}, 9'000'000);
  table.Commit(3, {CommitInfoLine(60'000), AddLine("c")}, 5);
  EXPECT_EQ(*At(*cache, 55'000), 2);
  EXPECT_EQ(*At(*cache, 49'999), 1);
  ExpectSameAnswers(*cache, 70'000);
  counting->Reset();
  EXPECT_EQ(*At(*cache, 65'000), 3);
  EXPECT_EQ(counting->reads, 0);  // the in-commit timestamps read before are remembered
}

TEST_F(CommitTimelineTest, FileTimesStayIncreasingAcrossAnExtension) {
  Commits(0, 2);
  auto cache = MakeCache();
  ExpectSameAnswers(*cache, 5'000);
  table.Commit(3, {AddLine("d")}, 500);  // a clock that went backwards: 3001
  table.Commit(4, {AddLine("e")}, 3001);
  ExpectSameAnswers(*cache, 6'000);
  EXPECT_EQ(*At(*cache, 3'001), 3);
}

TEST_F(CommitTimelineTest, ALogLongerThanTheBoundIsNotKept) {
  Commits(0, 9);
  auto cache = MakeCache(CommitTimelineLimits{/*max_commits=*/5});
  ExpectSameAnswers(*cache, 11'000);
  auto latest = cache->GetLatest("t");
  ASSERT_TRUE(latest);
  EXPECT_EQ((*latest)->timeline()->MemoryUsage(), 0u);
  counting->Reset();
  EXPECT_EQ(*At(*cache, 4'000), 3);
  EXPECT_GE(counting->objects_listed, 10);  // listed whole, as without a timeline
}

TEST(CommitTimelineBudgetTest, TheLeastRecentlyUsedTimelineIsDroppedPastTheBound) {
  TestTable a, b;
  for (Version v = 0; v < 20; ++v) {
    a.Commit(v, {v == 0 ? ProtocolLine() : AddLine("a" + std::to_string(v))});
    b.Commit(v, {v == 0 ? ProtocolLine() : AddLine("b" + std::to_string(v))});
  }
  auto one = CommitTimeline::Make();
  ASSERT_TRUE(one->Commits(*a.store(), 19));
  const size_t each = one->MemoryUsage();
  ASSERT_GT(each, 0u);

  auto budget = std::make_shared<CommitTimelineBudget>(
      CommitTimelineLimits{/*max_commits=*/100, /*max_total_bytes=*/each + each / 2});
  auto ta = CommitTimelineBudget::NewTimeline(budget);
  auto tb = CommitTimelineBudget::NewTimeline(budget);
  ASSERT_TRUE(ta->Commits(*a.store(), 19));
  EXPECT_EQ(budget->bytes(), ta->MemoryUsage());
  ASSERT_TRUE(tb->Commits(*b.store(), 19));
  EXPECT_EQ(budget->evictions(), 1);
  EXPECT_EQ(ta->MemoryUsage(), 0u);
  EXPECT_EQ(budget->bytes(), tb->MemoryUsage());
  auto again = ta->Commits(*a.store(), 19);  // rebuilt when used again, tb dropped
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->commits.size(), 20u);
  EXPECT_EQ(tb->MemoryUsage(), 0u);
  EXPECT_LE(budget->bytes(), each + each / 2);
  tb.reset();
  ta.reset();
  EXPECT_EQ(budget->bytes(), 0u);
}

TEST(CommitTimelineBudgetTest, ConcurrentUsersAndNewCommits) {
  TestTable t;
  t.Commit(0, {ProtocolLine(), MetadataLine(kTimelineSchema)});
  auto budget = std::make_shared<CommitTimelineBudget>(
      CommitTimelineLimits{/*max_commits=*/1000, /*max_total_bytes=*/4096});
  std::vector<std::shared_ptr<CommitTimeline>> timelines = {
      CommitTimelineBudget::NewTimeline(budget), CommitTimelineBudget::NewTimeline(budget)};
  std::atomic<Version> written{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      for (int n = 0; n < 200; ++n) {
        const Version latest = written.load();
        auto got = timelines[i % 2]->Commits(*t.store(), latest);
        ASSERT_TRUE(got) << got.error().message;
        ASSERT_GE((*got)->commits.size(), static_cast<size_t>(latest + 1));
        for (size_t k = 0; k < (*got)->commits.size(); ++k) {
          ASSERT_EQ((*got)->commits[k].version, static_cast<Version>(k));
        }
      }
    });
  }
  for (Version v = 1; v <= 30; ++v) {
    t.Commit(v, {AddLine("x" + std::to_string(v))});
    written = v;
  }
  for (auto& th : threads) {
    th.join();
  }
}

}  // namespace
}  // namespace lakeshare::delta
