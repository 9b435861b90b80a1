#include "parquet/schema.h"

#include <fmt/format.h>

#include "parquet/converted_type_internal.h"
#include "parquet/thrift_internal.h"

namespace lakeshare::parquet {

namespace {

constexpr int kMaxDepth = 64;

LogicalType FromThriftLogical(const format::SchemaElement& e) {
  LogicalType t;
  if (e.__isset.logicalType) {
    const auto& l = e.logicalType;
    auto unit = [](const format::TimeUnit& u) {
      if (u.__isset.MILLIS) return TimeUnit::kMillis;
      if (u.__isset.NANOS) return TimeUnit::kNanos;
      return TimeUnit::kMicros;
    };
    if (l.__isset.STRING) t.kind = LogicalKind::kString;
    else if (l.__isset.MAP) t.kind = LogicalKind::kMap;
    else if (l.__isset.LIST) t.kind = LogicalKind::kList;
    else if (l.__isset.ENUM) t.kind = LogicalKind::kEnum;
    else if (l.__isset.DECIMAL) {
      t.kind = LogicalKind::kDecimal;
      t.precision = l.DECIMAL.precision;
      t.scale = l.DECIMAL.scale;
    } else if (l.__isset.DATE) t.kind = LogicalKind::kDate;
    else if (l.__isset.TIME) {
      t.kind = LogicalKind::kTime;
      t.unit = unit(l.TIME.unit);
      t.adjusted_to_utc = l.TIME.isAdjustedToUTC;
    } else if (l.__isset.TIMESTAMP) {
      t.kind = LogicalKind::kTimestamp;
      t.unit = unit(l.TIMESTAMP.unit);
      t.adjusted_to_utc = l.TIMESTAMP.isAdjustedToUTC;
    } else if (l.__isset.INTEGER) {
      t.kind = LogicalKind::kInteger;
      t.bit_width = l.INTEGER.bitWidth;
      t.is_signed = l.INTEGER.isSigned;
    } else if (l.__isset.UNKNOWN) t.kind = LogicalKind::kNull;
    else if (l.__isset.JSON) t.kind = LogicalKind::kJson;
    else if (l.__isset.BSON) t.kind = LogicalKind::kBson;
    else if (l.__isset.UUID) t.kind = LogicalKind::kUuid;
    else if (l.__isset.FLOAT16) t.kind = LogicalKind::kFloat16;
    else if (l.__isset.VARIANT) t.kind = LogicalKind::kVariant;
    else if (l.__isset.GEOMETRY) t.kind = LogicalKind::kGeometry;
    else if (l.__isset.GEOGRAPHY) t.kind = LogicalKind::kGeography;
    if (t.kind != LogicalKind::kNone) return t;
  }
  if (!e.__isset.converted_type) return t;
  t = LogicalTypeOfConverted(RawEnum(e.converted_type));
  if (t.kind == LogicalKind::kDecimal) {
    t.precision = e.precision;
    t.scale = e.scale;
  }
  return t;
}

}  // namespace

Result<Schema> Schema::FromThrift(const std::vector<format::SchemaElement>& elements) {
  if (elements.empty()) return CorruptError("schema has no root element");
  Schema s;
  s.nodes_.reserve(elements.size());
  // Depth-first reconstruction with an explicit stack of (node, children still expected).
  struct Frame {
    int node;
    int remaining;
  };
  std::vector<Frame> stack;
  for (size_t i = 0; i < elements.size(); ++i) {
    const auto& e = elements[i];
    SchemaNode n;
    n.name = e.name;
    const int32_t repetition = e.__isset.repetition_type ? RawEnum(e.repetition_type) : 0;
    if (repetition < 0 || repetition > 2) {
      return CorruptError("schema element '{}' has invalid repetition {}", e.name, repetition);
    }
    n.repetition = static_cast<Repetition>(repetition);
    n.logical = FromThriftLogical(e);
    n.field_id = e.__isset.field_id ? e.field_id : -1;
    bool is_group = e.__isset.num_children && (e.num_children > 0 || !e.__isset.type);
    if (i == 0) {
      is_group = true;
      n.repetition = Repetition::kRequired;
    }
    int idx = static_cast<int>(s.nodes_.size());
    if (!stack.empty()) {
      n.parent = stack.back().node;
      --stack.back().remaining;
    } else if (i != 0) {
      return CorruptError("schema element '{}' is outside the root's children", e.name);
    }
    if (is_group) {
      if (e.num_children < 0 || static_cast<size_t>(e.num_children) > elements.size() - i - 1) {
        return CorruptError("schema group '{}' claims {} children but only {} elements follow",
                            e.name, e.num_children, elements.size() - i - 1);
      }
      n.shape = NodeShape::kStruct;
    } else {
      if (!e.__isset.type) return CorruptError("schema leaf '{}' has no physical type", e.name);
      const int32_t physical = RawEnum(e.type);
      if (physical < 0 || physical > 7) {
        return CorruptError("schema leaf '{}' has unknown physical type {}", e.name, physical);
      }
      n.shape = NodeShape::kPrimitive;
      n.physical = static_cast<PhysicalType>(physical);
      n.type_length = e.__isset.type_length ? e.type_length : 0;
      if (n.physical == PhysicalType::kFixedLenByteArray && n.type_length <= 0) {
        return CorruptError("FIXED_LEN_BYTE_ARRAY column '{}' has type_length {}", e.name,
                            n.type_length);
      }
      n.leaf_index = static_cast<int>(s.leaves_.size());
      s.leaves_.push_back(idx);
    }
    if (n.parent >= 0) s.nodes_[static_cast<size_t>(n.parent)].children.push_back(idx);
    const SchemaNode* parent = n.parent >= 0 ? &s.nodes_[static_cast<size_t>(n.parent)] : nullptr;
    n.max_def = static_cast<int16_t>((parent ? parent->max_def : 0) +
                                     (n.repetition != Repetition::kRequired ? 1 : 0));
    n.max_rep = static_cast<int16_t>((parent ? parent->max_rep : 0) +
                                     (n.repetition == Repetition::kRepeated ? 1 : 0));
    int children = is_group ? e.num_children : 0;
    s.nodes_.push_back(std::move(n));
    while (!stack.empty() && stack.back().remaining == 0) stack.pop_back();
    if (children > 0) {
      if (stack.size() >= kMaxDepth) return CorruptError("schema nests deeper than {}", kMaxDepth);
      stack.push_back({idx, children});
    }
  }
  if (!stack.empty()) return CorruptError("schema ends before all groups got their children");

  // Resolve LIST and MAP shapes (LogicalTypes.md, "Lists" and "Maps", backward compatibility).
  for (int i = 1; i < s.num_nodes(); ++i) {
    SchemaNode& n = s.nodes_[static_cast<size_t>(i)];
    if (n.shape == NodeShape::kStruct && n.logical.kind == LogicalKind::kList &&
        n.children.size() == 1 &&
        s.nodes_[static_cast<size_t>(n.children[0])].repetition == Repetition::kRepeated) {
      int rep = n.children[0];
      const SchemaNode& r = s.nodes_[static_cast<size_t>(rep)];
      n.shape = NodeShape::kList;
      n.list_repeated = rep;
      // "If the repeated field is not a group, then its type is the element type."
      // "If the repeated field is a group with multiple fields, then its type is the element
      //  type." "If the repeated field is a group with one field and is named either array or
      //  uses the LIST-annotated group's name with _tuple appended then the repeated type is
      //  the element type." Otherwise the repeated group's single child is the element.
      if (r.shape == NodeShape::kPrimitive || r.children.size() != 1 || r.name == "array" ||
          r.name == n.name + "_tuple") {
        n.list_element = rep;
      } else {
        n.list_element = r.children[0];
      }
      continue;
    }
    if (n.shape == NodeShape::kStruct && n.logical.kind == LogicalKind::kMap &&
        n.children.size() == 1) {
      int kv = n.children[0];
      const SchemaNode& r = s.nodes_[static_cast<size_t>(kv)];
      if (r.repetition == Repetition::kRepeated && r.shape == NodeShape::kStruct &&
          (r.children.size() == 2 || r.children.size() == 1)) {
        n.shape = NodeShape::kMap;
        n.list_repeated = kv;
        n.map_key = r.children[0];
        n.map_value = r.children.size() == 2 ? r.children[1] : -1;
        continue;
      }
    }
  }
  // Bare repeated fields (not the repeated child of a list or map) are lists of themselves.
  for (int i = 1; i < s.num_nodes(); ++i) {
    SchemaNode& n = s.nodes_[static_cast<size_t>(i)];
    if (n.repetition != Repetition::kRepeated) continue;
    const SchemaNode& p = s.nodes_[static_cast<size_t>(n.parent)];
    bool owned = (p.shape == NodeShape::kList || p.shape == NodeShape::kMap) &&
                 p.list_repeated == i;
    if (!owned) n.is_bare_repeated = true;
  }
  return s;
}

std::string Schema::Path(int node) const {
  std::vector<int> chain;
  for (int i = node; i > 0; i = nodes_[static_cast<size_t>(i)].parent) chain.push_back(i);
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (!out.empty()) out.push_back('.');
    out += nodes_[static_cast<size_t>(*it)].name;
  }
  return out;
}

int Schema::FindField(std::string_view name) const {
  for (int c : root().children) {
    if (nodes_[static_cast<size_t>(c)].name == name) return c;
  }
  return -1;
}

int Schema::FindPath(std::string_view dotted) const {
  int cur = 0;
  size_t start = 0;
  while (start <= dotted.size()) {
    size_t dot = dotted.find('.', start);
    std::string_view part =
        dotted.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    int next = -1;
    for (int c : nodes_[static_cast<size_t>(cur)].children) {
      if (nodes_[static_cast<size_t>(c)].name == part) {
        next = c;
        break;
      }
    }
    if (next < 0) return -1;
    cur = next;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return cur == 0 ? -1 : cur;
}

std::vector<int> Schema::LeavesUnder(int node) const {
  std::vector<int> out;
  std::vector<int> stack{node};
  while (!stack.empty()) {
    int n = stack.back();
    stack.pop_back();
    const SchemaNode& sn = nodes_[static_cast<size_t>(n)];
    if (sn.shape == NodeShape::kPrimitive) {
      out.push_back(sn.leaf_index);
      continue;
    }
    for (auto it = sn.children.rbegin(); it != sn.children.rend(); ++it) stack.push_back(*it);
  }
  return out;
}

std::string Schema::ToString() const {
  std::string out;
  std::vector<std::pair<int, int>> stack{{0, 0}};
  while (!stack.empty()) {
    auto [n, depth] = stack.back();
    stack.pop_back();
    const SchemaNode& sn = nodes_[static_cast<size_t>(n)];
    out.append(static_cast<size_t>(depth) * 2, ' ');
    const char* rep = sn.repetition == Repetition::kRequired   ? "required"
                      : sn.repetition == Repetition::kOptional ? "optional"
                                                               : "repeated";
    if (n == 0) {
      out += "message " + sn.name;
    } else if (sn.shape == NodeShape::kPrimitive) {
      out += fmt::format("{} {}", rep, PhysicalTypeName(sn.physical));
      if (sn.physical == PhysicalType::kFixedLenByteArray) out += fmt::format("({})", sn.type_length);
      out += " " + sn.name;
    } else {
      out += fmt::format("{} group {}", rep, sn.name);
    }
    std::string logical = LogicalTypeToString(sn.logical);
    if (!logical.empty()) out += " (" + logical + ")";
    if (sn.field_id >= 0) out += fmt::format(" = {}", sn.field_id);
    if (sn.shape == NodeShape::kPrimitive) {
      out += fmt::format("  [def {}, rep {}]", sn.max_def, sn.max_rep);
    }
    out += "\n";
    for (auto it = sn.children.rbegin(); it != sn.children.rend(); ++it) {
      stack.push_back({*it, depth + 1});
    }
  }
  return out;
}

}  // namespace lakeshare::parquet
