// Test helpers for src/delta: tiny Delta tables built in a MemoryObjectStore (or a temp folder)
// from hand-written JSON commits, and Parquet checkpoints written with the project's writer.
// Test-only; not thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "delta/actions.h"
#include "delta/snapshot.h"
#include "storage/memory_object_store.h"

namespace lakeshare::delta::testing {

/// JSON action lines: thin wrappers that fill the writer's action structs and call its line
/// functions (delta/table_writer.h), so tests write the same JSON as the demo and the
/// materializer. Fixed values: createdTime 1, modificationTime 1, deletionTimestamp 5.
/// A protocol with the given versions and feature lists.
Protocol MakeProtocol(int reader = 1, int writer = 2,
                      std::optional<std::vector<std::string>> reader_features = std::nullopt,
                      std::optional<std::vector<std::string>> writer_features = std::nullopt);
std::string ProtocolLine(int reader = 1, int writer = 2,
                         std::optional<std::vector<std::string>> reader_features = std::nullopt,
                         std::optional<std::vector<std::string>> writer_features = std::nullopt);
std::string MetadataLine(const std::string& schema_string,
                         const std::vector<std::string>& partition_columns = {},
                         const std::map<std::string, std::string>& configuration = {},
                         const std::string& id = "test-table-id");
/// A schema string with the given (name, type) top-level fields.
std::string SchemaString(const std::vector<std::pair<std::string, std::string>>& fields);
/// `extra_members` (inner JSON, e.g. "tags":{...}) is appended after the members the writer
/// knows, for tests of members the reader must carry through untouched.
std::string AddLine(const std::string& path,
                    const std::map<std::string, std::string>& partition = {}, int64_t size = 100,
                    const std::string& stats = "",
                    const std::optional<DeletionVectorDescriptor>& dv = std::nullopt,
                    bool data_change = true, const std::string& extra_members = "");
std::string RemoveLine(const std::string& path,
                       const std::optional<DeletionVectorDescriptor>& dv = std::nullopt,
                       bool data_change = true);
std::string CdcLine(const std::string& path, int64_t size = 10);
std::string TxnLine(const std::string& app_id, int64_t version);
std::string DomainLine(const std::string& domain, const std::string& config, bool removed);
std::string CommitInfoLine(std::optional<int64_t> in_commit_timestamp = std::nullopt);
/// A deletion vector descriptor of storage type 'u' (sizeInBytes 36).
DeletionVectorDescriptor Dv(const std::string& path_or_inline, int64_t cardinality,
                            std::optional<int32_t> offset = 1);

/// A table in memory. Commits get modification times from a settable clock.
class TestTable {
 public:
  TestTable();

  /// Write `_delta_log/<version>.json` from lines, with modification time `mtime_ms`
  /// (default: 1000 * (version + 1)).
  void Commit(Version version, const std::vector<std::string>& lines,
              std::optional<int64_t> mtime_ms = std::nullopt);
  void Put(const std::string& path, const std::string& bytes, int64_t mtime_ms = 1);
  void Delete(const std::string& path);
  /// Write a Parquet checkpoint file at `path` holding one action per row (JSON lines of
  /// {"add":{...}}, {"metaData":{...}}, ...), with an optional stats_parsed struct in `add`
  /// described by (name, parquet type) pairs: "long", "string", "int", "date", "double".
  void WriteParquetCheckpoint(
      const std::string& path, const std::vector<std::string>& lines,
      const std::vector<std::pair<std::string, std::string>>& stats_parsed_columns = {},
      bool include_stats_column = true, bool v2_columns = false);

  std::shared_ptr<storage::MemoryObjectStore> store() const { return store_; }
  Result<std::shared_ptr<const Snapshot>> Load(std::optional<Version> version = std::nullopt) const;

  /// Sorted "path" (or "path#dvid") keys of a snapshot's files.
  static std::vector<std::string> Keys(const Snapshot& snapshot);

 private:
  std::shared_ptr<storage::MemoryObjectStore> store_;
  ManualClock clock_{/*wall_ms=*/1};  // stamps the commits' modification times
};

/// The version string of a commit file.
std::string CommitName(Version v);

}  // namespace lakeshare::delta::testing
