// What decoding one Parquet file may claim and take. A footer claims row and value counts in a
// few bytes, and one run-length-encoded run of nulls decodes any number of levels from a few
// bytes more, so what a decode costs is bounded here by the size of the file, not by its claims:
// CheckClaimedCounts refuses a footer claiming more rows or values than its bounds before any
// column is decoded, and a DecodeBudget counts the bytes one column chunk's decode allocates and
// refuses a page that would pass its limit. Checkpoints (delta/checkpoint_reader.cc) use
// stricter count bounds than data files (DecodeLimits::ForFileSize, the FileReader's default).
// Thread-safety: the functions are pure; a DecodeBudget belongs to one decode.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "common/result.h"

namespace lakeshare::parquet {

class FileReader;

/// Bounds on what a footer may claim, for CheckClaimedCounts.
struct ClaimBounds {
  int64_t file_size = 0;              // named in the message
  int64_t max_rows = 0;               // all row groups together
  int64_t max_values_per_column = 0;  // one leaf's chunks in all row groups together
};

/// Refuse (kCorrupt, naming the row group and the counts, without a file name) a footer whose
/// row groups together claim more than `bounds.max_rows` rows, or whose chunks of one column
/// together claim more than `bounds.max_values_per_column` values; negative counts are corrupt.
/// Totals, not each row group alone: row groups cost a few footer bytes each, and their chunks
/// may all point at the same run of nulls.
Status CheckClaimedCounts(const FileReader& reader, const ClaimBounds& bounds);

/// The memory one column chunk's decode may take (levels, values, decompressed pages), and what
/// all the chunk decodes of one FileReader may take together: a caller such as the
/// materializer holds every column of a row group at once, and each column adds a chunk's limit
/// for a few footer bytes, so a per-chunk limit alone bounds nothing per file. The file's bound
/// is cumulative over every chunk read (memory and work), not what is held at once: a real but
/// extremely compressible file (constant or sorted low-cardinality columns over ~10^8 rows in a
/// few MB) whose whole decode passes it is refused as corrupt, and its partner is told the
/// table's file cannot be read (the corpus holds no such file).
struct DecodeLimits {
  int64_t max_chunk_bytes = 0;
  int64_t max_file_bytes = std::numeric_limits<int64_t>::max();
  /// The default for a file of `file_size` bytes: kFloorBytes (kFileFloorBytes for the whole
  /// file), plus kBytesPerFileByte per byte.
  static DecodeLimits ForFileSize(int64_t file_size);
  /// A file may claim no more entries than its decode could hold (every entry takes a byte or
  /// more decoded: a level is two, the smallest value one).
  ClaimBounds Claims(int64_t file_size) const;

  // Real data decodes to a few times its file size (compression, 16-byte views of short strings,
  // two bytes per level); a constant or all-null column of a few million rows fits the floor.
  static constexpr int64_t kFloorBytes = int64_t{64} << 20;
  static constexpr int64_t kFileFloorBytes = int64_t{256} << 20;
  static constexpr int64_t kBytesPerFileByte = 256;
};

/// Bytes one decode may still allocate. Not thread-safe.
class DecodeBudget {
 public:
  explicit DecodeBudget(int64_t limit) : limit_(limit), left_(limit) {}
  /// A chunk's decode when its file's decodes may take `file_left` more bytes (of `file_limit`).
  DecodeBudget(int64_t chunk_limit, int64_t file_left, int64_t file_limit);
  /// Take `count` items of `size` bytes each; false (taking nothing) when they do not fit.
  bool Take(uint64_t count, uint64_t size);
  int64_t limit() const { return limit_; }
  int64_t taken() const { return limit_ - left_; }
  /// Why a Take failed, for the corrupt-file message: the chunk's limit, or the file's.
  std::string Exceeded() const;

 private:
  int64_t limit_;
  int64_t left_;
  int64_t chunk_limit_ = limit_;
  int64_t file_limit_ = 0;  // 0: no file-wide limit given
};

}  // namespace lakeshare::parquet
