// Deletion vectors: the set of row indexes of one data file that a Delta snapshot no longer
// returns. Delta protocol, *Deletion Vector Format*: a "RoaringBitmapArray" (magic number
// 1681511377, then a 64-bit RoaringBitmap in the portable format of the RoaringFormatSpec, little
// endian), stored inline in the log (storage type 'i', Z85) or in a DV file (storage types 'u',
// relative with an optional random prefix and a Z85 UUID, and 'p', an absolute path beneath the
// table root: storage::ResolveTablePath) as
// "version byte 1, then per DV: dataSize (big endian), bitmapData, CRC-32 of bitmapData".
// Every length read from bytes is checked against what is left before anything is allocated; a
// bitmap is kept in its containers (never expanded row by row), so memory stays proportional to
// the serialized size whatever cardinality a run container claims.
// A DeletionVector is an immutable value, safe to share between threads after construction.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "storage/object_store.h"

namespace lakeshare::delta {

/// Delta protocol, *Deletion Vector Format*: "magicNumber 1681511377".
inline constexpr uint32_t kDeletionVectorMagic = 1681511377;
/// Largest serialized deletion vector read (sizeInBytes); larger ones are refused as corrupt.
inline constexpr int64_t kMaxDeletionVectorBytes = int64_t{256} << 20;

class DeletionVector {
 public:
  DeletionVector() = default;

  /// Parse a serialized RoaringBitmapArray (magic number first). kCorrupt names what is wrong:
  /// magic, a count or size past the end, keys or values out of order, trailing bytes.
  static Result<DeletionVector> Parse(std::string_view bytes);
  /// Build from row indexes in any order (duplicates count once). Rows must be < 2^63.
  static DeletionVector FromRows(std::vector<uint64_t> rows);

  /// Serialize as a RoaringBitmapArray (magic number first), each container in its smallest
  /// form (array, bitmap or run), readable by Delta's and the RoaringBitmap libraries.
  std::string Serialize() const;

  /// Number of deleted rows.
  uint64_t cardinality() const { return cardinality_; }
  bool empty() const { return cardinality_ == 0; }
  bool Contains(uint64_t row) const;
  /// Call `fn(first, last)` (both inclusive, ascending, maximal within one container) for the
  /// deleted rows in [begin, end).
  void ForEachRange(uint64_t begin, uint64_t end,
                    const std::function<void(uint64_t, uint64_t)>& fn) const;
  /// Clear keep[i] for every deleted row begin + i, i < keep->size() (one row group's rows).
  void ClearDeleted(uint64_t begin, std::vector<uint8_t>* keep) const;
  /// Every deleted row, ascending, stopping after `limit` rows (tests, small vectors).
  std::vector<uint64_t> Rows(uint64_t limit = UINT64_MAX) const;

  /// Approximate heap bytes held.
  size_t MemoryUsage() const;

 private:
  enum class Kind : uint8_t { kArray, kBitmap, kRun };
  struct Container {
    uint64_t high = 0;  // row >> 16
    Kind kind = Kind::kArray;
    uint32_t cardinality = 0;
    // kArray: sorted values; kRun: (start, length - 1) pairs; kBitmap: empty.
    std::vector<uint16_t> values;
    std::vector<uint64_t> words;  // kBitmap: 1024 words, bit v set when v is deleted
  };
  static Status ParseBucket(std::string_view* in, uint32_t key, std::vector<Container>* out);
  const Container* Find(uint64_t high) const;
  void AppendBucket(uint32_t key, size_t first, size_t last, std::string& out) const;

  std::vector<Container> containers_;  // ascending by high
  uint64_t cardinality_ = 0;
};

/// Delta protocol, *Deletion Vector File Storage Format*: append one DV (big-endian dataSize,
/// bitmap, big-endian CRC-32) to a DV file's bytes; a new file starts with the version byte 1
/// (appended when `file` is empty). Returns the DV's offset (of its dataSize field).
int32_t AppendDeletionVectorToFile(std::string_view bitmap, std::string* file);

/// Read the deletion vector a descriptor names, from the log ('i') or its DV file ('u', 'p')
/// in the table at `store`; checks the size, the checksum, the magic number and that the
/// cardinality matches the descriptor's. kCorrupt for bad bytes, kNotFound for a missing file.
Result<DeletionVector> LoadDeletionVector(const storage::ObjectStore& store,
                                          const DeletionVectorDescriptor& dv);

}  // namespace lakeshare::delta
