#include "delta/snapshot.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <string_view>
#include <nlohmann/json.hpp>

#include "common/result_testing.h"
#include "common/strings.h"
#include "delta/delta_test_util.h"
#include "delta/log_files.h"
#include "delta/snapshot_internal.h"
#include "delta/table_writer.h"
#include "parquet/file_writer.h"

namespace lakeshare::delta {
namespace {

using namespace testing;  // the table builders of delta/delta_test_util.h
using Keys = std::vector<std::string>;

const std::string kSchema = SchemaString({{"id", "long"}, {"p", "string"}});

std::string Head() { return ProtocolLine() + "\n" + MetadataLine(kSchema); }

std::shared_ptr<const Snapshot> MustLoad(const TestTable& t,
                                         std::optional<Version> v = std::nullopt) {
  auto s = t.Load(v);
  EXPECT_TRUE(s) << (s ? "" : s.error().message);
  return s ? *s : nullptr;
}

// Adds "<prefix>0" .. "<prefix><n-1>", of one byte each, at `version`.
void AddNumberedFiles(FileSetBuilder& b, std::string_view prefix, int n, Version version) {
  AddInput in;
  in.size = 1;
  for (int i = 0; i < n; ++i) {
    const std::string path = std::string(prefix) + std::to_string(i);
    in.path = path;
    b.Add(in, version);
  }
}

// ---- Action reconciliation ---------------------------------------------------------------------

TEST(ReconciliationTest, RemoveCancelsAnEarlierAdd) {
  TestTable t;
  t.Commit(0, {Head(), AddLine("a"), AddLine("b")});
  t.Commit(1, {RemoveLine("a")});
  auto s = MustLoad(t);
  EXPECT_EQ(TestTable::Keys(*s), (Keys{"b"}));
  EXPECT_EQ(TestTable::Keys(*MustLoad(t, 0)), (Keys{"a", "b"}));
}

TEST(ReconciliationTest, ReAddingAPathReplacesItsStatistics) {
  TestTable t;
  t.Commit(0, {Head(), AddLine("a", {}, 10, R"({"numRecords":1})")});
  t.Commit(1, {AddLine("a", {}, 20, R"({"numRecords":2})", std::nullopt, false)});
  auto s = MustLoad(t);
  ASSERT_EQ(s->files().size(), 1u);
  const AddFile* f = s->files().Find("a", "");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->size, 20);
  EXPECT_EQ(f->StatsJson(), R"({"numRecords":2})");
  EXPECT_EQ(f->version, 1);
  EXPECT_EQ(s->files().total_bytes(), 20);
}

// File sizes are any int64 the provider's log holds: two adds of 2^62 bytes overflowed the
// total (undefined behaviour; in Release /metadata served the table's size as -2^63). The total
// saturates, and a negative size counts as 0 (as in the served byte counts).
TEST(ReconciliationTest, HugeOrNegativeSizesNeitherOverflowNorGoNegative) {
  const int64_t quarter = int64_t{1} << 62;
  TestTable t;
  t.Commit(0, {Head(), AddLine("a", {}, quarter), AddLine("b", {}, quarter)});
  t.Commit(1, {AddLine("c", {}, quarter)});
  auto s = MustLoad(t);
  ASSERT_EQ(s->files().size(), 3u);
  EXPECT_EQ(s->files().total_bytes(), std::numeric_limits<int64_t>::max());
  TestTable u;
  u.Commit(0, {Head(), AddLine("a", {}, 5), AddLine("b", {}, std::numeric_limits<int64_t>::min())});
  EXPECT_EQ(MustLoad(u)->files().total_bytes(), 5);
  TestTable v;
  v.Commit(0, {Head(), AddLine("a", {}, quarter), AddLine("b", {}, -quarter), AddLine("c", {}, 5)});
  EXPECT_EQ(MustLoad(v)->files().total_bytes(), quarter + 5);
}

TEST(ReconciliationTest, FilesAreKeyedByPathAndDeletionVector) {
  TestTable t;
  const DeletionVectorDescriptor dv1 = Dv("vBn[lx{q8@P<9BNH/isA", 2);
  const DeletionVectorDescriptor dv2 = Dv("ab^-aqEH.-t@S}K{vb[*k^", 3, 4);
  t.Commit(0, {Head(), AddLine("a"), AddLine("b")});
  // Delete rows of a: remove (a, NULL), add (a, dv1).
  t.Commit(1, {RemoveLine("a"), AddLine("a", {}, 100, R"({"numRecords":10})", dv1)});
  // More deletes: remove (a, dv1), add (a, dv2).
  t.Commit(2, {AddLine("a", {}, 100, R"({"numRecords":10})", dv2), RemoveLine("a", dv1)});
  auto s = MustLoad(t);
  EXPECT_EQ(TestTable::Keys(*s), (Keys{"a#uab^-aqEH.-t@S}K{vb[*k^@4", "b"}));
  const AddFile* f = s->files().Find("a", "uab^-aqEH.-t@S}K{vb[*k^@4");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->deleted_rows(), 3);
  EXPECT_EQ(TestTable::Keys(*MustLoad(t, 1)), (Keys{"a#uvBn[lx{q8@P<9BNH/isA@1", "b"}));
}

TEST(ReconciliationTest, RemoveWithAnotherDeletionVectorKeepsTheFile) {
  TestTable t;
  t.Commit(0, {Head(), AddLine("a", {}, 1, "", Dv("vBn[lx{q8@P<9BNH/isA", 1))});
  t.Commit(1, {RemoveLine("a")});  // (a, NULL) is not the active logical file
  EXPECT_EQ(MustLoad(t)->files().size(), 1u);
}

TEST(ReconciliationTest, LatestProtocolAndMetadataWin) {
  TestTable t;
  t.Commit(0, {Head(), AddLine("a")});
  t.Commit(1, {ProtocolLine(1, 4), MetadataLine(kSchema, {}, {{"delta.appendOnly", "true"}})});
  auto s = MustLoad(t);
  EXPECT_EQ(s->protocol().min_writer_version, 4);
  EXPECT_EQ(s->metadata().Config("delta.appendOnly"), "true");
  EXPECT_EQ(MustLoad(t, 0)->protocol().min_writer_version, 2);
}

TEST(ReconciliationTest, LatestTxnVersionPerAppWins) {
  TestTable t;
  t.Commit(0, {Head(), TxnLine("app1", 1), TxnLine("app2", 7)});
  t.Commit(1, {TxnLine("app1", 3)});
  t.Commit(2, {TxnLine("app1", 2)});  // versions may go down ("rollback")
  auto s = MustLoad(t);
  ASSERT_EQ(s->txns().size(), 2u);
  EXPECT_EQ(s->txns().at("app1").version, 2);
  EXPECT_EQ(s->txns().at("app2").version, 7);
}

TEST(ReconciliationTest, RemovedDomainMetadataIsATombstone) {
  TestTable t;
  t.Commit(0, {Head(), DomainLine("d1", "{\"a\":1}", false), DomainLine("d2", "x", false)});
  t.Commit(1, {DomainLine("d1", "{\"a\":2}", false), DomainLine("d2", "x", true)});
  auto s = MustLoad(t);
  ASSERT_EQ(s->domain_metadata().size(), 1u);
  EXPECT_EQ(s->domain_metadata().at("d1").configuration, "{\"a\":2}");
}

TEST(ReconciliationTest, OnlyTheCommitInfoOfTheSnapshotVersionIsKept) {
  TestTable t;
  t.Commit(0, {CommitInfoLine(111), Head()});
  t.Commit(1, {AddLine("a")});
  EXPECT_FALSE(MustLoad(t)->commit_info());
  ASSERT_TRUE(MustLoad(t, 0)->commit_info());
  EXPECT_EQ(MustLoad(t, 0)->commit_info()->InCommitTimestamp().value(), 111);
}

TEST(ReconciliationTest, UnknownActionsAndFieldsAreIgnoredButKeptForReemission) {
  TestTable t;
  t.Commit(0, {Head(), R"({"someFutureAction":{"x":1}})",
               AddLine("a", {}, 5, "", std::nullopt, true,
                       R"("tags":{"k":"v"},"baseRowId":4,"zzz":[1,2])")});
  auto s = MustLoad(t);
  ASSERT_EQ(s->files().size(), 1u);
  std::string json;
  s->files().Find("a", "")->AppendJson(json);
  EXPECT_EQ(json,
            R"({"path":"a","partitionValues":{},"size":5,"modificationTime":1,"dataChange":true,)"
            R"("tags":{"k":"v"},"baseRowId":4,"zzz":[1,2]})");
}

TEST(ReconciliationTest, StatsAndPartitionValuesAreReemittedAsInTheLog) {
  TestTable t;
  const std::string stats = R"({"numRecords":3,"minValues":{"id":1,"s":"a\"b"}})";
  nlohmann::ordered_json add = {
      {"path", "p=x%20y/f"}, {"partitionValues", {{"p", "x y"}, {"q", nullptr}}},
      {"size", 1},           {"modificationTime", 2},
      {"dataChange", true},  {"stats", stats}};
  t.Commit(0, {Head(), nlohmann::ordered_json{{"add", add}}.dump()});
  auto s = MustLoad(t);
  const AddFile* f = s->files().Find("p=x%20y/f", "");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->StatsJson(), stats);
  ASSERT_EQ(f->partition_values->values.size(), 2u);
  EXPECT_EQ(*f->partition_values->Find("p"), "x y");
  EXPECT_FALSE(f->partition_values->Find("q")->has_value());
  std::string json;
  f->AppendJson(json);
  EXPECT_EQ(nlohmann::ordered_json::parse(json), add) << json;
}

TEST(ReconciliationTest, MalformedCommitIsCorruptWithFileAndLine) {
  TestTable t;
  t.Commit(0, {Head(), AddLine("a"), "{\"add\":{\"path\":"});
  EXPECT_TRUE(FailsWith(t.Load(), ErrorCode::kCorrupt, "00000000000000000000.json' line 4"));
}

TEST(ReconciliationTest, AFileActionNumberOfTheWrongTypeIsCorruptNamingTheField) {
  // These were corrupt already, but said only "Problem while parsing a number" (or "The JSON
  // number is too large or too small to fit within the requested type."), naming no field.
  const std::pair<const char*, const char*> kCases[] = {
      {R"({"add":{"path":"a","partitionValues":{},"size":"12x","modificationTime":1,"dataChange":true}})",
       "size is not a whole number up to 2^63"},
      {R"({"add":{"path":"a","partitionValues":{},"size":1,"modificationTime":1e300,"dataChange":true}})",
       "modificationTime is not a whole number up to 2^63"},
      {R"({"remove":{"path":"a","deletionTimestamp":true,"dataChange":true}})",
       "deletionTimestamp is not a whole number up to 2^63"},
  };
  for (const auto& [line, message] : kCases) {
    TestTable t;
    t.Commit(0, {Head(), line});
    EXPECT_TRUE(FailsWith(t.Load(), ErrorCode::kCorrupt, message)) << line;
  }
}

TEST(ReconciliationTest, MissingMetadataIsCorrupt) {
  TestTable t;
  t.Commit(0, {ProtocolLine(), AddLine("a")});
  EXPECT_TRUE(FailsWith(t.Load(), ErrorCode::kCorrupt));
}

TEST(ReconciliationTest, ProtocolVersionsPastTheirRangeAreCorruptNotWrapped) {
  // 2^32 + 1 would wrap to reader version 1; 44444444444444444442 is past int64 (a fuzzer's input:
  // it once reached a double-to-integer cast); 1.5 is no version.
  for (const char* versions : {R"("minReaderVersion":4294967297,"minWriterVersion":2)",
                               R"("minReaderVersion":1,"minWriterVersion":44444444444444444442)",
                               R"("minReaderVersion":1.5,"minWriterVersion":2)",
                               R"("minReaderVersion":-1,"minWriterVersion":2)"}) {
    TestTable t;
    t.Commit(0, {std::string(R"({"protocol":{)") + versions + "}}", MetadataLine(kSchema)});
    EXPECT_TRUE(FailsWith(t.Load(), ErrorCode::kCorrupt, "protocol action")) << versions;
  }
}

TEST(ReconciliationTest, DeletionVectorPositionsPastInt32AreCorruptNotWrapped) {
  // A deletion vector's offset and sizeInBytes are Delta Ints: 2^32 + 7 used to be read as offset
  // 7, which may be another vector of the same file.
  const std::vector<std::string> dv_features = {"deletionVectors"};
  const std::string add = AddLine("a", {}, 100, "", Dv("ab^-aqEH.-t@S}K{vb[*k^", 1, 7));
  auto load = [&](const std::string& line) {
    TestTable t;
    t.Commit(0, {ProtocolLine(3, 7, dv_features, dv_features), MetadataLine(kSchema), line});
    return t.Load();
  };
  ASSERT_TRUE(load(add));  // the descriptor as written loads
  for (auto [from, to] : {std::pair{R"("offset":7)", R"("offset":4294967303)"},
                          {R"("offset":7)", R"("offset":-1)"},
                          {R"("sizeInBytes":36)", R"("sizeInBytes":4294967332)"},
                          {R"("sizeInBytes":36)", R"("sizeInBytes":-36)"}}) {
    std::string line = add;
    const size_t at = line.find(from);
    ASSERT_NE(at, std::string::npos) << line;
    line.replace(at, std::string_view(from).size(), to);
    EXPECT_TRUE(FailsWith(load(line), ErrorCode::kCorrupt, "outside its range")) << line;
  }
}

TEST(ReconciliationTest, ActionNumbersOfTheWrongTypeOrRangeAreCorruptNotDefaulted) {
  // A txn version past int64 used to read as 0 (and a mistyped lastUpdated or createdTime as
  // absent); absent and null still take the protocol's default. inCommitTimestamp is data like
  // any other in the commitInfo of a table without in-commit timestamps (history_test.cc:
  // InCommitTimestampTest for the tables with them).
  std::string metadata = MetadataLine(kSchema);
  const size_t created = metadata.find(R"("createdTime":1)");
  ASSERT_NE(created, std::string::npos) << metadata;
  auto metadata_with = [&](const std::string& created_time) {
    return std::string(metadata).replace(created, 15, R"("createdTime":)" + created_time);
  };
  auto load = [&](const std::string& metadata_line, const std::string& line) {
    TestTable t;
    t.Commit(0, {ProtocolLine(), metadata_line, line});
    return t.Load();
  };
  for (const char* line : {R"({"txn":{"appId":"a","version":3}})",
                           R"({"txn":{"appId":"a","version":3,"lastUpdated":null}})",
                           R"({"commitInfo":{"inCommitTimestamp":null,"timestamp":"noon"}})",
                           R"({"commitInfo":{"inCommitTimestamp":"soon"}})"}) {
    auto ok = load(metadata, line);
    EXPECT_TRUE(ok) << line << ": " << ok.error().message;
  }
  ASSERT_TRUE(load(metadata_with("null"), "{}"));
  const struct {
    std::string metadata, line, message;
  } kCases[] = {
      {metadata, R"({"txn":{"appId":"a","version":9223372036854775808}})",
       "txn action whose version"},
      {metadata, R"({"txn":{"appId":"a","version":"3x"}})", "txn action whose version"},
      {metadata, R"({"txn":{"appId":"a","version":1.5}})", "txn action whose version"},
      {metadata, R"({"txn":{"appId":"a","version":3,"lastUpdated":true}})",
       "txn action whose lastUpdated"},
      {metadata_with("1e300"), "{}", "metaData action whose createdTime"},
      {metadata_with("[1]"), "{}", "metaData action whose createdTime"},
  };
  for (const auto& c : kCases) {
    EXPECT_TRUE(FailsWith(load(c.metadata, c.line), ErrorCode::kCorrupt, c.message)) << c.line;
  }
}

TEST(ReconciliationTest, AMistypedDomainTombstoneIsCorruptNotALiveDomain) {
  // "removed":"true" used to read as false: the removed domain stayed in the snapshot.
  auto load = [](const std::string& removed) {
    TestTable t;
    t.Commit(0, {Head(), DomainLine("d", "x", false)});
    t.Commit(
        1, {R"({"domainMetadata":{"domain":"d","configuration":"x","removed":)" + removed + "}}"});
    return t.Load();
  };
  auto ok = load("true");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_TRUE((*ok)->domain_metadata().empty());
  for (const char* removed : {R"("true")", "1"}) {
    EXPECT_TRUE(FailsWith(load(removed), ErrorCode::kCorrupt,
                          "domainMetadata action whose removed is not a boolean"))
        << removed;
  }
}

// ---- Protocol and table features ----------------------------------------------------------------

TEST(ProtocolTest, UnsupportedReaderFeatureIsNamed) {
  TestTable t;
  t.Commit(0, {ProtocolLine(3, 7, std::vector<std::string>{"deletionVectors", "catalogManaged"},
                            std::vector<std::string>{"deletionVectors", "catalogManaged"}),
               MetadataLine(kSchema)});
  auto s = t.Load();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(s.error().message,
            "Unsupported Delta table: reader feature(s) not supported: catalogManaged");
  SnapshotOptions lenient;
  lenient.check_protocol = false;
  auto loaded = Snapshot::Load(t.store(), lenient);
  ASSERT_TRUE(loaded);
  EXPECT_FALSE((*loaded)->CheckReadable());
}

TEST(ProtocolTest, ReaderVersionAboveThreeIsUnsupported) {
  TestTable t;
  t.Commit(0, {ProtocolLine(4, 7), MetadataLine(kSchema)});
  auto s = t.Load();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            "Unsupported Delta table: it requires reader version 4, this server implements reader "
            "versions up to 3");
}

TEST(ProtocolTest, FeaturesAndActiveProperties) {
  TestTable t;
  t.Commit(0, {ProtocolLine(3, 7,
                            std::vector<std::string>{
                                "columnMapping", "deletionVectors", "timestampNtz", "v2Checkpoint",
                                "vacuumProtocolCheck", "typeWidening", "variantType-preview"},
                            std::vector<std::string>{"columnMapping", "deletionVectors",
                                                     "inCommitTimestamp", "domainMetadata"}),
               MetadataLine(kSchema, {},
                            {{"delta.columnMapping.mode", "name"},
                             {"delta.enableDeletionVectors", "true"},
                             {"delta.enableChangeDataFeed", "true"},
                             {"delta.enableInCommitTimestamps", "true"}})});
  auto s = MustLoad(t);
  const TableFeatures& f = s->features();
  EXPECT_EQ(f.column_mapping_mode, "name");
  EXPECT_TRUE(f.deletion_vectors_enabled);
  EXPECT_TRUE(f.change_data_feed_enabled);
  EXPECT_TRUE(f.in_commit_timestamps_enabled);
  EXPECT_TRUE(f.v2_checkpoints);
  EXPECT_TRUE(f.HasReaderFeature("timestampNtz"));
}

TEST(ProtocolTest, ReaderVersionTwoImpliesColumnMapping) {
  TestTable t;
  t.Commit(0,
           {ProtocolLine(2, 5), MetadataLine(kSchema, {}, {{"delta.columnMapping.mode", "id"}})});
  auto s = MustLoad(t);
  EXPECT_EQ(s->features().reader_features, (std::vector<std::string>{"columnMapping"}));
  EXPECT_EQ(s->features().column_mapping_mode, "id");
}

// ---- Checkpoints --------------------------------------------------------------------------------

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    t.Commit(0, {Head(), AddLine("a"), AddLine("b"), TxnLine("app", 1)});
    t.Commit(1, {RemoveLine("a"), AddLine("c"), DomainLine("d", "cfg", false)});
    t.Commit(2, {AddLine("d")});
  }
  // The state at version 1 as checkpoint rows (with a tombstone for `a`).
  std::vector<std::string> RowsAt1() {
    return {ProtocolLine(), MetadataLine(kSchema), TxnLine("app", 1), DomainLine("d", "cfg", false),
            AddLine("b"),   AddLine("c"),          RemoveLine("a")};
  }
  // Write a version-2 checkpoint (stats_parsed columns id long and day date, no stats string
  // column) of protocol, metadata, file "b" with `stats_parsed` and `more_adds`, and load it.
  std::shared_ptr<const Snapshot> LoadStatsParsedCheckpoint(
      const std::string& stats_parsed, const std::vector<std::string>& more_adds = {}) {
    std::vector<std::string> rows = {
        ProtocolLine(), MetadataLine(kSchema),
        // stats_parsed is a checkpoint-only column the writer's FileAction does not model.
        AddLine("b", {}, 1, "", std::nullopt, true, R"("stats_parsed":)" + stats_parsed)};
    rows.insert(rows.end(), more_adds.begin(), more_adds.end());
    t.WriteParquetCheckpoint("_delta_log/00000000000000000002.checkpoint.parquet", rows,
                             {{"id", "long"}, {"day", "date"}}, /*include_stats_column=*/false);
    return MustLoad(t, 2);
  }
  void DropCommits0And1() {
    t.Delete(testing::CommitName(0));
    t.Delete(testing::CommitName(1));
  }
  void ExpectState() {
    auto s = MustLoad(t);
    ASSERT_TRUE(s);
    EXPECT_EQ(TestTable::Keys(*s), (Keys{"b", "c", "d"}));
    EXPECT_EQ(s->txns().at("app").version, 1);
    EXPECT_EQ(s->domain_metadata().at("d").configuration, "cfg");
    EXPECT_EQ(s->metadata().schema_string, kSchema);
    ASSERT_TRUE(s->segment().checkpoint);
  }
  TestTable t;
};

TEST_F(CheckpointTest, ClassicParquet) {
  t.WriteParquetCheckpoint("_delta_log/00000000000000000001.checkpoint.parquet", RowsAt1());
  DropCommits0And1();
  ExpectState();
  EXPECT_EQ(MustLoad(t)->segment().checkpoint->kind, CheckpointKind::kClassic);
}

TEST_F(CheckpointTest, MultiPart) {
  auto rows = RowsAt1();
  t.WriteParquetCheckpoint(
      "_delta_log/00000000000000000001.checkpoint.0000000001.0000000002.parquet",
      {rows[0], rows[1], rows[2], rows[3]});
  t.WriteParquetCheckpoint(
      "_delta_log/00000000000000000001.checkpoint.0000000002.0000000002.parquet",
      {rows[4], rows[5], rows[6]});
  DropCommits0And1();
  ExpectState();
}

TEST_F(CheckpointTest, V2JsonWithSidecars) {
  std::vector<std::string> sidecar_rows = {AddLine("b"), AddLine("c"), RemoveLine("a")};
  t.WriteParquetCheckpoint("_delta_log/_sidecars/016ae953-37a9-438e-8683-9a9a4a79a395.parquet",
                           sidecar_rows);
  auto rows = RowsAt1();
  std::string text = R"({"checkpointMetadata":{"version":1,"tags":{}}})"
                     "\n";
  for (int i = 0; i < 4; ++i) {
    text += rows[i] + "\n";
  }
  text +=
      R"({"sidecar":{"path":"016ae953-37a9-438e-8683-9a9a4a79a395.parquet","sizeInBytes":1,"modificationTime":1}})"
      "\n";
  t.Put("_delta_log/00000000000000000001.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json",
        text);
  DropCommits0And1();
  ExpectState();
  EXPECT_EQ(MustLoad(t)->segment().checkpoint->kind, CheckpointKind::kUuidJson);
}

// A V2 JSON checkpoint is the provider's file, and a sparse one costs a local table's provider no
// disk: it was read whole into memory at every snapshot load (up to 16 GiB). It is streamed like a
// commit now: a line is refused once more than kMaxJsonLineBytes (here 4 KiB, LoadSnapshot) are
// buffered without a newline. A 4 KiB limit here instead of reading 288 MiB.
TEST_F(CheckpointTest, AV2JsonCheckpointIsStreamedNotReadWhole) {
  const std::string path =
      "_delta_log/00000000000000000001.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json";
  auto rows = RowsAt1();
  std::string text = R"({"checkpointMetadata":{"version":1,"tags":{}}})"
                     "\n";
  for (const auto& row : rows) text += row + "\n";
  t.Put(path, text);
  DropCommits0And1();
  ASSERT_TRUE(LoadSnapshot(t.store(), {}, 4096));  // its lines fit
  // A tail of NUL bytes without a newline, past the longest line (and the reader's 256 KiB block).
  t.Put(path, text + std::string(size_t{1} << 20, '\0'));
  auto s = LoadSnapshot(t.store(), {}, 4096);
  EXPECT_TRUE(FailsWith(s, ErrorCode::kCorrupt, "a line longer than 4096 bytes"));
}

TEST_F(CheckpointTest, V2JsonNumbersOfTheWrongTypeOrRangeAreCorruptNotDefaulted) {
  // A sidecar's sizeInBytes or modificationTime, or checkpointMetadata's version, past int64 or
  // mistyped used to read as 0 (or -1).
  t.WriteParquetCheckpoint("_delta_log/_sidecars/s.parquet", {AddLine("b"), AddLine("c")});
  const std::string path =
      "_delta_log/00000000000000000001.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json";
  DropCommits0And1();
  auto checkpoint = [&](const std::string& version, const std::string& size,
                        const std::string& mtime) {
    auto rows = RowsAt1();
    std::string text = R"({"checkpointMetadata":{"version":)" + version + "}}\n";
    for (int i = 0; i < 4; ++i) {
      text += rows[i] + "\n";
    }
    text += R"({"sidecar":{"path":"s.parquet","sizeInBytes":)" + size + R"(,"modificationTime":)" +
            mtime + "}}\n";
    t.Put(path, text);
    return t.Load();
  };
  auto ok = checkpoint("1", "1", "1");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(TestTable::Keys(**ok), (Keys{"b", "c", "d"}));
  EXPECT_TRUE(FailsWith(checkpoint("\"one\"", "1", "1"), ErrorCode::kCorrupt,
                        "checkpointMetadata action whose version"));
  EXPECT_TRUE(FailsWith(checkpoint("1", "18446744073709551615", "1"), ErrorCode::kCorrupt,
                        "sidecar action whose sizeInBytes"));
  EXPECT_TRUE(FailsWith(checkpoint("1", "1", "{}"), ErrorCode::kCorrupt,
                        "sidecar action whose modificationTime"));
}

TEST_F(CheckpointTest, V2ParquetWithSidecarsAndMissingSidecarIsCorrupt) {
  t.WriteParquetCheckpoint("_delta_log/_sidecars/s1.parquet", {AddLine("b")});
  t.WriteParquetCheckpoint("_delta_log/_sidecars/s2.parquet", {AddLine("c"), RemoveLine("a")});
  auto rows = RowsAt1();
  std::vector<std::string> top = {
      rows[0],
      rows[1],
      rows[2],
      rows[3],
      R"({"checkpointMetadata":{"version":1,"tags":{}}})",
      R"({"sidecar":{"path":"s1.parquet","sizeInBytes":1,"modificationTime":1,"tags":{}}})",
      R"({"sidecar":{"path":"s2.parquet","sizeInBytes":1,"modificationTime":1,"tags":{}}})"};
  t.WriteParquetCheckpoint(
      "_delta_log/00000000000000000001.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.parquet",
      top, {}, true, /*v2_columns=*/true);
  DropCommits0And1();
  ExpectState();
  t.Delete("_delta_log/_sidecars/s2.parquet");
  EXPECT_TRUE(FailsWith(t.Load(), ErrorCode::kCorrupt, "_sidecars/s2.parquet"));
}

TEST_F(CheckpointTest, StatsParsedBecomeJsonStatsWhenTheStringIsAbsent) {
  auto s = LoadStatsParsedCheckpoint(
      R"({"numRecords":4,"minValues":{"id":1,"day":"2024-01-02"},)"
      R"("maxValues":{"id":9,"day":"2024-03-04"},"nullCount":{"id":0,"day":2}})",
      {AddLine("c", {}, 1)});
  ASSERT_EQ(s->files().size(), 2u);
  EXPECT_EQ(
      s->files().Find("b", "")->StatsJson(),
      R"({"numRecords":4,"minValues":{"id":1,"day":"2024-01-02"},"maxValues":{"id":9,"day":"2024-03-04"},"nullCount":{"id":0,"day":2}})");
  EXPECT_FALSE(s->files().Find("c", "")->has_stats);
}

TEST_F(CheckpointTest, AllNullStatsColumnsAreSkippedSafely) {
  // Regression: a column chunk whose statistics say "all null" is not decoded; rebuilding JSON
  // stats must then treat it as absent.
  auto s = LoadStatsParsedCheckpoint(
      R"({"numRecords":4,"minValues":{"id":1,"day":null},)"
      R"("maxValues":{"id":9,"day":null},"nullCount":{"id":0,"day":4}})");
  ASSERT_EQ(s->files().size(), 1u);
  EXPECT_EQ(
      s->files().Find("b", "")->StatsJson(),
      R"({"numRecords":4,"minValues":{"id":1},"maxValues":{"id":9},"nullCount":{"id":0,"day":4}})");
}

TEST_F(CheckpointTest, ProtocolVersionsPastTheirRangeAreCorruptNotWrapped) {
  // As in JSON commits (ReconciliationTest.ProtocolVersionsPastTheirRangeAreCorruptNotWrapped):
  // a negative version, or one past int32 in the INT64 column another writer may use, is a
  // corrupt protocol, not a version narrowed to int32 (2^32 + 1 would read as reader version 1).
  const std::string path = "_delta_log/00000000000000000001.checkpoint.parquet";
  auto rows = RowsAt1();
  rows[0] = ProtocolLine(-1, 2);
  t.WriteParquetCheckpoint(path, rows);
  DropCommits0And1();
  EXPECT_TRUE(FailsWith(t.Load(), ErrorCode::kCorrupt, "protocol action with a version outside"));
  using parquet::PhysicalType;
  auto wide = parquet::WriterSchema::Make({parquet::Struct(
      "protocol", {parquet::Primitive("minReaderVersion", PhysicalType::kInt64),
                   parquet::Primitive("minWriterVersion", PhysicalType::kInt64)})});
  ASSERT_TRUE(wide);
  auto bytes = EncodeCheckpoint(std::move(*wide),
                                {R"({"protocol":{"minReaderVersion":4294967297,"minWriterVersion":2}})"});
  ASSERT_TRUE(bytes) << bytes.error().message;
  t.Put(path, *bytes, 7);
  EXPECT_TRUE(FailsWith(t.Load(), ErrorCode::kCorrupt, "(reader 4294967297, writer 2)"));
}

TEST_F(CheckpointTest, CountsTheFileCannotHoldAreRefusedBeforeDecoding) {
  // 164 bytes: a `protocol.minReaderVersion` column whose one data page claims 2^26 values, all
  // null in one run-length-encoded run, in a row group claiming 2^26 rows. Decoded, it took
  // 128 MB (4 such pages: 670 MB and 7 s of CPU) for each snapshot load; it is refused unread.
  static const char kBytes[] =
      "\x50\x41\x52\x31\x15\x00\x15\x12\x15\x12\x2c\x15\x80\x80\x80\x40\x15\x00\x15\x06"
      "\x15\x06\x00\x00\x05\x00\x00\x00\x80\x80\x80\x40\x00\x15\x02\x19\x3c\x48\x06\x73"
      "\x63\x68\x65\x6d\x61\x15\x02\x00\x35\x02\x18\x08\x70\x72\x6f\x74\x6f\x63\x6f\x6c"
      "\x15\x02\x00\x15\x02\x25\x02\x18\x10\x6d\x69\x6e\x52\x65\x61\x64\x65\x72\x56\x65"
      "\x72\x73\x69\x6f\x6e\x00\x16\x80\x80\x80\x40\x19\x1c\x19\x1c\x26\x08\x1c\x15\x02"
      "\x19\x25\x00\x06\x19\x28\x08\x70\x72\x6f\x74\x6f\x63\x6f\x6c\x10\x6d\x69\x6e\x52"
      "\x65\x61\x64\x65\x72\x56\x65\x72\x73\x69\x6f\x6e\x15\x00\x16\x80\x80\x80\x40\x16"
      "\x3a\x16\x3a\x26\x08\x00\x00\x16\x3a\x16\x80\x80\x80\x40\x00\x00\x7b\x00\x00\x00"
      "\x50\x41\x52\x31";
  const std::string path = "_delta_log/00000000000000000001.checkpoint.parquet";
  t.Put(path, std::string(kBytes, sizeof(kBytes) - 1), 7);
  DropCommits0And1();
  EXPECT_TRUE(FailsWith(t.Load(), ErrorCode::kCorrupt,
                        "row group 0 claims 67108864 rows (67108864 in all), more than a file of 164 bytes holds"));
}

TEST_F(CheckpointTest, RowsClaimedByManyRowGroupsCountTogether) {
  // 400 row groups of 4,000 all-null rows: each row group alone claims fewer rows than the file
  // has bytes, all of them 1.6 million rows in a file of a few kilobytes. Each row group added
  // footer bytes only: the check counts the totals.
  auto schema = parquet::WriterSchema::Make({parquet::Struct(
      "protocol", {parquet::Primitive("minReaderVersion", parquet::PhysicalType::kInt32)})});
  ASSERT_TRUE(schema) << schema.error().message;
  std::string bytes;
  auto w = parquet::FileWriter::Open(std::make_unique<parquet::StringSink>(&bytes),
                                     std::move(*schema), {});
  ASSERT_TRUE(w) << w.error().message;
  const parquet::SchemaNode& leaf = (*w)->schema().node((*w)->schema().leaf_node(0));
  parquet::ColumnData nulls;
  nulls.leaf = 0;
  nulls.type = parquet::PhysicalType::kInt32;
  nulls.max_def = leaf.max_def;
  nulls.num_entries = 4000;
  nulls.def_levels.assign(4000, 0);
  for (int rg = 0; rg < 400; ++rg) {
    ASSERT_TRUE((*w)->WriteRowGroup({nulls}));
  }
  ASSERT_TRUE((*w)->Close());
  ASSERT_LT(bytes.size(), 400'000u);
  ASSERT_GT(bytes.size(), 4'000u);
  t.Put("_delta_log/00000000000000000001.checkpoint.parquet", bytes, 7);
  DropCommits0And1();
  EXPECT_TRUE(FailsWith(t.Load(), ErrorCode::kCorrupt, "in all), more than a file of"));
}

TEST_F(CheckpointTest, CorruptCheckpointFallsBackToAnOlderOneOrCommits) {
  t.Put("_delta_log/00000000000000000001.checkpoint.parquet", "PAR1 definitely not parquet");
  auto s = MustLoad(t);  // commits 0 and 1 are still there
  ASSERT_TRUE(s);
  EXPECT_EQ(TestTable::Keys(*s), (Keys{"b", "c", "d"}));
  DropCommits0And1();
  EXPECT_TRUE(FailsWith(t.Load(), ErrorCode::kCorrupt, "00000000000000000001.checkpoint.parquet"));
}

// A checkpoint whose integer columns another writer typed differently: `reader_version` is stored
// as INT64 and `size` with the physical type given (Delta types both int/long).
std::string CheckpointWithTypes(parquet::PhysicalType size_type, const std::string& reader_version,
                                const std::string& size, const std::string& dv_offset) {
  using parquet::PhysicalType;
  auto str = [](std::string n) {
    return parquet::Primitive(std::move(n), PhysicalType::kByteArray, parquet::StringType());
  };
  auto schema = parquet::WriterSchema::Make({
      parquet::Struct("protocol", {parquet::Primitive("minReaderVersion", PhysicalType::kInt64),
                                   parquet::Primitive("minWriterVersion", PhysicalType::kInt32)}),
      parquet::Struct("metaData", {str("id"), str("schemaString")}),
      parquet::Struct("add", {str("path"), parquet::Primitive("size", size_type),
                              parquet::Struct("deletionVector",
                                              {str("storageType"), str("pathOrInlineDv"),
                                               parquet::Primitive("offset", PhysicalType::kInt64),
                                               parquet::Primitive("sizeInBytes",
                                                                  PhysicalType::kInt32),
                                               parquet::Primitive("cardinality",
                                                                  PhysicalType::kInt64)})}),
  });
  EXPECT_TRUE(schema) << schema.error().message;
  std::string schema_string;
  AppendJsonString(schema_string, kSchema);
  auto bytes = EncodeCheckpoint(
      std::move(*schema),
      {R"({"protocol":{"minReaderVersion":)" + reader_version + R"(,"minWriterVersion":7}})",
       R"({"metaData":{"id":"t","schemaString":)" + schema_string + "}}",
       R"({"add":{"path":"a","size":)" + size +
           R"(,"deletionVector":{"storageType":"u","pathOrInlineDv":"ab^-aqEH.-t@S}K{vb[*k^",)"
           R"("offset":)" + dv_offset + R"(,"sizeInBytes":36,"cardinality":1}}})"});
  EXPECT_TRUE(bytes) << bytes.error().message;
  return *bytes;
}

TEST(CheckpointColumnsTest, IntegersPastTheirRangeOrTypeAreCorruptNotCast) {
  auto load = [](parquet::PhysicalType size_type, const std::string& reader_version,
                 const std::string& size, const std::string& dv_offset) {
    TestTable t;
    t.Put("_delta_log/00000000000000000000.checkpoint.parquet",
          CheckpointWithTypes(size_type, reader_version, size, dv_offset));
    return t.Load();
  };
  using parquet::PhysicalType;
  // As written: INT64 versions and offsets within range load (readers must accept either width).
  auto ok = load(PhysicalType::kInt64, "3", "100", "7");
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ((*ok)->protocol().min_reader_version, 3);
  // 2^32 + 7 used to be read as offset 7.
  EXPECT_TRUE(FailsWith(load(PhysicalType::kInt64, "3", "100", "4294967303"), ErrorCode::kCorrupt,
                        "offset 4294967303"));
  // A DOUBLE size of 1e30 used to reach a double-to-integer cast (undefined behaviour).
  EXPECT_TRUE(FailsWith(load(PhysicalType::kDouble, "3", "1e30", "7"), ErrorCode::kCorrupt,
                        "'add.size' is not an integer column"));
}

// However a checkpoint fails (not Parquet, a column of another type), its error names it once.
TEST(CheckpointColumnsTest, ErrorsNameTheCheckpointOnce) {
  const std::string path = "_delta_log/00000000000000000000.checkpoint.parquet";
  const std::string context = "Failed to read checkpoint '" + path + "': ";
  auto message_of = [&](const std::string& bytes) {
    TestTable t;
    t.Put(path, bytes);
    auto s = t.Load();
    return s ? std::string() : s.error().message;
  };
  const std::string cases[] = {
      "PAR1 definitely not parquet",
      CheckpointWithTypes(parquet::PhysicalType::kDouble, "3", "1e30", "7"),
  };
  for (const std::string& bytes : cases) {
    const std::string message = message_of(bytes);
    const size_t at = message.find(context);
    ASSERT_NE(at, std::string::npos) << message;
    EXPECT_EQ(message.find("Failed to read checkpoint", at + 1), std::string::npos) << message;
  }
  const std::string column_error = message_of(cases[1]);
  EXPECT_NE(column_error.find(context + "checkpoint column 'add.size' is not an integer column"),
            std::string::npos)
      << column_error;
}

// Load version 0 of a table whose only log file is a Parquet checkpoint with a protocol (INT32
// versions), a metaData (id, schemaString, `metadata_more`) and the other action structs
// `actions`, holding `lines` after the protocol and metaData rows (the metaData row's members are
// `metadata_members`). For tests of checkpoints whose columns another writer typed differently.
Result<std::shared_ptr<const Snapshot>> LoadCheckpointWithColumns(
    std::vector<parquet::WriterField> metadata_more, std::vector<parquet::WriterField> actions,
    const std::string& metadata_members, const std::vector<std::string>& lines) {
  using parquet::PhysicalType;
  std::vector<parquet::WriterField> metadata = {
      parquet::Primitive("id", PhysicalType::kByteArray, parquet::StringType()),
      parquet::Primitive("schemaString", PhysicalType::kByteArray, parquet::StringType())};
  metadata.insert(metadata.end(), metadata_more.begin(), metadata_more.end());
  actions.insert(
      actions.begin(),
      {parquet::Struct("protocol", {parquet::Primitive("minReaderVersion", PhysicalType::kInt32),
                                    parquet::Primitive("minWriterVersion", PhysicalType::kInt32)}),
       parquet::Struct("metaData", std::move(metadata))});
  auto schema = parquet::WriterSchema::Make(std::move(actions));
  if (!schema) return tl::unexpected(schema.error());
  std::string schema_string;
  AppendJsonString(schema_string, kSchema);
  std::vector<std::string> rows = {ProtocolLine(), R"({"metaData":{"id":"t","schemaString":)" +
                                                       schema_string + metadata_members + "}}"};
  rows.insert(rows.end(), lines.begin(), lines.end());
  auto bytes = EncodeCheckpoint(std::move(*schema), rows);
  if (!bytes) return tl::unexpected(bytes.error());
  TestTable t;
  t.Put("_delta_log/00000000000000000000.checkpoint.parquet", *bytes);
  return t.Load();
}

// A leaf of the given type (a string when BYTE_ARRAY).
parquet::WriterField Typed(std::string name, parquet::PhysicalType type) {
  return type == parquet::PhysicalType::kByteArray
             ? parquet::Primitive(std::move(name), type, parquet::StringType())
             : parquet::Primitive(std::move(name), type);
}

TEST(CheckpointColumnsTest, TxnAndMetadataNumbersOfAnotherTypeAreCorrupt) {
  // The Parquet side of ReconciliationTest.ActionNumbersOfTheWrongTypeOrRangeAreCorruptNotDefaulted
  // (which 159f3d7 made strict already): a checkpoint column is INT32 or INT64 (then every value is
  // in int64's range) or the checkpoint is corrupt; null is the protocol's absent.
  using parquet::PhysicalType;
  auto load = [](PhysicalType version_type, PhysicalType created_type) {
    return LoadCheckpointWithColumns(
        {Typed("createdTime", created_type)},
        {parquet::Struct(
            "txn", {Typed("appId", PhysicalType::kByteArray), Typed("version", version_type)})},
        R"(,"createdTime":5)", {R"({"txn":{"appId":"a","version":3}})"});
  };
  auto ok = load(PhysicalType::kInt64, PhysicalType::kInt64);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ((*ok)->txns().at("a").version, 3);
  EXPECT_EQ((*ok)->metadata().created_time, 5);
  EXPECT_TRUE(FailsWith(load(PhysicalType::kDouble, PhysicalType::kInt64), ErrorCode::kCorrupt,
                        "'txn.version' is not an integer column"));
  EXPECT_TRUE(FailsWith(load(PhysicalType::kInt64, PhysicalType::kDouble), ErrorCode::kCorrupt,
                        "'metaData.createdTime' is not an integer column"));
}

TEST(CheckpointColumnsTest, BooleansOfAnotherTypeAreCorrupt) {
  // A BYTE_ARRAY domainMetadata.removed ("true") or a DOUBLE add.dataChange (1) used to read as
  // false: the removed domain stayed, the add was no data change.
  using parquet::PhysicalType;
  auto load = [](PhysicalType removed_type, PhysicalType data_change_type) {
    const std::string removed = removed_type == PhysicalType::kByteArray ? R"("true")" : "false";
    const std::string data_change = data_change_type == PhysicalType::kBoolean ? "true" : "1";
    return LoadCheckpointWithColumns(
        {},
        {parquet::Struct(
             "add", {Typed("path", PhysicalType::kByteArray), Typed("size", PhysicalType::kInt64),
                     Typed("dataChange", data_change_type)}),
         parquet::Struct("domainMetadata", {Typed("domain", PhysicalType::kByteArray),
                                            Typed("configuration", PhysicalType::kByteArray),
                                            Typed("removed", removed_type)})},
        "",
        {R"({"add":{"path":"a","size":1,"dataChange":)" + data_change + "}}",
         R"({"domainMetadata":{"domain":"d","configuration":"x","removed":)" + removed + "}}"});
  };
  auto ok = load(PhysicalType::kBoolean, PhysicalType::kBoolean);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ((*ok)->domain_metadata().size(), 1u);
  EXPECT_TRUE(FailsWith(load(PhysicalType::kByteArray, PhysicalType::kBoolean), ErrorCode::kCorrupt,
                        "'domainMetadata.removed' is not a boolean column"));
  EXPECT_TRUE(FailsWith(load(PhysicalType::kBoolean, PhysicalType::kDouble), ErrorCode::kCorrupt,
                        "'add.dataChange' is not a boolean column"));
}

// ---- Incremental refresh ----------------------------------------------------------------------

TEST(RefreshTest, ReadsOnlyNewCommitsAndMatchesAFullLoad) {
  TestTable t;
  std::vector<std::string> first = {Head()};
  for (int i = 0; i < 50; ++i) {
    first.push_back(AddLine("f" + std::to_string(i)));
  }
  t.Commit(0, first);
  auto s0 = MustLoad(t);
  auto same = Snapshot::Refresh(s0);
  ASSERT_TRUE(same);
  EXPECT_EQ(same->get(), s0.get());  // unchanged table: same snapshot
  t.Commit(1, {RemoveLine("f3"), AddLine("g1"), TxnLine("x", 1)});
  t.Commit(2, {AddLine("f4", {}, 999), RemoveLine("g1"), AddLine("g2")});
  auto s2 = Snapshot::Refresh(s0);
  ASSERT_TRUE(s2) << s2.error().message;
  EXPECT_EQ((*s2)->version(), 2);
  EXPECT_EQ((*s2)->load_stats().commits_read, 2);
  auto full = MustLoad(t);
  EXPECT_EQ(TestTable::Keys(**s2), TestTable::Keys(*full));
  EXPECT_EQ((*s2)->files().size(), 50u);
  EXPECT_EQ((*s2)->files().Find("f4", "")->size, 999);
  EXPECT_EQ((*s2)->txns().at("x").version, 1);
  EXPECT_EQ((*s2)->files().total_bytes(), full->files().total_bytes());
  // The old snapshot is untouched.
  EXPECT_EQ(TestTable::Keys(*s0).size(), 50u);
  EXPECT_NE(s0->files().Find("f3", ""), nullptr);
  // Refresh again on top of a refreshed snapshot.
  t.Commit(3, {RemoveLine("g2"), RemoveLine("f0")});
  auto s3 = Snapshot::Refresh(*s2);
  ASSERT_TRUE(s3);
  EXPECT_EQ(TestTable::Keys(**s3), TestTable::Keys(*MustLoad(t)));
  EXPECT_EQ((*s3)->files().size(), 48u);
}

// Issue 10: a shared table deleted later must not be served from the cache forever.
TEST(RefreshTest, ALogThatWasDeletedIsNotFoundNotServedFromTheCache) {
  TestTable t;
  t.Commit(0, {Head(), AddLine("a")});
  t.Commit(1, {AddLine("b")});
  auto s1 = MustLoad(t);
  t.Delete("_delta_log/00000000000000000000.json");
  t.Delete("_delta_log/00000000000000000001.json");
  EXPECT_TRUE(FailsWith(Snapshot::Refresh(s1), ErrorCode::kNotFound));
  // Old commits cleaned up behind a checkpoint are no reason to reload.
  TestTable u;
  u.Commit(0, {Head(), AddLine("a")});
  u.Commit(1, {AddLine("b")});
  auto v1 = MustLoad(u);
  u.Delete("_delta_log/00000000000000000000.json");
  auto same = Snapshot::Refresh(v1);
  ASSERT_TRUE(same) << same.error().message;
  EXPECT_EQ(same->get(), v1.get());
}

TEST(RefreshTest, ProtocolUpgradeToAnUnsupportedFeatureFailsTheRefresh) {
  TestTable t;
  t.Commit(0, {Head()});
  auto s0 = MustLoad(t);
  t.Commit(1, {ProtocolLine(3, 7, std::vector<std::string>{"futureFeature"},
                            std::vector<std::string>{"futureFeature"})});
  EXPECT_TRUE(FailsWith(Snapshot::Refresh(s0), ErrorCode::kUnsupported));
}

// ---- FileSet layering ---------------------------------------------------------------------------

// The containment check once per snapshot (a full /query uses it instead of one per file): plain
// only when every path is its own storage path inside the table; remembered once known.
TEST(SnapshotTest, FilePathsArePlainOnlyWhenEveryPathStaysInsideTheTable) {
  {
    TestTable t;
    t.Commit(0, {Head(), AddLine("p=1/a.parquet"), AddLine("b.parquet"), AddLine("...x/.h")});
    auto s = MustLoad(t);
    ASSERT_NE(s, nullptr);
    EXPECT_TRUE(s->FilePathsArePlain());
    EXPECT_TRUE(s->FilePathsArePlain());
  }
  for (const std::string odd : {"../secret", "a/../../secret", "a%20b.parquet", "file:/etc/passwd",
                                "/etc/passwd", "s3://bucket/x", "a//b", "./a", "a/\x01"}) {
    TestTable t;
    t.Commit(0, {Head(), AddLine("a.parquet"), AddLine(odd), AddLine("b.parquet")});
    auto s = MustLoad(t);
    ASSERT_NE(s, nullptr) << odd;
    EXPECT_FALSE(s->FilePathsArePlain()) << odd;
    EXPECT_FALSE(s->FilePathsArePlain()) << odd;
  }
}

TEST(FileSetTest, LayersShareTheBaseAndMergeWhenTheTailGrows) {
  FileSetBuilder b;
  AddNumberedFiles(b, "file-", 10000, 0);
  FileSet base = b.Finish();
  EXPECT_EQ(base.num_layers(), 1);
  FileSetBuilder b2(base);
  b2.Remove("file-5", "");
  AddInput in;
  in.path = "new";
  in.size = 1;
  b2.Add(in, 1);
  FileSet next = b2.Finish();
  EXPECT_EQ(next.num_layers(), 2);
  EXPECT_EQ(next.size(), 10000u);
  EXPECT_EQ(next.Find("file-5", ""), nullptr);
  EXPECT_NE(base.Find("file-5", ""), nullptr);
  EXPECT_NE(next.Find("new", ""), nullptr);
  // A tail larger than max(4096, base/32) is merged into one layer.
  FileSetBuilder b3(next);
  AddNumberedFiles(b3, "more-", 5000, 2);
  FileSet merged = b3.Finish();
  EXPECT_EQ(merged.num_layers(), 1);
  EXPECT_EQ(merged.size(), 15000u);
  EXPECT_EQ(merged.Find("file-5", ""), nullptr);
  EXPECT_EQ(merged.total_bytes(), 15000);
}

TEST(FileSetTest, ALyingCheckpointRowCountSizesNothingItCannotHold) {
  // A checkpoint's footer claims num_rows (here 2^61 and 2^62, whose 8-byte entries overflow
  // size_t); the adds that follow are stored, not written past a wrapped-around reservation.
  for (size_t claimed : {size_t{1} << 61, size_t{1} << 62, SIZE_MAX}) {
    FileSetBuilder b;
    b.ExpectAdds(claimed);
    AddNumberedFiles(b, "file-", 20000, 0);
    FileSet set = b.Finish();
    EXPECT_EQ(set.size(), 20000u);
    EXPECT_NE(set.Find("file-19999", ""), nullptr);
  }
}

}  // namespace
}  // namespace lakeshare::delta
