// What a page of the change feed lists. Without a memo each reader lists the whole `_delta_log`;
// with the table's commit timeline as memo (and an end version) it takes the range's commits and
// times from the timeline (which lists only what is new and Stats its anchors) and the state
// before the range from a listing of the versions around it. Its answers (changes, timestamps,
// errors) must stay those of a reader without a memo, after log cleanup and when the table is
// recreated in place too. Counted with a store that counts List calls and the keys they return.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "delta/change_feed.h"
#include "delta/commit_timeline.h"
#include "delta/delta_test_util.h"
#include "delta/log_files.h"
#include "storage/storage_test_util.h"

namespace lakeshare::delta {
namespace {

using namespace testing;  // the table builders of delta/delta_test_util.h
using storage::testing_util::CountingObjectStore;

const std::string kSchema = SchemaString({{"id", "long"}});

std::string CdfMetadata() {
  return MetadataLine(kSchema, {}, {{"delta.enableChangeDataFeed", "true"}});
}

std::string CheckpointName(Version v) {
  return std::string(kLogDir) + VersionPrefix(v) + ".checkpoint.parquet";
}

// A table a streaming job writes: commit v adds file v and removes file v-1; three commits share
// each second (their times are made increasing); a Parquet checkpoint every `checkpoint_every`.
void WriteStream(TestTable& table, Version from, Version to, Version checkpoint_every) {
  for (Version v = from; v <= to; ++v) {
    const int64_t mtime = 1000 * (v / 3 + 1);
    const std::string file = "f" + std::to_string(v);
    if (v == 0) {
      table.Commit(0, {ProtocolLine(), CdfMetadata(), AddLine(file)}, mtime);
      continue;
    }
    table.Commit(v, {AddLine(file), RemoveLine("f" + std::to_string(v - 1))}, mtime);
    if (v % checkpoint_every == 0) {
      table.WriteParquetCheckpoint(CheckpointName(v),
                                   {ProtocolLine(), CdfMetadata(), AddLine(file)});
      table.Put(std::string(kLogDir) + "_last_checkpoint",
                "{\"version\":" + std::to_string(v) + ",\"size\":3}");
    }
  }
}

// A feed's whole answer as text: each commit's version, time, state changes and actions, or the
// error's code and message.
std::string Describe(const Result<std::vector<CommitChanges>>& feed) {
  if (!feed) {
    return "error " + std::to_string(static_cast<int>(feed.error().code)) + ": " +
           feed.error().message;
  }
  std::string out;
  for (const CommitChanges& c : *feed) {
    out += std::to_string(c.version) + "@" + std::to_string(c.timestamp_ms);
    if (c.protocol) out += " protocol";
    if (c.metadata) out += " metadata " + c.metadata->json;
    for (const FileAction& a : c.actions) out += " " + a.json;
    out += "\n";
  }
  return out;
}

class ChangeFeedListingTest : public ::testing::Test {
 protected:
  ChangeFeedListingTest() : store_(std::make_shared<CountingObjectStore>(table_.store())) {}

  std::string Feed(Version start, Version end, std::shared_ptr<CommitTimeline> memo) {
    ChangeFeedOptions o;
    o.start = start;
    o.end = end;
    o.memo = std::move(memo);
    o.table_id = "test-table-id";
    return Describe(ReadChangeFeed(store_, o));
  }

  // Every range [start, start], [start, start + 3] and [start, latest + 2]: the memo's answer is
  // the answer without one.
  void ExpectSameAnswers(const std::shared_ptr<CommitTimeline>& memo, Version latest) {
    for (Version start = 0; start <= latest + 1; ++start) {
      for (Version end : {start, start + 3, latest + 2}) {
        EXPECT_EQ(Feed(start, end, memo), Feed(start, end, nullptr))
            << "[" << start << ", " << end << "]";
      }
    }
  }

  TestTable table_;
  std::shared_ptr<CountingObjectStore> store_;
};

TEST_F(ChangeFeedListingTest, APageListsTheVersionsAroundItNotTheWholeLog) {
  constexpr Version kLatest = 2999;
  WriteStream(table_, 0, kLatest, 10);
  auto memo = CommitTimeline::Make();
  const std::string before = Feed(2980, 2989, memo);  // the page before builds the timeline
  struct Cost {
    int64_t lists, keys, stats;
  };
  auto page = [&](Version start, Version end, std::shared_ptr<CommitTimeline> m, Cost* cost) {
    store_->Reset();
    std::string answer = Feed(start, end, std::move(m));
    *cost = Cost{store_->lists.load(), store_->objects_listed.load(), store_->stats.load()};
    return answer;
  };
  Cost plain{}, memo_cost{};
  // What each page cost, without the memo and with it, for the test's log.
  auto report = [&](const char* page_name) {
    std::printf(
        "[ listing ] %s: no memo %lld List(s) of %lld keys, %lld Stat(s); memo %lld "
        "List(s) of %lld keys, %lld Stat(s)\n",
        page_name, static_cast<long long>(plain.lists), static_cast<long long>(plain.keys),
        static_cast<long long>(plain.stats), static_cast<long long>(memo_cost.lists),
        static_cast<long long>(memo_cost.keys), static_cast<long long>(memo_cost.stats));
  };
  EXPECT_EQ(page(2990, kLatest, memo, &memo_cost), page(2990, kLatest, nullptr, &plain));
  report("page at version 2990 of 3000 commits (checkpoint every 10)");
  EXPECT_GE(plain.keys, 3000);
  EXPECT_EQ(memo_cost.lists, 1);   // the hundred versions 2900..2999
  EXPECT_LE(memo_cost.keys, 110);  // their 100 commits and 10 checkpoints
  EXPECT_LE(memo_cost.stats, 2);   // commit 0 and the last commit still there
  // Five commits later: the timeline lists them, the state comes from the hundred around 2994.
  WriteStream(table_, kLatest + 1, kLatest + 5, 10);
  EXPECT_EQ(page(2995, kLatest + 5, memo, &memo_cost), page(2995, kLatest + 5, nullptr, &plain));
  report("page at version 2995 after 5 new commits");
  EXPECT_EQ(memo_cost.lists, 2);
  EXPECT_LE(memo_cost.keys, 110 + 7);  // and 3000..3004, the checkpoint at 3000, _last_checkpoint
  // A page cut inside commit 2997: the next one resumes from the commit the memo kept.
  ChangeFeedOptions o;
  o.start = 2995;
  o.end = kLatest + 5;
  o.memo = memo;
  o.table_id = "test-table-id";
  {
    auto reader = ChangeFeedReader::Open(store_, o);
    ASSERT_TRUE(reader) << reader.error().message;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(reader->NextShared());
    reader->RememberLast();
  }
  EXPECT_EQ(page(2997, kLatest + 5, memo, &memo_cost), page(2997, kLatest + 5, nullptr, &plain));
  report("page resumed inside commit 2997");
  EXPECT_EQ(memo_cost.lists, 0);
  EXPECT_LE(memo_cost.stats, 3);  // commit 0, the last commit and the kept commit's file
}

TEST_F(ChangeFeedListingTest, AfterLogCleanupTheMemoGivesTheSameAnswersAndErrors) {
  constexpr Version kLatest = 39;
  WriteStream(table_, 0, kLatest, 10);
  auto memo = CommitTimeline::Make();
  ExpectSameAnswers(memo, kLatest);
  // Cleanup: the commits before 15 and the checkpoint at 10 deleted, a checkpoint at 35 written.
  for (Version v = 0; v < 15; ++v) table_.Delete(CommitName(v));
  table_.Delete(CheckpointName(10));
  table_.WriteParquetCheckpoint(CheckpointName(35),
                                {ProtocolLine(), CdfMetadata(), AddLine("f35")});
  ExpectSameAnswers(memo, kLatest);
  EXPECT_NE(Feed(20, kLatest, memo).find("39@"), std::string::npos);
}

TEST_F(ChangeFeedListingTest, ARecreatedTableIsNotServedFromTheOldTimeline) {
  WriteStream(table_, 0, 5, 100);
  auto memo = CommitTimeline::Make();
  ExpectSameAnswers(memo, 5);
  // Written again in place with fewer commits, commit 0 the same to the byte and the second.
  for (Version v = 0; v <= 5; ++v) table_.Delete(CommitName(v));
  WriteStream(table_, 0, 0, 100);
  for (Version v = 1; v <= 3; ++v) table_.Commit(v, {AddLine("new-" + std::to_string(v))}, 9000);
  ExpectSameAnswers(memo, 3);  // also asks past the new log's end
  // Then commits that bring it past the old log's end, the later ones with earlier file times.
  table_.Commit(4, {AddLine("new-4")}, 90'000);
  table_.Commit(5, {AddLine("new-5")}, 90'000);
  table_.Commit(6, {AddLine("new-6")}, 20'000);
  table_.Commit(7, {AddLine("new-7")}, 20'000);
  ExpectSameAnswers(memo, 7);
  auto commits = memo->Commits(*store_, 7);
  ASSERT_TRUE(commits) << commits.error().message;
  EXPECT_EQ((*commits)->commits.size(), 8u);
}

TEST_F(ChangeFeedListingTest, AKeptCommitWhoseFileWasReplacedIsReadAgain) {
  WriteStream(table_, 0, 5, 100);
  auto memo = CommitTimeline::Make();
  ChangeFeedOptions o;
  o.start = 2;
  o.end = 5;
  o.memo = memo;
  o.table_id = "test-table-id";
  auto reader = ChangeFeedReader::Open(store_, o);
  ASSERT_TRUE(reader) << reader.error().message;
  ASSERT_TRUE(reader->NextShared());
  reader->RememberLast();  // a page cut inside commit 2
  // Commit 2 written again in place (the same name and time, another size): the timeline still
  // holds the old file (commit 0 and the last commit are unchanged).
  table_.Commit(2, {AddLine("written-again")}, 1000);
  EXPECT_EQ(Feed(2, 5, memo), Feed(2, 5, nullptr));
  EXPECT_NE(Feed(2, 5, memo).find("written-again"), std::string::npos);
}

// A table whose metadata changes: change data feed off from version 97 to 129 and from 1000 to
// 1004, a column added at 999. Checkpoints every 10 (each with the metadata in effect at its
// version) except from 150 to 390, where the hundred versions around a page hold none.
std::string ChangingMetadata(Version v) {
  const bool cdf = !(v >= 97 && v < 130) && !(v >= 1000 && v < 1005);
  const std::string schema =
      v >= 999 ? SchemaString({{"id", "long"}, {"name", "string"}}) : kSchema;
  return MetadataLine(schema, {}, {{"delta.enableChangeDataFeed", cdf ? "true" : "false"}});
}

void WriteChangingTable(TestTable& table, Version latest) {
  for (Version v = 0; v <= latest; ++v) {
    const std::string file = "f" + std::to_string(v);
    std::vector<std::string> lines;
    if (v == 0) lines.push_back(ProtocolLine());
    if (v == 0 || ChangingMetadata(v) != ChangingMetadata(v - 1)) {
      lines.push_back(ChangingMetadata(v));
    }
    lines.push_back(AddLine(file));
    if (v > 0) lines.push_back(RemoveLine("f" + std::to_string(v - 1)));
    table.Commit(v, lines, 1000 * (v + 1));
    if (v > 0 && v % 10 == 0 && !(v >= 150 && v <= 390)) {
      table.WriteParquetCheckpoint(CheckpointName(v),
                                   {ProtocolLine(), ChangingMetadata(v), AddLine(file)});
    }
  }
}

TEST_F(ChangeFeedListingTest, WhenTheMetadataChangesTheMemoGivesTheSameStateBefore) {
  constexpr Version kLatest = 1012;
  WriteChangingTable(table_, kLatest);
  auto memo = CommitTimeline::Make();
  // Pages that start at block edges (99/100, 999/1000), inside, before and after the spans with
  // change data feed off, and where only the thousand versions around hold a checkpoint.
  std::vector<Version> starts;
  for (auto [from, to] : std::vector<std::pair<Version, Version>>{
           {0, 2}, {94, 102}, {127, 133}, {148, 152}, {198, 202}, {389, 392}, {995, kLatest + 1}}) {
    for (Version v = from; v <= to; ++v) starts.push_back(v);
  }
  int unsupported = 0;
  for (Version start : starts) {
    for (Version end : {start, start + 3, start + 40, kLatest + 2}) {
      const std::string plain = Feed(start, end, nullptr);
      EXPECT_EQ(Feed(start, end, memo), plain) << "[" << start << ", " << end << "]";
      if (plain.rfind("error " + std::to_string(static_cast<int>(ErrorCode::kUnsupported)), 0) ==
          0) {
        ++unsupported;
      }
    }
  }
  // The spans with change data feed off were crossed (else the state before went untested).
  EXPECT_GT(unsupported, 30);
  EXPECT_NE(Feed(995, 999, memo).find(R"(\"name\":\"name\")"), std::string::npos);
}

}  // namespace
}  // namespace lakeshare::delta
