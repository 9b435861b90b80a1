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
//    or partial statistics are rewritten (fail closed).
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
  /// Null when no file can be served as it is under `transform` (see the file comment).
  static std::unique_ptr<StatsProof> For(const Transform& transform,
                                         const delta::Metadata& metadata,
                                         const delta::TableFeatures& features);

  /// True when the file may be served as it is: every row passes the filter.
  bool Proves(const delta::AddFile& file) const;
  /// The same for a file action of the change feed (add, remove or cdc).
  bool Proves(const delta::FileAction& action) const;

 private:
  StatsProof(const delta::Predicate& predicate, const delta::Metadata& metadata,
             const delta::TableFeatures& features);

  const delta::Predicate predicate_;
  const delta::Metadata metadata_;
  const delta::TableFeatures features_;
  mutable Mutex mu_;
  // For the snapshot's files (interned maps).
  mutable std::optional<delta::FileFilter> filter_ LS_GUARDED_BY(mu_);
};

}  // namespace lakeshare::materialize
