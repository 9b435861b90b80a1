#include "materialize/row_selection.h"

#include <algorithm>

#include "parquet/value_vectors.h"

namespace lakeshare::materialize {

namespace {

template <typename T>
void Pick(const std::vector<T>& in, const std::vector<uint8_t>& take, std::vector<T>* out) {
  // Branch-free: every value is written, the next slot taken only when it is kept.
  out->resize(in.size());
  T* dst = out->data();
  size_t n = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    dst[n] = in[i];
    n += take[i] != 0 ? 1 : 0;
  }
  out->resize(n);
}

}  // namespace

int64_t CountKept(const std::vector<uint8_t>& keep) {
  return static_cast<int64_t>(
      std::count_if(keep.begin(), keep.end(), [](uint8_t k) { return k != 0; }));
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
  // Which entries, and which values (entries at max_def), are kept. A flat column's entries are
  // its rows: `keep` itself, and its values too when every entry is defined.
  std::vector<uint8_t> take_entry_own;
  std::vector<uint8_t> take_value_own;
  const std::vector<uint8_t>* take_entry = &keep;
  const std::vector<uint8_t>* take_value = &keep;
  if (in.rep_levels.empty()) {
    if (keep.size() != entries) {
      return CorruptError("column {}: {} rows, the row group has {}", in.leaf, entries,
                          keep.size());
    }
    // Optional columns without nulls (the common case) keep their values as their rows.
    const bool all_defined = std::all_of(in.def_levels.begin(), in.def_levels.end(),
                                         [&](int16_t d) { return d == in.max_def; });
    if (!all_defined) {
      take_value_own.resize(entries);
      size_t n = 0;
      for (size_t e = 0; e < entries; ++e) {
        take_value_own[n] = keep[e];
        n += in.def_levels[e] == in.max_def ? 1 : 0;
      }
      take_value_own.resize(n);
      take_value = &take_value_own;
    }
  } else {
    take_entry_own.resize(entries);
    take_value_own.reserve(entries);
    int64_t row = -1;
    for (size_t e = 0; e < entries; ++e) {
      if (in.rep_levels[e] == 0) ++row;
      if (row < 0 || static_cast<size_t>(row) >= keep.size()) {
        return CorruptError("column {}: more rows than the row group's {}", in.leaf, keep.size());
      }
      take_entry_own[e] = keep[static_cast<size_t>(row)];
      if (in.is_defined(static_cast<int64_t>(e))) take_value_own.push_back(take_entry_own[e]);
    }
    if (static_cast<size_t>(row + 1) != keep.size()) {
      return CorruptError("column {}: {} rows, the row group has {}", in.leaf, row + 1,
                          keep.size());
    }
    take_entry = &take_entry_own;
    take_value = &take_value_own;
  }
  if (static_cast<int64_t>(take_value->size()) != in.num_values()) {
    return CorruptError("column {}: {} defined entries but {} values", in.leaf, take_value->size(),
                        in.num_values());
  }
  out->leaf = in.leaf;
  out->type = in.type;
  out->max_def = in.max_def;
  out->max_rep = in.max_rep;
  out->num_entries = CountKept(*take_entry);
  if (take_value == &keep && !in.def_levels.empty()) {
    out->def_levels.assign(static_cast<size_t>(out->num_entries), in.max_def);  // all defined
  } else {
    Pick(in.def_levels, *take_entry, &out->def_levels);
  }
  Pick(in.rep_levels, *take_entry, &out->rep_levels);
  parquet::WithValueVector(in.type,
                           [&](auto values) { Pick(in.*values, *take_value, &(out->*values)); });
  if (in.type == parquet::PhysicalType::kByteArray ||
      in.type == parquet::PhysicalType::kFixedLenByteArray) {
    out->buffers = in.buffers;  // the views point into them
  }
  return OkStatus();
}

}  // namespace lakeshare::materialize
