#include "delta/history.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <limits>

#include "common/result_testing.h"
#include "common/temp_dir.h"
#include "delta/action_reader_internal.h"
#include "delta/change_feed.h"
#include "delta/commit_timeline.h"
#include "delta/delta_test_util.h"
#include "delta/local_copy_test_util.h"
#include "storage/memory_object_store.h"

namespace lakeshare::delta {
namespace {

using namespace testing;  // the table builders of delta/delta_test_util.h

const std::string kSchema = SchemaString({{"id", "long"}});

std::shared_ptr<const Snapshot> Latest(const TestTable& t) {
  auto s = t.Load();
  EXPECT_TRUE(s) << (s ? "" : s.error().message);
  return *s;
}

// ---- Timestamp resolution -----------------------------------------------------------------------

class FileTimeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    t.Commit(0, {ProtocolLine(), MetadataLine(kSchema), AddLine("a")}, 1000);
    t.Commit(1, {AddLine("b")}, 2000);
    t.Commit(2, {AddLine("c")}, 3000);
  }
  Result<Version> At(int64_t ts, TimestampBound b) { return VersionAtTimestamp(*Latest(t), ts, b); }
  TestTable t;
};

TEST_F(FileTimeTest, LatestCommitAtOrBefore) {
  EXPECT_EQ(*At(1000, TimestampBound::kLatestAtOrBefore), 0);
  EXPECT_EQ(*At(1999, TimestampBound::kLatestAtOrBefore), 0);
  EXPECT_EQ(*At(2000, TimestampBound::kLatestAtOrBefore), 1);
  EXPECT_EQ(*At(99999, TimestampBound::kLatestAtOrBefore), 2);
  EXPECT_TRUE(FailsWith(At(999, TimestampBound::kLatestAtOrBefore), ErrorCode::kInvalidArgument,
                        "before the earliest available table version 0"));
}

TEST_F(FileTimeTest, EarliestCommitAtOrAfter) {
  EXPECT_EQ(*At(0, TimestampBound::kEarliestAtOrAfter), 0);
  EXPECT_EQ(*At(1000, TimestampBound::kEarliestAtOrAfter), 0);
  EXPECT_EQ(*At(1001, TimestampBound::kEarliestAtOrAfter), 1);
  EXPECT_EQ(*At(3000, TimestampBound::kEarliestAtOrAfter), 2);
  EXPECT_TRUE(FailsWith(At(3001, TimestampBound::kEarliestAtOrAfter), ErrorCode::kInvalidArgument,
                        "after the latest table version 2"));
}

TEST_F(FileTimeTest, FileTimesAreMadeIncreasing) {
  // Commit 1 written with a clock that went backwards: it counts as 1 ms after commit 0.
  t.Commit(1, {AddLine("b")}, 500);
  auto times = CommitTimestamps(*Latest(t), 0, 2);
  ASSERT_TRUE(times);
  ASSERT_EQ(times->size(), 3u);
  EXPECT_EQ((*times)[0].timestamp_ms, 1000);
  EXPECT_EQ((*times)[1].timestamp_ms, 1001);
  EXPECT_EQ((*times)[2].timestamp_ms, 3000);
  EXPECT_EQ(*At(1001, TimestampBound::kLatestAtOrBefore), 1);
}

// A provider's file times near INT64_MAX: "1 ms after the previous commit" overflowed int64
// (undefined behaviour, caught by UBSan); it saturates at INT64_MAX.
TEST_F(FileTimeTest, FileTimesAtTheEndOfInt64Saturate) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  t.Commit(0, {ProtocolLine(), MetadataLine(kSchema), AddLine("a")}, kMax - 1);
  t.Commit(1, {AddLine("b")}, kMax);
  t.Commit(2, {AddLine("c")}, kMax);
  t.Commit(3, {AddLine("d")}, 5);
  auto times = CommitTimestamps(*Latest(t), 0, 3);
  ASSERT_TRUE(times) << times.error().message;
  ASSERT_EQ(times->size(), 4u);
  EXPECT_EQ((*times)[0].timestamp_ms, kMax - 1);
  EXPECT_EQ((*times)[1].timestamp_ms, kMax);
  EXPECT_EQ((*times)[2].timestamp_ms, kMax);
  EXPECT_EQ((*times)[3].timestamp_ms, kMax);
  EXPECT_EQ(*At(kMax - 1, TimestampBound::kLatestAtOrBefore), 0);
  EXPECT_EQ(*At(kMax, TimestampBound::kEarliestAtOrAfter), 1);
  EXPECT_EQ(*At(kMax, TimestampBound::kLatestAtOrBefore), 3);
}

TEST_F(FileTimeTest, SnapshotTimestampIsTheCommitFileTime) {
  EXPECT_EQ(Latest(t)->timestamp_ms(), 3000);
  EXPECT_EQ((*t.Load(1))->timestamp_ms(), 2000);
}

class InCommitTimestampTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Versions 0-1 without ICT; ICT enabled at version 2 with timestamp 50000. File times are
    // deliberately unrelated to the in-commit timestamps.
    t.Commit(0,
             {ProtocolLine(1, 7, std::nullopt, std::vector<std::string>{"inCommitTimestamp"}),
              MetadataLine(kSchema), AddLine("a")},
             1000);
    t.Commit(1, {AddLine("b")}, 2000);
    t.Commit(2,
             {CommitInfoLine(50000),
              MetadataLine(kSchema, {},
                           {{"delta.enableInCommitTimestamps", "true"},
                            {"delta.inCommitTimestampEnablementVersion", "2"},
                            {"delta.inCommitTimestampEnablementTimestamp", "50000"}})},
             9999999);
    t.Commit(3, {CommitInfoLine(60000), AddLine("c")}, 5);
    t.Commit(4, {CommitInfoLine(70000), AddLine("d")}, 6);
  }
  TestTable t;
};

TEST_F(InCommitTimestampTest, SnapshotUsesTheInCommitTimestamp) {
  EXPECT_EQ(Latest(t)->timestamp_ms(), 70000);
  EXPECT_EQ((*t.Load(3))->timestamp_ms(), 60000);
  EXPECT_EQ((*t.Load(1))->timestamp_ms(), 2000);  // before enablement: file time
}

TEST_F(InCommitTimestampTest, TimeTravelSearchesTheRightRange) {
  auto s = Latest(t);
  EXPECT_EQ(*VersionAtTimestamp(*s, 65000, TimestampBound::kLatestAtOrBefore), 3);
  EXPECT_EQ(*VersionAtTimestamp(*s, 70000, TimestampBound::kLatestAtOrBefore), 4);
  EXPECT_EQ(*VersionAtTimestamp(*s, 50000, TimestampBound::kLatestAtOrBefore), 2);
  EXPECT_EQ(*VersionAtTimestamp(*s, 1500, TimestampBound::kLatestAtOrBefore), 0);
  // Before the enablement timestamp: only versions before 2, by file time.
  EXPECT_EQ(*VersionAtTimestamp(*s, 49999, TimestampBound::kLatestAtOrBefore), 1);
  EXPECT_EQ(*VersionAtTimestamp(*s, 55000, TimestampBound::kEarliestAtOrAfter), 3);
  EXPECT_EQ(*VersionAtTimestamp(*s, 1500, TimestampBound::kEarliestAtOrAfter), 1);
  EXPECT_EQ(*VersionAtTimestamp(*s, 2500, TimestampBound::kEarliestAtOrAfter), 2);
  auto times = CommitTimestamps(*s, 0, 4);
  ASSERT_TRUE(times);
  EXPECT_TRUE((*times)[3].in_commit);
  EXPECT_EQ((*times)[3].timestamp_ms, 60000);
  EXPECT_FALSE((*times)[1].in_commit);
}

TEST_F(InCommitTimestampTest, OnlyTheFirstLineOfACommitIsReadForItsTimestamp) {
  // The in-commit timestamp is in the commitInfo, the commit's first line; the rest of a commit
  // may be of any size (a sparse file costs a local table's provider no disk). Read whole, each
  // history request cost a commit's size in memory (16 GiB passed), and a larger commit was
  // refused as corrupt. Here commit 3, covered by a checkpoint, gets a sparse 17 GiB tail.
  t.Commit(5, {CommitInfoLine(80000), AddLine("e")}, 7);
  t.WriteParquetCheckpoint(
      "_delta_log/00000000000000000004.checkpoint.parquet",
      {ProtocolLine(1, 7, std::nullopt, std::vector<std::string>{"inCommitTimestamp"}),
       MetadataLine(kSchema, {},
                    {{"delta.enableInCommitTimestamps", "true"},
                     {"delta.inCommitTimestampEnablementVersion", "2"},
                     {"delta.inCommitTimestampEnablementTimestamp", "50000"}}),
       AddLine("a"), AddLine("b"), AddLine("c"), AddLine("d")});
  TempDir dir;
  auto local = CopyToLocal(t, dir.path().string());
  ASSERT_TRUE(local) << local.error().message;
  std::filesystem::resize_file(dir.path() / CommitName(3), uint64_t{17} << 30);
  auto s = Snapshot::Load(*local);
  ASSERT_TRUE(s) << s.error().message;
  auto times = CommitTimestamps(**s, 2, 5);
  ASSERT_TRUE(times) << times.error().message;
  ASSERT_EQ(times->size(), 4u);
  EXPECT_EQ((*times)[1].timestamp_ms, 60000);
  EXPECT_TRUE((*times)[1].in_commit);
  EXPECT_EQ(*VersionAtTimestamp(**s, 65000, TimestampBound::kLatestAtOrBefore), 3);
}

TEST(ReadFirstCommitInfoTest, ReadsTheFirstLineUpToItsLimit) {
  const std::string info = CommitInfoLine(123);
  const std::string rest = "\n" + AddLine("a") + "\n" + std::string(100'000, ' ') + "\n";
  // A first line past the first 64 KiB block, read in several.
  const std::string long_info =
      R"({"commitInfo":{"inCommitTimestamp":5,"pad":")" + std::string(300'000, 'x') + R"("}})";
  struct Case {
    std::string bytes;
    size_t max_line_bytes;
    std::optional<int64_t> ict;  // nullopt: no commitInfo first
    const char* error = nullptr;
  };
  const Case cases[] = {
      {info + rest, info.size(), 123},
      {info, info.size(), 123},  // no newline at all
      {info + rest, info.size() - 1, std::nullopt, "a line longer than"},
      {info, info.size() - 1, std::nullopt, "a line longer than"},
      {long_info + rest, kMaxJsonLineBytes, 5},
      {long_info, 200'000, std::nullopt, "a line longer than 200000 bytes"},
      {AddLine("a") + "\n" + info, kMaxJsonLineBytes, std::nullopt},
      {"", kMaxJsonLineBytes, std::nullopt},
  };
  storage::MemoryObjectStore store;
  for (const Case& c : cases) {
    ASSERT_TRUE(store.Put("c.json", c.bytes));
    auto got = ReadFirstCommitInfo(store, "c.json", c.max_line_bytes);
    if (c.error != nullptr) {
      EXPECT_TRUE(FailsWith(got, ErrorCode::kCorrupt, c.error)) << c.bytes.substr(0, 80);
      continue;
    }
    ASSERT_TRUE(got) << got.error().message;
    ASSERT_EQ(got->has_value(), c.ict.has_value()) << c.bytes.substr(0, 80);
    if (c.ict) {
      EXPECT_EQ(*(*got)->InCommitTimestamp(), c.ict);
    }
  }
}

TEST_F(InCommitTimestampTest, AMistypedEnablementVersionIsCorruptNotVersionZero) {
  // Read as absent, "two" made every commit's inCommitTimestamp count, from version 0 on.
  t.Commit(5,
           {CommitInfoLine(80000),
            MetadataLine(kSchema, {},
                         {{"delta.enableInCommitTimestamps", "true"},
                          {"delta.inCommitTimestampEnablementVersion", "two"},
                          {"delta.inCommitTimestampEnablementTimestamp", "50000"}})},
           7);
  EXPECT_TRUE(FailsWith(t.Load(), ErrorCode::kCorrupt,
                        "table property 'delta.inCommitTimestampEnablementVersion' is not a whole "
                        "number"));
  auto before = t.Load(4);  // the versions before it still load
  ASSERT_TRUE(before.has_value()) << before.error().ToString();
  EXPECT_EQ((*before)->timestamp_ms(), 70000);
}

TEST_F(InCommitTimestampTest, AMistypedInCommitTimestampIsCorruptOnlyWhereTheTableUsesIt) {
  // *In-Commit Timestamps*: readers use inCommitTimestamp from the enablement version on; before
  // it (and in tables without the feature) commitInfo is free-form data that nothing reads.
  const std::string mistyped = R"({"commitInfo":{"inCommitTimestamp":"soon"}})";
  t.Commit(1, {mistyped, AddLine("b")}, 2000);
  auto s = Latest(t);
  ASSERT_TRUE(s);
  EXPECT_EQ((*t.Load(1))->timestamp_ms(), 2000);
  auto times = CommitTimestamps(*s, 0, 4);
  ASSERT_TRUE(times) << times.error().ToString();
  EXPECT_EQ((*times)[1].timestamp_ms, 2000);
  // From the enablement version on it is the commit's time: mistyped, it is corrupt, not the
  // file time.
  t.Commit(3, {mistyped, AddLine("c")}, 5);
  const char* kError = "commitInfo action whose inCommitTimestamp";
  EXPECT_TRUE(FailsWith(t.Load(3), ErrorCode::kCorrupt, kError));
  s = Latest(t);  // version 4 has its own, well-typed, commitInfo
  ASSERT_TRUE(s);
  EXPECT_TRUE(FailsWith(CommitTimestamps(*s, 0, 4), ErrorCode::kCorrupt, kError));
}

// ---- Change data feed ---------------------------------------------------------------------------

std::map<std::string, std::string> Cdf() { return {{"delta.enableChangeDataFeed", "true"}}; }

std::vector<std::string> Describe(const std::vector<CommitChanges>& changes) {
  std::vector<std::string> out;
  for (const auto& c : changes) {
    std::string line = std::to_string(c.version) + "@" + std::to_string(c.timestamp_ms) + ":";
    if (c.metadata) {
      line += " metaData";
    }
    if (c.protocol) {
      line += " protocol";
    }
    for (const auto& a : c.actions) {
      line += " " + std::string(FileActionTypeName(a.type)) + "(" + a.path + ")";
    }
    out.push_back(line);
  }
  return out;
}

TEST(ChangeFeedTest, CdcFilesWinOverAddAndRemove) {
  TestTable t;
  t.Commit(0, {ProtocolLine(1, 4), MetadataLine(kSchema, {}, Cdf()), AddLine("a"), AddLine("b")});
  t.Commit(1, {RemoveLine("a"), AddLine("a2"), CdcLine("_change_data/c1")});
  t.Commit(2, {RemoveLine("b")});
  t.Commit(3, {RemoveLine("a2", std::nullopt, false),
               AddLine("a3", {}, 1, "", std::nullopt, false)});  // OPTIMIZE
  auto changes = ReadChangeFeed(t.store(), ChangeFeedOptions{0, std::nullopt});
  ASSERT_TRUE(changes) << changes.error().message;
  EXPECT_EQ(Describe(*changes), (std::vector<std::string>{"0@1000: metaData protocol add(a) add(b)",
                                                          "1@2000: cdc(_change_data/c1)",
                                                          "2@3000: remove(b)", "3@4000:"}));
  EXPECT_TRUE((*changes)[1].from_cdc_files);
  EXPECT_FALSE((*changes)[2].from_cdc_files);
  // The JSON text of each action is kept for re-emission.
  EXPECT_EQ((*changes)[2].actions[0].json,
            R"({"path":"b","deletionTimestamp":5,"dataChange":true})");
  auto middle = ReadChangeFeed(t.store(), ChangeFeedOptions{1, 2});
  ASSERT_TRUE(middle);
  EXPECT_EQ(middle->size(), 2u);
}

TEST(ChangeFeedTest, DataActionsOnlyIgnoresCdcFiles) {
  TestTable t;
  t.Commit(0, {ProtocolLine(1, 4), MetadataLine(kSchema, {}, Cdf()), AddLine("a")});
  t.Commit(1, {RemoveLine("a"), AddLine("a2"), CdcLine("_change_data/c1")});
  t.Commit(2, {RemoveLine("a2", std::nullopt, false),
               AddLine("a3", {}, 1, "", std::nullopt, false)});  // OPTIMIZE
  ChangeFeedOptions options{0, std::nullopt};
  options.data_actions_only = true;
  auto changes = ReadChangeFeed(t.store(), options);
  ASSERT_TRUE(changes) << changes.error().message;
  EXPECT_EQ(Describe(*changes), (std::vector<std::string>{"0@1000: metaData protocol add(a)",
                                                          "1@2000: remove(a) add(a2)", "2@3000:"}));
  EXPECT_FALSE((*changes)[1].from_cdc_files);
}

TEST(ChangeFeedTest, CommitTimesAgreeWithTimeTravel) {
  // Commit 1 was written with a clock that went backwards; the feed reports the same increasing
  // times as VersionAtTimestamp / CommitTimestamps, also when the range starts after it.
  TestTable t;
  t.Commit(0, {ProtocolLine(1, 4), MetadataLine(kSchema, {}, Cdf()), AddLine("a")}, 1000);
  t.Commit(1, {AddLine("b")}, 500);
  t.Commit(2, {AddLine("c")}, 700);
  t.Commit(3, {AddLine("d")}, 5000);
  auto times = CommitTimestamps(*Latest(t), 0, 3);
  ASSERT_TRUE(times);
  auto all = ReadChangeFeed(t.store(), ChangeFeedOptions{0, std::nullopt});
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), times->size());
  for (size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].timestamp_ms, (*times)[i].timestamp_ms) << "version " << i;
  }
  EXPECT_EQ((*all)[2].timestamp_ms, 1002);
  auto tail = ReadChangeFeed(t.store(), ChangeFeedOptions{2, 3});
  ASSERT_TRUE(tail);
  EXPECT_EQ((*tail)[0].timestamp_ms, 1002);
  EXPECT_EQ((*tail)[1].timestamp_ms, 5000);
  EXPECT_EQ(*VersionAtTimestamp(*Latest(t), 1002, TimestampBound::kEarliestAtOrAfter), 2);
}

// The feed's copy of "1 ms after the previous commit" did not saturate: two commits at INT64_MAX
// (a local file time past the range of milliseconds saturates there) overflowed int64
// (undefined behaviour; INT64_MIN in practice), so the feed and time travel disagreed.
TEST(ChangeFeedTest, FileTimesAtTheEndOfInt64Saturate) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  TestTable t;
  t.Commit(0, {ProtocolLine(1, 4), MetadataLine(kSchema, {}, Cdf()), AddLine("a")}, kMax);
  t.Commit(1, {AddLine("b")}, kMax);
  auto all = ReadChangeFeed(t.store(), ChangeFeedOptions{0, std::nullopt});
  ASSERT_TRUE(all) << all.error().message;
  auto times = CommitTimestamps(*Latest(t), 0, 1);
  ASSERT_TRUE(times);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].timestamp_ms, kMax);
  EXPECT_EQ((*all)[1].timestamp_ms, (*times)[1].timestamp_ms);
}

TEST(IncreasingFileTimeTest, StrictlyIncreasingAndSaturating) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(IncreasingFileTime(std::nullopt, -5), -5);
  EXPECT_EQ(IncreasingFileTime(1000, 2000), 2000);
  EXPECT_EQ(IncreasingFileTime(1000, 1000), 1001);
  EXPECT_EQ(IncreasingFileTime(1000, 3), 1001);
  EXPECT_EQ(IncreasingFileTime(kMax, 5), kMax);
  EXPECT_EQ(IncreasingFileTime(kMax - 1, kMax - 1), kMax);
}

TEST(ChangeFeedTest, CdfMustBeEnabledForTheWholeRange) {
  TestTable t;
  t.Commit(0, {ProtocolLine(1, 4), MetadataLine(kSchema), AddLine("a")});
  t.Commit(1, {MetadataLine(kSchema, {}, Cdf())});
  t.Commit(2, {AddLine("b")});
  t.Commit(3, {MetadataLine(kSchema, {}, {{"delta.enableChangeDataFeed", "false"}})});
  t.Commit(4, {AddLine("c")});
  EXPECT_TRUE(FailsWith(ReadChangeFeed(t.store(), ChangeFeedOptions{0, 2}), ErrorCode::kUnsupported,
                        "not enabled for table version 0"));
  auto ok = ReadChangeFeed(t.store(), ChangeFeedOptions{1, 2});
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(Describe(*ok), (std::vector<std::string>{"1@2000: metaData", "2@3000: add(b)"}));
  auto past = ReadChangeFeed(t.store(), ChangeFeedOptions{2, 4});
  ASSERT_FALSE(past);
  EXPECT_NE(past.error().message.find("not enabled for table version 3"), std::string::npos);
  ChangeFeedOptions raw{0, 4};
  raw.require_cdf_enabled = false;
  EXPECT_TRUE(ReadChangeFeed(t.store(), raw));
}

TEST(ChangeFeedTest, RangeErrors) {
  TestTable t;
  t.Commit(0, {ProtocolLine(1, 4), MetadataLine(kSchema, {}, Cdf())});
  t.Commit(1, {AddLine("a")});
  EXPECT_EQ(ReadChangeFeed(t.store(), ChangeFeedOptions{1, 0}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(ReadChangeFeed(t.store(), ChangeFeedOptions{2, std::nullopt}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(ReadChangeFeed(t.store(), ChangeFeedOptions{0, 5}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(ReadChangeFeed(t.store(), ChangeFeedOptions{-1, 1}).error().code,
            ErrorCode::kInvalidArgument);
  t.WriteParquetCheckpoint("_delta_log/00000000000000000001.checkpoint.parquet",
                           {ProtocolLine(1, 4), MetadataLine(kSchema, {}, Cdf()), AddLine("a")});
  t.Delete(testing::CommitName(0));
  EXPECT_TRUE(FailsWith(ReadChangeFeed(t.store(), ChangeFeedOptions{0, 1}), ErrorCode::kNotFound));
  EXPECT_TRUE(ReadChangeFeed(t.store(), ChangeFeedOptions{1, 1}));
}

TEST(ChangeFeedTest, InCommitTimestampsAreTheCommitTimes) {
  TestTable t;
  t.Commit(0,
           {CommitInfoLine(500),
            ProtocolLine(1, 7, std::nullopt, std::vector<std::string>{"inCommitTimestamp"}),
            MetadataLine(kSchema, {},
                         {{"delta.enableChangeDataFeed", "true"},
                          {"delta.enableInCommitTimestamps", "true"}}),
            AddLine("a")},
           77);
  t.Commit(1, {CommitInfoLine(600), AddLine("b")}, 78);
  auto changes = ReadChangeFeed(t.store(), ChangeFeedOptions{0, std::nullopt});
  ASSERT_TRUE(changes);
  EXPECT_EQ((*changes)[0].timestamp_ms, 500);
  EXPECT_EQ((*changes)[1].timestamp_ms, 600);
  t.Commit(2, {R"({"commitInfo":{"inCommitTimestamp":"soon"}})", AddLine("c")}, 79);
  EXPECT_TRUE(FailsWith(ReadChangeFeed(t.store(), ChangeFeedOptions{2, 2}), ErrorCode::kCorrupt,
                        "commitInfo action whose inCommitTimestamp"));
}

}  // namespace
}  // namespace lakeshare::delta
