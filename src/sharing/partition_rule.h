// PartitionRuleMatcher: enforces a table's Unity Catalog `partitions` rule (share_provider.h,
// TableInfo::partition_rule) on the partition values of data files. Reference, Unity Catalog
// SharedDataObject.partitions: "Array of partitions for the shared data"; each entry's `values`
// are (name, op EQUAL|LIKE, value) conditions; "value unset = NULL". Entries are OR-ed, the values
// of one entry AND-ed.
//
// Partition values are strings in the Delta log (Delta protocol, *Partition Value
// Serialization*), typed by the partition column's type in the table schema. EQUAL compares typed
// values: for integer, date, timestamp, boolean, float and double columns both sides are parsed
// in the column type ("007" equals "7" on an int column); string columns compare bytes exactly;
// other types (decimal, binary) compare the text exactly. A value that does not parse in the
// column type never matches (fail closed). EQUAL with NULL matches a null or absent partition
// value. LIKE is SQL LIKE on the text of the partition value: `%` any run of characters, `_`
// exactly one character (UTF-8 aware), `\` escapes the next character; case-sensitive; NULL never
// matches LIKE.
//
// Immutable after Create; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/predicate.h"
#include "sharing/share_provider.h"

namespace lakeshare::sharing {

class PartitionRuleMatcher {
 public:
  /// Bind `rule` to a table version's schema. kInternal naming the column when a condition names
  /// something that is not a partition column of the table (a provider configuration error; the
  /// table's partitions must be fixed in the share).
  static Result<PartitionRuleMatcher> Create(const std::vector<PartitionClause>& rule,
                                             const delta::Metadata& metadata);

  /// Whether a file with these partition values (keys as in the log: physical names under
  /// column mapping) may be served.
  bool Matches(const delta::StringMap& partition_values) const;

 private:
  struct Condition {
    std::string key;  // the partitionValues key
    PartitionCondition::Op op = PartitionCondition::Op::kEqual;
    std::optional<std::string> text;  // the rule's text; nullopt = NULL
    // For EQUAL on a typed column: the rule value parsed in the column type (nullopt when the
    // column is compared as text, or when the value did not parse: then nothing matches).
    std::optional<delta::ValueType> type;
    std::optional<delta::TypedValue> typed;
    bool never = false;  // the rule value does not parse in the column type
  };
  bool Holds(const Condition& c, const delta::StringMap& values) const;

  std::vector<std::vector<Condition>> clauses_;
};

/// SQL LIKE of `text` against `pattern` (see the file comment). Exposed for tests.
bool SqlLike(std::string_view text, std::string_view pattern);

}  // namespace lakeshare::sharing
