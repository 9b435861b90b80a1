// Data skipping: evaluate a Delta Sharing predicate (delta/predicate.h) over each file's partition
// values and min/max/nullCount statistics, with three-valued logic, and keep every file that may
// hold a matching row. For each file the evaluator computes the set of outcomes the predicate can
// have over the file's rows ({true, false, null}); a file is pruned only when `true` is
// impossible. Anything it cannot decide (a column without statistics, a value that does not parse
// in the predicate's type, an unknown column) counts as "any outcome", so pruning is always safe:
// "an unknown result keeps the file; AND(false, unknown) = false; OR(true, unknown) = true".
// Statistics follow Delta protocol, *Per-file Statistics* (physical names under column mapping;
// timestamps truncated to milliseconds; a string max as long as the table's prefix length may
// be cut and bounds nothing, see docs/delta.md; tightBounds=false keeps only the nullCount
// special cases). A FileFilter is not thread-safe (it reuses a parser); SelectFiles is.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "delta/predicate.h"
#include "delta/snapshot.h"

namespace lakeshare::delta {

/// Bits of the outcome set.
inline constexpr uint8_t kMayBeTrue = 1;
inline constexpr uint8_t kMayBeFalse = 2;
inline constexpr uint8_t kMayBeNull = 4;
inline constexpr uint8_t kAnyOutcome = 7;

class FileFilter {
 public:
  /// `metadata` gives the schema (column mapping, partition columns); it must outlive the filter.
  FileFilter(Predicate predicate, const Metadata& metadata, const TableFeatures& features);
  ~FileFilter();

  /// The possible outcomes of the predicate over the file's rows. A predicate on partition
  /// columns only is evaluated once per interned partitionValues map and remembered by its
  /// address: the snapshots of the files evaluated must outlive the filter.
  uint8_t Evaluate(const AddFile& file);
  bool MayMatch(const AddFile& file) { return (Evaluate(file) & kMayBeTrue) != 0; }

  /// Bound the work of a predicate a client chose (hints are best effort): each column the
  /// predicate looks up in a file's statistics or partition values counts one (a string literal
  /// one per 64 of its bytes, since each evaluation copies it), and once the count
  /// exceeds `initial` plus `per_file` for every file evaluated so far, Evaluate answers
  /// kAnyOutcome (the file is kept) without evaluating. A predicate of at most `per_file` lookups
  /// is never cut. Unbounded by default: a share's own filter must decide every file.
  void LimitWork(int64_t initial, int64_t per_file);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The number of records of a file from its statistics (numRecords), nullopt when unknown.
std::optional<int64_t> NumRecords(const AddFile& file);

/// `rows` (>= 0) plus the rows `file` still holds by its statistics (numRecords less its
/// deletion vector's cardinality), the count limitHint is checked against. Both numbers come
/// from the log and may be any int64: the file's rows are clamped to [0, numRecords] and the sum
/// saturates at INT64_MAX. `rows` unchanged when the file has no numRecords.
int64_t AddLiveRecords(int64_t rows, const AddFile& file);

struct FileQuery {
  std::string json_predicate;         // jsonPredicateHints text; empty for none
  std::optional<int64_t> limit_hint;  // rows the client plans to read
};

struct FileSelection {
  std::vector<const AddFile*> files;  // valid while the snapshot lives
  bool predicate_used = false;
  std::string predicate_error;  // why the predicate was ignored (it never fails a query)
  int64_t files_pruned = 0;
  bool limit_applied = false;  // files were cut by limitHint
};

/// Choose the files of a snapshot for a query: predicate pruning, then the limitHint cut
/// ("best effort using numRecords stats; apply after predicates"): files are taken in order
/// until the rows of files that match entirely (numRecords minus deleted rows) reach the limit.
FileSelection SelectFiles(const Snapshot& snapshot, const FileQuery& query);

}  // namespace lakeshare::delta
