// FileRewrites: which files a table-data response serves rewritten by the materialization engine
// (materialize/materializer.h) instead of as they are, and what it tells the client about them.
// - The compatibility transform (parquet response format only): a client that reads the data files
//   as they are (no capabilities header: Power BI, Tableau, the Excel connectors, older Spark
//   connectors) would read a deletion-vector file with its deleted rows and a column-mapped file
//   with physical names; it gets those files rewritten, with logical names and without the deleted
//   rows. The delta format is never rewritten for compatibility: its clients apply DVs themselves.
// - The per-recipient transform (both formats): a shared table's row filter, column list and
//   column masks (TableInfo::view) are enforced by rewriting the files the recipient is served,
//   except a file whose statistics prove every row passes the recipient's filter when the share
//   lists no columns or masks (materialize/stats_proof.h): it is served as it is.
// Audit: every file a response asks the engine for is recorded in the response's ledger
// (materialize/ledger.h), and NoteAudit makes that one "deltaSharingMaterializedFiles" event of
// the request (kMaterializedFilesAction), written by the audit's completion hook once the
// response ended, whatever its status: the table, its version, the transform (compatibility,
// recipient, or both) named by a keyed digest, the counts of files built / reused / cached /
// failed / still pending, bytes and rows, and the first 100 files.
// Files proven to hold none of the recipient's rows (Hides) are neither rewritten nor announced,
// and counted as "notAnnounced" in the audit event; files whose rewrite holds no row (the proof
// could not tell) are not announced either. A response built with FileRewrites
// describes the rewritten files in its metaData line too (RewrittenMetadata).
// One per response; immutable after Create, so the stream and its planning pass share it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/snapshot.h"
#include "http/request.h"
#include "materialize/materializer.h"
#include "materialize/stats_proof.h"
#include "sharing/capabilities.h"
#include "sharing/service_core_internal.h"

namespace lakeshare::sharing {

class FileRewrites {
 public:
  /// The rewrites of a response in `format` about snapshot `s` (for the change feed: the latest
  /// one, whose schema its files are rewritten to) for the recipient's `view` at that version
  /// (ServedView, served_view_internal.h); null when every file is served as it is. kUnsupported
  /// when files need a rewrite and the server has no materialization cache.
  static Result<std::shared_ptr<const FileRewrites>> For(const ServiceCore& core,
                                                         const TableContext& ctx,
                                                         const RecipientView& view,
                                                         const delta::Snapshot& s,
                                                         ResponseFormat format);

  /// True when the file is served rewritten: the one decision of every read path (snapshot,
  /// time travel, startingVersion, change feed). A file with a deletion vector always is; one
  /// without is when the transform changes every file, unless its statistics prove it needs
  /// nothing (proof_).
  bool Rewrites(const delta::AddFile& f) const {
    if (f.deletion_vector != nullptr) return true;
    return transform_->RewritesEveryFile() && !(proof_ && proof_->Proves(f));
  }
  bool Rewrites(const delta::FileAction& a) const {
    if (a.deletion_vector) return true;
    return transform_->RewritesEveryFile() && !(proof_ && proof_->Proves(a));
  }
  /// True when the file holds no row the recipient may read: its partition values or statistics
  /// prove the row filter false for every row, or the recipient lacks a property the filter reads
  /// (materialize/stats_proof.h). Such a file is neither rewritten nor announced, on every read
  /// path (snapshot, time travel, startingVersion, change feed: its adds, removes and cdc files);
  /// ask before Rewrites. NoteNotAnnounced counts it for the audit.
  bool Hides(const delta::AddFile& f) const { return proof_ && proof_->Excludes(f); }
  bool Hides(const delta::FileAction& a) const { return proof_ && proof_->Excludes(a); }
  void NoteNotAnnounced(int64_t files) const {
    if (files > 0) ledger_->NoteNotAnnounced(files);
  }
  /// The materializer's request for one file (its partition values as in its log action).
  materialize::FileRequest Request(std::string_view path, const delta::DeletionVectorDescriptor* dv,
                                   int64_t size, bool change_file,
                                   const delta::StringMap& partition_values) const;
  /// The rewritten file (built now when it is not in the cache yet).
  Result<materialize::CachedFile> Get(const materialize::FileRequest& request) const;
  /// Build the rewrites a response needs before it starts (see Materializer::Prepare).
  Result<materialize::PrepareOutcome> Prepare(std::vector<materialize::FileRequest> requests) const;

  /// The partition values as the client sees them: logical names, only listed columns, masked
  /// as the share's column masks say ("null": null; "hash": the value's hash, as in files).
  Status MapPartitionValues(const delta::StringMap& in, delta::StringMap& out) const;
  /// True when MapPartitionValues changes anything.
  bool maps_partition_values() const { return maps_partition_values_; }

  const storage::ObjectStore& cache() const { return materializer_->cache(); }

  /// Make this response's ledger a later event of the request's audit (see the file comment);
  /// a response that asked the engine for no file adds none.
  void NoteAudit(http::AuditNotes& notes) const;

 private:
  FileRewrites() = default;
  // A materialization error as the recipient may see it (no store paths).
  Error ClientError(Error e) const;

  std::shared_ptr<materialize::Materializer> materializer_;
  std::chrono::milliseconds wait_{0};
  std::shared_ptr<const storage::ObjectStore> table_store_;
  std::string table_key_;
  std::shared_ptr<const materialize::Transform> transform_;
  std::shared_ptr<const materialize::StatsProof> proof_;  // null: no file is proven anything
  std::string transform_id_;
  std::shared_ptr<materialize::Ledger> ledger_;
  std::string recipient_;
  std::string table_name_;
  std::map<std::string, std::string> logical_names_;  // physical -> logical partition columns
  std::vector<std::string> visible_;  // lower-cased logical columns listed (empty: all)
  std::map<std::string, std::string> partition_masks_;  // lower-cased logical -> mask kind
  bool maps_partition_values_ = false;
};

inline constexpr std::string_view kMaterializedFilesAction = "deltaSharingMaterializedFiles";

/// The digest that names a transform in the audit: HMAC-SHA256 under the server's key of its
/// identity, 32 hex digits. Two recipients of one resolved filter have one digest (they share the
/// cached files); the resolved filter's literals (the recipients' property values) never reach the
/// audit, and without the key nobody holding an audit export can test guesses of them.
std::string TransformDigest(const HmacSigner& signer, std::string_view transform_id);

/// The metaData a recipient is told about when its files are rewritten for `view` (by the names
/// of `metadata`'s version: ServedView): the schema without the columns it may not see (and
/// masked "hash" columns as strings), partition columns likewise. Unchanged without a column list
/// or masks.
delta::Metadata RewrittenMetadata(const delta::Metadata& metadata, const RecipientView& view);

/// True when `view` changes what a recipient reads (row filter, columns or masks).
inline bool Restricts(const RecipientView& view) {
  return view.row_filter != nullptr || !view.columns.empty() || !view.column_masks.empty();
}

}  // namespace lakeshare::sharing
