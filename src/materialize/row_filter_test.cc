#include "materialize/row_filter.h"

#include <gtest/gtest.h>

#include "materialize/file_rewriter.h"
#include "parquet/file_writer.h"
#include "parquet/json_shredder.h"
#include "parquet/record_json.h"
#include "storage/random_access_file.h"

namespace lakeshare::materialize {
namespace {

using parquet::PhysicalType;

const char* kCountryFilter =
    R"({"op":"equal","children":[{"op":"column","name":"country","valueType":"string"},)"
    R"({"op":"recipientProperty","name":"country","valueType":"string"}]})";

TEST(RowFilterTest, RecipientsOfTheSamePropertyValueShareOneResolvedFilter) {
  auto de1 = RowFilter::Resolve(kCountryFilter, {{"country", "DE"}, {"tier", "gold"}});
  auto de2 = RowFilter::Resolve(kCountryFilter, {{"country", "DE"}});
  auto fr = RowFilter::Resolve(kCountryFilter, {{"country", "FR"}});
  ASSERT_TRUE(de1 && de2 && fr);
  EXPECT_EQ(de1->resolved(), de2->resolved());
  EXPECT_NE(de1->resolved(), fr->resolved());
  EXPECT_EQ(de1->Columns(), std::vector<std::string>{"country"});
}

TEST(RowFilterTest, ARecipientWithoutThePropertySeesNoRows) {
  auto none = RowFilter::Resolve(kCountryFilter, {{"tier", "gold"}});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->never());
  EXPECT_EQ(none->resolved(), "false");
  std::vector<uint8_t> keep(4, 1);
  ASSERT_TRUE(none->Evaluate(parquet::Schema(), {}, &keep));
  EXPECT_EQ(keep, std::vector<uint8_t>(4, 0));
}

TEST(RowFilterTest, RefusesBadFilters) {
  EXPECT_FALSE(RowFilter::Resolve("{not json", {}));
  EXPECT_FALSE(RowFilter::Resolve(R"({"op":"recipientProperty"})", {}));
  EXPECT_FALSE(RowFilter::Resolve(R"({"op":"frobnicate","children":[]})", {}));
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += R"({"op":"not","children":[)";
  EXPECT_FALSE(RowFilter::Resolve(deep, {}));
}

// A file with country (string, nullable), amount (long) and email; the filter keeps one
// recipient's rows, the projection drops the filter's own column.
std::string SalesFile() {
  auto schema = parquet::WriterSchema::Make(
      {parquet::Primitive("country", PhysicalType::kByteArray, parquet::StringType()),
       parquet::Primitive("amount", PhysicalType::kInt64),
       parquet::Primitive("email", PhysicalType::kByteArray, parquet::StringType())},
      "spark_schema");
  EXPECT_TRUE(schema);
  parquet::RowShredder shredder(schema->schema());
  for (const char* row : {R"({"country":"DE","amount":5,"email":"a@x"})",
                          R"({"country":"FR","amount":7,"email":"b@x"})",
                          R"({"country":null,"amount":9,"email":"c@x"})",
                          R"({"country":"DE","amount":11,"email":"d@x"})"}) {
    EXPECT_TRUE(shredder.AddJsonLine(row));
  }
  std::string bytes;
  auto writer = parquet::FileWriter::Open(std::make_unique<parquet::StringSink>(&bytes),
                                          std::move(*schema), parquet::WriterOptions());
  EXPECT_TRUE(writer && (*writer)->WriteRowGroup(shredder.TakeColumns()) && (*writer)->Close());
  return bytes;
}

std::vector<std::string> Rewritten(const std::string& input, const RewriteSpec& spec) {
  auto reader = parquet::FileReader::Open(
      std::shared_ptr<storage::RandomAccessFile>(storage::MakeBufferFile(input, "in")));
  EXPECT_TRUE(reader);
  std::string out;
  auto r = RewriteFile(**reader, spec, std::make_unique<parquet::StringSink>(&out));
  EXPECT_TRUE(r) << r.error().message;
  auto back = parquet::FileReader::Open(
      std::shared_ptr<storage::RandomAccessFile>(storage::MakeBufferFile(out, "out")));
  EXPECT_TRUE(back);
  const auto& schema = (*back)->schema();
  parquet::RecordJsonWriter rows(schema, schema.root().children);
  std::vector<std::string> lines;
  for (int rg = 0; rg < (*back)->num_row_groups(); ++rg) {
    std::vector<parquet::ColumnData> cols;
    std::vector<const parquet::ColumnData*> ptrs;
    for (int leaf = 0; leaf < schema.num_leaves(); ++leaf) cols.push_back(*(*back)->ReadColumn(rg, leaf));
    for (auto& c : cols) ptrs.push_back(&c);
    rows.StartRowGroup(ptrs);
    for (int64_t i = 0; i < (*back)->row_group_num_rows(rg); ++i) {
      std::string line;
      EXPECT_TRUE(rows.AppendRow(line));
      lines.push_back(line);
    }
  }
  return lines;
}

const char* kSalesSchema =
    R"({"type":"struct","fields":[{"name":"country","type":"string","nullable":true,"metadata":{}},)"
    R"({"name":"amount","type":"long","nullable":true,"metadata":{}},)"
    R"({"name":"email","type":"string","nullable":true,"metadata":{}}]})";

TEST(RowFilterTest, RewrittenFilesHoldOnlyTheRecipientsRowsAndTheListedColumns) {
  auto de = RowFilter::Resolve(kCountryFilter, {{"country", "DE"}});
  ASSERT_TRUE(de);
  RewriteSpec spec;
  spec.schema_string = kSalesSchema;
  spec.row_filter = &*de;
  spec.columns = {"amount"};
  EXPECT_EQ(Rewritten(SalesFile(), spec),
            (std::vector<std::string>{R"({"amount":5})", R"({"amount":11})"}));
  // NOT(country = 'DE') does not keep the null country: unknown is not true.
  auto not_de = RowFilter::Resolve(
      std::string(R"({"op":"not","children":[)") + kCountryFilter + "]}", {{"country", "DE"}});
  ASSERT_TRUE(not_de);
  spec.row_filter = &*not_de;
  spec.columns = {"country", "amount"};
  EXPECT_EQ(Rewritten(SalesFile(), spec),
            (std::vector<std::string>{R"({"country":"FR","amount":7})"}));
  // OR with a numeric comparison; AND(false, unknown) is false.
  auto big = RowFilter::Resolve(
      R"({"op":"or","children":[{"op":"greaterThan","children":[{"op":"column","name":"amount","valueType":"long"},{"op":"literal","value":"8","valueType":"long"}]},)"
      R"({"op":"isNull","children":[{"op":"column","name":"country","valueType":"string"}]}]})",
      {});
  ASSERT_TRUE(big) << big.error().message;
  spec.row_filter = &*big;
  spec.columns = {"amount"};
  EXPECT_EQ(Rewritten(SalesFile(), spec),
            (std::vector<std::string>{R"({"amount":9})", R"({"amount":11})"}));
}

TEST(ColumnMaskTest, NullAndHashMasks) {
  RewriteSpec spec;
  spec.schema_string = kSalesSchema;
  spec.columns = {"country", "email"};
  spec.column_masks = {{"country", "null"}, {"email", "hash"}};
  spec.mask_key = "0123456789abcdef";
  const auto rows = Rewritten(SalesFile(), spec);
  ASSERT_EQ(rows.size(), 4u);
  // HMAC-SHA256("0123456789abcdef", "a@x") in hex, as `openssl dgst -sha256 -hmac` prints it:
  // not the plain SHA-256 (bd39e6fe...), which anyone can recompute from a list of addresses.
  EXPECT_EQ(rows[0],
            R"({"country":null,"email":"b376083abdc4a15a06dc0af7e565bedd79e79ebbe06326a79c24ce045785dec2"})")
      << rows[0];
  // Another key (another share) gives other hashes; no key is refused.
  spec.mask_key = "fedcba9876543210";
  EXPECT_NE(Rewritten(SalesFile(), spec)[0], rows[0]);
  {
    spec.mask_key.clear();
    auto reader = parquet::FileReader::Open(
        std::shared_ptr<storage::RandomAccessFile>(storage::MakeBufferFile(SalesFile(), "in")));
    ASSERT_TRUE(reader);
    std::string out;
    auto r = RewriteFile(**reader, spec, std::make_unique<parquet::StringSink>(&out));
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    spec.mask_key = "0123456789abcdef";
  }
  spec.column_masks = {{"amount", "hash"}};  // hash applies to strings only
  auto reader = parquet::FileReader::Open(
      std::shared_ptr<storage::RandomAccessFile>(storage::MakeBufferFile(SalesFile(), "in")));
  ASSERT_TRUE(reader);
  std::string out;
  spec.columns.clear();
  auto r = RewriteFile(**reader, spec, std::make_unique<parquet::StringSink>(&out));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace lakeshare::materialize
