#include "delta/delta_test_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "common/strings.h"
#include "delta/log_files.h"
#include "delta/table_writer.h"

namespace lakeshare::delta::testing {

std::string CommitName(Version v) { return CommitPath(v); }

Protocol MakeProtocol(int reader, int writer, std::optional<std::vector<std::string>> rf,
                      std::optional<std::vector<std::string>> wf) {
  Protocol p;
  p.min_reader_version = reader;
  p.min_writer_version = writer;
  p.reader_features = std::move(rf);
  p.writer_features = std::move(wf);
  return p;
}

std::string ProtocolLine(int reader, int writer, std::optional<std::vector<std::string>> rf,
                         std::optional<std::vector<std::string>> wf) {
  return ProtocolActionLine(MakeProtocol(reader, writer, std::move(rf), std::move(wf)));
}

std::string SchemaString(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out = R"({"type":"struct","fields":[)";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) {
      out += ",";
    }
    out += "{\"name\":";
    AppendJsonString(out, fields[i].first);
    out += ",\"type\":";
    AppendJsonString(out, fields[i].second);
    out += R"(,"nullable":true,"metadata":{}})";
  }
  return out + "]}";
}

std::string MetadataLine(const std::string& schema_string,
                         const std::vector<std::string>& partition_columns,
                         const std::map<std::string, std::string>& configuration,
                         const std::string& id) {
  Metadata m;
  m.id = id;
  m.schema_string = schema_string;
  m.partition_columns = partition_columns;
  for (const auto& [k, v] : configuration) {
    m.configuration.emplace_back(k, v);
  }
  m.created_time = 1;
  return MetadataActionLine(std::move(m));
}

std::string AddLine(const std::string& path, const std::map<std::string, std::string>& partition,
                    int64_t size, const std::string& stats,
                    const std::optional<DeletionVectorDescriptor>& dv, bool data_change,
                    const std::string& extra_members) {
  FileAction a;
  a.type = FileActionType::kAdd;
  a.path = path;
  for (const auto& [k, v] : partition) {
    a.partition_values.emplace_back(k, v);
  }
  a.size = size;
  a.modification_time = 1;
  a.data_change = data_change;
  if (!stats.empty()) {
    a.stats = stats;
  }
  a.deletion_vector = dv;
  std::string out = FileActionLine(a);
  if (!extra_members.empty()) {
    // Members the writer does not model: spliced in before the closing "}}".
    out.insert(out.size() - 2, "," + extra_members);
  }
  return out;
}

std::string RemoveLine(const std::string& path, const std::optional<DeletionVectorDescriptor>& dv,
                       bool data_change) {
  FileAction a;
  a.type = FileActionType::kRemove;
  a.path = path;
  a.deletion_timestamp = 5;
  a.data_change = data_change;
  a.deletion_vector = dv;
  return FileActionLine(a);
}

std::string CdcLine(const std::string& path, int64_t size) {
  FileAction a;
  a.type = FileActionType::kCdc;
  a.path = path;
  a.size = size;
  a.data_change = false;
  return FileActionLine(a);
}

std::string TxnLine(const std::string& app_id, int64_t version) {
  return TxnActionLine(app_id, version);
}

std::string DomainLine(const std::string& domain, const std::string& config, bool removed) {
  DomainMetadata d;
  d.domain = domain;
  d.configuration = config;
  d.removed = removed;
  return DomainMetadataActionLine(std::move(d));
}

std::string CommitInfoLine(std::optional<int64_t> ict) {
  if (ict) {
    return CommitInfoActionLine(fmt::format(R"("inCommitTimestamp":{},"operation":"WRITE")", *ict));
  }
  return CommitInfoActionLine(R"("operation":"WRITE")");
}

DeletionVectorDescriptor Dv(const std::string& path_or_inline, int64_t cardinality,
                            std::optional<int32_t> offset) {
  DeletionVectorDescriptor d;
  d.storage_type = 'u';
  d.path_or_inline_dv = path_or_inline;
  d.offset = offset;
  d.size_in_bytes = 36;
  d.cardinality = cardinality;
  return d;
}

TestTable::TestTable() {
  storage::StoreOptions options;
  options.clock = &clock_;
  store_ = std::make_shared<storage::MemoryObjectStore>("memory://table", options);
}

void TestTable::Commit(Version version, const std::vector<std::string>& lines,
                       std::optional<int64_t> mtime_ms) {
  std::string text;
  for (const auto& l : lines) {
    text += l + "\n";
  }
  Put(CommitPath(version), text, mtime_ms.value_or(1000 * (version + 1)));
}

void TestTable::Put(const std::string& path, const std::string& bytes, int64_t mtime_ms) {
  clock_.SetNowMs(mtime_ms);
  auto st = store_->Put(path, bytes);
  if (!st) {
    std::abort();
  }
}

void TestTable::Delete(const std::string& path) {
  auto st = store_->Delete(path);
  if (!st) {
    std::abort();
  }
}

void TestTable::WriteParquetCheckpoint(
    const std::string& path, const std::vector<std::string>& lines,
    const std::vector<std::pair<std::string, std::string>>& stats_parsed_columns,
    bool include_stats_column, bool v2_columns) {
  auto schema = CheckpointSchema(stats_parsed_columns, include_stats_column, v2_columns);
  if (!schema) {
    std::fprintf(stderr, "schema: %s\n", schema.error().message.c_str());
    std::abort();
  }
  auto bytes = EncodeCheckpoint(std::move(*schema), lines);
  if (!bytes) {
    std::fprintf(stderr, "checkpoint: %s\n", bytes.error().message.c_str());
    std::abort();
  }
  Put(path, *bytes, 7);
}

Result<std::shared_ptr<const Snapshot>> TestTable::Load(std::optional<Version> version) const {
  SnapshotOptions options;
  options.version = version;
  return Snapshot::Load(store_, options);
}

std::vector<std::string> TestTable::Keys(const Snapshot& snapshot) {
  std::vector<std::string> out;
  snapshot.files().ForEach([&](const AddFile& f) {
    std::string key(f.path());
    if (f.deletion_vector) {
      key += "#" + f.deletion_vector->unique_id;
    }
    out.push_back(std::move(key));
    return true;
  });
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace lakeshare::delta::testing
