#include "materialize/cache_entry.h"

#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include <algorithm>

#include "common/strings.h"
#include "delta/deletion_vector.h"
#include "parquet/file_reader.h"
#include "parquet/file_writer.h"

namespace lakeshare::materialize {

namespace {

using nlohmann::json;

// The JSON beside a cached file is small; anything larger is not ours.
constexpr int64_t kMaxEntryJson = 4 << 20;

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
}

std::string EntryJsonPath(const std::string& cache_path) {
  return cache_path.substr(0, cache_path.size() - std::string_view(".parquet").size()) + ".json";
}

// A Parquet writer's sink over an object being written to the cache (the writer closes the
// sink; the caller commits the object once the whole file is written).
class ObjectSink final : public parquet::WritableSink {
 public:
  explicit ObjectSink(storage::ObjectWriter& object) : object_(object) {}
  Status Append(std::string_view bytes) override {
    if (closed_) return MakeError(ErrorCode::kInternal, "append to a closed sink");
    position_ += static_cast<int64_t>(bytes.size());
    return object_.Append(bytes);
  }
  int64_t position() const override { return position_; }
  Status Close() override {
    closed_ = true;
    return OkStatus();
  }

 private:
  storage::ObjectWriter& object_;
  int64_t position_ = 0;
  bool closed_ = false;
};

const json* Member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

json NamingOfType(const json& type);

// What of a Delta field decides a rewrite's output: its name, its column mapping (physical name,
// field id: the file column it reads) and its type's naming. Not its nullability, comment or other
// metadata.
json NamingOfField(const json& field) {
  json out = json::object();
  if (const json* name = Member(field, "name")) out["name"] = *name;
  if (const json* type = Member(field, "type")) out["type"] = NamingOfType(*type);
  if (const json* md = Member(field, "metadata")) {
    for (const char* key : {"delta.columnMapping.physicalName", "delta.columnMapping.id"}) {
      if (const json* v = Member(*md, key)) out[key] = *v;
    }
  }
  return out;
}

// A type's primitive name, or its shape with the naming of its nested fields and elements.
json NamingOfType(const json& type) {
  if (!type.is_object()) return type;
  json out = json::object();
  if (const json* kind = Member(type, "type")) out["type"] = *kind;
  if (const json* fields = Member(type, "fields"); fields != nullptr && fields->is_array()) {
    out["fields"] = json::array();
    for (const json& f : *fields) out["fields"].push_back(NamingOfField(f));
  }
  for (const char* key : {"elementType", "keyType", "valueType"}) {
    if (const json* t = Member(type, key)) out[key] = NamingOfType(*t);
  }
  return out;
}

// What of a column-mapped schema names the rewrite (file_rewriter's PlanColumns, NameNested,
// PartitionValue): the top-level fields kept (all without a column list, in schema order, which
// is the output's order) and those the row filter reads, each with its physical name, id, name
// and type, nested fields likewise. A comment or a nullability change leaves it as it is.
std::string SchemaNaming(const Transform& t) {
  const json schema = json::parse(t.schema_string, nullptr, /*allow_exceptions=*/false);
  const json* fields = Member(schema, "fields");
  if (fields == nullptr || !fields->is_array()) return t.schema_string;  // the rewriter refuses
  std::vector<std::string> wanted;
  for (const std::string& c : t.columns) wanted.push_back(ToLower(c));
  if (t.row_filter != nullptr && !wanted.empty()) {
    for (const std::string& c : t.row_filter->Columns()) wanted.push_back(ToLower(c));
  }
  json out = json::array();
  for (const json& f : *fields) {
    const json* name = Member(f, "name");
    const bool kept = wanted.empty() ||
                      (name != nullptr && name->is_string() &&
                       std::find(wanted.begin(), wanted.end(), ToLower(name->get<std::string>())) !=
                           wanted.end());
    if (kept) out.push_back(NamingOfField(f));
  }
  return out.dump();
}

}  // namespace

std::string Transform::Identity() const {
  std::string id = "compat/v1/mapping=" + column_mapping_mode;
  // Under column mapping the schema names the output's columns, and one data file belongs to
  // versions that call its columns otherwise (RENAME COLUMN): a file rewritten for one version
  // must not answer another. Only what names the output counts (SchemaNaming), so a comment does
  // not rewrite every file again. Without column mapping names are the file's own.
  if (column_mapping_mode != "none") id += "/naming=" + Sha256Hex(SchemaNaming(*this));
  id += "/columns=";
  for (const auto& c : columns) {
    AppendJsonString(id, c);
    id.push_back(',');
  }
  if (row_filter != nullptr) id += "/filter=" + row_filter->resolved();
  for (const auto& [column, kind] : column_masks) {
    id += "/mask=";
    AppendJsonString(id, column);
    id += ":" + kind;
  }
  // Files masked under another key differ: the key's fingerprint, never the key.
  if (!column_masks.empty() && !mask_key.empty()) id += "/key=" + Sha256Hex(mask_key).substr(0, 16);
  return id;
}

std::string TableKey(const storage::ObjectStore& table_store, std::string_view delta_table_id) {
  std::string key = table_store.uri();
  key.push_back('\0');
  key.append(delta_table_id);
  return key;
}

std::string CachePath(std::string_view table_key, std::string_view path, std::string_view dv_id,
                      std::string_view transform_id) {
  std::string input;
  for (std::string_view part : {table_key, path, dv_id, transform_id}) {
    input += std::to_string(part.size());
    input.push_back(':');
    input.append(part);
  }
  const std::string hex = Sha256Hex(input);
  return hex.substr(0, 2) + "/" + hex + ".parquet";
}

Result<std::optional<CachedFile>> ReadCacheEntry(const storage::ObjectStore& cache,
                                                 const std::string& cache_path) {
  const std::string json_path = EntryJsonPath(cache_path);
  auto info = cache.Stat(json_path);
  if (!info) {
    if (info.error().code == ErrorCode::kNotFound) return std::optional<CachedFile>();
    return tl::unexpected<Error>(info.error());
  }
  if (info->size > kMaxEntryJson) {
    return CorruptError("cache entry '{}' is {} bytes, more than an entry holds", json_path,
                        info->size);
  }
  LS_ASSIGN_OR_RETURN(std::string text, cache.Read(json_path));
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("size") || !j["size"].is_number_integer() ||
      !j.contains("rows") || !j["rows"].is_number_integer() || !j.contains("stats") ||
      !j["stats"].is_string()) {
    return CorruptError("cache entry '{}' is not an entry of this server", json_path);
  }
  CachedFile f;
  f.path = cache_path;
  f.size = j["size"].get<int64_t>();
  f.rows = j["rows"].get<int64_t>();
  f.stats_json = j["stats"].get<std::string>();
  return std::optional<CachedFile>(std::move(f));
}

Result<CachedFile> BuildCacheEntry(const storage::ObjectStore& table_store, const SourceFile& file,
                                   const Transform& transform, storage::ObjectStore& cache,
                                   const std::string& cache_path,
                                   const parquet::WriterOptions& options, BuildStats* stats) {
  LS_ASSIGN_OR_RETURN(std::string path, storage::ResolveTablePath(table_store, file.path));
  std::optional<delta::DeletionVector> dv;
  if (file.deletion_vector) {
    LS_ASSIGN_OR_RETURN(dv, delta::LoadDeletionVector(table_store, *file.deletion_vector));
  }
  LS_ASSIGN_OR_RETURN(auto input, table_store.OpenFile(path));
  LS_ASSIGN_OR_RETURN(auto reader, parquet::FileReader::Open(std::move(input)));
  RewriteSpec spec;
  spec.deletion_vector = dv ? &*dv : nullptr;
  spec.column_mapping_mode = transform.column_mapping_mode;
  spec.schema_string = transform.schema_string;
  spec.columns = transform.columns;
  spec.row_filter = transform.row_filter.get();
  spec.partition_columns = transform.partition_columns;
  spec.partition_values = &file.partition_values;
  spec.column_masks = transform.column_masks;
  spec.mask_key = transform.mask_key;
  if (file.change_file) spec.extra_file_columns = {"_change_type"};
  // The file streams into the cache (a local cache writes it to disk as it comes; other
  // stores collect it and upload it on Commit).
  LS_ASSIGN_OR_RETURN(auto object, cache.OpenWriter(cache_path));
  auto sink = std::make_unique<ObjectSink>(*object);
  LS_ASSIGN_OR_RETURN(RewriteResult r, RewriteFile(*reader, spec, std::move(sink), options));
  LS_RETURN_IF_ERROR(object->Commit());
  CachedFile out;
  out.path = cache_path;
  out.size = r.bytes_written;
  out.rows = r.rows_written;
  out.stats_json = std::move(r.stats_json);
  nlohmann::json entry{{"size", out.size}, {"rows", out.rows}, {"stats", out.stats_json}};
  LS_RETURN_IF_ERROR(cache.Put(EntryJsonPath(cache_path), entry.dump()));
  if (stats != nullptr) {
    stats->rows_read = r.rows_read;
    stats->rows_written = r.rows_written;
    stats->bytes_written = r.bytes_written;
  }
  return out;
}

}  // namespace lakeshare::materialize
