#include "delta/actions.h"

#include <fmt/format.h>

#include <array>

#include "common/numbers.h"
#include "common/strings.h"

namespace lakeshare::delta {

namespace {

void AppendStringList(std::string& out, const std::vector<std::string>& list) {
  out.push_back('[');
  for (size_t i = 0; i < list.size(); ++i) {
    if (i) {
      out.push_back(',');
    }
    AppendJsonString(out, list[i]);
  }
  out.push_back(']');
}

bool ContainsName(const std::optional<std::vector<std::string>>& list, std::string_view name) {
  if (!list) {
    return false;
  }
  for (const auto& f : *list) {
    if (f == name) {
      return true;
    }
  }
  return false;
}

constexpr std::string_view kZ85Alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

}  // namespace

const std::optional<std::string>* FindInMap(const StringMap& map, std::string_view key) {
  for (const auto& [k, v] : map) {
    if (k == key) {
      return &v;
    }
  }
  return nullptr;
}

void AppendStringMapJson(std::string& out, const StringMap& map) {
  out.push_back('{');
  bool first = true;
  for (const auto& [k, v] : map) {
    if (!first) {
      out.push_back(',');
    }
    first = false;
    AppendJsonString(out, k);
    out.push_back(':');
    if (v) {
      AppendJsonString(out, *v);
    } else {
      out += "null";
    }
  }
  out.push_back('}');
}

bool Protocol::HasReaderFeature(std::string_view name) const {
  return ContainsName(reader_features, name);
}

bool Protocol::HasWriterFeature(std::string_view name) const {
  return ContainsName(writer_features, name);
}

Status Protocol::SetVersions(int64_t min_reader, int64_t min_writer) {
  const std::optional<int32_t> reader = NonNegativeInt32(min_reader);
  const std::optional<int32_t> writer = NonNegativeInt32(min_writer);
  if (!reader || !writer) {
    return CorruptError(
        "protocol action with a version outside 0..2147483647 (reader {}, writer {})", min_reader,
        min_writer);
  }
  min_reader_version = *reader;
  min_writer_version = *writer;
  return OkStatus();
}

void Protocol::RebuildJson() {
  json = fmt::format("{{\"minReaderVersion\":{},\"minWriterVersion\":{}", min_reader_version,
                     min_writer_version);
  if (reader_features) {
    json += ",\"readerFeatures\":";
    AppendStringList(json, *reader_features);
  }
  if (writer_features) {
    json += ",\"writerFeatures\":";
    AppendStringList(json, *writer_features);
  }
  json.push_back('}');
}

std::optional<std::string> Metadata::Config(std::string_view key) const {
  const auto* v = FindInMap(configuration, key);
  if (v == nullptr || !v->has_value()) {
    return std::nullopt;
  }
  return **v;
}

bool Metadata::ConfigBool(std::string_view key, bool fallback) const {
  auto v = Config(key);
  if (!v) {
    return fallback;
  }
  std::string lower = ToLower(*v);
  if (lower == "true") {
    return true;
  }
  if (lower == "false") {
    return false;
  }
  return fallback;
}

void Metadata::RebuildJson() {
  json = "{\"id\":";
  AppendJsonString(json, id);
  if (name) {
    json += ",\"name\":";
    AppendJsonString(json, *name);
  }
  if (description) {
    json += ",\"description\":";
    AppendJsonString(json, *description);
  }
  json += ",\"format\":{\"provider\":";
  AppendJsonString(json, format_provider);
  json += ",\"options\":";
  AppendStringMapJson(json, format_options);
  json += "},\"schemaString\":";
  AppendJsonString(json, schema_string);
  json += ",\"partitionColumns\":";
  AppendStringList(json, partition_columns);
  json += ",\"configuration\":";
  AppendStringMapJson(json, configuration);
  if (created_time) {
    json += fmt::format(",\"createdTime\":{}", *created_time);
  }
  json.push_back('}');
}

void Txn::RebuildJson() {
  json = "{\"appId\":";
  AppendJsonString(json, app_id);
  json += fmt::format(",\"version\":{}", version);
  if (last_updated) {
    json += fmt::format(",\"lastUpdated\":{}", *last_updated);
  }
  json.push_back('}');
}

void DomainMetadata::RebuildJson() {
  json = "{\"domain\":";
  AppendJsonString(json, domain);
  json += ",\"configuration\":";
  AppendJsonString(json, configuration);
  json += removed ? ",\"removed\":true}" : ",\"removed\":false}";
}

std::string DeletionVectorDescriptor::UniqueId() const {
  std::string id;
  id.reserve(path_or_inline_dv.size() + 12);
  id.push_back(storage_type);
  id += path_or_inline_dv;
  if (offset) {
    id += fmt::format("@{}", *offset);
  }
  return id;
}

Result<std::string> DeletionVectorDescriptor::RelativePath() const {
  if (storage_type != 'u') {
    return InvalidArgument("deletion vector with storage type '{}' has no relative path",
                           storage_type);
  }
  // "<random prefix - optional><base85 encoded uuid>": the UUID is the last 20 characters.
  if (path_or_inline_dv.size() < 20) {
    return CorruptError("deletion vector path '{}' is shorter than a Z85 UUID", path_or_inline_dv);
  }
  std::string_view prefix(path_or_inline_dv.data(), path_or_inline_dv.size() - 20);
  auto uuid = DecodeZ85(std::string_view(path_or_inline_dv).substr(prefix.size()));
  if (!uuid || uuid->size() != 16) {
    return CorruptError("deletion vector path '{}' does not end in a Z85 UUID", path_or_inline_dv);
  }
  std::string hex = HexEncode(*uuid);
  std::string name =
      fmt::format("deletion_vector_{}-{}-{}-{}-{}.bin", hex.substr(0, 8), hex.substr(8, 4),
                  hex.substr(12, 4), hex.substr(16, 4), hex.substr(20));
  if (prefix.empty()) {
    return name;
  }
  return std::string(prefix) + "/" + name;
}

std::string_view DeletionVectorDescriptor::MissingField(const RequiredFields& found) {
  const std::pair<bool, std::string_view> required[] = {
      {found.storage_type, "storageType"},
      {found.path_or_inline_dv, "pathOrInlineDv"},
      {found.size_in_bytes, "sizeInBytes"},
      {found.cardinality, "cardinality"}};
  for (const auto& [present, name] : required) {
    if (!present) {
      return name;
    }
  }
  return {};
}

void DeletionVectorDescriptor::AppendJson(std::string& out) const {
  out += "{\"storageType\":";
  AppendJsonString(out, std::string_view(&storage_type, 1));
  out += ",\"pathOrInlineDv\":";
  AppendJsonString(out, path_or_inline_dv);
  if (offset) {
    fmt::format_to(std::back_inserter(out), ",\"offset\":{}", *offset);
  }
  fmt::format_to(std::back_inserter(out), ",\"sizeInBytes\":{},\"cardinality\":{}}}", size_in_bytes,
                 cardinality);
}

Result<std::optional<int64_t>> CommitInfo::InCommitTimestamp() const {
  if (in_commit_timestamp_mistyped_) {
    return CorruptError(
        "commitInfo action whose inCommitTimestamp is not a whole number up to 2^63");
  }
  return in_commit_timestamp_;
}

void CommitInfo::SetInCommitTimestamp(std::optional<int64_t> value, bool mistyped) {
  in_commit_timestamp_ = mistyped ? std::nullopt : value;
  in_commit_timestamp_mistyped_ = mistyped;
}

std::string_view FileActionTypeName(FileActionType type) {
  switch (type) {
    case FileActionType::kAdd:
      return "add";
    case FileActionType::kRemove:
      return "remove";
    case FileActionType::kCdc:
      return "cdc";
  }
  return "add";
}

std::string EncodeZ85(std::string_view bytes) {
  std::string padded(bytes);
  padded.append((4 - padded.size() % 4) % 4, '\0');
  std::string out;
  out.reserve(padded.size() / 4 * 5);
  for (size_t i = 0; i < padded.size(); i += 4) {
    uint32_t value = 0;
    for (size_t j = 0; j < 4; ++j) value = (value << 8) | static_cast<uint8_t>(padded[i + j]);
    char digits[5];
    for (int k = 4; k >= 0; --k) {
      digits[k] = kZ85Alphabet[value % 85];
      value /= 85;
    }
    out.append(digits, 5);
  }
  return out;
}

std::optional<std::string> DecodeZ85(std::string_view text) {
  if (text.size() % 5 != 0) {
    return std::nullopt;
  }
  std::array<int8_t, 256> table;
  table.fill(-1);
  for (size_t i = 0; i < kZ85Alphabet.size(); ++i) {
    table[static_cast<unsigned char>(kZ85Alphabet[i])] = static_cast<int8_t>(i);
  }
  std::string out;
  out.reserve(text.size() / 5 * 4);
  for (size_t i = 0; i < text.size(); i += 5) {
    uint64_t value = 0;
    for (size_t j = 0; j < 5; ++j) {
      int8_t d = table[static_cast<unsigned char>(text[i + j])];
      if (d < 0) {
        return std::nullopt;
      }
      value = value * 85 + static_cast<uint64_t>(d);
    }
    if (value > 0xffffffffull) {
      return std::nullopt;
    }
    for (int shift = 24; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((value >> shift) & 0xff));
    }
  }
  return out;
}

bool IsAbsoluteUri(std::string_view path) {
  // scheme ":" with scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ); a leading '/' is an
  // absolute local path.
  if (!path.empty() && path[0] == '/') {
    return true;
  }
  size_t colon = path.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return false;
  }
  for (size_t i = 0; i < colon; ++i) {
    char c = path[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok) {
      return false;
    }
  }
  return true;
}

Result<std::string> DecodeActionPath(std::string_view path) {
  // RFC 3986 percent-encoding as the Delta protocol writes paths; '+' is a plus, not a space.
  std::optional<std::string> decoded = PercentDecode(path);
  if (!decoded) return CorruptError("file path '{}' has a malformed percent escape", path);
  return std::move(*decoded);
}

}  // namespace lakeshare::delta
