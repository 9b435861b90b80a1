// LogSegment: which files of `_delta_log/` make up a snapshot version — the newest complete
// checkpoint not after it, then every commit after the checkpoint up to the version (with log
// compaction files standing in for runs of commits where they fit). `_last_checkpoint` is only a
// hint to start the listing late; when it is missing, stale or corrupt the listing starts at the
// beginning. Gaps and missing files are kCorrupt errors naming the missing version.
// Delta protocol, *Checkpoints*: "For time travel, the checkpoint used must not be newer than
// the time travel version" and "readers must ignore multi-part checkpoints with missing parts".
// Value types and pure functions over an ObjectStore; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/log_files.h"
#include "storage/object_store.h"

namespace lakeshare::delta {

enum class CheckpointKind : uint8_t { kClassic, kMultiPart, kUuidJson, kUuidParquet };

std::string_view CheckpointKindName(CheckpointKind kind);

struct CheckpointRef {
  Version version = 0;
  CheckpointKind kind = CheckpointKind::kClassic;
  std::vector<storage::ObjectInfo> files;  // paths relative to the table root; parts in order
};

/// One commit file (or a compaction file covering [version, end_version]).
struct CommitRef {
  Version version = 0;
  Version end_version = 0;  // == version for a commit
  storage::ObjectInfo file;
  bool is_compaction() const { return end_version != version; }
};

/// Every log file found by a listing, sorted by version.
struct LogListing {
  std::vector<CommitRef> commits;          // commits only, ascending, unique versions
  std::vector<CommitRef> compactions;      // compaction files, ascending by start
  std::vector<CheckpointRef> checkpoints;  // complete checkpoints, ascending by version
  bool listed_from_start = true;           // false when the listing started at a hint
  /// Latest version the listing can reconstruct (max of commits and checkpoints); -1 if none.
  Version latest() const;
};

struct LogSegment {
  Version version = -1;
  std::optional<CheckpointRef> checkpoint;
  /// The files to replay after the checkpoint, in order: commits and compactions.
  std::vector<CommitRef> replay;
  /// The commit file of `version`, when it exists (its mtime is the commit time).
  std::optional<storage::ObjectInfo> last_commit;
  /// Every checkpoint found at or below `version`, newest first, other than `checkpoint`
  /// (fallbacks when a checkpoint turns out to be unreadable).
  std::vector<CheckpointRef> older_checkpoints;
};

/// Read `_delta_log/_last_checkpoint`; nullopt when missing or unreadable (it is only a hint).
std::optional<Version> ReadLastCheckpointVersion(const storage::ObjectStore& store);

/// True when `file` is still in the store with the size and modification time a listing found;
/// false when it is gone or was replaced, or cannot be checked now (one Stat).
bool FileUnchanged(const storage::ObjectStore& store, const storage::ObjectInfo& file);

/// List the log. When `start_version` is set, only files at or after it are listed.
Result<LogListing> ListLog(const storage::ObjectStore& store,
                           std::optional<Version> start_version = std::nullopt);

/// The segment of `version` (which exists) from a listing of the versions around it only: the
/// hundred it belongs to, else the thousand (a few hundred to a few thousand names however long
/// the log is). Nullopt when neither holds a checkpoint at or before `version` (nor commit 0 for
/// the first versions): only a listing of the whole log can tell then. Errors: the listing's.
Result<std::optional<LogSegment>> BuildNearbyLogSegment(const storage::ObjectStore& store,
                                                        Version version);

/// Choose the files for `version` (latest when unset) from a listing. Errors: kNotFound when the
/// table has no log, kNotFound when `version` is past the latest version or before the earliest
/// reconstructable one, kCorrupt when a commit between the checkpoint and `version` is missing.
/// `use_compactions` lets log compaction files replace runs of commits.
Result<LogSegment> SelectSegment(const LogListing& listing, std::optional<Version> version,
                                 bool use_compactions = false);

/// ListLog (starting from the `_last_checkpoint` hint when it can) + SelectSegment.
Result<LogSegment> BuildLogSegment(const storage::ObjectStore& store,
                                   std::optional<Version> version = std::nullopt,
                                   bool use_compactions = false);

}  // namespace lakeshare::delta
