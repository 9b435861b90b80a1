#include "delta/delta_test_util.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "delta/log_files.h"
#include "delta/table_writer.h"

namespace lakeshare::delta::testing {

namespace {

using nlohmann::ordered_json;

std::string Quote(std::string_view s) {
  std::string out;
  AppendJsonString(out, s);
  return out;
}

std::string StringList(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) {
      out += ",";
    }
    out += Quote(v[i]);
  }
  return out + "]";
}

std::string StringMapJson(const std::map<std::string, std::string>& m) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : m) {
    if (!first) {
      out += ",";
    }
    first = false;
    out += Quote(k) + ":" + Quote(v);
  }
  return out + "}";
}

}  // namespace

std::string CommitName(Version v) { return CommitPath(v); }

std::string ProtocolLine(int reader, int writer, std::optional<std::vector<std::string>> rf,
                         std::optional<std::vector<std::string>> wf) {
  std::string out =
      fmt::format(R"({{"protocol":{{"minReaderVersion":{},"minWriterVersion":{})", reader, writer);
  if (rf) {
    out += ",\"readerFeatures\":" + StringList(*rf);
  }
  if (wf) {
    out += ",\"writerFeatures\":" + StringList(*wf);
  }
  return out + "}}";
}

std::string SchemaString(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string out = R"({"type":"struct","fields":[)";
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i) {
      out += ",";
    }
    out += fmt::format(R"({{"name":{},"type":{},"nullable":true,"metadata":{{}}}})",
                       Quote(fields[i].first), Quote(fields[i].second));
  }
  return out + "]}";
}

std::string MetadataLine(const std::string& schema_string,
                         const std::vector<std::string>& partition_columns,
                         const std::map<std::string, std::string>& configuration,
                         const std::string& id) {
  return fmt::format(
      R"({{"metaData":{{"id":{},"format":{{"provider":"parquet","options":{{}}}},"schemaString":{},"partitionColumns":{},"configuration":{},"createdTime":1}}}})",
      Quote(id), Quote(schema_string), StringList(partition_columns), StringMapJson(configuration));
}

std::string AddLine(const std::string& path, const std::map<std::string, std::string>& partition,
                    int64_t size, const std::string& stats, const std::string& dv_json,
                    bool data_change, const std::string& extra_members) {
  std::string out = fmt::format(
      R"({{"add":{{"path":{},"partitionValues":{},"size":{},"modificationTime":1,"dataChange":{})",
      Quote(path), StringMapJson(partition), size, data_change ? "true" : "false");
  if (!stats.empty()) {
    out += ",\"stats\":" + Quote(stats);
  }
  if (!dv_json.empty()) {
    out += ",\"deletionVector\":" + dv_json;
  }
  if (!extra_members.empty()) {
    out += "," + extra_members;
  }
  return out + "}}";
}

std::string RemoveLine(const std::string& path, const std::string& dv_json, bool data_change) {
  std::string out = fmt::format(R"({{"remove":{{"path":{},"deletionTimestamp":5,"dataChange":{})",
                                Quote(path), data_change ? "true" : "false");
  if (!dv_json.empty()) {
    out += ",\"deletionVector\":" + dv_json;
  }
  return out + "}}";
}

std::string CdcLine(const std::string& path, int64_t size) {
  return fmt::format(
      R"({{"cdc":{{"path":{},"partitionValues":{{}},"size":{},"dataChange":false}}}})", Quote(path),
      size);
}

std::string TxnLine(const std::string& app_id, int64_t version) {
  return fmt::format(R"({{"txn":{{"appId":{},"version":{}}}}})", Quote(app_id), version);
}

std::string DomainLine(const std::string& domain, const std::string& config, bool removed) {
  return fmt::format(R"({{"domainMetadata":{{"domain":{},"configuration":{},"removed":{}}}}})",
                     Quote(domain), Quote(config), removed ? "true" : "false");
}

std::string CommitInfoLine(std::optional<int64_t> ict) {
  if (ict) {
    return fmt::format(R"({{"commitInfo":{{"inCommitTimestamp":{},"operation":"WRITE"}}}})", *ict);
  }
  return R"({"commitInfo":{"operation":"WRITE"}})";
}

std::string DvJson(const std::string& path_or_inline, int64_t cardinality,
                   std::optional<int32_t> offset) {
  std::string out =
      fmt::format(R"({{"storageType":"u","pathOrInlineDv":{})", Quote(path_or_inline));
  if (offset) {
    out += fmt::format(",\"offset\":{}", *offset);
  }
  return out + fmt::format(",\"sizeInBytes\":36,\"cardinality\":{}}}", cardinality);
}

TestTable::TestTable() {
  storage::StoreOptions options;
  options.clock = [this] { return storage::SystemTime(std::chrono::milliseconds(now_ms_)); };
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
  now_ms_ = mtime_ms;
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
