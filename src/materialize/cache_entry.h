// Cache entries of the materialization engine: one rewritten data file, stored in the cache store
// as "<2 hex>/<64 hex>.parquet", and beside it "<...>.json", which holds the rewritten file's
// size, row count and Delta statistics. The JSON is written last (after the Parquet file), so an
// entry exists exactly when its JSON does: a crash between the two writes leaves an orphan Parquet
// file that the next build overwrites, never an entry that lies.
// The key (CachePath) is the SHA-256 of the table's identity (its store URI and Delta table id),
// the file's path, its deletion vector's unique id and the transform's identity: a new commit
// rewrites only the files it changed, and a table registered elsewhere never shares entries with
// this one. Pure functions; thread-safe on distinct entries (two builders of one entry write the
// same bytes; the stores' Put is atomic).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "materialize/file_rewriter.h"
#include "storage/object_store.h"

namespace lakeshare::materialize {

/// What is done to every file of one table for one audience: the compatibility transform (column
/// mapping resolved, deletion vectors applied) plus a recipient's projection, resolved row filter
/// and column masks. Immutable once built; shared by the requests of one response.
struct Transform {
  std::string column_mapping_mode = "none";  // "none", "name" or "id"
  std::string schema_string;                 // the table's Delta schema
  std::vector<std::string> columns;          // top-level logical columns kept (empty: all)
  /// The table's partition columns (logical names): a row filter reads their values from each
  /// file's partition values (RewriteSpec::partition_values). Not part of the identity: a table
  /// cannot change its partitioning without writing new files.
  std::vector<std::string> partition_columns;
  std::shared_ptr<const RowFilter> row_filter;  // resolved for the recipient; null: every row
  std::map<std::string, std::string> column_masks;
  /// The key of keyed ("hash") masks; part of the identity only through its fingerprint.
  std::string mask_key;

  /// True when a file must be rewritten even without a deletion vector.
  bool RewritesEveryFile() const {
    return column_mapping_mode != "none" || !columns.empty() || row_filter != nullptr ||
           !column_masks.empty();
  }
  /// The identity of the transform in cache keys (mapping, under column mapping the schema,
  /// columns, filter, masks).
  std::string Identity() const;
};

/// One data file to rewrite.
struct SourceFile {
  std::string path;  // as in the Delta log
  std::optional<delta::DeletionVectorDescriptor> deletion_vector;
  int64_t size = 0;
  bool change_file = false;  // a cdc file: its `_change_type` column is kept
  /// As in the file's Delta log action; fixed by the path, so not part of the cache key.
  delta::StringMap partition_values;
};

/// A rewritten file in the cache.
struct CachedFile {
  std::string path;  // in the cache store
  int64_t size = 0;
  int64_t rows = 0;
  std::string stats_json;  // Delta statistics of the rewritten file, logical names
};

/// The identity of a table in cache keys: its store's URI and its Delta table id.
std::string TableKey(const storage::ObjectStore& table_store, std::string_view delta_table_id);

/// "<2 hex>/<64 hex>.parquet": SHA-256 of the length-prefixed parts.
std::string CachePath(std::string_view table_key, std::string_view path, std::string_view dv_id,
                      std::string_view transform_id);

/// The entry at `cache_path`, or nullopt when there is none (kCorrupt for an unreadable entry).
Result<std::optional<CachedFile>> ReadCacheEntry(const storage::ObjectStore& cache,
                                                 const std::string& cache_path);

/// Counters of one build.
struct BuildStats {
  int64_t rows_read = 0;
  int64_t rows_written = 0;
  int64_t bytes_written = 0;
};

/// Rewrite `file` of the table in `table_store` for `transform` and store it in `cache` at
/// `cache_path` (Parquet file, then its JSON).
Result<CachedFile> BuildCacheEntry(const storage::ObjectStore& table_store, const SourceFile& file,
                                   const Transform& transform, storage::ObjectStore& cache,
                                   const std::string& cache_path,
                                   const parquet::WriterOptions& options = {},
                                   BuildStats* stats = nullptr);

}  // namespace lakeshare::materialize
