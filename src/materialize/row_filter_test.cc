#include "materialize/row_filter.h"

#include <gtest/gtest.h>

#include "materialize/file_rewriter.h"
#include "materialize/materialize_test_util.h"

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

// A column renamed since the share was granted: the filter reads it under its other name.
TEST(RowFilterTest, ARenamedFilterReadsItsColumnsUnderTheirNewNames) {
  auto de = RowFilter::Resolve(
      R"({"op":"and","children":[{"op":"equal","children":[)"
      R"({"op":"column","name":"country","valueType":"string"},)"
      R"({"op":"recipientProperty","name":"country","valueType":"string"}]},)"
      R"({"op":"isNull","children":[{"op":"column","name":"note","valueType":"string"}]}]})",
      {{"country", "DE"}});
  ASSERT_TRUE(de);
  auto renamed = de->Renamed({{"country", "land"}, {"note", "note"}});
  ASSERT_TRUE(renamed) << renamed.error().message;
  EXPECT_EQ(renamed->Columns(), (std::vector<std::string>{"land", "note"}));
  EXPECT_NE(renamed->resolved(), de->resolved());  // the cache identity follows the names
  EXPECT_NE(renamed->resolved().find(R"("value":"DE")"), std::string::npos);
  // A column without a new name is an error, never a filter that reads another column.
  EXPECT_FALSE(de->Renamed({{"country", "land"}}));
  // A filter that keeps no row keeps none under any names.
  auto none = RowFilter::Resolve(kCountryFilter, {});
  ASSERT_TRUE(none);
  auto still = none->Renamed({});
  ASSERT_TRUE(still);
  EXPECT_TRUE(still->never());
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
  return testing::ParquetFile(
      {parquet::Primitive("country", PhysicalType::kByteArray, parquet::StringType()),
       parquet::Primitive("amount", PhysicalType::kInt64),
       parquet::Primitive("email", PhysicalType::kByteArray, parquet::StringType())},
      {{R"({"country":"DE","amount":5,"email":"a@x"})",
        R"({"country":"FR","amount":7,"email":"b@x"})",
        R"({"country":null,"amount":9,"email":"c@x"})",
        R"({"country":"DE","amount":11,"email":"d@x"})"}});
}

// The rows of SalesFile() rewritten by `spec`.
std::vector<std::string> Rewritten(const RewriteSpec& spec) {
  auto r = testing::Rewrite(SalesFile(), spec);
  EXPECT_TRUE(r) << r.error().message;
  return r ? testing::ReadRows(r->second) : std::vector<std::string>();
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
  EXPECT_EQ(Rewritten(spec), (std::vector<std::string>{R"({"amount":5})", R"({"amount":11})"}));
  // NOT(country = 'DE') does not keep the null country: unknown is not true.
  auto not_de = RowFilter::Resolve(
      std::string(R"({"op":"not","children":[)") + kCountryFilter + "]}", {{"country", "DE"}});
  ASSERT_TRUE(not_de);
  spec.row_filter = &*not_de;
  spec.columns = {"country", "amount"};
  EXPECT_EQ(Rewritten(spec), (std::vector<std::string>{R"({"country":"FR","amount":7})"}));
  // OR with a numeric comparison; AND(false, unknown) is false.
  auto big = RowFilter::Resolve(
      R"({"op":"or","children":[{"op":"greaterThan","children":[{"op":"column","name":"amount","valueType":"long"},{"op":"literal","value":"8","valueType":"long"}]},)"
      R"({"op":"isNull","children":[{"op":"column","name":"country","valueType":"string"}]}]})",
      {});
  ASSERT_TRUE(big) << big.error().message;
  spec.row_filter = &*big;
  spec.columns = {"amount"};
  EXPECT_EQ(Rewritten(spec), (std::vector<std::string>{R"({"amount":9})", R"({"amount":11})"}));
}

TEST(ColumnMaskTest, NullAndHashMasks) {
  RewriteSpec spec;
  spec.schema_string = kSalesSchema;
  spec.columns = {"country", "email"};
  spec.column_masks = {{"country", "null"}, {"email", "hash"}};
  spec.mask_key = "0123456789abcdef";
  const auto rows = Rewritten(spec);
  ASSERT_EQ(rows.size(), 4u);
  // HMAC-SHA256("0123456789abcdef", "a@x") in hex, as `openssl dgst -sha256 -hmac` prints it:
  // not the plain SHA-256 (bd39e6fe...), which anyone can recompute from a list of addresses.
  EXPECT_EQ(rows[0],
            R"({"country":null,"email":"b376083abdc4a15a06dc0af7e565bedd79e79ebbe06326a79c24ce045785dec2"})")
      << rows[0];
  // Another key (another share) gives other hashes; no key is refused.
  spec.mask_key = "fedcba9876543210";
  EXPECT_NE(Rewritten(spec)[0], rows[0]);
  spec.mask_key.clear();
  auto no_key = testing::Rewrite(SalesFile(), spec);
  ASSERT_FALSE(no_key);
  EXPECT_EQ(no_key.error().code, ErrorCode::kInvalidArgument);
  spec.mask_key = "0123456789abcdef";
  spec.column_masks = {{"amount", "hash"}};  // hash applies to strings only
  spec.columns.clear();
  auto not_a_string = testing::Rewrite(SalesFile(), spec);
  ASSERT_FALSE(not_a_string);
  EXPECT_EQ(not_a_string.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace lakeshare::materialize
