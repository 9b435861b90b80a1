// Which files of a table a response may announce: the share's partition filter and partition rule
// (rules: a file is served only when they are certainly true for it), the client's predicate
// hints and limitHint (best effort: a file is dropped only when the hints are certainly false for
// every row), and the stable order of paged responses. Single-threaded per response.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "delta/data_skipping.h"
#include "delta/file_set.h"
#include "delta/predicate.h"
#include "delta/snapshot.h"
#include "sharing/partition_rule.h"
#include "sharing/query_request.h"
#include "sharing/service_core_internal.h"

namespace lakeshare::sharing {

/// The filters of one request, parsed once.
struct FilterSpec {
  std::optional<delta::Predicate> share_filter;
  std::optional<PartitionRuleMatcher> share_rule;
  /// A share restriction names a partition column the served version lacks: no file is served.
  bool serves_none = false;
  std::optional<delta::Predicate> hints;
  std::optional<int64_t> limit;
};

/// The share's filters for `ctx`'s table at snapshot `s` and, with a /query request `q`, its
/// hints: each valid hint is AND-ed, invalid ones are skipped ("BEST EFFORT"). A broken share
/// filter is kInternal (the provider's configuration, not the client's request). The share's
/// restrictions name partition columns of the `latest` snapshot; under column mapping they apply
/// to the same columns (by physical name, served_view_internal.h ServedNames) at `s`, whatever
/// `s` calls them, and to no file of `s` when `s` lacks one of them.
Result<FilterSpec> BuildFilters(const SharingOptions& options, const TableContext& ctx,
                                const delta::Snapshot& latest, const delta::Snapshot& s,
                                const QueryRequest* q);

/// A FilterSpec bound to one table's metadata, evaluating files (the filters cache per
/// partition values, hence not const).
struct Filters {
  const PartitionRuleMatcher* rule = nullptr;  // points into the FilterSpec
  bool serves_none = false;                    // FilterSpec::serves_none
  std::unique_ptr<delta::FileFilter> share;
  std::unique_ptr<delta::FileFilter> hints;

  Filters(const FilterSpec& spec, const delta::Metadata& metadata,
          const delta::TableFeatures& features);
  /// The share lets the recipient see `f`.
  bool Shared(const delta::AddFile& f);
  /// The part of Shared that reads a file's partition values alone (serves_none and the rule):
  /// Shared(f) is SharedByRule(values) and the share's filter.
  bool SharedByRule(const delta::StringMap& partition_values) const {
    return !serves_none && (!rule || rule->Matches(partition_values));
  }
  /// The hint outcome set (kMayBeTrue alone: the whole file matches).
  uint8_t Hinted(const delta::AddFile& f) { return hints ? hints->Evaluate(f) : delta::kMayBeTrue; }
};

// limitHint, PROTOCOL.md: "The server can use this hint to return only some files by using the
// file stats"; delta/data_skipping.h's rule: files are taken in order until the rows of files
// that match entirely (numRecords minus deleted rows) reach the limit.
struct LimitCounter {
  std::optional<int64_t> limit;
  int64_t rows = 0;
  bool Reached() const { return limit && rows >= *limit; }
  void Count(const delta::AddFile& f, uint8_t outcome) {
    if (!limit || outcome != delta::kMayBeTrue) return;
    rows = delta::AddLiveRecords(rows, f);
  }
};

/// The order of paged /query responses: by (path, deletion vector), independent of how the
/// snapshot was built; FileKey is what a page token remembers.
std::string FileKey(const delta::AddFile& f);
bool FileLess(const delta::AddFile* a, const delta::AddFile* b);

}  // namespace lakeshare::sharing
