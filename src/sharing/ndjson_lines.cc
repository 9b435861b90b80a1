#include "sharing/ndjson_lines.h"

#include <fmt/format.h>

#include <charconv>
#include <cstring>
#include <iterator>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/json_bounds.h"
#include "common/strings.h"

namespace lakeshare::sharing {

namespace {

using OrderedJson = nlohmann::ordered_json;

void AppendInt(std::string& out, std::string_view name, int64_t v) {
  // ,"name":v built on the stack and appended once (names are short constants).
  char buf[64];
  if (name.size() > sizeof(buf) - 30) {
    out += ",\"";
    out += name;
    out += "\":";
    out += std::to_string(v);
    return;
  }
  char* p = buf;
  *p++ = ',';
  *p++ = '"';
  std::memcpy(p, name.data(), name.size());
  p += name.size();
  *p++ = '"';
  *p++ = ':';
  p = std::to_chars(p, buf + sizeof(buf), v).ptr;
  out.append(buf, p);
}

void AppendOptInt(std::string& out, std::string_view name, const std::optional<int64_t>& v) {
  if (v) AppendInt(out, name, *v);
}

void AppendMetadataExtras(std::string& out, const MetadataExtras& extras) {
  AppendOptInt(out, "version", extras.version);
  AppendOptInt(out, "size", extras.size);
  AppendOptInt(out, "numFiles", extras.num_files);
}

// Split `"a":1,"b":{"c":[2]}` into its top-level members.
std::vector<std::string_view> SplitMembers(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  int depth = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      i = JsonStringEnd(s, i) - 1;  // on the closing quote: the loop steps past it
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      --depth;
    } else if (c == ',' && depth == 0) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  if (start < s.size()) out.push_back(s.substr(start));
  return out;
}

bool MemberIs(std::string_view member, std::string_view key) {
  size_t p = 0;
  while (p < member.size() && member[p] == ' ') ++p;
  member.remove_prefix(p);
  return member.size() > key.size() + 2 && member[0] == '"' &&
         member.substr(1, key.size()) == key && member[key.size() + 1] == '"';
}

void AppendWrapperHead(std::string& out, const DeltaFileWrapper& w) {
  out += "{\"file\":{\"id\":";
  AppendJsonString(out, w.id);
  if (!w.deletion_vector_file_id.empty()) {
    out += ",\"deletionVectorFileId\":";
    AppendJsonString(out, w.deletion_vector_file_id);
  }
  AppendOptInt(out, "version", w.version);
  AppendOptInt(out, "timestamp", w.timestamp);
  AppendOptInt(out, "expirationTimestamp", w.expiration_ms);
  out += ",\"deltaSingleAction\":{";
}

void StripField(OrderedJson& field);

void StripType(OrderedJson& type) {
  if (!type.is_object()) return;
  auto t = type.find("type");
  if (t == type.end() || !t->is_string()) return;
  const std::string& kind = t->get_ref<const std::string&>();
  if (kind == "struct") {
    auto fields = type.find("fields");
    if (fields != type.end() && fields->is_array()) {
      for (auto& f : *fields) StripField(f);
    }
  } else if (kind == "array") {
    if (type.contains("elementType")) StripType(type["elementType"]);
  } else if (kind == "map") {
    if (type.contains("keyType")) StripType(type["keyType"]);
    if (type.contains("valueType")) StripType(type["valueType"]);
  }
}

void StripField(OrderedJson& field) {
  if (!field.is_object()) return;
  auto md = field.find("metadata");
  if (md != field.end() && md->is_object()) {
    OrderedJson kept = OrderedJson::object();
    auto comment = md->find("comment");
    if (comment != md->end()) kept["comment"] = *comment;
    *md = std::move(kept);
  }
  if (field.contains("type")) StripType(field["type"]);
}

}  // namespace

std::string StripSchemaMetadata(std::string_view schema_string) {
  // StripType recurses once per nesting level: bounded first (the provider writes the schema).
  if (!CheckJsonBounds(schema_string, kTableSchemaJsonLimits, "The schema")) {
    return std::string(schema_string);
  }
  OrderedJson schema = OrderedJson::parse(schema_string, nullptr, false);
  if (schema.is_discarded() || !schema.is_object()) return std::string(schema_string);
  StripType(schema);
  return schema.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

void AppendParquetProtocol(std::string& out) { out += "{\"protocol\":{\"minReaderVersion\":1}}\n"; }

void AppendDeltaProtocol(std::string& out, const delta::Protocol& protocol,
                         std::optional<int64_t> version) {
  out += "{\"protocol\":{";
  if (version) fmt::format_to(std::back_inserter(out), "\"version\":{},", *version);
  out += "\"deltaProtocol\":";
  out += protocol.json;
  out += "}}\n";
}

void AppendParquetMetadata(std::string& out, const delta::Metadata& metadata,
                           const MetadataExtras& extras) {
  out += "{\"metaData\":{\"id\":";
  AppendJsonString(out, metadata.id);
  if (metadata.name) {
    out += ",\"name\":";
    AppendJsonString(out, *metadata.name);
  }
  if (metadata.description) {
    out += ",\"description\":";
    AppendJsonString(out, *metadata.description);
  }
  out += ",\"format\":{\"provider\":";
  AppendJsonString(out, metadata.format_provider);
  out += "},\"schemaString\":";
  AppendJsonString(out, StripSchemaMetadata(metadata.schema_string));
  out += ",\"partitionColumns\":[";
  for (size_t i = 0; i < metadata.partition_columns.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(out, metadata.partition_columns[i]);
  }
  out.push_back(']');
  if (extras.cdf_enabled) out += ",\"configuration\":{\"enableChangeDataFeed\":\"true\"}";
  AppendMetadataExtras(out, extras);
  out += "}}\n";
}

void AppendDeltaMetadata(std::string& out, const delta::Metadata& metadata,
                         const MetadataExtras& extras) {
  out += "{\"metaData\":{\"deltaMetadata\":";
  out += metadata.json;
  AppendMetadataExtras(out, extras);
  out += "}}\n";
}

std::string_view PartitionValuesJsonCache::Get(const delta::PartitionValues* values) {
  if (slots_.empty()) slots_.resize(kSlots);
  const uint64_t h = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(values)) *
                     0x9E3779B97F4A7C15ULL;  // Fibonacci hashing: the top bits pick the home slot
  const size_t home = static_cast<size_t>(h >> (64 - kSlotBits));
  Slot* free_slot = nullptr;
  for (size_t i = 0; i < kProbes; ++i) {
    Slot& slot = slots_[(home + i) & (kSlots - 1)];
    if (slot.values == values) return slot.json;
    if (slot.values == nullptr && free_slot == nullptr) free_slot = &slot;
  }
  // Not kept: into a free slot of the window, else in place of the home slot's map.
  Slot& slot = free_slot != nullptr ? *free_slot : slots_[home];
  slot.values = values;
  slot.json.clear();
  delta::AppendStringMapJson(slot.json, values->values);
  return slot.json;
}

void AppendParquetFile(std::string& out, const ParquetFileLine& line) {
  out += "{\"";
  out += line.wrapper;
  out += "\":{\"url\":";
  if (line.url_is_plain) {
    out.push_back('"');
    out += line.url;
    out.push_back('"');
  } else {
    AppendJsonString(out, line.url);
  }
  out += ",\"id\":";
  AppendJsonString(out, line.id);
  out += ",\"partitionValues\":";
  if (!line.partition_values_json.empty()) {
    out += line.partition_values_json;
  } else if (line.partition_values) {
    delta::AppendStringMapJson(out, *line.partition_values);
  } else {
    out += "{}";
  }
  AppendInt(out, "size", line.size);
  if (!line.stats_literal.empty()) {
    out += ",\"stats\":";
    out += line.stats_literal;
  }
  AppendOptInt(out, "version", line.version);
  AppendOptInt(out, "timestamp", line.timestamp);
  AppendOptInt(out, "expirationTimestamp", line.expiration_ms);
  out += "}}\n";
}

void AppendDeltaAddFile(std::string& out, const delta::AddFile& file, std::string_view url,
                        std::optional<std::string_view> dv_url, const DeltaFileWrapper& wrapper) {
  AppendWrapperHead(out, wrapper);
  out += "\"add\":{\"path\":";
  AppendJsonString(out, url);
  out += ",\"partitionValues\":";
  delta::AppendStringMapJson(out, file.partition_values->values);
  if (file.has_size) AppendInt(out, "size", file.size);
  if (file.has_modification_time) AppendInt(out, "modificationTime", file.modification_time);
  out += file.data_change ? ",\"dataChange\":true" : ",\"dataChange\":false";
  if (file.has_stats) {
    out += ",\"stats\":";
    file.AppendStatsLiteral(out);
  }
  for (std::string_view member : SplitMembers(file.extra_json())) {
    if (dv_url && file.deletion_vector && MemberIs(member, "deletionVector")) {
      delta::DeletionVectorDescriptor dv = file.deletion_vector->descriptor;
      dv.storage_type = 'p';
      dv.path_or_inline_dv = std::string(*dv_url);
      dv.offset = file.deletion_vector->descriptor.offset;
      out += ",\"deletionVector\":";
      dv.AppendJson(out);
      continue;
    }
    out.push_back(',');
    out.append(member);
  }
  out += "}}}}\n";
}

Status AppendDeltaFileAction(std::string& out, const delta::FileAction& action,
                             std::string_view url, std::optional<std::string_view> dv_url,
                             const DeltaFileWrapper& wrapper) {
  OrderedJson j = OrderedJson::parse(action.json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return CorruptError("A {} action of the Delta log is not a JSON object",
                        delta::FileActionTypeName(action.type));
  }
  j["path"] = std::string(url);
  if (dv_url) {
    auto dv = j.find("deletionVector");
    if (dv != j.end() && dv->is_object()) {
      (*dv)["storageType"] = "p";
      (*dv)["pathOrInlineDv"] = std::string(*dv_url);
    }
  }
  AppendWrapperHead(out, wrapper);
  out.push_back('"');
  out += delta::FileActionTypeName(action.type);
  out += "\":";
  out += j.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
  out += "}}}\n";
  return OkStatus();
}

void AppendEndStreamAction(std::string& out, const EndStreamAction& action) {
  out += "{\"endStreamAction\":{";
  bool first = true;
  auto sep = [&] {
    if (!first) out.push_back(',');
    first = false;
  };
  if (!action.refresh_token.empty()) {
    sep();
    out += "\"refreshToken\":";
    AppendJsonString(out, action.refresh_token);
  }
  if (!action.next_page_token.empty()) {
    sep();
    out += "\"nextPageToken\":";
    AppendJsonString(out, action.next_page_token);
  }
  if (action.min_url_expiration_ms) {
    sep();
    fmt::format_to(std::back_inserter(out), "\"minUrlExpirationTimestamp\":{}",
                   *action.min_url_expiration_ms);
  }
  if (!action.error_message.empty()) {
    sep();
    out += "\"errorMessage\":";
    AppendJsonString(out, action.error_message);
  }
  out += "}}\n";
}

}  // namespace lakeshare::sharing
