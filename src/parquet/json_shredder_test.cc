#include "parquet/json_shredder.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "parquet/file_reader.h"
#include "parquet/file_writer.h"
#include "parquet/record_json.h"
#include "storage/random_access_file.h"

namespace lakeshare::parquet {
namespace {

using R = Repetition;
using P = PhysicalType;

// The Document schema of the Dremel paper (Melnik et al., 2010, figure 2), in Parquet terms.
WriterSchema DocumentSchema() {
  auto s = WriterSchema::Make({
      Primitive("DocId", P::kInt64, {}, R::kRequired),
      Struct("Links", {Primitive("Backward", P::kInt64, {}, R::kRepeated),
                       Primitive("Forward", P::kInt64, {}, R::kRepeated)}),
      Struct("Name",
             {Struct("Language",
                     {Primitive("Code", P::kByteArray, StringType(), R::kRequired),
                      Primitive("Country", P::kByteArray, StringType())},
                     R::kRepeated),
              Primitive("Url", P::kByteArray, StringType())},
             R::kRepeated),
  });
  EXPECT_TRUE(s) << s.error().message;
  return std::move(*s);
}

const char* kR1 =
    R"({"DocId":10,"Links":{"Backward":[],"Forward":[20,40,60]},"Name":[{"Language":[{"Code":"en-us","Country":"us"},{"Code":"en","Country":null}],"Url":"http://A"},{"Language":[],"Url":"http://B"},{"Language":[{"Code":"en-gb","Country":"gb"}],"Url":null}]})";
const char* kR2 =
    R"({"DocId":20,"Links":{"Backward":[10,30],"Forward":[80]},"Name":[{"Language":[],"Url":"http://C"}]})";

struct Striped {
  std::vector<int16_t> rep, def;
};

Striped Levels(const ColumnData& c) {
  Striped s;
  for (int64_t i = 0; i < c.num_entries; ++i) {
    s.rep.push_back(c.rep_levels.empty() ? 0 : c.rep_levels[static_cast<size_t>(i)]);
    s.def.push_back(c.def_levels.empty() ? c.max_def : c.def_levels[static_cast<size_t>(i)]);
  }
  return s;
}

std::vector<std::string> Strings(const ColumnData& c) {
  return std::vector<std::string>(c.bytes.begin(), c.bytes.end());
}

TEST(RowShredderTest, StripesTheDremelPaperExample) {
  WriterSchema schema = DocumentSchema();
  RowShredder shredder(schema.schema());
  ASSERT_TRUE(shredder.AddJsonLine(kR1));
  ASSERT_TRUE(shredder.AddJsonLine(kR2));
  EXPECT_EQ(shredder.num_rows(), 2);
  auto cols = shredder.TakeColumns();
  ASSERT_EQ(cols.size(), 6u);
  EXPECT_EQ(shredder.num_rows(), 0);

  // Figure 3 of the paper: (value, r, d) for every column.
  EXPECT_EQ(cols[0].i64, (std::vector<int64_t>{10, 20}));  // DocId
  EXPECT_EQ(Levels(cols[0]).def, (std::vector<int16_t>{0, 0}));

  EXPECT_EQ(cols[1].i64, (std::vector<int64_t>{10, 30}));  // Links.Backward
  EXPECT_EQ(Levels(cols[1]).rep, (std::vector<int16_t>{0, 0, 1}));
  EXPECT_EQ(Levels(cols[1]).def, (std::vector<int16_t>{1, 2, 2}));

  EXPECT_EQ(cols[2].i64, (std::vector<int64_t>{20, 40, 60, 80}));  // Links.Forward
  EXPECT_EQ(Levels(cols[2]).rep, (std::vector<int16_t>{0, 1, 1, 0}));
  EXPECT_EQ(Levels(cols[2]).def, (std::vector<int16_t>{2, 2, 2, 2}));

  EXPECT_EQ(Strings(cols[3]), (std::vector<std::string>{"en-us", "en", "en-gb"}));  // Code
  EXPECT_EQ(Levels(cols[3]).rep, (std::vector<int16_t>{0, 2, 1, 1, 0}));
  EXPECT_EQ(Levels(cols[3]).def, (std::vector<int16_t>{2, 2, 1, 2, 1}));

  EXPECT_EQ(Strings(cols[4]), (std::vector<std::string>{"us", "gb"}));  // Country
  EXPECT_EQ(Levels(cols[4]).rep, (std::vector<int16_t>{0, 2, 1, 1, 0}));
  EXPECT_EQ(Levels(cols[4]).def, (std::vector<int16_t>{3, 2, 1, 3, 1}));

  EXPECT_EQ(Strings(cols[5]),
            (std::vector<std::string>{"http://A", "http://B", "http://C"}));  // Url
  EXPECT_EQ(Levels(cols[5]).rep, (std::vector<int16_t>{0, 1, 1, 0}));
  EXPECT_EQ(Levels(cols[5]).def, (std::vector<int16_t>{2, 2, 1, 2}));

  // Written and read back, the rows print as they came in.
  std::string bytes;
  auto w = FileWriter::Open(std::make_unique<StringSink>(&bytes), schema, {});
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->WriteRowGroup(cols));
  ASSERT_TRUE((*w)->Close());
  auto r =
      FileReader::Open(std::shared_ptr<storage::RandomAccessFile>(storage::MakeBufferFile(bytes)));
  ASSERT_TRUE(r);
  std::vector<ColumnData> back;
  std::vector<const ColumnData*> ptrs;
  for (int leaf = 0; leaf < 6; ++leaf) back.push_back(*(*r)->ReadColumn(0, leaf));
  for (auto& c : back) ptrs.push_back(&c);
  RecordJsonWriter printer((*r)->schema(), (*r)->schema().root().children);
  printer.StartRowGroup(ptrs);
  std::string line1, line2;
  ASSERT_TRUE(printer.AppendRow(line1));
  ASSERT_TRUE(printer.AppendRow(line2));
  EXPECT_EQ(line1, kR1);
  EXPECT_EQ(line2, kR2);
}

Error ShredError(const WriterSchema& schema, const std::string& line) {
  RowShredder shredder(schema.schema());
  auto st = shredder.AddJsonLine(line);
  EXPECT_FALSE(st) << line;
  return st ? Error{} : st.error();
}

TEST(RowShredderTest, BadInputNamesTheRowAndTheField) {
  WriterSchema schema = DocumentSchema();
  Error e = ShredError(schema, R"({"DocId":"ten"})");
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.message, "row 0: field 'DocId': expected an integer, got string \"ten\"");
  e = ShredError(schema, R"({"Links":null})");
  EXPECT_EQ(e.message, "row 0: field 'DocId': required field is missing or null");
  e = ShredError(schema, R"({"DocId":1,"Nmae":[]})");
  EXPECT_EQ(e.message, "row 0: unknown field 'Nmae'");
  e = ShredError(schema, R"({"DocId":1,"Links":{"Forward":[1],"Sideways":[]}})");
  EXPECT_EQ(e.message, "row 0: field 'Links': unknown field 'Sideways'");
  e = ShredError(schema, R"({"DocId":1,"Links":{"Forward":5}})");
  EXPECT_EQ(e.message, "row 0: field 'Links.Forward': expected an array, got number 5");
  e = ShredError(schema, R"({"DocId":1,"Name":[{"Language":[{"Country":"x"}]}]})");
  EXPECT_EQ(e.message, "row 0: field 'Name.Language.Code': required field is missing or null");
  e = ShredError(schema, R"([1,2])");
  EXPECT_EQ(e.message, "row 0: expected a JSON object, got array [1,2]");
  e = ShredError(schema, R"({"DocId":)");
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(e.message.find("not valid JSON"), std::string::npos);
}

TEST(RowShredderTest, ValuesAreRangeAndFormatChecked) {
  auto s = WriterSchema::Make({
      Primitive("i8", P::kInt32, IntType(8)),
      Primitive("u32", P::kInt32, IntType(32, false)),
      Primitive("u64", P::kInt64, IntType(64, false)),
      Primitive("dec", P::kInt64, DecimalType(5, 2)),
      Primitive("date", P::kInt32, DateType()),
      Primitive("ts", P::kInt64, TimestampType(TimeUnit::kMillis)),
      Primitive("uuid", P::kFixedLenByteArray, UuidType(), R::kOptional, 16),
      Primitive("bin", P::kByteArray),
      Primitive("fixed", P::kFixedLenByteArray, {}, R::kOptional, 2),
      Primitive("f", P::kFloat),
      Primitive("m", P::kBoolean),
      List("l", Primitive("e", P::kInt32, {}, R::kRequired)),
      Map("mp", Primitive("k", P::kInt32), Primitive("v", P::kInt32)),
  });
  ASSERT_TRUE(s);
  auto msg = [&](const std::string& line) { return ShredError(*s, line).message; };
  EXPECT_EQ(msg(R"({"i8":128})"), "row 0: field 'i8': 128 is out of range [-128, 127]");
  EXPECT_EQ(msg(R"({"u32":-1})"), "row 0: field 'u32': -1 is out of range [0, 4294967295]");
  EXPECT_EQ(msg(R"({"u64":-1})"), "row 0: field 'u64': -1 is negative in an unsigned column");
  EXPECT_EQ(msg(R"({"dec":"1000.00"})"),
            "row 0: field 'dec': '1000.00' has more than 5 digits (DECIMAL(5,2))");
  EXPECT_EQ(msg(R"({"dec":"1.234"})"),
            "row 0: field 'dec': '1.234' is not a decimal with at most 2 fraction digits");
  EXPECT_EQ(msg(R"({"dec":1.5})"),
            "row 0: field 'dec': expected a decimal string such as \"-12.30\", got number 1.5");
  EXPECT_EQ(msg(R"({"date":"2023-02-29"})"),
            "row 0: field 'date': '2023-02-29' is not a date \"YYYY-MM-DD\"");
  EXPECT_NE(msg(R"({"ts":"2024-01-01T00:00:00.0001Z"})").find("at most 3 fraction digits"),
            std::string::npos);
  EXPECT_EQ(msg(R"({"uuid":"not-a-uuid"})"), "row 0: field 'uuid': 'not-a-uuid' is not a UUID");
  EXPECT_EQ(msg(R"({"bin":"***"})"), "row 0: field 'bin': '***' is not base64");
  EXPECT_EQ(msg(R"({"fixed":"AAAA"})"),
            "row 0: field 'fixed': value has 3 bytes, the column is FIXED_LEN_BYTE_ARRAY(2)");
  EXPECT_EQ(msg(R"({"f":1e300})"), "row 0: field 'f': 1e+300 is out of FLOAT range");
  EXPECT_EQ(msg(R"({"f":"nan"})"),
            "row 0: field 'f': expected a number, \"NaN\", \"Infinity\" or \"-Infinity\", got "
            "string \"nan\"");
  EXPECT_EQ(msg(R"({"m":1})"), "row 0: field 'm': expected true or false, got number 1");
  EXPECT_EQ(msg(R"({"l":[1,null]})"),
            "row 0: field 'l.list.element': list elements are required here and cannot be null");
  EXPECT_EQ(msg(R"({"mp":{"a":1}})"),
            "row 0: field 'mp.key_value.key': expected an integer, got string \"a\"");
  EXPECT_EQ(msg(R"({"mp":[{"k":1}]})"),
            "row 0: field 'mp': map entries must be {\"key\": ..., \"value\": ...}, got object "
            "{\"k\":1}");
}

TEST(RowShredderTest, AFailedRowLeavesNothingBehind) {
  WriterSchema schema = DocumentSchema();
  RowShredder shredder(schema.schema());
  ASSERT_TRUE(shredder.AddJsonLine(kR1));
  // Fails deep inside Name after DocId, Links and part of Name were striped.
  auto st = shredder.AddJsonLine(
      R"({"DocId":30,"Links":{"Forward":[1]},"Name":[{"Url":"x"},{"Language":[{"Code":5}]}]})");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().message,
            "row 1: field 'Name.Language.Code': expected a string, got number 5");
  ASSERT_TRUE(shredder.AddJsonLine(kR2));
  EXPECT_EQ(shredder.num_rows(), 2);
  EXPECT_EQ(shredder.rows_seen(), 3);
  auto cols = shredder.TakeColumns();
  EXPECT_EQ(cols[0].i64, (std::vector<int64_t>{10, 20}));
  EXPECT_EQ(cols[2].i64, (std::vector<int64_t>{20, 40, 60, 80}));
  EXPECT_EQ(Strings(cols[5]), (std::vector<std::string>{"http://A", "http://B", "http://C"}));
  EXPECT_EQ(cols[3].num_entries, 5);
}

TEST(RowShredderTest, AcceptsParsedJsonOfBothKinds) {
  auto s = WriterSchema::Make(
      {Map("m", Primitive("k", P::kByteArray, StringType()), Primitive("v", P::kInt32)),
       Primitive("f", P::kDouble)});
  ASSERT_TRUE(s);
  RowShredder shredder(s->schema());
  ASSERT_TRUE(shredder.AddRow(nlohmann::ordered_json::parse(R"({"m":{"b":1,"a":2},"f":-0.0})")));
  ASSERT_TRUE(shredder.AddRow(nlohmann::json::parse(R"({"m":{"b":1,"a":2},"f":1})")));
  ASSERT_TRUE(shredder.AddJsonLine(R"({"m":{"-0":-0},"f":-0})"));
  auto cols = shredder.TakeColumns();
  EXPECT_EQ(Strings(cols[0]), (std::vector<std::string>{"b", "a", "a", "b", "-0"}));
  EXPECT_EQ(cols[1].i32, (std::vector<int32_t>{1, 2, 2, 1, 0}));
  ASSERT_EQ(cols[2].f64.size(), 3u);
  EXPECT_TRUE(std::signbit(cols[2].f64[0]));
  EXPECT_EQ(cols[2].f64[1], 1.0);
  EXPECT_TRUE(std::signbit(cols[2].f64[2]));
}

}  // namespace
}  // namespace lakeshare::parquet
