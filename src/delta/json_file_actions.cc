// The fields of the file actions (add, remove, cdc) of a JSON commit line, walked with simdjson
// on-demand: the core fields are read in place, the rest kept as raw JSON (`extra`).
#include <fmt/format.h>

#include <cstring>

#include "common/numbers.h"
#include "common/strings.h"
#include "delta/json_action_parser_internal.h"
#include "delta/json_util_internal.h"

namespace lakeshare::delta::internal {

simdjson::error_code RawValue(ondemand::value v, std::string_view* out) {
  ondemand::json_type t;
  if (auto e = v.type().get(t)) {
    return e;
  }
  if (t == ondemand::json_type::object) {
    ondemand::object o;
    if (auto e = v.get_object().get(o)) {
      return e;
    }
    return o.raw_json().get(*out);
  }
  if (t == ondemand::json_type::array) {
    ondemand::array a;
    if (auto e = v.get_array().get(a)) {
      return e;
    }
    return a.raw_json().get(*out);
  }
  *out = TrimRight(v.raw_json_token());
  return simdjson::SUCCESS;
}

namespace {

simdjson::error_code GetInt(ondemand::value v, int64_t* out, bool* is_null) {
  // Fast path: simdjson's integer parser (it leaves the value in place when it fails).
  if (v.get_int64().get(*out) == simdjson::SUCCESS) {
    *is_null = false;
    return simdjson::SUCCESS;
  }
  std::string_view tok = TrimRight(v.raw_json_token());
  *is_null = tok == "null";
  if (*is_null) {
    return simdjson::SUCCESS;
  }
  if (std::optional<int64_t> whole = ParseInteger<int64_t>(tok)) {
    *out = *whole;
    return simdjson::SUCCESS;
  }
  if (std::optional<double> d = ParseDouble(tok)) {
    std::optional<int64_t> whole = WholeDoubleToInt64(*d);
    if (!whole) return simdjson::NUMBER_OUT_OF_RANGE;
    *out = *whole;
    return simdjson::SUCCESS;
  }
  // A quoted number ("123") from lenient writers.
  if (tok.size() >= 2 && tok.front() == '"') {
    if (std::optional<int64_t> quoted = ParseInteger<int64_t>(tok.substr(1, tok.size() - 2))) {
      *out = *quoted;
      return simdjson::SUCCESS;
    }
  }
  return simdjson::NUMBER_ERROR;
}

simdjson::error_code GetBool(ondemand::value v, bool* out, bool* is_null) {
  // Stage 1 validated the literal, so its first byte tells which one it is (fixed compares the
  // compiler inlines instead of string_view::compare calls: this runs for every add).
  std::string_view tok = TrimRight(v.raw_json_token());
  *is_null = false;
  if (tok.size() == 4 && std::memcmp(tok.data(), "true", 4) == 0) {
    *out = true;
  } else if (tok.size() == 5 && std::memcmp(tok.data(), "false", 5) == 0) {
    *out = false;
  } else if (tok.size() == 4 && std::memcmp(tok.data(), "null", 4) == 0) {
    *is_null = true;
  } else {
    return simdjson::INCORRECT_TYPE;
  }
  return simdjson::SUCCESS;
}

// Field names of file actions, recognised by length then bytes (fixed-size compares the compiler
// inlines; this runs for every field of every add).
enum class FileField {
  kPath,
  kPartitionValues,
  kSize,
  kModificationTime,
  kDeletionTimestamp,
  kDataChange,
  kStats,
  kDeletionVector,
  kOther,
};

// From the raw bytes after the opening quote (no length needed: the closing quote is compared
// too; reading up to 18 bytes is safe thanks to the padding).
FileField ClassifyRawFileField(const char* p) {
  switch (p[0]) {
    case 'p':
      if (std::memcmp(p, "path\"", 5) == 0) {
        return FileField::kPath;
      }
      if (std::memcmp(p, "partitionValues\"", 16) == 0) {
        return FileField::kPartitionValues;
      }
      break;
    case 's':
      if (std::memcmp(p, "size\"", 5) == 0) {
        return FileField::kSize;
      }
      if (std::memcmp(p, "stats\"", 6) == 0) {
        return FileField::kStats;
      }
      break;
    case 'm':
      if (std::memcmp(p, "modificationTime\"", 17) == 0) {
        return FileField::kModificationTime;
      }
      break;
    case 'd':
      if (std::memcmp(p, "dataChange\"", 11) == 0) {
        return FileField::kDataChange;
      }
      if (std::memcmp(p, "deletionVector\"", 15) == 0) {
        return FileField::kDeletionVector;
      }
      if (std::memcmp(p, "deletionTimestamp\"", 18) == 0) {
        return FileField::kDeletionTimestamp;
      }
      break;
  }
  return FileField::kOther;
}

}  // namespace

// Delta protocol, *Deletion Vector Descriptor Schema*: storageType, pathOrInlineDv, sizeInBytes
// and cardinality are required, offset is optional. A required field that is absent or null is
// kCorrupt with `error` naming it: read as a default, a descriptor without sizeInBytes would
// name a 0-byte vector and one without storageType a 'u' path.
simdjson::error_code JsonActionParser::ParseDv(std::string_view raw, DeletionVectorDescriptor& dv,
                                               std::string* error) {
  simdjson::padded_string padded(raw);
  ondemand::document doc;
  if (auto e = dv_parser_.iterate(padded).get(doc)) {
    return e;
  }
  ondemand::object o;
  if (auto e = doc.get_object().get(o)) {
    return e;
  }
  dv = DeletionVectorDescriptor{};
  DeletionVectorDescriptor::RequiredFields found;
  for (auto field_result : o) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) {
      return e;
    }
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) {
      return e;
    }
    ondemand::value v = field.value();
    int64_t n = 0;
    bool is_null = false;
    if (TrimRight(v.raw_json_token()) == "null") {
      continue;  // as if absent: the checks after the loop name a required field
    }
    if (key == "storageType") {
      std::string_view s;
      if (auto e = v.get_string().get(s)) {
        return e;
      }
      if (s.size() != 1) {
        return simdjson::INCORRECT_TYPE;
      }
      dv.storage_type = s[0];
      found.storage_type = true;
    } else if (key == "pathOrInlineDv") {
      std::string_view s;
      if (auto e = v.get_string().get(s)) {
        return e;
      }
      dv.path_or_inline_dv = std::string(s);
      found.path_or_inline_dv = true;
    } else if (key == "offset") {
      if (auto e = GetInt(v, &n, &is_null)) {
        return e;
      }
      if (!is_null) {
        // Delta protocol, *Deletion Vector Descriptor*: offset and sizeInBytes are Ints; narrowed
        // by a cast, 2^32 + 7 would name offset 7, maybe another vector of the same file.
        std::optional<int32_t> offset = NonNegativeInt32(n);
        if (!offset) return simdjson::NUMBER_OUT_OF_RANGE;
        dv.offset = *offset;
      }
    } else if (key == "sizeInBytes") {
      if (auto e = GetInt(v, &n, &is_null)) {
        return e;
      }
      std::optional<int32_t> size = NonNegativeInt32(n);
      if (!size) return simdjson::NUMBER_OUT_OF_RANGE;
      dv.size_in_bytes = *size;
      found.size_in_bytes = true;
    } else if (key == "cardinality") {
      if (auto e = GetInt(v, &n, &is_null)) {
        return e;
      }
      dv.cardinality = n;
      found.cardinality = true;
    }
  }
  if (std::string_view missing = DeletionVectorDescriptor::MissingField(found); !missing.empty()) {
    *error = fmt::format("deletionVector without {}", missing);
    return simdjson::INCORRECT_TYPE;
  }
  return simdjson::SUCCESS;
}

bool JsonActionParser::Unescape(std::string_view body, std::string_view* out) {
  std::string& s = unescaped_.emplace_back();
  if (!UnescapeJsonString(body, s)) {
    return false;
  }
  *out = s;
  return true;
}

bool JsonActionParser::KeyOf(ondemand::field& field, std::string_view* out) {
  // raw() points just after the opening quote; stage 1 has validated the string.
  const char* p = field.key().raw();
  const char* q = p;
  bool escaped = false;
  while (*q != '"') {
    if (*q == '\\') {
      escaped = true;
      ++q;
    }
    ++q;
  }
  std::string_view body(p, static_cast<size_t>(q - p));  // keys are short: a plain scan
  if (!escaped) {
    *out = body;
    return true;
  }
  return Unescape(body, out);
}

bool JsonActionParser::StringOf(ondemand::value& v, std::string_view* out) {
  std::string_view tok = TrimRight(v.raw_json_token());
  if (tok.size() < 2 || tok.front() != '"' || tok.back() != '"') {
    return false;
  }
  std::string_view body = tok.substr(1, tok.size() - 2);
  if (std::memchr(body.data(), '\\', body.size()) == nullptr) {
    *out = body;
    return true;
  }
  return Unescape(body, out);
}

// "partitionValues": an object of strings or nulls (other values are kept as raw JSON).
simdjson::error_code JsonActionParser::ReadPartitionValues(ondemand::value& v, FileFields& f) {
  ondemand::json_type t;
  if (auto e = v.type().get(t)) {
    return e;
  }
  if (t == ondemand::json_type::null) {
    return simdjson::SUCCESS;
  }
  ondemand::object pv;
  if (auto e = v.get_object().get(pv)) {
    return e;
  }
  for (auto kv_result : pv) {
    ondemand::field kv;
    if (auto e = std::move(kv_result).get(kv)) {
      return e;
    }
    std::string_view k;
    if (!KeyOf(kv, &k)) {
      return simdjson::STRING_ERROR;
    }
    ondemand::value pvv = kv.value();
    ondemand::json_type pt;
    if (auto e = pvv.type().get(pt)) {
      return e;
    }
    if (pt == ondemand::json_type::null) {
      f.partition_values.emplace_back(k, std::nullopt);
    } else if (pt == ondemand::json_type::string) {
      std::string_view s;
      if (!StringOf(pvv, &s)) {
        return simdjson::STRING_ERROR;
      }
      f.partition_values.emplace_back(k, s);
    } else {
      std::string_view raw;
      if (auto e = RawValue(pvv, &raw)) {
        return e;
      }
      f.partition_values.emplace_back(k, raw);
    }
  }
  return simdjson::SUCCESS;
}

// "stats": a JSON string as it stands (still escaped), or the statistics object itself.
simdjson::error_code JsonActionParser::ReadStats(ondemand::value& v, FileFields& f) {
  ondemand::json_type t;
  if (auto e = v.type().get(t)) {
    return e;
  }
  if (t == ondemand::json_type::null) {
    return simdjson::SUCCESS;
  }
  if (t == ondemand::json_type::string) {
    std::string_view tok = TrimRight(v.raw_json_token());
    if (tok.size() < 2) {
      return simdjson::STRING_ERROR;
    }
    f.stats = tok.substr(1, tok.size() - 2);
    f.stats_escaped = true;
  } else {
    // Some writers put the statistics object itself in the log.
    if (auto e = RawValue(v, &f.stats)) {
      return e;
    }
    f.stats_escaped = false;
  }
  f.has_stats = true;
  return simdjson::SUCCESS;
}

// "deletionVector": parsed into f.dv (and copied to the extra JSON when asked).
simdjson::error_code JsonActionParser::ReadDeletionVector(ondemand::value& v, FileFields& f,
                                                          bool collect_extra, std::string* error) {
  ondemand::json_type t;
  if (auto e = v.type().get(t)) {
    return e;
  }
  if (t == ondemand::json_type::null) {
    return simdjson::SUCCESS;
  }
  std::string_view raw;
  if (auto e = RawValue(v, &raw)) {
    return e;
  }
  if (auto e = ParseDv(raw, f.dv, error)) {
    if (error->empty()) {
      *error = e == simdjson::NUMBER_OUT_OF_RANGE
                   ? "deletionVector with a number outside its range (offset and sizeInBytes: "
                     "0..2147483647)"
                   : "malformed deletionVector";
    }
    return e;
  }
  f.has_dv = true;
  if (collect_extra) {
    f.extra += ",\"deletionVector\":";
    f.extra.append(raw);
  }
  return simdjson::SUCCESS;
}

simdjson::error_code JsonActionParser::WalkFileAction(ondemand::object obj, FileFields& f,
                                                      bool collect_extra, std::string* error) {
  for (auto field_result : obj) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) {
      return e;
    }
    const FileField ff = ClassifyRawFileField(field.key().raw());
    std::string_view key;
    if (ff == FileField::kOther && !KeyOf(field, &key)) {
      return simdjson::STRING_ERROR;
    }
    ondemand::value v = field.value();
    bool is_null = false;
    if (ff == FileField::kPath) {
      if (!StringOf(v, &f.path)) {
        return simdjson::INCORRECT_TYPE;
      }
      f.has_path = true;
    } else if (ff == FileField::kPartitionValues) {
      if (auto e = ReadPartitionValues(v, f)) {
        return e;
      }
    } else if (ff == FileField::kSize) {
      if (auto e = GetInt(v, &f.size, &is_null)) {
        *error = "size is not a whole number up to 2^63";
        return e;
      }
      f.has_size = !is_null;
    } else if (ff == FileField::kModificationTime) {
      if (auto e = GetInt(v, &f.modification_time, &is_null)) {
        *error = "modificationTime is not a whole number up to 2^63";
        return e;
      }
      f.has_modification_time = !is_null;
    } else if (ff == FileField::kDeletionTimestamp) {
      if (auto e = GetInt(v, &f.deletion_timestamp, &is_null)) {
        *error = "deletionTimestamp is not a whole number up to 2^63";
        return e;
      }
      f.has_deletion_timestamp = !is_null;
    } else if (ff == FileField::kDataChange) {
      if (auto e = GetBool(v, &f.data_change, &is_null)) {
        return e;
      }
    } else if (ff == FileField::kStats) {
      if (auto e = ReadStats(v, f)) {
        return e;
      }
    } else if (ff == FileField::kDeletionVector) {
      if (auto e = ReadDeletionVector(v, f, collect_extra, error)) {
        return e;
      }
    } else if (collect_extra) {
      std::string_view raw;
      if (auto e = RawValue(v, &raw)) {
        return e;
      }
      f.extra.push_back(',');
      AppendJsonString(f.extra, key);
      f.extra.push_back(':');
      f.extra.append(raw);
    }
  }
  return simdjson::SUCCESS;
}

Status JsonActionParser::HandleOwnedFileAction(FileActionType type, std::string_view raw,
                                               ActionSink& sink) {
  simdjson::padded_string padded(raw);
  ondemand::document doc;
  ondemand::object obj;
  FileFields& f = fields_;
  f.Reset();
  std::string err;
  simdjson::error_code e = owned_parser_.iterate(padded).get(doc);
  if (!e) {
    e = doc.get_object().get(obj);
  }
  if (!e) {
    e = WalkFileAction(obj, f, /*collect_extra=*/false, &err);
  }
  if (e) {
    line_error_ = err.empty() ? simdjson::error_message(e) : err;
    return CorruptError("{}", line_error_);
  }
  if (!f.has_path) {
    return CorruptError("{} action without a path", FileActionTypeName(type));
  }
  FileAction a;
  a.type = type;
  a.path = std::string(f.path);
  for (const auto& [k, v] : f.partition_values) {
    a.partition_values.emplace_back(std::string(k),
                                    v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
  }
  if (f.has_size) {
    a.size = f.size;
  }
  if (f.has_modification_time) {
    a.modification_time = f.modification_time;
  }
  if (f.has_deletion_timestamp) {
    a.deletion_timestamp = f.deletion_timestamp;
  }
  a.data_change = f.data_change;
  if (f.has_stats) {
    if (f.stats_escaped) {
      std::string s;
      if (UnescapeJsonString(f.stats, s)) {
        a.stats = std::move(s);
      }
    } else {
      a.stats = std::string(f.stats);
    }
  }
  if (f.has_dv) {
    a.deletion_vector = f.dv;
  }
  a.json = std::string(raw);
  return sink.OnFileAction(std::move(a));
}

Status JsonActionParser::HandleFileAction(std::string_view key, ondemand::value v,
                                          ActionSink& sink) {
  FileActionType type = key == "add"      ? FileActionType::kAdd
                        : key == "remove" ? FileActionType::kRemove
                                          : FileActionType::kCdc;
  if (sink.wants_owned_file_actions()) {
    std::string_view raw;
    if (auto e = RawValue(v, &raw)) {
      return CorruptError("{}", simdjson::error_message(e));
    }
    return HandleOwnedFileAction(type, raw, sink);
  }
  if (type == FileActionType::kCdc || !sink.wants_file_actions()) {
    return OkStatus();  // not part of a snapshot / not wanted
  }
  ondemand::object obj;
  if (auto e = v.get_object().get(obj)) {
    return CorruptError("{}", simdjson::error_message(e));
  }
  FileFields& f = fields_;
  f.Reset();
  std::string err;
  if (auto e = WalkFileAction(obj, f, type == FileActionType::kAdd, &err)) {
    return CorruptError("{}", err.empty() ? simdjson::error_message(e) : err.c_str());
  }
  if (!f.has_path) {
    return CorruptError("{} action without a path", key);
  }
  if (type == FileActionType::kRemove) {
    if (!f.has_dv) {
      return sink.OnRemove(f.path, std::string_view());
    }
    return sink.OnRemove(f.path, f.dv.UniqueId());
  }
  AddInput in;
  in.path = f.path;
  in.partition_values = std::move(f.partition_values);
  in.deletion_vector = f.has_dv ? &f.dv : nullptr;
  in.stats = f.stats;
  in.has_stats = f.has_stats;
  in.stats_escaped = f.stats_escaped;
  in.extra_json = f.extra.empty() ? std::string_view() : std::string_view(f.extra).substr(1);
  in.size = f.size;
  in.has_size = f.has_size;
  in.modification_time = f.modification_time;
  in.has_modification_time = f.has_modification_time;
  in.data_change = f.data_change;
  Status st = sink.OnAdd(in);
  f.partition_values = std::move(in.partition_values);  // keep the capacity
  return st;
}

}  // namespace lakeshare::delta::internal
