// Newline-delimited JSON action parsing with simdjson on-demand (one document per line, no copy
// of the file; strings are only materialised for the fields we keep). The rare, small actions
// (protocol, metaData, txn, ...) are parsed with nlohmann in json_small_actions.cc.
#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <deque>

#include "common/numbers.h"
#include "common/strings.h"
#include "delta/action_reader_internal.h"
#include "delta/json_util_internal.h"

namespace lakeshare::delta {

namespace ondemand = simdjson::ondemand;

namespace {

// ---- simdjson helpers -----------------------------------------------------------------------

// Raw text of any value (objects and arrays are consumed).
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

// The fields of an add / remove / cdc action.
struct FileFields {
  std::string_view path;
  bool has_path = false;
  std::vector<std::pair<std::string_view, std::optional<std::string_view>>> partition_values;
  int64_t size = 0;
  bool has_size = false;
  int64_t modification_time = 0;
  bool has_modification_time = false;
  int64_t deletion_timestamp = 0;
  bool has_deletion_timestamp = false;
  bool data_change = false;
  std::string_view stats;
  bool has_stats = false;
  bool stats_escaped = false;
  bool has_dv = false;
  DeletionVectorDescriptor dv;
  std::string extra;  // ",\"key\":raw" members other than the core fields

  void Reset() {
    has_path = has_size = has_modification_time = has_deletion_timestamp = false;
    data_change = has_stats = stats_escaped = has_dv = false;
    partition_values.clear();
    extra.clear();
  }
};

class JsonActionParser {
 public:
  Status Parse(const PaddedBuffer& buffer, std::string_view name, ActionSink& sink);
  Status ParseStream(const storage::RandomAccessFile& file, std::string_view name,
                     int64_t block_size, size_t max_line_bytes, ActionSink& sink);
  /// Parse [data, data + size); SIMDJSON_PADDING bytes after it must be readable.
  Status ParseLines(const char* data, size_t size, int64_t block_offset, int64_t* error_offset,
                    ActionSink& sink);
  Result<std::optional<CommitInfo>> FirstCommitInfo(const PaddedBuffer& buffer,
                                                    std::string_view name);

 private:
  Status ParseLine(const char* line, size_t len, size_t capacity, ActionSink& sink);
  Status ProcessAction(ondemand::object top, ActionSink& sink);
  simdjson::error_code WalkFileAction(ondemand::object obj, FileFields& f, bool collect_extra,
                                      std::string* error);
  simdjson::error_code ReadPartitionValues(ondemand::value& v, FileFields& f);
  simdjson::error_code ReadStats(ondemand::value& v, FileFields& f);
  simdjson::error_code ReadDeletionVector(ondemand::value& v, FileFields& f, bool collect_extra,
                                          std::string* error);
  simdjson::error_code ParseDv(std::string_view raw, DeletionVectorDescriptor& dv,
                               std::string* error);
  Status HandleFileAction(std::string_view key, ondemand::value v, ActionSink& sink);
  Status HandleOwnedFileAction(FileActionType type, std::string_view raw, ActionSink& sink);

  // Keys and strings are taken from the input bytes when they hold no escape (almost always);
  // escaped ones are decoded into `unescaped_`, which lives until the next line.
  bool KeyOf(ondemand::field& field, std::string_view* out);
  bool StringOf(ondemand::value& v, std::string_view* out);
  bool Unescape(std::string_view body, std::string_view* out);

  std::deque<std::string> unescaped_;
  ondemand::parser parser_;
  ondemand::parser owned_parser_;
  ondemand::parser dv_parser_;
  FileFields fields_;
  std::string line_error_;
  PaddedBuffer stream_;  // block buffer of ParseStream, reused
};

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

Status JsonActionParser::ParseLine(const char* line, size_t len, size_t capacity,
                                   ActionSink& sink) {
  ondemand::document doc;
  if (auto e = parser_.iterate(line, len, capacity).get(doc)) {
    return CorruptError("{}", simdjson::error_message(e));
  }
  ondemand::object top;
  if (auto e = doc.get_object().get(top)) {
    return CorruptError("{}", simdjson::error_message(e));
  }
  return ProcessAction(top, sink);
}

// The top-level key of an action line, recognised from its raw bytes for the common ones.
enum class TopKey { kAdd, kRemove, kCdc, kOther };

TopKey ClassifyTopKey(const char* raw) {
  // `raw` follows the opening quote; the padding makes reading 8 bytes safe.
  if (std::memcmp(raw, "add\"", 4) == 0) {
    return TopKey::kAdd;
  }
  if (std::memcmp(raw, "remove\"", 7) == 0) {
    return TopKey::kRemove;
  }
  if (std::memcmp(raw, "cdc\"", 4) == 0) {
    return TopKey::kCdc;
  }
  return TopKey::kOther;
}

Status JsonActionParser::ProcessAction(ondemand::object top, ActionSink& sink) {
  if (!unescaped_.empty()) {
    unescaped_.clear();
  }
  for (auto field_result : top) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) {
      return CorruptError("{}", simdjson::error_message(e));
    }
    const TopKey top_key = ClassifyTopKey(field.key().raw());
    std::string_view key = top_key == TopKey::kAdd      ? std::string_view("add")
                           : top_key == TopKey::kRemove ? std::string_view("remove")
                           : top_key == TopKey::kCdc    ? std::string_view("cdc")
                                                        : std::string_view();
    if (top_key == TopKey::kOther && !KeyOf(field, &key)) {
      return CorruptError("malformed key");
    }
    ondemand::value v = field.value();
    ondemand::json_type t;
    if (auto e = v.type().get(t)) {
      return CorruptError("{}", simdjson::error_message(e));
    }
    if (t == ondemand::json_type::null) {
      continue;
    }
    if (top_key != TopKey::kOther) {
      LS_RETURN_IF_ERROR(HandleFileAction(key, v, sink));
      continue;
    }
    static constexpr std::string_view kKnown[] = {"protocol",          "metaData",       "txn",
                                                  "commitInfo",        "domainMetadata", "sidecar",
                                                  "checkpointMetadata"};
    bool known = false;
    for (auto k : kKnown) {
      known |= key == k;
    }
    if (!known) {
      continue;  // "Clients must ignore such unrecognized fields" (and actions)
    }
    std::string_view raw;
    if (auto e = RawValue(v, &raw)) {
      return CorruptError("{}", simdjson::error_message(e));
    }
    LS_RETURN_IF_ERROR(ParseSmallAction(key, raw, sink));
  }
  return OkStatus();
}

Status JsonActionParser::ParseLines(const char* data, size_t size, int64_t block_offset,
                                    int64_t* error_offset, ActionSink& sink) {
  // Document streams over slices of about kSlice bytes (ending at a newline): simdjson indexes
  // a slice in one stage-1 pass (a per-line iterate() pays a stage-1 set-up per line), and the
  // slice and its index stay in cache while the actions are walked. A slice is one batch, so no
  // worker thread is started. Errors carry their byte offset; callers turn it into a line.
  constexpr size_t kSlice = size_t{1} << 15;
  for (size_t start = 0; start < size;) {
    size_t end = size;
    if (size - start > kSlice) {
      const void* nl = std::memchr(data + start + kSlice, '\n', size - start - kSlice);
      end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - data) + 1 : size;
    }
    const char* slice = data + start;
    const size_t len = end - start;
    const int64_t slice_offset = block_offset + static_cast<int64_t>(start);
    *error_offset = slice_offset;
    ondemand::document_stream stream;
    if (auto e = parser_.iterate_many(slice, len, std::max<size_t>(len, 4096)).get(stream)) {
      return CorruptError("{}", simdjson::error_message(e));
    }
    for (auto it = stream.begin(); it != stream.end(); ++it) {
      ondemand::document_reference doc;
      ondemand::object top;
      simdjson::error_code e = (*it).get(doc);
      if (!e) {
        e = doc.get_object().get(top);
      }
      if (e) {
        *error_offset = slice_offset + static_cast<int64_t>(it.current_index());
        return CorruptError("{}", simdjson::error_message(e));
      }
      Status st = ProcessAction(top, sink);
      if (!st) {
        *error_offset = slice_offset + static_cast<int64_t>(it.current_index());
        return st;
      }
    }
    if (stream.truncated_bytes() > 0) {
      *error_offset = slice_offset + static_cast<int64_t>(len - stream.truncated_bytes());
      return CorruptError("incomplete JSON document");
    }
    start = end;
  }
  return OkStatus();
}

namespace {

Error WithLine(const Error& e, std::string_view name, int64_t line) {
  return Error{e.code, fmt::format("Failed to read '{}' line {}: {}", name, line, e.message)};
}

int64_t CountLines(const char* data, size_t size) {
  int64_t n = 0;
  for (const char* p = data;
       (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(data + size - p))));
       ++p) {
    ++n;
  }
  return n;
}

}  // namespace

Status JsonActionParser::Parse(const PaddedBuffer& buffer, std::string_view name,
                               ActionSink& sink) {
  int64_t error_offset = 0;
  Status st = ParseLines(buffer.data.get(), buffer.size, 0, &error_offset, sink);
  if (!st) {
    return tl::unexpected(WithLine(
        st.error(), name, 1 + CountLines(buffer.data.get(), static_cast<size_t>(error_offset))));
  }
  return OkStatus();
}

Status JsonActionParser::ParseStream(const storage::RandomAccessFile& file, std::string_view name,
                                     int64_t block_size, size_t max_line_bytes, ActionSink& sink) {
  const int64_t size = file.size();
  int64_t offset = 0;
  size_t have = 0;  // unparsed bytes at the start of the buffer
  while (offset < size) {
    const size_t want = static_cast<size_t>(std::min<int64_t>(block_size, size - offset));
    if (stream_.capacity < have + want) {
      // Grow (a line longer than a block, or the first use); never past the longest line and a
      // block (doubling alone took a 512 MiB buffer to refuse a 256 MiB line).
      const size_t most = max_line_bytes > SIZE_MAX - want ? SIZE_MAX : max_line_bytes + want;
      size_t cap = std::max(have + want, std::min(stream_.capacity * 2, most));
      std::unique_ptr<char[]> bigger(new char[cap + simdjson::SIMDJSON_PADDING]);
      if (have) {
        std::memcpy(bigger.get(), stream_.data.get(), have);
      }
      stream_.data = std::move(bigger);
      stream_.capacity = cap;
    }
    char* buf = stream_.data.get();
    LS_RETURN_IF_ERROR(file.ReadAt(offset, static_cast<int64_t>(want), buf + have));
    offset += static_cast<int64_t>(want);
    const size_t partial = have;  // a line's start without its newline, from the blocks before
    have += want;
    std::memset(buf + have, 0, simdjson::SIMDJSON_PADDING);
    // Parse the complete lines; keep a partial last line for the next block.
    size_t complete = have;
    if (offset < size) {
      // Only the new block can hold the newline: the partial line before it has none.
      const void* last = memrchr(buf + partial, '\n', want);
      if (last == nullptr) {
        if (have > max_line_bytes) {
          return CorruptError("Failed to read '{}': a line longer than {} bytes", name,
                              max_line_bytes);
        }
        continue;  // no complete line yet: read more
      }
      complete = static_cast<size_t>(static_cast<const char*>(last) - buf) + 1;
    }
    const int64_t block_offset = offset - static_cast<int64_t>(have);
    int64_t error_offset = 0;
    Status st = ParseLines(buf, complete, block_offset, &error_offset, sink);
    if (!st) {
      // Rare: count the lines before the error by reading the file again.
      int64_t lines = 1;
      std::string chunk;
      for (int64_t pos = 0; pos < error_offset;) {
        int64_t n = std::min<int64_t>(int64_t{1} << 20, error_offset - pos);
        chunk.resize(static_cast<size_t>(n));
        if (!file.ReadAt(pos, n, chunk.data())) {
          break;
        }
        lines += CountLines(chunk.data(), chunk.size());
        pos += n;
      }
      return tl::unexpected(WithLine(st.error(), name, lines));
    }
    if (complete < have) {
      std::memmove(buf, buf + complete, have - complete);
    }
    have -= complete;
  }
  return OkStatus();
}

// A sink that only keeps the first commitInfo.
class CommitInfoSink : public ActionSink {
 public:
  Status OnProtocol(Protocol) override { return OkStatus(); }
  Status OnMetadata(Metadata) override { return OkStatus(); }
  Status OnCommitInfo(CommitInfo c) override {
    if (!info) {
      info = std::move(c);
    }
    return OkStatus();
  }
  std::optional<CommitInfo> info;
};

Result<std::optional<CommitInfo>> JsonActionParser::FirstCommitInfo(const PaddedBuffer& buffer,
                                                                    std::string_view name) {
  // "The commitInfo action must be the first action in the commit" (In-Commit Timestamps).
  const char* data = buffer.data.get();
  const char* end = data + buffer.size;
  const char* nl = static_cast<const char*>(std::memchr(data, '\n', buffer.size));
  const char* line_end = nl ? nl : end;
  std::string_view first(data, static_cast<size_t>(line_end - data));
  if (first.find("\"commitInfo\"") == std::string_view::npos) {
    return std::optional<CommitInfo>();
  }
  CommitInfoSink sink;
  Status st = ParseLine(data, first.size(), buffer.size + simdjson::SIMDJSON_PADDING, sink);
  if (!st) {
    return MakeError(st.error().code,
                     fmt::format("Failed to read '{}' line 1: {}", name, st.error().message));
  }
  return sink.info;
}

}  // namespace

Status ReadPaddedInto(const storage::ObjectStore& store, std::string_view path, PaddedBuffer& b) {
  LS_ASSIGN_OR_RETURN(auto file, store.OpenFile(path));
  const int64_t size = file->size();
  if (size < 0 || size > (int64_t{1} << 34)) {
    return CorruptError("'{}' has an implausible size {}", path, size);
  }
  if (!b.data || b.capacity < static_cast<size_t>(size)) {
    b.capacity = static_cast<size_t>(size);
    b.data.reset(new char[b.capacity + simdjson::SIMDJSON_PADDING]);
  }
  b.size = static_cast<size_t>(size);
  std::memset(b.data.get() + b.size, 0, simdjson::SIMDJSON_PADDING);
  if (size > 0) {
    LS_RETURN_IF_ERROR(file->ReadAt(0, size, b.data.get()));
  }
  return OkStatus();
}

Result<PaddedBuffer> ReadPadded(const storage::ObjectStore& store, std::string_view path) {
  PaddedBuffer b;
  LS_RETURN_IF_ERROR(ReadPaddedInto(store, path, b));
  return b;
}

PaddedBuffer MakePadded(std::string_view bytes) {
  PaddedBuffer b;
  b.size = bytes.size();
  b.capacity = bytes.size();
  b.data.reset(new char[b.size + simdjson::SIMDJSON_PADDING]);
  if (!bytes.empty()) {
    std::memcpy(b.data.get(), bytes.data(), bytes.size());
  }
  std::memset(b.data.get() + b.size, 0, simdjson::SIMDJSON_PADDING);
  return b;
}

Status ParseJsonActions(const PaddedBuffer& buffer, std::string_view name, ActionSink& sink) {
  // One parser per thread: its buffers are reused across files.
  thread_local JsonActionParser parser;
  return parser.Parse(buffer, name, sink);
}

Status ParseJsonActionsFile(const storage::ObjectStore& store, std::string_view path,
                            ActionSink& sink, int64_t* bytes_read, size_t max_line_bytes) {
  auto file = store.OpenFile(path);
  if (!file) {
    return MakeError(
        file.error().code == ErrorCode::kNotFound ? ErrorCode::kCorrupt : file.error().code,
        fmt::format("Failed to read '{}': {}", path, file.error().message));
  }
  if (bytes_read) {
    *bytes_read += (*file)->size();
  }
  thread_local JsonActionParser parser;
  // 256 KiB blocks stay in cache between the read and the parse.
  return parser.ParseStream(**file, path, int64_t{1} << 18, max_line_bytes, sink);
}

namespace {

// The first line of `file` (without its newline), read in blocks that double from 64 KiB.
Result<PaddedBuffer> ReadFirstLine(const storage::RandomAccessFile& file, std::string_view name,
                                   size_t max_line_bytes) {
  const size_t size = static_cast<size_t>(std::max<int64_t>(file.size(), 0));
  PaddedBuffer b;
  size_t block = size_t{64} << 10;
  while (b.size < size) {
    // At most one byte past the longest line: its newline.
    const size_t want = std::min({block, size - b.size, max_line_bytes + 1 - b.size});
    if (b.capacity < b.size + want) {
      const size_t cap = std::max(b.size + want, b.capacity * 2);
      std::unique_ptr<char[]> bigger(new char[cap + simdjson::SIMDJSON_PADDING]);
      if (b.size > 0) {
        std::memcpy(bigger.get(), b.data.get(), b.size);
      }
      b.data = std::move(bigger);
      b.capacity = cap;
    }
    char* fresh = b.data.get() + b.size;
    LS_RETURN_IF_ERROR(
        file.ReadAt(static_cast<int64_t>(b.size), static_cast<int64_t>(want), fresh));
    const void* nl = std::memchr(fresh, '\n', want);
    if (nl != nullptr) {
      b.size = static_cast<size_t>(static_cast<const char*>(nl) - b.data.get());
      break;
    }
    b.size += want;
    if (b.size > max_line_bytes) {
      return CorruptError("Failed to read '{}': a line longer than {} bytes", name, max_line_bytes);
    }
    block *= 2;
  }
  if (!b.data) {
    b.data.reset(new char[simdjson::SIMDJSON_PADDING]);
  }
  std::memset(b.data.get() + b.size, 0, simdjson::SIMDJSON_PADDING);
  return b;
}

}  // namespace

Result<std::optional<CommitInfo>> ReadFirstCommitInfo(const storage::ObjectStore& store,
                                                      std::string_view path,
                                                      size_t max_line_bytes) {
  LS_ASSIGN_OR_RETURN(auto file, store.OpenFile(path));
  LS_ASSIGN_OR_RETURN(PaddedBuffer line, ReadFirstLine(*file, path, max_line_bytes));
  thread_local JsonActionParser parser;
  return parser.FirstCommitInfo(line, path);
}

Result<std::optional<int64_t>> ReadInCommitTimestamp(const storage::ObjectStore& store,
                                                     std::string_view path) {
  LS_ASSIGN_OR_RETURN(std::optional<CommitInfo> info, ReadFirstCommitInfo(store, path));
  if (!info) {
    return std::optional<int64_t>();
  }
  return info->InCommitTimestamp();
}

}  // namespace lakeshare::delta
