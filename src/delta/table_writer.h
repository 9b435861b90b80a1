// TableWriter: the one Delta writer of the project. It writes commits (protocol, metaData, add,
// remove, cdc, commitInfo, txn, domainMetadata lines; each commit created only when absent, as
// Delta's mutual-exclusion rule asks), Parquet data files with per-file statistics, deletion
// vector files and classic Parquet checkpoints with `_last_checkpoint`, through any ObjectStore.
// Used by the demo, the tests, the materialization engine and the audit export.
// Delta protocol, *Delta Log Entries*: "Delta files are stored as JSON in a directory at the root
// of the table named _delta_log, and together with checkpoints make up the log of all changes";
// *Writer Requirements*: "Writers MUST NEVER overwrite an existing log entry."
// Thread-safety: a TableWriter is used by one thread at a time; the functions are pure.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "delta/actions.h"
#include "delta/deletion_vector.h"
#include "parquet/column_reader.h"
#include "parquet/file_writer.h"
#include "storage/object_store.h"

namespace lakeshare::delta {

class Snapshot;

// ---- JSON lines of actions ---------------------------------------------------------------------

/// {"protocol":{...}} from the fields (RebuildJson order: minReaderVersion, minWriterVersion,
/// readerFeatures, writerFeatures).
std::string ProtocolActionLine(Protocol protocol);
/// {"metaData":{...}} from the fields.
std::string MetadataActionLine(Metadata metadata);
/// {"add":{...}}, {"remove":{...}} or {"cdc":{...}} from the fields, in the order Delta writers
/// use: path, partitionValues, size, modificationTime | deletionTimestamp, dataChange, stats,
/// deletionVector.
std::string FileActionLine(const FileAction& action);
/// {"commitInfo":{...}}: `members` is the object's inner JSON (free-form per the protocol).
std::string CommitInfoActionLine(std::string_view members);
/// {"txn":{"appId":...,"version":...}}.
std::string TxnActionLine(std::string_view app_id, int64_t version);
/// {"domainMetadata":{"domain":...,"configuration":...,"removed":...}} from the fields.
std::string DomainMetadataActionLine(DomainMetadata domain);

// ---- statistics --------------------------------------------------------------------------------

/// Delta protocol, *Per-file Statistics*: numRecords, and minValues / maxValues / nullCount of
/// the top-level primitive columns of a file, accumulated over its row groups. Values are
/// written as Delta writers do: numbers, "yyyy-mm-dd" dates, ISO-8601 millisecond timestamps,
/// decimals with their scale; strings longer than 32 characters keep a 32-character prefix as
/// minimum and no maximum; booleans, binaries and floating-point NaN get null counts only.
class StatsCollector {
 public:
  explicit StatsCollector(const parquet::Schema& schema);
  ~StatsCollector();
  StatsCollector(StatsCollector&&) noexcept;
  /// Account one row group's leaf column.
  void Add(int leaf, const parquet::ColumnData& column);
  void AddRows(int64_t rows) { num_records_ += rows; }
  /// The statistics JSON text. `names` optionally renames top-level columns (physical names of
  /// a column-mapped table), indexed by leaf; empty keeps the file's names.
  std::string Json(const std::vector<std::string>& names = {}) const;

 private:
  struct Leaf;
  parquet::Schema schema_;  // a copy: the writer takes the original
  std::vector<Leaf> leaves_;
  int64_t num_records_ = 0;
};

// ---- the writer --------------------------------------------------------------------------------

struct TableWriterOptions {
  /// 16 random bytes for a new UUID (DV file names); std::random_device when unset.
  std::function<std::string()> random_uuid;
  /// The wall clock that stamps written files' modification times (common/clock.h); null:
  /// SystemClock(). Must outlive the writer.
  const Clock* clock = nullptr;
  parquet::WriterOptions parquet;
};

class TableWriter {
 public:
  /// `store` is the table root; it must outlive nothing (shared).
  explicit TableWriter(std::shared_ptr<storage::ObjectStore> store, TableWriterOptions options = {});

  storage::ObjectStore& store() const { return *store_; }

  /// Write `_delta_log/<version>.json` holding `lines` (one JSON action each). kAlreadyExists
  /// when that version exists: another writer won.
  Status Commit(Version version, const std::vector<std::string>& lines);

  /// Write a Parquet data file at `path` (relative to the table root, unencoded) from row
  /// groups of leaf columns, and return its add action (size, modification time, statistics,
  /// `partition_values`, dataChange true). The path in the action is URI-encoded.
  Result<FileAction> WriteDataFile(const std::string& path, parquet::WriterSchema schema,
                                   const std::vector<std::vector<parquet::ColumnData>>& row_groups,
                                   StringMap partition_values = {});

  /// Store a deletion vector in a new DV file beneath `random_prefix` (may be empty) and return
  /// its descriptor (storage type 'u').
  Result<DeletionVectorDescriptor> WriteDeletionVector(const DeletionVector& dv,
                                                       const std::string& random_prefix = "");
  /// The descriptor of a deletion vector stored inline in the log (storage type 'i').
  static DeletionVectorDescriptor InlineDeletionVector(const DeletionVector& dv);

  /// Write a classic single-file checkpoint of `snapshot` (protocol, metaData, txns, domain
  /// metadata, every active add) and point `_last_checkpoint` at it.
  Status WriteCheckpoint(const Snapshot& snapshot);

 private:
  std::string NewUuid() const;
  int64_t NowMs() const;

  std::shared_ptr<storage::ObjectStore> store_;
  TableWriterOptions options_;
};

/// The Parquet schema of a classic checkpoint (add, remove, metaData, protocol, txn,
/// domainMetadata; with `v2_columns` also checkpointMetadata and sidecar). `stats_parsed`
/// columns are (name, type) with type long, int, double, date, timestamp or string.
Result<parquet::WriterSchema> CheckpointSchema(
    const std::vector<std::pair<std::string, std::string>>& stats_parsed = {},
    bool include_stats_column = true, bool v2_columns = false);

/// Encode checkpoint rows (one {"add":{...}} / {"metaData":{...}} / ... JSON line each) as a
/// Parquet file of `schema`, one row group.
Result<std::string> EncodeCheckpoint(parquet::WriterSchema schema,
                                     const std::vector<std::string>& lines);

/// "<uuid>" in canonical text form from 16 bytes.
std::string FormatUuid(std::string_view bytes16);

}  // namespace lakeshare::delta
