// The small actions of JSON commits (protocol, metaData, txn, commitInfo, domainMetadata,
// sidecar, checkpointMetadata): rare and short, so parsed with nlohmann into owning structs. The
// protocol and metaData parsers also read the JSON that checkpoints embed.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/numbers.h"
#include "delta/action_reader_internal.h"

namespace lakeshare::delta {

namespace {

using Json = nlohmann::json;

// ---- small nlohmann helpers -----------------------------------------------------------------

// A JSON value as an int64: a whole number int64 holds, or a string of one (lenient writers).
std::optional<int64_t> IntOf(const Json& value) {
  if (value.is_number_unsigned()) {
    // Past INT64_MAX a number is no version, size or time: refused, never wrapped.
    uint64_t u = value.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (value.is_number_integer()) {
    return value.get<int64_t>();
  }
  if (value.is_number_float()) {
    return WholeDoubleToInt64(value.get<double>());
  }
  if (value.is_string()) {
    return ParseInteger<int64_t>(value.get_ref<const std::string&>());
  }
  return std::nullopt;
}

std::optional<int64_t> JsonInt(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end()) {
    return std::nullopt;
  }
  return IntOf(*it);
}

// A whole-number field of a small action: nullopt when absent or null (the caller applies the
// protocol's default), kCorrupt naming the field when present but no whole number int64 holds
// (a version past 2^63, 1.5, "12abc", true): never read as the default.
Result<std::optional<int64_t>> OptionalInt(const Json& j, std::string_view action,
                                           const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return std::nullopt;
  }
  std::optional<int64_t> v = IntOf(*it);
  if (!v) {
    return CorruptError("{} action whose {} is not a whole number up to 2^63", action, key);
  }
  return v;
}

std::optional<std::string> JsonStr(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

StringMap JsonStringMap(const Json& j, const char* key) {
  StringMap out;
  auto it = j.find(key);
  if (it == j.end() || !it->is_object()) {
    return out;
  }
  for (auto kv = it->begin(); kv != it->end(); ++kv) {
    if (kv.value().is_string()) {
      out.emplace_back(kv.key(), kv.value().get<std::string>());
    } else if (kv.value().is_null()) {
      out.emplace_back(kv.key(), std::nullopt);
    } else {
      out.emplace_back(kv.key(), kv.value().dump());
    }
  }
  return out;
}

std::optional<std::vector<std::string>> JsonStrList(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const auto& e : *it) {
    if (e.is_string()) {
      out.push_back(e.get<std::string>());
    }
  }
  return out;
}

// A protocol's feature list: nullopt when absent or null; kCorrupt when present but not an array
// of strings. Read leniently (as absent, or without its odd elements), a mistyped list would
// skip the reader-feature check and serve a table whose features the server does not support.
Result<std::optional<std::vector<std::string>>> FeatureList(const Json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    return std::nullopt;
  }
  bool strings = it->is_array() &&
                 std::all_of(it->begin(), it->end(), [](const Json& e) { return e.is_string(); });
  if (!strings) {
    return CorruptError("protocol action whose {} is not an array of feature names", key);
  }
  return JsonStrList(j, key);
}

Result<Json> ParseObject(std::string_view text, std::string_view what) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return CorruptError("{} action is not a valid JSON object", what);
  }
  return j;
}

}  // namespace

Status ParseSmallAction(std::string_view key, std::string_view raw, ActionSink& sink) {
  LS_ASSIGN_OR_RETURN(Json j, ParseObject(raw, key));
  if (key == "protocol") {
    LS_ASSIGN_OR_RETURN(Protocol p, ParseProtocolJson(raw));
    LS_RETURN_IF_ERROR(sink.OnProtocol(std::move(p)));
  } else if (key == "metaData") {
    LS_ASSIGN_OR_RETURN(Metadata m, ParseMetadataJson(raw));
    LS_RETURN_IF_ERROR(sink.OnMetadata(std::move(m)));
  } else if (key == "txn") {
    Txn x;
    x.app_id = JsonStr(j, "appId").value_or("");
    LS_ASSIGN_OR_RETURN(std::optional<int64_t> version, OptionalInt(j, key, "version"));
    x.version = version.value_or(0);
    LS_ASSIGN_OR_RETURN(x.last_updated, OptionalInt(j, key, "lastUpdated"));
    x.json = std::string(raw);
    LS_RETURN_IF_ERROR(sink.OnTxn(std::move(x)));
  } else if (key == "commitInfo") {
    CommitInfo c;
    // "Implementations are free to store any valid JSON-formatted data via the commitInfo
    // action": `timestamp` is no protocol field, and inCommitTimestamp one only where the
    // table enables in-commit timestamps, so a mistyped one is kept as a mark for the readers
    // of such tables (CommitInfo::InCommitTimestamp), not refused here.
    auto ict = OptionalInt(j, key, "inCommitTimestamp");
    c.SetInCommitTimestamp(ict ? *ict : std::nullopt, /*mistyped=*/!ict);
    c.timestamp = JsonInt(j, "timestamp");
    c.operation = JsonStr(j, "operation");
    c.json = std::string(raw);
    LS_RETURN_IF_ERROR(sink.OnCommitInfo(std::move(c)));
  } else if (key == "domainMetadata") {
    DomainMetadata d;
    d.domain = JsonStr(j, "domain").value_or("");
    d.configuration = JsonStr(j, "configuration").value_or("");
    // Delta protocol, *Domain Metadata*: `removed` is a Boolean. Read as false, a mistyped
    // tombstone ("true", 1) would keep a removed domain.
    auto it = j.find("removed");
    if (it != j.end() && !it->is_null() && !it->is_boolean()) {
      return CorruptError("domainMetadata action whose removed is not a boolean");
    }
    d.removed = it != j.end() && it->is_boolean() && it->get<bool>();
    d.json = std::string(raw);
    LS_RETURN_IF_ERROR(sink.OnDomainMetadata(std::move(d)));
  } else if (key == "sidecar") {
    SidecarInfo s;
    auto path = JsonStr(j, "path");
    if (!path) {
      return CorruptError("sidecar action without a path");
    }
    s.path = *path;
    LS_ASSIGN_OR_RETURN(std::optional<int64_t> size, OptionalInt(j, key, "sizeInBytes"));
    s.size_in_bytes = size.value_or(0);
    LS_ASSIGN_OR_RETURN(std::optional<int64_t> mtime, OptionalInt(j, key, "modificationTime"));
    s.modification_time = mtime.value_or(0);
    LS_RETURN_IF_ERROR(sink.OnSidecar(std::move(s)));
  } else if (key == "checkpointMetadata") {
    LS_ASSIGN_OR_RETURN(std::optional<int64_t> version, OptionalInt(j, key, "version"));
    LS_RETURN_IF_ERROR(sink.OnCheckpointMetadata(version.value_or(-1)));
  }
  return OkStatus();
}

Result<Protocol> ParseProtocolJson(std::string_view raw) {
  LS_ASSIGN_OR_RETURN(Json j, ParseObject(raw, "protocol"));
  Protocol p;
  auto r = JsonInt(j, "minReaderVersion");
  auto w = JsonInt(j, "minWriterVersion");
  if (!r || !w) {
    return CorruptError(
        "protocol action without minReaderVersion/minWriterVersion (or not a whole number up to "
        "2^63)");
  }
  LS_RETURN_IF_ERROR(p.SetVersions(*r, *w));
  LS_ASSIGN_OR_RETURN(p.reader_features, FeatureList(j, "readerFeatures"));
  LS_ASSIGN_OR_RETURN(p.writer_features, FeatureList(j, "writerFeatures"));
  p.json = std::string(raw);
  return p;
}

Result<Metadata> ParseMetadataJson(std::string_view raw) {
  LS_ASSIGN_OR_RETURN(Json j, ParseObject(raw, "metaData"));
  Metadata m;
  m.id = JsonStr(j, "id").value_or("");
  m.name = JsonStr(j, "name");
  m.description = JsonStr(j, "description");
  auto fmt_it = j.find("format");
  if (fmt_it != j.end() && fmt_it->is_object()) {
    m.format_provider = JsonStr(*fmt_it, "provider").value_or("parquet");
    m.format_options = JsonStringMap(*fmt_it, "options");
  }
  // schemaString is required, but placeholder commits (Delta Live Tables) omit it; an empty
  // schema is served rather than the table refused.
  m.schema_string = JsonStr(j, "schemaString").value_or("");
  m.partition_columns = JsonStrList(j, "partitionColumns").value_or(std::vector<std::string>{});
  LS_ASSIGN_OR_RETURN(m.created_time, OptionalInt(j, "metaData", "createdTime"));
  m.configuration = JsonStringMap(j, "configuration");
  m.json = std::string(raw);
  return m;
}

}  // namespace lakeshare::delta
