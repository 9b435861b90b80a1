// Column chunk decoding: one leaf column of one row group becomes a ColumnData holding the
// definition and repetition levels of every entry and the values of the non-null ones, in the
// physical type. Byte-array values are views into decompressed page buffers that the ColumnData
// owns (dictionary-encoded strings share the dictionary page: no copy per value).
// A ColumnData is a plain value; decoding functions are thread-safe on distinct outputs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "parquet/schema.h"
#include "parquet/types.h"

namespace lakeshare::parquet {

struct ColumnData {
  int leaf = -1;
  PhysicalType type = PhysicalType::kInt32;
  int16_t max_def = 0;
  int16_t max_rep = 0;
  int64_t num_entries = 0;  // level entries (rows for flat columns)
  // Empty when max_def == 0 (every entry defined) / max_rep == 0 (no repetition).
  std::vector<int16_t> def_levels;
  std::vector<int16_t> rep_levels;
  // Values of the entries whose def level == max_def, in order. Exactly one vector is used,
  // chosen by `type` (FIXED_LEN_BYTE_ARRAY and BYTE_ARRAY both use `bytes`).
  std::vector<uint8_t> bools;
  std::vector<int32_t> i32;
  std::vector<int64_t> i64;
  std::vector<Int96> i96;
  std::vector<float> f32;
  std::vector<double> f64;
  std::vector<std::string_view> bytes;
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
