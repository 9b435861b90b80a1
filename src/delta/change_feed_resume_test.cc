// What a change feed resumed inside a commit costs (the pages of /changes with maxFiles: each page
// opens a ChangeFeedReader at the version its token names and skips the actions earlier pages
// served). Without a memo a page reads that commit once (the state before it comes from the
// snapshot of the version before); with the table's commit timeline as memo, the commit a page
// was cut in is parsed once for all the pages that resume in it. Counted with a store that
// counts the reads of each path; the resumed feeds must give the commits of a fresh one.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "delta/change_feed.h"
#include "delta/commit_timeline.h"
#include "delta/delta_test_util.h"
#include "storage/storage_test_util.h"

namespace lakeshare::delta {
namespace {

using namespace testing;  // the table builders of delta/delta_test_util.h

constexpr int kAdds = 120;
constexpr int kRemoves = 40;
constexpr int kCdc = 60;

// Counts the opens and reads of each path.
class ReadsByPath : public storage::testing_util::ForwardingObjectStore {
 public:
  using ForwardingObjectStore::ForwardingObjectStore;
  Result<std::string> Read(std::string_view path) const override {
    ++reads_[std::string(path)];
    auto bytes = ForwardingObjectStore::Read(path);
    if (bytes) bytes_ += static_cast<int64_t>(bytes->size());
    return bytes;
  }
  Result<std::string> ReadRange(std::string_view path, int64_t offset,
                                int64_t length) const override {
    ++reads_[std::string(path)];
    auto bytes = ForwardingObjectStore::ReadRange(path, offset, length);
    if (bytes) bytes_ += static_cast<int64_t>(bytes->size());
    return bytes;
  }
  Result<std::unique_ptr<storage::RandomAccessFile>> OpenFile(
      std::string_view path) const override {
    ++reads_[std::string(path)];
    auto file = ForwardingObjectStore::OpenFile(path);
    if (file) bytes_ += (*file)->size();
    return file;
  }
  int64_t ReadsOf(const std::string& path) const {
    auto it = reads_.find(path);
    return it == reads_.end() ? 0 : it->second;
  }
  int64_t TotalReads() const {
    int64_t n = 0;
    for (const auto& [path, count] : reads_) n += count;
    return n;
  }
  int64_t BytesRead() const { return bytes_; }
  void Reset() {
    reads_.clear();
    bytes_ = 0;
  }

 private:
  mutable std::map<std::string, int64_t> reads_;
  mutable int64_t bytes_ = 0;
};

// Version 0: the table (change data feed on); 1: kAdds adds and kRemoves removes of files added
// by 0; 2: the same kind of commit with kCdc cdc files; 3: one add.
class ChangeFeedResumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<std::string> v0 = {
        ProtocolLine(),
        MetadataLine(SchemaString({{"id", "long"}}), {}, {{"delta.enableChangeDataFeed", "true"}})};
    for (int i = 0; i < kRemoves; ++i) v0.push_back(AddLine("old-" + std::to_string(i)));
    table_.Commit(0, v0);
    table_.Commit(1, DataCommit("a"));
    std::vector<std::string> v2 = DataCommit("b");
    for (int i = 0; i < kCdc; ++i) v2.push_back(CdcLine("_change_data/c-" + std::to_string(i)));
    table_.Commit(2, v2);
    table_.Commit(3, {AddLine("last")});
    store_ = std::make_shared<ReadsByPath>(table_.store());
  }

  static std::vector<std::string> DataCommit(const std::string& prefix) {
    std::vector<std::string> lines;
    for (int i = 0; i < kAdds; ++i) lines.push_back(AddLine(prefix + "-" + std::to_string(i)));
    for (int i = 0; i < kRemoves; ++i) lines.push_back(RemoveLine("old-" + std::to_string(i)));
    return lines;
  }

  ChangeFeedOptions Options(Version start, bool data_actions_only) const {
    ChangeFeedOptions o;
    o.start = start;
    o.data_actions_only = data_actions_only;
    if (memo_) {
      o.memo = memo_;
      o.table_id = "test-table-id";
    }
    return o;
  }

  // Every action of the feed from `start`, as "version:json" lines.
  std::vector<std::string> Fresh(Version start, bool data_actions_only) {
    std::vector<std::string> out;
    ChangeFeedOptions o = Options(start, data_actions_only);
    o.memo = nullptr;
    auto feed = ReadChangeFeed(store_, o);
    EXPECT_TRUE(feed) << feed.error().message;
    for (const CommitChanges& c : *feed) {
      for (const FileAction& a : c.actions) out.push_back(std::to_string(c.version) + ":" + a.json);
    }
    return out;
  }

  // The feed from `start` read in pages of `page` actions, as /changes with maxFiles reads it:
  // each page opens a reader at the version its token names and skips the actions served
  // before; a page is cut before the action that would not fit (at the first action of a commit
  // read already, or inside it), and leaves that commit in the memo.
  std::vector<std::string> Paged(Version start, bool data_actions_only, size_t page, int* pages) {
    std::vector<std::string> out;
    Version version = start;
    size_t index = 0;
    *pages = 0;
    for (bool cut = true; cut && *pages < 1000; ++*pages) {
      auto reader = ChangeFeedReader::Open(store_, Options(version, data_actions_only));
      EXPECT_TRUE(reader) << reader.error().message;
      if (!reader) break;
      size_t served = 0;
      cut = false;
      while (!cut) {
        auto next = reader->NextShared();
        EXPECT_TRUE(next) << next.error().message;
        if (!next || !*next) break;
        const CommitChanges& c = **next;
        for (size_t i = c.version == version ? index : 0; i < c.actions.size(); ++i) {
          if (served == page) {
            cut = true;
            reader->RememberLast();
            version = c.version;
            index = i;
            break;
          }
          out.push_back(std::to_string(c.version) + ":" + c.actions[i].json);
          ++served;
        }
      }
    }
    return out;
  }

  TestTable table_;
  std::shared_ptr<ReadsByPath> store_;
  std::shared_ptr<CommitTimeline> memo_;
};

TEST_F(ChangeFeedResumeTest, APageResumedInACommitReadsItOnceWithoutAMemo) {
  for (const bool data_only : {false, true}) {
    const std::vector<std::string> fresh = Fresh(1, data_only);
    store_->Reset();
    int pages = 0;
    EXPECT_EQ(Paged(1, data_only, 7, &pages), fresh);
    const int64_t commit_reads = store_->ReadsOf(CommitName(2));
    // Once per page that starts in commit 2 (about one in 7 of its actions), and once by the
    // page before them.
    const int64_t pages_in_2 = (data_only ? kAdds + kRemoves : kCdc) / 7 + 1;
    EXPECT_LE(commit_reads, pages_in_2 + 1) << "pages " << pages;
    std::printf(
        "[ resume ] no memo, data_only=%d: %d pages, commit 2 read %lld times, %lld reads, %lld "
        "bytes\n",
        data_only, pages, static_cast<long long>(commit_reads),
        static_cast<long long>(store_->TotalReads()), static_cast<long long>(store_->BytesRead()));
  }
}

TEST_F(ChangeFeedResumeTest, APageResumedInACommitTakesItFromTheMemo) {
  for (const bool data_only : {false, true}) {
    for (const size_t page : {size_t{1}, size_t{7}}) {
      memo_ = CommitTimeline::Make();
      const std::vector<std::string> fresh = Fresh(0, data_only);
      store_->Reset();
      int pages = 0;
      EXPECT_EQ(Paged(0, data_only, page, &pages), fresh);
      // Each commit is read once for all the pages that resume in it.
      for (Version v = 0; v <= 3; ++v) {
        EXPECT_LE(store_->ReadsOf(CommitName(v)), 1) << v;
      }
      std::printf("[ resume ] memo, data_only=%d, maxFiles=%zu: %d pages, %lld reads, %lld bytes\n",
                  data_only, page, pages, static_cast<long long>(store_->TotalReads()),
                  static_cast<long long>(store_->BytesRead()));
    }
  }
}

TEST_F(ChangeFeedResumeTest, TheMemoOfAnotherTableIdOrFileIsNotUsed) {
  memo_ = CommitTimeline::Make();
  int pages = 0;
  const std::vector<std::string> fresh = Fresh(0, false);
  EXPECT_EQ(Paged(0, false, 7, &pages), fresh);
  // The same version of a table recreated in place: another id, or another commit file.
  ChangeFeedOptions other = Options(2, false);
  other.table_id = "another-table-id";
  store_->Reset();
  auto reader = ChangeFeedReader::Open(store_, other);
  ASSERT_TRUE(reader) << reader.error().message;
  auto next = reader->NextShared();
  ASSERT_TRUE(next && *next);
  EXPECT_EQ(store_->ReadsOf(CommitName(2)), 1);
  std::vector<std::string> v2 = {AddLine("new")};
  table_.Commit(2, v2, /*mtime_ms=*/3000);  // same time, other size
  store_->Reset();
  auto again = ChangeFeedReader::Open(store_, Options(2, false));
  ASSERT_TRUE(again) << again.error().message;
  auto changes = again->NextShared();
  ASSERT_TRUE(changes && *changes);
  ASSERT_EQ((*changes)->actions.size(), 1u);
  EXPECT_EQ((*changes)->actions[0].path, "new");
}

// A parsed commit of version `v` (no actions).
std::shared_ptr<const ParsedCommit> KeptCommit(Version v) {
  auto c = std::make_shared<ParsedCommit>();
  auto changes = std::make_shared<CommitChanges>();
  changes->version = v;
  c->changes = std::move(changes);
  return c;
}

// A feed from version 0 reads commit 0 once (nothing is in effect before it), with a memo or
// without, and still refuses a commit 0 a snapshot of version 0 would refuse.
TEST_F(ChangeFeedResumeTest, AFeedFromVersionZeroReadsCommitZeroOnce) {
  for (const bool with_memo : {false, true}) {
    memo_ = with_memo ? CommitTimeline::Make() : nullptr;
    store_->Reset();
    ChangeFeedOptions o = Options(0, false);
    o.end = 3;
    auto feed = ReadChangeFeed(store_, o);
    ASSERT_TRUE(feed) << feed.error().message;
    EXPECT_EQ(feed->size(), 4u);
    EXPECT_EQ(store_->ReadsOf(CommitName(0)), 1) << "memo " << with_memo;
  }
  // A commit 0 without protocol, without metadata: the error of a snapshot of version 0.
  for (const std::string& line :
       {MetadataLine(SchemaString({{"id", "long"}})), ProtocolLine()}) {
    table_.Commit(0, {line});
    auto snapshot = table_.Load(0);
    ASSERT_FALSE(snapshot);
    EXPECT_EQ(snapshot.error().code, ErrorCode::kCorrupt);
    for (const bool with_memo : {false, true}) {
      memo_ = with_memo ? CommitTimeline::Make() : nullptr;
      ChangeFeedOptions o = Options(0, false);
      o.end = 3;
      auto feed = ReadChangeFeed(store_, o);
      ASSERT_FALSE(feed);
      EXPECT_EQ(feed.error().code, ErrorCode::kCorrupt);
      EXPECT_EQ(feed.error().message, snapshot.error().message);
    }
  }
  EXPECT_EQ(table_.Load(0).error().message,
            "Delta log has no metaData action at or before version 0");
}

// CommitTimeline::RememberCommit: a few commits per table, least recently used dropped first, a
// commit over the byte bound not kept, all counted in the timeline's memory (and its budget's).
TEST(CommitMemoTest, KeepsAFewCommitsLeastRecentlyUsedFirst) {
  CommitTimelineLimits limits;
  limits.max_parsed_commits = 2;
  limits.max_parsed_bytes = 1000;
  auto budget = std::make_shared<CommitTimelineBudget>(limits);
  auto memo = CommitTimelineBudget::NewTimeline(budget);
  auto commit = KeptCommit;
  memo->RememberCommit(1, commit(1), 400);
  memo->RememberCommit(2, commit(2), 400);
  EXPECT_GE(memo->MemoryUsage(), 800u);
  EXPECT_EQ(budget->bytes(), memo->MemoryUsage());
  ASSERT_NE(memo->RememberedCommit(1), nullptr);  // now the most recently used
  memo->RememberCommit(3, commit(3), 100);        // over the count: 2 goes
  EXPECT_EQ(memo->RememberedCommit(2), nullptr);
  EXPECT_EQ(memo->RememberedCommit(1)->changes->version, 1);
  memo->RememberCommit(4, commit(4), 950);  // over the count: 1 goes; over the bytes: 3 goes
  EXPECT_EQ(memo->RememberedCommit(1), nullptr);
  EXPECT_EQ(memo->RememberedCommit(3), nullptr);
  EXPECT_NE(memo->RememberedCommit(4), nullptr);
  memo->RememberCommit(5, commit(5), 1001);  // larger than the bound: not kept
  EXPECT_EQ(memo->RememberedCommit(5), nullptr);
  EXPECT_NE(memo->RememberedCommit(4), nullptr);
  memo->RememberCommit(4, commit(4), 10);  // kept again: replaces the entry
  EXPECT_LT(memo->MemoryUsage(), 950u);
}

// The parsed commits of a budget's timelines have their own bound: past it they drop one another,
// least recently used first (of any table), and never push a timeline's commits out.
TEST(CommitMemoTest, ParsedCommitsOfAllTablesHaveTheirOwnBound) {
  TestTable a, b;
  for (TestTable* t : {&a, &b}) {
    t->Commit(0, {ProtocolLine(), MetadataLine(SchemaString({{"id", "long"}}))});
    t->Commit(1, {AddLine("x")});
  }
  auto probe = CommitTimeline::Make();
  ASSERT_TRUE(probe->Commits(*a.store(), 1));
  CommitTimelineLimits limits;
  limits.max_parsed_bytes = 1300;            // two parsed commits of 600 per table
  limits.max_total_parsed_bytes = 2 * 700;  // two parsed commits of 600 (and their entries) in all
  limits.max_total_bytes = 2 * probe->MemoryUsage() + 100;  // both tables' commits, no more
  auto budget = std::make_shared<CommitTimelineBudget>(limits);
  auto ta = CommitTimelineBudget::NewTimeline(budget);
  auto tb = CommitTimelineBudget::NewTimeline(budget);
  ASSERT_TRUE(ta->Commits(*a.store(), 1));
  ASSERT_TRUE(tb->Commits(*b.store(), 1));
  ta->RememberCommit(1, KeptCommit(1), 600);
  tb->RememberCommit(1, KeptCommit(1), 600);
  EXPECT_EQ(budget->evictions(), 0);  // the parsed commits do not count against the timelines
  EXPECT_EQ(budget->bytes(), ta->MemoryUsage() + tb->MemoryUsage());
  ASSERT_NE(ta->RememberedCommit(1), nullptr);  // now a's is the most recently used
  ta->RememberCommit(0, KeptCommit(0), 600);    // over the parsed bound: b's commit 1 goes
  EXPECT_EQ(budget->parsed_evictions(), 1);
  EXPECT_EQ(budget->evictions(), 0);
  EXPECT_EQ(tb->RememberedCommit(1), nullptr);
  EXPECT_NE(ta->RememberedCommit(1), nullptr);
  EXPECT_NE(ta->RememberedCommit(0), nullptr);
  EXPECT_EQ(budget->bytes(), ta->MemoryUsage() + tb->MemoryUsage());
  // Both timelines still hold their commits: a second use lists nothing.
  storage::testing_util::CountingObjectStore counting(a.store());
  ASSERT_TRUE(ta->Commits(counting, 1));
  EXPECT_EQ(counting.lists.load(), 0);
  // A timeline dropped takes its parsed commits out of the count.
  ta.reset();
  EXPECT_EQ(budget->bytes(), tb->MemoryUsage());
  tb->RememberCommit(1, KeptCommit(1), 600);
  EXPECT_NE(tb->RememberedCommit(1), nullptr);
}

// A parsed commit replaced by another thread between being kept and being counted in the budget
// (the hook runs in that window) leaves no count behind that would push out live ones.
TEST(CommitMemoTest, AParsedCommitReplacedBeforeItIsCountedLeavesNoCount) {
  TestTable a;
  a.Commit(0, {ProtocolLine(), MetadataLine(SchemaString({{"id", "long"}}))});
  a.Commit(1, {AddLine("x")});
  auto budget = std::make_shared<CommitTimelineBudget>();
  auto timeline = CommitTimelineBudget::NewTimeline(budget);
  ASSERT_TRUE(timeline->Commits(*a.store(), 1));
  bool replaced = false;
  timeline->SetRememberHookForTest([&] {
    if (replaced) return;
    replaced = true;
    timeline->RememberCommit(1, KeptCommit(1), 500);  // the same version, from another page
  });
  timeline->RememberCommit(1, KeptCommit(1), 600);
  ASSERT_TRUE(replaced);
  EXPECT_EQ(budget->bytes(), timeline->MemoryUsage());
  // A drop of the whole timeline in the window (its log rebuilt) leaves none either.
  replaced = false;
  timeline->SetRememberHookForTest([&] {
    if (replaced) return;
    replaced = true;
    a.Commit(0, {ProtocolLine(), MetadataLine(SchemaString({{"id", "long"}}))}, 5);
    ASSERT_TRUE(timeline->Commits(*a.store(), 1));  // a changed commit 0: listed again
  });
  timeline->RememberCommit(0, KeptCommit(0), 600);
  ASSERT_TRUE(replaced);
  EXPECT_EQ(timeline->RememberedCommit(0), nullptr);
  EXPECT_EQ(budget->bytes(), timeline->MemoryUsage());
}

}  // namespace
}  // namespace lakeshare::delta
