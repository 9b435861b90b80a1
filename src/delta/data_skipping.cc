#include "delta/data_skipping.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "common/json_bounds.h"
#include "common/numbers.h"
#include "common/strings.h"

namespace lakeshare::delta {

namespace {

using Json = nlohmann::json;

// Delta's default delta.dataSkippingStringPrefixLength.
constexpr size_t kDefaultStringPrefixLength = 32;

// Where a logical column lives in partition values and statistics.
struct ColumnRef {
  bool partition = false;
  std::string partition_key;               // key in partitionValues (physical name)
  std::vector<std::string> physical_path;  // path under minValues/maxValues/nullCount
  // The schema type: a primitive's value type, or a decimal; neither for nested types.
  std::optional<ValueType> type;
  bool decimal = false;
};

bool IsNumeric(ValueType t) {
  return t == ValueType::kInt || t == ValueType::kLong || t == ValueType::kFloat ||
         t == ValueType::kDouble;
}

// Whether a hint of `hint` type may be read against `col`'s bounds. A hint of another kind than
// the column would compare the column's values by the wrong order: an int hint on a string
// column reads the string min/max ("1".."9", lexicographic) as numbers while a row "50" lies
// outside them, and a file holding matching rows would be pruned. Numbers compare with numbers
// (a statistic that is not a whole number is no bound for an integer hint, FromStat).
bool HintFitsColumn(ValueType hint, const ColumnRef& col) {
  if (IsNumeric(hint)) return col.decimal || (col.type && IsNumeric(*col.type));
  return col.type == hint;
}

std::string PhysicalName(const Json& field, bool mapped) {
  std::string name = field.value("name", "");
  if (!mapped) {
    return name;
  }
  auto md = field.find("metadata");
  if (md != field.end() && md->is_object()) {
    auto it = md->find("delta.columnMapping.physicalName");
    if (it != md->end() && it->is_string()) {
      return it->get<std::string>();
    }
  }
  return name;
}

void WalkSchema(const Json& type, const std::string& logical_prefix,
                const std::vector<std::string>& physical_prefix, bool mapped,
                std::map<std::string, ColumnRef>& out) {
  if (!type.is_object() || type.value("type", "") != "struct") {
    return;
  }
  auto fields = type.find("fields");
  if (fields == type.end() || !fields->is_array()) {
    return;
  }
  for (const auto& f : *fields) {
    if (!f.is_object()) {
      continue;
    }
    std::string name = f.value("name", "");
    std::string logical = logical_prefix.empty() ? name : logical_prefix + "." + name;
    std::vector<std::string> physical = physical_prefix;
    physical.push_back(PhysicalName(f, mapped));
    ColumnRef ref;
    ref.physical_path = physical;
    auto t = f.find("type");
    if (t != f.end() && t->is_string()) {
      const std::string& type = t->get_ref<const std::string&>();
      ref.type = ValueTypeOfDeltaType(type);
      ref.decimal = type.starts_with("decimal");
    }
    out[ToLower(logical)] = ref;
    if (t != f.end() && t->is_object()) {
      WalkSchema(*t, logical, physical, mapped, out);
    }
  }
}

// Delta protocol, *Per-file Statistics*: "String columns are cut off at a fixed prefix length"
// (delta.dataSkippingStringPrefixLength, 32 characters when unset). A cut min is a prefix of the
// least value, still a lower bound. A cut max is an upper bound only when the writer appended a
// tie-breaker (delta-spark does: U+FFFD before PR 3430, which was wrong for a cut character past
// U+FFFD in UTF-8 order; U+10FFFF or U+007F since), and a writer that cut without one leaves a
// prefix that its rows exceed. A marker cannot be told from the same character in the data, so
// no marker is trusted: a max whose length reaches the prefix length bounds nothing. Lengths are
// counted in bytes, which are never fewer than a writer's characters or UTF-16 units, so a max
// cut at N characters is at least N bytes long. The prefix length is the table property's when
// that is smaller than the default (a cut at the default remains possible from a writer that
// ran before the property was set), the default otherwise; a property that is not a
// non-negative number trusts no string max.
size_t StringPrefixBytes(const Metadata& metadata) {
  std::optional<std::string> property = metadata.Config("delta.dataSkippingStringPrefixLength");
  if (!property) {
    return kDefaultStringPrefixLength;
  }
  std::optional<int64_t> length = ParseInteger<int64_t>(*property);
  if (!length || *length < 0) {
    return 0;
  }
  return static_cast<size_t>(std::min<int64_t>(*length, kDefaultStringPrefixLength));
}

// What a leaf of the predicate can be over a file's rows.
struct Bounds {
  bool can_be_null = true;
  bool can_be_value = true;
  std::optional<TypedValue> min;
  std::optional<TypedValue> max;
};

Bounds Unknown() { return Bounds{}; }

Bounds Exact(TypedValue v) {
  Bounds b;
  b.can_be_null = false;
  b.min = v;
  b.max = std::move(v);
  return b;
}

Bounds NullOnly() {
  Bounds b;
  b.can_be_value = false;
  return b;
}

// A statistics value as a TypedValue of the predicate's type.
std::optional<TypedValue> FromStat(simdjson::dom::element e, ValueType type) {
  switch (e.type()) {
    case simdjson::dom::element_type::STRING: {
      std::string_view s = e.get_string().value_unsafe();
      if (type == ValueType::kFloat || type == ValueType::kDouble || type == ValueType::kInt ||
          type == ValueType::kLong || type == ValueType::kBool) {
        return ParseTypedValue(type, s);  // "NaN", decimals written as strings
      }
      return ParseTypedValue(type, s);
    }
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64:
    case simdjson::dom::element_type::DOUBLE: {
      double d = e.get_double().value_unsafe();
      TypedValue v;
      v.type = type;
      if (type == ValueType::kInt || type == ValueType::kLong) {
        if (e.type() == simdjson::dom::element_type::INT64) {
          v.v = e.get_int64().value_unsafe();
        } else if (std::optional<int64_t> whole = WholeDoubleToInt64(d)) {
          v.v = *whole;
        } else {
          return std::nullopt;
        }
        return v;
      }
      if (type == ValueType::kFloat || type == ValueType::kDouble) {
        if (std::isnan(d)) {
          return std::nullopt;
        }
        v.v = d;
        return v;
      }
      return std::nullopt;
    }
    case simdjson::dom::element_type::BOOL:
      if (type != ValueType::kBool) {
        return std::nullopt;
      }
      {
        TypedValue v;
        v.type = type;
        v.v = e.get_bool().value_unsafe();
        return v;
      }
    default:
      return std::nullopt;
  }
}

std::optional<simdjson::dom::element> Navigate(simdjson::dom::element root, std::string_view key,
                                               const std::vector<std::string>& path) {
  simdjson::dom::element cur;
  if (root.at_key(key).get(cur)) {
    return std::nullopt;
  }
  for (const auto& p : path) {
    if (cur.at_key(p).get(cur)) {
      return std::nullopt;
    }
  }
  return cur;
}

std::optional<int64_t> AsInt(std::optional<simdjson::dom::element> e) {
  if (!e) {
    return std::nullopt;
  }
  int64_t v;
  if (!e->get_int64().get(v)) {
    return v;
  }
  double d;
  if (!e->get_double().get(d)) {
    return WholeDoubleToInt64(d);
  }
  return std::nullopt;
}

// Outcome combinators over sets of {T, F, N}.
uint8_t Not(uint8_t a) {
  uint8_t r = 0;
  if (a & kMayBeTrue) {
    r |= kMayBeFalse;
  }
  if (a & kMayBeFalse) {
    r |= kMayBeTrue;
  }
  if (a & kMayBeNull) {
    r |= kMayBeNull;
  }
  return r;
}

uint8_t And2(uint8_t a, uint8_t b) {
  uint8_t r = 0;
  for (uint8_t x : {kMayBeTrue, kMayBeFalse, kMayBeNull}) {
    if (!(a & x)) {
      continue;
    }
    for (uint8_t y : {kMayBeTrue, kMayBeFalse, kMayBeNull}) {
      if (!(b & y)) {
        continue;
      }
      if (x == kMayBeFalse || y == kMayBeFalse) {
        r |= kMayBeFalse;
      } else if (x == kMayBeNull || y == kMayBeNull) {
        r |= kMayBeNull;
      } else {
        r |= kMayBeTrue;
      }
    }
  }
  return r;
}

uint8_t Or2(uint8_t a, uint8_t b) { return Not(And2(Not(a), Not(b))); }

// Can `a op b` be true / false for some values within the bounds?
uint8_t Compare(PredicateOp op, const Bounds& l, const Bounds& r) {
  uint8_t out = 0;
  if (l.can_be_null || r.can_be_null) {
    out |= kMayBeNull;
  }
  if (!l.can_be_value || !r.can_be_value) {
    return out;
  }
  // cmp(x, y) with missing bounds: unknown.
  auto cmp = [](const std::optional<TypedValue>& x,
                const std::optional<TypedValue>& y) -> std::optional<int> {
    if (!x || !y) {
      return std::nullopt;
    }
    return CompareValues(*x, *y);
  };
  auto lt = [&](const std::optional<TypedValue>& x, const std::optional<TypedValue>& y) {
    auto c = cmp(x, y);
    return !c || *c < 0;  // possibly x < y
  };
  auto le = [&](const std::optional<TypedValue>& x, const std::optional<TypedValue>& y) {
    auto c = cmp(x, y);
    return !c || *c <= 0;
  };
  bool may_true = true, may_false = true;
  // x > y is y < x and x >= y is y <= x: the greater-than forms are the less-than ones with
  // the sides swapped.
  const bool swap = op == PredicateOp::kGreaterThan || op == PredicateOp::kGreaterThanOrEqual;
  const auto& a = swap ? r : l;
  const auto& b = swap ? l : r;
  switch (op) {
    case PredicateOp::kLessThan:  // T possible iff min(a) < max(b); F iff max(a) >= min(b)
    case PredicateOp::kGreaterThan:
      may_true = lt(a.min, b.max);
      may_false = le(b.min, a.max);
      break;
    case PredicateOp::kLessThanOrEqual:  // T possible iff min(a) <= max(b); F iff max(a) > min(b)
    case PredicateOp::kGreaterThanOrEqual:
      may_true = le(a.min, b.max);
      may_false = lt(b.min, a.max);
      break;
    case PredicateOp::kEqual: {
      may_true = le(l.min, r.max) && le(r.min, l.max);
      // False is impossible only when both sides are the same single value.
      auto a = cmp(l.min, l.max), b = cmp(r.min, r.max), c = cmp(l.min, r.min);
      may_false = !(a && *a == 0 && b && *b == 0 && c && *c == 0);
      break;
    }
    default:
      return kAnyOutcome;
  }
  if (may_true) {
    out |= kMayBeTrue;
  }
  if (may_false) {
    out |= kMayBeFalse;
  }
  return out;
}

}  // namespace

struct FileFilter::Impl {
  Predicate predicate;
  std::map<std::string, ColumnRef> columns;  // lower-cased logical path -> location
  simdjson::dom::parser parser;
  // Set when every column the predicate names is a partition column (or unknown): the outcome
  // then depends on the file's partition values only, and files share interned maps, so it is
  // computed once per map and remembered by the map's address.
  bool partition_only = false;
  std::unordered_map<const PartitionValues*, uint8_t> by_partition;
  const PartitionValues* last_partition = nullptr;
  uint8_t last_outcome = 0;
  // Per-file state.
  const AddFile* file = nullptr;
  bool stats_parsed = false;
  bool stats_ok = false;
  std::string stats_text;
  simdjson::dom::element stats;
  std::optional<int64_t> num_records;
  bool tight_bounds = true;
  // A string max of at least this many bytes may be a cut one: no upper bound (see
  // StringPrefixBytes).
  size_t string_prefix_bytes = kDefaultStringPrefixLength;
  // A string literal's bytes that count as one lookup of LimitWork's allowance.
  static constexpr size_t kLiteralBytesPerLookup = 64;
  // LimitWork: column lookups made, and how many are allowed so far (unbounded when not limited).
  bool work_limited = false;
  int64_t lookups = 0;
  int64_t allowance = 0;
  int64_t per_file = 0;

  // Called once per file evaluated: true when the file must be kept without evaluation.
  bool OverBudget() {
    if (!work_limited) {
      return false;
    }
    allowance = allowance > std::numeric_limits<int64_t>::max() - per_file
                    ? std::numeric_limits<int64_t>::max()
                    : allowance + per_file;
    return lookups > allowance;
  }

  bool ParseStats() {
    if (stats_parsed) {
      return stats_ok;
    }
    stats_parsed = true;
    stats_ok = false;
    if (!file->has_stats) {
      return false;
    }
    stats_text = file->StatsJson();
    if (stats_text.empty()) {
      return false;
    }
    if (parser.parse(stats_text).get(stats)) {
      return false;
    }
    if (!stats.is_object()) {
      return false;
    }
    stats_ok = true;
    num_records = AsInt(Navigate(stats, "numRecords", {}));
    bool tb = true;
    simdjson::dom::element e;
    if (!stats.at_key("tightBounds").get(e) && !e.get_bool().get(tb)) {
      tight_bounds = tb;
    }
    return true;
  }

  Bounds Leaf(const PredicateNode& n) {
    if (n.op == PredicateOp::kLiteral) {
      // Copying a literal costs by its length: a string literal counts a lookup per 64 bytes, so
      // a predicate of few but long literals (900 KB within kPredicateJsonLimits) is bounded too.
      if (const auto* text = std::get_if<std::string>(&n.literal->v)) {
        lookups += static_cast<int64_t>(text->size() / kLiteralBytesPerLookup);
      }
      return Exact(*n.literal);
    }
    ++lookups;
    auto it = columns.find(ToLower(n.name));
    if (it == columns.end()) {
      return Unknown();
    }
    const ColumnRef& col = it->second;
    // Nulls are nulls whatever the hint's type; values are bounds only for a hint that fits.
    const bool fits = HintFitsColumn(n.value_type, col);
    if (col.partition) {
      // Delta protocol, *Partition Value Serialization*: "An empty string for any type
      // translates to a null partition value."
      const auto* v = file->partition_values->Find(col.partition_key);
      if (v == nullptr) {
        return Unknown();
      }
      if (!v->has_value() || (*v)->empty()) {
        return NullOnly();
      }
      if (!fits) {
        return Unknown();
      }
      auto parsed = ParseTypedValue(n.value_type, **v);
      if (!parsed) {
        return Unknown();
      }
      return Exact(std::move(*parsed));
    }
    if (!ParseStats()) {
      return Unknown();
    }
    Bounds b;
    auto null_count = AsInt(Navigate(stats, "nullCount", col.physical_path));
    if (null_count) {
      b.can_be_null = *null_count > 0;
      if (num_records && *null_count >= *num_records) {
        b.can_be_value = false;
      }
      // Wide bounds: "If the nullCount ... is any value other than these two special cases,
      // the value carries no information" -- both outcomes stay possible, as above.
    }
    if (!fits) {
      return b;
    }
    if (auto e = Navigate(stats, "minValues", col.physical_path)) {
      b.min = FromStat(*e, n.value_type);
    }
    if (auto e = Navigate(stats, "maxValues", col.physical_path)) {
      b.max = FromStat(*e, n.value_type);
      if (b.max && n.value_type == ValueType::kTimestamp) {
        // "Timestamp columns are truncated down to milliseconds": widen the max.
        std::get<int64_t>(b.max->v) += 999;
      }
      if (b.max && n.value_type == ValueType::kString &&
          std::get<std::string>(b.max->v).size() >= string_prefix_bytes) {
        b.max.reset();  // "String columns are cut off at a fixed prefix length"
      }
    }
    return b;
  }

  uint8_t Eval(const PredicateNode& n) {
    switch (n.op) {
      case PredicateOp::kColumn:
      case PredicateOp::kLiteral: {
        // A boolean leaf used as a condition: true when the value is true.
        if (n.value_type != ValueType::kBool) {
          return kAnyOutcome;
        }
        TypedValue t{ValueType::kBool, true};
        return Compare(PredicateOp::kEqual, Leaf(n), Exact(t));
      }
      case PredicateOp::kIsNull: {
        Bounds b = Leaf(n.children[0]);
        uint8_t out = 0;
        if (b.can_be_null) {
          out |= kMayBeTrue;
        }
        if (b.can_be_value) {
          out |= kMayBeFalse;
        }
        return out;
      }
      case PredicateOp::kNot:
        return Not(Eval(n.children[0]));
      case PredicateOp::kAnd: {
        uint8_t acc = Eval(n.children[0]);
        for (size_t i = 1; i < n.children.size(); ++i) {
          acc = And2(acc, Eval(n.children[i]));
        }
        return acc;
      }
      case PredicateOp::kOr: {
        uint8_t acc = Eval(n.children[0]);
        for (size_t i = 1; i < n.children.size(); ++i) {
          acc = Or2(acc, Eval(n.children[i]));
        }
        return acc;
      }
      default:
        return Compare(n.op, Leaf(n.children[0]), Leaf(n.children[1]));
    }
  }
};

namespace {

/// True when no column of `n` has statistics to look at: each names a partition column or an
/// unknown one (which evaluates as "any outcome" whatever the file).
bool OnlyPartitionColumns(const PredicateNode& n, const std::map<std::string, ColumnRef>& columns) {
  if (n.op == PredicateOp::kColumn) {
    auto it = columns.find(ToLower(n.name));
    return it == columns.end() || it->second.partition;
  }
  for (const PredicateNode& child : n.children) {
    if (!OnlyPartitionColumns(child, columns)) {
      return false;
    }
  }
  return true;
}

}  // namespace

FileFilter::FileFilter(Predicate predicate, const Metadata& metadata, const TableFeatures& features)
    : impl_(std::make_unique<Impl>()) {
  impl_->predicate = std::move(predicate);
  impl_->string_prefix_bytes = StringPrefixBytes(metadata);
  bool mapped = features.column_mapping_mode != "none";
  // WalkSchema recurses per nested column: a schema outside the bounds (common/json_bounds.h)
  // names no column, so the predicate prunes nothing.
  if (CheckJsonBounds(metadata.schema_string, kTableSchemaJsonLimits, "The schema")) {
    Json schema = Json::parse(metadata.schema_string, nullptr, /*allow_exceptions=*/false);
    if (!schema.is_discarded()) {
      WalkSchema(schema, "", {}, mapped, impl_->columns);
    }
  }
  for (const auto& pc : metadata.partition_columns) {
    auto it = impl_->columns.find(ToLower(pc));
    ColumnRef ref;
    ref.partition = true;
    ref.partition_key = it != impl_->columns.end() && !it->second.physical_path.empty()
                            ? it->second.physical_path.back()
                            : pc;
    if (it != impl_->columns.end()) {
      ref.type = it->second.type;
      ref.decimal = it->second.decimal;
    }
    impl_->columns[ToLower(pc)] = ref;
  }
  impl_->partition_only = OnlyPartitionColumns(impl_->predicate.root(), impl_->columns);
}

FileFilter::~FileFilter() = default;

void FileFilter::LimitWork(int64_t initial, int64_t per_file) {
  impl_->work_limited = true;
  impl_->allowance = initial;
  impl_->per_file = per_file;
}

uint8_t FileFilter::Evaluate(const AddFile& file) {
  Impl& m = *impl_;
  const bool over_budget = m.OverBudget();
  if (m.partition_only) {
    if (file.partition_values == m.last_partition && m.last_partition != nullptr) {
      return m.last_outcome;
    }
    auto it = m.by_partition.find(file.partition_values);
    if (it == m.by_partition.end()) {
      if (over_budget) {
        return kAnyOutcome;
      }
      m.file = &file;
      it = m.by_partition.emplace(file.partition_values, m.Eval(m.predicate.root())).first;
    }
    m.last_partition = file.partition_values;
    m.last_outcome = it->second;
    return it->second;
  }
  if (over_budget) {
    return kAnyOutcome;
  }
  m.file = &file;
  m.stats_parsed = false;
  m.num_records.reset();
  m.tight_bounds = true;
  return m.Eval(m.predicate.root());
}

std::optional<int64_t> NumRecords(const AddFile& file) {
  if (!file.has_stats) {
    return std::nullopt;
  }
  std::string text = file.StatsJson();
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc)) {
    return std::nullopt;
  }
  return AsInt(Navigate(doc, "numRecords", {}));
}

int64_t AddLiveRecords(int64_t rows, const AddFile& file) {
  std::optional<int64_t> n = NumRecords(file);
  if (!n || *n <= 0) {
    return rows;
  }
  const int64_t live = *n - std::clamp<int64_t>(file.deleted_rows(), 0, *n);
  return live > std::numeric_limits<int64_t>::max() - rows ? std::numeric_limits<int64_t>::max()
                                                           : rows + live;
}

FileSelection SelectFiles(const Snapshot& snapshot, const FileQuery& query) {
  FileSelection out;
  std::optional<FileFilter> filter;
  if (!query.json_predicate.empty()) {
    auto parsed = Predicate::Parse(query.json_predicate);
    if (parsed) {
      filter.emplace(std::move(*parsed), snapshot.metadata(), snapshot.features());
      out.predicate_used = true;
    } else {
      out.predicate_error = parsed.error().message;
    }
  }
  const bool use_limit = query.limit_hint && *query.limit_hint >= 0;
  int64_t rows = 0;
  snapshot.files().ForEach([&](const AddFile& f) {
    uint8_t outcome = kMayBeTrue;  // no predicate: every row matches
    if (filter) {
      outcome = filter->Evaluate(f);
      if (!(outcome & kMayBeTrue)) {
        ++out.files_pruned;
        return true;
      }
    }
    if (use_limit && rows >= *query.limit_hint) {
      out.limit_applied = true;
      return true;  // keep counting pruned files? no: stop adding
    }
    out.files.push_back(&f);
    if (use_limit && outcome == kMayBeTrue) {
      rows = AddLiveRecords(rows, f);
    }
    return true;
  });
  return out;
}

}  // namespace lakeshare::delta
