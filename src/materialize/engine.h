// The materialization engine: the compatibility transform of a whole snapshot. Every active file
// that a Parquet-only client would read wrong (it carries a deletion vector, or the table's column
// mapping is active) is rewritten by RewriteFile into a cache store, under a key derived from the
// file's identity, its deletion vector and the transform (so a new commit rewrites only new files,
// and a file rewritten once is reused by every later request); other files are never rewritten.
// Work is spread over `threads` workers, one file each at a time; memory is one output file per
// worker plus one column chunk being rewritten.
// Thread-safety: MaterializeSnapshot may run concurrently on distinct caches; two runs on the
// same cache write identical bytes under the same key (the cache store's Put is atomic).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "delta/snapshot.h"
#include "materialize/cache_entry.h"
#include "materialize/file_rewriter.h"
#include "storage/object_store.h"

namespace lakeshare::materialize {

struct MaterializeOptions {
  /// Where rewritten files are stored (a folder or a prefix of the table's object store).
  std::shared_ptr<storage::ObjectStore> cache;
  /// Top-level logical columns to keep (empty: all).
  std::vector<std::string> columns;
  /// A recipient's resolved row filter (null: none). With one, every file is rewritten (a file
  /// whose statistics prove that all rows pass could be served as it is: not done yet), and
  /// recipients of the same resolved filter share the rewritten files.
  const RowFilter* row_filter = nullptr;
  /// Column masks (see RewriteSpec::column_masks) and the key of "hash" masks.
  std::map<std::string, std::string> column_masks;
  std::string mask_key;
  int threads = 2;
  parquet::WriterOptions parquet;
  /// Called after each file (from worker threads, serialized): done and total counts.
  std::function<void(int64_t done, int64_t total, const std::string& path)> progress;
};

/// One active file of the snapshot as a Parquet-only client should receive it.
struct MaterializedFile {
  std::string source_path;  // the add action's path (as in the log)
  bool rewritten = false;   // false: serve the source file as it is
  bool reused = false;      // the rewritten file was already in the cache
  std::string cache_path;   // path in the cache store when rewritten
  int64_t size = 0;         // bytes of the file to serve
  std::string stats_json;   // statistics of the file to serve (logical names) when rewritten
};

struct MaterializeSummary {
  std::vector<MaterializedFile> files;  // in the snapshot's order
  int64_t rewritten = 0;
  int64_t reused = 0;
  int64_t rows_read = 0;
  int64_t rows_written = 0;
  int64_t bytes_written = 0;
};

/// Rewrite what needs rewriting in `snapshot` into options.cache (see above).
Result<MaterializeSummary> MaterializeSnapshot(const delta::Snapshot& snapshot,
                                               const MaterializeOptions& options);

}  // namespace lakeshare::materialize
