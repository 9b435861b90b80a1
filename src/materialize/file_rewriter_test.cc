#include "materialize/file_rewriter.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "delta/deletion_vector.h"
#include "delta/snapshot.h"
#include "parquet/json_shredder.h"
#include "parquet/record_json.h"
#include "storage/local_object_store.h"
#include "storage/random_access_file.h"

namespace lakeshare::materialize {
namespace {

using parquet::PhysicalType;

// Read every row of a Parquet file as JSON objects.
std::vector<std::string> ReadRows(const std::string& bytes) {
  auto file = std::shared_ptr<storage::RandomAccessFile>(storage::MakeBufferFile(bytes, "out.parquet"));
  auto reader = parquet::FileReader::Open(std::move(file));
  EXPECT_TRUE(reader) << reader.error().message;
  const auto& schema = (*reader)->schema();
  std::vector<int> fields = schema.root().children;
  parquet::RecordJsonWriter rows(schema, fields);
  std::vector<std::string> out;
  for (int rg = 0; rg < (*reader)->num_row_groups(); ++rg) {
    std::vector<parquet::ColumnData> columns(static_cast<size_t>(schema.num_leaves()));
    std::vector<const parquet::ColumnData*> ptrs;
    for (int leaf = 0; leaf < schema.num_leaves(); ++leaf) {
      auto c = (*reader)->ReadColumn(rg, leaf);
      EXPECT_TRUE(c);
      columns[static_cast<size_t>(leaf)] = std::move(*c);
    }
    for (auto& c : columns) ptrs.push_back(&c);
    rows.StartRowGroup(ptrs);
    for (int64_t r = 0; r < (*reader)->row_group_num_rows(rg); ++r) {
      std::string line;
      EXPECT_TRUE(rows.AppendRow(line));
      out.push_back(line);
    }
  }
  return out;
}

// A file as a column-mapped writer writes it: physical names and field ids, two row groups.
std::string MappedFile() {
  auto id = parquet::Primitive("col-1", PhysicalType::kInt64);
  id.field_id = 1;
  auto name = parquet::Primitive("col-2", PhysicalType::kByteArray, parquet::StringType());
  name.field_id = 2;
  auto tag = parquet::Primitive("col-4", PhysicalType::kByteArray, parquet::StringType());
  tag.field_id = 4;
  auto tags = parquet::List("col-3", tag);
  tags.field_id = 3;
  auto schema = parquet::WriterSchema::Make({id, name, tags}, "spark_schema");
  EXPECT_TRUE(schema) << schema.error().message;
  std::string bytes;
  auto writer = parquet::FileWriter::Open(std::make_unique<parquet::StringSink>(&bytes),
                                          std::move(*schema), parquet::WriterOptions());
  EXPECT_TRUE(writer);
  for (int rg = 0; rg < 2; ++rg) {
    parquet::RowShredder shredder((*writer)->schema());
    for (int i = 0; i < 3; ++i) {
      const int v = rg * 3 + i;
      EXPECT_TRUE(shredder.AddJsonLine(fmt::format(
          R"({{"col-1":{},"col-2":"n{}","col-3":["t{}","u{}"]}})", v, v, v, v)));
    }
    EXPECT_TRUE((*writer)->WriteRowGroup(shredder.TakeColumns()));
  }
  EXPECT_TRUE((*writer)->Close());
  return bytes;
}

// Logical names id, name, tags; ids 1..3; physical names col-1..col-3.
const char* kMappedSchema =
    R"({"type":"struct","fields":[)"
    R"({"name":"id","type":"long","nullable":true,"metadata":{"delta.columnMapping.id":1,"delta.columnMapping.physicalName":"col-1"}},)"
    R"({"name":"name","type":"string","nullable":true,"metadata":{"delta.columnMapping.id":2,"delta.columnMapping.physicalName":"col-2"}},)"
    R"({"name":"tags","type":{"type":"array","elementType":"string","containsNull":true},"nullable":true,"metadata":{"delta.columnMapping.id":3,"delta.columnMapping.physicalName":"col-3"}}]})";

Result<std::pair<RewriteResult, std::string>> Rewrite(const std::string& input,
                                                     const RewriteSpec& spec) {
  LS_ASSIGN_OR_RETURN(auto reader,
                      parquet::FileReader::Open(std::shared_ptr<storage::RandomAccessFile>(storage::MakeBufferFile(input, "in.parquet"))));
  std::string out;
  LS_ASSIGN_OR_RETURN(auto r,
                      RewriteFile(*reader, spec, std::make_unique<parquet::StringSink>(&out)));
  return std::make_pair(r, out);
}

TEST(FileRewriterTest, AppliesTheDeletionVectorAcrossRowGroupsAndNamesColumnsLogically) {
  const auto dv = delta::DeletionVector::FromRows({1, 3, 4});  // row 3, 4: second row group
  RewriteSpec spec;
  spec.deletion_vector = &dv;
  spec.column_mapping_mode = "name";
  spec.schema_string = kMappedSchema;
  auto r = Rewrite(MappedFile(), spec);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->first.rows_read, 6);
  EXPECT_EQ(r->first.rows_written, 3);
  EXPECT_EQ(ReadRows(r->second),
            (std::vector<std::string>{R"({"id":0,"name":"n0","tags":["t0","u0"]})",
                                      R"({"id":2,"name":"n2","tags":["t2","u2"]})",
                                      R"({"id":5,"name":"n5","tags":["t5","u5"]})"}));
  EXPECT_EQ(r->first.stats_json,
            R"({"numRecords":3,"minValues":{"id":0,"name":"n0"},"maxValues":{"id":5,"name":"n5"},)"
            R"("nullCount":{"id":0,"name":0}})");
}

TEST(FileRewriterTest, ResolvesColumnsByFieldIdInIdMode) {
  // In id mode the physical names do not matter: rename them in the Delta schema to prove it.
  std::string schema = kMappedSchema;
  for (const char* p : {"col-1", "col-2", "col-3"}) {
    schema.replace(schema.find(p), 5, "xxx-9");
  }
  RewriteSpec spec;
  spec.column_mapping_mode = "id";
  spec.schema_string = schema;
  spec.columns = {"tags", "id"};  // projection, in this order
  auto r = Rewrite(MappedFile(), spec);
  ASSERT_TRUE(r) << r.error().message;
  auto rows = ReadRows(r->second);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[4], R"({"tags":["t4","u4"],"id":4})");
}

TEST(FileRewriterTest, AFullyDeletedFileHasNoRows) {
  const auto dv = delta::DeletionVector::FromRows({0, 1, 2, 3, 4, 5});
  RewriteSpec spec;
  spec.deletion_vector = &dv;
  spec.column_mapping_mode = "name";
  spec.schema_string = kMappedSchema;
  auto r = Rewrite(MappedFile(), spec);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->first.rows_written, 0);
  EXPECT_TRUE(ReadRows(r->second).empty());
}

TEST(FileRewriterTest, RefusesUnknownColumnsAndBadSchemas) {
  RewriteSpec spec;
  spec.schema_string = kMappedSchema;
  spec.column_mapping_mode = "name";
  spec.columns = {"secret"};
  EXPECT_EQ(Rewrite(MappedFile(), spec).error().code, ErrorCode::kInvalidArgument);
  spec.columns.clear();
  spec.schema_string = "{not json";
  EXPECT_EQ(Rewrite(MappedFile(), spec).error().code, ErrorCode::kInvalidArgument);
}

// A deletion-vector table of the corpus written by Spark: its one DV deletes rows 0 and 9 (read
// from the DV file's bytes by hand: array container {0, 9}); the rewritten file holds the other
// rows of the data file, in order.
TEST(FileRewriterCorpusTest, SparkDeletionVectorTable) {
  const std::filesystem::path table =
      std::filesystem::path(LAKESHARE_CORPUS_DIR) / "delta-rs" / "table-with-dv-small";
  if (!std::filesystem::is_directory(table)) GTEST_SKIP() << "corpus not found at " << table;
  auto store = storage::LocalObjectStore::Open(table.string());
  ASSERT_TRUE(store);
  auto snapshot = delta::Snapshot::Load(std::shared_ptr<storage::ObjectStore>(std::move(*store)));
  ASSERT_TRUE(snapshot) << snapshot.error().message;
  const auto files = (*snapshot)->files().Files();
  ASSERT_EQ(files.size(), 1u);
  const delta::AddFile& f = *files[0];
  ASSERT_NE(f.deletion_vector, nullptr);
  auto dv = delta::LoadDeletionVector(*(*snapshot)->store(), f.deletion_vector->descriptor);
  ASSERT_TRUE(dv) << dv.error().message;
  auto bytes = (*snapshot)->store()->Read(std::string(f.path()));
  ASSERT_TRUE(bytes);
  const auto original = ReadRows(*bytes);
  RewriteSpec spec;
  spec.deletion_vector = &*dv;
  spec.schema_string = (*snapshot)->metadata().schema_string;
  auto r = Rewrite(*bytes, spec);
  ASSERT_TRUE(r) << r.error().message;
  std::vector<std::string> expected;
  for (size_t i = 0; i < original.size(); ++i) {
    if (i != 0 && i != 9) expected.push_back(original[i]);
  }
  EXPECT_EQ(ReadRows(r->second), expected);
}

}  // namespace
}  // namespace lakeshare::materialize
