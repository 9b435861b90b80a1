#include "materialize/file_rewriter.h"

#include <nlohmann/json.hpp>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <map>

#include "common/strings.h"
#include "delta/table_writer.h"
#include "materialize/row_selection.h"

namespace lakeshare::materialize {

namespace {

using nlohmann::json;
using parquet::NodeShape;
using parquet::Schema;

// The file node of a Delta field: by physical name, by field id, or by its own name.
int FindChild(const Schema& file, int parent, const json& field, const std::string& mode) {
  const json& md = field.contains("metadata") ? field["metadata"] : json::object();
  std::string physical = field.value("name", "");
  int64_t id = -1;
  if (mode == "name" && md.contains("delta.columnMapping.physicalName") &&
      md["delta.columnMapping.physicalName"].is_string()) {
    physical = md["delta.columnMapping.physicalName"].get<std::string>();
  }
  if (mode == "id" && md.contains("delta.columnMapping.id") &&
      md["delta.columnMapping.id"].is_number_integer()) {
    id = md["delta.columnMapping.id"].get<int64_t>();
  }
  for (int c : file.node(parent).children) {
    const auto& n = file.node(c);
    if (mode == "id" ? n.field_id == id && id >= 0 : n.name == physical) return c;
  }
  // Without column mapping, Delta matches names case-insensitively.
  if (mode == "none") {
    for (int c : file.node(parent).children) {
      if (ToLower(file.node(c).name) == ToLower(physical)) return c;
    }
  }
  return -1;
}

// Name the nodes under `node` after the Delta type `type` (nested structs, arrays, maps).
void NameNested(const Schema& file, int node, const json& type, const std::string& mode,
                std::vector<std::string>* names) {
  if (!type.is_object()) return;
  const std::string kind = type.value("type", "");
  const auto& n = file.node(node);
  if (kind == "struct" && n.shape == NodeShape::kStruct && type.contains("fields")) {
    for (const json& f : type["fields"]) {
      const int c = FindChild(file, node, f, mode);
      if (c < 0) continue;
      (*names)[static_cast<size_t>(c)] = f.value("name", "");
      NameNested(file, c, f.contains("type") ? f["type"] : json(), mode, names);
    }
  } else if (kind == "array" && n.shape == NodeShape::kList && n.list_element >= 0) {
    NameNested(file, n.list_element, type.value("elementType", json()), mode, names);
  } else if (kind == "map" && n.shape == NodeShape::kMap) {
    if (n.map_key >= 0) NameNested(file, n.map_key, type.value("keyType", json()), mode, names);
    if (n.map_value >= 0) {
      NameNested(file, n.map_value, type.value("valueType", json()), mode, names);
    }
  }
}

enum class Mask : uint8_t { kNone, kNull, kHash };

Status AppendMaskHash(std::string& out, std::string_view key, std::string_view value) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(value.data()), value.size(), digest,
           &length) == nullptr) {
    return MakeError(ErrorCode::kInternal, "HMAC-SHA256 of a masked value failed");
  }
  AppendHex(out, std::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
  return OkStatus();
}

// Replace a chunk's values by the mask. `out` shares nothing with `in` but its levels.
Status ApplyMask(Mask mask, const std::string& key, const parquet::ColumnData& in,
                 parquet::ColumnData* out) {
  out->leaf = in.leaf;
  out->type = in.type;
  out->max_def = in.max_def;
  out->max_rep = in.max_rep;
  out->num_entries = in.num_entries;
  out->rep_levels = in.rep_levels;
  out->bytes.clear();
  out->buffers.clear();
  if (mask == Mask::kNull) {
    // Every entry one level short of defined: a null value (flat optional columns).
    out->def_levels.assign(static_cast<size_t>(in.num_entries),
                           static_cast<int16_t>(in.max_def - 1));
    out->bools.clear();
    out->i32.clear();
    out->i64.clear();
    out->i96.clear();
    out->f32.clear();
    out->f64.clear();
    return OkStatus();
  }
  out->def_levels = in.def_levels;
  auto arena = std::make_shared<std::string>();
  arena->reserve(in.bytes.size() * 2 * SHA256_DIGEST_LENGTH);  // never reallocated: views stay
  for (std::string_view v : in.bytes) {
    const size_t at = arena->size();
    LS_RETURN_IF_ERROR(AppendMaskHash(*arena, key, v));
    out->bytes.emplace_back(arena->data() + at, arena->size() - at);
  }
  out->buffers.push_back(arena);
  return OkStatus();
}

}  // namespace

Result<OutputColumns> PlanColumns(const Schema& file, const RewriteSpec& spec) {
  json schema = json::parse(spec.schema_string, nullptr, /*allow_exceptions=*/false);
  if (!schema.is_object() || !schema.contains("fields") || !schema["fields"].is_array()) {
    return InvalidArgument("the table's schemaString is not a Delta struct schema");
  }
  const std::string mode = ToLower(spec.column_mapping_mode);
  OutputColumns out;
  out.names.assign(static_cast<size_t>(file.num_nodes()), "");
  std::vector<const json*> wanted;
  if (spec.columns.empty()) {
    for (const json& f : schema["fields"]) wanted.push_back(&f);
  } else {
    for (const std::string& c : spec.columns) {
      const json* found = nullptr;
      for (const json& f : schema["fields"]) {
        if (f.is_object() && ToLower(f.value("name", "")) == ToLower(c)) found = &f;
      }
      if (found == nullptr) return InvalidArgument("column '{}' is not in the table's schema", c);
      wanted.push_back(found);
    }
  }
  for (const json* f : wanted) {
    if (!f->is_object()) continue;
    const int node = FindChild(file, 0, *f, mode);
    // A column the file does not hold (added after the file was written, or a partition
    // column) is left to the reader, as for files served as they are.
    if (node < 0) continue;
    out.top_fields.push_back(node);
    out.names[static_cast<size_t>(node)] = f->value("name", "");
    NameNested(file, node, f->contains("type") ? (*f)["type"] : json(), mode, &out.names);
  }
  for (const std::string& extra : spec.extra_file_columns) {
    for (int c : file.node(0).children) {
      if (file.node(c).name == extra &&
          std::find(out.top_fields.begin(), out.top_fields.end(), c) == out.top_fields.end()) {
        out.top_fields.push_back(c);
      }
    }
  }
  return out;
}

namespace {

// The output leaves of `plan`, in order: the input leaf each reads and the mask it applies.
struct LeafPlan {
  std::vector<int> source;
  std::vector<Mask> masks;
};

// The mask `spec` asks for on top-level column `top` (kNone when none), checked against the
// column's type.
Result<Mask> MaskOf(const Schema& schema, const OutputColumns& plan, int top,
                    const RewriteSpec& spec) {
  Mask mask = Mask::kNone;
  for (const auto& [column, kind] : spec.column_masks) {
    if (ToLower(column) != ToLower(plan.names[static_cast<size_t>(top)])) continue;
    const auto& n = schema.node(top);
    if (n.shape != NodeShape::kPrimitive) {
      return InvalidArgument("column mask on '{}': only flat columns can be masked", column);
    }
    if (kind == "null" && n.repetition == parquet::Repetition::kOptional) {
      mask = Mask::kNull;
    } else if (kind == "hash" && n.physical == parquet::PhysicalType::kByteArray) {
      if (spec.mask_key.size() < 16) {
        return InvalidArgument("column mask 'hash' on '{}' needs a key of at least 16 bytes",
                               column);
      }
      mask = Mask::kHash;
    } else {
      return InvalidArgument(
          "column mask '{}' cannot apply to column '{}' (null: nullable columns; hash: string "
          "or binary columns)",
          kind, column);
    }
  }
  return mask;
}

Result<LeafPlan> PlanLeaves(const Schema& schema, const OutputColumns& plan,
                            const RewriteSpec& spec) {
  LeafPlan out;
  for (int top : plan.top_fields) {
    LS_ASSIGN_OR_RETURN(Mask mask, MaskOf(schema, plan, top, spec));
    for (int leaf : schema.LeavesUnder(top)) {
      out.source.push_back(leaf);
      out.masks.push_back(mask);
    }
  }
  return out;
}

// What the row filter reads: the input leaves of file columns and the values of partition
// columns, by the filter's names.
struct FilterInputs {
  std::map<std::string, int> leaves;
  RowFilter::Bound bound;
};

// The file's value of partition column `name` (logical, any case) in its schema type; nullopt
// when `name` is no partition column of the table.
Result<std::optional<std::optional<delta::TypedValue>>> PartitionValue(const RewriteSpec& spec,
                                                                       const json& fields,
                                                                       const std::string& name) {
  using Bound = std::optional<std::optional<delta::TypedValue>>;
  const auto same = [&](const std::string& other) { return ToLower(other) == ToLower(name); };
  if (std::none_of(spec.partition_columns.begin(), spec.partition_columns.end(), same)) {
    return Bound();
  }
  const json* field = nullptr;
  for (const json& f : fields) {
    if (f.is_object() && f.contains("name") && f["name"].is_string() &&
        same(f["name"].get<std::string>())) {
      field = &f;
    }
  }
  const std::string type =
      field != nullptr && field->contains("type") && (*field)["type"].is_string()
          ? (*field)["type"].get<std::string>()
          : std::string();
  const std::optional<delta::ValueType> value_type = delta::ValueTypeOfDeltaType(type);
  if (!value_type) {
    return InvalidArgument(
        "the row filter reads partition column '{}' of type '{}', which it cannot compare "
        "(string, number, boolean, date and timestamp partition columns can be filtered)",
        name, type.empty() ? "unknown" : type);
  }
  // Under column mapping the log keys partition values by physical name.
  const std::optional<std::string>* raw = nullptr;
  if (spec.partition_values != nullptr) {
    const json md = field->value("metadata", json::object());
    if (md.is_object() && md.contains("delta.columnMapping.physicalName") &&
        md["delta.columnMapping.physicalName"].is_string()) {
      raw = delta::FindInMap(*spec.partition_values,
                             md["delta.columnMapping.physicalName"].get<std::string>());
    }
    if (raw == nullptr)
      raw = delta::FindInMap(*spec.partition_values, (*field)["name"].get<std::string>());
  }
  if (raw == nullptr) {
    return InvalidArgument(
        "the row filter reads partition column '{}', and the file's Delta log action carries no "
        "partition values (written without extendedFileMetadata)",
        name);
  }
  // Delta protocol, *Partition Value Serialization*: "An empty string for any type translates
  // to a null partition value."
  if (!raw->has_value() || (*raw)->empty()) return Bound(std::optional<delta::TypedValue>());
  std::optional<delta::TypedValue> parsed = delta::ParseTypedValue(*value_type, **raw);
  if (!parsed) {
    return CorruptError("partition value \"{}\" of column '{}' is not a valid {}", **raw, name,
                        type);
  }
  return Bound(std::move(parsed));
}

Result<FilterInputs> FilterLeaves(const Schema& schema, const RewriteSpec& spec) {
  FilterInputs inputs;
  std::map<std::string, int>& filter_leaves = inputs.leaves;
  if (spec.row_filter == nullptr || spec.row_filter->never()) return inputs;
  RewriteSpec all = spec;
  all.columns.clear();
  LS_ASSIGN_OR_RETURN(OutputColumns every, PlanColumns(schema, all));
  const json table_schema = json::parse(spec.schema_string, nullptr, /*allow_exceptions=*/false);
  for (const std::string& name : spec.row_filter->Columns()) {
    // A partition column's value is the action's, even when a writer kept it in the file too.
    LS_ASSIGN_OR_RETURN(auto partition_value, PartitionValue(spec, table_schema["fields"], name));
    if (partition_value) {
      inputs.bound[name] = std::move(*partition_value);
      continue;
    }
    int leaf = -1;
    for (int top : every.top_fields) {
      const auto& n = schema.node(top);
      if (ToLower(every.names[static_cast<size_t>(top)]) == ToLower(name) &&
          n.shape == NodeShape::kPrimitive) {
        leaf = n.leaf_index;
      }
    }
    if (leaf < 0) {
      return InvalidArgument("the row filter reads '{}', which is no flat column of the file",
                             name);
    }
    filter_leaves[name] = leaf;
  }
  return inputs;
}

// Which rows of row group `rg` (its first row is `first_row` in the file) the output keeps:
// not deleted by the deletion vector, and passing the row filter.
Result<std::vector<uint8_t>> KeptRows(const parquet::FileReader& in, int rg, int64_t rows,
                                      uint64_t first_row, const RewriteSpec& spec,
                                      const FilterInputs& inputs) {
  std::vector<uint8_t> keep(static_cast<size_t>(rows), 1);
  if (spec.deletion_vector != nullptr) spec.deletion_vector->ClearDeleted(first_row, &keep);
  if (spec.row_filter != nullptr) {
    std::vector<parquet::ColumnData> filter_data(inputs.leaves.size());
    std::map<std::string, const parquet::ColumnData*> by_name;
    size_t i = 0;
    for (const auto& [name, leaf] : inputs.leaves) {
      LS_RETURN_IF_ERROR(in.ReadColumnInto(rg, leaf, &filter_data[i]));
      by_name[name] = &filter_data[i++];
    }
    LS_RETURN_IF_ERROR(spec.row_filter->Evaluate(in.schema(), by_name, &keep, inputs.bound));
  }
  return keep;
}

}  // namespace

Result<std::string> MaskHash(std::string_view key, std::string_view value) {
  std::string out;
  LS_RETURN_IF_ERROR(AppendMaskHash(out, key, value));
  return out;
}

Result<RewriteResult> RewriteFile(const parquet::FileReader& in, const RewriteSpec& spec,
                                  std::unique_ptr<parquet::WritableSink> sink,
                                  const parquet::WriterOptions& options) {
  const Schema& schema = in.schema();
  LS_ASSIGN_OR_RETURN(OutputColumns plan, PlanColumns(schema, spec));
  LS_ASSIGN_OR_RETURN(auto out_schema,
                      parquet::WriterSchema::FromSchema(schema, plan.top_fields, plan.names));
  // Output leaf i reads input leaf source[i] and applies masks[i].
  LS_ASSIGN_OR_RETURN(LeafPlan leaves, PlanLeaves(schema, plan, spec));
  const std::vector<int>& source = leaves.source;
  const std::vector<Mask>& masks = leaves.masks;
  LS_ASSIGN_OR_RETURN(auto filter_leaves, FilterLeaves(schema, spec));
  delta::StatsCollector stats(out_schema.schema());
  LS_ASSIGN_OR_RETURN(auto writer,
                      parquet::FileWriter::Open(std::move(sink), std::move(out_schema), options));
  RewriteResult result;
  uint64_t first_row = 0;
  // One set of buffers per output leaf, reused from row group to row group: a leaf's page
  // arena is recycled by the reader only when nothing else holds it, and each leaf's chunks
  // have about the same size (alternating one set between leaves of different sizes would
  // allocate fresh memory, and fault it in, for every chunk).
  std::vector<parquet::ColumnData> columns(source.size()), selections(source.size());
  parquet::ColumnData masked;
  for (int rg = 0; rg < in.num_row_groups(); ++rg) {
    const int64_t rows = in.row_group_num_rows(rg);
    if (rows < 0) return CorruptError("row group {} has a negative row count", rg);
    LS_ASSIGN_OR_RETURN(std::vector<uint8_t> keep,
                        KeptRows(in, rg, rows, first_row, spec, filter_leaves));
    first_row += static_cast<uint64_t>(rows);
    result.rows_read += rows;
    const int64_t kept = CountKept(keep);
    if (kept == 0) continue;
    for (size_t leaf = 0; leaf < source.size(); ++leaf) {
      parquet::ColumnData& column = columns[leaf];
      parquet::ColumnData& selected = selections[leaf];
      LS_RETURN_IF_ERROR(in.ReadColumnInto(rg, source[leaf], &column));
      const parquet::ColumnData* data = &column;
      if (kept != rows) {
        LS_RETURN_IF_ERROR(SelectRows(column, keep, &selected));
        data = &selected;
      }
      if (masks[leaf] != Mask::kNone) {
        LS_RETURN_IF_ERROR(ApplyMask(masks[leaf], spec.mask_key, *data, &masked));
        data = &masked;
      }
      stats.Add(static_cast<int>(leaf), *data);
      LS_RETURN_IF_ERROR(writer->WriteColumn(static_cast<int>(leaf), *data));
      // Let go of the input's page buffers, so that the reader recycles them.
      selected.bytes.clear();
      selected.buffers.clear();
      masked.bytes.clear();
      masked.buffers.clear();
    }
    LS_RETURN_IF_ERROR(writer->EndRowGroup());
    stats.AddRows(kept);
    result.rows_written += kept;
    ++result.row_groups_written;
  }
  LS_RETURN_IF_ERROR(writer->Close());
  result.bytes_written = writer->bytes_written();
  result.stats_json = stats.Json();
  return result;
}

}  // namespace lakeshare::materialize
