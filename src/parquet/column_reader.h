// Column chunk decoding: one leaf column of one row group becomes a ColumnData holding the
// definition and repetition levels of every entry and the values of the non-null ones, in the
// physical type. Byte-array values are views into decompressed page buffers that the ColumnData
// owns (dictionary-encoded strings share the dictionary page: no copy per value).
// A ColumnData is a plain value; decoding functions are thread-safe on distinct outputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "parquet/schema.h"
#include "parquet/types.h"

namespace lakeshare::parquet {

/// Storage of ColumnData's vectors: blocks of 256 KiB and more are 2 MiB aligned and advised as
/// transparent huge pages (filling fresh memory costs one page fault per 2 MiB instead of 512;
/// those faults dominated decoding large columns).
void* AllocateColumnStorage(size_t bytes);
void FreeColumnStorage(void* p, size_t bytes) noexcept;

template <typename T>
struct ColumnAllocator {
  using value_type = T;
  ColumnAllocator() = default;
  template <typename U>
  ColumnAllocator(const ColumnAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  T* allocate(size_t n) { return static_cast<T*>(AllocateColumnStorage(n * sizeof(T))); }
  void deallocate(T* p, size_t n) noexcept { FreeColumnStorage(p, n * sizeof(T)); }
  friend bool operator==(const ColumnAllocator&, const ColumnAllocator&) { return true; }
};

template <typename T>
using ColumnVector = std::vector<T, ColumnAllocator<T>>;

struct ColumnData {
  int leaf = -1;
  PhysicalType type = PhysicalType::kInt32;
  int16_t max_def = 0;
  int16_t max_rep = 0;
  int64_t num_entries = 0;  // level entries (rows for flat columns)
  // Empty when max_def == 0 (every entry defined) / max_rep == 0 (no repetition).
  ColumnVector<int16_t> def_levels;
  ColumnVector<int16_t> rep_levels;
  // Values of the entries whose def level == max_def, in order. Exactly one vector is used,
  // chosen by `type` (FIXED_LEN_BYTE_ARRAY and BYTE_ARRAY both use `bytes`).
  ColumnVector<uint8_t> bools;
  ColumnVector<int32_t> i32;
  ColumnVector<int64_t> i64;
  ColumnVector<Int96> i96;
  ColumnVector<float> f32;
  ColumnVector<double> f64;
  ColumnVector<std::string_view> bytes;
  // Keeps the buffers the `bytes` views point into alive (page buffers, arenas: any owner).
  std::vector<std::shared_ptr<const void>> buffers;
  // The block of decompressed pages (also in `buffers`), which FileReader::ReadColumnInto
  // recycles when nothing else holds it.
  std::shared_ptr<char[]> page_arena;
  size_t page_arena_size = 0;

  int64_t num_values() const;
  bool is_defined(int64_t entry) const {
    return def_levels.empty() || def_levels[static_cast<size_t>(entry)] == max_def;
  }
};

}  // namespace lakeshare::parquet
