// Readers of log files into a stream of actions: newline-delimited JSON (commits, log compaction
// files, UUID-named JSON checkpoints) with simdjson on-demand, and Parquet checkpoints (classic,
// multi-part, v2, sidecars) reading only the needed leaf columns. Both feed an ActionSink.
// Internal to src/delta; a reader is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/file_set.h"
#include "storage/object_store.h"

namespace lakeshare::delta {

/// Delta protocol, *Sidecar File Information*.
struct SidecarInfo {
  std::string path;  // as in the action (URI-encoded file name or path)
  int64_t size_in_bytes = 0;
  int64_t modification_time = 0;
};

/// Receives actions in file order. Views in AddInput / remove keys are valid only during the call.
class ActionSink {
 public:
  virtual ~ActionSink() = default;
  virtual Status OnProtocol(Protocol p) = 0;
  virtual Status OnMetadata(Metadata m) = 0;
  virtual Status OnTxn(Txn) { return OkStatus(); }
  virtual Status OnDomainMetadata(DomainMetadata) { return OkStatus(); }
  virtual Status OnCommitInfo(CommitInfo) { return OkStatus(); }
  virtual Status OnSidecar(SidecarInfo) { return OkStatus(); }
  virtual Status OnCheckpointMetadata(int64_t /*version*/) { return OkStatus(); }
  /// Compact path (snapshot replay): called when !wants_owned_file_actions().
  virtual Status OnAdd(const AddInput&) { return OkStatus(); }
  virtual Status OnRemove(std::string_view /*path*/, std::string_view /*dv_unique_id*/) {
    return OkStatus();
  }
  /// About `n` adds follow (a hint for sizing storage).
  virtual void ExpectAdds(size_t /*n*/) {}
  /// Keep buffers alive that later AddInputs with *_retained set point into.
  virtual void RetainBuffers(const std::vector<std::shared_ptr<const void>>& /*buffers*/,
                             size_t /*approx_bytes*/) {}
  /// False when add/remove actions can be skipped (metadata-only loads).
  virtual bool wants_file_actions() const { return true; }
  /// Owning path (change feeds): add, remove and cdc with their JSON text.
  virtual bool wants_owned_file_actions() const { return false; }
  virtual Status OnFileAction(FileAction) { return OkStatus(); }
};

/// A file's bytes followed by zero padding, as simdjson requires.
struct PaddedBuffer {
  std::unique_ptr<char[]> data;
  size_t size = 0;
  size_t capacity = 0;  // bytes usable before the padding
  std::string_view view() const { return std::string_view(data.get(), size); }
};

/// Read a whole object into a padded buffer.
Result<PaddedBuffer> ReadPadded(const storage::ObjectStore& store, std::string_view path);
/// Same, reusing `buffer`'s allocation when it is large enough (replaying many commits).
Status ReadPaddedInto(const storage::ObjectStore& store, std::string_view path,
                      PaddedBuffer& buffer);
PaddedBuffer MakePadded(std::string_view bytes);

/// Parse newline-delimited JSON actions. `name` appears in error messages.
Status ParseJsonActions(const PaddedBuffer& buffer, std::string_view name, ActionSink& sink);

/// The longest line of a commit file: far beyond any action (a metaData line holds a schema of
/// at most kTableSchemaJsonLimits' 64 MiB). The file is its writer's, and a sparse file of any
/// size costs a local table's provider no disk: without a bound, a 2 GiB file without a newline
/// was read whole into memory, and scanned again for a newline after every block (hours of CPU).
inline constexpr size_t kMaxJsonLineBytes = size_t{256} << 20;

/// Parse a newline-delimited JSON file, streaming it in blocks (memory bounded by the longest
/// line: a line longer than `max_line_bytes` is kCorrupt). Adds the file size to `*bytes_read`
/// when given.
Status ParseJsonActionsFile(const storage::ObjectStore& store, std::string_view path,
                            ActionSink& sink, int64_t* bytes_read = nullptr,
                            size_t max_line_bytes = kMaxJsonLineBytes);

/// The commitInfo of a commit file's first line, reading that line only (in blocks, at most
/// `max_line_bytes` and a newline: a longer line is kCorrupt); nullopt when the first action is
/// not a commitInfo. "The commitInfo action must be the first action in the commit"
/// (*In-Commit Timestamps*), and the rest of a commit may be of any size.
Result<std::optional<CommitInfo>> ReadFirstCommitInfo(const storage::ObjectStore& store,
                                                      std::string_view path,
                                                      size_t max_line_bytes = kMaxJsonLineBytes);
/// The inCommitTimestamp of that commitInfo; nullopt when there is none (a writer that broke the
/// rule, or a commit before in-commit timestamps were enabled).
Result<std::optional<int64_t>> ReadInCommitTimestamp(const storage::ObjectStore& store,
                                                     std::string_view path);

/// Single-action parsers from a JSON object's text (used for checkpoint-embedded JSON too).
Result<Protocol> ParseProtocolJson(std::string_view json);
Result<Metadata> ParseMetadataJson(std::string_view json);
/// Hand one of the small actions of a JSON commit (`key`: protocol, metaData, txn, commitInfo,
/// domainMetadata, sidecar or checkpointMetadata) to `sink`, parsed from its object text `raw`.
Status ParseSmallAction(std::string_view key, std::string_view raw, ActionSink& sink);

/// Read a Parquet checkpoint part or sidecar. `file_version` is the version recorded on adds.
/// `sidecars_allowed` is false for sidecars themselves.
Status ReadParquetCheckpoint(const storage::ObjectStore& store, std::string_view path,
                             ActionSink& sink);

}  // namespace lakeshare::delta
