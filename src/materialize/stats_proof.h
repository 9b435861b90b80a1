// StatsProof: the files of a table a recipient may be served as they are, without a rewrite
// (issue 11: "Files whose statistics prove every row passes and that need no projection are
// served as they are; the rest are rewritten").
// A file is served as it is only when all of these hold:
//  - the transform is a row filter alone: no column list, no column masks, no column-mapping
//    rename (the compatibility transform), and the resolved filter can pass rows (a recipient
//    lacking a property the filter reads is never served an original file);
//  - the filter's shape is one the proof covers exactly as the rewrite evaluates it
//    (row_filter.h): and / or / not / isNull and the comparisons, over literals and top-level
//    columns named exactly as in the schema whose type is the leaf's valueType (string, int,
//    long, date, timestamp; boolean only compared); never float or double (NaN is outside the
//    statistics' min/max), never a bare boolean leaf;
//  - the file has no deletion vector, and its partition values and min/max/nullCount statistics
//    prove the filter TRUE for every row (delta/data_skipping.h: the outcome set is exactly
//    {true}; a column without a nullCount may be null, so it proves nothing). Files with missing
//    or partial statistics are rewritten (fail closed). A string max as long as the table's
//    prefix length may have been cut below the rows (docs/delta.md) and bounds nothing.
// The same proof tells the files that hold NO row the recipient may read: their partition values
// or statistics prove the filter FALSE or NULL for every row (the outcome set lacks `true`), or
// the recipient lacks a property the filter reads. Those are not rewritten and not announced at
// all (instead of rewritten into empty files). That holds under a column list, masks or column
// mapping too (they change which columns are served, not which rows), and for files with a
// deletion vector (it only removes rows) or without statistics (partition values may suffice).
// Thread-safe.
#pragma once

#include <memory>
#include <optional>

#include "common/mutex.h"
#include "delta/actions.h"
#include "delta/data_skipping.h"
#include "delta/file_set.h"
#include "delta/snapshot.h"
#include "materialize/cache_entry.h"

namespace lakeshare::materialize {

class StatsProof {
 public:
  /// Null when nothing can be proven about any file under `transform` (see the file comment).
  static std::unique_ptr<StatsProof> For(const Transform& transform,
                                         const delta::Metadata& metadata,
                                         const delta::TableFeatures& features);

  /// True when the file may be served as it is: every row passes the filter.
  bool Proves(const delta::AddFile& file) const;
  /// The same for a file action of the change feed (add, remove or cdc).
  bool Proves(const delta::FileAction& action) const;

  /// True when no row of the file passes the filter: the file is not served at all.
  bool Excludes(const delta::AddFile& file) const;
  bool Excludes(const delta::FileAction& action) const;

 private:
  StatsProof(std::optional<delta::Predicate> predicate, bool serves_as_is,
             const delta::Metadata& metadata, const delta::TableFeatures& features);
  // The outcomes of the filter over the rows of an action's file (delta/data_skipping.h).
  uint8_t Outcomes(const delta::FileAction& action) const;

  // Null when no row can pass (a property the filter reads is missing).
  const std::optional<delta::Predicate> predicate_;
  // False when the transform changes every file it serves (columns, masks, renames).
  const bool serves_as_is_;
  const delta::Metadata metadata_;
  const delta::TableFeatures features_;
  mutable Mutex mu_;
  // For the snapshot's files (interned maps).
  mutable std::optional<delta::FileFilter> filter_ LS_GUARDED_BY(mu_);
};

}  // namespace lakeshare::materialize
