#include "materialize/materialize_test_util.h"

#include "parquet/json_shredder.h"
#include "parquet/record_json.h"
#include "storage/random_access_file.h"

namespace lakeshare::materialize::testing {

namespace {

std::unique_ptr<parquet::FileReader> OpenParquet(const std::string& bytes, const char* name) {
  auto reader = parquet::FileReader::Open(
      std::shared_ptr<storage::RandomAccessFile>(storage::MakeBufferFile(bytes, name)));
  EXPECT_TRUE(reader) << reader.error().message;
  return reader ? std::move(*reader) : nullptr;
}

// The columns of `rows` (JSON objects, one a row) as `schema` shreds them.
std::vector<parquet::ColumnData> ShredRows(const parquet::Schema& schema,
                                           const std::vector<std::string>& rows) {
  parquet::RowShredder shredder(schema);
  for (const std::string& row : rows) {
    const Status added = shredder.AddJsonLine(row);
    EXPECT_TRUE(added) << row << ": " << added.error().message;
  }
  return shredder.TakeColumns();
}

}  // namespace

std::string ParquetFile(const std::vector<parquet::WriterField>& fields,
                        const std::vector<std::vector<std::string>>& row_groups) {
  auto schema = parquet::WriterSchema::Make(fields, "spark_schema");
  EXPECT_TRUE(schema) << schema.error().message;
  if (!schema) return "";
  std::string bytes;
  auto writer = parquet::FileWriter::Open(std::make_unique<parquet::StringSink>(&bytes),
                                          std::move(*schema), parquet::WriterOptions());
  EXPECT_TRUE(writer) << writer.error().message;
  if (!writer) return "";
  for (const auto& rows : row_groups) {
    EXPECT_TRUE((*writer)->WriteRowGroup(ShredRows((*writer)->schema(), rows)));
  }
  EXPECT_TRUE((*writer)->Close());
  return bytes;
}

std::vector<std::string> ReadRows(const std::string& parquet_bytes) {
  std::unique_ptr<parquet::FileReader> reader = OpenParquet(parquet_bytes, "out.parquet");
  if (!reader) return {};
  const parquet::Schema& schema = reader->schema();
  parquet::RecordJsonWriter rows(schema, schema.root().children);
  std::vector<std::string> out;
  for (int rg = 0; rg < reader->num_row_groups(); ++rg) {
    std::vector<parquet::ColumnData> columns(static_cast<size_t>(schema.num_leaves()));
    std::vector<const parquet::ColumnData*> ptrs;
    for (int leaf = 0; leaf < schema.num_leaves(); ++leaf) {
      auto c = reader->ReadColumn(rg, leaf);
      EXPECT_TRUE(c) << c.error().message;
      if (c) columns[static_cast<size_t>(leaf)] = std::move(*c);
    }
    for (auto& c : columns) ptrs.push_back(&c);
    rows.StartRowGroup(ptrs);
    for (int64_t r = 0; r < reader->row_group_num_rows(rg); ++r) {
      std::string line;
      EXPECT_TRUE(rows.AppendRow(line));
      out.push_back(line);
    }
  }
  return out;
}

Result<std::pair<RewriteResult, std::string>> Rewrite(const std::string& input,
                                                      const RewriteSpec& spec) {
  LS_ASSIGN_OR_RETURN(auto reader,
                      parquet::FileReader::Open(std::shared_ptr<storage::RandomAccessFile>(
                          storage::MakeBufferFile(input, "in.parquet"))));
  std::string out;
  LS_ASSIGN_OR_RETURN(RewriteResult r,
                      RewriteFile(*reader, spec, std::make_unique<parquet::StringSink>(&out)));
  return std::make_pair(std::move(r), std::move(out));
}

MemoryTableTest::MemoryTableTest() {
  table_ = std::make_shared<storage::MemoryObjectStore>("memory://table");
  storage::StoreOptions cache_options;
  cache_options.clock = &clock_;
  cache_ = std::make_shared<storage::MemoryObjectStore>("memory://cache", cache_options);
  writer_ = std::make_unique<delta::TableWriter>(table_);
}

delta::FileAction MemoryTableTest::WriteDataFile(const std::string& path,
                                                 const std::vector<parquet::WriterField>& fields,
                                                 const std::vector<std::string>& rows) {
  auto schema = parquet::WriterSchema::Make(fields, "spark_schema");
  EXPECT_TRUE(schema) << schema.error().message;
  if (!schema) return delta::FileAction();
  std::vector<parquet::ColumnData> columns = ShredRows(schema->schema(), rows);
  auto add = writer_->WriteDataFile(path, std::move(*schema), {std::move(columns)});
  EXPECT_TRUE(add) << add.error().message;
  return add ? *add : delta::FileAction();
}

}  // namespace lakeshare::materialize::testing
