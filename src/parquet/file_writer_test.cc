#include "parquet/file_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/result_testing.h"
#include "common/strings.h"
#include "parquet/encoding_internal.h"
#include "parquet/file_reader.h"
#include "parquet/json_shredder.h"
#include "parquet/record_json.h"
#include "parquet/thrift_internal.h"
#include "storage/random_access_file.h"

namespace lakeshare::parquet {
namespace {

using R = Repetition;
using P = PhysicalType;

// ----- helpers ----------------------------------------------------------------------------------

WriterSchema MakeSchema(const std::vector<WriterField>& fields) {
  auto s = WriterSchema::Make(fields);
  EXPECT_TRUE(s) << s.error().message;
  return std::move(*s);
}

// Shred `lines` into row groups of `rows_per_group` and write them.
std::string WriteLines(const WriterSchema& schema, const std::vector<std::string>& lines,
                       WriterOptions options = {}, size_t rows_per_group = 1000000) {
  std::string bytes;
  auto writer = FileWriter::Open(std::make_unique<StringSink>(&bytes), schema, options);
  EXPECT_TRUE(writer) << writer.error().message;
  RowShredder shredder((*writer)->schema());
  auto flush = [&] {
    auto columns = shredder.TakeColumns();
    auto st = (*writer)->WriteRowGroup(columns);
    EXPECT_TRUE(st) << st.error().message;
  };
  for (const auto& line : lines) {
    auto st = shredder.AddJsonLine(line);
    EXPECT_TRUE(st) << st.error().message;
    if (static_cast<size_t>(shredder.num_rows()) >= rows_per_group) flush();
  }
  if (shredder.num_rows() > 0) flush();
  auto st = (*writer)->Close();
  EXPECT_TRUE(st) << st.error().message;
  return bytes;
}

std::unique_ptr<FileReader> Open(const std::string& bytes) {
  auto r = FileReader::Open(
      std::shared_ptr<storage::RandomAccessFile>(storage::MakeBufferFile(bytes, "test.parquet")));
  EXPECT_TRUE(r) << r.error().message;
  return r ? std::move(*r) : nullptr;
}

// `lakeshare parquet cat` of a file held in memory.
std::vector<std::string> Cat(const FileReader& r) {
  std::vector<std::string> out;
  const Schema& schema = r.schema();
  RecordJsonWriter writer(schema, schema.root().children);
  for (int rg = 0; rg < r.num_row_groups(); ++rg) {
    std::vector<ColumnData> data;
    for (int leaf = 0; leaf < schema.num_leaves(); ++leaf) {
      auto c = r.ReadColumn(rg, leaf);
      EXPECT_TRUE(c) << c.error().message;
      if (!c) return out;
      data.push_back(std::move(*c));
    }
    std::vector<const ColumnData*> ptrs;
    for (auto& c : data) ptrs.push_back(&c);
    writer.StartRowGroup(ptrs);
    for (int64_t row = 0; row < r.row_group_num_rows(rg); ++row) {
      std::string line;
      auto st = writer.AppendRow(line);
      EXPECT_TRUE(st) << st.error().message;
      out.push_back(line);
    }
  }
  return out;
}

std::vector<std::string> Cat(const std::string& bytes) {
  auto r = Open(bytes);
  if (!r) return {};
  return Cat(*r);
}

// The page headers of one column chunk, parsed from the file bytes.
std::vector<format::PageHeader> Pages(const std::string& bytes, const FileReader& r, int rg,
                                      int leaf) {
  const auto& md =
      r.metadata().row_groups[static_cast<size_t>(rg)].columns[static_cast<size_t>(leaf)].meta_data;
  int64_t pos = md.__isset.dictionary_page_offset ? md.dictionary_page_offset : md.data_page_offset;
  const int64_t end = pos + md.total_compressed_size;
  std::vector<format::PageHeader> out;
  while (pos < end) {
    format::PageHeader h;
    uint32_t len = static_cast<uint32_t>(end - pos);
    auto st =
        DeserializeThrift(reinterpret_cast<const uint8_t*>(bytes.data() + pos), &len, &h, "page");
    EXPECT_TRUE(st);
    if (!st) break;
    pos += len + h.compressed_page_size;
    out.push_back(h);
  }
  EXPECT_EQ(pos, end);
  return out;
}

template <typename T>
std::string Plain(T v) {
  std::string s(sizeof(T), '\0');
  std::memcpy(s.data(), &v, sizeof(T));
  return s;
}

struct Config {
  Compression compression;
  bool dictionary;
  int page_version;
};

std::string ConfigName(const testing::TestParamInfo<Config>& info) {
  return fmt::format("{}_{}_v{}", CompressionName(info.param.compression),
                     info.param.dictionary ? "dict" : "plain", info.param.page_version);
}

WriterOptions OptionsFor(const Config& c) {
  WriterOptions o;
  o.compression = c.compression;
  o.dictionary = c.dictionary;
  o.data_page_version = c.page_version;
  return o;
}

class RoundTripTest : public testing::TestWithParam<Config> {};

// ----- every physical and logical type ---------------------------------------------------------

std::vector<WriterField> AllTypesFields() {
  return {
      Primitive("b", P::kBoolean),
      Primitive("i32", P::kInt32),
      Primitive("i64", P::kInt64),
      Primitive("f32", P::kFloat),
      Primitive("f64", P::kDouble),
      Primitive("bin", P::kByteArray),
      Primitive("flba", P::kFixedLenByteArray, {}, R::kOptional, 3),
      Primitive("i96", P::kInt96),
      Primitive("s", P::kByteArray, StringType()),
      Primitive("e", P::kByteArray, LogicalOf(LogicalKind::kEnum)),
      Primitive("j", P::kByteArray, JsonType()),
      Primitive("bson", P::kByteArray, LogicalOf(LogicalKind::kBson)),
      Primitive("uuid", P::kFixedLenByteArray, UuidType(), R::kOptional, 16),
      Primitive("i8", P::kInt32, IntType(8)),
      Primitive("u8", P::kInt32, IntType(8, false)),
      Primitive("i16", P::kInt32, IntType(16)),
      Primitive("u16", P::kInt32, IntType(16, false)),
      Primitive("u32", P::kInt32, IntType(32, false)),
      Primitive("u64", P::kInt64, IntType(64, false)),
      Primitive("d32", P::kInt32, DecimalType(9, 2)),
      Primitive("d64", P::kInt64, DecimalType(18, 4)),
      Primitive("dflba", P::kFixedLenByteArray, DecimalType(38, 10), R::kOptional, 16),
      Primitive("dbin", P::kByteArray, DecimalType(40, 0)),
      Primitive("date", P::kInt32, DateType()),
      Primitive("tms", P::kInt32, TimeType(TimeUnit::kMillis)),
      Primitive("tus", P::kInt64, TimeType(TimeUnit::kMicros, false)),
      Primitive("tns", P::kInt64, TimeType(TimeUnit::kNanos)),
      Primitive("ts_ms", P::kInt64, TimestampType(TimeUnit::kMillis)),
      Primitive("ts_us", P::kInt64, TimestampType(TimeUnit::kMicros, false)),
      Primitive("ts_ns", P::kInt64, TimestampType(TimeUnit::kNanos)),
      Primitive("f16", P::kFixedLenByteArray, LogicalOf(LogicalKind::kFloat16), R::kOptional, 2),
      Primitive("iv", P::kFixedLenByteArray, LogicalOf(LogicalKind::kInterval), R::kOptional, 12),
      Primitive("req", P::kInt64, {}, R::kRequired),
  };
}

std::vector<std::string> AllTypesRows() {
  return {
      R"({"b":true,"i32":-2147483648,"i64":-9223372036854775808,"f32":0.10000000149011612,"f64":0.1,"bin":"AAEC/w==","flba":"YWJj","i96":"2024-02-29T23:59:59.123456789","s":"héllo \"w\"","e":"RED","j":"{\"a\":1}","bson":"AQID","uuid":"123e4567-e89b-12d3-a456-426614174000","i8":-128,"u8":255,"i16":-32768,"u16":65535,"u32":4294967295,"u64":18446744073709551615,"d32":"-9999999.99","d64":"99999999999999.9999","dflba":"-1234567890123456789012345678.0123456789","dbin":"-9999999999999999999999999999999999999999","date":"1970-01-01","tms":"23:59:59.999","tus":"00:00:00.000001","tns":"12:34:56.123456789","ts_ms":"1969-12-31T23:59:59.999Z","ts_us":"2024-01-01T00:00:00.000000","ts_ns":"2262-04-11T23:47:16.854775807Z","f16":-65504,"iv":{"months":1,"days":2,"millis":3},"req":1})",
      R"({"b":false,"i32":2147483647,"i64":9223372036854775807,"f32":"NaN","f64":"-Infinity","bin":"","flba":"AAAA","i96":"1970-01-01T00:00:00.000000000","s":"","e":"","j":"[]","bson":"","uuid":"00000000-0000-0000-0000-000000000000","i8":127,"u8":0,"i16":32767,"u16":0,"u32":0,"u64":0,"d32":"0.00","d64":"-0.0001","dflba":"0.0000000000","dbin":"0","date":"0001-01-01","tms":"00:00:00.000","tus":"23:59:59.999999","tns":"00:00:00.000000000","ts_ms":"0001-01-01T00:00:00.000Z","ts_us":"9999-12-31T23:59:59.999999","ts_ns":"1677-09-21T00:12:43.145224192Z","f16":0.0009765625,"iv":{"months":0,"days":0,"millis":4294967295},"req":-1})",
      R"({"b":null,"i32":null,"i64":null,"f32":null,"f64":null,"bin":null,"flba":null,"i96":null,"s":null,"e":null,"j":null,"bson":null,"uuid":null,"i8":null,"u8":null,"i16":null,"u16":null,"u32":null,"u64":null,"d32":null,"d64":null,"dflba":null,"dbin":null,"date":null,"tms":null,"tus":null,"tns":null,"ts_ms":null,"ts_us":null,"ts_ns":null,"f16":null,"iv":null,"req":0})",
      R"({"b":true,"i32":0,"i64":1,"f32":-0,"f64":1e+300,"bin":"/w==","flba":"////","i96":"1900-01-01T12:00:00.000000001","s":"日本語","e":"GREEN","j":"null","bson":"AA==","uuid":"ffffffff-ffff-ffff-ffff-ffffffffffff","i8":0,"u8":128,"i16":1,"u16":32768,"u32":2147483648,"u64":9223372036854775808,"d32":"0.01","d64":"1.0000","dflba":"99999999999999999999999999.9999999999","dbin":"12345678901234567890","date":"-00001-12-31","tms":"12:00:00.500","tus":"12:00:00.000000","tns":"23:59:59.999999999","ts_ms":"2024-06-30T12:34:56.789Z","ts_us":"1900-01-01T00:00:00.000001","ts_ns":"1970-01-01T00:00:00.000000001Z","f16":"Infinity","iv":{"months":4294967295,"days":1,"millis":0},"req":42})",
      R"({"b":false,"i32":-1,"i64":-1,"f32":"-Infinity","f64":"NaN","bin":"AA==","flba":"AQID","i96":"2262-04-11T23:47:16.854775807","s":"z","e":"BLUE","j":"\"x\"","bson":"/w==","uuid":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","i8":-1,"u8":1,"i16":-1,"u16":1,"u32":1,"u64":1,"d32":"0.10","d64":"-99999999999999.9999","dflba":"-0.0000000001","dbin":"-1","date":"+10000-01-01","tms":"00:00:00.001","tus":"00:00:00.000000","tns":"00:00:00.000000001","ts_ms":"1970-01-01T00:00:00.000Z","ts_us":"1970-01-01T00:00:00.000000","ts_ns":"2000-02-29T00:00:00.000000000Z","f16":-0,"iv":{"months":0,"days":4294967295,"millis":0},"req":7})",
  };
}

TEST_P(RoundTripTest, EveryPhysicalAndLogicalTypeRoundTrips) {
  WriterSchema schema = MakeSchema(AllTypesFields());
  const auto rows = AllTypesRows();
  std::string bytes = WriteLines(schema, rows, OptionsFor(GetParam()));
  EXPECT_EQ(Cat(bytes), rows);
}

// Repeat the rows so dictionaries pay off and chunks hold several pages.
TEST_P(RoundTripTest, ManyRowsInSeveralPagesAndRowGroupsRoundTrip) {
  WriterSchema schema = MakeSchema(AllTypesFields());
  const auto base = AllTypesRows();
  std::vector<std::string> rows;
  for (int i = 0; i < 600; ++i) rows.push_back(base[static_cast<size_t>(i) % base.size()]);
  WriterOptions opt = OptionsFor(GetParam());
  opt.data_page_size = 512;
  opt.data_page_max_rows = 97;
  std::string bytes = WriteLines(schema, rows, opt, 250);
  auto r = Open(bytes);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->num_row_groups(), 3);
  EXPECT_EQ(r->num_rows(), 600);
  EXPECT_EQ(Cat(*r), rows);
  // Several data pages per chunk, each ending at a row boundary with the page's row count.
  auto pages = Pages(bytes, *r, 0, 0);
  int data_pages = 0;
  for (const auto& p : pages) data_pages += p.type != format::PageType::DICTIONARY_PAGE;
  EXPECT_GE(data_pages, 3);
  if (GetParam().dictionary) {
    auto info = r->column_chunk_info(0, 8);  // "s": five distinct strings
    EXPECT_NE(std::find(info.encodings.begin(), info.encodings.end(), Encoding::kRleDictionary),
              info.encodings.end());
    EXPECT_EQ(Pages(bytes, *r, 0, 8).front().type, format::PageType::DICTIONARY_PAGE);
  } else {
    for (int leaf = 0; leaf < r->schema().num_leaves(); ++leaf) {
      auto info = r->column_chunk_info(0, leaf);
      EXPECT_EQ(std::find(info.encodings.begin(), info.encodings.end(), Encoding::kRleDictionary),
                info.encodings.end());
    }
  }
  EXPECT_EQ(r->column_chunk_info(0, 0).codec, GetParam().compression);
}

// ----- nesting ---------------------------------------------------------------------------------

std::vector<WriterField> NestedFields() {
  return {
      Primitive("id", P::kInt64, {}, R::kRequired),
      Struct("s", {Primitive("a", P::kInt32),
                   Struct("inner", {Primitive("x", P::kByteArray, StringType()),
                                    Primitive("y", P::kDouble, {}, R::kRequired)})}),
      List("l", Primitive("e", P::kInt32)),
      List("lreq", Primitive("e", P::kByteArray, StringType(), R::kRequired), R::kRequired),
      List("ls",
           Struct("e", {Primitive("k", P::kByteArray, StringType()), Primitive("v", P::kInt64)})),
      List("ll", List("e", Primitive("e", P::kInt32))),
      Map("m", Primitive("k", P::kByteArray, StringType()), Primitive("v", P::kInt32)),
      Map("mi", Primitive("k", P::kInt32),
          Struct("v", {Primitive("p", P::kBoolean), List("q", Primitive("e", P::kDouble))})),
      Map("mm", Primitive("k", P::kByteArray, StringType()),
          Map("v", Primitive("k", P::kByteArray, StringType()),
              Primitive("v", P::kByteArray, StringType()))),
      Struct("deep", {List("a", Struct("e", {Map("m", Primitive("k", P::kByteArray, StringType()),
                                                 List("v", Primitive("e", P::kInt64)))}))}),
  };
}

std::vector<std::string> NestedRows() {
  return {
      R"({"id":1,"s":{"a":1,"inner":{"x":"x","y":1.5}},"l":[1,null,3],"lreq":["a","b"],"ls":[{"k":"a","v":1},null,{"k":null,"v":null}],"ll":[[1,2],[],null,[null]],"m":{"a":1,"b":null},"mi":[{"key":1,"value":{"p":true,"q":[1.5,null]}},{"key":2,"value":null}],"mm":{"x":{"y":"z"},"e":{},"n":null},"deep":{"a":[{"m":{"k":[1,2],"k2":[]}},{"m":null},null,{"m":{}}]}})",
      R"({"id":2,"s":null,"l":null,"lreq":[],"ls":null,"ll":null,"m":null,"mi":null,"mm":null,"deep":null})",
      R"({"id":3,"s":{"a":null,"inner":null},"l":[],"lreq":["only"],"ls":[],"ll":[],"m":{},"mi":[],"mm":{},"deep":{"a":null}})",
      R"({"id":4,"s":{"a":null,"inner":{"x":null,"y":-0}},"l":[null],"lreq":[""],"ls":[null],"ll":[[null,null]],"m":{"":0},"mi":[{"key":-5,"value":{"p":null,"q":null}}],"mm":{"a":{"b":null}},"deep":{"a":[]}})",
      R"({"id":5,"s":{"a":7,"inner":{"x":"","y":0}},"l":[4,5,6,7,8,9,10,11,12,13],"lreq":["a","a","a","a","a","a","a","a","a","a"],"ls":[{"k":"z","v":9}],"ll":[[1],[2],[3]],"m":{"z":1,"y":2,"x":3},"mi":[{"key":3,"value":{"p":false,"q":[]}}],"mm":{"k":{"a":"1","b":"2"}},"deep":{"a":[{"m":{"q":null}}]}})",
  };
}

TEST_P(RoundTripTest, NestedStructListMapWithNullsAtEveryLevelRoundTrip) {
  WriterSchema schema = MakeSchema(NestedFields());
  const auto rows = NestedRows();
  std::string bytes = WriteLines(schema, rows, OptionsFor(GetParam()));
  EXPECT_EQ(Cat(bytes), rows);
  // And once more in many small pages and row groups.
  std::vector<std::string> many;
  for (int i = 0; i < 300; ++i) many.push_back(rows[static_cast<size_t>(i) % rows.size()]);
  WriterOptions opt = OptionsFor(GetParam());
  opt.data_page_size = 64;
  opt.data_page_max_rows = 7;
  EXPECT_EQ(Cat(WriteLines(schema, many, opt, 101)), many);
}

INSTANTIATE_TEST_SUITE_P(
    AllCodecsAndPageVersions, RoundTripTest,
    testing::Values(Config{Compression::kSnappy, true, 1}, Config{Compression::kSnappy, false, 2},
                    Config{Compression::kZstd, true, 2}, Config{Compression::kZstd, false, 1},
                    Config{Compression::kGzip, true, 1}, Config{Compression::kGzip, false, 2},
                    Config{Compression::kUncompressed, true, 2},
                    Config{Compression::kUncompressed, false, 1},
                    Config{Compression::kLz4Raw, true, 1}),
    ConfigName);

// INT96's Julian day is an unsigned word: days past 2^31 - 1 (year 5874898) read back as
// written, up to the last one, 4,294,967,295; day 0 is 4714 BC (-04713).
TEST(FileWriterTest, Int96JulianDaysAreReadUnsigned) {
  WriterSchema schema = MakeSchema({Primitive("t", P::kInt96)});
  const std::vector<std::string> rows = {
      R"({"t":"-04713-11-25T00:00:00.000000000"})",   // Julian day 0
      R"({"t":"+5874898-06-03T23:59:59.999999999"})",  // 2^31 - 1
      R"({"t":"+5874898-06-04T00:00:00.000000000"})",  // 2^31
      R"({"t":"+11754508-12-13T23:59:59.999999999"})", // 2^32 - 1
  };
  EXPECT_EQ(Cat(WriteLines(schema, rows)), rows);

  Int96 t{{0, 0, 0x80000000u}};
  EXPECT_EQ(DecodeInt96(t).days, 2147483648 - kUnixEpochJulianDay);
  EXPECT_EQ(DecodeInt96(t).nanos_of_day, 0);
  // Nanoseconds past a day carry into the days.
  constexpr uint64_t kDayAndOneNano = 86400ull * 1000000000ull + 1;
  t = Int96{{static_cast<uint32_t>(kDayAndOneNano), static_cast<uint32_t>(kDayAndOneNano >> 32),
             0xffffffffu}};
  EXPECT_EQ(DecodeInt96(t).days, 4294967295 - kUnixEpochJulianDay + 1);
  EXPECT_EQ(DecodeInt96(t).nanos_of_day, 1);
}

TEST(FileWriterTest, SchemaHasStandardListAndMapShapesAndConvertedTypes) {
  WriterSchema schema = MakeSchema(NestedFields());
  std::string bytes = WriteLines(schema, {NestedRows()[1]});
  auto r = Open(bytes);
  ASSERT_TRUE(r);
  const Schema& s = r->schema();
  int l = s.FindPath("l");
  ASSERT_GE(l, 0);
  EXPECT_EQ(s.node(l).shape, NodeShape::kList);
  EXPECT_GE(s.FindPath("l.list.element"), 0);
  EXPECT_GE(s.FindPath("m.key_value.key"), 0);
  EXPECT_GE(s.FindPath("m.key_value.value"), 0);
  EXPECT_EQ(s.node(s.FindPath("m.key_value.key")).repetition, Repetition::kRequired);
  const auto& elements = r->metadata().schema;
  auto find = [&](const std::string& name, int nth = 0) -> const format::SchemaElement& {
    for (const auto& e : elements) {
      if (e.name == name && nth-- == 0) return e;
    }
    ADD_FAILURE() << name;
    return elements[0];
  };
  EXPECT_EQ(find("l").converted_type, format::ConvertedType::LIST);
  EXPECT_TRUE(find("l").logicalType.__isset.LIST);
  EXPECT_EQ(find("m").converted_type, format::ConvertedType::MAP);
  EXPECT_TRUE(find("m").logicalType.__isset.MAP);
  EXPECT_FALSE(find("key_value").__isset.converted_type);
  EXPECT_EQ(find("list").repetition_type, format::FieldRepetitionType::REPEATED);
  EXPECT_FALSE(elements[0].__isset.repetition_type);  // the root
  EXPECT_EQ(r->created_by(), DefaultCreatedBy());
  EXPECT_EQ(r->metadata().column_orders.size(), static_cast<size_t>(s.num_leaves()));
}

TEST(FileWriterTest, LogicalTypesCarryLegacyConvertedTypes) {
  WriterSchema schema = MakeSchema(AllTypesFields());
  std::string bytes = WriteLines(schema, {AllTypesRows()[0]});
  auto r = Open(bytes);
  ASSERT_TRUE(r);
  std::map<std::string, const format::SchemaElement*> by_name;
  for (const auto& e : r->metadata().schema) by_name[e.name] = &e;
  using C = format::ConvertedType;
  EXPECT_EQ(by_name["s"]->converted_type, C::UTF8);
  EXPECT_EQ(by_name["e"]->converted_type, C::ENUM);
  EXPECT_EQ(by_name["j"]->converted_type, C::JSON);
  EXPECT_EQ(by_name["bson"]->converted_type, C::BSON);
  EXPECT_FALSE(by_name["uuid"]->__isset.converted_type);
  EXPECT_TRUE(by_name["uuid"]->logicalType.__isset.UUID);
  EXPECT_EQ(by_name["i8"]->converted_type, C::INT_8);
  EXPECT_EQ(by_name["u8"]->converted_type, C::UINT_8);
  EXPECT_EQ(by_name["u64"]->converted_type, C::UINT_64);
  EXPECT_EQ(by_name["d32"]->converted_type, C::DECIMAL);
  EXPECT_EQ(by_name["d32"]->precision, 9);
  EXPECT_EQ(by_name["d32"]->scale, 2);
  EXPECT_EQ(by_name["date"]->converted_type, C::DATE);
  EXPECT_EQ(by_name["tms"]->converted_type, C::TIME_MILLIS);
  EXPECT_FALSE(by_name["tus"]->__isset.converted_type);  // not UTC-adjusted: no legacy equivalent
  EXPECT_FALSE(by_name["tns"]->__isset.converted_type);
  EXPECT_EQ(by_name["ts_ms"]->converted_type, C::TIMESTAMP_MILLIS);
  EXPECT_FALSE(by_name["ts_us"]->__isset.converted_type);
  EXPECT_TRUE(by_name["ts_us"]->logicalType.__isset.TIMESTAMP);
  EXPECT_FALSE(by_name["ts_us"]->logicalType.TIMESTAMP.isAdjustedToUTC);
  EXPECT_EQ(by_name["iv"]->converted_type, C::INTERVAL);
  EXPECT_FALSE(by_name["iv"]->__isset.logicalType);
  EXPECT_TRUE(by_name["f16"]->logicalType.__isset.FLOAT16);
  EXPECT_EQ(by_name["flba"]->type_length, 3);
}

TEST(FileWriterTest, InvalidSchemasAreRejectedWithTheFieldName) {
  EXPECT_TRUE(FailsWith(WriterSchema::Make({Primitive("x", P::kInt64, StringType())}),
                        ErrorCode::kInvalidArgument, "'x'"));
  EXPECT_FALSE(WriterSchema::Make({Primitive("f", P::kFixedLenByteArray)}));
  EXPECT_FALSE(WriterSchema::Make({Struct("empty", {})}));
  EXPECT_FALSE(WriterSchema::Make({Primitive("a", P::kInt32), Primitive("a", P::kInt32)}));
  EXPECT_FALSE(WriterSchema::Make({Primitive("d", P::kInt32, DecimalType(10, 2))}));
  EXPECT_FALSE(
      WriterSchema::Make({Primitive("u", P::kFixedLenByteArray, UuidType(), R::kOptional, 8)}));
  EXPECT_FALSE(WriterSchema::Make({List("l", Primitive("e", P::kInt32, {}, R::kRepeated))}));
  EXPECT_TRUE(WriterSchema::Make({Primitive("r", P::kInt32, {}, R::kRepeated)}));
}

// ----- statistics -------------------------------------------------------------------------------

ColumnStatistics ChunkStats(const std::vector<WriterField>& fields,
                            const std::vector<std::string>& rows, int leaf = 0,
                            WriterOptions opt = {}) {
  std::string bytes = WriteLines(MakeSchema(fields), rows, opt);
  auto r = Open(bytes);
  auto s = r->column_statistics(0, leaf);
  EXPECT_TRUE(s.has_value());
  return s.value_or(ColumnStatistics{});
}

TEST(FileWriterStatisticsTest, SignedIntegersUseSignedOrder) {
  auto s = ChunkStats({Primitive("x", P::kInt32)},
                      {R"({"x":5})", R"({"x":-7})", R"({"x":null})", R"({"x":3})"});
  EXPECT_EQ(s.min, Plain<int32_t>(-7));
  EXPECT_EQ(s.max, Plain<int32_t>(5));
  EXPECT_EQ(s.null_count, 1);
  auto s64 =
      ChunkStats({Primitive("x", P::kInt64)}, {R"({"x":-9223372036854775808})", R"({"x":9})"});
  EXPECT_EQ(s64.min, Plain<int64_t>(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(s64.max, Plain<int64_t>(9));
}

TEST(FileWriterStatisticsTest, UnsignedIntegersUseUnsignedOrder) {
  auto s = ChunkStats({Primitive("x", P::kInt32, IntType(32, false))},
                      {R"({"x":4294967295})", R"({"x":1})", R"({"x":2147483648})"});
  EXPECT_EQ(s.min, Plain<uint32_t>(1));
  EXPECT_EQ(s.max, Plain<uint32_t>(4294967295u));
  auto s64 = ChunkStats({Primitive("x", P::kInt64, IntType(64, false))},
                        {R"({"x":18446744073709551615})", R"({"x":0})"});
  EXPECT_EQ(s64.min, Plain<uint64_t>(0));
  EXPECT_EQ(s64.max, Plain<uint64_t>(18446744073709551615ull));
}

TEST(FileWriterStatisticsTest, StringsUseUnsignedByteOrder) {
  auto s = ChunkStats({Primitive("x", P::kByteArray, StringType())},
                      {R"({"x":"zebra"})", R"({"x":"é"})", R"({"x":"Apple"})", R"({"x":""})"});
  EXPECT_EQ(s.min, "");
  EXPECT_EQ(s.max, "é");  // 0xC3 sorts after 'z' as an unsigned byte
  EXPECT_EQ(s.null_count, 0);
}

TEST(FileWriterStatisticsTest, FloatsIgnoreNaNAndSignZeros) {
  auto s = ChunkStats({Primitive("x", P::kDouble)},
                      {R"({"x":"NaN"})", R"({"x":2.5})", R"({"x":-1.5})", R"({"x":"NaN"})"});
  EXPECT_EQ(s.min, Plain<double>(-1.5));
  EXPECT_EQ(s.max, Plain<double>(2.5));
  auto z = ChunkStats({Primitive("x", P::kFloat)}, {R"({"x":0.0})", R"({"x":-0.0})"});
  EXPECT_EQ(z.min, Plain<float>(-0.0f));
  EXPECT_EQ(z.max, Plain<float>(+0.0f));
  EXPECT_TRUE(std::signbit(*reinterpret_cast<const float*>(z.min->data())));
  EXPECT_FALSE(std::signbit(*reinterpret_cast<const float*>(z.max->data())));
  auto dz = ChunkStats({Primitive("x", P::kDouble)}, {R"({"x":0.0})", R"({"x":0.0})"});
  EXPECT_EQ(dz.min, Plain<double>(-0.0));
  EXPECT_EQ(dz.max, Plain<double>(+0.0));
  auto nan = ChunkStats({Primitive("x", P::kDouble)}, {R"({"x":"NaN"})"});
  EXPECT_FALSE(nan.min.has_value());
  EXPECT_FALSE(nan.max.has_value());
  auto inf =
      ChunkStats({Primitive("x", P::kDouble)}, {R"({"x":"-Infinity"})", R"({"x":"Infinity"})"});
  EXPECT_EQ(inf.min, Plain<double>(-INFINITY));
  EXPECT_EQ(inf.max, Plain<double>(INFINITY));
}

TEST(FileWriterStatisticsTest, BooleansDatesAndDecimals) {
  auto b = ChunkStats({Primitive("x", P::kBoolean)}, {R"({"x":true})", R"({"x":false})"});
  EXPECT_EQ(b.min, std::string(1, '\0'));
  EXPECT_EQ(b.max, std::string(1, '\1'));
  auto d = ChunkStats({Primitive("x", P::kFixedLenByteArray, DecimalType(5, 2), R::kOptional, 4)},
                      {R"({"x":"1.00"})", R"({"x":"-2.00"})", R"({"x":"0.50"})"});
  EXPECT_EQ(d.min, std::string("\xff\xff\xff\x38", 4));  // -200
  EXPECT_EQ(d.max, std::string("\x00\x00\x00\x64", 4));  // 100
  auto db = ChunkStats({Primitive("x", P::kByteArray, DecimalType(20, 0))},
                       {R"({"x":"-1"})", R"({"x":"300"})", R"({"x":"-70000"})"});
  EXPECT_EQ(db.min, std::string("\xfe\xee\x90", 3));  // -70000 in three bytes
  EXPECT_EQ(db.max, std::string("\x01\x2c", 2));      // 300
}

TEST(FileWriterStatisticsTest, AllNullColumnHasOnlyANullCount) {
  auto s =
      ChunkStats({Primitive("x", P::kByteArray, StringType())}, {R"({"x":null})", R"({"x":null})"});
  EXPECT_FALSE(s.min.has_value());
  EXPECT_EQ(s.null_count, 2);
}

TEST(FileWriterStatisticsTest, LongStringsAreTruncatedToValidBounds) {
  WriterOptions opt;
  opt.statistics_truncate_length = 8;
  std::string long_a = std::string(20, 'a');
  std::string long_z = "zzzzzzz" + std::string("\xc3\xa9", 2) + "tail";  // "zzzzzzzé..."
  auto s = ChunkStats({Primitive("x", P::kByteArray, StringType())},
                      {"{\"x\":\"" + long_a + "\"}", "{\"x\":\"" + long_z + "\"}"}, 0, opt);
  EXPECT_EQ(s.min, "aaaaaaaa");
  // The prefix "zzzzzzz" (the two-byte character does not fit) with its last character raised.
  EXPECT_EQ(s.max, "zzzzzz{");
  std::string bytes = WriteLines(MakeSchema({Primitive("x", P::kByteArray, StringType())}),
                                 {"{\"x\":\"" + long_a + "\"}"}, opt);
  auto r = Open(bytes);
  const auto& st = r->metadata().row_groups[0].columns[0].meta_data.statistics;
  EXPECT_FALSE(st.is_min_value_exact);
  EXPECT_FALSE(st.is_max_value_exact);
  EXPECT_EQ(st.max_value, "aaaaaaab");
  // Binary that cannot be rounded up (all 0xff) keeps only its min.
  auto ff = ChunkStats({Primitive("x", P::kByteArray)}, {R"({"x":"/////////////w=="})"}, 0, opt);
  EXPECT_EQ(ff.min, std::string(8, '\xff'));
  EXPECT_FALSE(ff.max.has_value());
}

TEST(FileWriterStatisticsTest, PagesCarryTheirOwnStatistics) {
  std::vector<std::string> rows;
  for (int i = 0; i < 100; ++i)
    rows.push_back(fmt::format(R"({{"x":{}}})", i % 10 == 0 ? "null" : std::to_string(i)));
  for (int version : {1, 2}) {
    WriterOptions opt;
    opt.data_page_version = version;
    opt.data_page_max_rows = 25;
    std::string bytes = WriteLines(MakeSchema({Primitive("x", P::kInt32)}), rows, opt);
    auto r = Open(bytes);
    auto pages = Pages(bytes, *r, 0, 0);
    std::vector<std::pair<int32_t, int32_t>> ranges;
    std::vector<int64_t> nulls;
    for (const auto& p : pages) {
      if (p.type == format::PageType::DICTIONARY_PAGE) continue;
      const auto& s =
          version == 1 ? p.data_page_header.statistics : p.data_page_header_v2.statistics;
      int32_t lo, hi;
      std::memcpy(&lo, s.min_value.data(), 4);
      std::memcpy(&hi, s.max_value.data(), 4);
      ranges.emplace_back(lo, hi);
      nulls.push_back(s.null_count);
      if (version == 2) {
        EXPECT_EQ(p.data_page_header_v2.num_rows, 25);
      }
    }
    EXPECT_EQ(ranges,
              (std::vector<std::pair<int32_t, int32_t>>{{1, 24}, {25, 49}, {51, 74}, {75, 99}}));
    EXPECT_EQ(nulls, (std::vector<int64_t>{3, 2, 3, 2}));
    auto chunk = r->column_statistics(0, 0);
    EXPECT_EQ(chunk->min, Plain<int32_t>(1));
    EXPECT_EQ(chunk->max, Plain<int32_t>(99));
    EXPECT_EQ(chunk->null_count, 10);
  }
}

// ----- dictionary -------------------------------------------------------------------------------

TEST(FileWriterDictionaryTest, FallsBackToPlainWhenTheDictionaryGrowsPastTheLimit) {
  std::vector<std::string> rows;
  // 200 repeats of 5 values (dictionary pays off), then 2000 distinct values.
  for (int i = 0; i < 200; ++i) rows.push_back(fmt::format(R"({{"s":"v{}"}})", i % 5));
  for (int i = 0; i < 2000; ++i) rows.push_back(fmt::format(R"({{"s":"distinct-{:06d}"}})", i));
  WriterOptions opt;
  opt.dictionary_page_size_limit = 4096;
  opt.data_page_max_rows = 100;
  std::string bytes =
      WriteLines(MakeSchema({Primitive("s", P::kByteArray, StringType())}), rows, opt);
  auto r = Open(bytes);
  ASSERT_TRUE(r);
  EXPECT_EQ(Cat(*r), rows);
  auto pages = Pages(bytes, *r, 0, 0);
  ASSERT_FALSE(pages.empty());
  EXPECT_EQ(pages[0].type, format::PageType::DICTIONARY_PAGE);
  EXPECT_LE(pages[0].uncompressed_page_size, 4096);
  int dict_pages = 0, plain_pages = 0;
  bool plain_seen = false;
  for (size_t i = 1; i < pages.size(); ++i) {
    const auto enc = pages[i].data_page_header.encoding;
    if (enc == format::Encoding::RLE_DICTIONARY) {
      EXPECT_FALSE(plain_seen) << "dictionary pages come before the fallback";
      ++dict_pages;
    } else {
      EXPECT_EQ(enc, format::Encoding::PLAIN);
      plain_seen = true;
      ++plain_pages;
    }
  }
  EXPECT_GE(dict_pages, 2);
  EXPECT_GE(plain_pages, 10);
  auto info = r->column_chunk_info(0, 0);
  EXPECT_NE(std::find(info.encodings.begin(), info.encodings.end(), Encoding::kRleDictionary),
            info.encodings.end());
  EXPECT_NE(std::find(info.encodings.begin(), info.encodings.end(), Encoding::kPlain),
            info.encodings.end());
}

TEST(FileWriterDictionaryTest, UniqueValuesSkipTheDictionary) {
  std::vector<std::string> rows;
  for (int i = 0; i < 1000; ++i) rows.push_back(fmt::format(R"({{"x":{}}})", i * 7919));
  std::string bytes = WriteLines(MakeSchema({Primitive("x", P::kInt64)}), rows);
  auto r = Open(bytes);
  auto info = r->column_chunk_info(0, 0);
  EXPECT_EQ(info.encodings, (std::vector<Encoding>{Encoding::kRle, Encoding::kPlain}));
  EXPECT_EQ(Cat(*r), rows);
}

// ----- the columnar API -------------------------------------------------------------------------

TEST(FileWriterTest, CopiesAFileColumnByColumn) {
  WriterSchema schema = MakeSchema(NestedFields());
  std::vector<std::string> rows;
  for (int i = 0; i < 50; ++i) rows.push_back(NestedRows()[static_cast<size_t>(i) % 5]);
  std::string original = WriteLines(schema, rows, {}, 20);
  auto in = Open(original);
  ASSERT_TRUE(in);
  auto copy_schema = WriterSchema::FromSchema(in->schema());
  ASSERT_TRUE(copy_schema);
  WriterOptions opt;
  opt.compression = Compression::kZstd;
  opt.data_page_version = 2;
  std::string copy;
  auto w = FileWriter::Open(std::make_unique<StringSink>(&copy), *copy_schema, opt);
  ASSERT_TRUE(w);
  for (int rg = 0; rg < in->num_row_groups(); ++rg) {
    for (int leaf = 0; leaf < in->schema().num_leaves(); ++leaf) {
      auto c = in->ReadColumn(rg, leaf);
      ASSERT_TRUE(c);
      ASSERT_TRUE((*w)->WriteColumn(leaf, *c));
    }
    ASSERT_TRUE((*w)->EndRowGroup());
  }
  ASSERT_TRUE((*w)->Close());
  auto out = Open(copy);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->num_row_groups(), 3);
  EXPECT_EQ(out->schema().ToString(), in->schema().ToString());
  EXPECT_EQ(Cat(*out), rows);
}

TEST(FileWriterTest, LegacySchemasSurviveACopy) {
  // A legacy 2-level list (repeated primitive inside a LIST group), a MAP_KEY_VALUE map and a
  // bare repeated group, as old writers produced them.
  std::vector<format::SchemaElement> el(10);
  auto group = [](format::SchemaElement& e, std::string name, int children,
                  format::FieldRepetitionType::type rep) {
    e.__set_name(std::move(name));
    e.__set_num_children(children);
    e.__set_repetition_type(rep);
  };
  auto leaf = [](format::SchemaElement& e, std::string name, format::Type::type t,
                 format::FieldRepetitionType::type rep) {
    e.__set_name(std::move(name));
    e.__set_type(t);
    e.__set_repetition_type(rep);
  };
  using FR = format::FieldRepetitionType;
  el[0].__set_name("spark_schema");
  el[0].__set_num_children(3);
  group(el[1], "arr", 1, FR::OPTIONAL);
  el[1].__set_converted_type(format::ConvertedType::LIST);
  leaf(el[2], "array", format::Type::INT32, FR::REPEATED);
  group(el[3], "mp", 1, FR::OPTIONAL);
  el[3].__set_converted_type(format::ConvertedType::MAP);
  group(el[4], "map", 2, FR::REPEATED);
  el[4].__set_converted_type(format::ConvertedType::MAP_KEY_VALUE);
  leaf(el[5], "key", format::Type::BYTE_ARRAY, FR::REQUIRED);
  el[5].__set_converted_type(format::ConvertedType::UTF8);
  leaf(el[6], "value", format::Type::INT64, FR::OPTIONAL);
  group(el[7], "rec", 2, FR::REPEATED);
  leaf(el[8], "a", format::Type::INT32, FR::REQUIRED);
  el[8].__set_field_id(7);
  leaf(el[9], "b", format::Type::BYTE_ARRAY, FR::OPTIONAL);
  auto legacy = Schema::FromThrift(el);
  ASSERT_TRUE(legacy) << legacy.error().message;
  auto ws = WriterSchema::FromSchema(*legacy);
  ASSERT_TRUE(ws);
  EXPECT_EQ(ws->schema().ToString(), legacy->ToString());
  std::vector<std::string> rows = {
      R"({"arr":[1,2],"mp":{"a":1,"b":null},"rec":[{"a":1,"b":"eA=="},{"a":2,"b":null}]})",
      R"({"arr":null,"mp":null,"rec":[]})",
      R"({"arr":[],"mp":{},"rec":[{"a":3,"b":""}]})",
  };
  std::string bytes = WriteLines(*ws, rows);
  auto r = Open(bytes);
  ASSERT_TRUE(r);
  EXPECT_EQ(Cat(*r), rows);
  const auto& out = r->metadata().schema;
  EXPECT_EQ(out[4].converted_type, format::ConvertedType::MAP_KEY_VALUE);
  EXPECT_FALSE(out[4].__isset.logicalType);
  EXPECT_EQ(out[2].name, "array");
  EXPECT_EQ(out[8].field_id, 7);
}

ColumnData Int32Column(std::vector<int32_t> values, std::vector<int16_t> defs, int16_t max_def) {
  ColumnData c;
  c.type = P::kInt32;
  c.max_def = max_def;
  c.i32 = std::move(values);
  c.def_levels = std::move(defs);
  c.num_entries = c.def_levels.empty() ? static_cast<int64_t>(c.i32.size())
                                       : static_cast<int64_t>(c.def_levels.size());
  return c;
}

TEST(FileWriterTest, InconsistentColumnsAreInvalidArguments) {
  WriterSchema schema =
      MakeSchema({Primitive("a", P::kInt32), Primitive("b", P::kInt32, {}, R::kRequired)});
  auto open = [&](std::string* bytes) {
    auto w = FileWriter::Open(std::make_unique<StringSink>(bytes), schema, {});
    EXPECT_TRUE(w);
    return std::move(*w);
  };
  std::string bytes;
  {
    auto w = open(&bytes);
    ColumnData wrong_type = Int32Column({1}, {1}, 1);
    wrong_type.type = P::kInt64;
    auto st = w->WriteColumn(0, wrong_type);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(st.error().message.find("'a'"), std::string::npos);
    EXPECT_FALSE(w->Close());  // the writer stays failed
  }
  {
    auto w = open(&bytes);
    auto st = w->WriteColumn(0, Int32Column({1, 2}, {1, 0, 0}, 1));
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("2 values for 1 defined entries"), std::string::npos)
        << st.error().message;
  }
  {
    auto w = open(&bytes);
    EXPECT_FALSE(w->WriteColumn(0, Int32Column({1}, {2}, 1)));  // level above the maximum
  }
  {
    auto w = open(&bytes);
    ASSERT_TRUE(w->WriteColumn(0, Int32Column({1, 2}, {1, 1}, 1)));
    auto st = w->WriteColumn(1, Int32Column({1, 2, 3}, {}, 0));
    ASSERT_FALSE(st);
    EXPECT_NE(st.error().message.find("3 rows"), std::string::npos);
  }
  {
    auto w = open(&bytes);
    ASSERT_TRUE(w->WriteColumn(0, Int32Column({1}, {1}, 1)));
    EXPECT_FALSE(w->EndRowGroup());  // column b missing
  }
  {
    auto w = open(&bytes);
    ASSERT_TRUE(w->WriteColumn(0, Int32Column({1}, {1}, 1)));
    EXPECT_FALSE(w->WriteColumn(0, Int32Column({1}, {1}, 1)));  // twice
  }
  {
    auto w = open(&bytes);
    ASSERT_TRUE(w->WriteColumn(0, Int32Column({7}, {1}, 1)));
    ASSERT_TRUE(w->WriteColumn(1, Int32Column({8}, {}, 0)));
    ASSERT_TRUE(w->EndRowGroup());
    ASSERT_TRUE(w->Close());
    EXPECT_EQ(Cat(bytes), std::vector<std::string>{R"({"a":7,"b":8})"});
  }
}

TEST(FileWriterTest, ColumnsMayBeWrittenInAnyOrder) {
  WriterSchema schema =
      MakeSchema({Primitive("a", P::kInt32), Primitive("b", P::kInt32, {}, R::kRequired)});
  std::string bytes;
  auto w = FileWriter::Open(std::make_unique<StringSink>(&bytes), schema, {});
  ASSERT_TRUE(w);
  for (int rg = 0; rg < 2; ++rg) {
    ASSERT_TRUE((*w)->WriteColumn(1, Int32Column({10 + rg, 20 + rg}, {}, 0)));
    ASSERT_TRUE((*w)->WriteColumn(0, Int32Column({rg}, {1, 0}, 1)));
    ASSERT_TRUE((*w)->EndRowGroup());
  }
  ASSERT_TRUE((*w)->Close());
  auto r = Open(bytes);
  ASSERT_TRUE(r);
  EXPECT_EQ(Cat(*r), (std::vector<std::string>{R"({"a":0,"b":10})", R"({"a":null,"b":20})",
                                               R"({"a":1,"b":11})", R"({"a":null,"b":21})"}));
  const auto& rg0 = r->metadata().row_groups[0];
  EXPECT_EQ(rg0.file_offset, rg0.columns[1].file_offset);  // column b came first
  EXPECT_LT(rg0.columns[1].file_offset, rg0.columns[0].file_offset);
}

TEST(FileWriterTest, EmptyFilesAndEmptyRowGroups) {
  WriterSchema schema = MakeSchema({Primitive("a", P::kInt32)});
  std::string bytes;
  auto w = FileWriter::Open(std::make_unique<StringSink>(&bytes), schema, {});
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->WriteColumn(0, Int32Column({}, {}, 1)));
  ASSERT_TRUE((*w)->EndRowGroup());  // zero rows: dropped
  ASSERT_TRUE((*w)->Close());
  auto r = Open(bytes);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->num_rows(), 0);
  EXPECT_EQ(r->num_row_groups(), 0);
  EXPECT_EQ(r->schema().num_leaves(), 1);
}

TEST(FileWriterTest, ItsCountsAfterCloseDescribeTheFileWritten) {
  // Close hands the row groups to the footer; num_row_groups() used to read 0 after it, so
  // `lakeshare parquet gen-checkpoint` said "in 0 row group(s)".
  WriterSchema schema = MakeSchema({Primitive("a", P::kInt32)});
  std::string bytes;
  auto w = FileWriter::Open(std::make_unique<StringSink>(&bytes), schema, {});
  ASSERT_TRUE(w);
  ASSERT_TRUE((*w)->WriteRowGroup({Int32Column({1, 2}, {1, 1}, 1)}));
  ASSERT_TRUE((*w)->WriteRowGroup({Int32Column({3}, {1}, 1)}));
  EXPECT_EQ((*w)->num_row_groups(), 2);
  ASSERT_TRUE((*w)->Close());
  EXPECT_EQ((*w)->num_row_groups(), 2);
  EXPECT_EQ((*w)->num_rows(), 3);
  EXPECT_EQ((*w)->bytes_written(), static_cast<int64_t>(bytes.size()));
  auto r = Open(bytes);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->num_row_groups(), 2);
}

TEST(FileWriterTest, KeyValueMetadataAndCreatedBy) {
  WriterOptions opt;
  opt.key_value_metadata = {{"k1", "v1"}, {"k2", ""}};
  opt.created_by = "someone version 1.2.3";
  std::string bytes = WriteLines(MakeSchema({Primitive("a", P::kInt32)}), {R"({"a":1})"}, opt);
  auto r = Open(bytes);
  EXPECT_EQ(r->created_by(), "someone version 1.2.3");
  EXPECT_EQ(r->key_value_metadata(), opt.key_value_metadata);
}

// ----- sinks ------------------------------------------------------------------------------------

TEST(LocalFileSinkTest, FileAppearsOnlyOnClose) {
  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("lakeshare-writer-test-{}", std::random_device{}());
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "out.parquet").string();
  {
    auto sink = OpenLocalFileSink(path);
    ASSERT_TRUE(sink);
    ASSERT_TRUE((*sink)->Append("half a file"));
    EXPECT_FALSE(std::filesystem::exists(path));
  }  // dropped without Close: nothing remains
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  {
    auto sink = OpenLocalFileSink(path);
    ASSERT_TRUE(sink);
    auto w = FileWriter::Open(std::move(*sink), MakeSchema({Primitive("a", P::kInt32)}), {});
    ASSERT_TRUE(w);
    ASSERT_TRUE((*w)->WriteRowGroup({Int32Column({1, 2}, {1, 1}, 1)}));
    EXPECT_FALSE(std::filesystem::exists(path));
    ASSERT_TRUE((*w)->Close());
  }
  ASSERT_TRUE(std::filesystem::exists(path));
  auto r = FileReader::OpenPath(path);
  ASSERT_TRUE(r);
  EXPECT_EQ((*r)->num_rows(), 2);
  size_t entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) entries += e.is_regular_file();
  EXPECT_EQ(entries, 1u);
  std::filesystem::remove_all(dir);
  auto missing = OpenLocalFileSink((dir / "no" / "such" / "dir.parquet").string());
  EXPECT_FALSE(missing);
}

// ----- the RLE encoder --------------------------------------------------------------------------

TEST(RleBitPackedEncoderTest, RoundTripsThroughTheDecoder) {
  std::mt19937 rng(42);
  for (int bw : {0, 1, 2, 3, 5, 8, 12, 16, 20, 31, 32}) {
    for (size_t n :
         {size_t{0}, size_t{1}, size_t{7}, size_t{8}, size_t{9}, size_t{100}, size_t{1003}}) {
      std::vector<uint32_t> values(n);
      const uint64_t limit = bw == 32 ? 0xffffffffull : (1ull << bw) - 1;
      for (size_t i = 0; i < n; ++i) {
        // Mix runs and noise.
        if (i > 0 && rng() % 3 == 0) {
          values[i] = values[i - 1];
        } else if ((i / 20) % 2 == 0) {
          values[i] = static_cast<uint32_t>(limit);
        } else {
          values[i] = static_cast<uint32_t>(rng() & limit);
        }
      }
      std::string encoded;
      EncodeRleBitPacked(values.data(), n, bw, &encoded);
      RleBitPackedDecoder dec(reinterpret_cast<const uint8_t*>(encoded.data()), encoded.size(), bw);
      std::vector<uint32_t> out(n);
      ASSERT_TRUE(dec.Decode(out.data(), n)) << "bw " << bw << " n " << n;
      EXPECT_EQ(out, values) << "bw " << bw << " n " << n;
    }
  }
}

TEST(RleBitPackedEncoderTest, LongRunsBecomeRleRuns) {
  std::vector<int16_t> values(1000, 1);
  std::string encoded;
  EncodeRleBitPacked(values.data(), values.size(), 1, &encoded);
  EXPECT_EQ(encoded, std::string("\xd0\x0f\x01", 3));  // varint(1000 << 1), value 1
}

}  // namespace
}  // namespace lakeshare::parquet
