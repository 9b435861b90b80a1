#include "materialize/row_selection.h"

#include <algorithm>

namespace lakeshare::materialize {

namespace {

template <typename T>
void Pick(const std::vector<T>& in, const std::vector<uint8_t>& take, std::vector<T>* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (take[i]) out->push_back(in[i]);
  }
}

}  // namespace

int64_t CountKept(const std::vector<uint8_t>& keep) {
  return static_cast<int64_t>(std::count_if(keep.begin(), keep.end(), [](uint8_t k) { return k != 0; }));
}

Status SelectRows(const parquet::ColumnData& in, const std::vector<uint8_t>& keep,
                  parquet::ColumnData* out) {
  const size_t entries = static_cast<size_t>(in.num_entries);
  if (!in.def_levels.empty() && in.def_levels.size() != entries) {
    return CorruptError("column {}: {} definition levels for {} entries", in.leaf,
                        in.def_levels.size(), entries);
  }
  if (!in.rep_levels.empty() && in.rep_levels.size() != entries) {
    return CorruptError("column {}: {} repetition levels for {} entries", in.leaf,
                        in.rep_levels.size(), entries);
  }
  // Which entries, and which values (entries at max_def), are kept.
  std::vector<uint8_t> take_entry(entries);
  std::vector<uint8_t> take_value;
  take_value.reserve(entries);
  int64_t row = -1;
  for (size_t e = 0; e < entries; ++e) {
    if (in.rep_levels.empty() || in.rep_levels[e] == 0) ++row;
    if (row < 0 || static_cast<size_t>(row) >= keep.size()) {
      return CorruptError("column {}: more rows than the row group's {}", in.leaf, keep.size());
    }
    take_entry[e] = keep[static_cast<size_t>(row)];
    if (in.is_defined(static_cast<int64_t>(e))) take_value.push_back(take_entry[e]);
  }
  if (static_cast<size_t>(row + 1) != keep.size()) {
    return CorruptError("column {}: {} rows, the row group has {}", in.leaf, row + 1, keep.size());
  }
  if (static_cast<int64_t>(take_value.size()) != in.num_values()) {
    return CorruptError("column {}: {} defined entries but {} values", in.leaf, take_value.size(),
                        in.num_values());
  }
  out->leaf = in.leaf;
  out->type = in.type;
  out->max_def = in.max_def;
  out->max_rep = in.max_rep;
  out->num_entries = CountKept(take_entry);
  Pick(in.def_levels, take_entry, &out->def_levels);
  Pick(in.rep_levels, take_entry, &out->rep_levels);
  switch (in.type) {
    case parquet::PhysicalType::kBoolean:
      Pick(in.bools, take_value, &out->bools);
      break;
    case parquet::PhysicalType::kInt32:
      Pick(in.i32, take_value, &out->i32);
      break;
    case parquet::PhysicalType::kInt64:
      Pick(in.i64, take_value, &out->i64);
      break;
    case parquet::PhysicalType::kInt96:
      Pick(in.i96, take_value, &out->i96);
      break;
    case parquet::PhysicalType::kFloat:
      Pick(in.f32, take_value, &out->f32);
      break;
    case parquet::PhysicalType::kDouble:
      Pick(in.f64, take_value, &out->f64);
      break;
    case parquet::PhysicalType::kByteArray:
    case parquet::PhysicalType::kFixedLenByteArray:
      Pick(in.bytes, take_value, &out->bytes);
      out->buffers = in.buffers;  // the views point into them
      break;
  }
  return OkStatus();
}

}  // namespace lakeshare::materialize
