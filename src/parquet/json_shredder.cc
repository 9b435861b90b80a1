#include "parquet/json_shredder.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "common/civil_date.h"
#include "common/json_bounds.h"
#include "common/strings.h"
#include "parquet/scalar_text_internal.h"

namespace lakeshare::parquet {

namespace {

// ----- the byte arena ---------------------------------------------------------------------------

// Byte-array values live in large blocks that never reallocate, so views stay valid.
class Arena {
 public:
  std::string_view Add(std::string_view bytes) {
    if (!block_ || block_->capacity() - block_->size() < bytes.size()) {
      auto b = std::make_shared<std::string>();
      b->reserve(std::max(kBlock, bytes.size()));
      blocks_.push_back(b);
      block_ = std::move(b);
    }
    const size_t at = block_->size();
    block_->append(bytes);
    bytes_ += static_cast<int64_t>(bytes.size());
    return std::string_view(block_->data() + at, bytes.size());
  }
  const std::vector<std::shared_ptr<const std::string>>& blocks() const { return blocks_; }
  int64_t bytes() const { return bytes_; }
  void Reset() {
    blocks_.clear();
    block_.reset();
    bytes_ = 0;
  }

 private:
  static constexpr size_t kBlock = size_t{1} << 20;
  std::shared_ptr<std::string> block_;
  std::vector<std::shared_ptr<const std::string>> blocks_;
  int64_t bytes_ = 0;
};

// nlohmann::json reads the number -0 as the integer 0, losing the sign that the canonical form
// prints for a negative zero float ("-0"). Spell such tokens "-0.0" before parsing; nullopt
// when the line has none.
std::optional<std::string> SpellNegativeZeros(std::string_view line) {
  std::optional<std::string> out;
  size_t copied = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '"') {
      i = JsonStringEnd(line, i) - 1;  // on the closing quote: the loop steps past it
      continue;
    }
    if (c == '-' && i + 1 < line.size() && line[i + 1] == '0' &&
        (i + 2 == line.size() || line[i + 2] == ',' || line[i + 2] == '}' || line[i + 2] == ']' ||
         line[i + 2] == ' ' || line[i + 2] == '\t' || line[i + 2] == '\r' || line[i + 2] == '\n')) {
      if (!out) {
        out.emplace();
      }
      out->append(line.substr(copied, i + 2 - copied));
      out->append(".0");
      copied = i + 2;
    }
  }
  if (out) {
    out->append(line.substr(copied));
  }
  return out;
}

std::string Describe(const auto& v) {
  std::string text = v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > 60) {
    text = text.substr(0, 57) + "...";
  }
  return fmt::format("{} {}", v.type_name(), text);
}

}  // namespace

// ----- the shredder -----------------------------------------------------------------------------

struct RowShredder::Impl {
  explicit Impl(const Schema& s) : schema(&s) {
    columns.resize(static_cast<size_t>(s.num_leaves()));
    leaves_of.resize(static_cast<size_t>(s.num_nodes()));
    for (int n = 0; n < s.num_nodes(); ++n) {
      leaves_of[static_cast<size_t>(n)] = s.LeavesUnder(n);
    }
    ResetColumns();
  }

  const Schema* schema;
  std::vector<ColumnData> columns;
  std::vector<std::vector<int>> leaves_of;  // per node
  Arena arena;
  int64_t rows = 0;
  int64_t rows_seen = 0;
  int64_t fixed_bytes = 0;

  struct Mark {
    int64_t entries;
    size_t def, rep, values;
  };
  std::vector<Mark> marks;

  void ResetColumns() {
    for (int leaf = 0; leaf < schema->num_leaves(); ++leaf) {
      const SchemaNode& n = schema->node(schema->leaf_node(leaf));
      ColumnData c;
      c.leaf = leaf;
      c.type = n.physical;
      c.max_def = n.max_def;
      c.max_rep = n.max_rep;
      columns[static_cast<size_t>(leaf)] = std::move(c);
    }
    arena.Reset();
    rows = 0;
    fixed_bytes = 0;
  }

  static size_t ValueCount(const ColumnData& c) { return static_cast<size_t>(c.num_values()); }

  void SaveMarks() {
    marks.resize(columns.size());
    for (size_t i = 0; i < columns.size(); ++i) {
      const auto& c = columns[i];
      marks[i] = Mark{c.num_entries, c.def_levels.size(), c.rep_levels.size(), ValueCount(c)};
    }
  }

  void Rollback() {
    for (size_t i = 0; i < columns.size(); ++i) {
      auto& c = columns[i];
      const Mark& m = marks[i];
      c.num_entries = m.entries;
      c.def_levels.resize(m.def);
      c.rep_levels.resize(m.rep);
      c.bools.resize(std::min(c.bools.size(), m.values));
      c.i32.resize(std::min(c.i32.size(), m.values));
      c.i64.resize(std::min(c.i64.size(), m.values));
      c.i96.resize(std::min(c.i96.size(), m.values));
      c.f32.resize(std::min(c.f32.size(), m.values));
      c.f64.resize(std::min(c.f64.size(), m.values));
      c.bytes.resize(std::min(c.bytes.size(), m.values));
    }
  }

  void PushLevels(ColumnData& c, int16_t rep, int16_t def) {
    if (c.max_def > 0) {
      c.def_levels.push_back(def);
    }
    if (c.max_rep > 0) {
      c.rep_levels.push_back(rep);
    }
    ++c.num_entries;
  }

  void EmitNull(int node, int16_t rep, int16_t def) {
    for (int leaf : leaves_of[static_cast<size_t>(node)]) {
      PushLevels(columns[static_cast<size_t>(leaf)], rep, def);
    }
  }

  template <typename Json>
  struct Run {
    Impl& impl;
    int64_t row;

    const Schema& schema() const { return *impl.schema; }

    template <typename... Args>
    tl::unexpected<Error> Bad(int node, fmt::format_string<Args...> f, Args&&... args) const {
      return InvalidArgument("row {}: field '{}': {}", row, schema().Path(node),
                             fmt::format(f, std::forward<Args>(args)...));
    }

    Status Node(int node, const Json* v, int16_t rep, int16_t def, bool as_element) {
      const SchemaNode& n = schema().node(node);
      const bool is_null = v == nullptr || v->is_null();
      if (n.repetition == Repetition::kRepeated && !as_element) {
        // A bare repeated field: a list of itself, which has no null state; absent or null
        // means empty.
        if (is_null) {
          impl.EmitNull(node, rep, def);
          return OkStatus();
        }
        return Repeated(node, node, *v, rep, def);
      }
      if (n.repetition == Repetition::kOptional) {
        if (is_null) {
          impl.EmitNull(node, rep, def);
          return OkStatus();
        }
        ++def;
      } else if (is_null) {
        if (as_element) {
          return Bad(node, "list elements are required here and cannot be null");
        }
        return Bad(node, "required field is missing or null");
      }
      switch (n.shape) {
        case NodeShape::kPrimitive:
          return Leaf(node, *v, rep, def);
        case NodeShape::kStruct: {
          if (!v->is_object()) {
            return Bad(node, "expected an object, got {}", Describe(*v));
          }
          size_t matched = 0;
          for (int child : n.children) {
            const SchemaNode& cn = schema().node(child);
            auto it = v->find(cn.name);
            const Json* cv = nullptr;
            if (it != v->end()) {
              cv = &*it;
              ++matched;
            }
            LS_RETURN_IF_ERROR(Node(child, cv, rep, def, false));
          }
          if (matched != v->size()) {
            return UnknownField(node, *v);
          }
          return OkStatus();
        }
        case NodeShape::kList:
        case NodeShape::kMap:
          return Repeated(node, n.list_repeated, *v, rep, def);
      }
      return OkStatus();
    }

    tl::unexpected<Error> UnknownField(int node, const Json& v) const {
      const SchemaNode& n = schema().node(node);
      for (auto it = v.begin(); it != v.end(); ++it) {
        bool known = false;
        for (int child : n.children) {
          known = known || schema().node(child).name == it.key();
        }
        if (!known) {
          if (node == 0) {
            return InvalidArgument("row {}: unknown field '{}'", row, it.key());
          }
          return Bad(node, "unknown field '{}'", it.key());
        }
      }
      return Bad(node, "unknown field");
    }

    // `owner` is a LIST or MAP group (or a bare repeated field, then owner == repeated) that is
    // present at level `def`.
    Status Repeated(int owner, int repeated, const Json& v, int16_t rep, int16_t def) {
      const SchemaNode& o = schema().node(owner);
      const SchemaNode& r = schema().node(repeated);
      const bool is_map = o.shape == NodeShape::kMap;
      if (is_map) {
        if (v.is_object()) {
          if (v.empty()) {
            impl.EmitNull(owner, rep, def);
            return OkStatus();
          }
          int16_t rep_i = rep;
          for (auto it = v.begin(); it != v.end(); ++it) {
            const Json key(it.key());
            LS_RETURN_IF_ERROR(Node(o.map_key, &key, rep_i, r.max_def, false));
            if (o.map_value >= 0) {
              LS_RETURN_IF_ERROR(Node(o.map_value, &*it, rep_i, r.max_def, false));
            }
            rep_i = r.max_rep;
          }
          return OkStatus();
        }
        if (!v.is_array()) {
          return Bad(owner,
                     "expected a map (an object, or an array of {{\"key\",\"value\"}}), got {}",
                     Describe(v));
        }
        if (v.empty()) {
          impl.EmitNull(owner, rep, def);
          return OkStatus();
        }
        int16_t rep_i = rep;
        for (const auto& entry : v) {
          if (!entry.is_object() || !entry.contains("key")) {
            return Bad(owner, "map entries must be {{\"key\": ..., \"value\": ...}}, got {}",
                       Describe(entry));
          }
          for (auto it = entry.begin(); it != entry.end(); ++it) {
            if (it.key() != "key" && it.key() != "value") {
              return Bad(owner, "map entry has an unknown member '{}'", it.key());
            }
          }
          LS_RETURN_IF_ERROR(Node(o.map_key, &entry["key"], rep_i, r.max_def, false));
          if (o.map_value >= 0) {
            auto it = entry.find("value");
            LS_RETURN_IF_ERROR(
                Node(o.map_value, it == entry.end() ? nullptr : &*it, rep_i, r.max_def, false));
          }
          rep_i = r.max_rep;
        }
        return OkStatus();
      }
      if (!v.is_array()) {
        return Bad(owner, "expected an array, got {}", Describe(v));
      }
      if (v.empty()) {
        impl.EmitNull(owner, rep, def);
        return OkStatus();
      }
      const int element = o.shape == NodeShape::kList ? o.list_element : repeated;
      int16_t rep_i = rep;
      for (const auto& item : v) {
        LS_RETURN_IF_ERROR(Node(element, &item, rep_i, r.max_def, true));
        rep_i = r.max_rep;
      }
      return OkStatus();
    }

    Result<int64_t> Integer(int node, const Json& v, int64_t lo, int64_t hi) const {
      if (v.is_number_unsigned()) {
        const uint64_t u = v.template get<uint64_t>();
        if (u > static_cast<uint64_t>(hi)) {
          return Bad(node, "{} is out of range [{}, {}]", u, lo, hi);
        }
        return static_cast<int64_t>(u);
      }
      if (v.is_number_integer()) {
        const int64_t i = v.template get<int64_t>();
        if (i < lo || i > hi) {
          return Bad(node, "{} is out of range [{}, {}]", i, lo, hi);
        }
        return i;
      }
      if (v.is_number_float() && v.template get<double>() == 0.0 && lo <= 0) {
        return 0;  // "-0"
      }
      return Bad(node, "expected an integer, got {}", Describe(v));
    }

    Result<std::string> Text(int node, const Json& v, std::string_view what) const {
      if (!v.is_string()) {
        return Bad(node, "expected {}, got {}", what, Describe(v));
      }
      return v.template get<std::string>();
    }

    Result<double> Floating(int node, const Json& v) const {
      if (v.is_number()) {
        return v.template get<double>();
      }
      if (v.is_string()) {
        const auto& s = v.template get_ref<const std::string&>();
        if (s == "NaN") {
          return std::numeric_limits<double>::quiet_NaN();
        }
        if (s == "Infinity") {
          return std::numeric_limits<double>::infinity();
        }
        if (s == "-Infinity") {
          return -std::numeric_limits<double>::infinity();
        }
      }
      return Bad(node, "expected a number, \"NaN\", \"Infinity\" or \"-Infinity\", got {}",
                 Describe(v));
    }

    Result<std::string> DecimalBytes(int node, const Json& v, const LogicalType& lt) const {
      std::string text;
      if (v.is_string()) {
        text = v.template get<std::string>();
      } else if (v.is_number_integer()) {
        text = v.dump();
      } else {
        return Bad(node, "expected a decimal string such as \"-12.30\", got {}", Describe(v));
      }
      std::string be;
      int digits = 0;
      if (!ParseDecimalText(text, lt.scale, &be, &digits)) {
        return Bad(node, "'{}' is not a decimal with at most {} fraction digits", text, lt.scale);
      }
      if (digits > lt.precision) {
        return Bad(node, "'{}' has more than {} digits (DECIMAL({},{}))", text, lt.precision,
                   lt.precision, lt.scale);
      }
      return be;
    }

    Result<int64_t> Temporal(int node, const Json& v, const LogicalType& lt) const {
      LS_ASSIGN_OR_RETURN(std::string s, Text(node, v, "a timestamp string"));
      const int digits = FractionDigits(lt.unit);
      int64_t days = 0, ticks = 0;
      if (!ParseTimestampText(s, digits, &days, &ticks)) {
        return Bad(
            node,
            "'{}' is not a timestamp \"YYYY-MM-DDTHH:MM:SS[.f]\" with at most {} fraction digits",
            s, digits);
      }
      int64_t per_day = 86400;
      for (int i = 0; i < digits; ++i) {
        per_day *= 10;
      }
      // The day part alone may pass the int64 range where the sum does not (1677-09-21).
      const __int128 total = static_cast<__int128>(days) * per_day + ticks;
      if (total < std::numeric_limits<int64_t>::min() ||
          total > std::numeric_limits<int64_t>::max()) {
        return Bad(node, "'{}' is out of range", s);
      }
      return static_cast<int64_t>(total);
    }

    Status Leaf(int node, const Json& v, int16_t rep, int16_t def) {
      const SchemaNode& n = schema().node(node);
      ColumnData& c = impl.columns[static_cast<size_t>(n.leaf_index)];
      switch (n.physical) {
        case PhysicalType::kBoolean: {
          if (!v.is_boolean()) {
            return Bad(node, "expected true or false, got {}", Describe(v));
          }
          c.bools.push_back(v.template get<bool>() ? 1 : 0);
          break;
        }
        case PhysicalType::kInt32: {
          LS_ASSIGN_OR_RETURN(int32_t out, Int32Value(node, v));
          c.i32.push_back(out);
          break;
        }
        case PhysicalType::kInt64: {
          LS_ASSIGN_OR_RETURN(int64_t out, Int64Value(node, v));
          c.i64.push_back(out);
          break;
        }
        case PhysicalType::kInt96: {
          LS_ASSIGN_OR_RETURN(Int96 t, Int96Value(node, v));
          c.i96.push_back(t);
          break;
        }
        case PhysicalType::kFloat: {
          LS_ASSIGN_OR_RETURN(double d, Floating(node, v));
          if (std::isfinite(d) && std::fabs(d) > std::numeric_limits<float>::max()) {
            return Bad(node, "{} is out of FLOAT range", d);
          }
          c.f32.push_back(static_cast<float>(d));
          break;
        }
        case PhysicalType::kDouble: {
          LS_ASSIGN_OR_RETURN(double d, Floating(node, v));
          c.f64.push_back(d);
          break;
        }
        case PhysicalType::kByteArray:
        case PhysicalType::kFixedLenByteArray: {
          LS_ASSIGN_OR_RETURN(std::string bytes, BytesValue(node, v));
          if (n.physical == PhysicalType::kFixedLenByteArray &&
              bytes.size() != static_cast<size_t>(n.type_length)) {
            return Bad(node, "value has {} bytes, the column is FIXED_LEN_BYTE_ARRAY({})",
                       bytes.size(), n.type_length);
          }
          c.bytes.push_back(impl.arena.Add(bytes));
          break;
        }
      }
      impl.PushLevels(c, rep, def);
      return OkStatus();
    }

    // An INT32 value: a date, decimal, time, narrow integer or plain int32.
    Result<int32_t> Int32Value(int node, const Json& v) {
      const LogicalType& lt = schema().node(node).logical;
      int32_t out;
      if (lt.kind == LogicalKind::kDate) {
        LS_ASSIGN_OR_RETURN(std::string s, Text(node, v, "a date string"));
        std::string_view sv = s;
        int64_t days;
        if (!ParseDatePart(sv, &days) || !sv.empty()) {
          return Bad(node, "'{}' is not a date \"YYYY-MM-DD\"", s);
        }
        if (days < std::numeric_limits<int32_t>::min() ||
            days > std::numeric_limits<int32_t>::max()) {
          return Bad(node, "'{}' is out of range", s);
        }
        out = static_cast<int32_t>(days);
      } else if (lt.kind == LogicalKind::kDecimal) {
        LS_ASSIGN_OR_RETURN(std::string be, DecimalBytes(node, v, lt));
        out = static_cast<int32_t>(TwosComplementToInt64(be));
      } else if (lt.kind == LogicalKind::kTime) {
        LS_ASSIGN_OR_RETURN(std::string s, Text(node, v, "a time string"));
        std::string_view sv = s;
        int64_t ticks;
        if (!ParseClockPart(sv, FractionDigits(lt.unit), &ticks) || !sv.empty()) {
          return Bad(node, "'{}' is not a time \"HH:MM:SS.fff\"", s);
        }
        out = static_cast<int32_t>(ticks);
      } else if (lt.kind == LogicalKind::kInteger) {
        const int bw = lt.bit_width > 0 && lt.bit_width < 32 ? lt.bit_width : 32;
        const int64_t lo = lt.is_signed ? -(int64_t{1} << (bw - 1)) : 0;
        const int64_t hi = lt.is_signed ? (int64_t{1} << (bw - 1)) - 1 : (int64_t{1} << bw) - 1;
        LS_ASSIGN_OR_RETURN(int64_t i, Integer(node, v, lo, hi));
        out = static_cast<int32_t>(static_cast<uint32_t>(i));
      } else {
        LS_ASSIGN_OR_RETURN(int64_t i, Integer(node, v, std::numeric_limits<int32_t>::min(),
                                               std::numeric_limits<int32_t>::max()));
        out = static_cast<int32_t>(i);
      }
      return out;
    }

    // An INT64 value: a timestamp, decimal, time, unsigned or signed integer.
    Result<int64_t> Int64Value(int node, const Json& v) {
      const LogicalType& lt = schema().node(node).logical;
      int64_t out;
      if (lt.kind == LogicalKind::kTimestamp) {
        LS_ASSIGN_OR_RETURN(out, Temporal(node, v, lt));
      } else if (lt.kind == LogicalKind::kDecimal) {
        LS_ASSIGN_OR_RETURN(std::string be, DecimalBytes(node, v, lt));
        out = TwosComplementToInt64(be);
      } else if (lt.kind == LogicalKind::kTime) {
        LS_ASSIGN_OR_RETURN(std::string s, Text(node, v, "a time string"));
        std::string_view sv = s;
        if (!ParseClockPart(sv, FractionDigits(lt.unit), &out) || !sv.empty()) {
          return Bad(node, "'{}' is not a time \"HH:MM:SS.ffffff\"", s);
        }
      } else if (lt.kind == LogicalKind::kInteger && !lt.is_signed) {
        if (v.is_number_unsigned()) {
          out = static_cast<int64_t>(v.template get<uint64_t>());
        } else if (v.is_number_integer()) {
          return Bad(node, "{} is negative in an unsigned column", v.template get<int64_t>());
        } else {
          return Bad(node, "expected an integer, got {}", Describe(v));
        }
      } else {
        LS_ASSIGN_OR_RETURN(out, Integer(node, v, std::numeric_limits<int64_t>::min(),
                                         std::numeric_limits<int64_t>::max()));
      }
      return out;
    }

    // A legacy INT96 timestamp: nanoseconds of the day, then the Julian day.
    Result<Int96> Int96Value(int node, const Json& v) {
      LS_ASSIGN_OR_RETURN(std::string s, Text(node, v, "a timestamp string"));
      int64_t days, nanos;
      if (!ParseTimestampText(s, 9, &days, &nanos)) {
        return Bad(node, "'{}' is not a timestamp \"YYYY-MM-DDTHH:MM:SS.fffffffff\"", s);
      }
      const int64_t julian = days + kUnixEpochJulianDay;
      if (julian < 0 || julian > std::numeric_limits<uint32_t>::max()) {
        return Bad(node, "'{}' is out of range for INT96", s);
      }
      Int96 t;
      const uint64_t nod = static_cast<uint64_t>(nanos);
      t.words[0] = static_cast<uint32_t>(nod & 0xffffffffu);
      t.words[1] = static_cast<uint32_t>(nod >> 32);
      t.words[2] = static_cast<uint32_t>(julian);
      return t;
    }

    // The bytes of a BYTE_ARRAY or FIXED_LEN_BYTE_ARRAY value, by its logical type.
    Result<std::string> BytesValue(int node, const Json& v) {
      const SchemaNode& n = schema().node(node);
      const LogicalType& lt = n.logical;
      std::string bytes;
      switch (lt.kind) {
        case LogicalKind::kString:
        case LogicalKind::kEnum:
        case LogicalKind::kJson: {
          LS_ASSIGN_OR_RETURN(bytes, Text(node, v, "a string"));
          break;
        }
        case LogicalKind::kDecimal: {
          LS_ASSIGN_OR_RETURN(std::string be, DecimalBytes(node, v, lt));
          if (n.physical == PhysicalType::kFixedLenByteArray) {
            if (!FitTwosComplement(be, static_cast<size_t>(n.type_length), &bytes)) {
              return Bad(node, "decimal does not fit {} bytes", n.type_length);
            }
          } else {
            bytes = std::move(be);
          }
          break;
        }
        case LogicalKind::kUuid: {
          LS_ASSIGN_OR_RETURN(std::string s, Text(node, v, "a UUID string"));
          if (!ParseUuid(s, &bytes)) {
            return Bad(node, "'{}' is not a UUID", s);
          }
          break;
        }
        case LogicalKind::kFloat16: {
          LS_ASSIGN_OR_RETURN(double d, Floating(node, v));
          const uint16_t h = DoubleToHalf(d);
          bytes = {static_cast<char>(h & 0xff), static_cast<char>(h >> 8)};
          break;
        }
        case LogicalKind::kInterval: {
          LS_ASSIGN_OR_RETURN(bytes, IntervalBytes(node, v));
          break;
        }
        default: {
          LS_ASSIGN_OR_RETURN(std::string s, Text(node, v, "a base64 string"));
          auto decoded = Base64Decode(s);
          if (!decoded) {
            return Bad(node, "'{}' is not base64", s.size() > 40 ? s.substr(0, 40) + "..." : s);
          }
          bytes = std::move(*decoded);
          break;
        }
      }
      return bytes;
    }

    // INTERVAL: {"months", "days", "millis"}, three little-endian uint32.
    Result<std::string> IntervalBytes(int node, const Json& v) {
      if (!v.is_object()) {
        return Bad(node, "expected {{\"months\",\"days\",\"millis\"}}, got {}", Describe(v));
      }
      uint32_t w[3];
      const char* names[3] = {"months", "days", "millis"};
      for (int k = 0; k < 3; ++k) {
        auto it = v.find(names[k]);
        if (it == v.end()) {
          return Bad(node, "interval lacks \"{}\"", names[k]);
        }
        LS_ASSIGN_OR_RETURN(int64_t x, Integer(node, *it, 0, std::numeric_limits<uint32_t>::max()));
        w[k] = static_cast<uint32_t>(x);
      }
      return std::string(reinterpret_cast<const char*>(w), 12);
    }
  };

  template <typename Json>
  Status AddRow(const Json& row) {
    const int64_t row_index = rows_seen++;
    if (!row.is_object()) {
      return InvalidArgument("row {}: expected a JSON object, got {}", row_index, Describe(row));
    }
    SaveMarks();
    Run<Json> run{*this, row_index};
    Status st = [&]() -> Status {
      const SchemaNode& root = schema->root();
      size_t matched = 0;
      for (int child : root.children) {
        auto it = row.find(schema->node(child).name);
        const Json* v = nullptr;
        if (it != row.end()) {
          v = &*it;
          ++matched;
        }
        LS_RETURN_IF_ERROR(run.Node(child, v, 0, 0, false));
      }
      if (matched != row.size()) {
        return run.UnknownField(0, row);
      }
      return OkStatus();
    }();
    if (!st) {
      Rollback();
      return st;
    }
    ++rows;
    return OkStatus();
  }
};

RowShredder::RowShredder(const Schema& schema) : impl_(std::make_unique<Impl>(schema)) {}
RowShredder::~RowShredder() = default;
RowShredder::RowShredder(RowShredder&&) noexcept = default;
RowShredder& RowShredder::operator=(RowShredder&&) noexcept = default;

namespace {

// The seam where nlohmann's and the allocator's exceptions become Errors.
template <typename F>
Status Guard(F&& f) {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return MakeError(ErrorCode::kResourceExhausted, "out of memory while shredding rows");
  } catch (const std::exception& e) {
    return MakeError(ErrorCode::kInvalidArgument,
                     fmt::format("cannot shred the row: {}", e.what()));
  }
}

}  // namespace

Status RowShredder::AddRow(const nlohmann::ordered_json& row) {
  return Guard([&] { return impl_->AddRow(row); });
}
Status RowShredder::AddRow(const nlohmann::json& row) {
  return Guard([&] { return impl_->AddRow(row); });
}

Status RowShredder::AddJsonLine(std::string_view line) {
  return Guard([&]() -> Status {
    nlohmann::ordered_json row;
    try {
      auto fixed = SpellNegativeZeros(line);
      row = fixed ? nlohmann::ordered_json::parse(*fixed) : nlohmann::ordered_json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      const int64_t row_index = impl_->rows_seen++;
      return MakeError(ErrorCode::kInvalidArgument,
                       fmt::format("row {}: not valid JSON: {}", row_index, e.what()));
    }
    return impl_->AddRow(row);
  });
}

int64_t RowShredder::num_rows() const { return impl_->rows; }
int64_t RowShredder::rows_seen() const { return impl_->rows_seen; }

int64_t RowShredder::buffered_bytes() const {
  int64_t total = impl_->arena.bytes();
  for (const auto& c : impl_->columns) {
    total += static_cast<int64_t>(c.def_levels.size() + c.rep_levels.size()) * 2;
    total += static_cast<int64_t>(c.bools.size() + c.i32.size() * 4 + c.i64.size() * 8 +
                                  c.i96.size() * 12 + c.f32.size() * 4 + c.f64.size() * 8 +
                                  c.bytes.size() * sizeof(std::string_view));
  }
  return total;
}

std::vector<ColumnData> RowShredder::TakeColumns() {
  std::vector<ColumnData> out = std::move(impl_->columns);
  for (auto& c : out) {
    if (c.type == PhysicalType::kByteArray || c.type == PhysicalType::kFixedLenByteArray) {
      c.buffers.assign(impl_->arena.blocks().begin(), impl_->arena.blocks().end());
    }
  }
  impl_->columns = std::vector<ColumnData>(out.size());
  impl_->ResetColumns();
  return out;
}

}  // namespace lakeshare::parquet
