#include "delta/log_segment.h"

#include <gtest/gtest.h>

#include "common/result_testing.h"
#include "delta/action_reader_internal.h"
#include "delta/delta_test_util.h"
#include "delta/log_files.h"

namespace lakeshare::delta {
namespace {

using namespace testing;  // the table builders of delta/delta_test_util.h

const std::string kSchema = SchemaString({{"id", "long"}});

TEST(LogFilesTest, ParsesEveryNamingScheme) {
  auto commit = ParseLogFileName("00000000000000000042.json");
  ASSERT_TRUE(commit);
  EXPECT_EQ(commit->kind, LogFileKind::kCommit);
  EXPECT_EQ(commit->version, 42);

  auto classic = ParseLogFileName("00000000000000000010.checkpoint.parquet");
  ASSERT_TRUE(classic);
  EXPECT_EQ(classic->kind, LogFileKind::kClassicCheckpoint);

  auto part = ParseLogFileName("00000000000000000010.checkpoint.0000000002.0000000003.parquet");
  ASSERT_TRUE(part);
  EXPECT_EQ(part->kind, LogFileKind::kMultiPartCheckpoint);
  EXPECT_EQ(part->part, 2);
  EXPECT_EQ(part->num_parts, 3);

  auto v2json =
      ParseLogFileName("00000000000000000010.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json");
  ASSERT_TRUE(v2json);
  EXPECT_EQ(v2json->kind, LogFileKind::kUuidCheckpoint);
  EXPECT_TRUE(v2json->is_json);
  auto v2pq = ParseLogFileName(
      "00000000000000000020.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.parquet");
  ASSERT_TRUE(v2pq);
  EXPECT_FALSE(v2pq->is_json);

  auto compaction = ParseLogFileName("00000000000000000004.00000000000000000006.compacted.json");
  ASSERT_TRUE(compaction);
  EXPECT_EQ(compaction->kind, LogFileKind::kCompaction);
  EXPECT_EQ(compaction->version, 4);
  EXPECT_EQ(compaction->end_version, 6);

  EXPECT_EQ(ParseLogFileName("00000000000000000001.crc")->kind, LogFileKind::kChecksum);
}

TEST(LogFilesTest, RejectsLookalikes) {
  EXPECT_FALSE(ParseLogFileName("0000000000000000001.json"));  // 19 digits
  EXPECT_FALSE(ParseLogFileName("00000000000000000001.json.tmp"));
  EXPECT_FALSE(ParseLogFileName("_last_checkpoint"));
  EXPECT_FALSE(ParseLogFileName(".00000000000000000001.json.crc"));
  EXPECT_FALSE(ParseLogFileName("00000000000000000006.00000000000000000004.compacted.json"));
  EXPECT_FALSE(ParseLogFileName("00000000000000000010.checkpoint.0000000004.0000000003.parquet"));
  EXPECT_FALSE(ParseLogFileName("00000000000000000010.checkpoint.not_a_uuid!.json"));
}

class LogSegmentTest : public ::testing::Test {
 protected:
  void CommitN(int n) {
    table.Commit(0, {ProtocolLine(), MetadataLine(kSchema), AddLine("f0")});
    for (int v = 1; v < n; ++v) {
      table.Commit(v, {AddLine("f" + std::to_string(v))});
    }
  }
  void Checkpoint(Version v) {
    std::vector<std::string> rows = {ProtocolLine(), MetadataLine(kSchema)};
    for (int i = 0; i <= v; ++i) {
      rows.push_back(AddLine("f" + std::to_string(i)));
    }
    table.WriteParquetCheckpoint(fmt::format("_delta_log/{:020d}.checkpoint.parquet", v), rows);
  }
  TestTable table;
};

TEST_F(LogSegmentTest, JsonOnlyLogReplaysEveryCommit) {
  CommitN(3);
  auto seg = BuildLogSegment(*table.store());
  ASSERT_TRUE(seg) << seg.error().message;
  EXPECT_EQ(seg->version, 2);
  EXPECT_FALSE(seg->checkpoint);
  ASSERT_EQ(seg->replay.size(), 3u);
  EXPECT_EQ(seg->replay[2].version, 2);
  ASSERT_TRUE(seg->last_commit);
}

TEST_F(LogSegmentTest, CheckpointHidesOlderCommits) {
  CommitN(5);
  Checkpoint(2);
  table.Delete(testing::CommitName(0));
  table.Delete(testing::CommitName(1));
  auto seg = BuildLogSegment(*table.store());
  ASSERT_TRUE(seg) << seg.error().message;
  ASSERT_TRUE(seg->checkpoint);
  EXPECT_EQ(seg->checkpoint->version, 2);
  ASSERT_EQ(seg->replay.size(), 2u);
  EXPECT_EQ(seg->replay[0].version, 3);
  auto snap = table.Load();
  ASSERT_TRUE(snap) << snap.error().message;
  EXPECT_EQ((*snap)->files().size(), 5u);
}

TEST_F(LogSegmentTest, TimeTravelUsesNoCheckpointNewerThanTheVersion) {
  CommitN(5);
  Checkpoint(3);
  auto seg = BuildLogSegment(*table.store(), 2);
  ASSERT_TRUE(seg) << seg.error().message;
  EXPECT_FALSE(seg->checkpoint);
  EXPECT_EQ(seg->replay.size(), 3u);
  auto snap = table.Load(2);
  ASSERT_TRUE(snap);
  EXPECT_EQ((*snap)->files().size(), 3u);
}

TEST_F(LogSegmentTest, MissingCommitIsCorrupt) {
  CommitN(5);
  table.Delete(testing::CommitName(3));
  EXPECT_TRUE(FailsWith(BuildLogSegment(*table.store()), ErrorCode::kCorrupt, "missing commit 3"));
}

TEST_F(LogSegmentTest, MissingFirstCommitWithoutCheckpointIsCorrupt) {
  CommitN(3);
  table.Delete(testing::CommitName(0));
  EXPECT_TRUE(FailsWith(BuildLogSegment(*table.store()), ErrorCode::kCorrupt));
}

TEST_F(LogSegmentTest, VersionBeforeTheEarliestCheckpointIsNotFound) {
  CommitN(5);
  Checkpoint(3);
  for (int v = 0; v < 3; ++v) {
    table.Delete(testing::CommitName(v));
  }
  EXPECT_TRUE(FailsWith(BuildLogSegment(*table.store(), 1), ErrorCode::kNotFound,
                        "earliest version that can be read is 3"));
}

TEST_F(LogSegmentTest, VersionAfterLatestIsNotFound) {
  CommitN(2);
  EXPECT_TRUE(
      FailsWith(BuildLogSegment(*table.store(), 7), ErrorCode::kNotFound, "latest version is 1"));
}

TEST_F(LogSegmentTest, EmptyLogIsNotFound) {
  EXPECT_TRUE(FailsWith(BuildLogSegment(*table.store()), ErrorCode::kNotFound));
}

TEST_F(LogSegmentTest, IncompleteMultiPartCheckpointIsIgnored) {
  CommitN(4);
  std::vector<std::string> part1 = {ProtocolLine(), MetadataLine(kSchema), AddLine("f0")};
  std::vector<std::string> part2 = {AddLine("f1"), AddLine("f2")};
  table.WriteParquetCheckpoint(
      "_delta_log/00000000000000000002.checkpoint.0000000001.0000000002.parquet", part1);
  // Part 2 of 2 missing at version 3.
  table.WriteParquetCheckpoint(
      "_delta_log/00000000000000000003.checkpoint.0000000001.0000000002.parquet", part1);
  auto seg = BuildLogSegment(*table.store());
  ASSERT_TRUE(seg);
  EXPECT_FALSE(seg->checkpoint);  // version 2 is incomplete too
  table.WriteParquetCheckpoint(
      "_delta_log/00000000000000000002.checkpoint.0000000002.0000000002.parquet", part2);
  seg = BuildLogSegment(*table.store());
  ASSERT_TRUE(seg);
  ASSERT_TRUE(seg->checkpoint);
  EXPECT_EQ(seg->checkpoint->version, 2);
  EXPECT_EQ(seg->checkpoint->kind, CheckpointKind::kMultiPart);
  EXPECT_EQ(seg->checkpoint->files.size(), 2u);
  for (int v = 0; v < 2; ++v) {
    table.Delete(testing::CommitName(v));
  }
  auto snap = table.Load();
  ASSERT_TRUE(snap) << snap.error().message;
  EXPECT_EQ(TestTable::Keys(**snap), (std::vector<std::string>{"f0", "f1", "f2", "f3"}));
}

TEST_F(LogSegmentTest, LastCheckpointHintMissingStaleOrCorruptStillWorks) {
  CommitN(6);
  Checkpoint(2);
  Checkpoint(4);
  // Stale: points at 2, the newer checkpoint 4 is found by listing from the hint.
  table.Put("_delta_log/_last_checkpoint", R"({"version":2,"size":5})");
  auto seg = BuildLogSegment(*table.store());
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->checkpoint->version, 4);
  // Corrupt: ignored.
  table.Put("_delta_log/_last_checkpoint", "{not json");
  seg = BuildLogSegment(*table.store());
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->checkpoint->version, 4);
  // Pointing at a checkpoint that does not exist: falls back to a full listing.
  table.Put("_delta_log/_last_checkpoint", R"({"version":5,"size":5})");
  seg = BuildLogSegment(*table.store());
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->checkpoint->version, 4);
  // Missing.
  table.Delete("_delta_log/_last_checkpoint");
  seg = BuildLogSegment(*table.store());
  ASSERT_TRUE(seg);
  EXPECT_EQ(seg->checkpoint->version, 4);
  EXPECT_EQ(seg->replay.size(), 1u);
}

TEST_F(LogSegmentTest, LastCheckpointHintBeyondItsBoundsIsIgnoredUnparsed) {
  // A hostile provider's `_last_checkpoint`: 4 MB of '[' cost 300 MB of memory per request
  // before it was bounded. Valid JSON that is too deep, too large or holds too many values is
  // now ignored like a corrupt hint, and the log is listed from the start.
  CommitN(4);
  Checkpoint(2);
  table.Put("_delta_log/_last_checkpoint", R"({"version":2,"size":5})");
  EXPECT_EQ(ReadLastCheckpointVersion(*table.store()), std::optional<Version>(2));
  const std::string deep = R"({"version":2,"x":)" + std::string(1000, '[') +
                           std::string(1000, ']') + "}";
  table.Put("_delta_log/_last_checkpoint", deep);
  EXPECT_EQ(ReadLastCheckpointVersion(*table.store()), std::nullopt);
  std::string many = R"({"version":2,"x":[0)";
  for (int i = 0; i < 250'000; ++i) {
    many += ",0";
  }
  many += "]}";
  table.Put("_delta_log/_last_checkpoint", many);
  EXPECT_EQ(ReadLastCheckpointVersion(*table.store()), std::nullopt);
  const std::string large =
      R"({"version":2,"x":")" + std::string((size_t{4} << 20) + 1, 'a') + R"("})";
  table.Put("_delta_log/_last_checkpoint", large);
  EXPECT_EQ(ReadLastCheckpointVersion(*table.store()), std::nullopt);
  auto seg = BuildLogSegment(*table.store());
  ASSERT_TRUE(seg) << seg.error().message;
  EXPECT_EQ(seg->checkpoint->version, 2);
}

TEST_F(LogSegmentTest, ACommitLineLongerThanAnyActionIsCorruptNotReadWhole) {
  // A commit file without a newline (a sparse file of any size costs a local table's writer no
  // disk) was read whole and rescanned for a newline after every block: 2 GiB ran for hours.
  // A line is refused past 256 MiB (snapshot loads use the default); here past 4 KiB, in blocks
  // of 256 KiB: the line that fits is read, the one that does not is refused.
  static_assert(kMaxJsonLineBytes == size_t{256} << 20);
  struct IgnoringSink : ActionSink {
    Status OnProtocol(Protocol) override { return OkStatus(); }
    Status OnMetadata(Metadata) override { return OkStatus(); }
  } ignore;
  const std::string line = AddLine("a");
  table.Put("c.json", line + "\n" + std::string(size_t{5} << 20, 'x'));
  int64_t read = 0;
  EXPECT_TRUE(FailsWith(ParseJsonActionsFile(*table.store(), "c.json", ignore, &read, 4096),
                        ErrorCode::kCorrupt, "'c.json': a line longer than 4096 bytes"));
  table.Put("c.json", line + "\n" + line);
  EXPECT_TRUE(ParseJsonActionsFile(*table.store(), "c.json", ignore, &read, line.size()));
}

TEST_F(LogSegmentTest, CompactionFileReplacesItsCommits) {
  CommitN(5);
  // Compaction of 1..3: f1, f2, f3 added then f2 removed in 3.
  table.Commit(3, {testing::RemoveLine("f2"), AddLine("f3")});
  table.Put("_delta_log/00000000000000000001.00000000000000000003.compacted.json",
            AddLine("f1") + "\n" + AddLine("f3") + "\n" + testing::RemoveLine("f2") + "\n");
  auto seg = BuildLogSegment(*table.store(), std::nullopt, /*use_compactions=*/true);
  ASSERT_TRUE(seg);
  ASSERT_EQ(seg->replay.size(), 3u);  // 0, [1..3], 4
  EXPECT_TRUE(seg->replay[1].is_compaction());
  SnapshotOptions compaction;
  compaction.use_compactions = true;
  auto with = Snapshot::Load(table.store(), compaction);
  ASSERT_TRUE(with);
  auto without = table.Load();
  ASSERT_TRUE(without);
  EXPECT_EQ(TestTable::Keys(**with), TestTable::Keys(**without));
  EXPECT_EQ(TestTable::Keys(**with), (std::vector<std::string>{"f0", "f1", "f3", "f4"}));
  // Compactions that concatenate commits newest first (duplicated keys): first action wins.
  table.Put("_delta_log/00000000000000000001.00000000000000000003.compacted.json",
            testing::RemoveLine("f2") + "\n" + AddLine("f3") + "\n" + AddLine("f2") + "\n" +
                AddLine("f1") + "\n");
  with = Snapshot::Load(table.store(), compaction);
  ASSERT_TRUE(with);
  EXPECT_EQ(TestTable::Keys(**with), (std::vector<std::string>{"f0", "f1", "f3", "f4"}));
  // A compaction reaching past the requested version is not used.
  seg = BuildLogSegment(*table.store(), 2, true);
  ASSERT_TRUE(seg);
  for (const auto& c : seg->replay) {
    EXPECT_FALSE(c.is_compaction());
  }
}

}  // namespace
}  // namespace lakeshare::delta
