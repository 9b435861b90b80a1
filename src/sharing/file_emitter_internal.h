// FileEmitter: the one place where a data file of a table-data response becomes an NDJSON line.
// Every file of /query (snapshot files) and of /changes and streaming /query (change-feed actions)
// passes through it: its storage path is resolved, its id computed (PROTOCOL.md, "File ID Hash
// Header"), its URL and its deletion vector's URL signed, and the line appended to the response
// in the chosen format. What changes which file a recipient is given is decided here too, so both
// endpoints get it: with FileRewrites (file_rewrites_internal.h), a file that must be rewritten
// (deletion vector or column mapping for a parquet client, the recipient's row filter, columns or
// masks) is announced as its rewritten copy in the materialization cache, with that copy's URL,
// size and statistics and the partition values the recipient may see; a rewrite without rows is
// not announced.
//
// One emitter per response; single-threaded. The store, scope, signer, rewrites and sink must
// outlive it.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/file_set.h"
#include "sharing/capabilities.h"
#include "sharing/digests.h"
#include "sharing/file_rewrites_internal.h"
#include "sharing/file_urls.h"
#include "sharing/ndjson_lines.h"
#include "sharing/response_stream_internal.h"
#include "storage/object_store.h"

namespace lakeshare::sharing {

/// PROTOCOL.md, "File ID Hash Header": "For a given scheme, the server must derive id
/// deterministically from the file so the same logical file always receives the same id across
/// requests; the exact encoding is implementation-defined". Ours: the hex MD5 (parquet) or
/// SHA-256 (delta) of the file's storage path relative to the table, as the reference server does.
void AppendFileId(std::string& out, ResponseFormat scheme, std::string_view key);

/// What the lines of a response announced, by kind (the audit's result of a served request).
struct ServedCounters {
  int64_t add_files = 0;
  int64_t add_bytes = 0;
  int64_t cdc_files = 0;
  int64_t cdc_bytes = 0;
  int64_t remove_files = 0;
  int64_t remove_bytes = 0;
  int64_t files() const { return add_files + cdc_files + remove_files; }
  /// Add a file's size from the log (any int64) to one of the byte counts: a negative size counts
  /// nothing and the count saturates at INT64_MAX (two sizes of 2^62 overflowed it).
  static void AddBytes(int64_t& bytes, int64_t size) {
    if (size <= 0) return;
    bytes = size > std::numeric_limits<int64_t>::max() - bytes ? std::numeric_limits<int64_t>::max()
                                                               : bytes + size;
  }
};

/// The version and commit time a file line carries (time travel, change feed); none for the
/// latest snapshot.
struct FileStamp {
  std::optional<int64_t> version;
  std::optional<int64_t> timestamp_ms;
};

class FileEmitter {
 public:
  FileEmitter(const FileUrlSigner& url_signer, const storage::ObjectStore& store,
              const UrlScope& scope, ResponseFormat format, ResponseFormat id_scheme,
              LineSink& sink, const FileRewrites* rewrites = nullptr);

  /// One snapshot file (an add of /query).
  Status EmitSnapshotFile(const delta::AddFile& f, const FileStamp& stamp);
  /// Up to kMd5Lanes snapshot files, in order: with parquet ids, their MD5s are computed side
  /// by side (Md5Digests); same lines as one EmitSnapshotFile each. `plain_paths`: the files'
  /// snapshot said every path is its own storage path inside the table
  /// (delta::Snapshot::FilePathsArePlain), so the paths are used without checking each again.
  Status EmitSnapshotFiles(const delta::AddFile* const* files, size_t n, const FileStamp& stamp,
                           bool plain_paths = false);
  /// One add, remove or cdc action of the change feed, committed at `version`/`timestamp_ms`.
  Status EmitChange(const delta::FileAction& a, int64_t version, int64_t timestamp_ms);

  const ServedCounters& counters() const { return counters_; }
  /// The earliest expiration of the URLs written (endStreamAction.minUrlExpirationTimestamp).
  std::optional<int64_t> min_expiration_ms() const { return min_expiration_; }

 private:
  // The signed URL and id of a data file and, for the delta format, of its deletion vector file.
  // Reused from file to file (the buffers keep their capacity).
  struct SignedFile {
    std::string_view storage_path;  // the action's path, or path_buffer when it was decoded
    std::string path_buffer;
    std::string url;
    int64_t expiration_ms = 0;
    std::string id;
    bool has_dv_url = false;
    std::string dv_url;
    std::string dv_id;
  };

  Status ResolveStoragePath(std::string_view action_path, SignedFile& out) const;
  // With `out.storage_path` and `out.id` set: the URLs. `path_checked`: out.storage_path is
  // known to pass the containment check (a deletion vector's path is checked all the same).
  Status SignResolved(const delta::DeletionVectorDescriptor* dv, SignedFile& out,
                      bool path_checked = false) const;
  Status Sign(std::string_view action_path, const delta::DeletionVectorDescriptor* dv,
              SignedFile& out) const;
  Status SignUrl(std::string_view storage_path, std::string& url, int64_t& expiration_ms,
                 bool path_checked = false) const;
  Status WriteSnapshotLine(const delta::AddFile& f, const SignedFile& sf, const FileStamp& stamp);
  // The members every line of a file has, in each format.
  ParquetFileLine ParquetLine(const SignedFile& sf, const FileStamp& stamp) const;
  static DeltaFileWrapper DeltaWrapper(const SignedFile& sf, const FileStamp& stamp);
  static std::optional<std::string_view> DvUrl(const SignedFile& sf);
  Status Counted(int64_t expiration_ms);
  // The line of a file served as its rewritten copy; nothing when the copy holds no row.
  Status EmitRewritten(std::string_view wrapper, std::string_view path,
                       const delta::DeletionVectorDescriptor* dv, int64_t size,
                       const delta::StringMap& partition_values, const FileStamp& stamp,
                       delta::FileActionType type);

  const FileUrlSigner& url_signer_;
  const storage::ObjectStore& store_;
  const UrlScope& scope_;
  const std::optional<LocalUrlBatch> local_;  // prepared once when the server signs URLs itself
  const FileRewrites* const rewrites_;
  std::optional<LocalUrlBatch> local_cache_;  // the same for a local materialization cache
  delta::StringMap mapped_partition_values_;
  const ResponseFormat format_;
  const ResponseFormat id_scheme_;
  LineSink& sink_;
  SignedFile signed_[kMd5Lanes];
  PartitionValuesJsonCache partition_json_;
  std::string stats_;
  ServedCounters counters_;
  std::optional<int64_t> min_expiration_;
};

}  // namespace lakeshare::sharing
