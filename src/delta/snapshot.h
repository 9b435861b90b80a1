// Snapshot: the state of a Delta table at one version — protocol, metaData, application
// transactions, domain metadata and the active files — reconstructed from the log segment
// (checkpoint + later commits). Delta protocol, *Action Reconciliation*: "The latest protocol
// action seen wins; the latest metaData action seen wins; for txn actions, the latest version seen
// for a given appId wins; for domainMetadata, the latest seen for a given domain wins, removed=true
// acts as a tombstone; ... keep only the newest reference for each logical file".
// A Snapshot is immutable once built and safe to share between threads; it keeps its store alive.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/file_set.h"
#include "delta/log_segment.h"
#include "delta/table_features.h"
#include "storage/object_store.h"

namespace lakeshare::delta {

class CommitTimeline;  // delta/commit_timeline.h

struct SnapshotOptions {
  /// Version to load; the latest when unset.
  std::optional<Version> version;
  /// Fail with kUnsupported when the protocol needs a reader feature this reader lacks.
  bool check_protocol = true;
  /// Let log compaction files replace runs of commits. Off by default: every commit must exist
  /// anyway, compactions in the wild differ in layout, and reading them saves little.
  bool use_compactions = false;
  /// False: protocol, metadata, txns and domains only; files() stays empty (cheap).
  bool load_files = true;
  /// The table's commit timeline (delta/commit_timeline.h) the snapshot carries, and the
  /// snapshots refreshed from it after it; null: none (time travel lists the log each time).
  std::shared_ptr<CommitTimeline> timeline;
};

/// Counters of the work a load or refresh did (for tests, logs and benchmarks).
struct LoadStats {
  int64_t commits_read = 0;
  int64_t compactions_read = 0;
  int64_t checkpoint_files_read = 0;
  int64_t bytes_read = 0;
  int64_t actions = 0;
};

class Snapshot {
 public:
  /// Load a snapshot of the table stored at `store`'s root.
  static Result<std::shared_ptr<const Snapshot>> Load(
      std::shared_ptr<const storage::ObjectStore> store, const SnapshotOptions& options = {});

  /// Load from an explicit segment (tests; the cache).
  static Result<std::shared_ptr<const Snapshot>> LoadSegment(
      std::shared_ptr<const storage::ObjectStore> store, LogSegment segment,
      const SnapshotOptions& options = {});

  /// The latest snapshot, reading only the commits after `previous` (incremental refresh).
  /// Returns `previous` itself when the table has not changed. Falls back to a full load when
  /// the log after `previous` cannot be replayed incrementally.
  static Result<std::shared_ptr<const Snapshot>> Refresh(
      const std::shared_ptr<const Snapshot>& previous, bool check_protocol = true);

  Version version() const { return version_; }
  /// Commit time of this version in ms: the in-commit timestamp when the table has them
  /// enabled, else the commit file's modification time.
  int64_t timestamp_ms() const { return timestamp_ms_; }
  const Protocol& protocol() const { return protocol_; }
  const Metadata& metadata() const { return metadata_; }
  const TableFeatures& features() const { return features_; }
  const FileSet& files() const { return files_; }
  const std::map<std::string, Txn>& txns() const { return txns_; }
  const std::map<std::string, DomainMetadata>& domain_metadata() const { return domains_; }
  /// The commitInfo of the commit at this version, when it was read.
  const std::optional<CommitInfo>& commit_info() const { return commit_info_; }
  const LogSegment& segment() const { return segment_; }
  const LoadStats& load_stats() const { return stats_; }
  const std::shared_ptr<const storage::ObjectStore>& store() const { return store_; }
  /// The commit timeline given at load (SnapshotOptions::timeline), kept by Refresh; may be null.
  /// Thread-safe itself: it is the one part of a snapshot that changes (it learns new commits).
  const std::shared_ptr<CommitTimeline>& timeline() const { return timeline_; }
  /// The table's partition columns, in order.
  const std::vector<std::string>& partition_columns() const { return metadata_.partition_columns; }
  /// Approximate heap bytes held.
  size_t MemoryUsage() const;

  /// OK when this reader can serve the table; kUnsupported naming the feature otherwise.
  Status CheckReadable() const { return delta::CheckReadable(protocol_); }

  /// True when every file's path is a plain relative object path, its own storage path inside
  /// the table: no percent escape to decode, not an absolute URI or rooted path, and accepted by
  /// storage::ValidateObjectPath (the containment rule). Checked over all files on the first call
  /// and remembered (a snapshot never changes), so a query of a cached snapshot need not check
  /// each path again. Thread-safe.
  bool FilePathsArePlain() const;

  /// delta::HasDeletionVectors(files()): whether any active file carries a deletion vector.
  /// Scanned on the first call and remembered, like FilePathsArePlain. Thread-safe.
  bool HasDeletionVectors() const;

 private:
  friend class SnapshotBuilder;
  Snapshot() = default;

  std::shared_ptr<const storage::ObjectStore> store_;
  std::shared_ptr<CommitTimeline> timeline_;
  Version version_ = -1;
  int64_t timestamp_ms_ = 0;
  Protocol protocol_;
  Metadata metadata_;
  TableFeatures features_;
  FileSet files_;
  std::map<std::string, Txn> txns_;
  std::map<std::string, DomainMetadata> domains_;
  std::optional<CommitInfo> commit_info_;
  LogSegment segment_;
  LoadStats stats_;
  mutable std::once_flag plain_paths_once_;
  mutable bool plain_paths_ = false;
  mutable std::once_flag dvs_once_;
  mutable bool has_dvs_ = false;
};

/// Resolve a sidecar action path to a storage path: "_delta_log/_sidecars/<name>".
Result<std::string> SidecarStoragePath(std::string_view action_path);

}  // namespace lakeshare::delta
