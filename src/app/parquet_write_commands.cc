#include "app/parquet_commands.h"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "app/seeded_random.h"
#include "common/civil_date.h"
#include "common/error_context.h"
#include "common/iso_time.h"
#include "parquet/file_reader.h"
#include "parquet/file_writer.h"
#include "parquet/json_shredder.h"

namespace lakeshare::app {

namespace {

using parquet::PhysicalType;
using parquet::Repetition;

// Print the error of a command and give its exit code (2 for bad input, 1 otherwise). The
// commands return their Status rather than exiting, so that an unfinished output file is removed
// by its sink's destructor before the process ends.
int ExitCode(const Status& st) {
  if (st) {
    return 0;
  }
  std::fprintf(stderr, "error: %s\n", st.error().message.c_str());
  const ErrorCode c = st.error().code;
  return c == ErrorCode::kNotFound || c == ErrorCode::kInvalidArgument ? 2 : 1;
}

// Writer options shared by the commands, as flags.
struct WriteFlags {
  std::string compression = "snappy";
  bool no_dictionary = false;
  int page_version = 1;
  int64_t page_size = int64_t{1} << 20;
  int64_t row_group_rows = int64_t{1} << 20;

  // `row_groups`: the command forms its own row groups (copy keeps the input's).
  void Add(CLI::App* cmd, bool row_groups) {
    cmd->add_option("--compression", compression, "snappy (default), zstd, gzip, lz4_raw or none");
    cmd->add_flag("--no-dictionary", no_dictionary, "PLAIN-encode every column");
    cmd->add_option("--page-version", page_version, "Data page version: 1 (default) or 2")
        ->check(CLI::IsMember({1, 2}));
    cmd->add_option("--page-size", page_size, "Target data page size in bytes (default 1 MiB)")
        ->check(CLI::PositiveNumber);
    if (row_groups) {
      cmd->add_option("--row-group-rows", row_group_rows, "Rows per row group")
          ->check(CLI::PositiveNumber);
    }
  }

  Result<parquet::WriterOptions> Options() const {
    parquet::WriterOptions o;
    LS_ASSIGN_OR_RETURN(o.compression, parquet::ParseCompression(compression));
    o.dictionary = !no_dictionary;
    o.data_page_version = page_version;
    o.data_page_size = page_size;
    o.row_group_rows = row_group_rows;
    return o;
  }
};

Result<std::unique_ptr<parquet::WritableSink>> OpenOutput(const std::string& path) {
  if (path == "-") {
    if (isatty(STDOUT_FILENO)) {
      return InvalidArgument(
          "refusing to write Parquet to a terminal; redirect it or name an OUT file");
    }
    return parquet::MakeStdoutSink();
  }
  return parquet::OpenLocalFileSink(path);
}

void Summary(const std::string& out, const parquet::FileWriter& w) {
  std::fprintf(stderr, "wrote %s: %lld rows in %d row group(s), %lld bytes\n",
               out == "-" ? "<stdout>" : out.c_str(), static_cast<long long>(w.num_rows()),
               w.num_row_groups(), static_cast<long long>(w.bytes_written()));
}

// A writer of `schema` to `out` (a path or '-') with the options of `flags` and the file's
// key/value metadata.
Result<std::unique_ptr<parquet::FileWriter>> OpenWriter(
    const std::string& out, parquet::WriterSchema schema, const WriteFlags& flags,
    std::vector<std::pair<std::string, std::string>> key_value_metadata = {}) {
  LS_ASSIGN_OR_RETURN(parquet::WriterOptions options, flags.Options());
  options.key_value_metadata = std::move(key_value_metadata);
  LS_ASSIGN_OR_RETURN(auto output, OpenOutput(out));
  return parquet::FileWriter::Open(std::move(output), std::move(schema), options);
}

bool ShowProgress() { return isatty(STDERR_FILENO) != 0; }

// End the progress line, close the file and say what was written to `out`.
Status Finish(parquet::FileWriter& writer, const std::string& out) {
  if (ShowProgress()) {
    std::fputc('\n', stderr);
  }
  LS_RETURN_IF_ERROR(writer.Close());
  Summary(out, writer);
  return OkStatus();
}

// ----- copy -------------------------------------------------------------------------------------

Status RunCopy(const std::string& in, const std::string& out, const WriteFlags& flags) {
  LS_ASSIGN_OR_RETURN(auto reader, parquet::FileReader::OpenPath(in));
  LS_ASSIGN_OR_RETURN(auto schema, parquet::WriterSchema::FromSchema(reader->schema()));
  LS_ASSIGN_OR_RETURN(auto writer,
                      OpenWriter(out, std::move(schema), flags, reader->key_value_metadata()));
  const int leaves = reader->schema().num_leaves();
  for (int rg = 0; rg < reader->num_row_groups(); ++rg) {
    for (int leaf = 0; leaf < leaves; ++leaf) {
      LS_ASSIGN_OR_RETURN(auto column, reader->ReadColumn(rg, leaf));
      LS_RETURN_IF_ERROR(writer->WriteColumn(leaf, column));
    }
    LS_RETURN_IF_ERROR(writer->EndRowGroup());
    if (ShowProgress()) {
      std::fprintf(stderr, "\rrow group %d/%d", rg + 1, reader->num_row_groups());
    }
  }
  return Finish(*writer, out);
}

// ----- write ------------------------------------------------------------------------------------

// Shred rows into `writer`, ending a row group at the writer's row/byte targets.
class RowSink {
 public:
  explicit RowSink(parquet::FileWriter& w) : writer_(w), shredder_(w.schema()) {}
  parquet::RowShredder& shredder() { return shredder_; }

  /// Shred `row`, ending a row group when the targets are reached.
  Status Add(const nlohmann::ordered_json& row) {
    LS_RETURN_IF_ERROR(shredder_.AddRow(row));
    return MaybeFlush();
  }
  /// Write the last row group, close the file and say what was written to `out`.
  Status Close(const std::string& out) {
    LS_RETURN_IF_ERROR(Flush());
    return Finish(writer_, out);
  }

  Status MaybeFlush() {
    const auto& o = writer_.options();
    if (shredder_.num_rows() >= o.row_group_rows ||
        shredder_.buffered_bytes() >= o.row_group_bytes) {
      return Flush();
    }
    return OkStatus();
  }
  Status Flush() {
    if (shredder_.num_rows() == 0) {
      return OkStatus();
    }
    auto columns = shredder_.TakeColumns();
    LS_RETURN_IF_ERROR(writer_.WriteRowGroup(columns));
    if (ShowProgress()) {
      std::fprintf(stderr, "\r%lld rows written", static_cast<long long>(writer_.num_rows()));
    }
    return OkStatus();
  }

 private:
  parquet::FileWriter& writer_;
  parquet::RowShredder shredder_;
};

Status RunWrite(const std::string& schema_from, const std::string& out, const WriteFlags& flags) {
  LS_ASSIGN_OR_RETURN(auto reader, parquet::FileReader::OpenPath(schema_from));
  LS_ASSIGN_OR_RETURN(auto schema, parquet::WriterSchema::FromSchema(reader->schema()));
  LS_ASSIGN_OR_RETURN(auto writer, OpenWriter(out, std::move(schema), flags));
  RowSink rows(*writer);
  std::string line;
  int64_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) {
      continue;
    }
    if (auto st = rows.shredder().AddJsonLine(line); !st) {
      return tl::unexpected(WithContext(st.error(), fmt::format("stdin line {}", line_no)));
    }
    LS_RETURN_IF_ERROR(rows.MaybeFlush());
  }
  return rows.Close(out);
}

// ----- gen-checkpoint ---------------------------------------------------------------------------

using parquet::List;
using parquet::Map;
using parquet::Primitive;
using parquet::Struct;
using parquet::WriterField;

WriterField Str(std::string name) {
  return Primitive(std::move(name), PhysicalType::kByteArray, parquet::StringType());
}
WriterField I64(std::string name) { return Primitive(std::move(name), PhysicalType::kInt64); }
WriterField I32(std::string name) { return Primitive(std::move(name), PhysicalType::kInt32); }
WriterField Bool(std::string name) { return Primitive(std::move(name), PhysicalType::kBoolean); }
WriterField StrMap(std::string name) { return Map(std::move(name), Str("key"), Str("value")); }
WriterField DeletionVector() {
  return Struct("deletionVector", {Str("storageType"), Str("pathOrInlineDv"), I32("offset"),
                                   I32("sizeInBytes"), I64("cardinality")});
}

// The shape Delta writers give classic checkpoints (Delta protocol, "Checkpoint Schema"): one
// optional group per action kind, one action per row.
std::vector<WriterField> CheckpointFields() {
  return {
      Struct("add", {Str("path"), StrMap("partitionValues"), I64("size"), I64("modificationTime"),
                     Bool("dataChange"), Str("stats"), StrMap("tags"), DeletionVector()}),
      Struct("remove", {Str("path"), I64("deletionTimestamp"), Bool("dataChange"),
                        Bool("extendedFileMetadata"), StrMap("partitionValues"), I64("size"),
                        StrMap("tags"), DeletionVector()}),
      Struct("metaData", {Str("id"), Str("name"), Str("description"),
                          Struct("format", {Str("provider"), StrMap("options")}),
                          Str("schemaString"), List("partitionColumns", Str("element")),
                          StrMap("configuration"), I64("createdTime")}),
      Struct("protocol",
             {I32("minReaderVersion"), I32("minWriterVersion"),
              List("readerFeatures", Str("element")), List("writerFeatures", Str("element"))}),
  };
}

using Gen = SeededRandom;

constexpr int64_t kStartMillis = 1704067200000;  // 2024-01-01T00:00:00Z
constexpr const char* kRegions[] = {"us-east-1", "us-west-2", "eu-central-1", "ap-south-1",
                                    "sa-east-1"};

nlohmann::ordered_json ProtocolRow() {
  nlohmann::ordered_json p;
  p["minReaderVersion"] = 1;
  p["minWriterVersion"] = 2;
  return {{"protocol", p}};
}

nlohmann::ordered_json MetaDataRow(Gen& g, int partition_columns) {
  static const char* kNames[] = {"date", "region", "bucket"};
  std::string fields = R"({"name":"id","type":"long","nullable":false,"metadata":{}},)"
                       R"({"name":"ts","type":"timestamp","nullable":true,"metadata":{}},)"
                       R"({"name":"name","type":"string","nullable":true,"metadata":{}},)"
                       R"({"name":"amount","type":"double","nullable":true,"metadata":{}},)"
                       R"({"name":"flag","type":"boolean","nullable":true,"metadata":{}})";
  nlohmann::ordered_json cols = nlohmann::ordered_json::array();
  for (int i = 0; i < partition_columns; ++i) {
    fields +=
        fmt::format(R"(,{{"name":"{}","type":"{}","nullable":true,"metadata":{{}}}})", kNames[i],
                    i == 0   ? "date"
                    : i == 1 ? "string"
                             : "integer");
    cols.push_back(kNames[i]);
  }
  nlohmann::ordered_json m;
  m["id"] = g.Uuid();
  m["name"] = nullptr;
  m["description"] = nullptr;
  m["format"] = {{"provider", "parquet"}, {"options", nlohmann::ordered_json::object()}};
  m["schemaString"] = R"({"type":"struct","fields":[)" + fields + "]}";
  m["partitionColumns"] = cols;
  m["configuration"] = {{"delta.checkpointInterval", "10"},
                        {"delta.logRetentionDuration", "interval 30 days"}};
  m["createdTime"] = kStartMillis - 86400000;
  return {{"metaData", m}};
}

nlohmann::ordered_json AddRow(Gen& g, int64_t file, int partition_columns) {
  // About 2000 files a day, so a million files cover some 500 days.
  const int64_t day = 19723 + file / 2000;  // 19723 = 2024-01-01
  nlohmann::ordered_json pv = nlohmann::ordered_json::object();
  std::string dir;
  if (partition_columns >= 1) {
    std::string date;
    AppendDate(date, day);
    pv["date"] = date;
    dir += "date=" + date + "/";
  }
  if (partition_columns >= 2) {
    if (g.Chance(2)) {
      pv["region"] = nullptr;
      dir += "region=__HIVE_DEFAULT_PARTITION__/";
    } else {
      const char* region = kRegions[g.Below(5)];
      pv["region"] = region;
      dir += fmt::format("region={}/", region);
    }
  }
  if (partition_columns >= 3) {
    const std::string bucket = std::to_string(g.Below(16));
    pv["bucket"] = bucket;
    dir += "bucket=" + bucket + "/";
  }
  const std::string path =
      fmt::format("{}part-{:05d}-{}.c000.snappy.parquet", dir, g.Below(200), g.Uuid());
  // File sizes spread over 1 KiB .. 256 MiB, mostly tens of MiB.
  const int shift = 10 + static_cast<int>(g.Below(11) + g.Below(8));
  const int64_t size = (int64_t{1} << shift) + static_cast<int64_t>(g.Below(uint64_t{1} << shift));
  const int64_t records = std::max<int64_t>(1, size / (40 + static_cast<int64_t>(g.Below(80))));
  const int64_t mod_time = kStartMillis + file * 43200 + static_cast<int64_t>(g.Below(43200));
  const int64_t id_lo = file * 1000000 + static_cast<int64_t>(g.Below(1000));
  const int64_t id_hi = id_lo + records - 1;
  const int64_t ts_lo =
      (day - 19723) * 86400000 + kStartMillis + static_cast<int64_t>(g.Below(3600000));
  const int64_t ts_hi = ts_lo + static_cast<int64_t>(g.Below(80000000));
  const int64_t name_nulls =
      g.Chance(30) ? static_cast<int64_t>(g.Below(static_cast<uint64_t>(records) / 10 + 1)) : 0;
  const int64_t amount_nulls =
      g.Chance(10) ? static_cast<int64_t>(g.Below(static_cast<uint64_t>(records) + 1)) : 0;
  const double amount_lo = -static_cast<double>(g.Below(100000) + 1) / 100.0;
  const double amount_hi = static_cast<double>(g.Below(10000000)) / 100.0;
  static const char* kFirst[] = {"Alice", "Bob",    "Chen",   "Dana",
                                 "Emeka", "Fatima", "Giulia", "Hiro"};
  const std::string stats =
      fmt::format(R"({{"numRecords":{},"minValues":{{"id":{},"ts":"{}","name":"{}","amount":{}}},)"
                  R"("maxValues":{{"id":{},"ts":"{}","name":"{}","amount":{}}},)"
                  R"("nullCount":{{"id":0,"ts":0,"name":{},"amount":{},"flag":{}}}}})",
                  records, id_lo, FormatIsoMillis(ts_lo), kFirst[g.Below(4)], amount_lo, id_hi,
                  FormatIsoMillis(ts_hi), kFirst[4 + g.Below(4)], amount_hi, name_nulls,
                  amount_nulls, g.Chance(5) ? g.Below(50) : 0);
  nlohmann::ordered_json add;
  add["path"] = path;
  add["partitionValues"] = pv;
  add["size"] = size;
  add["modificationTime"] = mod_time;
  add["dataChange"] = !g.Chance(10);
  add["stats"] = stats;
  if (g.Chance(5)) {
    const std::string t = std::to_string(mod_time * 1000);
    add["tags"] = {{"INSERTION_TIME", t},
                   {"MIN_INSERTION_TIME", t},
                   {"MAX_INSERTION_TIME", t},
                   {"OPTIMIZE_TARGET_SIZE", "268435456"}};
  } else {
    add["tags"] = nullptr;
  }
  add["deletionVector"] = nullptr;
  return {{"add", add}};
}

Status RunGenCheckpoint(const std::string& out, int64_t rows, uint64_t seed, int partition_columns,
                        const WriteFlags& flags) {
  LS_ASSIGN_OR_RETURN(auto schema, parquet::WriterSchema::Make(CheckpointFields(), "spark_schema"));
  LS_ASSIGN_OR_RETURN(auto writer, OpenWriter(out, std::move(schema), flags));
  RowSink sink(*writer);
  Gen g(seed);
  for (int64_t i = 0; i < rows; ++i) {
    nlohmann::ordered_json row;
    if (i == 0) {
      row = ProtocolRow();
    } else if (i == 1) {
      row = MetaDataRow(g, partition_columns);
    } else {
      row = AddRow(g, i - 2, partition_columns);
    }
    LS_RETURN_IF_ERROR(sink.Add(row));
  }
  return sink.Close(out);
}

// ----- gen-types --------------------------------------------------------------------------------

// Every physical and logical type the writer supports, and structs, lists and maps nested in each
// other with nulls and empty containers at every level: a sample of what the writer can produce,
// for round-trip tests against other readers.
std::vector<WriterField> TypesFields() {
  using parquet::DateType;
  using parquet::DecimalType;
  using parquet::IntType;
  using parquet::LogicalKind;
  using parquet::LogicalOf;
  using parquet::TimestampType;
  using parquet::TimeType;
  using parquet::TimeUnit;
  using P = PhysicalType;
  using R = Repetition;
  return {
      Primitive("id", P::kInt64, {}, R::kRequired),
      Primitive("b", P::kBoolean),
      Primitive("i32", P::kInt32),
      Primitive("i64", P::kInt64),
      Primitive("f32", P::kFloat),
      Primitive("f64", P::kDouble),
      Primitive("bin", P::kByteArray),
      Primitive("flba", P::kFixedLenByteArray, {}, R::kOptional, 3),
      Primitive("i96", P::kInt96),
      Str("s"),
      Primitive("e", P::kByteArray, LogicalOf(LogicalKind::kEnum)),
      Primitive("j", P::kByteArray, parquet::JsonType()),
      Primitive("uuid", P::kFixedLenByteArray, parquet::UuidType(), R::kOptional, 16),
      Primitive("i8", P::kInt32, IntType(8)),
      Primitive("u8", P::kInt32, IntType(8, false)),
      Primitive("i16", P::kInt32, IntType(16)),
      Primitive("u16", P::kInt32, IntType(16, false)),
      Primitive("u32", P::kInt32, IntType(32, false)),
      Primitive("u64", P::kInt64, IntType(64, false)),
      Primitive("d32", P::kInt32, DecimalType(9, 2)),
      Primitive("d64", P::kInt64, DecimalType(18, 4)),
      Primitive("dflba", P::kFixedLenByteArray, DecimalType(38, 10), R::kOptional, 16),
      Primitive("dbin", P::kByteArray, DecimalType(30, 5)),
      Primitive("date", P::kInt32, DateType()),
      Primitive("tms", P::kInt32, TimeType(TimeUnit::kMillis)),
      Primitive("tus", P::kInt64, TimeType(TimeUnit::kMicros, false)),
      Primitive("tns", P::kInt64, TimeType(TimeUnit::kNanos, false)),
      Primitive("ts_ms", P::kInt64, TimestampType(TimeUnit::kMillis)),
      Primitive("ts_us", P::kInt64, TimestampType(TimeUnit::kMicros, false)),
      Primitive("ts_ns", P::kInt64, TimestampType(TimeUnit::kNanos)),
      Primitive("f16", P::kFixedLenByteArray, LogicalOf(LogicalKind::kFloat16), R::kOptional, 2),
      Primitive("iv", P::kFixedLenByteArray, LogicalOf(LogicalKind::kInterval), R::kOptional, 12),
      Primitive("req", P::kInt32, {}, R::kRequired),
      Struct("st",
             {I32("a"), Struct("inner", {Str("x"), Primitive("y", P::kDouble, {}, R::kRequired)})}),
      List("l", I32("e")),
      List("lreq", Primitive("e", P::kByteArray, parquet::StringType(), R::kRequired),
           R::kRequired),
      List("ls", Struct("e", {Str("k"), I64("v")})),
      List("ll", List("e", I32("e"))),
      Map("m", Str("k"), I32("v")),
      Map("mi", I32("k"), Struct("v", {Bool("p"), List("q", Primitive("e", P::kDouble))})),
      Map("mm", Str("k"), Map("v", Str("k"), Str("v"))),
      Struct("deep", {List("a", Struct("e", {Map("m", Str("k"), List("v", I64("e")))}))}),
  };
}

// Edge rows (extremes, zeros, empty strings, nulls at every level); row i of the output is edge
// row i % 5 with a few values varied by i, so chunks see both repeats and distinct values.
constexpr const char* kTypesRows[] = {
    R"({"b":true,"i32":-2147483648,"i64":-9223372036854775808,"f32":0.10000000149011612,"f64":0.1,"bin":"AAEC/w==","flba":"YWJj","i96":"2024-02-29T23:59:59.123456789","s":"héllo \"w\"","e":"RED","j":"{\"a\":1}","uuid":"123e4567-e89b-12d3-a456-426614174000","i8":-128,"u8":255,"i16":-32768,"u16":65535,"u32":4294967295,"u64":18446744073709551615,"d32":"-9999999.99","d64":"99999999999999.9999","dflba":"-1234567890123456789012345678.0123456789","dbin":"-9999999999999999999999999.99999","date":"1970-01-01","tms":"23:59:59.999","tus":"00:00:00.000001","tns":"12:34:56.123456789","ts_ms":"1969-12-31T23:59:59.999Z","ts_us":"2024-01-01T00:00:00.000000","ts_ns":"2262-04-11T23:47:16.854775806Z","f16":-65504,"iv":{"months":1,"days":2,"millis":3},"req":1,
        "st":{"a":1,"inner":{"x":"x","y":1.5}},"l":[1,null,3],"lreq":["a","b"],"ls":[{"k":"a","v":1},null,{"k":null,"v":null}],"ll":[[1,2],[],null,[null]],"m":{"a":1,"b":null},"mi":[{"key":1,"value":{"p":true,"q":[1.5,null]}},{"key":2,"value":null}],"mm":{"x":{"y":"z"},"e":{},"n":null},"deep":{"a":[{"m":{"k":[1,2],"k2":[]}},{"m":null},null,{"m":{}}]}})",
    R"({"b":false,"i32":2147483647,"i64":9223372036854775807,"f32":"NaN","f64":"-Infinity","bin":"","flba":"AAAA","i96":"1970-01-01T00:00:00.000000000","s":"","e":"","j":"[]","uuid":"00000000-0000-0000-0000-000000000000","i8":127,"u8":0,"i16":32767,"u16":0,"u32":0,"u64":0,"d32":"0.00","d64":"-0.0001","dflba":"0.0000000000","dbin":"0.00000","date":"0001-01-01","tms":"00:00:00.000","tus":"23:59:59.999999","tns":"00:00:00.000000000","ts_ms":"0001-01-01T00:00:00.000Z","ts_us":"9999-12-31T23:59:59.999999","ts_ns":"1677-09-21T00:12:43.145224192Z","f16":0.0009765625,"iv":{"months":0,"days":0,"millis":4294967295},"req":-1,
        "st":null,"l":null,"lreq":[],"ls":null,"ll":null,"m":null,"mi":null,"mm":null,"deep":null})",
    R"({"b":null,"i32":null,"i64":null,"f32":null,"f64":null,"bin":null,"flba":null,"i96":null,"s":null,"e":null,"j":null,"uuid":null,"i8":null,"u8":null,"i16":null,"u16":null,"u32":null,"u64":null,"d32":null,"d64":null,"dflba":null,"dbin":null,"date":null,"tms":null,"tus":null,"tns":null,"ts_ms":null,"ts_us":null,"ts_ns":null,"f16":null,"iv":null,"req":0,
        "st":{"a":null,"inner":null},"l":[],"lreq":["only"],"ls":[],"ll":[],"m":{},"mi":[],"mm":{},"deep":{"a":null}})",
    R"({"b":true,"i32":0,"i64":1,"f32":-0.0,"f64":1e+300,"bin":"/w==","flba":"////","i96":"1900-01-01T12:00:00.000000001","s":"日本語","e":"GREEN","j":"null","uuid":"ffffffff-ffff-ffff-ffff-ffffffffffff","i8":0,"u8":128,"i16":1,"u16":32768,"u32":2147483648,"u64":9223372036854775808,"d32":"0.01","d64":"1.0000","dflba":"99999999999999999999999999.9999999999","dbin":"12345678901234567890.12345","date":"1900-02-28","tms":"12:00:00.500","tus":"12:00:00.000000","tns":"23:59:59.999999999","ts_ms":"2024-06-30T12:34:56.789Z","ts_us":"1900-01-01T00:00:00.000001","ts_ns":"1970-01-01T00:00:00.000000001Z","f16":"Infinity","iv":{"months":2147483647,"days":1,"millis":0},"req":42,
        "st":{"a":null,"inner":{"x":null,"y":-0.0}},"l":[null],"lreq":[""],"ls":[null],"ll":[[null,null]],"m":{"":0},"mi":[{"key":-5,"value":{"p":null,"q":null}}],"mm":{"a":{"b":null}},"deep":{"a":[]}})",
    R"({"b":false,"i32":-1,"i64":-1,"f32":"-Infinity","f64":"NaN","bin":"AA==","flba":"AQID","i96":"2262-04-11T23:47:16.854775807","s":"z","e":"BLUE","j":"\"x\"","uuid":"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11","i8":-1,"u8":1,"i16":-1,"u16":1,"u32":1,"u64":1,"d32":"0.10","d64":"-99999999999999.9999","dflba":"-0.0000000001","dbin":"-1.00000","date":"9999-12-31","tms":"00:00:00.001","tus":"00:00:00.000000","tns":"00:00:00.000000001","ts_ms":"1970-01-01T00:00:00.000Z","ts_us":"1970-01-01T00:00:00.000000","ts_ns":"2000-02-29T00:00:00.000000000Z","f16":-0.0,"iv":{"months":0,"days":2147483647,"millis":0},"req":7,
        "st":{"a":7,"inner":{"x":"","y":0.0}},"l":[4,5,6,7,8,9,10,11,12,13],"lreq":["a","a","a","a","a","a","a","a","a","a"],"ls":[{"k":"z","v":9}],"ll":[[1],[2],[3]],"m":{"z":1,"y":2,"x":3},"mi":[{"key":3,"value":{"p":false,"q":[]}}],"mm":{"k":{"a":"1","b":"2"}},"deep":{"a":[{"m":{"q":null}}]}})",
};

Status RunGenTypes(const std::string& out, int64_t rows, const WriteFlags& flags) {
  LS_ASSIGN_OR_RETURN(auto schema, parquet::WriterSchema::Make(TypesFields()));
  LS_ASSIGN_OR_RETURN(auto writer, OpenWriter(out, std::move(schema), flags));
  RowSink sink(*writer);
  std::vector<nlohmann::ordered_json> templates;
  for (const char* t : kTypesRows) {
    templates.push_back(nlohmann::ordered_json::parse(t));
  }
  for (int64_t i = 0; i < rows; ++i) {
    const size_t k = static_cast<size_t>(i % 5);
    nlohmann::ordered_json row = templates[k];
    row["id"] = i;
    // Vary a few columns so they hold many distinct values next to the repeated edges.
    if (k == 0 && i >= 5) {
      row["i64"] = i * 7919;
      row["s"] = fmt::format("value-{}", i % 101);
      row["f64"] = static_cast<double>(i) / 8.0;
      row["d64"] = fmt::format("{}.{:04d}", i, i % 10000);
      row["l"] = nlohmann::ordered_json::array({i, nullptr, i % 3});
      row["m"] = {{"a", i % 7}, {fmt::format("k{}", i % 13), nullptr}};
    }
    nlohmann::ordered_json ordered;
    ordered["id"] = row["id"];
    for (auto it = row.begin(); it != row.end(); ++it) {
      if (it.key() != "id") {
        ordered[it.key()] = it.value();
      }
    }
    LS_RETURN_IF_ERROR(sink.Add(ordered));
  }
  return sink.Close(out);
}

}  // namespace

void AddParquetWriteCommands(CLI::App& parquet) {
  CLI::App* pq = &parquet;

  auto* copy = pq->add_subcommand("copy", "Rewrite a Parquet file with Lakeshare's writer");
  auto* copy_in = new std::string;
  auto* copy_out = new std::string;
  auto* copy_flags = new WriteFlags;
  copy->add_option("in", *copy_in, "Parquet file to read")->required();
  copy->add_option("out", *copy_out, "File to write ('-' for standard output)")->required();
  copy_flags->Add(copy, /*row_groups=*/false);
  copy->callback([=] { std::exit(ExitCode(RunCopy(*copy_in, *copy_out, *copy_flags))); });

  auto* write = pq->add_subcommand(
      "write", "Write JSON lines (the canonical form of `parquet cat`) from stdin as Parquet");
  auto* write_schema = new std::string;
  auto* write_out = new std::string("-");
  auto* write_flags = new WriteFlags;
  write->add_option("--schema-from", *write_schema, "Parquet file whose schema to use")->required();
  write->add_option("out", *write_out, "File to write (default '-': standard output)");
  write_flags->Add(write, /*row_groups=*/true);
  write->callback([=] { std::exit(ExitCode(RunWrite(*write_schema, *write_out, *write_flags))); });

  auto* gen = pq->add_subcommand(
      "gen-checkpoint",
      "Generate a Delta-checkpoint-shaped Parquet file (deterministic, for benchmarks)");
  auto* gen_out = new std::string;
  auto* gen_rows = new int64_t(1000000);
  auto* gen_seed = new uint64_t(42);
  auto* gen_partitions = new int(2);
  auto* gen_flags = new WriteFlags;
  gen->add_option("out", *gen_out, "File to write")->required();
  gen->add_option("--rows", *gen_rows,
                  "Rows (a protocol, a metaData, then add actions; default 1000000)")
      ->check(CLI::Range(int64_t{2}, int64_t{1} << 40));
  gen->add_option("--seed", *gen_seed, "Random seed (default 42)");
  gen->add_option("--partition-columns", *gen_partitions,
                  "Partition columns of the table: 0..3 of date, region, bucket (default 2)")
      ->check(CLI::Range(0, 3));
  gen_flags->Add(gen, /*row_groups=*/true);
  gen->callback([=] {
    std::exit(
        ExitCode(RunGenCheckpoint(*gen_out, *gen_rows, *gen_seed, *gen_partitions, *gen_flags)));
  });

  auto* types = pq->add_subcommand(
      "gen-types", "Write a sample file with every type and nesting the writer supports");
  auto* types_out = new std::string;
  auto* types_rows = new int64_t(1000);
  auto* types_flags = new WriteFlags;
  types->add_option("out", *types_out, "File to write")->required();
  types->add_option("--rows", *types_rows, "Rows (default 1000)")->check(CLI::NonNegativeNumber);
  types_flags->Add(types, /*row_groups=*/true);
  types->callback([=] { std::exit(ExitCode(RunGenTypes(*types_out, *types_rows, *types_flags))); });
}

}  // namespace lakeshare::app
