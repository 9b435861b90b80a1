#include "delta/predicate.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "common/json_bounds.h"
#include "common/numbers.h"
#include "common/strings.h"
#include "delta/time_util.h"

namespace lakeshare::delta {

namespace {

using Json = nlohmann::json;

constexpr int kMaxDepth = 100;

std::optional<PredicateOp> ParseOp(std::string_view s) {
  static constexpr std::pair<std::string_view, PredicateOp> kOps[] = {
      {"column", PredicateOp::kColumn},
      {"literal", PredicateOp::kLiteral},
      {"isNull", PredicateOp::kIsNull},
      {"equal", PredicateOp::kEqual},
      {"lessThan", PredicateOp::kLessThan},
      {"lessThanOrEqual", PredicateOp::kLessThanOrEqual},
      {"greaterThan", PredicateOp::kGreaterThan},
      {"greaterThanOrEqual", PredicateOp::kGreaterThanOrEqual},
      {"and", PredicateOp::kAnd},
      {"or", PredicateOp::kOr},
      {"not", PredicateOp::kNot},
  };
  for (const auto& [name, op] : kOps) {
    if (name == s) {
      return op;
    }
  }
  return std::nullopt;
}

// A valueType is read by the names ValueTypeName writes, so the two directions cannot disagree.
std::optional<ValueType> ParseValueType(std::string_view s) {
  for (ValueType t : {ValueType::kBool, ValueType::kInt, ValueType::kLong, ValueType::kString,
                      ValueType::kDate, ValueType::kFloat, ValueType::kDouble,
                      ValueType::kTimestamp}) {
    if (ValueTypeName(t) == s) {
      return t;
    }
  }
  return std::nullopt;
}

Result<PredicateNode> ParseNode(const Json& j, int depth) {
  if (depth > kMaxDepth) {
    return Errorf(ErrorCode::kMalformedRequest, "predicate deeper than {}", kMaxDepth);
  }
  if (!j.is_object()) {
    return Errorf(ErrorCode::kMalformedRequest, "predicate node is not an object");
  }
  auto op_it = j.find("op");
  if (op_it == j.end() || !op_it->is_string()) {
    return Errorf(ErrorCode::kMalformedRequest, "predicate node without an \"op\"");
  }
  auto op = ParseOp(op_it->get<std::string>());
  if (!op) {
    return Errorf(ErrorCode::kMalformedRequest, "unknown predicate op \"{}\"",
                  op_it->get<std::string>());
  }
  PredicateNode n;
  n.op = *op;
  if (*op == PredicateOp::kColumn || *op == PredicateOp::kLiteral) {
    auto vt = j.find("valueType");
    if (vt == j.end() || !vt->is_string()) {
      return Errorf(ErrorCode::kMalformedRequest, "\"{}\" node without a valueType",
                    op_it->get<std::string>());
    }
    auto type = ParseValueType(vt->get<std::string>());
    if (!type) {
      return Errorf(ErrorCode::kMalformedRequest, "unknown valueType \"{}\"",
                    vt->get<std::string>());
    }
    n.value_type = *type;
    if (*op == PredicateOp::kColumn) {
      auto name = j.find("name");
      if (name == j.end() || !name->is_string() || name->get<std::string>().empty()) {
        return Errorf(ErrorCode::kMalformedRequest, "column node without a name");
      }
      n.name = name->get<std::string>();
    } else {
      auto value = j.find("value");
      if (value == j.end() || !value->is_string()) {
        return Errorf(ErrorCode::kMalformedRequest, "literal node without a string value");
      }
      n.literal = ParseTypedValue(*type, value->get<std::string>());
      if (!n.literal) {
        return Errorf(ErrorCode::kMalformedRequest, "literal \"{}\" is not a valid {}",
                      value->get<std::string>(), ValueTypeName(*type));
      }
    }
    return n;
  }
  auto children = j.find("children");
  if (children == j.end() || !children->is_array()) {
    return Errorf(ErrorCode::kMalformedRequest, "\"{}\" node without children",
                  op_it->get<std::string>());
  }
  for (const auto& c : *children) {
    LS_ASSIGN_OR_RETURN(PredicateNode child, ParseNode(c, depth + 1));
    n.children.push_back(std::move(child));
  }
  auto is_leaf = [](const PredicateNode& c) {
    return c.op == PredicateOp::kColumn || c.op == PredicateOp::kLiteral;
  };
  switch (*op) {
    case PredicateOp::kIsNull:
      if (n.children.size() != 1 || n.children[0].op != PredicateOp::kColumn) {
        return Errorf(ErrorCode::kMalformedRequest, "isNull takes exactly one column");
      }
      break;
    case PredicateOp::kNot:
      if (n.children.size() != 1) {
        return Errorf(ErrorCode::kMalformedRequest, "not takes one child");
      }
      break;
    case PredicateOp::kAnd:
    case PredicateOp::kOr:
      if (n.children.size() < 2) {
        return Errorf(ErrorCode::kMalformedRequest, "{} takes at least two children",
                      op_it->get<std::string>());
      }
      break;
    default:  // comparisons
      if (n.children.size() != 2 || !is_leaf(n.children[0]) || !is_leaf(n.children[1])) {
        return Errorf(ErrorCode::kMalformedRequest, "{} takes two column or literal children",
                      op_it->get<std::string>());
      }
      if (n.children[0].value_type != n.children[1].value_type) {
        return Errorf(ErrorCode::kMalformedRequest, "{} compares {} with {}",
                      op_it->get<std::string>(), ValueTypeName(n.children[0].value_type),
                      ValueTypeName(n.children[1].value_type));
      }
      break;
  }
  return n;
}

void CollectColumns(const PredicateNode& n, std::vector<std::string>& out) {
  if (n.op == PredicateOp::kColumn) {
    out.push_back(n.name);
  }
  for (const auto& c : n.children) {
    CollectColumns(c, out);
  }
}

void RenameColumns(PredicateNode& n, const std::map<std::string, std::string>& names) {
  if (n.op == PredicateOp::kColumn) {
    if (auto it = names.find(n.name); it != names.end()) n.name = it->second;
  }
  for (auto& c : n.children) {
    RenameColumns(c, names);
  }
}

template <typename T>
int Cmp(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

}  // namespace

std::string_view ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kBool:
      return "bool";
    case ValueType::kInt:
      return "int";
    case ValueType::kLong:
      return "long";
    case ValueType::kString:
      return "string";
    case ValueType::kDate:
      return "date";
    case ValueType::kFloat:
      return "float";
    case ValueType::kDouble:
      return "double";
    case ValueType::kTimestamp:
      return "timestamp";
  }
  return "string";
}

std::optional<ValueType> ValueTypeOfDeltaType(std::string_view t) {
  if (t == "string") return ValueType::kString;
  if (t == "integer" || t == "short" || t == "byte") return ValueType::kInt;
  if (t == "long") return ValueType::kLong;
  if (t == "date") return ValueType::kDate;
  if (t == "timestamp" || t == "timestamp_ntz") return ValueType::kTimestamp;
  if (t == "boolean") return ValueType::kBool;
  if (t == "float") return ValueType::kFloat;
  if (t == "double") return ValueType::kDouble;
  return std::nullopt;
}

std::optional<TypedValue> ParseTypedValue(ValueType type, std::string_view text) {
  TypedValue out;
  out.type = type;
  switch (type) {
    case ValueType::kBool: {
      std::string lower = ToLower(text);
      if (lower == "true") {
        out.v = true;
      } else if (lower == "false") {
        out.v = false;
      } else {
        return std::nullopt;
      }
      return out;
    }
    case ValueType::kInt:
    case ValueType::kLong: {
      std::optional<int64_t> parsed = ParseInteger<int64_t>(text);
      if (!parsed) {
        // "1.0" from writers that print integral doubles.
        std::optional<double> d = ParseDouble(text);
        parsed = d ? WholeDoubleToInt64(*d) : std::nullopt;
        if (!parsed) {
          return std::nullopt;
        }
      }
      int64_t v = *parsed;
      if (type == ValueType::kInt && (v < INT32_MIN || v > INT32_MAX)) {
        return std::nullopt;
      }
      out.v = v;
      return out;
    }
    case ValueType::kFloat:
    case ValueType::kDouble: {
      std::string lower = ToLower(text);
      double d = 0;
      if (lower == "nan") {
        d = std::nan("");
      } else if (lower == "infinity" || lower == "inf" || lower == "+infinity") {
        d = INFINITY;
      } else if (lower == "-infinity" || lower == "-inf") {
        d = -INFINITY;
      } else if (std::optional<double> parsed = ParseDouble(text)) {
        d = *parsed;
      } else {
        return std::nullopt;
      }
      if (type == ValueType::kFloat) {
        d = static_cast<double>(static_cast<float>(d));
      }
      out.v = d;
      return out;
    }
    case ValueType::kString:
      out.v = std::string(text);
      return out;
    case ValueType::kDate: {
      auto days = ParseDate(text);
      if (!days) {
        return std::nullopt;
      }
      out.v = *days;
      return out;
    }
    case ValueType::kTimestamp: {
      auto micros = ParseTimestampMicros(text);
      if (!micros) {
        return std::nullopt;
      }
      out.v = *micros;
      return out;
    }
  }
  return std::nullopt;
}

std::optional<int> CompareValues(const TypedValue& a, const TypedValue& b) {
  if (a.v.index() != b.v.index()) {
    return std::nullopt;
  }
  switch (a.v.index()) {
    case 0:
      return Cmp(std::get<bool>(a.v), std::get<bool>(b.v));
    case 1:
      return Cmp(std::get<int64_t>(a.v), std::get<int64_t>(b.v));
    case 2: {
      double x = std::get<double>(a.v), y = std::get<double>(b.v);
      if (std::isnan(x) || std::isnan(y)) {
        return std::nullopt;
      }
      return Cmp(x, y);
    }
    case 3:
      return std::get<std::string>(a.v).compare(std::get<std::string>(b.v)) < 0
                 ? -1
                 : (std::get<std::string>(a.v) == std::get<std::string>(b.v) ? 0 : 1);
  }
  return std::nullopt;
}

Result<Predicate> Predicate::Parse(std::string_view json) {
  // Size, depth and elements before the (recursive) tree walk below: common/json_bounds.h.
  LS_RETURN_IF_ERROR(CheckJsonBounds(json, kPredicateJsonLimits, "The predicate"));
  Json j = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Errorf(ErrorCode::kMalformedRequest, "predicate is not valid JSON");
  }
  Predicate p;
  LS_ASSIGN_OR_RETURN(p.root_, ParseNode(j, 0));
  if (p.root_.op == PredicateOp::kColumn || p.root_.op == PredicateOp::kLiteral) {
    if (p.root_.value_type != ValueType::kBool) {
      return Errorf(ErrorCode::kMalformedRequest, "predicate root is a non-boolean {}",
                    p.root_.op == PredicateOp::kColumn ? "column" : "literal");
    }
  }
  return p;
}

std::vector<std::string> Predicate::ReferencedColumns() const {
  std::vector<std::string> out;
  CollectColumns(root_, out);
  return out;
}

Predicate Predicate::Renamed(const std::map<std::string, std::string>& names) const {
  Predicate out = *this;
  RenameColumns(out.root_, names);
  return out;
}

}  // namespace lakeshare::delta
