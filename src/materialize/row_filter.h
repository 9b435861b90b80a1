// Per-partner row filters (issue 11): a shared table's `row_filter` is a predicate in the Delta
// Sharing JSON predicate language with one extra leaf, {"op":"recipientProperty","name":"country",
// "valueType":"string"}, that reads a property of the recipient. Resolving it for one recipient
// replaces each such leaf by a literal, so one filter serves thousands of partners and partners
// of the same resolved filter share rewritten files (the resolved text is the cache identity). A
// recipient lacking a property the filter reads sees no rows. Evaluation is per row over decoded
// column chunks, with SQL semantics: a comparison with null is unknown, and only rows for which
// the filter is true are kept.
// Values are immutable after Resolve; Evaluate is thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "delta/predicate.h"
#include "parquet/column_reader.h"
#include "parquet/schema.h"

namespace lakeshare::materialize {

class RowFilter {
 public:
  /// Resolve `filter_json` for a recipient's properties. kInvalidArgument for a filter that is
  /// not valid JSON, names an unknown op, or has a recipientProperty leaf without a name.
  static Result<RowFilter> Resolve(std::string_view filter_json,
                                   const std::map<std::string, std::string>& properties);

  /// True when no row can pass (a property the filter reads is missing).
  bool never() const { return never_; }
  /// The resolved filter as canonical JSON ("false" when never()): the cache identity.
  const std::string& resolved() const { return resolved_; }
  /// Top-level columns the filter reads.
  std::vector<std::string> Columns() const;
  /// This filter reading other columns: `names` maps each of Columns() to the name it reads
  /// instead (a column renamed since the filter was written). kInvalidArgument when a column of
  /// Columns() is not in `names`.
  Result<RowFilter> Renamed(const std::map<std::string, std::string>& names) const;

  /// Values bound to a column for every row of a file: a partition column's value (nullopt:
  /// null), by the filter's name of the column.
  using Bound = std::map<std::string, std::optional<delta::TypedValue>>;

  /// Clear keep[r] for the rows of one row group that do not pass. `columns` maps a column name
  /// to its decoded chunk (flat top-level columns); `bound` gives the columns that have one value
  /// in the whole file instead (read before `columns`). kInvalidArgument for a column in neither.
  Status Evaluate(const parquet::Schema& schema,
                  const std::map<std::string, const parquet::ColumnData*>& columns,
                  std::vector<uint8_t>* keep, const Bound& bound = {}) const;

 private:
  // The filter of a resolved text that reads rows (not never()).
  static Result<RowFilter> OfResolved(std::string resolved);

  bool never_ = false;
  std::string resolved_;
  std::optional<delta::Predicate> predicate_;
};

}  // namespace lakeshare::materialize
