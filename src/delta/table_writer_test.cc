#include "delta/table_writer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "delta/change_feed.h"
#include "delta/delta_test_util.h"
#include "delta/snapshot.h"
#include "parquet/file_reader.h"
#include "parquet/json_shredder.h"
#include "parquet/record_json.h"
#include "storage/memory_object_store.h"

namespace lakeshare::delta {
namespace {

using parquet::PhysicalType;

// Columns id (long), name (string), day (date), price (decimal(9,2)), at (timestamp) from JSON
// rows, through the project's shredder.
struct Rows {
  parquet::WriterSchema schema;
  std::vector<parquet::ColumnData> columns;
};

Rows MakeRows(const std::vector<std::string>& json_rows) {
  auto schema = parquet::WriterSchema::Make(
      {parquet::Primitive("id", PhysicalType::kInt64),
       parquet::Primitive("name", PhysicalType::kByteArray, parquet::StringType()),
       parquet::Primitive("day", PhysicalType::kInt32, parquet::DateType()),
       parquet::Primitive("price", PhysicalType::kInt32, parquet::DecimalType(9, 2)),
       parquet::Primitive("at", PhysicalType::kInt64,
                          parquet::TimestampType(parquet::TimeUnit::kMicros, true))},
      "spark_schema");
  EXPECT_TRUE(schema) << schema.error().message;
  parquet::RowShredder shredder(schema->schema());
  for (const auto& r : json_rows) {
    auto st = shredder.AddJsonLine(r);
    EXPECT_TRUE(st) << st.error().message;
  }
  return {std::move(*schema), shredder.TakeColumns()};
}

Protocol DvProtocol() {
  return testing::MakeProtocol(3, 7, std::vector<std::string>{"deletionVectors"},
                               std::vector<std::string>{"deletionVectors"});
}

Metadata TableMetadata() {
  Metadata m;
  m.id = "00000000-0000-0000-0000-000000000001";
  m.schema_string =
      R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
      R"({"name":"name","type":"string","nullable":true,"metadata":{}},)"
      R"({"name":"day","type":"date","nullable":true,"metadata":{}},)"
      R"j({"name":"price","type":"decimal(9,2)","nullable":true,"metadata":{}},)j"
      R"({"name":"at","type":"timestamp","nullable":true,"metadata":{}}]})";
  m.configuration = {{"delta.enableDeletionVectors", "true"},
                     {"delta.enableChangeDataFeed", "true"}};
  m.created_time = 5;
  return m;
}

class TableWriterTest : public ::testing::Test {
 protected:
  TableWriterTest() {
    store_ = std::make_shared<storage::MemoryObjectStore>("memory://t");
    TableWriterOptions o;
    o.clock = &clock_;
    int n = 0;
    o.random_uuid = [n]() mutable { return std::string(16, static_cast<char>(++n)); };
    writer_ = std::make_unique<TableWriter>(store_, o);
  }
  ManualClock clock_{1'700'000'000'000};
  std::shared_ptr<storage::MemoryObjectStore> store_;
  std::unique_ptr<TableWriter> writer_;
};

TEST_F(TableWriterTest, WritesDataFilesWithStatisticsAsDeltaWritersDo) {
  Rows rows = MakeRows({
      R"({"id":3,"name":"b","day":"2024-05-02","price":"24.95","at":"2024-05-01T10:00:00.123456Z"})",
      R"({"id":1,"name":"a","day":"2024-05-01","price":"-0.05","at":null})",
      R"({"id":2,"name":null,"day":"2024-05-03","price":"100.00","at":"2024-05-01T09:00:00Z"})",
  });
  auto add = writer_->WriteDataFile("part 0.parquet", std::move(rows.schema), {rows.columns});
  ASSERT_TRUE(add) << add.error().message;
  EXPECT_EQ(add->path, "part%200.parquet");
  EXPECT_EQ(*add->modification_time, 1700000000000);
  EXPECT_EQ(*add->stats,
            R"({"numRecords":3,"minValues":{"id":1,"name":"a","day":"2024-05-01","price":-0.05,)"
            R"("at":"2024-05-01T09:00:00.000Z"},"maxValues":{"id":3,"name":"b","day":"2024-05-03",)"
            R"("price":100.00,"at":"2024-05-01T10:00:00.124Z"},"nullCount":{"id":0,"name":1,)"
            R"("day":0,"price":0,"at":1}})");
  auto bytes = store_->Read("part 0.parquet");
  ASSERT_TRUE(bytes);
  EXPECT_EQ(static_cast<int64_t>(bytes->size()), *add->size);
  EXPECT_EQ(FileActionLine(*add).substr(0, 60),
            R"({"add":{"path":"part%200.parquet","partitionValues":{},"size)");
}

TEST_F(TableWriterTest, LongStringsKeepAPrefixAsMinimumAndNoMaximum) {
  const std::string long_name(40, 'z');
  Rows rows = MakeRows({R"({"id":1,"name":")" + long_name + R"("})"});
  auto add = writer_->WriteDataFile("f.parquet", std::move(rows.schema), {rows.columns});
  ASSERT_TRUE(add);
  auto stats = nlohmann::json::parse(*add->stats);
  EXPECT_EQ(stats["minValues"]["name"], std::string(32, 'z'));
  EXPECT_FALSE(stats["maxValues"].contains("name"));
}

TEST_F(TableWriterTest, WritesATableTheReaderReplaysWithDeletionVectorsCdcAndACheckpoint) {
  Rows rows = MakeRows({R"({"id":1})", R"({"id":2})", R"({"id":3})", R"({"id":4})"});
  auto add = writer_->WriteDataFile("a.parquet", std::move(rows.schema), {rows.columns});
  ASSERT_TRUE(add);
  ASSERT_TRUE(writer_->Commit(0, {CommitInfoActionLine(R"("operation":"WRITE")"),
                                  ProtocolActionLine(DvProtocol()),
                                  MetadataActionLine(TableMetadata()), FileActionLine(*add)}));
  // Version 0 exists: a second writer of version 0 loses.
  EXPECT_EQ(writer_->Commit(0, {}).error().code, ErrorCode::kAlreadyExists);

  // Version 1 deletes rows 1 and 3 with a DV file, and records the change data.
  auto dv = writer_->WriteDeletionVector(DeletionVector::FromRows({1, 3}), "xy");
  ASSERT_TRUE(dv) << dv.error().message;
  FileAction remove = *add;
  remove.type = FileActionType::kRemove;
  remove.deletion_timestamp = 7;
  FileAction with_dv = *add;
  with_dv.deletion_vector = *dv;
  with_dv.stats = *add->stats;
  FileAction cdc;
  cdc.type = FileActionType::kCdc;
  cdc.path = "_change_data/c.parquet";
  cdc.size = 10;
  ASSERT_TRUE(writer_->Commit(1, {FileActionLine(remove), FileActionLine(with_dv),
                                  FileActionLine(cdc)}));
  auto s1 = Snapshot::Load(store_);
  ASSERT_TRUE(s1) << s1.error().message;
  EXPECT_EQ((*s1)->version(), 1);
  ASSERT_EQ((*s1)->files().size(), 1u);
  const AddFile* f = (*s1)->files().Files()[0];
  ASSERT_NE(f->deletion_vector, nullptr);
  auto loaded = LoadDeletionVector(*store_, f->deletion_vector->descriptor);
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->Rows(), (std::vector<uint64_t>{1, 3}));
  // The change feed sees the cdc file of version 1.
  ChangeFeedOptions cdf;
  cdf.start = 1;
  cdf.end = 1;
  auto changes = ReadChangeFeed(store_, cdf);
  ASSERT_TRUE(changes) << changes.error().message;
  int cdc_files = 0;
  for (const auto& c : *changes) {
    for (const auto& a : c.actions) cdc_files += a.type == FileActionType::kCdc;
  }
  EXPECT_EQ(cdc_files, 1);

  // An inline DV and a checkpoint at version 2: the checkpoint replays to the same files.
  FileAction inline_dv = *add;
  inline_dv.deletion_vector = TableWriter::InlineDeletionVector(DeletionVector::FromRows({0}));
  FileAction remove_dv = with_dv;
  remove_dv.type = FileActionType::kRemove;
  remove_dv.deletion_timestamp = 8;
  ASSERT_TRUE(writer_->Commit(2, {FileActionLine(remove_dv), FileActionLine(inline_dv)}));
  auto s2 = Snapshot::Load(store_);
  ASSERT_TRUE(s2);
  ASSERT_TRUE(writer_->WriteCheckpoint(**s2));
  EXPECT_TRUE(store_->Read("_delta_log/00000000000000000002.checkpoint.parquet"));
  ASSERT_TRUE(store_->Delete(CommitPath(0)));  // readable from the checkpoint alone
  ASSERT_TRUE(store_->Delete(CommitPath(1)));
  auto from_checkpoint = Snapshot::Load(store_);
  ASSERT_TRUE(from_checkpoint) << from_checkpoint.error().message;
  EXPECT_EQ((*from_checkpoint)->load_stats().checkpoint_files_read, 1);
  ASSERT_EQ((*from_checkpoint)->files().size(), 1u);
  const AddFile* g = (*from_checkpoint)->files().Files()[0];
  ASSERT_NE(g->deletion_vector, nullptr);
  EXPECT_EQ(g->deletion_vector->descriptor.storage_type, 'i');
  EXPECT_EQ(g->StatsJson(), *add->stats);
  EXPECT_EQ((*from_checkpoint)->metadata().id, TableMetadata().id);
  EXPECT_TRUE((*from_checkpoint)->protocol().HasReaderFeature("deletionVectors"));
}

}  // namespace
}  // namespace lakeshare::delta
