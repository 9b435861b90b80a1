// FileSet: the active `add` actions of one snapshot, stored compactly so that a log of a million
// adds fits in little memory and can be refreshed cheaply:
//  - strings (paths, raw stats text, other fields as raw JSON) live in append-only arenas;
//  - partition value maps are interned (a table has few distinct ones);
//  - stats stay as the raw text of the log (escaped JSON-in-JSON) and are decoded on demand;
//  - the set is made of at most two immutable layers (a large base and a small tail), each with
//    a "dead" bitmap owned by the FileSet, so that applying one new commit copies only the tail.
// Reconciliation follows the Delta protocol, *Action Reconciliation*: "Logical files in a table
// are identified by their (path, deletionVector.uniqueId) primary key ... keep only the newest
// reference for each logical file"; an `add` replaces the entry with the same key, a `remove`
// deletes it.
// A FileSet is immutable and safe to share between threads; FileSetBuilder is single-threaded.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "delta/actions.h"

namespace lakeshare::delta {

/// A block of uninitialized memory. Blocks of 2 MiB and more are anonymous mappings advised as
/// transparent huge pages: filling them costs one page fault per 2 MiB instead of 512 (page
/// faults dominate loading a large log otherwise).
class MemoryBlock {
 public:
  MemoryBlock() = default;
  explicit MemoryBlock(size_t bytes);
  ~MemoryBlock();
  MemoryBlock(MemoryBlock&& other) noexcept;
  MemoryBlock& operator=(MemoryBlock&& other) noexcept;
  MemoryBlock(const MemoryBlock&) = delete;
  MemoryBlock& operator=(const MemoryBlock&) = delete;

  char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void Release();
  char* data_ = nullptr;
  size_t size_ = 0;
  void* mapping_ = nullptr;  // non-null for mmap'd blocks
  size_t mapping_size_ = 0;
};

/// Append-only storage for strings; views stay valid for the arena's lifetime.
class Arena {
 public:
  std::string_view Copy(std::string_view s);
  size_t bytes_allocated() const { return allocated_; }
  /// Much will be copied: take huge-page blocks from the start.
  void ExpectLarge() { expect_large_ = true; }

 private:
  std::vector<MemoryBlock> blocks_;
  char* cursor_ = nullptr;
  size_t left_ = 0;
  size_t allocated_ = 0;
  bool expect_large_ = false;
};

/// One interned partitionValues map, in the order of the log.
struct PartitionValues {
  StringMap values;
  /// The value of a partition column; nullptr when absent, an empty optional when null.
  const std::optional<std::string>* Find(std::string_view column) const {
    return FindInMap(values, column);
  }
};

/// A deletion vector attached to a stored file, with its precomputed unique id.
struct StoredDeletionVector {
  DeletionVectorDescriptor descriptor;
  std::string unique_id;
};

/// One active logical file, as stored (72 bytes plus its strings in the arena). Views point into
/// arenas kept alive by the FileSet.
struct AddFile {
  const PartitionValues* partition_values = nullptr;  // never null
  const StoredDeletionVector* deletion_vector = nullptr;
  int64_t size = 0;
  int64_t modification_time = 0;
  Version version = 0;  // the commit that added it (the checkpoint version for checkpoint adds)
  const char* path_data = nullptr;
  const char* stats_data = nullptr;
  const char* extra_data = nullptr;
  uint32_t path_size = 0;
  uint32_t stats_size = 0;
  uint32_t extra_size = 0;
  bool data_change = false;
  bool has_stats = false;
  bool stats_escaped = false;  // stats is the escaped text between the quotes of a JSON string
  bool has_size = true;
  bool has_modification_time = true;

  /// The path as in the log (URI-encoded).
  std::string_view path() const { return std::string_view(path_data, path_size); }
  /// Raw statistics text; see stats_escaped.
  std::string_view stats() const { return std::string_view(stats_data, stats_size); }
  /// Other members as raw JSON: "tags":{...},"baseRowId":1 (no braces).
  std::string_view extra_json() const { return std::string_view(extra_data, extra_size); }

  /// The statistics JSON text (unescaped); empty when there are none or they are malformed.
  std::string StatsJson() const;
  /// Append the action object as in the log: {"path":...,"partitionValues":...,...}.
  void AppendJson(std::string& out) const;
  /// Append the stats as a JSON string literal ("\"{...}\""), or nothing when absent.
  void AppendStatsLiteral(std::string& out) const;
  std::string_view dv_unique_id() const {
    return deletion_vector ? std::string_view(deletion_vector->unique_id) : std::string_view();
  }
  /// Number of rows the DV removes (0 without a DV).
  int64_t deleted_rows() const {
    return deletion_vector ? deletion_vector->descriptor.cardinality : 0;
  }
};

/// An add as produced by a parser: views valid only during the call that receives it.
struct AddInput {
  std::string_view path;
  // The partitionValues map; value nullopt for JSON null.
  std::vector<std::pair<std::string_view, std::optional<std::string_view>>> partition_values;
  const DeletionVectorDescriptor* deletion_vector = nullptr;
  std::string_view stats;
  std::string_view extra_json;
  int64_t size = 0;
  int64_t modification_time = 0;
  bool data_change = false;
  bool has_stats = false;
  bool stats_escaped = false;
  bool has_size = false;
  bool has_modification_time = false;
  // True when `path` / `stats` point into buffers handed to FileSetBuilder::Retain(): they are
  // then referenced, not copied (Parquet checkpoints: decoded pages are kept instead of copied).
  bool path_retained = false;
  bool stats_retained = false;
};

class FileSegment;

/// The immutable set of active files of one snapshot.
class FileSet {
 public:
  FileSet();
  ~FileSet();
  FileSet(const FileSet&);
  FileSet& operator=(const FileSet&);
  FileSet(FileSet&&) noexcept;
  FileSet& operator=(FileSet&&) noexcept;

  size_t size() const { return num_files_; }
  int64_t total_bytes() const { return total_bytes_; }

  /// Call `fn` for every active file, base layer first, each layer in insertion order. Stops
  /// early when `fn` returns false.
  void ForEach(const std::function<bool(const AddFile&)>& fn) const;
  /// All active files (pointers stay valid while this FileSet lives).
  std::vector<const AddFile*> Files() const;
  /// Find the active file with this key; nullptr when none.
  const AddFile* Find(std::string_view path, std::string_view dv_unique_id) const;
  /// Approximate heap bytes held (shared layers counted in full).
  size_t MemoryUsage() const;
  int num_layers() const;

 private:
  friend class FileSetBuilder;
  struct Layer {
    std::shared_ptr<const FileSegment> segment;
    std::shared_ptr<const std::vector<uint64_t>> dead;  // bit i set: entry i is not active
  };
  std::vector<Layer> layers_;
  size_t num_files_ = 0;
  int64_t total_bytes_ = 0;
};

/// Applies add/remove actions in log order on top of a starting FileSet. Actions are recorded
/// and reconciled at Finish (one radix sort by key hash, no random-access hash table while
/// replaying).
class FileSetBuilder {
 public:
  /// Start from `base` (empty by default). The builder copies only what it must change.
  explicit FileSetBuilder(const FileSet& base = FileSet());
  ~FileSetBuilder();

  /// "an add replaces the entry with the same (path, dvId)".
  void Add(const AddInput& add, Version version);
  /// About `n` more adds are coming (a checkpoint's row count): storage is sized for them.
  void ExpectAdds(size_t n);
  /// Keep `buffers` alive with the files: later adds may reference their bytes.
  /// `approx_bytes` is their size for memory accounting.
  void Retain(const std::vector<std::shared_ptr<const void>>& buffers, size_t approx_bytes);
  /// "a remove deletes the entry with the same (path, dvId)".
  void Remove(std::string_view path, std::string_view dv_unique_id);
  /// Produce the FileSet. `compact` forces one layer; otherwise a large base is kept and the
  /// tail merged into it only when it grows past a fraction of the base.
  FileSet Finish(bool compact = false);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lakeshare::delta
