#include "materialize/file_rewriter.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>

#include "delta/deletion_vector.h"
#include "delta/snapshot.h"
#include "materialize/materialize_test_util.h"
#include "storage/local_object_store.h"

namespace lakeshare::materialize {
namespace {

using parquet::PhysicalType;

using testing::ReadRows;
using testing::Rewrite;

// A file of `fields` in two row groups, rows 0-2 and 3-5; row v is `row(v)` (a JSON object).
std::string TwoRowGroupFile(const std::vector<parquet::WriterField>& fields,
                            const std::function<std::string(int)>& row) {
  std::vector<std::vector<std::string>> row_groups(2);
  for (int v = 0; v < 6; ++v) row_groups[static_cast<size_t>(v / 3)].push_back(row(v));
  return testing::ParquetFile(fields, row_groups);
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
  return TwoRowGroupFile({id, name, tags}, [](int v) {
    return fmt::format(R"({{"col-1":{},"col-2":"n{}","col-3":["t{}","u{}"]}})", v, v, v, v);
  });
}

// Logical names id, name, tags; ids 1..3; physical names col-1..col-3.
const char* kMappedSchema =
    R"({"type":"struct","fields":[)"
    R"({"name":"id","type":"long","nullable":true,"metadata":{"delta.columnMapping.id":1,"delta.columnMapping.physicalName":"col-1"}},)"
    R"({"name":"name","type":"string","nullable":true,"metadata":{"delta.columnMapping.id":2,"delta.columnMapping.physicalName":"col-2"}},)"
    R"({"name":"tags","type":{"type":"array","elementType":"string","containsNull":true},"nullable":true,"metadata":{"delta.columnMapping.id":3,"delta.columnMapping.physicalName":"col-3"}}]})";

// MappedFile() rewritten with `dv` applied, its columns resolved by name.
Result<std::pair<RewriteResult, std::string>> RewriteMappedByName(const delta::DeletionVector& dv) {
  RewriteSpec spec;
  spec.deletion_vector = &dv;
  spec.column_mapping_mode = "name";
  spec.schema_string = kMappedSchema;
  return Rewrite(MappedFile(), spec);
}

TEST(FileRewriterTest, AppliesTheDeletionVectorAcrossRowGroupsAndNamesColumnsLogically) {
  const auto dv = delta::DeletionVector::FromRows({1, 3, 4});  // row 3, 4: second row group
  auto r = RewriteMappedByName(dv);
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
  auto r = RewriteMappedByName(dv);
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

// A data file of a table partitioned by `day` (date), `region` (string), `ts` (timestamp), `n`
// (integer) and `price` (decimal): as Delta writes it, it holds only id and country (the
// partition values are in the add action). Two row groups: ids 0-2 and 3-5, countries DE, FR, DE...
std::string PartitionedDataFile() {
  auto id = parquet::Primitive("id", PhysicalType::kInt64);
  auto country = parquet::Primitive("country", PhysicalType::kByteArray, parquet::StringType());
  return TwoRowGroupFile({id, country}, [](int v) {
    return fmt::format(R"({{"id":{},"country":"{}"}})", v, v % 2 == 0 ? "DE" : "FR");
  });
}

const char* kPartitionedSchema =
    R"({"type":"struct","fields":[)"
    R"({"name":"id","type":"long","nullable":false,"metadata":{}},)"
    R"({"name":"country","type":"string","nullable":true,"metadata":{}},)"
    R"({"name":"day","type":"date","nullable":true,"metadata":{}},)"
    R"({"name":"region","type":"string","nullable":true,"metadata":{}},)"
    R"({"name":"ts","type":"timestamp","nullable":true,"metadata":{}},)"
    R"({"name":"n","type":"integer","nullable":true,"metadata":{}},)"
    R"x({"name":"price","type":"decimal(10,2)","nullable":true,"metadata":{}}]})x";

struct PartitionedCase {
  std::string filter;
  delta::StringMap values;
};

// The ids a partitioned file keeps under `filter` (for a recipient with country=DE).
Result<std::vector<std::string>> KeptIds(const PartitionedCase& c,
                                         std::vector<std::string> columns = {}) {
  LS_ASSIGN_OR_RETURN(RowFilter filter, RowFilter::Resolve(c.filter, {{"country", "DE"}}));
  RewriteSpec spec;
  spec.schema_string = kPartitionedSchema;
  spec.row_filter = &filter;
  spec.columns = std::move(columns);
  spec.partition_columns = {"day", "region", "ts", "n", "price"};
  spec.partition_values = &c.values;
  LS_ASSIGN_OR_RETURN(auto r, Rewrite(PartitionedDataFile(), spec));
  return ReadRows(r.second);
}

std::string Equal(const std::string& column, const std::string& type, const std::string& value,
                  bool property = false) {
  const std::string right =
      property ? R"({"op":"recipientProperty","name":")" + value + R"(","valueType":")" + type +
                     R"("})"
               : R"({"op":"literal","value":")" + value + R"(","valueType":")" + type + R"("})";
  return R"({"op":"equal","children":[{"op":"column","name":")" + column +
         R"(","valueType":")" + type + R"("},)" + right + "]}";
}

const delta::StringMap kJanuary2 = {{"day", "2024-01-02"},       {"region", "EU"},
                                    {"ts", "2024-01-02 10:30:00"}, {"n", "7"},
                                    {"price", "1.50"}};

TEST(FileRewriterPartitionTest, AFilterMixingPartitionAndDataColumnsReadsThePartitionValues) {
  // country = recipientProperty(country) AND day >= '2024-01-01' (day: a partition column).
  const std::string filter =
      R"({"op":"and","children":[)" + Equal("country", "string", "country", true) +
      R"(,{"op":"greaterThanOrEqual","children":[{"op":"column","name":"day","valueType":"date"},)"
      R"({"op":"literal","value":"2024-01-01","valueType":"date"}]}]})";
  auto kept = KeptIds({filter, kJanuary2});
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(*kept, (std::vector<std::string>{R"({"id":0,"country":"DE"})",
                                             R"({"id":2,"country":"DE"})",
                                             R"({"id":4,"country":"DE"})"}));
  // The same file in a partition the filter excludes: no row.
  delta::StringMap december = kJanuary2;
  december[0].second = "2023-12-31";
  kept = KeptIds({filter, december});
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_TRUE(kept->empty());
  // A projection without the partition column the filter reads.
  kept = KeptIds({filter, kJanuary2}, {"id"});
  ASSERT_TRUE(kept) << kept.error().message;
  EXPECT_EQ(*kept, (std::vector<std::string>{R"({"id":0})", R"({"id":2})", R"({"id":4})"}));
}

TEST(FileRewriterPartitionTest, PartitionValuesAreTypedAsTheSchemaSays) {
  for (const auto& [filter, want_rows] : std::vector<std::pair<std::string, size_t>>{
           {Equal("region", "string", "EU"), 6},
           {Equal("region", "string", "US"), 0},
           {Equal("n", "int", "7"), 6},
           {Equal("n", "long", "7"), 6},  // an integer column compared as long
           {Equal("n", "int", "8"), 0},
           {Equal("day", "date", "2024-01-02"), 6},
           {Equal("ts", "timestamp", "2024-01-02T10:30:00Z"), 6},
           {R"({"op":"lessThan","children":[{"op":"column","name":"ts","valueType":"timestamp"},)"
            R"({"op":"literal","value":"2024-01-02T10:00:00Z","valueType":"timestamp"}]})",
            0},
           {R"({"op":"not","children":[)" + Equal("region", "string", "US") + "]}", 6},
           // Case-insensitive names, as for file columns.
           {Equal("REGION", "string", "EU"), 6},
       }) {
    auto kept = KeptIds({filter, kJanuary2});
    ASSERT_TRUE(kept) << filter << ": " << kept.error().message;
    EXPECT_EQ(kept->size(), want_rows) << filter;
  }
}

TEST(FileRewriterPartitionTest, NullPartitionValuesAreNull) {
  const std::string is_null =
      R"({"op":"isNull","children":[{"op":"column","name":"day","valueType":"date"}]})";
  const std::string equal = Equal("day", "date", "2024-01-02");
  const std::string not_equal = R"({"op":"not","children":[)" + equal + "]}";
  for (const std::optional<std::string>& null : {std::optional<std::string>(),
                                                 std::optional<std::string>("")}) {
    delta::StringMap values = kJanuary2;
    values[0].second = null;
    for (const auto& [filter, want_rows] : std::vector<std::pair<std::string, size_t>>{
             {is_null, 6}, {equal, 0}, {not_equal, 0}}) {  // NOT(unknown) is unknown
      auto kept = KeptIds({filter, values});
      ASSERT_TRUE(kept) << filter << ": " << kept.error().message;
      EXPECT_EQ(kept->size(), want_rows) << filter << " with day " << null.value_or("null");
    }
  }
}

TEST(FileRewriterPartitionTest, RefusesWhatItCannotBind) {
  // No partition values in the action (a remove written without extendedFileMetadata).
  auto kept = KeptIds({Equal("region", "string", "EU"), {}});
  ASSERT_FALSE(kept);
  EXPECT_EQ(kept.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(kept.error().message.find("partition values"), std::string::npos);
  // A value that is not a date in the log.
  delta::StringMap bad = kJanuary2;
  bad[0].second = "yesterday";
  kept = KeptIds({Equal("day", "date", "2024-01-02"), bad});
  ASSERT_FALSE(kept);
  EXPECT_EQ(kept.error().code, ErrorCode::kCorrupt);
  // A decimal partition column has no comparable value here.
  kept = KeptIds({Equal("price", "double", "1.5"), kJanuary2});
  ASSERT_FALSE(kept);
  EXPECT_EQ(kept.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(kept.error().message.find("decimal"), std::string::npos);
}

TEST(FileRewriterPartitionTest, ColumnMappedPartitionValuesAreKeyedByPhysicalName) {
  auto filter = RowFilter::Resolve(Equal("region", "string", "country", true), {{"country", "EU"}});
  ASSERT_TRUE(filter);
  RewriteSpec spec;
  spec.column_mapping_mode = "name";
  spec.schema_string =
      R"({"type":"struct","fields":[)"
      R"({"name":"id","type":"long","nullable":false,"metadata":{"delta.columnMapping.id":1,"delta.columnMapping.physicalName":"id"}},)"
      R"({"name":"country","type":"string","nullable":true,"metadata":{"delta.columnMapping.id":2,"delta.columnMapping.physicalName":"country"}},)"
      R"({"name":"region","type":"string","nullable":true,"metadata":{"delta.columnMapping.id":3,"delta.columnMapping.physicalName":"col-77"}}]})";
  spec.row_filter = &*filter;
  spec.partition_columns = {"region"};
  const delta::StringMap values = {{"col-77", "EU"}};
  spec.partition_values = &values;
  auto r = Rewrite(PartitionedDataFile(), spec);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->first.rows_written, 6);
  const delta::StringMap other = {{"col-77", "US"}};
  spec.partition_values = &other;
  r = Rewrite(PartitionedDataFile(), spec);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->first.rows_written, 0);
}

TEST(FileRewriterTest, MaskHashIsTheKeyedHashOfTheValue) {
  auto a = MaskHash("0123456789abcdef", "DE");
  auto b = MaskHash("0123456789abcdef", "DE");
  auto c = MaskHash("0123456789abcdeX", "DE");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_EQ(a->size(), 64u);
}

// A deletion-vector table of the corpus written by Spark: its one DV deletes rows 0 and 9 (read
// from the DV file's bytes by hand: array container {0, 9}); the rewritten file holds the other
// rows of the data file, in order.
TEST(FileRewriterTest, AFileThatDecodesToMoreThanItsSizeAllowsIsCorruptNotDecoded) {
  // A provider writes any file into its table: 164 bytes claiming 2^26 null values in one
  // run-length-encoded run decoded to 128 MB of levels for each rewrite. Now the decode stops at
  // the file's budget (parquet/decode_budget.h).
  std::ifstream in(std::string(LAKESHARE_SOURCE_DIR) +
                       "/testdata/parquet/broken/null_run_of_2p26_levels.parquet",
                   std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(bytes.size(), 164u);
  RewriteSpec spec;
  spec.schema_string =
      R"({"type":"struct","fields":[{"name":"protocol","type":{"type":"struct","fields":[)"
      R"({"name":"minReaderVersion","type":"integer","nullable":true,"metadata":{}}]},)"
      R"("nullable":true,"metadata":{}}]})";
  auto r = Rewrite(bytes, spec);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(r.error().message.find("'in.parquet': decoding the column chunk takes more than"),
            std::string::npos)
      << r.error().message;
}

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
