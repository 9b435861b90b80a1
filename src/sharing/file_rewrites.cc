#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "common/strings.h"
#include "delta/schema_columns.h"
#include "delta/table_features.h"
#include "sharing/file_rewrites_internal.h"

namespace lakeshare::sharing {

namespace {

using nlohmann::json;

bool Listed(const std::vector<std::string>& lowered, std::string_view name) {
  return lowered.empty() ||
         std::find(lowered.begin(), lowered.end(), ToLower(name)) != lowered.end();
}

// Physical -> logical names of the top-level fields of a column-mapped schema.
std::map<std::string, std::string> LogicalNames(const std::string& schema_string) {
  std::map<std::string, std::string> out;
  for (const delta::SchemaColumn& c :
       delta::TopLevelColumns(schema_string).value_or(std::vector<delta::SchemaColumn>())) {
    if (!c.physical.empty()) out[c.physical] = c.name;
  }
  return out;
}

// The column masks that name partition columns, by lower-cased name. Partition values reach
// the client in each file's partitionValues, not in the file: they are masked there (ServedView
// refused a "hash" mask on a partition column that is no string).
std::map<std::string, std::string> PartitionMasks(const delta::Metadata& metadata,
                                                  const RecipientView& view) {
  std::map<std::string, std::string> out;
  for (const std::string& p : metadata.partition_columns) {
    for (const auto& [column, kind] : view.column_masks) {
      if (ToLower(column) == ToLower(p)) out[ToLower(p)] = kind;
    }
  }
  return out;
}

}  // namespace

Error FileRewrites::ClientError(Error e) const {
  switch (e.code) {
    case ErrorCode::kNotFound:
      e.message = fmt::format(
          "Table '{}': a data file its Delta log names is missing from its storage, so it cannot "
          "be served; ask the provider",
          table_name_);
      break;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnsupported:
      // The share's view or a file does not fit the rewrite: the provider's to fix.
      e.code = ErrorCode::kUnsupported;
      e.message = fmt::format(
          "Table '{}' cannot be served to you as it is shared ({}); ask the "
          "provider",
          table_name_, e.message);
      break;
    default:
      break;
  }
  return e;
}

Result<std::shared_ptr<const FileRewrites>> FileRewrites::For(const ServiceCore& core,
                                                              const TableContext& ctx,
                                                              const RecipientView& view,
                                                              const delta::Snapshot& s,
                                                              ResponseFormat format) {
  const bool restricted = Restricts(view);
  const bool compat =
      format == ResponseFormat::kParquet &&
      (s.features().column_mapping_mode != "none" || s.features().deletion_vectors_enabled ||
       s.features().HasReaderFeature("deletionVectors"));
  if (!restricted && !compat) return std::shared_ptr<const FileRewrites>();
  if (!core.options.materializer) {
    if (restricted) {
      // Fail closed: a filtered table is never served whole.
      return MakeError(ErrorCode::kUnavailable,
                       fmt::format("Table '{}' is shared with a row filter, columns or masks, and "
                                   "this server has no materialization cache to enforce them; ask "
                                   "the provider",
                                   ctx.table.name));
    }
    // Deletion vectors: ChooseFormat refused the parquet format when a served file has one, so
    // every file is served as it is.
    if (s.features().column_mapping_mode == "none") return std::shared_ptr<const FileRewrites>();
    return Unsupported(
        "Table '{}' needs its files rewritten for the parquet response format and this server "
        "has no materialization cache; request 'responseformat=delta' in the "
        "delta-sharing-capabilities header",
        ctx.table.name);
  }
  std::shared_ptr<FileRewrites> r(new FileRewrites());
  r->materializer_ = core.options.materializer;
  r->wait_ = core.options.materialize_wait;
  r->table_store_ = s.store();
  r->table_key_ = materialize::TableKey(*s.store(), s.metadata().id);
  r->recipient_ = ctx.recipient.name;
  r->table_name_ = ctx.table.name;
  auto transform = std::make_shared<materialize::Transform>();
  // A delta-format client resolves column mapping itself: only the parquet format renames.
  transform->column_mapping_mode =
      format == ResponseFormat::kParquet ? s.features().column_mapping_mode : "none";
  transform->schema_string = s.metadata().schema_string;
  transform->columns = view.columns;
  transform->partition_columns = s.metadata().partition_columns;
  transform->row_filter = view.row_filter;
  transform->column_masks = view.column_masks;
  if (!view.column_masks.empty()) {
    // One key per share: partners of one share can join on a hashed column, partners of
    // another share cannot link their values, and nobody can hash candidates without the key.
    transform->mask_key = core.signer.Mac("column-mask", ctx.table.share_id);
  }
  r->transform_id_ = transform->Identity();
  r->proof_ = materialize::StatsProof::For(*transform, s.metadata(), s.features());
  r->transform_ = std::move(transform);
  r->ledger_ = std::make_shared<materialize::Ledger>(std::map<std::string, std::string>{
      {"table", ctx.table.name},
      {"tableVersion", std::to_string(s.version())},
      {"format", format == ResponseFormat::kParquet ? "parquet" : "delta"},
      {"transform",
       restricted ? (compat ? "recipient+compatibility" : "recipient") : "compatibility"},
      {"transformDigest", TransformDigest(core.signer, r->transform_id_)}});
  if (r->transform_->column_mapping_mode != "none") {
    r->logical_names_ = LogicalNames(s.metadata().schema_string);
  }
  for (const std::string& c : view.columns) r->visible_.push_back(ToLower(c));
  r->partition_masks_ = PartitionMasks(s.metadata(), view);
  r->maps_partition_values_ =
      !r->logical_names_.empty() || !r->visible_.empty() || !r->partition_masks_.empty();
  return std::shared_ptr<const FileRewrites>(std::move(r));
}

materialize::FileRequest FileRewrites::Request(std::string_view path,
                                               const delta::DeletionVectorDescriptor* dv,
                                               int64_t size, bool change_file,
                                               const delta::StringMap& partition_values) const {
  materialize::FileRequest request;
  request.table_store = table_store_;
  request.table_key = table_key_;
  request.file.path = std::string(path);
  if (dv != nullptr) request.file.deletion_vector = *dv;
  request.file.size = size;
  request.file.change_file = change_file;
  request.file.partition_values = partition_values;
  request.transform = transform_;
  request.transform_id = transform_id_;
  request.for_whom = recipient_;
  request.ledger = ledger_;
  return request;
}

Result<materialize::CachedFile> FileRewrites::Get(const materialize::FileRequest& request) const {
  auto got = materializer_->Get(request);
  if (!got) return tl::unexpected<Error>(ClientError(got.error()));
  return got;
}

Result<materialize::PrepareOutcome> FileRewrites::Prepare(
    std::vector<materialize::FileRequest> requests) const {
  auto out = materializer_->Prepare(std::move(requests), wait_);
  if (!out) return tl::unexpected<Error>(ClientError(out.error()));
  if (out->pending > 0) ledger_->NotePending(out->pending);
  return out;
}

void FileRewrites::NoteAudit(http::AuditNotes& notes) const {
  notes.later_events.push_back([ledger = ledger_]() -> std::pair<std::string, std::string> {
    if (ledger->files() == 0 && !ledger->HasPending() && !ledger->HasNotAnnounced()) return {};
    return {std::string(kMaterializedFilesAction), ledger->SummaryJson()};
  });
}

std::string TransformDigest(const HmacSigner& signer, std::string_view transform_id) {
  std::string out;
  AppendHex(out, std::string_view(signer.Mac("materialize-audit", transform_id)).substr(0, 16));
  return out;
}

Status FileRewrites::MapPartitionValues(const delta::StringMap& in, delta::StringMap& out) const {
  out.clear();
  for (const auto& [name, value] : in) {
    auto it = logical_names_.find(name);
    const std::string& logical = it == logical_names_.end() ? name : it->second;
    if (!Listed(visible_, logical)) continue;
    auto mask = partition_masks_.find(ToLower(logical));
    if (mask == partition_masks_.end() || !value || value->empty()) {
      out.emplace_back(logical, value);
    } else if (mask->second == "hash") {
      LS_ASSIGN_OR_RETURN(std::string hashed, materialize::MaskHash(transform_->mask_key, *value));
      out.emplace_back(logical, std::move(hashed));
    } else {
      out.emplace_back(logical, std::nullopt);
    }
  }
  return OkStatus();
}

delta::Metadata RewrittenMetadata(const delta::Metadata& metadata, const RecipientView& view) {
  if (view.columns.empty() && view.column_masks.empty()) return metadata;
  std::vector<std::string> visible;
  for (const std::string& c : view.columns) visible.push_back(ToLower(c));
  delta::Metadata out = metadata;
  json schema = json::parse(metadata.schema_string, nullptr, /*allow_exceptions=*/false);
  if (schema.is_object() && schema.contains("fields") && schema["fields"].is_array()) {
    json fields = json::array();
    for (json f : schema["fields"]) {
      if (!f.is_object() || !f.contains("name") || !f["name"].is_string()) continue;
      const std::string name = f["name"].get<std::string>();
      if (!Listed(visible, name)) continue;
      for (const auto& [column, kind] : view.column_masks) {
        if (ToLower(column) != ToLower(name)) continue;
        if (kind == "hash") f["type"] = "string";
        if (kind == "null") f["nullable"] = true;
      }
      fields.push_back(std::move(f));
    }
    schema["fields"] = std::move(fields);
    out.schema_string = schema.dump();
  }
  std::vector<std::string> partitions;
  for (const std::string& p : metadata.partition_columns) {
    if (Listed(visible, p)) partitions.push_back(p);
  }
  out.partition_columns = std::move(partitions);
  return out;
}

}  // namespace lakeshare::sharing
