#include "delta/snapshot.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <unordered_set>

#include "common/error_context.h"
#include "delta/action_reader_internal.h"
#include "delta/snapshot_internal.h"
#include "delta/table_properties_internal.h"

namespace lakeshare::delta {

// Replays actions into snapshot state (the ActionSink of a load or refresh).
class SnapshotBuilder : public ActionSink {
 public:
  explicit SnapshotBuilder(const FileSet& start = FileSet()) : files_(start) {}

  // Check the replayed state (CheckStateComplete), move it into `snap` with `segment`, the log
  // files it came from, and the snapshot's timestamp.
  Result<std::shared_ptr<const Snapshot>> Publish(const storage::ObjectStore& store,
                                                  std::shared_ptr<Snapshot> snap,
                                                  LogSegment segment, bool check_protocol);

  // Snapshot::LoadSegment with a limit on the lines of JSON commits and checkpoints.
  static Result<std::shared_ptr<const Snapshot>> LoadSegment(
      std::shared_ptr<const storage::ObjectStore> store, LogSegment segment,
      const SnapshotOptions& options, size_t max_line_bytes);

  void StartCheckpoint(Version v, bool top_level) {
    current_ = v;
    in_checkpoint_ = true;
    checkpoint_top_ = top_level;
  }
  void StartCommit(Version v, Version end, bool compaction) {
    current_ = end;
    in_checkpoint_ = false;
    in_compaction_ = compaction;
    commit_start_ = v;
    compaction_seen_.clear();
  }

  // Delta protocol, *Log Compaction Files*: a compaction holds "the aggregated actions for commit
  // range [x, y]" after reconciliation, i.e. one action per key. Some writers instead concatenate
  // the commits newest first; taking only the first action per key within the file is right for
  // both layouts.
  bool FirstInCompaction(std::string key) {
    if (!in_compaction_) {
      return true;
    }
    return compaction_seen_.insert(std::move(key)).second;
  }
  bool FirstFileInCompaction(std::string_view path, std::string_view dv_id) {
    if (!in_compaction_) {
      return true;
    }
    std::string key = "f:";
    key.append(path);
    key.push_back('\0');
    key.append(dv_id);
    return FirstInCompaction(std::move(key));
  }

  Status OnProtocol(Protocol p) override {
    if (!FirstInCompaction("protocol")) {
      return OkStatus();
    }
    protocol_ = std::move(p);
    ++actions_;
    return OkStatus();
  }
  Status OnMetadata(Metadata m) override {
    if (!FirstInCompaction("metaData")) {
      return OkStatus();
    }
    metadata_ = std::move(m);
    ++actions_;
    return OkStatus();
  }
  Status OnTxn(Txn t) override {
    if (!FirstInCompaction("txn:" + t.app_id)) {
      return OkStatus();
    }
    std::string key = t.app_id;
    txns_[key] = std::move(t);
    ++actions_;
    return OkStatus();
  }
  Status OnDomainMetadata(DomainMetadata d) override {
    ++actions_;
    if (!FirstInCompaction("domain:" + d.domain)) {
      return OkStatus();
    }
    if (d.removed) {
      domains_.erase(d.domain);
    } else {
      std::string key = d.domain;
      domains_[key] = std::move(d);
    }
    return OkStatus();
  }
  Status OnCommitInfo(CommitInfo c) override {
    // "only the commitInfo from the commit at the snapshot version is included in the snapshot"
    if (!in_checkpoint_ && !in_compaction_ && current_ == target_) {
      commit_info_ = std::move(c);
    }
    return OkStatus();
  }
  Status OnSidecar(SidecarInfo s) override {
    // "v2 checkpoint spec actions are not allowed in normal commit files, and do not participate
    // in log replay."
    if (in_checkpoint_ && checkpoint_top_) {
      sidecars_.push_back(std::move(s));
    }
    return OkStatus();
  }
  bool wants_file_actions() const override { return load_files_; }
  void RetainBuffers(const std::vector<std::shared_ptr<const void>>& buffers,
                     size_t approx_bytes) override {
    if (load_files_) {
      files_.Retain(buffers, approx_bytes);
    }
  }
  void ExpectAdds(size_t n) override {
    if (load_files_) {
      files_.ExpectAdds(n);
    }
  }
  Status OnAdd(const AddInput& in) override {
    ++actions_;
    if (in_compaction_ &&
        !FirstFileInCompaction(in.path, in.deletion_vector ? in.deletion_vector->UniqueId() : "")) {
      return OkStatus();
    }
    files_.Add(in, current_);
    return OkStatus();
  }
  Status OnRemove(std::string_view path, std::string_view dv_id) override {
    ++actions_;
    // Removes in a checkpoint are VACUUM tombstones only.
    if (in_checkpoint_ || !FirstFileInCompaction(path, dv_id)) {
      return OkStatus();
    }
    files_.Remove(path, dv_id);
    return OkStatus();
  }

  bool load_files_ = true;
  Version target_ = -1;
  Version current_ = -1;
  Version commit_start_ = -1;
  bool in_checkpoint_ = false;
  bool checkpoint_top_ = false;
  bool in_compaction_ = false;
  std::unordered_set<std::string> compaction_seen_;
  std::optional<Protocol> protocol_;
  std::optional<Metadata> metadata_;
  std::map<std::string, Txn> txns_;
  std::map<std::string, DomainMetadata> domains_;
  std::optional<CommitInfo> commit_info_;
  std::vector<SidecarInfo> sidecars_;
  FileSetBuilder files_;
  int64_t actions_ = 0;
};

namespace {

Status ReadCheckpoint(const storage::ObjectStore& store, const CheckpointRef& cp,
                      SnapshotBuilder& b, LoadStats& stats, size_t max_line_bytes) {
  b.sidecars_.clear();
  for (const auto& file : cp.files) {
    b.StartCheckpoint(cp.version, /*top_level=*/true);
    ++stats.checkpoint_files_read;
    stats.bytes_read += file.size;
    if (cp.kind == CheckpointKind::kUuidJson) {
      // Streamed like a commit (the provider sizes it: a sparse file costs a local table no
      // disk), never read whole.
      Status read = ParseJsonActionsFile(store, file.path, b, nullptr, max_line_bytes);
      if (!read && read.error().code == ErrorCode::kNotFound) {
        return CorruptError("Failed to read checkpoint '{}': {}", file.path, read.error().message);
      }
      LS_RETURN_IF_ERROR(read);
    } else {
      LS_RETURN_IF_ERROR(ReadParquetCheckpoint(store, file.path, b));
    }
  }
  // Delta protocol, *V2 Spec*: file actions may live in sidecar files referenced by the
  // checkpoint ("All sidecar files reside in the _delta_log/_sidecars directory").
  std::vector<SidecarInfo> sidecars = std::move(b.sidecars_);
  for (const auto& sc : sidecars) {
    LS_ASSIGN_OR_RETURN(std::string path, SidecarStoragePath(sc.path));
    b.StartCheckpoint(cp.version, /*top_level=*/false);
    ++stats.checkpoint_files_read;
    stats.bytes_read += sc.size_in_bytes;
    Status st = ReadParquetCheckpoint(store, path, b);
    if (!st) {
      return tl::unexpected(WithContext(
          st.error(), fmt::format("Failed to read sidecar of checkpoint {}", cp.version)));
    }
  }
  return OkStatus();
}

Status ReplayCommit(const storage::ObjectStore& store, const CommitRef& c, SnapshotBuilder& b,
                    LoadStats& stats, size_t max_line_bytes = kMaxJsonLineBytes) {
  if (c.is_compaction()) {
    ++stats.compactions_read;
  } else {
    ++stats.commits_read;
  }
  b.StartCommit(c.version, c.end_version, c.is_compaction());
  return ParseJsonActionsFile(store, c.file.path, b, &stats.bytes_read, max_line_bytes);
}

// The commit timestamp of `version` for a snapshot whose state is in `b`.
Result<int64_t> ReadCommitTimestamp(const storage::ObjectStore& store,
                                    const TableFeatures& features, const Metadata& metadata,
                                    Version version, const std::optional<CommitInfo>& commit_info,
                                    const LogSegment& segment) {
  if (features.in_commit_timestamps_enabled) {
    // *In-Commit Timestamps*: "For commits with version >=
    // delta.inCommitTimestampEnablementVersion, readers should use the inCommitTimestamp field of
    // the commitInfo action."
    LS_ASSIGN_OR_RETURN(std::optional<int64_t> enabled_at,
                        ConfigInt(metadata, "delta.inCommitTimestampEnablementVersion"));
    if (!enabled_at || version >= *enabled_at) {
      if (commit_info) {
        LS_ASSIGN_OR_RETURN(std::optional<int64_t> ict, commit_info->InCommitTimestamp());
        if (ict) {
          return *ict;
        }
      }
      if (segment.last_commit) {
        LS_ASSIGN_OR_RETURN(std::optional<int64_t> ict,
                            ReadInCommitTimestamp(store, segment.last_commit->path));
        if (ict) {
          return *ict;
        }
        // A writer that broke the rule: fall back to the file time rather than refuse the table.
      }
    }
  }
  if (segment.last_commit) {
    return segment.last_commit->last_modified_ms;
  }
  if (segment.checkpoint && !segment.checkpoint->files.empty()) {
    return segment.checkpoint->files.front().last_modified_ms;
  }
  return 0;
}

}  // namespace

Status CheckStateComplete(const std::optional<Protocol>& protocol,
                          const std::optional<Metadata>& metadata, Version version,
                          bool check_protocol) {
  if (!protocol) {
    return CorruptError("Delta log has no protocol action at or before version {}", version);
  }
  if (!metadata) {
    return CorruptError("Delta log has no metaData action at or before version {}", version);
  }
  if (check_protocol) {
    LS_RETURN_IF_ERROR(CheckReadable(*protocol));
  }
  return OkStatus();
}

Result<std::shared_ptr<const Snapshot>> SnapshotBuilder::Publish(const storage::ObjectStore& store,
                                                                 std::shared_ptr<Snapshot> snap,
                                                                 LogSegment segment,
                                                                 bool check_protocol) {
  LS_RETURN_IF_ERROR(CheckStateComplete(protocol_, metadata_, snap->version(), check_protocol));
  snap->protocol_ = std::move(*protocol_);
  snap->metadata_ = std::move(*metadata_);
  snap->features_ = ComputeTableFeatures(snap->protocol_, snap->metadata_);
  snap->txns_ = std::move(txns_);
  snap->domains_ = std::move(domains_);
  snap->commit_info_ = std::move(commit_info_);
  snap->stats_.actions = actions_;
  snap->files_ = files_.Finish();
  LS_ASSIGN_OR_RETURN(snap->timestamp_ms_,
                      ReadCommitTimestamp(store, snap->features_, snap->metadata_, snap->version_,
                                          snap->commit_info_, segment));
  snap->segment_ = std::move(segment);
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

bool Snapshot::FilePathsArePlain() const {
  std::call_once(plain_paths_once_, [this] {
    bool plain = true;
    files_.ForEach([&plain](const AddFile& f) {
      const std::string_view path = f.path();
      plain = path.find('%') == std::string_view::npos && !IsAbsoluteUri(path) &&
              storage::ValidateObjectPath(path).has_value();
      return plain;
    });
    plain_paths_ = plain;
  });
  return plain_paths_;
}

bool Snapshot::HasDeletionVectors() const {
  std::call_once(dvs_once_, [this] { has_dvs_ = delta::HasDeletionVectors(files_); });
  return has_dvs_;
}

Result<std::string> SidecarStoragePath(std::string_view action_path) {
  LS_ASSIGN_OR_RETURN(std::string decoded, DecodeActionPath(action_path));
  std::string_view name(decoded);
  size_t slash = name.rfind('/');
  if (slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  if (name.empty() || name == "." || name == "..") {
    return CorruptError("sidecar path '{}' does not name a file", action_path);
  }
  return std::string(kSidecarDir) + std::string(name);
}

size_t Snapshot::MemoryUsage() const {
  size_t bytes = sizeof(Snapshot) + files_.MemoryUsage() + metadata_.json.capacity() * 2 +
                 protocol_.json.capacity();
  for (const auto& [k, t] : txns_) {
    bytes += k.size() + t.json.size() + 96;
  }
  for (const auto& [k, d] : domains_) {
    bytes += k.size() + d.json.size() + d.configuration.size() + 96;
  }
  bytes += segment_.replay.size() * (sizeof(CommitRef) + 48);
  return bytes;
}

Result<std::shared_ptr<const Snapshot>> Snapshot::LoadSegment(
    std::shared_ptr<const storage::ObjectStore> store, LogSegment segment,
    const SnapshotOptions& options) {
  return SnapshotBuilder::LoadSegment(std::move(store), std::move(segment), options,
                                      kMaxJsonLineBytes);
}

Result<std::shared_ptr<const Snapshot>> SnapshotBuilder::LoadSegment(
    std::shared_ptr<const storage::ObjectStore> store, LogSegment segment,
    const SnapshotOptions& options, size_t max_line_bytes) {
  auto snap = std::shared_ptr<Snapshot>(new Snapshot());
  snap->store_ = store;
  snap->timeline_ = options.timeline;
  snap->version_ = segment.version;
  SnapshotBuilder b;
  b.target_ = segment.version;
  b.load_files_ = options.load_files;
  if (segment.checkpoint) {
    LS_RETURN_IF_ERROR(
        ReadCheckpoint(*store, *segment.checkpoint, b, snap->stats_, max_line_bytes));
  }
  // A size hint for large replays (an add takes a few hundred bytes of JSON): storage starts
  // with huge-page blocks instead of growing through small ones (a page fault per 4 KiB).
  int64_t replay_bytes = 0;
  for (const auto& c : segment.replay) {
    replay_bytes += c.file.size;
  }
  b.ExpectAdds(static_cast<size_t>(std::max<int64_t>(replay_bytes, 0) / 1024));
  for (const auto& c : segment.replay) {
    LS_RETURN_IF_ERROR(ReplayCommit(*store, c, b, snap->stats_, max_line_bytes));
  }
  return b.Publish(*store, std::move(snap), std::move(segment), options.check_protocol);
}

Result<std::shared_ptr<const Snapshot>> Snapshot::Load(
    std::shared_ptr<const storage::ObjectStore> store, const SnapshotOptions& options) {
  return LoadSnapshot(std::move(store), options, kMaxJsonLineBytes);
}

Result<std::shared_ptr<const Snapshot>> LoadSnapshot(
    std::shared_ptr<const storage::ObjectStore> store, const SnapshotOptions& options,
    size_t max_json_line_bytes) {
  LS_ASSIGN_OR_RETURN(LogSegment segment,
                      BuildLogSegment(*store, options.version, options.use_compactions));
  auto loaded = SnapshotBuilder::LoadSegment(store, segment, options, max_json_line_bytes);
  if (loaded || loaded.error().code != ErrorCode::kCorrupt || !segment.checkpoint) {
    return loaded;
  }
  // An unreadable checkpoint: try older checkpoints (their commits must still be there).
  LS_ASSIGN_OR_RETURN(LogListing listing, ListLog(*store));
  Error first_error = loaded.error();
  std::vector<Version> bad = {segment.checkpoint->version};
  for (int attempt = 0; attempt < 4; ++attempt) {
    LogListing pruned = listing;
    std::erase_if(pruned.checkpoints, [&](const CheckpointRef& c) {
      return std::find(bad.begin(), bad.end(), c.version) != bad.end();
    });
    auto seg = SelectSegment(pruned, segment.version, options.use_compactions);
    if (!seg) {
      break;
    }
    auto retry = SnapshotBuilder::LoadSegment(store, *seg, options, max_json_line_bytes);
    if (retry || retry.error().code != ErrorCode::kCorrupt || !seg->checkpoint) {
      return retry ? retry : tl::unexpected(first_error);
    }
    bad.push_back(seg->checkpoint->version);
  }
  return tl::unexpected(first_error);
}

Result<std::shared_ptr<const Snapshot>> Snapshot::Refresh(
    const std::shared_ptr<const Snapshot>& previous, bool check_protocol) {
  const auto& store = previous->store_;
  // Listed from the cached version itself (one more entry, no more requests), so that a table
  // whose log was deleted is noticed instead of served from the cache forever (issue 10).
  LS_ASSIGN_OR_RETURN(LogListing listing, ListLog(*store, previous->version_));
  bool still_there = !previous->segment_.last_commit;
  std::erase_if(listing.commits, [&](const CommitRef& c) {
    still_there = still_there || c.version == previous->version_;
    return c.version <= previous->version_;
  });
  std::erase_if(listing.checkpoints, [&](const CheckpointRef& c) {
    return c.version <= previous->version_;
  });
  if (!still_there) {
    return NotFound("No Delta table found: commit {} of the table is gone (deleted or moved?)",
                    previous->version_);
  }
  if (listing.commits.empty()) {
    if (listing.checkpoints.empty()) {
      return previous;  // unchanged
    }
    SnapshotOptions full;
    full.check_protocol = check_protocol;
    full.timeline = previous->timeline_;
    return Load(store, full);
  }
  // New commits must continue the log right after the previous version.
  Version next = previous->version_ + 1;
  size_t run = 0;
  while (run < listing.commits.size() &&
         listing.commits[run].version == next + static_cast<Version>(run)) {
    ++run;
  }
  if (run == 0) {
    SnapshotOptions full;
    full.check_protocol = check_protocol;
    full.timeline = previous->timeline_;
    return Load(store, full);
  }
  auto snap = std::shared_ptr<Snapshot>(new Snapshot());
  snap->store_ = store;
  snap->timeline_ = previous->timeline_;
  snap->version_ = next + static_cast<Version>(run) - 1;
  SnapshotBuilder b(previous->files_);
  b.target_ = snap->version_;
  b.protocol_ = previous->protocol_;
  b.metadata_ = previous->metadata_;
  b.txns_ = previous->txns_;
  b.domains_ = previous->domains_;
  LogSegment segment = previous->segment_;
  segment.version = snap->version_;
  segment.older_checkpoints.clear();
  for (size_t i = 0; i < run; ++i) {
    LS_RETURN_IF_ERROR(ReplayCommit(*store, listing.commits[i], b, snap->stats_));
    segment.replay.push_back(listing.commits[i]);
  }
  segment.last_commit = listing.commits[run - 1].file;
  return b.Publish(*store, std::move(snap), std::move(segment), check_protocol);
}

}  // namespace lakeshare::delta
