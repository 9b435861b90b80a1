#include "materialize/row_filter.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "common/strings.h"
#include "delta/time_util.h"

namespace lakeshare::materialize {

namespace {

using delta::PredicateNode;
using delta::PredicateOp;
using delta::TypedValue;
using delta::ValueType;
using nlohmann::json;

// Replace recipientProperty leaves by literals; false when a property is missing.
Status ResolveNode(json& node, const std::map<std::string, std::string>& properties, bool* missing,
                   int depth) {
  if (depth > 100) return InvalidArgument("row_filter is nested more than 100 levels deep");
  if (!node.is_object()) return InvalidArgument("row_filter: every node must be a JSON object");
  if (node.value("op", "") == "recipientProperty") {
    if (!node.contains("name") || !node["name"].is_string()) {
      return InvalidArgument("row_filter: a recipientProperty leaf needs a \"name\"");
    }
    auto it = properties.find(node["name"].get<std::string>());
    if (it == properties.end()) {
      *missing = true;
      return OkStatus();
    }
    node = json{{"op", "literal"}, {"value", it->second},
                {"valueType", node.value("valueType", "string")}};
    return OkStatus();
  }
  if (node.contains("children") && node["children"].is_array()) {
    for (json& c : node["children"]) LS_RETURN_IF_ERROR(ResolveNode(c, properties, missing, depth + 1));
  }
  return OkStatus();
}

// A value read for a leaf of type `want`: numbers are compared as the predicate's numeric type.
TypedValue AsType(TypedValue v, ValueType want) {
  v.type = want;
  if ((want == ValueType::kFloat || want == ValueType::kDouble) &&
      std::holds_alternative<int64_t>(v.v)) {
    v.v = static_cast<double>(std::get<int64_t>(v.v));
  }
  return v;
}

// The value of a flat column at one entry as the predicate's type; nullopt for null.
std::optional<TypedValue> ValueAt(const parquet::SchemaNode& node, const parquet::ColumnData& c,
                                  int64_t value_index, ValueType want) {
  TypedValue v;
  v.type = want;
  const auto i = static_cast<size_t>(value_index);
  switch (c.type) {
    case parquet::PhysicalType::kBoolean:
      v.v = c.bools[i] != 0;
      break;
    case parquet::PhysicalType::kInt32:
      v.v = static_cast<int64_t>(c.i32[i]);
      break;
    case parquet::PhysicalType::kInt64: {
      int64_t x = c.i64[i];
      if (node.logical.kind == parquet::LogicalKind::kTimestamp) {  // compare in microseconds
        if (node.logical.unit == parquet::TimeUnit::kMillis) x *= 1000;
        if (node.logical.unit == parquet::TimeUnit::kNanos) x /= 1000;
      }
      v.v = x;
      break;
    }
    case parquet::PhysicalType::kFloat:
      v.v = static_cast<double>(c.f32[i]);
      break;
    case parquet::PhysicalType::kDouble:
      v.v = c.f64[i];
      break;
    case parquet::PhysicalType::kByteArray:
      v.v = std::string(c.bytes[i]);
      break;
    default:
      return std::nullopt;
  }
  return AsType(std::move(v), want);
}

struct RowContext {
  const parquet::Schema* schema;
  const std::map<std::string, const parquet::ColumnData*>* columns;
  std::map<std::string, std::vector<int64_t>>* value_index;  // per column: entry -> value, -1 null
  const RowFilter::Bound* bound;
  size_t row;
};

// Three-valued: 1 true, 0 false, -1 unknown.
int Eval(const PredicateNode& n, const RowContext& ctx);

std::optional<TypedValue> Leaf(const PredicateNode& n, const RowContext& ctx) {
  if (n.op == PredicateOp::kLiteral) return n.literal;
  if (auto b = ctx.bound->find(n.name); b != ctx.bound->end()) {
    if (!b->second) return std::nullopt;
    return AsType(*b->second, n.value_type);
  }
  const parquet::ColumnData* c = ctx.columns->at(n.name);
  const int64_t vi = (*ctx.value_index)[n.name][ctx.row];
  if (vi < 0) return std::nullopt;
  return ValueAt(ctx.schema->node(ctx.schema->leaf_node(c->leaf)), *c, vi, n.value_type);
}

// AND (decided by a false: `decisive` 0) or OR (decided by a true: `decisive` 1) of n's
// children: the decisive value when a child has it, else unknown when a child is unknown, else
// the other value. So AND(false, unknown) is false, AND(true, unknown) unknown, and OR alike.
int EvalJunction(const PredicateNode& n, const RowContext& ctx, int decisive) {
  bool any_unknown = false;
  for (const auto& c : n.children) {
    const int r = Eval(c, ctx);
    if (r == decisive) return decisive;
    any_unknown = any_unknown || r == -1;
  }
  return any_unknown ? -1 : 1 - decisive;
}

int Eval(const PredicateNode& n, const RowContext& ctx) {
  switch (n.op) {
    case PredicateOp::kAnd:
      return EvalJunction(n, ctx, 0);
    case PredicateOp::kOr:
      return EvalJunction(n, ctx, 1);
    case PredicateOp::kNot: {
      const int r = n.children.empty() ? -1 : Eval(n.children[0], ctx);
      return r == -1 ? -1 : 1 - r;
    }
    case PredicateOp::kIsNull:
      return n.children.empty() ? -1 : !Leaf(n.children[0], ctx).has_value();
    case PredicateOp::kEqual:
    case PredicateOp::kLessThan:
    case PredicateOp::kLessThanOrEqual:
    case PredicateOp::kGreaterThan:
    case PredicateOp::kGreaterThanOrEqual: {
      if (n.children.size() != 2) return -1;
      auto a = Leaf(n.children[0], ctx);
      auto b = Leaf(n.children[1], ctx);
      if (!a || !b) return -1;
      auto cmp = delta::CompareValues(*a, *b);
      if (!cmp) return -1;
      switch (n.op) {
        case PredicateOp::kEqual:
          return *cmp == 0;
        case PredicateOp::kLessThan:
          return *cmp < 0;
        case PredicateOp::kLessThanOrEqual:
          return *cmp <= 0;
        case PredicateOp::kGreaterThan:
          return *cmp > 0;
        default:
          return *cmp >= 0;
      }
    }
    default:
      return -1;
  }
}

void CollectColumns(const PredicateNode& n, std::vector<std::string>* out) {
  if (n.op == PredicateOp::kColumn) {
    if (std::find(out->begin(), out->end(), n.name) == out->end()) out->push_back(n.name);
  }
  for (const auto& c : n.children) CollectColumns(c, out);
}

// Rename the column leaves under `node` as `names` says.
Status RenameColumns(json& node, const std::map<std::string, std::string>& names) {
  if (node.is_array()) {
    for (json& child : node) LS_RETURN_IF_ERROR(RenameColumns(child, names));
    return OkStatus();
  }
  if (!node.is_object()) return OkStatus();
  if (node.value("op", "") == "column" && node.contains("name") && node["name"].is_string()) {
    auto it = names.find(node["name"].get<std::string>());
    if (it == names.end()) {
      return InvalidArgument("row_filter reads column '{}', which has no new name",
                             node["name"].get<std::string>());
    }
    node["name"] = it->second;
  }
  if (node.contains("children")) return RenameColumns(node["children"], names);
  return OkStatus();
}

}  // namespace

Result<RowFilter> RowFilter::Resolve(std::string_view filter_json,
                                     const std::map<std::string, std::string>& properties) {
  if (filter_json.size() > (size_t{1} << 20)) return InvalidArgument("row_filter is over 1 MiB");
  json doc = json::parse(filter_json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidArgument("row_filter is not valid JSON");
  bool missing = false;
  LS_RETURN_IF_ERROR(ResolveNode(doc, properties, &missing, 0));
  RowFilter f;
  if (missing) {
    f.never_ = true;
    f.resolved_ = "false";
    return f;
  }
  return OfResolved(doc.dump());
}

Result<RowFilter> RowFilter::OfResolved(std::string resolved) {
  RowFilter f;
  f.resolved_ = std::move(resolved);
  auto p = delta::Predicate::Parse(f.resolved_);
  if (!p) return InvalidArgument("row_filter is not a valid predicate: {}", p.error().message);
  f.predicate_ = std::move(*p);
  return f;
}

std::vector<std::string> RowFilter::Columns() const {
  std::vector<std::string> out;
  if (predicate_) CollectColumns(predicate_->root(), &out);
  return out;
}

Result<RowFilter> RowFilter::Renamed(const std::map<std::string, std::string>& names) const {
  if (never_) return *this;
  json doc = json::parse(resolved_, nullptr, /*allow_exceptions=*/false);
  LS_RETURN_IF_ERROR(RenameColumns(doc, names));
  return OfResolved(doc.dump());
}

Status RowFilter::Evaluate(const parquet::Schema& schema,
                           const std::map<std::string, const parquet::ColumnData*>& columns,
                           std::vector<uint8_t>* keep, const Bound& bound) const {
  if (never_) {
    std::fill(keep->begin(), keep->end(), 0);
    return OkStatus();
  }
  std::map<std::string, std::vector<int64_t>> value_index;
  for (const std::string& name : Columns()) {
    if (bound.contains(name)) continue;
    auto it = columns.find(name);
    if (it == columns.end() || it->second == nullptr) {
      return InvalidArgument("row_filter reads column '{}', which the file does not hold", name);
    }
    const parquet::ColumnData& c = *it->second;
    if (c.max_rep != 0 || static_cast<size_t>(c.num_entries) != keep->size()) {
      return InvalidArgument("row_filter reads column '{}', which is not a flat column", name);
    }
    std::vector<int64_t>& idx = value_index[name];
    idx.resize(keep->size());
    int64_t v = 0;
    for (size_t e = 0; e < keep->size(); ++e) {
      idx[e] = c.is_defined(static_cast<int64_t>(e)) ? v++ : -1;
    }
    if (v != c.num_values()) return CorruptError("column '{}': levels and values disagree", name);
  }
  RowContext ctx{&schema, &columns, &value_index, &bound, 0};
  for (size_t r = 0; r < keep->size(); ++r) {
    if (!(*keep)[r]) continue;
    ctx.row = r;
    if (Eval(predicate_->root(), ctx) != 1) (*keep)[r] = 0;
  }
  return OkStatus();
}

}  // namespace lakeshare::materialize
