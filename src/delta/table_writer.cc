#include "delta/table_writer.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstring>
#include <random>

#include "common/civil_date.h"  // FloorDiv
#include "common/strings.h"
#include "delta/log_files.h"
#include "delta/snapshot.h"
#include "delta/time_util.h"
#include "parquet/json_shredder.h"
#include "parquet/record_json.h"

namespace lakeshare::delta {

namespace {

using parquet::ColumnData;
using parquet::LogicalKind;
using parquet::PhysicalType;
using parquet::WriterField;

// Delta writers keep a 32-character prefix of long strings in statistics (Spark's
// spark.databricks.delta.stats.truncateLength default).
constexpr size_t kStringStatsPrefix = 32;

// Characters kept as they are in a relative action path (an RFC 2396 URI path).
bool PathSafe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::strchr("-._~/=+@,", c) != nullptr;
}

std::string EncodeActionPath(std::string_view path) {
  std::string out;
  for (char c : path) {
    if (PathSafe(c)) {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

}  // namespace

// ---- JSON lines --------------------------------------------------------------------------------

std::string ProtocolActionLine(Protocol protocol) {
  protocol.RebuildJson();
  return "{\"protocol\":" + protocol.json + "}";
}

std::string MetadataActionLine(Metadata metadata) {
  metadata.RebuildJson();
  return "{\"metaData\":" + metadata.json + "}";
}

std::string FileActionLine(const FileAction& a) {
  std::string out = "{\"";
  out += FileActionTypeName(a.type);
  out += "\":{\"path\":";
  AppendJsonString(out, a.path);
  const bool is_remove = a.type == FileActionType::kRemove;
  if (is_remove) {
    if (a.deletion_timestamp) out += fmt::format(",\"deletionTimestamp\":{}", *a.deletion_timestamp);
    out += fmt::format(",\"dataChange\":{}", a.data_change ? "true" : "false");
  }
  if (!is_remove || !a.partition_values.empty()) {
    out += ",\"partitionValues\":";
    AppendStringMapJson(out, a.partition_values);
  }
  if (a.size) out += fmt::format(",\"size\":{}", *a.size);
  if (a.type == FileActionType::kAdd && a.modification_time) {
    out += fmt::format(",\"modificationTime\":{}", *a.modification_time);
  }
  if (!is_remove) out += fmt::format(",\"dataChange\":{}", a.data_change ? "true" : "false");
  if (a.stats && a.type == FileActionType::kAdd) {
    out += ",\"stats\":";
    AppendJsonString(out, *a.stats);
  }
  if (a.deletion_vector) {
    out += ",\"deletionVector\":";
    a.deletion_vector->AppendJson(out);
  }
  out += "}}";
  return out;
}

std::string CommitInfoActionLine(std::string_view members) {
  return "{\"commitInfo\":{" + std::string(members) + "}}";
}

std::string TxnActionLine(std::string_view app_id, int64_t version) {
  std::string out = "{\"txn\":{\"appId\":";
  AppendJsonString(out, app_id);
  return out + fmt::format(",\"version\":{}}}}}", version);
}

std::string DomainMetadataActionLine(DomainMetadata domain) {
  domain.RebuildJson();
  return "{\"domainMetadata\":" + domain.json + "}";
}

std::string FormatUuid(std::string_view b) {
  const std::string hex = HexEncode(b);
  return fmt::format("{}-{}-{}-{}-{}", hex.substr(0, 8), hex.substr(8, 4), hex.substr(12, 4),
                     hex.substr(16, 4), hex.substr(20));
}

// ---- statistics --------------------------------------------------------------------------------

struct StatsCollector::Leaf {
  bool tracked = false;      // a top-level primitive column
  bool min_max = false;      // min/max are kept for its type
  int64_t nulls = 0;
  bool has_value = false;
  bool poisoned = false;     // NaN or an over-long max: min/max not written
  // Integers and integer-backed logical types in i; doubles in d; strings in s.
  int64_t imin = 0, imax = 0;
  double dmin = 0, dmax = 0;
  std::string smin, smax;
};

StatsCollector::StatsCollector(const parquet::Schema& schema) : schema_(schema) {
  leaves_.resize(static_cast<size_t>(schema.num_leaves()));
  for (int leaf = 0; leaf < schema.num_leaves(); ++leaf) {
    const parquet::SchemaNode& n = schema.node(schema.leaf_node(leaf));
    Leaf& l = leaves_[static_cast<size_t>(leaf)];
    l.tracked = n.parent == 0 && n.max_rep == 0;
    const bool bytes = n.physical == PhysicalType::kByteArray;
    l.min_max = l.tracked &&
                ((n.physical == PhysicalType::kInt32 || n.physical == PhysicalType::kInt64 ||
                  n.physical == PhysicalType::kFloat || n.physical == PhysicalType::kDouble) ||
                 (bytes && n.logical.kind == LogicalKind::kString));
  }
}

StatsCollector::~StatsCollector() = default;
StatsCollector::StatsCollector(StatsCollector&&) noexcept = default;

void StatsCollector::Add(int leaf, const ColumnData& c) {
  Leaf& l = leaves_[static_cast<size_t>(leaf)];
  if (!l.tracked) return;
  l.nulls += c.num_entries - c.num_values();
  if (!l.min_max) return;
  auto ints = [&](auto& values) {
    for (auto v : values) {
      const int64_t x = static_cast<int64_t>(v);
      if (!l.has_value || x < l.imin) l.imin = x;
      if (!l.has_value || x > l.imax) l.imax = x;
      l.has_value = true;
    }
  };
  auto doubles = [&](auto& values) {
    for (auto v : values) {
      const double x = static_cast<double>(v);
      if (std::isnan(x)) {
        l.poisoned = true;
        continue;
      }
      if (!l.has_value || x < l.dmin) l.dmin = x;
      if (!l.has_value || x > l.dmax) l.dmax = x;
      l.has_value = true;
    }
  };
  switch (c.type) {
    case PhysicalType::kInt32:
      ints(c.i32);
      break;
    case PhysicalType::kInt64:
      ints(c.i64);
      break;
    case PhysicalType::kFloat:
      doubles(c.f32);
      break;
    case PhysicalType::kDouble:
      doubles(c.f64);
      break;
    case PhysicalType::kByteArray: {
      // Values decoded from a dictionary page share their bytes: a value whose bytes (address
      // and length) were compared already is skipped, so a chunk costs a comparison per
      // distinct value rather than two per row.
      struct Seen {
        const char* data = nullptr;
        size_t size = 0;
      };
      std::array<Seen, 256> seen{};
      for (std::string_view v : c.bytes) {
        Seen& slot = seen[(reinterpret_cast<uintptr_t>(v.data()) >> 2 ^ v.size()) & 255];
        if (slot.data == v.data() && slot.size == v.size() && l.has_value) continue;
        slot = Seen{v.data(), v.size()};
        if (!l.has_value || v < l.smin) l.smin = std::string(v);
        if (!l.has_value || v > l.smax) l.smax = std::string(v);
        l.has_value = true;
      }
      break;
    }
    default:
      break;
  }
}

std::string StatsCollector::Json(const std::vector<std::string>& names) const {
  std::string mins, maxs, nulls;
  auto sep = [](std::string& s) {
    if (!s.empty()) s.push_back(',');
  };
  for (int leaf = 0; leaf < schema_.num_leaves(); ++leaf) {
    const Leaf& l = leaves_[static_cast<size_t>(leaf)];
    if (!l.tracked) continue;
    const parquet::SchemaNode& n = schema_.node(schema_.leaf_node(leaf));
    std::string key;
    AppendJsonString(key, names.empty() ? n.name : names[static_cast<size_t>(leaf)]);
    sep(nulls);
    nulls += key + ":" + std::to_string(l.nulls);
    if (!l.has_value || l.poisoned) continue;
    std::string lo, hi;
    const auto& t = n.logical;
    if (n.physical == PhysicalType::kByteArray) {
      AppendJsonString(lo, std::string_view(l.smin).substr(0, kStringStatsPrefix));
      if (l.smax.size() <= kStringStatsPrefix) AppendJsonString(hi, l.smax);
    } else if (n.physical == PhysicalType::kFloat || n.physical == PhysicalType::kDouble) {
      AppendJsonDouble(lo, l.dmin);
      AppendJsonDouble(hi, l.dmax);
      if (lo.front() == '"' || hi.front() == '"') continue;  // infinities have no JSON number
    } else if (t.kind == LogicalKind::kDate) {
      lo.push_back('"');
      AppendDate(lo, l.imin);
      lo.push_back('"');
      hi.push_back('"');
      AppendDate(hi, l.imax);
      hi.push_back('"');
    } else if (t.kind == LogicalKind::kTimestamp) {
      const int64_t div = t.unit == parquet::TimeUnit::kMillis   ? 1
                          : t.unit == parquet::TimeUnit::kMicros ? 1000
                                                                 : 1000000;
      // Millisecond precision: the minimum rounds down, the maximum up.
      const int64_t lo_ms = FloorDiv(l.imin, div);
      const int64_t hi_ms = FloorDiv(l.imax, div) + (l.imax % div != 0 ? 1 : 0);
      std::string a = FormatIsoMillis(lo_ms), b = FormatIsoMillis(hi_ms);
      if (!t.adjusted_to_utc) {  // timestamp_ntz: no zone designator
        if (!a.empty() && a.back() == 'Z') a.pop_back();
        if (!b.empty() && b.back() == 'Z') b.pop_back();
      }
      AppendJsonString(lo, a);
      AppendJsonString(hi, b);
    } else if (t.kind == LogicalKind::kDecimal) {
      parquet::AppendDecimalText(lo, l.imin, t.scale);
      parquet::AppendDecimalText(hi, l.imax, t.scale);
    } else {
      lo = std::to_string(l.imin);
      hi = std::to_string(l.imax);
    }
    sep(mins);
    mins += key + ":" + lo;
    if (!hi.empty()) {
      sep(maxs);
      maxs += key + ":" + hi;
    }
  }
  return fmt::format("{{\"numRecords\":{},\"minValues\":{{{}}},\"maxValues\":{{{}}},\"nullCount\":{{{}}}}}",
                     num_records_, mins, maxs, nulls);
}

// ---- the writer --------------------------------------------------------------------------------

TableWriter::TableWriter(std::shared_ptr<storage::ObjectStore> store, TableWriterOptions options)
    : store_(std::move(store)), options_(std::move(options)) {}

std::string TableWriter::NewUuid() const {
  if (options_.random_uuid) return options_.random_uuid();
  std::random_device rd;
  std::string out(16, '\0');
  for (size_t i = 0; i < 16; i += 4) {
    const uint32_t v = rd();
    std::memcpy(out.data() + i, &v, 4);
  }
  out[6] = static_cast<char>((out[6] & 0x0f) | 0x40);  // RFC 4122 version 4
  out[8] = static_cast<char>((out[8] & 0x3f) | 0x80);
  return out;
}

int64_t TableWriter::NowMs() const { return ClockOr(options_.clock).NowMs(); }

Status TableWriter::Commit(Version version, const std::vector<std::string>& lines) {
  if (version < 0) return InvalidArgument("a commit version must be >= 0, got {}", version);
  std::string text;
  for (const std::string& l : lines) {
    text += l;
    text.push_back('\n');
  }
  return store_->Put(CommitPath(version), text, storage::PutMode::kCreateOnly);
}

Result<FileAction> TableWriter::WriteDataFile(
    const std::string& path, parquet::WriterSchema schema,
    const std::vector<std::vector<ColumnData>>& row_groups, StringMap partition_values) {
  std::string bytes;
  StatsCollector stats(schema.schema());
  LS_ASSIGN_OR_RETURN(auto writer,
                      parquet::FileWriter::Open(std::make_unique<parquet::StringSink>(&bytes),
                                                std::move(schema), options_.parquet));
  for (const auto& columns : row_groups) {
    for (size_t leaf = 0; leaf < columns.size(); ++leaf) {
      stats.Add(static_cast<int>(leaf), columns[leaf]);
    }
    if (!columns.empty()) stats.AddRows(parquet::CountRows(columns[0]));
    LS_RETURN_IF_ERROR(writer->WriteRowGroup(columns));
  }
  LS_RETURN_IF_ERROR(writer->Close());
  LS_RETURN_IF_ERROR(store_->Put(path, bytes));
  FileAction add;
  add.type = FileActionType::kAdd;
  add.path = EncodeActionPath(path);
  add.partition_values = std::move(partition_values);
  add.size = static_cast<int64_t>(bytes.size());
  add.modification_time = NowMs();
  add.data_change = true;
  add.stats = stats.Json();
  return add;
}

Result<DeletionVectorDescriptor> TableWriter::WriteDeletionVector(
    const DeletionVector& dv, const std::string& random_prefix) {
  const std::string bitmap = dv.Serialize();
  std::string file;
  const int32_t offset = AppendDeletionVectorToFile(bitmap, &file);
  DeletionVectorDescriptor d;
  d.storage_type = 'u';
  d.path_or_inline_dv = random_prefix + EncodeZ85(NewUuid());
  d.offset = offset;
  d.size_in_bytes = static_cast<int32_t>(bitmap.size());
  d.cardinality = static_cast<int64_t>(dv.cardinality());
  LS_ASSIGN_OR_RETURN(std::string path, d.RelativePath());
  LS_RETURN_IF_ERROR(store_->Put(path, file, storage::PutMode::kCreateOnly));
  return d;
}

DeletionVectorDescriptor TableWriter::InlineDeletionVector(const DeletionVector& dv) {
  const std::string bitmap = dv.Serialize();
  DeletionVectorDescriptor d;
  d.storage_type = 'i';
  d.path_or_inline_dv = EncodeZ85(bitmap);
  d.size_in_bytes = static_cast<int32_t>(bitmap.size());
  d.cardinality = static_cast<int64_t>(dv.cardinality());
  return d;
}

// ---- checkpoints ---------------------------------------------------------------------------------

namespace {

WriterField Str(std::string name) {
  return parquet::Primitive(std::move(name), PhysicalType::kByteArray, parquet::StringType());
}
WriterField I64(std::string name) { return parquet::Primitive(std::move(name), PhysicalType::kInt64); }
WriterField I32(std::string name) { return parquet::Primitive(std::move(name), PhysicalType::kInt32); }
WriterField Bool(std::string name) {
  return parquet::Primitive(std::move(name), PhysicalType::kBoolean);
}
WriterField StrMap(std::string name) { return parquet::Map(std::move(name), Str("key"), Str("value")); }
WriterField Dv() {
  return parquet::Struct("deletionVector", {Str("storageType"), Str("pathOrInlineDv"),
                                            I32("offset"), I32("sizeInBytes"), I64("cardinality")});
}

WriterField TypedLeaf(const std::string& name, const std::string& type) {
  if (type == "long") return I64(name);
  if (type == "int") return I32(name);
  if (type == "double") return parquet::Primitive(name, PhysicalType::kDouble);
  if (type == "date") return parquet::Primitive(name, PhysicalType::kInt32, parquet::DateType());
  if (type == "timestamp") {
    return parquet::Primitive(name, PhysicalType::kInt64,
                              parquet::TimestampType(parquet::TimeUnit::kMicros, true));
  }
  return Str(name);
}

}  // namespace

Result<parquet::WriterSchema> CheckpointSchema(
    const std::vector<std::pair<std::string, std::string>>& stats_parsed,
    bool include_stats_column, bool v2_columns) {
  std::vector<WriterField> add = {Str("path"), StrMap("partitionValues"), I64("size"),
                                  I64("modificationTime"), Bool("dataChange")};
  if (include_stats_column) add.push_back(Str("stats"));
  add.push_back(StrMap("tags"));
  add.push_back(Dv());
  add.push_back(I64("baseRowId"));
  if (!stats_parsed.empty()) {
    std::vector<WriterField> mins, maxs, nulls;
    for (const auto& [name, type] : stats_parsed) {
      mins.push_back(TypedLeaf(name, type));
      maxs.push_back(TypedLeaf(name, type));
      nulls.push_back(I64(name));
    }
    add.push_back(parquet::Struct(
        "stats_parsed", {I64("numRecords"), parquet::Struct("minValues", mins),
                         parquet::Struct("maxValues", maxs), parquet::Struct("nullCount", nulls)}));
  }
  std::vector<WriterField> fields = {
      parquet::Struct("add", add),
      parquet::Struct("remove", {Str("path"), I64("deletionTimestamp"), Bool("dataChange"), Dv()}),
      parquet::Struct("metaData",
                      {Str("id"), Str("name"), Str("description"),
                       parquet::Struct("format", {Str("provider"), StrMap("options")}),
                       Str("schemaString"), parquet::List("partitionColumns", Str("element")),
                       StrMap("configuration"), I64("createdTime")}),
      parquet::Struct("protocol", {I32("minReaderVersion"), I32("minWriterVersion"),
                                   parquet::List("readerFeatures", Str("element")),
                                   parquet::List("writerFeatures", Str("element"))}),
      parquet::Struct("txn", {Str("appId"), I64("version"), I64("lastUpdated")}),
      parquet::Struct("domainMetadata", {Str("domain"), Str("configuration"), Bool("removed")}),
  };
  if (v2_columns) {
    fields.push_back(parquet::Struct("checkpointMetadata", {I64("version"), StrMap("tags")}));
    fields.push_back(parquet::Struct(
        "sidecar", {Str("path"), I64("sizeInBytes"), I64("modificationTime"), StrMap("tags")}));
  }
  return parquet::WriterSchema::Make(fields, "spark_schema");
}

Result<std::string> EncodeCheckpoint(parquet::WriterSchema schema,
                                     const std::vector<std::string>& lines) {
  parquet::RowShredder shredder(schema.schema());
  for (const std::string& line : lines) {
    LS_RETURN_IF_ERROR(shredder.AddJsonLine(line));
  }
  std::string bytes;
  LS_ASSIGN_OR_RETURN(auto writer,
                      parquet::FileWriter::Open(std::make_unique<parquet::StringSink>(&bytes),
                                                std::move(schema), parquet::WriterOptions()));
  LS_RETURN_IF_ERROR(writer->WriteRowGroup(shredder.TakeColumns()));
  LS_RETURN_IF_ERROR(writer->Close());
  return bytes;
}

Status TableWriter::WriteCheckpoint(const Snapshot& snapshot) {
  std::vector<std::string> lines;
  lines.push_back("{\"protocol\":" + snapshot.protocol().json + "}");
  lines.push_back("{\"metaData\":" + snapshot.metadata().json + "}");
  for (const auto& [app, txn] : snapshot.txns()) lines.push_back("{\"txn\":" + txn.json + "}");
  for (const auto& [domain, d] : snapshot.domain_metadata()) {
    if (!d.removed) lines.push_back("{\"domainMetadata\":" + d.json + "}");
  }
  snapshot.files().ForEach([&](const AddFile& f) {
    std::string line = "{\"add\":";
    f.AppendJson(line);
    line.push_back('}');
    lines.push_back(std::move(line));
    return true;
  });
  LS_ASSIGN_OR_RETURN(auto schema, CheckpointSchema());
  LS_ASSIGN_OR_RETURN(std::string bytes, EncodeCheckpoint(std::move(schema), lines));
  const std::string path =
      fmt::format("_delta_log/{}.checkpoint.parquet", VersionPrefix(snapshot.version()));
  LS_RETURN_IF_ERROR(store_->Put(path, bytes));
  return store_->Put(kLastCheckpointPath,
                     fmt::format("{{\"version\":{},\"size\":{}}}", snapshot.version(), lines.size()));
}

}  // namespace lakeshare::delta
