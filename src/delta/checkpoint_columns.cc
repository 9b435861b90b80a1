#include "delta/checkpoint_columns_internal.h"

#include <memory>

namespace lakeshare::delta::internal {

bool AllNull(const FileReader& reader, int row_group, int leaf) {
  auto stats = reader.column_statistics(row_group, leaf);
  if (!stats || !stats->null_count) {
    return false;
  }
  return *stats->null_count >= reader.column_chunk_info(row_group, leaf).num_values;
}

void Detach(ColumnData& d) {
  d.buffers.clear();
  d.bytes.clear();
  if (d.page_arena.use_count() > 1) {
    d.page_arena.reset();
    d.page_arena_size = 0;
  }
}

size_t Capacity(const ColumnData& d) {
  return (d.def_levels.capacity() + d.rep_levels.capacity()) * sizeof(int16_t) +
         d.bools.capacity() + d.i32.capacity() * 4 + d.i64.capacity() * 8 +
         d.i96.capacity() * sizeof(parquet::Int96) + d.f32.capacity() * 4 + d.f64.capacity() * 8 +
         d.bytes.capacity() * sizeof(std::string_view) + (d.page_arena ? d.page_arena_size : 0);
}

}  // namespace lakeshare::delta::internal
