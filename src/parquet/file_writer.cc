#include "parquet/file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>
#include <random>
#include <unordered_map>

#include "common/strings.h"
#include "parquet/compression.h"
#include "parquet/encoding_internal.h"
#include "parquet/thrift_internal.h"

#ifndef LAKESHARE_VERSION
#define LAKESHARE_VERSION "0.1.0"
#endif

namespace lakeshare::parquet {

std::string DefaultCreatedBy() { return "lakeshare version " LAKESHARE_VERSION; }

// ---------------------------------------------------------------------------------------------
// Sinks

Status StringSink::Append(std::string_view bytes) {
  if (closed_) {
    return MakeError(ErrorCode::kInternal, "append to a closed sink");
  }
  out_->append(bytes);
  return OkStatus();
}

Status StringSink::Close() {
  closed_ = true;
  return OkStatus();
}

namespace {

constexpr char kMagic[] = "PAR1";

// A POSIX file descriptor with a write buffer.
class FdSink : public WritableSink {
 public:
  FdSink(int fd, std::string display, std::string temp_path, std::string final_path)
      : fd_(fd),
        display_(std::move(display)),
        temp_path_(std::move(temp_path)),
        final_path_(std::move(final_path)) {
    buffer_.reserve(kBufferSize);
  }
  ~FdSink() override {
    if (!closed_) {
      if (!temp_path_.empty()) {
        ::close(fd_);
        ::unlink(temp_path_.c_str());
      } else {
        (void)Flush();
      }
    }
  }

  Status Append(std::string_view bytes) override {
    if (closed_) {
      return MakeError(ErrorCode::kInternal, "append to a closed sink");
    }
    position_ += static_cast<int64_t>(bytes.size());
    if (buffer_.size() + bytes.size() > kBufferSize) {
      LS_RETURN_IF_ERROR(Flush());
      if (bytes.size() >= kBufferSize) {
        return WriteAll(bytes);
      }
    }
    buffer_.append(bytes);
    return OkStatus();
  }

  int64_t position() const override { return position_; }

  Status Close() override {
    if (closed_) {
      return OkStatus();
    }
    closed_ = true;
    Status st = Flush();
    if (temp_path_.empty()) {
      return st;  // stdout stays open
    }
    if (st && ::fsync(fd_) != 0 && errno != EINVAL) {
      st = Errorf(ErrorCode::kUnavailable, "Failed to write '{}': {}", display_,
                  std::strerror(errno));
    }
    if (::close(fd_) != 0 && st) {
      st = Errorf(ErrorCode::kUnavailable, "Failed to write '{}': {}", display_,
                  std::strerror(errno));
    }
    if (st && ::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
      st = Errorf(ErrorCode::kUnavailable, "Failed to write '{}': rename: {}", display_,
                  std::strerror(errno));
    }
    if (!st) {
      ::unlink(temp_path_.c_str());
    }
    return st;
  }

 private:
  static constexpr size_t kBufferSize = size_t{1} << 20;

  Status Flush() {
    Status st = WriteAll(buffer_);
    buffer_.clear();
    return st;
  }

  Status WriteAll(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return Errorf(ErrorCode::kUnavailable, "Failed to write '{}': {}", display_,
                      std::strerror(errno));
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return OkStatus();
  }

  int fd_;
  std::string display_;
  std::string temp_path_;
  std::string final_path_;
  std::string buffer_;
  int64_t position_ = 0;
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<WritableSink>> OpenLocalFileSink(const std::string& path) {
  std::random_device rd;
  const uint64_t salt = (uint64_t{rd()} << 32) ^ rd();
  const std::string temp = fmt::format("{}.tmp-{:016x}", path, salt);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Errorf(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnavailable,
                  "Failed to create '{}': {}", path, std::strerror(errno));
  }
  return std::unique_ptr<WritableSink>(new FdSink(fd, path, temp, path));
}

std::unique_ptr<WritableSink> MakeStdoutSink() {
  return std::unique_ptr<WritableSink>(new FdSink(STDOUT_FILENO, "<stdout>", "", ""));
}

// ---------------------------------------------------------------------------------------------
// Field tree

WriterField Primitive(std::string name, PhysicalType physical, LogicalType logical,
                      Repetition repetition, int32_t type_length) {
  WriterField f;
  f.kind = WriterField::Kind::kPrimitive;
  f.name = std::move(name);
  f.physical = physical;
  f.logical = logical;
  f.repetition = repetition;
  f.type_length = type_length;
  return f;
}

WriterField Struct(std::string name, std::vector<WriterField> children, Repetition repetition) {
  WriterField f;
  f.kind = WriterField::Kind::kStruct;
  f.name = std::move(name);
  f.repetition = repetition;
  f.children = std::move(children);
  return f;
}

WriterField List(std::string name, WriterField element, Repetition repetition) {
  WriterField f;
  f.kind = WriterField::Kind::kList;
  f.name = std::move(name);
  f.repetition = repetition;
  element.name = "element";
  f.children.push_back(std::move(element));
  return f;
}

WriterField Map(std::string name, WriterField key, WriterField value, Repetition repetition) {
  WriterField f;
  f.kind = WriterField::Kind::kMap;
  f.name = std::move(name);
  f.repetition = repetition;
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
LogicalType TimeType(TimeUnit unit, bool adjusted_to_utc) {
  LogicalType t = LogicalOf(LogicalKind::kTime);
  t.unit = unit;
  t.adjusted_to_utc = adjusted_to_utc;
  return t;
}
LogicalType TimestampType(TimeUnit unit, bool adjusted_to_utc) {
  LogicalType t = LogicalOf(LogicalKind::kTimestamp);
  t.unit = unit;
  t.adjusted_to_utc = adjusted_to_utc;
  return t;
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

// LogicalTypes.md gives each logical type and, where one exists, the legacy ConvertedType that
// older readers understand; both are written so either kind of reader sees the same type.
void SetLogical(const FlatElement& f, format::SchemaElement* e) {
  const LogicalType& t = f.logical;
  format::LogicalType lt;
  bool has_logical = true;
  auto converted = [&](format::ConvertedType::type c) { e->__set_converted_type(c); };
  switch (t.kind) {
    case LogicalKind::kNone:
      has_logical = false;
      break;
    case LogicalKind::kString:
      lt.__set_STRING(format::StringType());
      converted(format::ConvertedType::UTF8);
      break;
    case LogicalKind::kEnum:
      lt.__set_ENUM(format::EnumType());
      converted(format::ConvertedType::ENUM);
      break;
    case LogicalKind::kJson:
      lt.__set_JSON(format::JsonType());
      converted(format::ConvertedType::JSON);
      break;
    case LogicalKind::kBson:
      lt.__set_BSON(format::BsonType());
      converted(format::ConvertedType::BSON);
      break;
    case LogicalKind::kUuid:
      lt.__set_UUID(format::UUIDType());
      break;
    case LogicalKind::kInteger: {
      format::IntType it;
      it.__set_bitWidth(static_cast<int8_t>(t.bit_width));
      it.__set_isSigned(t.is_signed);
      lt.__set_INTEGER(it);
      using C = format::ConvertedType;
      switch (t.bit_width) {
        case 8:
          converted(t.is_signed ? C::INT_8 : C::UINT_8);
          break;
        case 16:
          converted(t.is_signed ? C::INT_16 : C::UINT_16);
          break;
        case 32:
          converted(t.is_signed ? C::INT_32 : C::UINT_32);
          break;
        case 64:
          converted(t.is_signed ? C::INT_64 : C::UINT_64);
          break;
        default:
          break;
      }
      break;
    }
    case LogicalKind::kDecimal: {
      format::DecimalType dt;
      dt.__set_precision(t.precision);
      dt.__set_scale(t.scale);
      lt.__set_DECIMAL(dt);
      converted(format::ConvertedType::DECIMAL);
      e->__set_precision(t.precision);
      e->__set_scale(t.scale);
      break;
    }
    case LogicalKind::kDate:
      lt.__set_DATE(format::DateType());
      converted(format::ConvertedType::DATE);
      break;
    case LogicalKind::kTime: {
      format::TimeType tt;
      tt.__set_isAdjustedToUTC(t.adjusted_to_utc);
      tt.__set_unit(ThriftUnit(t.unit));
      lt.__set_TIME(tt);
      // "TIME_MILLIS/TIME_MICROS ... compatible with isAdjustedToUTC = true" only.
      if (t.adjusted_to_utc && t.unit == TimeUnit::kMillis) {
        converted(format::ConvertedType::TIME_MILLIS);
      }
      if (t.adjusted_to_utc && t.unit == TimeUnit::kMicros) {
        converted(format::ConvertedType::TIME_MICROS);
      }
      break;
    }
    case LogicalKind::kTimestamp: {
      format::TimestampType tt;
      tt.__set_isAdjustedToUTC(t.adjusted_to_utc);
      tt.__set_unit(ThriftUnit(t.unit));
      lt.__set_TIMESTAMP(tt);
      if (t.adjusted_to_utc && t.unit == TimeUnit::kMillis) {
        converted(format::ConvertedType::TIMESTAMP_MILLIS);
      }
      if (t.adjusted_to_utc && t.unit == TimeUnit::kMicros) {
        converted(format::ConvertedType::TIMESTAMP_MICROS);
      }
      break;
    }
    case LogicalKind::kFloat16:
      lt.__set_FLOAT16(format::Float16Type());
      break;
    case LogicalKind::kInterval:
      // INTERVAL has no LogicalType counterpart; only the converted type exists.
      has_logical = false;
      converted(format::ConvertedType::INTERVAL);
      break;
    case LogicalKind::kList:
      lt.__set_LIST(format::ListType());
      converted(format::ConvertedType::LIST);
      break;
    case LogicalKind::kMap:
      if (f.map_key_value) {
        has_logical = false;
        converted(format::ConvertedType::MAP_KEY_VALUE);
      } else {
        lt.__set_MAP(format::MapType());
        converted(format::ConvertedType::MAP);
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

// LogicalTypes.md: which physical types each annotation may be applied to.
Status CheckLogical(const std::string& path, const WriterField& f) {
  const LogicalType& t = f.logical;
  const PhysicalType p = f.physical;
  auto bad = [&](std::string_view why) {
    return InvalidArgument("field '{}': {} cannot annotate {}{}", path, LogicalTypeToString(t),
                           PhysicalTypeName(p), why);
  };
  switch (t.kind) {
    case LogicalKind::kNone:
      return OkStatus();
    case LogicalKind::kString:
    case LogicalKind::kEnum:
    case LogicalKind::kJson:
    case LogicalKind::kBson:
      return p == PhysicalType::kByteArray ? OkStatus() : bad("");
    case LogicalKind::kUuid:
      return p == PhysicalType::kFixedLenByteArray && f.type_length == 16
                 ? OkStatus()
                 : bad(" (needs FIXED_LEN_BYTE_ARRAY(16))");
    case LogicalKind::kFloat16:
      return p == PhysicalType::kFixedLenByteArray && f.type_length == 2
                 ? OkStatus()
                 : bad(" (needs FIXED_LEN_BYTE_ARRAY(2))");
    case LogicalKind::kInterval:
      return p == PhysicalType::kFixedLenByteArray && f.type_length == 12
                 ? OkStatus()
                 : bad(" (needs FIXED_LEN_BYTE_ARRAY(12))");
    case LogicalKind::kInteger:
      if (t.bit_width != 8 && t.bit_width != 16 && t.bit_width != 32 && t.bit_width != 64) {
        return bad(" (bit width must be 8, 16, 32 or 64)");
      }
      if (t.bit_width == 64) {
        return p == PhysicalType::kInt64 ? OkStatus() : bad("");
      }
      return p == PhysicalType::kInt32 ? OkStatus() : bad("");
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
      return p == PhysicalType::kInt32 ? OkStatus() : bad("");
    case LogicalKind::kTime:
      if (t.unit == TimeUnit::kMillis) {
        return p == PhysicalType::kInt32 ? OkStatus() : bad("");
      }
      return p == PhysicalType::kInt64 ? OkStatus() : bad("");
    case LogicalKind::kTimestamp:
      return p == PhysicalType::kInt64 ? OkStatus() : bad("");
    case LogicalKind::kNull:
      return OkStatus();
    case LogicalKind::kVariant:
    case LogicalKind::kGeometry:
    case LogicalKind::kGeography:
      return p == PhysicalType::kByteArray ? OkStatus() : bad("");
    case LogicalKind::kList:
    case LogicalKind::kMap:
      return bad(" (use List() or Map())");
  }
  return OkStatus();
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
        for (size_t j = 0; j < i; ++j) {
          if (f.children[i].name == f.children[j].name) {
            return InvalidArgument("struct '{}' has two fields named '{}'", path,
                                   f.children[i].name);
          }
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
      e.is_group = true;
      e.num_children = 1;
      e.logical = LogicalOf(LogicalKind::kList);
      out->push_back(std::move(e));
      FlatElement rep;
      rep.name = "list";
      rep.repetition = Repetition::kRepeated;
      rep.is_group = true;
      rep.num_children = 1;
      out->push_back(std::move(rep));
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
      e.is_group = true;
      e.num_children = 1;
      e.logical = LogicalOf(LogicalKind::kMap);
      out->push_back(std::move(e));
      FlatElement kv;
      kv.name = "key_value";
      kv.repetition = Repetition::kRepeated;
      kv.is_group = true;
      kv.num_children = 2;
      out->push_back(std::move(kv));
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
    for (size_t j = 0; j < i; ++j) {
      if (fields[i].name == fields[j].name) {
        return InvalidArgument("the schema has two fields named '{}'", fields[i].name);
      }
    }
    LS_RETURN_IF_ERROR(Flatten(fields[i], "", &flat));
  }
  std::vector<format::SchemaElement> elements;
  elements.reserve(flat.size());
  for (const auto& f : flat) {
    elements.push_back(ToThrift(f));
  }
  auto schema = Schema::FromThrift(elements);
  if (!schema) {
    return InvalidArgument("invalid schema: {}", schema.error().message);
  }
  WriterSchema out;
  out.schema_ = std::move(*schema);
  return out;
}

Result<WriterSchema> WriterSchema::FromSchema(const Schema& schema) {
  auto copy = Schema::FromThrift(ElementsOf(schema));
  if (!copy) {
    return InvalidArgument("invalid schema: {}", copy.error().message);
  }
  WriterSchema out;
  out.schema_ = std::move(*copy);
  return out;
}

Result<WriterSchema> WriterSchema::FromSchema(const Schema& schema, const std::vector<int>& top_fields,
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
  auto copy = Schema::FromThrift(out);
  if (!copy) {
    return InvalidArgument("invalid schema: {}", copy.error().message);
  }
  WriterSchema result;
  result.schema_ = std::move(*copy);
  return result;
}

Result<Compression> ParseCompression(std::string_view name) {
  const std::string n = ToLower(name);
  if (n == "snappy") {
    return Compression::kSnappy;
  }
  if (n == "zstd") {
    return Compression::kZstd;
  }
  if (n == "gzip") {
    return Compression::kGzip;
  }
  if (n == "lz4_raw" || n == "lz4raw") {
    return Compression::kLz4Raw;
  }
  if (n == "none" || n == "uncompressed") {
    return Compression::kUncompressed;
  }
  return InvalidArgument("unknown compression '{}' (snappy, zstd, gzip, lz4_raw or none)", name);
}

int64_t CountRows(const ColumnData& c) {
  if (c.rep_levels.empty()) {
    return c.num_entries;
  }
  return std::count(c.rep_levels.begin(), c.rep_levels.end(), int16_t{0});
}

// ---------------------------------------------------------------------------------------------
// Column chunks

namespace {

int BitWidth(uint64_t max_value) {
  int w = 0;
  while (max_value > 0) {
    ++w;
    max_value >>= 1;
  }
  return w;
}

void AppendLe32(uint32_t v, std::string* out) {
  char b[4];
  std::memcpy(b, &v, 4);
  out->append(b, 4);
}

// Fixed byte width of a value (0 for BYTE_ARRAY).
size_t FixedWidth(const SchemaNode& leaf) {
  switch (leaf.physical) {
    case PhysicalType::kBoolean:
      return 1;
    case PhysicalType::kInt32:
    case PhysicalType::kFloat:
      return 4;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble:
      return 8;
    case PhysicalType::kInt96:
      return 12;
    case PhysicalType::kFixedLenByteArray:
      return static_cast<size_t>(leaf.type_length);
    case PhysicalType::kByteArray:
      return 0;
  }
  return 0;
}

// The bytes of value i as stored in memory (the dictionary's key, PLAIN's payload for fixed
// widths, the statistics' bytes).
std::string_view ValueBytes(const ColumnData& c, size_t i) {
  switch (c.type) {
    case PhysicalType::kBoolean:
      return {reinterpret_cast<const char*>(&c.bools[i]), 1};
    case PhysicalType::kInt32:
      return {reinterpret_cast<const char*>(&c.i32[i]), 4};
    case PhysicalType::kInt64:
      return {reinterpret_cast<const char*>(&c.i64[i]), 8};
    case PhysicalType::kInt96:
      return {reinterpret_cast<const char*>(&c.i96[i]), 12};
    case PhysicalType::kFloat:
      return {reinterpret_cast<const char*>(&c.f32[i]), 4};
    case PhysicalType::kDouble:
      return {reinterpret_cast<const char*>(&c.f64[i]), 8};
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray:
      return c.bytes[i];
  }
  return {};
}

int64_t PlainSize(const ColumnData& c, size_t i) {
  if (c.type == PhysicalType::kByteArray) {
    return 4 + static_cast<int64_t>(c.bytes[i].size());
  }
  if (c.type == PhysicalType::kBoolean) {
    return 1;  // an upper bound (bit-packed)
  }
  return static_cast<int64_t>(ValueBytes(c, i).size());
}

// PLAIN encoding (Encodings.md, "Plain") of the values at `indices` (or [begin, end)).
void AppendPlainRange(const ColumnData& c, size_t begin, size_t end, std::string* out) {
  if (c.type == PhysicalType::kBoolean) {
    const size_t base = out->size();
    out->resize(base + (end - begin + 7) / 8, '\0');
    for (size_t i = begin; i < end; ++i) {
      if (c.bools[i]) {
        (*out)[base + (i - begin) / 8] |= static_cast<char>(1u << ((i - begin) % 8));
      }
    }
    return;
  }
  if (c.type == PhysicalType::kByteArray) {
    for (size_t i = begin; i < end; ++i) {
      AppendLe32(static_cast<uint32_t>(c.bytes[i].size()), out);
      out->append(c.bytes[i]);
    }
    return;
  }
  if (c.type == PhysicalType::kFixedLenByteArray) {
    for (size_t i = begin; i < end; ++i) {
      out->append(c.bytes[i]);
    }
    return;
  }
  if (begin == end) {
    return;
  }
  const std::string_view first = ValueBytes(c, begin);
  out->append(first.data(), first.size() * (end - begin));
}

void AppendPlainValue(const ColumnData& c, size_t i, std::string* out) {
  if (c.type == PhysicalType::kByteArray) {
    AppendLe32(static_cast<uint32_t>(c.bytes[i].size()), out);
  }
  out->append(ValueBytes(c, i));
}

// ----- statistics ----------------------------------------------------------------------------

// The type-defined sort order of a column (parquet.thrift, ColumnOrder / TypeDefinedOrder).
enum class Order : uint8_t {
  kNone,          // undefined (INT96, INTERVAL): no min/max
  kSigned,        // signed integers
  kUnsigned,      // booleans, unsigned integers
  kFloat,         // IEEE 754 ignoring NaN
  kBytes,         // unsigned byte-wise lexicographic
  kDecimalBytes,  // big-endian two's complement
  kHalf,          // FLOAT16 in a FIXED_LEN_BYTE_ARRAY(2)
};

Order OrderOf(const SchemaNode& leaf) {
  const LogicalKind k = leaf.logical.kind;
  switch (leaf.physical) {
    case PhysicalType::kBoolean:
      return Order::kUnsigned;
    case PhysicalType::kInt32:
    case PhysicalType::kInt64:
      return k == LogicalKind::kInteger && !leaf.logical.is_signed ? Order::kUnsigned
                                                                   : Order::kSigned;
    case PhysicalType::kInt96:
      return Order::kNone;
    case PhysicalType::kFloat:
    case PhysicalType::kDouble:
      return Order::kFloat;
    case PhysicalType::kByteArray:
      return k == LogicalKind::kDecimal ? Order::kDecimalBytes : Order::kBytes;
    case PhysicalType::kFixedLenByteArray:
      if (k == LogicalKind::kDecimal) {
        return Order::kDecimalBytes;
      }
      if (k == LogicalKind::kFloat16) {
        return Order::kHalf;
      }
      if (k == LogicalKind::kInterval) {
        return Order::kNone;
      }
      return Order::kBytes;
  }
  return Order::kNone;
}

int CompareBytes(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  int c = n == 0 ? 0 : std::memcmp(a.data(), b.data(), n);
  if (c != 0) {
    return c;
  }
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

int CompareDecimalBytes(std::string_view a, std::string_view b) {
  const bool na = !a.empty() && (static_cast<uint8_t>(a[0]) & 0x80);
  const bool nb = !b.empty() && (static_cast<uint8_t>(b[0]) & 0x80);
  if (na != nb) {
    return na ? -1 : 1;
  }
  // Same sign: sign-extend to one length, then the unsigned byte order is the numeric order.
  const size_t n = std::max(a.size(), b.size());
  const uint8_t fill = na ? 0xff : 0x00;
  for (size_t k = 0; k < n; ++k) {
    const size_t pa = n - a.size(), pb = n - b.size();
    uint8_t x = k < pa ? fill : static_cast<uint8_t>(a[k - pa]);
    uint8_t y = k < pb ? fill : static_cast<uint8_t>(b[k - pb]);
    if (x != y) {
      return x < y ? -1 : 1;
    }
  }
  return 0;
}

double HalfBytesToDouble(std::string_view b) {
  const uint16_t h =
      static_cast<uint16_t>(static_cast<uint8_t>(b[0]) | (static_cast<uint8_t>(b[1]) << 8));
  const int exp = (h >> 10) & 0x1f;
  const int mant = h & 0x3ff;
  double v;
  if (exp == 0) {
    v = std::ldexp(mant, -24);
  } else if (exp == 31) {
    v = mant ? std::nan("") : INFINITY;
  } else {
    v = std::ldexp(mant + 1024, exp - 25);
  }
  return (h & 0x8000) ? -v : v;
}

// Min and max value indices of one range, under a column's order.
struct MinMax {
  int64_t min = -1;
  int64_t max = -1;
};

class StatsComputer {
 public:
  StatsComputer(const SchemaNode& leaf, const ColumnData& c) : c_(c), order_(OrderOf(leaf)) {}

  Order order() const { return order_; }

  // Negative when value a sorts before value b.
  int Compare(size_t a, size_t b) const {
    switch (order_) {
      case Order::kNone:
        return 0;
      case Order::kSigned:
        if (c_.type == PhysicalType::kInt32) {
          return Cmp(c_.i32[a], c_.i32[b]);
        }
        return Cmp(c_.i64[a], c_.i64[b]);
      case Order::kUnsigned:
        if (c_.type == PhysicalType::kBoolean) {
          return Cmp(c_.bools[a] != 0, c_.bools[b] != 0);
        }
        if (c_.type == PhysicalType::kInt32) {
          return Cmp(static_cast<uint32_t>(c_.i32[a]), static_cast<uint32_t>(c_.i32[b]));
        }
        return Cmp(static_cast<uint64_t>(c_.i64[a]), static_cast<uint64_t>(c_.i64[b]));
      case Order::kFloat:
        if (c_.type == PhysicalType::kFloat) {
          return Cmp(c_.f32[a], c_.f32[b]);
        }
        return Cmp(c_.f64[a], c_.f64[b]);
      case Order::kBytes:
        return CompareBytes(c_.bytes[a], c_.bytes[b]);
      case Order::kDecimalBytes:
        return CompareDecimalBytes(c_.bytes[a], c_.bytes[b]);
      case Order::kHalf:
        return Cmp(HalfBytesToDouble(c_.bytes[a]), HalfBytesToDouble(c_.bytes[b]));
    }
    return 0;
  }

  // NaN takes no part in min/max ("NaN ... should not be used for min/max").
  bool Skip(size_t i) const {
    if (order_ == Order::kFloat) {
      return c_.type == PhysicalType::kFloat ? std::isnan(c_.f32[i]) : std::isnan(c_.f64[i]);
    }
    if (order_ == Order::kHalf) {
      return std::isnan(HalfBytesToDouble(c_.bytes[i]));
    }
    return false;
  }

  MinMax Range(size_t begin, size_t end) const {
    MinMax mm;
    if (order_ == Order::kNone) {
      return mm;
    }
    for (size_t i = begin; i < end; ++i) {
      if (Skip(i)) {
        continue;
      }
      if (mm.min < 0) {
        mm.min = mm.max = static_cast<int64_t>(i);
        continue;
      }
      if (Compare(i, static_cast<size_t>(mm.min)) < 0) {
        mm.min = static_cast<int64_t>(i);
      }
      if (Compare(i, static_cast<size_t>(mm.max)) > 0) {
        mm.max = static_cast<int64_t>(i);
      }
    }
    return mm;
  }

  MinMax Merge(MinMax a, MinMax b) const {
    if (a.min < 0) {
      return b;
    }
    if (b.min < 0) {
      return a;
    }
    MinMax out = a;
    if (Compare(static_cast<size_t>(b.min), static_cast<size_t>(a.min)) < 0) {
      out.min = b.min;
    }
    if (Compare(static_cast<size_t>(b.max), static_cast<size_t>(a.max)) > 0) {
      out.max = b.max;
    }
    return out;
  }

 private:
  template <typename T>
  static int Cmp(T a, T b) {
    return a < b ? -1 : (b < a ? 1 : 0);
  }

  const ColumnData& c_;
  Order order_;
};

bool IsUtf8Logical(const SchemaNode& leaf) {
  const LogicalKind k = leaf.logical.kind;
  return k == LogicalKind::kString || k == LogicalKind::kEnum || k == LogicalKind::kJson;
}

bool IsContinuation(char c) { return (static_cast<uint8_t>(c) & 0xC0) == 0x80; }

// Largest prefix of at most `limit` bytes that ends on a character boundary (for UTF-8).
std::string_view TruncatePrefix(std::string_view s, size_t limit, bool utf8) {
  if (s.size() <= limit) {
    return s;
  }
  size_t n = limit;
  if (utf8) {
    while (n > 0 && IsContinuation(s[n])) {
      --n;
    }
  }
  return s.substr(0, n);
}

// Decode the last UTF-8 character of `s` (valid or not: nullopt when not decodable).
bool PopLastCodePoint(std::string* s, uint32_t* cp) {
  size_t start = s->size();
  while (start > 0 && IsContinuation((*s)[start - 1])) {
    --start;
  }
  if (start == 0) {
    return false;
  }
  --start;
  const auto lead = static_cast<uint8_t>((*s)[start]);
  const size_t len = s->size() - start;
  size_t want;
  uint32_t v;
  if (lead < 0x80) {
    want = 1;
    v = lead;
  } else if ((lead & 0xE0) == 0xC0) {
    want = 2;
    v = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    want = 3;
    v = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    want = 4;
    v = lead & 0x07;
  } else {
    return false;
  }
  if (len != want) {
    return false;
  }
  for (size_t k = 1; k < len; ++k) {
    v = (v << 6) | (static_cast<uint8_t>((*s)[start + k]) & 0x3F);
  }
  s->resize(start);
  *cp = v;
  return true;
}

void AppendUtf8(uint32_t cp, std::string* s) {
  if (cp < 0x80) {
    s->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    s->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    s->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    s->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The smallest value of at most `limit` bytes that is >= every string starting with the
// truncated prefix of `s`: the prefix with its last character (UTF-8) or byte incremented.
std::optional<std::string> TruncateUpper(std::string_view s, size_t limit, bool utf8) {
  std::string out(TruncatePrefix(s, limit, utf8));
  if (utf8) {
    while (!out.empty()) {
      std::string before = out;
      uint32_t cp;
      if (!PopLastCodePoint(&out, &cp)) {
        out = std::move(before);
        break;  // not valid UTF-8: fall back to bytes
      }
      uint32_t next = cp + 1;
      if (next >= 0xD800 && next <= 0xDFFF) {
        next = 0xE000;
      }
      if (next <= 0x10FFFF) {
        AppendUtf8(next, &out);
        if (out.size() <= limit) {
          return out;
        }
        out.resize(out.size() - (next < 0x80 ? 1 : next < 0x800 ? 2 : next < 0x10000 ? 3 : 4));
      }
      // This character cannot grow within the limit: drop it and increment the one before.
    }
    if (out.empty()) {
      return std::nullopt;
    }
  }
  while (!out.empty()) {
    auto& b = reinterpret_cast<uint8_t&>(out.back());
    if (b != 0xff) {
      ++b;
      return out;
    }
    out.pop_back();
  }
  return std::nullopt;
}

std::string StatBytes(const ColumnData& c, size_t i) { return std::string(ValueBytes(c, i)); }

// Statistics of a page or chunk as Thrift, from min/max indices and a null count.
format::Statistics MakeStatistics(const SchemaNode& leaf, const ColumnData& c,
                                  const StatsComputer& sc, MinMax mm, int64_t null_count,
                                  int64_t truncate_length) {
  format::Statistics s;
  s.__set_null_count(null_count);
  if (mm.min < 0) {
    return s;
  }
  std::string min = StatBytes(c, static_cast<size_t>(mm.min));
  std::string max = StatBytes(c, static_cast<size_t>(mm.max));
  bool min_exact = true;
  bool max_exact = true;
  if (sc.order() == Order::kFloat) {
    // "When writing statistics ... if the min is a zero, write -0.0; if the max is a zero, +0.0"
    // (parquet.thrift, ColumnOrder notes on floating point).
    if (c.type == PhysicalType::kFloat) {
      float lo = c.f32[static_cast<size_t>(mm.min)], hi = c.f32[static_cast<size_t>(mm.max)];
      if (lo == 0.0f) {
        lo = -0.0f;
      }
      if (hi == 0.0f) {
        hi = +0.0f;
      }
      std::memcpy(min.data(), &lo, 4);
      std::memcpy(max.data(), &hi, 4);
    } else {
      double lo = c.f64[static_cast<size_t>(mm.min)], hi = c.f64[static_cast<size_t>(mm.max)];
      if (lo == 0.0) {
        lo = -0.0;
      }
      if (hi == 0.0) {
        hi = +0.0;
      }
      std::memcpy(min.data(), &lo, 8);
      std::memcpy(max.data(), &hi, 8);
    }
  }
  if (c.type == PhysicalType::kBoolean) {
    min = std::string(1, static_cast<char>(c.bools[static_cast<size_t>(mm.min)] != 0));
    max = std::string(1, static_cast<char>(c.bools[static_cast<size_t>(mm.max)] != 0));
  }
  if (sc.order() == Order::kBytes && c.type == PhysicalType::kByteArray && truncate_length > 0) {
    const size_t limit = static_cast<size_t>(truncate_length);
    const bool utf8 = IsUtf8Logical(leaf);
    if (min.size() > limit) {
      min = std::string(TruncatePrefix(min, limit, utf8));
      min_exact = false;
    }
    if (max.size() > limit) {
      auto upper = TruncateUpper(max, limit, utf8);
      if (!upper) {
        s.__set_min_value(min);
        s.__set_is_min_value_exact(min_exact);
        return s;  // no bound fits: leave max out
      }
      max = std::move(*upper);
      max_exact = false;
    }
  }
  s.__set_min_value(min);
  s.__set_max_value(max);
  s.__set_is_min_value_exact(min_exact);
  s.__set_is_max_value_exact(max_exact);
  // The deprecated min/max are signed comparisons; older readers still use them for the types
  // whose order that is.
  if (sc.order() == Order::kSigned || sc.order() == Order::kFloat ||
      c.type == PhysicalType::kBoolean) {
    s.__set_min(min);
    s.__set_max(max);
  }
  return s;
}

// ----- validation ------------------------------------------------------------------------------

Status ValidateColumn(const Schema& schema, int leaf_idx, const ColumnData& c) {
  const int node_idx = schema.leaf_node(leaf_idx);
  const SchemaNode& leaf = schema.node(node_idx);
  const std::string path = schema.Path(node_idx);
  auto bad = [&](std::string why) {
    return InvalidArgument("column '{}' cannot be written: {}", path, why);
  };
  if (c.type != leaf.physical) {
    return bad(fmt::format("data is {}, the schema says {}", PhysicalTypeName(c.type),
                           PhysicalTypeName(leaf.physical)));
  }
  if (c.max_def != leaf.max_def || c.max_rep != leaf.max_rep) {
    return bad(fmt::format("data has max levels def {} rep {}, the schema def {} rep {}", c.max_def,
                           c.max_rep, leaf.max_def, leaf.max_rep));
  }
  if (c.num_entries < 0) {
    return bad("negative entry count");
  }
  const size_t n = static_cast<size_t>(c.num_entries);
  if (!c.def_levels.empty() && c.def_levels.size() != n) {
    return bad(fmt::format("{} definition levels for {} entries", c.def_levels.size(), n));
  }
  if (!c.rep_levels.empty() && c.rep_levels.size() != n) {
    return bad(fmt::format("{} repetition levels for {} entries", c.rep_levels.size(), n));
  }
  // The definition level of the r-th repeated ancestor: an entry continuing a list at depth r
  // must at least be inside that list.
  std::vector<int16_t> rep_def(static_cast<size_t>(leaf.max_rep) + 1, 0);
  for (int i = node_idx; i > 0; i = schema.node(i).parent) {
    const SchemaNode& a = schema.node(i);
    if (a.repetition == Repetition::kRepeated) {
      rep_def[static_cast<size_t>(a.max_rep)] = a.max_def;
    }
  }
  int64_t defined = 0;
  for (size_t i = 0; i < n; ++i) {
    const int16_t d = c.def_levels.empty() ? leaf.max_def : c.def_levels[i];
    const int16_t r = c.rep_levels.empty() ? 0 : c.rep_levels[i];
    if (d < 0 || d > leaf.max_def) {
      return bad(fmt::format("definition level {} at entry {}", d, i));
    }
    if (r < 0 || r > leaf.max_rep) {
      return bad(fmt::format("repetition level {} at entry {}", r, i));
    }
    if (i == 0 && r != 0) {
      return bad("the first entry does not start a row");
    }
    if (r > 0 && d < rep_def[static_cast<size_t>(r)]) {
      return bad(fmt::format("entry {} repeats level {} but its definition level {} is below {}", i,
                             r, d, rep_def[static_cast<size_t>(r)]));
    }
    if (d == leaf.max_def) {
      ++defined;
    }
  }
  if (c.num_values() != defined) {
    return bad(fmt::format("{} values for {} defined entries", c.num_values(), defined));
  }
  if (leaf.physical == PhysicalType::kFixedLenByteArray) {
    for (size_t i = 0; i < c.bytes.size(); ++i) {
      if (c.bytes[i].size() != static_cast<size_t>(leaf.type_length)) {
        return bad(fmt::format("value {} has {} bytes, FIXED_LEN_BYTE_ARRAY({})", i,
                               c.bytes[i].size(), leaf.type_length));
      }
    }
  }
  if (leaf.physical == PhysicalType::kByteArray) {
    for (size_t i = 0; i < c.bytes.size(); ++i) {
      if (c.bytes[i].size() > std::numeric_limits<int32_t>::max()) {
        return bad(fmt::format("value {} is larger than 2 GiB", i));
      }
    }
  }
  return OkStatus();
}

// ----- pages -----------------------------------------------------------------------------------

struct PageSpan {
  size_t entry_begin, entry_end;
  size_t value_begin, value_end;
  int64_t rows;
};

// Split a chunk into pages that end at row boundaries.
std::vector<PageSpan> SplitPages(const ColumnData& c, const SchemaNode& leaf,
                                 const WriterOptions& opt) {
  std::vector<PageSpan> pages;
  const size_t n = static_cast<size_t>(c.num_entries);
  const size_t fixed = FixedWidth(leaf);
  PageSpan cur{0, 0, 0, 0, 0};
  int64_t bytes = 0;
  size_t value = 0;
  for (size_t i = 0; i < n; ++i) {
    const bool new_row = c.rep_levels.empty() || c.rep_levels[i] == 0;
    if (new_row && i > cur.entry_begin &&
        (bytes >= opt.data_page_size || cur.rows >= opt.data_page_max_rows ||
         i - cur.entry_begin >= (size_t{1} << 30))) {
      cur.entry_end = i;
      cur.value_end = value;
      pages.push_back(cur);
      cur = PageSpan{i, 0, value, 0, 0};
      bytes = 0;
    }
    if (new_row) {
      ++cur.rows;
    }
    const bool defined = c.def_levels.empty() || c.def_levels[i] == leaf.max_def;
    if (defined) {
      bytes += fixed != 0 ? static_cast<int64_t>(fixed)
                          : 4 + static_cast<int64_t>(c.bytes[value].size());
      ++value;
    }
  }
  cur.entry_end = n;
  cur.value_end = value;
  pages.push_back(cur);
  return pages;
}

// A chunk's dictionary: distinct values (as indices of their first occurrence) in insertion order.
class Dictionary {
 public:
  explicit Dictionary(const ColumnData& c) : c_(c) {}

  uint32_t Insert(size_t value) {
    auto [it, inserted] =
        index_.try_emplace(ValueBytes(c_, value), static_cast<uint32_t>(entries_.size()));
    if (inserted) {
      entries_.push_back(value);
      plain_bytes_ += PlainSize(c_, value);
    }
    return it->second;
  }
  // Forget the entries added after the dictionary had `size` entries.
  void Truncate(size_t size) {
    while (entries_.size() > size) {
      index_.erase(ValueBytes(c_, entries_.back()));
      plain_bytes_ -= PlainSize(c_, entries_.back());
      entries_.pop_back();
    }
  }
  size_t size() const { return entries_.size(); }
  int64_t plain_bytes() const { return plain_bytes_; }
  std::string EncodePlain() const {
    std::string out;
    out.reserve(static_cast<size_t>(plain_bytes_));
    for (size_t v : entries_) {
      AppendPlainValue(c_, v, &out);
    }
    return out;
  }

 private:
  const ColumnData& c_;
  std::unordered_map<std::string_view, uint32_t> index_;
  std::vector<size_t> entries_;
  int64_t plain_bytes_ = 0;
};

// Levels of entries [begin, end) with the RLE hybrid; an empty vector means all `fill`.
void EncodeLevels(const std::vector<int16_t>& levels, int16_t fill, size_t begin, size_t end,
                  int16_t max_level, std::string* out) {
  const int bw = BitWidth(static_cast<uint64_t>(max_level));
  if (levels.empty()) {
    std::vector<int16_t> tmp(end - begin, fill);
    EncodeRleBitPacked(tmp.data(), tmp.size(), bw, out);
    return;
  }
  EncodeRleBitPacked(levels.data() + begin, end - begin, bw, out);
}

struct EncodedPage {
  std::string bytes;               // header + body
  int64_t uncompressed_total = 0;  // header + uncompressed body
  format::PageType::type type = format::PageType::DATA_PAGE;
  format::Encoding::type encoding = format::Encoding::PLAIN;
};

Result<int32_t> CheckedInt32(size_t v, const std::string& path) {
  if (v > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return InvalidArgument("column '{}': a page of {} bytes is larger than Parquet allows", path,
                           v);
  }
  return static_cast<int32_t>(v);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// FileWriter

struct FileWriter::Impl {
  std::vector<format::RowGroup> row_groups;
  std::vector<std::optional<format::ColumnChunk>> chunks;  // current row group, per leaf
  int64_t current_rows = -1;
  std::vector<std::vector<std::string>> paths;  // per leaf

  Result<format::ColumnChunk> WriteChunk(WritableSink& sink, const Schema& schema, int leaf_idx,
                                         const ColumnData& c, const WriterOptions& opt) const;
};

FileWriter::~FileWriter() = default;

Status FileWriter::Fail(Error e) {
  if (!failed_) {
    failed_ = e;
  }
  return tl::unexpected(std::move(e));
}

int FileWriter::num_row_groups() const { return static_cast<int>(impl_->row_groups.size()); }
int64_t FileWriter::bytes_written() const { return sink_->position(); }

Result<std::unique_ptr<FileWriter>> FileWriter::Open(std::unique_ptr<WritableSink> sink,
                                                     WriterSchema schema, WriterOptions options) {
  if (options.data_page_version != 1 && options.data_page_version != 2) {
    return InvalidArgument("data page version must be 1 or 2, not {}", options.data_page_version);
  }
  switch (options.compression) {
    case Compression::kUncompressed:
    case Compression::kSnappy:
    case Compression::kGzip:
    case Compression::kZstd:
    case Compression::kLz4Raw:
      break;
    default:
      return Unsupported("writing {} compression is not supported",
                         CompressionName(options.compression));
  }
  if (schema.num_leaves() == 0) {
    return InvalidArgument("cannot write a schema without columns");
  }
  auto w = std::unique_ptr<FileWriter>(new FileWriter());
  w->sink_ = std::move(sink);
  w->schema_ = std::move(schema);
  w->options_ = std::move(options);
  w->impl_ = std::make_unique<Impl>();
  const Schema& s = w->schema_.schema();
  w->impl_->chunks.resize(static_cast<size_t>(s.num_leaves()));
  for (int leaf = 0; leaf < s.num_leaves(); ++leaf) {
    std::vector<std::string> parts;
    for (int i = s.leaf_node(leaf); i > 0; i = s.node(i).parent) {
      parts.push_back(s.node(i).name);
    }
    std::reverse(parts.begin(), parts.end());
    w->impl_->paths.push_back(std::move(parts));
  }
  LS_RETURN_IF_ERROR(w->sink_->Append(std::string_view(kMagic, 4)));
  return w;
}

Result<format::ColumnChunk> FileWriter::Impl::WriteChunk(WritableSink& sink, const Schema& schema,
                                                         int leaf_idx, const ColumnData& c,
                                                         const WriterOptions& opt) const {
  const int node_idx = schema.leaf_node(leaf_idx);
  const SchemaNode& leaf = schema.node(node_idx);
  const std::string path = schema.Path(node_idx);
  const std::vector<PageSpan> pages = SplitPages(c, leaf, opt);
  const StatsComputer stats(leaf, c);
  const bool v2 = opt.data_page_version == 2;

  std::optional<Dictionary> dict;
  if (opt.dictionary && leaf.physical != PhysicalType::kBoolean && c.num_values() > 0) {
    dict.emplace(c);
  }
  bool dict_active = dict.has_value();
  bool any_plain = false;

  std::vector<EncodedPage> encoded;
  encoded.reserve(pages.size());
  MinMax chunk_mm;
  int64_t chunk_nulls = 0;
  std::vector<uint32_t> indices;
  std::string body, values, levels_rep, levels_def, compressed;

  for (size_t p = 0; p < pages.size(); ++p) {
    const PageSpan& pg = pages[p];
    const size_t nvalues = pg.value_end - pg.value_begin;
    const size_t nentries = pg.entry_end - pg.entry_begin;
    // Values: dictionary indices while the dictionary lasts, PLAIN afterwards.
    bool use_dict = false;
    // A page without values needs no dictionary (and must not depend on one that a later
    // fallback could leave out).
    if (dict_active && nvalues > 0) {
      const size_t before = dict->size();
      indices.resize(nvalues);
      for (size_t k = 0; k < nvalues; ++k) {
        indices[k] = dict->Insert(pg.value_begin + k);
      }
      int64_t plain_bytes = 0;
      for (size_t k = pg.value_begin; k < pg.value_end; ++k) {
        plain_bytes += PlainSize(c, k);
      }
      const int bw = std::max(1, BitWidth(dict->size() > 0 ? dict->size() - 1 : 0));
      const int64_t index_bytes = static_cast<int64_t>(nvalues) * bw / 8 + 1;
      if (dict->plain_bytes() > opt.dictionary_page_size_limit) {
        dict->Truncate(before);
        dict_active = false;
      } else if (before == 0 && dict->plain_bytes() + index_bytes >= plain_bytes) {
        dict->Truncate(0);  // the dictionary does not pay for itself
        dict_active = false;
      } else {
        use_dict = true;
      }
    }
    values.clear();
    if (use_dict) {
      const int bw = BitWidth(dict->size() > 0 ? dict->size() - 1 : 0);
      values.push_back(static_cast<char>(std::max(bw, 1)));
      EncodeRleBitPacked(indices.data(), nvalues, std::max(bw, 1), &values);
    } else {
      AppendPlainRange(c, pg.value_begin, pg.value_end, &values);
      any_plain = true;
    }
    levels_rep.clear();
    levels_def.clear();
    if (leaf.max_rep > 0) {
      EncodeLevels(c.rep_levels, 0, pg.entry_begin, pg.entry_end, leaf.max_rep, &levels_rep);
    }
    if (leaf.max_def > 0) {
      EncodeLevels(c.def_levels, leaf.max_def, pg.entry_begin, pg.entry_end, leaf.max_def,
                   &levels_def);
    }
    const int64_t nulls = static_cast<int64_t>(nentries - nvalues);
    chunk_nulls += nulls;
    const MinMax mm = stats.Range(pg.value_begin, pg.value_end);
    chunk_mm = stats.Merge(chunk_mm, mm);

    format::PageHeader header;
    EncodedPage out;
    out.encoding = use_dict ? format::Encoding::RLE_DICTIONARY : format::Encoding::PLAIN;
    LS_ASSIGN_OR_RETURN(int32_t num_values, CheckedInt32(nentries, path));
    compressed.clear();
    if (!v2) {
      body.clear();
      if (leaf.max_rep > 0) {
        AppendLe32(static_cast<uint32_t>(levels_rep.size()), &body);
        body += levels_rep;
      }
      if (leaf.max_def > 0) {
        AppendLe32(static_cast<uint32_t>(levels_def.size()), &body);
        body += levels_def;
      }
      body += values;
      LS_RETURN_IF_ERROR(Compress(opt.compression, body, &compressed));
      format::DataPageHeader dh;
      dh.__set_num_values(num_values);
      dh.__set_encoding(out.encoding);
      dh.__set_definition_level_encoding(format::Encoding::RLE);
      dh.__set_repetition_level_encoding(format::Encoding::RLE);
      if (opt.write_statistics) {
        dh.__set_statistics(
            MakeStatistics(leaf, c, stats, mm, nulls, opt.statistics_truncate_length));
      }
      header.__set_type(format::PageType::DATA_PAGE);
      LS_ASSIGN_OR_RETURN(int32_t usize, CheckedInt32(body.size(), path));
      LS_ASSIGN_OR_RETURN(int32_t csize, CheckedInt32(compressed.size(), path));
      header.__set_uncompressed_page_size(usize);
      header.__set_compressed_page_size(csize);
      header.__set_data_page_header(dh);
      out.type = format::PageType::DATA_PAGE;
    } else {
      // DATA_PAGE_V2: levels stay uncompressed in front of the (compressed) values.
      compressed = levels_rep;
      compressed += levels_def;
      LS_RETURN_IF_ERROR(Compress(opt.compression, values, &compressed));
      format::DataPageHeaderV2 dh;
      dh.__set_num_values(num_values);
      LS_ASSIGN_OR_RETURN(int32_t num_nulls, CheckedInt32(static_cast<size_t>(nulls), path));
      LS_ASSIGN_OR_RETURN(int32_t num_rows, CheckedInt32(static_cast<size_t>(pg.rows), path));
      dh.__set_num_nulls(num_nulls);
      dh.__set_num_rows(num_rows);
      dh.__set_encoding(out.encoding);
      dh.__set_definition_levels_byte_length(static_cast<int32_t>(levels_def.size()));
      dh.__set_repetition_levels_byte_length(static_cast<int32_t>(levels_rep.size()));
      dh.__set_is_compressed(opt.compression != Compression::kUncompressed);
      if (opt.write_statistics) {
        dh.__set_statistics(
            MakeStatistics(leaf, c, stats, mm, nulls, opt.statistics_truncate_length));
      }
      header.__set_type(format::PageType::DATA_PAGE_V2);
      LS_ASSIGN_OR_RETURN(
          int32_t usize, CheckedInt32(levels_rep.size() + levels_def.size() + values.size(), path));
      LS_ASSIGN_OR_RETURN(int32_t csize, CheckedInt32(compressed.size(), path));
      header.__set_uncompressed_page_size(usize);
      header.__set_compressed_page_size(csize);
      header.__set_data_page_header_v2(dh);
      out.type = format::PageType::DATA_PAGE_V2;
    }
    LS_RETURN_IF_ERROR(SerializeThrift(header, &out.bytes));
    const size_t header_size = out.bytes.size();
    out.bytes += compressed;
    out.uncompressed_total = static_cast<int64_t>(header_size) + header.uncompressed_page_size;
    encoded.push_back(std::move(out));
  }

  // The dictionary page goes first; it holds the dictionary as it stood after the last page that
  // used it.
  std::optional<EncodedPage> dict_page;
  if (dict && dict->size() > 0) {
    const std::string plain = dict->EncodePlain();
    compressed.clear();
    LS_RETURN_IF_ERROR(Compress(opt.compression, plain, &compressed));
    format::DictionaryPageHeader dh;
    dh.__set_num_values(static_cast<int32_t>(dict->size()));
    dh.__set_encoding(format::Encoding::PLAIN);
    format::PageHeader header;
    header.__set_type(format::PageType::DICTIONARY_PAGE);
    LS_ASSIGN_OR_RETURN(int32_t usize, CheckedInt32(plain.size(), path));
    LS_ASSIGN_OR_RETURN(int32_t csize, CheckedInt32(compressed.size(), path));
    header.__set_uncompressed_page_size(usize);
    header.__set_compressed_page_size(csize);
    header.__set_dictionary_page_header(dh);
    EncodedPage page;
    page.type = format::PageType::DICTIONARY_PAGE;
    LS_RETURN_IF_ERROR(SerializeThrift(header, &page.bytes));
    page.uncompressed_total = static_cast<int64_t>(page.bytes.size()) + usize;
    page.bytes += compressed;
    dict_page = std::move(page);
  }

  format::ColumnMetaData md;
  md.__set_type(static_cast<format::Type::type>(leaf.physical));
  md.__set_path_in_schema(paths[static_cast<size_t>(leaf_idx)]);
  md.__set_codec(static_cast<format::CompressionCodec::type>(opt.compression));
  md.__set_num_values(c.num_entries);
  const int64_t start = sink.position();
  int64_t total_compressed = 0;
  int64_t total_uncompressed = 0;
  std::vector<format::PageEncodingStats> enc_stats;
  auto count_page = [&](format::PageType::type type, format::Encoding::type enc) {
    for (auto& s : enc_stats) {
      if (s.page_type == type && s.encoding == enc) {
        ++s.count;
        return;
      }
    }
    format::PageEncodingStats s;
    s.__set_page_type(type);
    s.__set_encoding(enc);
    s.__set_count(1);
    enc_stats.push_back(s);
  };
  if (dict_page) {
    md.__set_dictionary_page_offset(start);
    LS_RETURN_IF_ERROR(sink.Append(dict_page->bytes));
    total_compressed += static_cast<int64_t>(dict_page->bytes.size());
    total_uncompressed += dict_page->uncompressed_total;
    count_page(format::PageType::DICTIONARY_PAGE, format::Encoding::PLAIN);
  }
  md.__set_data_page_offset(sink.position());
  for (const auto& page : encoded) {
    LS_RETURN_IF_ERROR(sink.Append(page.bytes));
    total_compressed += static_cast<int64_t>(page.bytes.size());
    total_uncompressed += page.uncompressed_total;
    count_page(page.type, page.encoding);
  }
  std::vector<format::Encoding::type> encodings;
  if (dict_page) {
    encodings.push_back(format::Encoding::PLAIN);  // the dictionary page
  }
  if (leaf.max_def > 0 || leaf.max_rep > 0) {
    encodings.push_back(format::Encoding::RLE);
  }
  if (dict_page) {
    encodings.push_back(format::Encoding::RLE_DICTIONARY);
  }
  if (any_plain && !dict_page) {
    encodings.push_back(format::Encoding::PLAIN);
  }
  md.__set_encodings(encodings);
  md.__set_encoding_stats(enc_stats);
  md.__set_total_compressed_size(total_compressed);
  md.__set_total_uncompressed_size(total_uncompressed);
  if (opt.write_statistics) {
    md.__set_statistics(
        MakeStatistics(leaf, c, stats, chunk_mm, chunk_nulls, opt.statistics_truncate_length));
  }
  format::ColumnChunk cc;
  cc.__set_file_offset(start);
  cc.__set_meta_data(md);
  return cc;
}

Status FileWriter::WriteColumn(int leaf, const ColumnData& data) {
  if (failed_) {
    return tl::unexpected(*failed_);
  }
  if (closed_) {
    return Fail(Error{ErrorCode::kInternal, "WriteColumn after Close"});
  }
  const Schema& s = schema_.schema();
  if (leaf < 0 || leaf >= s.num_leaves()) {
    return Fail(
        Error{ErrorCode::kInvalidArgument,
              fmt::format("column {} does not exist (the schema has {})", leaf, s.num_leaves())});
  }
  auto& slot = impl_->chunks[static_cast<size_t>(leaf)];
  if (slot) {
    return Fail(Error{ErrorCode::kInvalidArgument,
                      fmt::format("column '{}' was already written in this row group",
                                  s.Path(s.leaf_node(leaf)))});
  }
  if (auto st = ValidateColumn(s, leaf, data); !st) {
    return Fail(st.error());
  }
  const int64_t rows = CountRows(data);
  if (impl_->current_rows >= 0 && rows != impl_->current_rows) {
    return Fail(Error{ErrorCode::kInvalidArgument,
                      fmt::format("column '{}' has {} rows, other columns of the row group have {}",
                                  s.Path(s.leaf_node(leaf)), rows, impl_->current_rows)});
  }
  impl_->current_rows = rows;
  if (rows == 0) {
    slot = format::ColumnChunk();  // nothing to write: an empty row group is dropped
    return OkStatus();
  }
  try {
    auto cc = impl_->WriteChunk(*sink_, s, leaf, data, options_);
    if (!cc) {
      return Fail(cc.error());
    }
    slot = std::move(*cc);
  } catch (const std::bad_alloc&) {
    return Fail(Error{ErrorCode::kResourceExhausted,
                      fmt::format("out of memory writing column '{}'", s.Path(s.leaf_node(leaf)))});
  }
  return OkStatus();
}

Status FileWriter::EndRowGroup() {
  if (failed_) {
    return tl::unexpected(*failed_);
  }
  if (closed_) {
    return Fail(Error{ErrorCode::kInternal, "EndRowGroup after Close"});
  }
  const Schema& s = schema_.schema();
  for (int leaf = 0; leaf < s.num_leaves(); ++leaf) {
    if (!impl_->chunks[static_cast<size_t>(leaf)]) {
      return Fail(Error{ErrorCode::kInvalidArgument,
                        fmt::format("row group ended before column '{}' was written",
                                    s.Path(s.leaf_node(leaf)))});
    }
  }
  const int64_t rows = impl_->current_rows;
  if (rows > 0) {
    format::RowGroup rg;
    int64_t total_byte_size = 0;
    int64_t total_compressed = 0;
    std::vector<format::ColumnChunk> columns;
    columns.reserve(impl_->chunks.size());
    for (auto& cc : impl_->chunks) {
      total_byte_size += cc->meta_data.total_uncompressed_size;
      total_compressed += cc->meta_data.total_compressed_size;
      columns.push_back(std::move(*cc));
    }
    // Columns may have been written in any order: the row group starts at its first chunk.
    int64_t first = columns.front().file_offset;
    for (const auto& cc : columns) {
      first = std::min(first, cc.file_offset);
    }
    rg.__set_file_offset(first);
    rg.columns = std::move(columns);  // required field: no isset flag
    rg.__set_num_rows(rows);
    rg.__set_total_byte_size(total_byte_size);
    rg.__set_total_compressed_size(total_compressed);
    rg.__set_ordinal(static_cast<int16_t>(std::min<size_t>(impl_->row_groups.size(), 32767)));
    impl_->row_groups.push_back(std::move(rg));
    num_rows_ += rows;
  }
  for (auto& cc : impl_->chunks) {
    cc.reset();
  }
  impl_->current_rows = -1;
  return OkStatus();
}

Status FileWriter::WriteRowGroup(const std::vector<ColumnData>& columns) {
  if (static_cast<int>(columns.size()) != schema_.num_leaves()) {
    return Fail(Error{
        ErrorCode::kInvalidArgument,
        fmt::format("{} columns given, the schema has {}", columns.size(), schema_.num_leaves())});
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    LS_RETURN_IF_ERROR(WriteColumn(static_cast<int>(i), columns[i]));
  }
  return EndRowGroup();
}

Status FileWriter::Close() {
  if (failed_) {
    return tl::unexpected(*failed_);
  }
  if (closed_) {
    return OkStatus();
  }
  for (const auto& cc : impl_->chunks) {
    if (cc) {
      return Fail(Error{ErrorCode::kInvalidArgument, "Close with a row group in progress"});
    }
  }
  format::FileMetaData md;
  md.__set_version(2);
  md.__set_schema(ElementsOf(schema_.schema()));
  md.__set_num_rows(num_rows_);
  md.row_groups = std::move(impl_->row_groups);  // required field
  if (!options_.key_value_metadata.empty()) {
    std::vector<format::KeyValue> kvs;
    for (const auto& [k, v] : options_.key_value_metadata) {
      format::KeyValue kv;
      kv.__set_key(k);
      kv.__set_value(v);
      kvs.push_back(std::move(kv));
    }
    md.key_value_metadata = std::move(kvs);
    md.__isset.key_value_metadata = true;
  }
  md.__set_created_by(options_.created_by);
  std::vector<format::ColumnOrder> orders(static_cast<size_t>(schema_.num_leaves()));
  for (auto& o : orders) {
    o.__set_TYPE_ORDER(format::TypeDefinedOrder());
  }
  md.column_orders = std::move(orders);
  md.__isset.column_orders = true;
  std::string footer;
  if (auto st = SerializeThrift(md, &footer); !st) {
    return Fail(st.error());
  }
  AppendLe32(static_cast<uint32_t>(footer.size()), &footer);
  footer.append(kMagic, 4);
  if (auto st = sink_->Append(footer); !st) {
    return Fail(st.error());
  }
  if (auto st = sink_->Close(); !st) {
    return Fail(st.error());
  }
  closed_ = true;
  return OkStatus();
}

}  // namespace lakeshare::parquet
