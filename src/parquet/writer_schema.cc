// The schema side of FileWriter: the field tree builders (Primitive, Struct, List, Map), their
// validation against LogicalTypes.md, and the footer's flattened Thrift schema elements.
#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

#include "parquet/converted_type_internal.h"
#include "parquet/file_writer.h"
#include "parquet/file_writer_internal.h"

namespace lakeshare::parquet {

namespace {

// What every builder sets: the kind, name and repetition of the field.
WriterField Field(WriterField::Kind kind, std::string name, Repetition repetition) {
  WriterField f;
  f.kind = kind;
  f.name = std::move(name);
  f.repetition = repetition;
  return f;
}

}  // namespace

WriterField Primitive(std::string name, PhysicalType physical, LogicalType logical,
                      Repetition repetition, int32_t type_length) {
  WriterField f = Field(WriterField::Kind::kPrimitive, std::move(name), repetition);
  f.physical = physical;
  f.logical = logical;
  f.type_length = type_length;
  return f;
}

WriterField Struct(std::string name, std::vector<WriterField> children, Repetition repetition) {
  WriterField f = Field(WriterField::Kind::kStruct, std::move(name), repetition);
  f.children = std::move(children);
  return f;
}

WriterField List(std::string name, WriterField element, Repetition repetition) {
  WriterField f = Field(WriterField::Kind::kList, std::move(name), repetition);
  element.name = "element";
  f.children.push_back(std::move(element));
  return f;
}

WriterField Map(std::string name, WriterField key, WriterField value, Repetition repetition) {
  WriterField f = Field(WriterField::Kind::kMap, std::move(name), repetition);
  key.name = "key";
  key.repetition = Repetition::kRequired;
  value.name = "value";
  f.children.push_back(std::move(key));
  f.children.push_back(std::move(value));
  return f;
}

LogicalType LogicalOf(LogicalKind kind) {
  LogicalType t;
  t.kind = kind;
  return t;
}
LogicalType StringType() { return LogicalOf(LogicalKind::kString); }
LogicalType JsonType() { return LogicalOf(LogicalKind::kJson); }
LogicalType UuidType() { return LogicalOf(LogicalKind::kUuid); }
LogicalType DateType() { return LogicalOf(LogicalKind::kDate); }
LogicalType IntType(int bit_width, bool is_signed) {
  LogicalType t = LogicalOf(LogicalKind::kInteger);
  t.bit_width = bit_width;
  t.is_signed = is_signed;
  return t;
}
LogicalType DecimalType(int precision, int scale) {
  LogicalType t = LogicalOf(LogicalKind::kDecimal);
  t.precision = precision;
  t.scale = scale;
  return t;
}
namespace {
// TIME or TIMESTAMP: the kind, its unit and whether it is adjusted to UTC.
LogicalType WithUnit(LogicalKind kind, TimeUnit unit, bool adjusted_to_utc) {
  LogicalType t = LogicalOf(kind);
  t.unit = unit;
  t.adjusted_to_utc = adjusted_to_utc;
  return t;
}
}  // namespace
LogicalType TimeType(TimeUnit unit, bool adjusted_to_utc) {
  return WithUnit(LogicalKind::kTime, unit, adjusted_to_utc);
}
LogicalType TimestampType(TimeUnit unit, bool adjusted_to_utc) {
  return WithUnit(LogicalKind::kTimestamp, unit, adjusted_to_utc);
}

// ---------------------------------------------------------------------------------------------
// Schema elements

namespace {

// One element of the footer's flattened schema, before it becomes Thrift.
struct FlatElement {
  std::string name;
  Repetition repetition = Repetition::kRequired;
  bool is_root = false;
  bool is_group = false;
  PhysicalType physical = PhysicalType::kInt32;
  int32_t type_length = 0;
  LogicalType logical;
  int32_t field_id = -1;
  int num_children = 0;
  bool map_key_value = false;  // the legacy MAP_KEY_VALUE annotation of a key_value group
};

format::TimeUnit ThriftUnit(TimeUnit u) {
  format::TimeUnit out;
  switch (u) {
    case TimeUnit::kMillis:
      out.__set_MILLIS(format::MilliSeconds());
      break;
    case TimeUnit::kMicros:
      out.__set_MICROS(format::MicroSeconds());
      break;
    case TimeUnit::kNanos:
      out.__set_NANOS(format::NanoSeconds());
      break;
  }
  return out;
}

// TIME or TIMESTAMP (`ThriftType` is format::TimeType or format::TimestampType) with its unit.
template <typename ThriftType>
ThriftType ThriftWithUnit(const LogicalType& t) {
  ThriftType tt;
  tt.__set_isAdjustedToUTC(t.adjusted_to_utc);
  tt.__set_unit(ThriftUnit(t.unit));
  return tt;
}

// LogicalTypes.md gives each logical type and, where one exists, the legacy ConvertedType that
// older readers understand; both are written so either kind of reader sees the same type.
void SetLogical(const FlatElement& f, format::SchemaElement* e) {
  const LogicalType& t = f.logical;
  format::LogicalType lt;
  bool has_logical = true;
  switch (t.kind) {
    case LogicalKind::kNone:
      has_logical = false;
      break;
    case LogicalKind::kString:
      lt.__set_STRING(format::StringType());
      break;
    case LogicalKind::kEnum:
      lt.__set_ENUM(format::EnumType());
      break;
    case LogicalKind::kJson:
      lt.__set_JSON(format::JsonType());
      break;
    case LogicalKind::kBson:
      lt.__set_BSON(format::BsonType());
      break;
    case LogicalKind::kUuid:
      lt.__set_UUID(format::UUIDType());
      break;
    case LogicalKind::kInteger: {
      format::IntType it;
      it.__set_bitWidth(static_cast<int8_t>(t.bit_width));
      it.__set_isSigned(t.is_signed);
      lt.__set_INTEGER(it);
      break;
    }
    case LogicalKind::kDecimal: {
      format::DecimalType dt;
      dt.__set_precision(t.precision);
      dt.__set_scale(t.scale);
      lt.__set_DECIMAL(dt);
      e->__set_precision(t.precision);
      e->__set_scale(t.scale);
      break;
    }
    case LogicalKind::kDate:
      lt.__set_DATE(format::DateType());
      break;
    case LogicalKind::kTime:
      lt.__set_TIME(ThriftWithUnit<format::TimeType>(t));
      break;
    case LogicalKind::kTimestamp:
      lt.__set_TIMESTAMP(ThriftWithUnit<format::TimestampType>(t));
      break;
    case LogicalKind::kFloat16:
      lt.__set_FLOAT16(format::Float16Type());
      break;
    case LogicalKind::kInterval:
      // INTERVAL has no LogicalType counterpart; only the converted type exists.
      has_logical = false;
      break;
    case LogicalKind::kList:
      lt.__set_LIST(format::ListType());
      break;
    case LogicalKind::kMap:
      if (f.map_key_value) {
        has_logical = false;
      } else {
        lt.__set_MAP(format::MapType());
      }
      break;
    case LogicalKind::kNull:
      lt.__set_UNKNOWN(format::NullType());
      break;
    case LogicalKind::kVariant:
      lt.__set_VARIANT(format::VariantType());
      break;
    case LogicalKind::kGeometry:
      lt.__set_GEOMETRY(format::GeometryType());
      break;
    case LogicalKind::kGeography:
      lt.__set_GEOGRAPHY(format::GeographyType());
      break;
  }
  if (has_logical) {
    e->__set_logicalType(lt);
  }
  if (t.kind == LogicalKind::kMap && f.map_key_value) {
    e->__set_converted_type(format::ConvertedType::MAP_KEY_VALUE);
  } else if (auto converted = ConvertedTypeOf(t)) {
    e->__set_converted_type(*converted);
  }
}

format::SchemaElement ToThrift(const FlatElement& f) {
  format::SchemaElement e;
  e.__set_name(f.name);
  if (!f.is_root) {
    e.__set_repetition_type(static_cast<format::FieldRepetitionType::type>(f.repetition));
  }
  if (f.is_group) {
    e.__set_num_children(f.num_children);
  } else {
    e.__set_type(static_cast<format::Type::type>(f.physical));
    if (f.physical == PhysicalType::kFixedLenByteArray) {
      e.__set_type_length(f.type_length);
    }
  }
  if (f.field_id >= 0) {
    e.__set_field_id(f.field_id);
  }
  SetLogical(f, &e);
  return e;
}

}  // namespace

std::vector<format::SchemaElement> ElementsOf(const Schema& schema) {
  std::vector<format::SchemaElement> out;
  out.reserve(static_cast<size_t>(schema.num_nodes()));
  // Schema::FromThrift keeps the footer's depth-first order: node i is element i.
  for (int i = 0; i < schema.num_nodes(); ++i) {
    const SchemaNode& n = schema.node(i);
    FlatElement f;
    f.name = n.name;
    f.is_root = i == 0;
    f.repetition = n.repetition;
    f.is_group = n.shape != NodeShape::kPrimitive;
    f.physical = n.physical;
    f.type_length = n.type_length;
    f.logical = n.logical;
    f.field_id = n.field_id;
    f.num_children = static_cast<int>(n.children.size());
    if (n.parent > 0 && n.logical.kind == LogicalKind::kMap) {
      const SchemaNode& p = schema.node(n.parent);
      f.map_key_value = p.shape == NodeShape::kMap && p.list_repeated == i;
    }
    out.push_back(ToThrift(f));
  }
  return out;
}

namespace {

// LogicalTypes.md: which physical types each annotation may be applied to.
Status CheckLogical(const std::string& path, const WriterField& f) {
  const LogicalType& t = f.logical;
  const PhysicalType p = f.physical;
  auto bad = [&](std::string_view why) {
    return InvalidArgument("field '{}': {} cannot annotate {}{}", path, LogicalTypeToString(t),
                           PhysicalTypeName(p), why);
  };
  // Annotations legal on one physical type only, or on one FIXED_LEN_BYTE_ARRAY length only.
  auto only = [&](PhysicalType want) { return p == want ? OkStatus() : bad(""); };
  auto only_fixed = [&](int32_t length) {
    return p == PhysicalType::kFixedLenByteArray && f.type_length == length
               ? OkStatus()
               : bad(fmt::format(" (needs FIXED_LEN_BYTE_ARRAY({}))", length));
  };
  switch (t.kind) {
    case LogicalKind::kNone:
      return OkStatus();
    case LogicalKind::kString:
    case LogicalKind::kEnum:
    case LogicalKind::kJson:
    case LogicalKind::kBson:
      return only(PhysicalType::kByteArray);
    case LogicalKind::kUuid:
      return only_fixed(16);
    case LogicalKind::kFloat16:
      return only_fixed(2);
    case LogicalKind::kInterval:
      return only_fixed(12);
    case LogicalKind::kInteger:
      if (t.bit_width != 8 && t.bit_width != 16 && t.bit_width != 32 && t.bit_width != 64) {
        return bad(" (bit width must be 8, 16, 32 or 64)");
      }
      return only(t.bit_width == 64 ? PhysicalType::kInt64 : PhysicalType::kInt32);
    case LogicalKind::kDecimal: {
      if (t.precision < 1 || t.scale < 0 || t.scale > t.precision) {
        return bad(" (need 0 <= scale <= precision, precision >= 1)");
      }
      if (p == PhysicalType::kInt32) {
        return t.precision <= 9 ? OkStatus() : bad(" (precision > 9)");
      }
      if (p == PhysicalType::kInt64) {
        return t.precision <= 18 ? OkStatus() : bad(" (precision > 18)");
      }
      if (p == PhysicalType::kByteArray) {
        return OkStatus();
      }
      if (p == PhysicalType::kFixedLenByteArray) {
        // precision <= floor(log10(2^(8n-1) - 1))
        const double max_digits = std::floor(std::log10(2.0) * (8.0 * f.type_length - 1));
        return t.precision <= max_digits ? OkStatus()
                                         : bad(" (precision too large for the length)");
      }
      return bad("");
    }
    case LogicalKind::kDate:
      return only(PhysicalType::kInt32);
    case LogicalKind::kTime:
      return only(t.unit == TimeUnit::kMillis ? PhysicalType::kInt32 : PhysicalType::kInt64);
    case LogicalKind::kTimestamp:
      return only(PhysicalType::kInt64);
    case LogicalKind::kNull:
      return OkStatus();
    case LogicalKind::kVariant:
    case LogicalKind::kGeometry:
    case LogicalKind::kGeography:
      return only(PhysicalType::kByteArray);
    case LogicalKind::kList:
    case LogicalKind::kMap:
      return bad(" (use List() or Map())");
  }
  return OkStatus();
}

// Whether a field before fields[i] has its name.
bool NamedBefore(const std::vector<WriterField>& fields, size_t i) {
  for (size_t j = 0; j < i; ++j) {
    if (fields[i].name == fields[j].name) {
      return true;
    }
  }
  return false;
}

// A LIST or MAP group `e` and the repeated group below it ("list" with the element,
// "key_value" with the key and the value).
void PushCollection(FlatElement e, LogicalKind kind, std::string repeated_name,
                    int repeated_children, std::vector<FlatElement>* out) {
  e.is_group = true;
  e.num_children = 1;
  e.logical = LogicalOf(kind);
  out->push_back(std::move(e));
  FlatElement rep;
  rep.name = std::move(repeated_name);
  rep.repetition = Repetition::kRepeated;
  rep.is_group = true;
  rep.num_children = repeated_children;
  out->push_back(std::move(rep));
}

Status Flatten(const WriterField& f, const std::string& parent_path,
               std::vector<FlatElement>* out) {
  const std::string path = parent_path.empty() ? f.name : parent_path + "." + f.name;
  if (f.name.empty()) {
    return InvalidArgument("a field under '{}' has no name", parent_path);
  }
  if (static_cast<int>(f.repetition) > 2) {
    return InvalidArgument("field '{}': bad repetition", path);
  }
  FlatElement e;
  e.name = f.name;
  e.repetition = f.repetition;
  e.field_id = f.field_id;
  switch (f.kind) {
    case WriterField::Kind::kPrimitive: {
      if (static_cast<int>(f.physical) > 7) {
        return InvalidArgument("field '{}': bad physical type", path);
      }
      if (f.physical == PhysicalType::kFixedLenByteArray && f.type_length <= 0) {
        return InvalidArgument("field '{}': FIXED_LEN_BYTE_ARRAY needs a positive type_length",
                               path);
      }
      LS_RETURN_IF_ERROR(CheckLogical(path, f));
      e.physical = f.physical;
      e.type_length = f.physical == PhysicalType::kFixedLenByteArray ? f.type_length : 0;
      e.logical = f.logical;
      out->push_back(std::move(e));
      return OkStatus();
    }
    case WriterField::Kind::kStruct: {
      if (f.children.empty()) {
        return InvalidArgument("struct '{}' has no fields", path);
      }
      for (size_t i = 0; i < f.children.size(); ++i) {
        if (NamedBefore(f.children, i)) {
          return InvalidArgument("struct '{}' has two fields named '{}'", path,
                                 f.children[i].name);
        }
      }
      e.is_group = true;
      e.num_children = static_cast<int>(f.children.size());
      out->push_back(std::move(e));
      for (const auto& c : f.children) {
        LS_RETURN_IF_ERROR(Flatten(c, path, out));
      }
      return OkStatus();
    }
    case WriterField::Kind::kList: {
      if (f.children.size() != 1) {
        return InvalidArgument("list '{}' needs exactly one element", path);
      }
      if (f.repetition == Repetition::kRepeated) {
        return InvalidArgument("list '{}' cannot itself be repeated", path);
      }
      if (f.children[0].repetition == Repetition::kRepeated) {
        return InvalidArgument("the element of list '{}' must be required or optional", path);
      }
      PushCollection(std::move(e), LogicalKind::kList, "list", 1, out);
      return Flatten(f.children[0], path + ".list", out);
    }
    case WriterField::Kind::kMap: {
      if (f.children.size() != 2) {
        return InvalidArgument("map '{}' needs a key and a value", path);
      }
      if (f.repetition == Repetition::kRepeated) {
        return InvalidArgument("map '{}' cannot itself be repeated", path);
      }
      if (f.children[0].repetition != Repetition::kRequired) {
        return InvalidArgument("the key of map '{}' must be required", path);
      }
      if (f.children[1].repetition == Repetition::kRepeated) {
        return InvalidArgument("the value of map '{}' must be required or optional", path);
      }
      PushCollection(std::move(e), LogicalKind::kMap, "key_value", 2, out);
      LS_RETURN_IF_ERROR(Flatten(f.children[0], path + ".key_value", out));
      return Flatten(f.children[1], path + ".key_value", out);
    }
  }
  return InvalidArgument("field '{}': unknown kind", path);
}

}  // namespace

Result<WriterSchema> WriterSchema::Make(const std::vector<WriterField>& fields,
                                        std::string root_name) {
  std::vector<FlatElement> flat;
  FlatElement root;
  root.name = std::move(root_name);
  root.is_root = true;
  root.is_group = true;
  root.num_children = static_cast<int>(fields.size());
  flat.push_back(std::move(root));
  for (size_t i = 0; i < fields.size(); ++i) {
    if (NamedBefore(fields, i)) {
      return InvalidArgument("the schema has two fields named '{}'", fields[i].name);
    }
    LS_RETURN_IF_ERROR(Flatten(fields[i], "", &flat));
  }
  std::vector<format::SchemaElement> elements;
  elements.reserve(flat.size());
  for (const auto& f : flat) {
    elements.push_back(ToThrift(f));
  }
  return FromElements(elements);
}

Result<WriterSchema> WriterSchema::FromSchema(const Schema& schema) {
  return FromElements(ElementsOf(schema));
}

Result<WriterSchema> WriterSchema::FromSchema(const Schema& schema,
                                              const std::vector<int>& top_fields,
                                              const std::vector<std::string>& names) {
  const std::vector<format::SchemaElement> all = ElementsOf(schema);
  // Depth-first order: a node's subtree is the run of nodes that follow it up to the next node
  // that is not its descendant.
  auto subtree_end = [&](int node) {
    int end = node + 1;
    while (end < schema.num_nodes()) {
      int p = schema.node(end).parent;
      while (p > node) p = schema.node(p).parent;
      if (p != node) break;
      ++end;
    }
    return end;
  };
  std::vector<format::SchemaElement> out = {all[0]};
  out[0].__set_num_children(static_cast<int32_t>(top_fields.size()));
  for (int top : top_fields) {
    if (top <= 0 || top >= schema.num_nodes() || schema.node(top).parent != 0) {
      return InvalidArgument("node {} is not a top-level field", top);
    }
    for (int i = top; i < subtree_end(top); ++i) {
      out.push_back(all[static_cast<size_t>(i)]);
      if (static_cast<size_t>(i) < names.size() && !names[static_cast<size_t>(i)].empty()) {
        out.back().name = names[static_cast<size_t>(i)];
      }
    }
  }
  return FromElements(out);
}

Result<WriterSchema> WriterSchema::FromElements(
    const std::vector<format::SchemaElement>& elements) {
  auto schema = Schema::FromThrift(elements);
  if (!schema) {
    return InvalidArgument("invalid schema: {}", schema.error().message);
  }
  WriterSchema out;
  out.schema_ = std::move(*schema);
  return out;
}

}  // namespace lakeshare::parquet
