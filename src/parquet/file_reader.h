// FileReader: opens one Parquet file through a RandomAccessFile, validates and decodes its footer
// once, and decodes column chunks on request (one leaf of one row group at a time, so memory is
// bounded by a row group's columns that are asked for). What a decode may claim and take is
// bounded by the file's size (parquet/decode_budget.h): a footer claiming more entries than that,
// or a chunk whose decode would take more, is kCorrupt. Errors name the file and the reason.
// Thread-safety: after Open, all const methods may be called concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"
#include "common/thread_annotations.h"
#include "parquet/column_reader.h"
#include "parquet/decode_budget.h"
#include "parquet/schema.h"
#include "storage/random_access_file.h"

namespace lakeshare::parquet {

namespace format {
class FileMetaData;
}

/// Row-group statistics of one column, with min/max in the column's PLAIN encoding.
struct ColumnStatistics {
  std::optional<std::string> min;
  std::optional<std::string> max;
  std::optional<int64_t> null_count;
  std::optional<int64_t> distinct_count;
};

/// Metadata of one column chunk for display and planning.
struct ColumnChunkInfo {
  Compression codec = Compression::kUncompressed;
  std::vector<Encoding> encodings;
  int64_t num_values = 0;
  int64_t compressed_size = 0;
  int64_t uncompressed_size = 0;
};

class FileReader {
 public:
  /// Read and validate the footer. `file` must outlive nothing: the reader shares ownership.
  static Result<std::unique_ptr<FileReader>> Open(std::shared_ptr<storage::RandomAccessFile> file);
  /// Same, with the limits of each decode given (the default: DecodeLimits::ForFileSize).
  static Result<std::unique_ptr<FileReader>> Open(std::shared_ptr<storage::RandomAccessFile> file,
                                                  const DecodeLimits& limits);
  /// Convenience: open a local file by path.
  static Result<std::unique_ptr<FileReader>> OpenPath(const std::string& path);

  ~FileReader();

  const Schema& schema() const { return schema_; }
  const std::string& name() const { return file_->name(); }
  int num_row_groups() const;
  int64_t num_rows() const;
  int64_t row_group_num_rows(int row_group) const;
  std::string created_by() const;
  std::vector<std::pair<std::string, std::string>> key_value_metadata() const;
  ColumnChunkInfo column_chunk_info(int row_group, int leaf) const;
  std::optional<ColumnStatistics> column_statistics(int row_group, int leaf) const;

  /// Decode one leaf column of one row group. Fails (kCorrupt) when the footer claims more rows
  /// or values than the decode limits allow, or when decoding the chunk would take more.
  Result<ColumnData> ReadColumn(int row_group, int leaf) const;
  /// Same, into `out`, reusing the capacity of its vectors and its page buffers when nothing
  /// else references them (reading the same column of many row groups without fresh memory).
  Status ReadColumnInto(int row_group, int leaf, ColumnData* out) const;

  /// The decoded footer, for code inside src/parquet (see thrift_internal.h).
  const format::FileMetaData& metadata() const { return *metadata_; }

 private:
  FileReader() = default;
  Status ValidateRowGroups() const;
  // A compressed column chunk's raw bytes are dead once its pages are decompressed: the buffer
  // is kept for the next chunk (fresh memory costs a page fault per 4 KiB or 2 MiB touched).
  std::shared_ptr<char[]> TakeChunkBuffer(size_t n, size_t* capacity) const
      LS_EXCLUDES(scratch_mutex_);
  void ReturnChunkBuffer(std::shared_ptr<char[]> buffer, size_t n) const
      LS_EXCLUDES(scratch_mutex_);

  std::shared_ptr<storage::RandomAccessFile> file_;
  std::unique_ptr<format::FileMetaData> metadata_;
  Schema schema_;
  int64_t footer_start_ = 0;
  DecodeLimits limits_;
  Status claims_;  // the footer's counts against limits_ (CheckClaimedCounts)
  // What the chunk decodes of this reader took so far, against limits_.max_file_bytes (each
  // concurrent read may use what is left when it starts: N at once, at most N times the limit).
  mutable std::atomic<int64_t> decoded_bytes_{0};
  mutable Mutex scratch_mutex_;
  mutable std::shared_ptr<char[]> scratch_ LS_GUARDED_BY(scratch_mutex_);
  mutable size_t scratch_size_ LS_GUARDED_BY(scratch_mutex_) = 0;
};

}  // namespace lakeshare::parquet
