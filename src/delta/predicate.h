// The Delta Sharing JSON predicate tree (`jsonPredicateHints`): a tree of
// {op, children?, name?, value?, valueType?} with ops column, literal, isNull, equal, lessThan,
// lessThanOrEqual, greaterThan, greaterThanOrEqual, and, or, not, and value types bool, int, long,
// string, date, float, double, timestamp. Parsing validates the whole tree (arity, leaf kinds,
// literals that parse in their type, depth <= 100, text <= 1 MiB); any violation is
// kMalformedRequest and callers then skip pruning. Immutable after parsing; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"

namespace lakeshare::delta {

enum class PredicateOp : uint8_t {
  kColumn,
  kLiteral,
  kIsNull,
  kEqual,
  kLessThan,
  kLessThanOrEqual,
  kGreaterThan,
  kGreaterThanOrEqual,
  kAnd,
  kOr,
  kNot,
};

enum class ValueType : uint8_t { kBool, kInt, kLong, kString, kDate, kFloat, kDouble, kTimestamp };

std::string_view ValueTypeName(ValueType t);
/// The value type of a primitive Delta schema type ("integer", "timestamp_ntz", ...); nullopt for
/// types without one (decimal, binary, nested types).
std::optional<ValueType> ValueTypeOfDeltaType(std::string_view delta_type);

/// A typed scalar: bool, integer (int/long/date days/timestamp micros), double or string.
struct TypedValue {
  ValueType type = ValueType::kLong;
  std::variant<bool, int64_t, double, std::string> v;
};

/// Parse text in a value type ("2024-01-31" for date, ISO-8601 for timestamp, ...).
std::optional<TypedValue> ParseTypedValue(ValueType type, std::string_view text);
/// Compare two values of the same type: <0, 0, >0; nullopt when not comparable (NaN).
std::optional<int> CompareValues(const TypedValue& a, const TypedValue& b);

struct PredicateNode {
  PredicateOp op = PredicateOp::kLiteral;
  std::string name;                           // column
  std::optional<TypedValue> literal;          // literal
  ValueType value_type = ValueType::kString;  // column, literal
  std::vector<PredicateNode> children;
};

class Predicate {
 public:
  /// Parse and validate a jsonPredicateHints document; one outside kPredicateJsonLimits
  /// (common/json_bounds.h) is refused before it is parsed.
  static Result<Predicate> Parse(std::string_view json);

  const PredicateNode& root() const { return root_; }
  /// Column names the predicate references.
  std::vector<std::string> ReferencedColumns() const;
  /// The same predicate with each column leaf named as `names` says (its key: the name as
  /// ReferencedColumns gives it); a leaf without an entry keeps its name.
  Predicate Renamed(const std::map<std::string, std::string>& names) const;

 private:
  PredicateNode root_;
};

}  // namespace lakeshare::delta
