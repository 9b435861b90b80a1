#include "app/parquet_write_commands.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "parquet/file_reader.h"
#include "parquet/file_writer.h"
#include "parquet/json_shredder.h"

namespace lakeshare::app {

namespace {

using parquet::PhysicalType;
using parquet::Repetition;

[[noreturn]] void Fail(const Error& e) {
  std::fprintf(stderr, "error: %s\n", e.message.c_str());
  std::exit(e.code == ErrorCode::kNotFound || e.code == ErrorCode::kInvalidArgument ? 2 : 1);
}

template <typename T>
T OrFail(Result<T> r) {
  if (!r) Fail(r.error());
  return std::move(*r);
}

void OrFail(Status st) {
  if (!st) Fail(st.error());
}

// Writer options shared by the commands, as flags.
struct WriteFlags {
  std::string compression = "snappy";
  bool no_dictionary = false;
  int page_version = 1;
  int64_t page_size = int64_t{1} << 20;
  int64_t row_group_rows = int64_t{1} << 20;

  void Add(CLI::App* cmd) {
    cmd->add_option("--compression", compression, "snappy (default), zstd, gzip, lz4_raw or none");
    cmd->add_flag("--no-dictionary", no_dictionary, "PLAIN-encode every column");
    cmd->add_option("--page-version", page_version, "Data page version: 1 (default) or 2")
        ->check(CLI::IsMember({1, 2}));
    cmd->add_option("--page-size", page_size, "Target data page size in bytes (default 1 MiB)")
        ->check(CLI::PositiveNumber);
  }

  parquet::WriterOptions Options() const {
    parquet::WriterOptions o;
    o.compression = OrFail(parquet::ParseCompression(compression));
    o.dictionary = !no_dictionary;
    o.data_page_version = page_version;
    o.data_page_size = page_size;
    o.row_group_rows = row_group_rows;
    return o;
  }
};

std::unique_ptr<parquet::WritableSink> OpenOutput(const std::string& path) {
  if (path == "-") {
    if (isatty(STDOUT_FILENO)) {
      Fail(Error{ErrorCode::kInvalidArgument, "refusing to write Parquet to a terminal; redirect it or name an OUT file"});
    }
    return parquet::MakeStdoutSink();
  }
  return OrFail(parquet::OpenLocalFileSink(path));
}

void Summary(const std::string& out, const parquet::FileWriter& w) {
  std::fprintf(stderr, "wrote %s: %lld rows in %d row group(s), %lld bytes\n",
               out == "-" ? "<stdout>" : out.c_str(), static_cast<long long>(w.num_rows()),
               w.num_row_groups(), static_cast<long long>(w.bytes_written()));
}

bool ShowProgress() { return isatty(STDERR_FILENO) != 0; }

// ----- copy -------------------------------------------------------------------------------------

int RunCopy(const std::string& in, const std::string& out, const WriteFlags& flags) {
  auto reader = OrFail(parquet::FileReader::OpenPath(in));
  auto schema = OrFail(parquet::WriterSchema::FromSchema(reader->schema()));
  parquet::WriterOptions options = flags.Options();
  options.key_value_metadata = reader->key_value_metadata();
  auto writer = OrFail(parquet::FileWriter::Open(OpenOutput(out), std::move(schema), options));
  const int leaves = reader->schema().num_leaves();
  for (int rg = 0; rg < reader->num_row_groups(); ++rg) {
    for (int leaf = 0; leaf < leaves; ++leaf) {
      auto column = OrFail(reader->ReadColumn(rg, leaf));
      OrFail(writer->WriteColumn(leaf, column));
    }
    OrFail(writer->EndRowGroup());
    if (ShowProgress()) {
      std::fprintf(stderr, "\rrow group %d/%d", rg + 1, reader->num_row_groups());
    }
  }
  if (ShowProgress()) std::fputc('\n', stderr);
  OrFail(writer->Close());
  Summary(out, *writer);
  return 0;
}

// ----- write ------------------------------------------------------------------------------------

// Shred rows into `writer`, ending a row group at the writer's row/byte targets.
class RowSink {
 public:
  explicit RowSink(parquet::FileWriter& w) : writer_(w), shredder_(w.schema()) {}
  parquet::RowShredder& shredder() { return shredder_; }

  Status MaybeFlush() {
    const auto& o = writer_.options();
    if (shredder_.num_rows() >= o.row_group_rows || shredder_.buffered_bytes() >= o.row_group_bytes) {
      return Flush();
    }
    return OkStatus();
  }
  Status Flush() {
    if (shredder_.num_rows() == 0) return OkStatus();
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

int RunWrite(const std::string& schema_from, const std::string& out, const WriteFlags& flags) {
  auto reader = OrFail(parquet::FileReader::OpenPath(schema_from));
  auto schema = OrFail(parquet::WriterSchema::FromSchema(reader->schema()));
  auto writer = OrFail(parquet::FileWriter::Open(OpenOutput(out), std::move(schema), flags.Options()));
  RowSink rows(*writer);
  std::string line;
  int64_t line_no = 0;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (auto st = rows.shredder().AddJsonLine(line); !st) {
      Fail(Error{st.error().code, fmt::format("stdin line {}: {}", line_no, st.error().message)});
    }
    OrFail(rows.MaybeFlush());
  }
  OrFail(rows.Flush());
  if (ShowProgress()) std::fputc('\n', stderr);
  OrFail(writer->Close());
  Summary(out, *writer);
  return 0;
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
                          Struct("format", {Str("provider"), StrMap("options")}), Str("schemaString"),
                          List("partitionColumns", Str("element")), StrMap("configuration"),
                          I64("createdTime")}),
      Struct("protocol", {I32("minReaderVersion"), I32("minWriterVersion"),
                          List("readerFeatures", Str("element")), List("writerFeatures", Str("element"))}),
  };
}

// Deterministic across platforms: only the engine's raw output is used (the standard's
// distributions are implementation-defined).
class Gen {
 public:
  explicit Gen(uint64_t seed) : rng_(seed) {}
  uint64_t Next() { return rng_(); }
  uint64_t Below(uint64_t n) { return rng_() % n; }
  bool Chance(int percent) { return Below(100) < static_cast<uint64_t>(percent); }
  std::string Uuid() {
    uint64_t a = rng_(), b = rng_();
    a = (a & 0xffffffffffff0fffull) | 0x4000ull;                  // version 4
    b = (b & 0x3fffffffffffffffull) | 0x8000000000000000ull;      // RFC 4122 variant
    return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xffff,
                       b >> 48, b & 0xffffffffffffull);
  }

 private:
  std::mt19937_64 rng_;
};

std::string Date(int64_t days) {
  // Days since 1970-01-01 to YYYY-MM-DD (H. Hinnant's civil_from_days).
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  return fmt::format("{:04d}-{:02d}-{:02d}", yoe + era * 400 + (m <= 2 ? 1 : 0), m, d);
}

std::string IsoMillis(int64_t ms) {
  const int64_t days = ms / 86400000;
  const int64_t rest = ms % 86400000;
  return fmt::format("{}T{:02d}:{:02d}:{:02d}.{:03d}Z", Date(days), rest / 3600000, (rest / 60000) % 60,
                     (rest / 1000) % 60, rest % 1000);
}

constexpr int64_t kStartMillis = 1704067200000;  // 2024-01-01T00:00:00Z
constexpr const char* kRegions[] = {"us-east-1", "us-west-2", "eu-central-1", "ap-south-1", "sa-east-1"};

nlohmann::ordered_json ProtocolRow() {
  nlohmann::ordered_json p;
  p["minReaderVersion"] = 1;
  p["minWriterVersion"] = 2;
  return {{"protocol", p}};
}

nlohmann::ordered_json MetaDataRow(Gen& g, int partition_columns) {
  static const char* kNames[] = {"date", "region", "bucket"};
  std::string fields =
      R"({"name":"id","type":"long","nullable":false,"metadata":{}},)"
      R"({"name":"ts","type":"timestamp","nullable":true,"metadata":{}},)"
      R"({"name":"name","type":"string","nullable":true,"metadata":{}},)"
      R"({"name":"amount","type":"double","nullable":true,"metadata":{}},)"
      R"({"name":"flag","type":"boolean","nullable":true,"metadata":{}})";
  nlohmann::ordered_json cols = nlohmann::ordered_json::array();
  for (int i = 0; i < partition_columns; ++i) {
    fields += fmt::format(R"(,{{"name":"{}","type":"{}","nullable":true,"metadata":{{}}}})", kNames[i],
                          i == 0 ? "date" : i == 1 ? "string" : "integer");
    cols.push_back(kNames[i]);
  }
  nlohmann::ordered_json m;
  m["id"] = g.Uuid();
  m["name"] = nullptr;
  m["description"] = nullptr;
  m["format"] = {{"provider", "parquet"}, {"options", nlohmann::ordered_json::object()}};
  m["schemaString"] = R"({"type":"struct","fields":[)" + fields + "]}";
  m["partitionColumns"] = cols;
  m["configuration"] = {{"delta.checkpointInterval", "10"}, {"delta.logRetentionDuration", "interval 30 days"}};
  m["createdTime"] = kStartMillis - 86400000;
  return {{"metaData", m}};
}

nlohmann::ordered_json AddRow(Gen& g, int64_t file, int partition_columns) {
  // About 2000 files a day, so a million files cover some 500 days.
  const int64_t day = 19723 + file / 2000;  // 19723 = 2024-01-01
  nlohmann::ordered_json pv = nlohmann::ordered_json::object();
  std::string dir;
  if (partition_columns >= 1) {
    const std::string date = Date(day);
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
  const int64_t ts_lo = (day - 19723) * 86400000 + kStartMillis + static_cast<int64_t>(g.Below(3600000));
  const int64_t ts_hi = ts_lo + static_cast<int64_t>(g.Below(80000000));
  const int64_t name_nulls = g.Chance(30) ? static_cast<int64_t>(g.Below(static_cast<uint64_t>(records) / 10 + 1)) : 0;
  const int64_t amount_nulls = g.Chance(10) ? static_cast<int64_t>(g.Below(static_cast<uint64_t>(records) + 1)) : 0;
  const double amount_lo = -static_cast<double>(g.Below(100000) + 1) / 100.0;
  const double amount_hi = static_cast<double>(g.Below(10000000)) / 100.0;
  static const char* kFirst[] = {"Alice", "Bob", "Chen", "Dana", "Emeka", "Fatima", "Giulia", "Hiro"};
  const std::string stats = fmt::format(
      R"({{"numRecords":{},"minValues":{{"id":{},"ts":"{}","name":"{}","amount":{}}},)"
      R"("maxValues":{{"id":{},"ts":"{}","name":"{}","amount":{}}},)"
      R"("nullCount":{{"id":0,"ts":0,"name":{},"amount":{},"flag":{}}}}})",
      records, id_lo, IsoMillis(ts_lo), kFirst[g.Below(4)], amount_lo, id_hi, IsoMillis(ts_hi),
      kFirst[4 + g.Below(4)], amount_hi, name_nulls, amount_nulls, g.Chance(5) ? g.Below(50) : 0);
  nlohmann::ordered_json add;
  add["path"] = path;
  add["partitionValues"] = pv;
  add["size"] = size;
  add["modificationTime"] = mod_time;
  add["dataChange"] = !g.Chance(10);
  add["stats"] = stats;
  if (g.Chance(5)) {
    const std::string t = std::to_string(mod_time * 1000);
    add["tags"] = {{"INSERTION_TIME", t}, {"MIN_INSERTION_TIME", t}, {"MAX_INSERTION_TIME", t},
                   {"OPTIMIZE_TARGET_SIZE", "268435456"}};
  } else {
    add["tags"] = nullptr;
  }
  add["deletionVector"] = nullptr;
  return {{"add", add}};
}

int RunGenCheckpoint(const std::string& out, int64_t rows, uint64_t seed, int partition_columns,
                     const WriteFlags& flags) {
  auto schema = OrFail(parquet::WriterSchema::Make(CheckpointFields(), "spark_schema"));
  auto writer = OrFail(parquet::FileWriter::Open(OpenOutput(out), std::move(schema), flags.Options()));
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
    OrFail(sink.shredder().AddRow(row));
    OrFail(sink.MaybeFlush());
  }
  OrFail(sink.Flush());
  if (ShowProgress()) std::fputc('\n', stderr);
  OrFail(writer->Close());
  Summary(out, *writer);
  return 0;
}

}  // namespace

void AddParquetWriteCommands(CLI::App& root) {
  CLI::App* pq = root.get_subcommand("parquet");

  auto* copy = pq->add_subcommand("copy", "Rewrite a Parquet file with Lakeshare's writer");
  auto* copy_in = new std::string;
  auto* copy_out = new std::string;
  auto* copy_flags = new WriteFlags;
  copy->add_option("in", *copy_in, "Parquet file to read")->required();
  copy->add_option("out", *copy_out, "File to write ('-' for standard output)")->required();
  copy_flags->Add(copy);
  copy->callback([=] { std::exit(RunCopy(*copy_in, *copy_out, *copy_flags)); });

  auto* write = pq->add_subcommand(
      "write", "Write JSON lines (the canonical form of `parquet cat`) from stdin as Parquet");
  auto* write_schema = new std::string;
  auto* write_out = new std::string("-");
  auto* write_flags = new WriteFlags;
  write->add_option("--schema-from", *write_schema, "Parquet file whose schema to use")->required();
  write->add_option("out", *write_out, "File to write (default '-': standard output)");
  write_flags->Add(write);
  write->add_option("--row-group-rows", write_flags->row_group_rows, "Rows per row group")
      ->check(CLI::PositiveNumber);
  write->callback([=] { std::exit(RunWrite(*write_schema, *write_out, *write_flags)); });

  auto* gen = pq->add_subcommand(
      "gen-checkpoint", "Generate a Delta-checkpoint-shaped Parquet file (deterministic, for benchmarks)");
  auto* gen_out = new std::string;
  auto* gen_rows = new int64_t(1000000);
  auto* gen_seed = new uint64_t(42);
  auto* gen_partitions = new int(2);
  auto* gen_flags = new WriteFlags;
  gen->add_option("out", *gen_out, "File to write")->required();
  gen->add_option("--rows", *gen_rows, "Rows (a protocol, a metaData, then add actions; default 1000000)")
      ->check(CLI::Range(int64_t{2}, int64_t{1} << 40));
  gen->add_option("--seed", *gen_seed, "Random seed (default 42)");
  gen->add_option("--partition-columns", *gen_partitions,
                  "Partition columns of the table: 0..3 of date, region, bucket (default 2)")
      ->check(CLI::Range(0, 3));
  gen_flags->Add(gen);
  gen->add_option("--row-group-rows", gen_flags->row_group_rows, "Rows per row group")
      ->check(CLI::PositiveNumber);
  gen->callback([=] {
    std::exit(RunGenCheckpoint(*gen_out, *gen_rows, *gen_seed, *gen_partitions, *gen_flags));
  });
}

}  // namespace lakeshare::app
