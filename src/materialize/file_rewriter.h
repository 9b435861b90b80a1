// FileRewriter: one data file of a Delta table rewritten for a client that reads Parquet files
// as they are (the compatibility transform of issue 11): the rows its deletion vector deletes
// are dropped, column-mapped physical names (mode "name") or field ids (mode "id") become the
// schema's logical names, and optionally only some top-level columns are kept. The file is
// streamed one row group and one column chunk at a time (never a whole file in memory), written
// with the project's Parquet writer, with Delta statistics of the result under logical names.
// Delta protocol, *Column Mapping*: "In `id` mode, readers must resolve columns by using the
// field_id in the parquet metadata ... In `name` mode, readers must resolve columns in the data
// files by their physical names"; *Deletion Vectors*: "these records *must not* be returned".
// Pure functions; thread-safe on distinct inputs and sinks.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/deletion_vector.h"
#include "materialize/row_filter.h"
#include "parquet/file_reader.h"
#include "parquet/file_writer.h"

namespace lakeshare::materialize {

struct RewriteSpec {
  /// Rows to drop; null when the file has no deletion vector.
  const delta::DeletionVector* deletion_vector = nullptr;
  /// "none", "name" or "id" (delta::TableFeatures::column_mapping_mode).
  std::string column_mapping_mode = "none";
  /// The table's Delta schema (schemaString): logical names and column mapping metadata.
  std::string schema_string;
  /// Logical top-level column names to keep, in this order; empty keeps every column of the
  /// schema that the file holds.
  std::vector<std::string> columns;
  /// A recipient's resolved row filter; null keeps every row. It may read columns that are not
  /// kept (flat top-level columns, by logical name), and partition columns (below).
  const RowFilter* row_filter = nullptr;
  /// The table's partition columns (logical names) and the file's partition values as its Delta
  /// log action holds them (keys are physical names under column mapping; null or "" is null).
  /// Data files do not hold partition columns: a filter leaf naming one reads the file's value,
  /// parsed in the column's schema type as partition pruning parses it (delta::ParseTypedValue),
  /// for every row. kInvalidArgument when the action has no value for it (a remove action
  /// written without extendedFileMetadata) or the type has no comparable value (decimal, binary).
  std::vector<std::string> partition_columns;
  const delta::StringMap* partition_values = nullptr;
  /// Column masks by logical top-level name: "null" (every value null; the column must be
  /// optional) or "hash" (string values replaced by the hex HMAC-SHA256 of their bytes under
  /// mask_key: equal values give equal hashes, so the column still joins, but without the key a
  /// value cannot be found again by hashing candidates, e.g. every phone number).
  std::map<std::string, std::string> column_masks;
  /// The key of "hash" masks (at least 16 bytes; required when a hash mask is given).
  std::string mask_key;
  /// Top-level columns of the file that are not in the Delta schema and are kept as they are,
  /// after the schema's columns (a change data file's `_change_type`); absent ones are skipped.
  std::vector<std::string> extra_file_columns;
};

struct RewriteResult {
  int64_t rows_read = 0;
  int64_t rows_written = 0;
  int64_t bytes_written = 0;
  int row_groups_written = 0;
  /// Delta per-file statistics of the written file, under logical names.
  std::string stats_json;
};

/// The output schema a spec gives a file: top-level nodes kept (in order) and each node's new
/// name ("" keeps it). kInvalidArgument for an unparsable schema or a listed column the schema
/// lacks; kCorrupt when a mapped file lacks the ids it needs.
struct OutputColumns {
  std::vector<int> top_fields;
  std::vector<std::string> names;
};
Result<OutputColumns> PlanColumns(const parquet::Schema& file, const RewriteSpec& spec);

/// The "hash" mask of one value: the hex HMAC-SHA256 of its bytes under `key`.
Result<std::string> MaskHash(std::string_view key, std::string_view value);

/// Rewrite `in` for `spec` into `sink` (closed on success).
Result<RewriteResult> RewriteFile(const parquet::FileReader& in, const RewriteSpec& spec,
                                  std::unique_ptr<parquet::WritableSink> sink,
                                  const parquet::WriterOptions& options = {});

}  // namespace lakeshare::materialize
