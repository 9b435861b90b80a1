// ChangeFeedReader against the callback form ReadChangeFeed: the same commits, in the same
// order, and the same error at the same place, on hand-written tables (cdc files, dataChange=false,
// metadata changes inside the range, errors mid-range) and on every table of the shared corpus.
// The callback form is itself a loop over the reader, so these comparisons show the two entry
// points agree (a reader driven a Next at a time, as the pulled /changes drives it, and one
// drained at once), not that the reader kept the behaviour of the feed before it: that rests on
// the fixed expectations below and on the feed's own tests, history_test.cc (ChangeFeedTest.*)
// and delta_conformance_test.cc, which passed unchanged before and after the reader came.
#include "delta/change_feed.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/result_testing.h"
#include "delta/delta_test_util.h"
#include "storage/object_store.h"

namespace lakeshare::delta {
namespace {

using namespace testing;  // the table builders of delta/delta_test_util.h

const std::string kSchema = SchemaString({{"id", "long"}});
const std::map<std::string, std::string> kCdf = {{"delta.enableChangeDataFeed", "true"}};

// One commit as a line: everything the feed hands out.
std::string Line(const CommitChanges& c) {
  std::string line = std::to_string(c.version) + "@" + std::to_string(c.timestamp_ms) + ":";
  if (c.protocol) line += " protocol" + c.protocol->json;
  if (c.metadata) line += " metaData" + c.metadata->json;
  if (c.from_cdc_files) line += " [cdc]";
  for (const FileAction& a : c.actions) {
    line += " " + std::string(FileActionTypeName(a.type)) + (a.data_change ? "" : "~") + a.json;
  }
  return line;
}

// The commits of the feed, then "error: <code> <message>" when it failed.
struct Trace {
  std::vector<std::string> lines;
};

std::string ErrorLine(const Error& e) {
  return "error: " + std::string(ErrorCodeName(e.code)) + " " + e.message;
}

Trace ByCallback(const std::shared_ptr<const storage::ObjectStore>& store,
                 const ChangeFeedOptions& options) {
  Trace t;
  Status status = ReadChangeFeed(store, options, [&](CommitChanges&& c) {
    t.lines.push_back(Line(c));
    return OkStatus();
  });
  if (!status) t.lines.push_back(ErrorLine(status.error()));
  return t;
}

Trace ByReader(const std::shared_ptr<const storage::ObjectStore>& store,
               const ChangeFeedOptions& options) {
  Trace t;
  Result<ChangeFeedReader> reader = ChangeFeedReader::Open(store, options);
  if (!reader) {
    t.lines.push_back(ErrorLine(reader.error()));
    return t;
  }
  while (true) {
    Result<std::optional<CommitChanges>> next = reader->Next();
    if (!next) {
      t.lines.push_back(ErrorLine(next.error()));
      // An error ends the feed: it is returned again.
      Result<std::optional<CommitChanges>> again = reader->Next();
      EXPECT_FALSE(again);
      if (!again) {
        EXPECT_EQ(ErrorLine(again.error()), t.lines.back());
      }
      return t;
    }
    if (!*next) break;
    t.lines.push_back(Line(**next));
  }
  // The end stays the end.
  Result<std::optional<CommitChanges>> after = reader->Next();
  EXPECT_TRUE(after && !*after);
  return t;
}

// Every option set the server and the tools use.
std::vector<ChangeFeedOptions> OptionSets(Version start, std::optional<Version> end) {
  std::vector<ChangeFeedOptions> sets;
  for (int i = 0; i < 3; ++i) {
    ChangeFeedOptions o;
    o.start = start;
    o.end = end;
    o.require_cdf_enabled = i != 1;
    o.data_actions_only = i == 2;
    sets.push_back(o);
  }
  return sets;
}

void ExpectSameFeed(const std::shared_ptr<const storage::ObjectStore>& store, Version start,
                    std::optional<Version> end) {
  for (const ChangeFeedOptions& o : OptionSets(start, end)) {
    SCOPED_TRACE("start " + std::to_string(start) + " cdf " +
                 std::to_string(o.require_cdf_enabled) + " data only " +
                 std::to_string(o.data_actions_only));
    EXPECT_EQ(ByReader(store, o).lines, ByCallback(store, o).lines);
  }
}

TEST(ChangeFeedReaderTest, GivesTheCommitsOfTheCallbackForm) {
  TestTable t;
  t.Commit(0, {ProtocolLine(1, 4), MetadataLine(kSchema, {}, kCdf), AddLine("a"), AddLine("b")});
  t.Commit(1, {RemoveLine("a"), AddLine("a2"), CdcLine("_change_data/c1")});
  t.Commit(2, {RemoveLine("a2", std::nullopt, false),
               AddLine("a3", {}, 1, "", std::nullopt, false)});  // OPTIMIZE
  t.Commit(3, {MetadataLine(kSchema, {"id"}, kCdf, "other-id"), RemoveLine("b")});
  t.Commit(4, {ProtocolLine(1, 5), AddLine("c")});
  ChangeFeedOptions all{0, std::nullopt};
  const Trace trace = ByReader(t.store(), all);
  ASSERT_EQ(trace.lines.size(), 5u);
  EXPECT_NE(trace.lines[1].find("[cdc]"), std::string::npos) << trace.lines[1];
  EXPECT_EQ(trace.lines[2], "2@3000:");  // dataChange=false only: no change
  EXPECT_NE(trace.lines[3].find("metaData{"), std::string::npos) << trace.lines[3];
  for (Version start = 0; start <= 4; ++start) {
    ExpectSameFeed(t.store(), start, std::nullopt);
    ExpectSameFeed(t.store(), start, start);
  }
}

TEST(ChangeFeedReaderTest, StopsAtAnErrorMidRangeLikeTheCallbackForm) {
  TestTable t;
  t.Commit(0, {ProtocolLine(1, 4), MetadataLine(kSchema, {}, kCdf), AddLine("a")});
  t.Commit(1, {AddLine("b")});
  t.Commit(2, {MetadataLine(kSchema, {}, {{"delta.enableChangeDataFeed", "false"}})});
  t.Commit(3, {AddLine("c")});
  t.Commit(4, {R"({"add":{"path":)"});  // truncated
  ChangeFeedOptions options{0, std::nullopt};
  const Trace trace = ByReader(t.store(), options);
  ASSERT_EQ(trace.lines.size(), 3u);  // versions 0 and 1, then the error of version 2
  EXPECT_NE(trace.lines[2].find("not enabled for table version 2"), std::string::npos)
      << trace.lines[2];
  ExpectSameFeed(t.store(), 0, std::nullopt);
  ExpectSameFeed(t.store(), 3, std::nullopt);  // commit 4 is corrupt
  ChangeFeedOptions raw = options;
  raw.require_cdf_enabled = false;
  EXPECT_EQ(ByReader(t.store(), raw).lines.size(), 5u);  // 0..3, then the corrupt commit
}

TEST(ChangeFeedReaderTest, RangeErrorsComeFromOpen) {
  TestTable t;
  t.Commit(0, {ProtocolLine(1, 4), MetadataLine(kSchema, {}, kCdf)});
  t.Commit(1, {AddLine("a")});
  for (auto [start, end] : std::vector<std::pair<Version, std::optional<Version>>>{
           {1, 0}, {2, std::nullopt}, {0, 5}, {-1, 1}, {0, -1}}) {
    EXPECT_TRUE(FailsWith(ChangeFeedReader::Open(t.store(), ChangeFeedOptions{start, end}),
                          ErrorCode::kInvalidArgument))
        << start;
  }
  t.Commit(2, {ProtocolLine(9, 9)});
  EXPECT_TRUE(ChangeFeedReader::Open(t.store(), ChangeFeedOptions{0, 2}));  // read at Next
  EXPECT_TRUE(
      FailsWith(ChangeFeedReader::Open(t.store(), ChangeFeedOptions{2, 2}), ErrorCode::kUnsupported));
  ExpectSameFeed(t.store(), 0, std::nullopt);
}

// Every table of the shared corpus that is a folder (archives are unpacked by the conformance
// test only), from version 0, from its middle commit and its last.
TEST(ChangeFeedReaderTest, GivesTheCommitsOfTheCallbackFormOnTheCorpus) {
  const std::filesystem::path corpus = LAKESHARE_CORPUS_DIR;
  if (!std::filesystem::is_directory(corpus)) GTEST_SKIP() << "no corpus at " << corpus;
  int tables = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(corpus)) {
    if (!entry.is_directory() || entry.path().filename() != "_delta_log") continue;
    const std::string root = entry.path().parent_path().string();
    SCOPED_TRACE(root);
    auto opened = storage::OpenObjectStore(root);
    ASSERT_TRUE(opened) << opened.error().message;
    std::shared_ptr<const storage::ObjectStore> store(std::move(*opened));
    ++tables;
    Result<ChangeFeedReader> probe = ChangeFeedReader::Open(store, {0, std::nullopt});
    ExpectSameFeed(store, 0, std::nullopt);
    Version latest = 0;
    if (probe) {
      ChangeFeedOptions raw{0, std::nullopt};
      raw.require_cdf_enabled = false;
      latest = static_cast<Version>(ByCallback(store, raw).lines.size()) - 1;
    }
    if (latest > 1) ExpectSameFeed(store, latest / 2, std::nullopt);
    if (latest > 0) ExpectSameFeed(store, latest, latest);
  }
  EXPECT_GT(tables, 0);
}

}  // namespace
}  // namespace lakeshare::delta
