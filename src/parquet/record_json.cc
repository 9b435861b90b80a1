#include "parquet/record_json.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "common/civil_date.h"
#include "common/strings.h"

namespace lakeshare::parquet {

// Big-endian two's complement bytes -> exact decimal text with `scale` fractional digits.
void AppendDecimalText(std::string& out, std::string_view be, int scale) {
  bool negative = !be.empty() && (static_cast<unsigned char>(be[0]) & 0x80);
  std::vector<uint8_t> mag(be.begin(), be.end());
  if (negative) {  // two's complement negate
    for (auto& b : mag) b = static_cast<uint8_t>(~b);
    for (size_t i = mag.size(); i-- > 0;) {
      if (++mag[i] != 0) break;
    }
  }
  std::string digits;
  size_t start = 0;
  while (start < mag.size()) {
    unsigned rem = 0;
    for (size_t i = start; i < mag.size(); ++i) {
      unsigned cur = (rem << 8) | mag[i];
      mag[i] = static_cast<uint8_t>(cur / 10);
      rem = cur % 10;
    }
    digits.push_back(static_cast<char>('0' + rem));
    while (start < mag.size() && mag[start] == 0) ++start;
  }
  if (digits.empty()) digits = "0";
  while (digits.size() <= static_cast<size_t>(std::max(scale, 0))) digits.push_back('0');
  std::string text(digits.rbegin(), digits.rend());
  if (negative && text.find_first_not_of("0") != std::string::npos) out.push_back('-');
  if (scale > 0) {
    out.append(text, 0, text.size() - static_cast<size_t>(scale));
    out.push_back('.');
    out.append(text, text.size() - static_cast<size_t>(scale), std::string::npos);
  } else {
    out += text;
    out.append(static_cast<size_t>(-std::min(scale, 0)), '0');
  }
}

void AppendDecimalText(std::string& out, int64_t v, int scale) {
  char be[8];
  uint64_t u = static_cast<uint64_t>(v);
  for (int i = 7; i >= 0; --i) {
    be[i] = static_cast<char>(u & 0xff);
    u >>= 8;
  }
  AppendDecimalText(out, std::string_view(be, 8), scale);
}

namespace {

// Parquet tools' JSON form of a DATE: years outside 0..9999 with a sign and five digits.
void AppendDate(std::string& out, int64_t days) {
  lakeshare::AppendDate(out, days, ExpandedYearDigits::kFive);
}

// `ticks` of 10^-digits seconds since midnight (may be any non-negative count).
void AppendClock(std::string& out, int64_t seconds_of_day, int64_t fraction, int digits) {
  fmt::format_to(std::back_inserter(out), "{:02d}:{:02d}:{:02d}", seconds_of_day / 3600,
                 (seconds_of_day / 60) % 60, seconds_of_day % 60);
  if (digits > 0) fmt::format_to(std::back_inserter(out), ".{:0{}d}", fraction, digits);
}

void AppendTimestamp(std::string& out, int64_t value, TimeUnit unit, bool utc) {
  const int64_t per_second = UnitPerSecond(unit);
  int64_t seconds = FloorDiv(value, per_second);
  // The fraction from the remainder, never from seconds * per_second: near the int64 edges that
  // product leaves the int64 range (INT64_MIN ns floors to -9223372037 s).
  int64_t fraction = value % per_second;
  if (fraction < 0) fraction += per_second;
  int64_t days = FloorDiv(seconds, 86400);
  out.push_back('"');
  AppendDate(out, days);
  out.push_back('T');
  AppendClock(out, seconds - days * 86400, fraction, FractionDigits(unit));
  if (utc) out.push_back('Z');
  out.push_back('"');
}

double HalfToDouble(uint16_t h) {
  int exp = (h >> 10) & 0x1f;
  int mant = h & 0x3ff;
  double v;
  if (exp == 0) v = std::ldexp(mant, -24);
  else if (exp == 31) v = mant ? std::nan("") : INFINITY;
  else v = std::ldexp(mant + 1024, exp - 25);
  return (h & 0x8000) ? -v : v;
}

// INT32 and INT64 values by annotation. `as_unsigned` is the value read as the column's unsigned
// type (UINT_32 or UINT_64).
void AppendInteger(std::string& out, int64_t v, uint64_t as_unsigned, const LogicalType& lt) {
  switch (lt.kind) {
    case LogicalKind::kDate:
      out.push_back('"');
      AppendDate(out, v);
      out.push_back('"');
      return;
    case LogicalKind::kTimestamp:
      AppendTimestamp(out, v, lt.unit, lt.adjusted_to_utc);
      return;
    case LogicalKind::kDecimal:
      out.push_back('"');
      AppendDecimalText(out, v, lt.scale);
      out.push_back('"');
      return;
    case LogicalKind::kTime: {
      const int64_t per = UnitPerSecond(lt.unit);
      out.push_back('"');
      AppendClock(out, v / per, v % per, FractionDigits(lt.unit));
      out.push_back('"');
      return;
    }
    case LogicalKind::kInteger:
      if (!lt.is_signed) {
        fmt::format_to(std::back_inserter(out), "{}", as_unsigned);
        return;
      }
      break;
    default:
      break;
  }
  fmt::format_to(std::back_inserter(out), "{}", v);
}

}  // namespace

void RecordJsonWriter::AppendScalar(const SchemaNode& leaf, const ColumnData& c, int64_t i,
                                    std::string& out) {
  const size_t k = static_cast<size_t>(i);
  const LogicalType& lt = leaf.logical;
  switch (leaf.physical) {
    case PhysicalType::kBoolean:
      out += c.bools[k] ? "true" : "false";
      return;
    case PhysicalType::kInt32:
      AppendInteger(out, int64_t{c.i32[k]}, static_cast<uint64_t>(static_cast<uint32_t>(c.i32[k])), lt);
      return;
    case PhysicalType::kInt64:
      AppendInteger(out, c.i64[k], static_cast<uint64_t>(c.i64[k]), lt);
      return;
    case PhysicalType::kInt96: {
      const Int96Instant t = DecodeInt96(c.i96[k]);
      out.push_back('"');
      AppendDate(out, t.days);
      out.push_back('T');
      AppendClock(out, t.nanos_of_day / 1000000000, t.nanos_of_day % 1000000000, 9);
      out.push_back('"');
      return;
    }
    case PhysicalType::kFloat:
      AppendJsonDouble(out, static_cast<double>(c.f32[k]));
      return;
    case PhysicalType::kDouble:
      AppendJsonDouble(out, c.f64[k]);
      return;
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray: {
      std::string_view b = c.bytes[k];
      switch (lt.kind) {
        case LogicalKind::kString:
        case LogicalKind::kEnum:
        case LogicalKind::kJson:
          AppendJsonString(out, b);
          return;
        case LogicalKind::kDecimal:
          out.push_back('"');
          AppendDecimalText(out, b, lt.scale);
          out.push_back('"');
          return;
        case LogicalKind::kUuid:
          if (b.size() == 16) {
            std::string hex = HexEncode(b);
            fmt::format_to(std::back_inserter(out), "\"{}-{}-{}-{}-{}\"", hex.substr(0, 8),
                           hex.substr(8, 4), hex.substr(12, 4), hex.substr(16, 4), hex.substr(20));
            return;
          }
          break;
        case LogicalKind::kFloat16:
          if (b.size() == 2) {
            uint16_t h = static_cast<uint16_t>(static_cast<uint8_t>(b[0]) |
                                               (static_cast<uint8_t>(b[1]) << 8));
            AppendJsonDouble(out, HalfToDouble(h));
            return;
          }
          break;
        case LogicalKind::kInterval:
          if (b.size() == 12) {
            uint32_t w[3];
            std::memcpy(w, b.data(), 12);
            fmt::format_to(std::back_inserter(out), "{{\"months\":{},\"days\":{},\"millis\":{}}}",
                           w[0], w[1], w[2]);
            return;
          }
          break;
        default:
          break;
      }
      out.push_back('"');
      out += Base64Encode(b);
      out.push_back('"');
      return;
    }
  }
}

RecordJsonWriter::RecordJsonWriter(const Schema& schema, std::vector<int> fields)
    : schema_(schema), fields_(std::move(fields)) {
  first_leaf_.assign(static_cast<size_t>(schema.num_nodes()), -1);
  leaves_of_.resize(static_cast<size_t>(schema.num_nodes()));
  for (int n = 0; n < schema.num_nodes(); ++n) {
    leaves_of_[static_cast<size_t>(n)] = schema.LeavesUnder(n);
    if (!leaves_of_[static_cast<size_t>(n)].empty()) {
      first_leaf_[static_cast<size_t>(n)] = leaves_of_[static_cast<size_t>(n)].front();
    }
  }
  cursors_.resize(static_cast<size_t>(schema.num_leaves()));
}

void RecordJsonWriter::StartRowGroup(const std::vector<const ColumnData*>& columns) {
  for (size_t i = 0; i < cursors_.size(); ++i) {
    cursors_[i] = LeafCursor{i < columns.size() ? columns[i] : nullptr, 0, 0};
  }
}

Result<int16_t> RecordJsonWriter::PeekDef(int node) const {
  int leaf = first_leaf_[static_cast<size_t>(node)];
  if (leaf < 0) return static_cast<int16_t>(0);
  const LeafCursor& c = cursors_[static_cast<size_t>(leaf)];
  if (c.column == nullptr) return CorruptError("column {} was not read", leaf);
  if (c.entry >= c.column->num_entries) {
    return CorruptError("column '{}' ends before the row does", schema_.Path(schema_.leaf_node(leaf)));
  }
  if (c.column->def_levels.empty()) return c.column->max_def;
  return c.column->def_levels[static_cast<size_t>(c.entry)];
}

Status RecordJsonWriter::Skip(int node) {
  for (int leaf : leaves_of_[static_cast<size_t>(node)]) {
    LeafCursor& c = cursors_[static_cast<size_t>(leaf)];
    if (c.entry >= c.column->num_entries) {
      return CorruptError("column '{}' ends before the row does", schema_.Path(schema_.leaf_node(leaf)));
    }
    if (c.column->is_defined(c.entry)) ++c.value;
    ++c.entry;
  }
  return OkStatus();
}

Status RecordJsonWriter::WriteRepeated(int owner, int repeated, std::string& out) {
  const SchemaNode& o = schema_.node(owner);
  const SchemaNode& r = schema_.node(repeated);
  LS_ASSIGN_OR_RETURN(int16_t def, PeekDef(owner));
  const bool is_map = o.shape == NodeShape::kMap;
  bool string_keys = false;
  if (is_map) {
    const SchemaNode& key = schema_.node(o.map_key);
    string_keys = key.shape == NodeShape::kPrimitive &&
                  (key.logical.kind == LogicalKind::kString || key.logical.kind == LogicalKind::kEnum);
  }
  const char open = is_map && string_keys ? '{' : '[';
  const char close = is_map && string_keys ? '}' : ']';
  if (def < r.max_def) {  // an empty list or map: one entry per leaf, nothing inside
    LS_RETURN_IF_ERROR(Skip(owner));
    out.push_back(open);
    out.push_back(close);
    return OkStatus();
  }
  out.push_back(open);
  const int leaf = first_leaf_[static_cast<size_t>(owner)];
  bool first = true;
  while (true) {
    if (!first) out.push_back(',');
    first = false;
    if (is_map) {
      if (string_keys) {
        std::string key;
        LS_RETURN_IF_ERROR(WriteNode(o.map_key, false, key));
        if (key == "null") key = "\"\"";  // keys must not be null; keep the JSON valid
        out += key;
        out.push_back(':');
        if (o.map_value >= 0) {
          LS_RETURN_IF_ERROR(WriteNode(o.map_value, false, out));
        } else {
          out += "null";
        }
      } else {
        out += "{\"key\":";
        LS_RETURN_IF_ERROR(WriteNode(o.map_key, false, out));
        out += ",\"value\":";
        if (o.map_value >= 0) {
          LS_RETURN_IF_ERROR(WriteNode(o.map_value, false, out));
        } else {
          out += "null";
        }
        out.push_back('}');
      }
    } else {
      int element = o.shape == NodeShape::kList ? o.list_element : repeated;
      LS_RETURN_IF_ERROR(WriteNode(element, /*as_element=*/true, out));
    }
    const LeafCursor& c = cursors_[static_cast<size_t>(leaf)];
    if (c.entry >= c.column->num_entries || c.column->rep_levels.empty() ||
        c.column->rep_levels[static_cast<size_t>(c.entry)] != r.max_rep) {
      break;
    }
  }
  out.push_back(close);
  return OkStatus();
}

Status RecordJsonWriter::WriteNode(int node, bool as_element, std::string& out) {
  const SchemaNode& n = schema_.node(node);
  if (n.repetition == Repetition::kRepeated && !as_element) {
    // A bare repeated field is a list of itself; repeated children of LIST/MAP groups are
    // reached through their owner.
    return WriteRepeated(node, node, out);
  }
  LS_ASSIGN_OR_RETURN(int16_t def, PeekDef(node));
  // A node is null when its own optional level is not reached. Elements reached through their
  // repeated parent are present by construction when they are that parent.
  if (n.repetition == Repetition::kOptional && def < n.max_def) {
    LS_RETURN_IF_ERROR(Skip(node));
    out += "null";
    return OkStatus();
  }
  switch (n.shape) {
    case NodeShape::kPrimitive: {
      LeafCursor& c = cursors_[static_cast<size_t>(n.leaf_index)];
      if (def < n.max_def) {
        // Only possible for a required leaf under a repeated element that is absent: treat as
        // null rather than reading a value that does not exist.
        ++c.entry;
        out += "null";
        return OkStatus();
      }
      if (c.value >= c.column->num_values()) {
        return CorruptError("column '{}' has fewer values than its levels announce",
                            schema_.Path(node));
      }
      AppendScalar(n, *c.column, c.value, out);
      ++c.value;
      ++c.entry;
      return OkStatus();
    }
    case NodeShape::kStruct:
      return WriteObject(n.children, out);
    case NodeShape::kList:
    case NodeShape::kMap:
      return WriteRepeated(node, n.list_repeated, out);
  }
  return OkStatus();
}

Status RecordJsonWriter::WriteObject(const std::vector<int>& nodes, std::string& out) {
  out.push_back('{');
  bool first = true;
  for (int node : nodes) {
    if (!first) out.push_back(',');
    first = false;
    AppendJsonString(out, schema_.node(node).name);
    out.push_back(':');
    LS_RETURN_IF_ERROR(WriteNode(node, false, out));
  }
  out.push_back('}');
  return OkStatus();
}

Status RecordJsonWriter::AppendRow(std::string& out) { return WriteObject(fields_, out); }

}  // namespace lakeshare::parquet
