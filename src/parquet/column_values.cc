// The values of a ColumnData as the writer sees them: PLAIN encoding, and the checks that make a
// ColumnData writable under a schema leaf.
#include <limits>
#include <string>
#include <vector>

#include "parquet/file_writer_internal.h"

namespace lakeshare::parquet {

// PLAIN encoding (Encodings.md, "Plain") of the values at `indices` (or [begin, end)).
void AppendPlainRange(const ColumnData& c, size_t begin, size_t end, std::string* out) {
  if (c.type == PhysicalType::kBoolean) {
    const size_t base = out->size();
    out->resize(base + (end - begin + 7) / 8, '\0');
    for (size_t i = begin; i < end; ++i) {
      if (c.bools[i]) {
        (*out)[base + (i - begin) / 8] |= static_cast<char>(1u << ((i - begin) % 8));
      }
    }
    return;
  }
  if (c.type == PhysicalType::kByteArray) {
    for (size_t i = begin; i < end; ++i) {
      AppendLe32(static_cast<uint32_t>(c.bytes[i].size()), out);
      out->append(c.bytes[i]);
    }
    return;
  }
  if (c.type == PhysicalType::kFixedLenByteArray) {
    for (size_t i = begin; i < end; ++i) {
      out->append(c.bytes[i]);
    }
    return;
  }
  if (begin == end) {
    return;
  }
  const std::string_view first = ValueBytes(c, begin);
  out->append(first.data(), first.size() * (end - begin));
}

void AppendPlainValue(const ColumnData& c, size_t i, std::string* out) {
  if (c.type == PhysicalType::kByteArray) {
    AppendLe32(static_cast<uint32_t>(c.bytes[i].size()), out);
  }
  out->append(ValueBytes(c, i));
}

Status ValidateColumn(const Schema& schema, int leaf_idx, const ColumnData& c) {
  const int node_idx = schema.leaf_node(leaf_idx);
  const SchemaNode& leaf = schema.node(node_idx);
  const std::string path = schema.Path(node_idx);
  auto bad = [&](std::string why) {
    return InvalidArgument("column '{}' cannot be written: {}", path, why);
  };
  if (c.type != leaf.physical) {
    return bad(fmt::format("data is {}, the schema says {}", PhysicalTypeName(c.type),
                           PhysicalTypeName(leaf.physical)));
  }
  if (c.max_def != leaf.max_def || c.max_rep != leaf.max_rep) {
    return bad(fmt::format("data has max levels def {} rep {}, the schema def {} rep {}", c.max_def,
                           c.max_rep, leaf.max_def, leaf.max_rep));
  }
  if (c.num_entries < 0) {
    return bad("negative entry count");
  }
  const size_t n = static_cast<size_t>(c.num_entries);
  if (!c.def_levels.empty() && c.def_levels.size() != n) {
    return bad(fmt::format("{} definition levels for {} entries", c.def_levels.size(), n));
  }
  if (!c.rep_levels.empty() && c.rep_levels.size() != n) {
    return bad(fmt::format("{} repetition levels for {} entries", c.rep_levels.size(), n));
  }
  // The definition level of the r-th repeated ancestor: an entry continuing a list at depth r
  // must at least be inside that list.
  std::vector<int16_t> rep_def(static_cast<size_t>(leaf.max_rep) + 1, 0);
  for (int i = node_idx; i > 0; i = schema.node(i).parent) {
    const SchemaNode& a = schema.node(i);
    if (a.repetition == Repetition::kRepeated) {
      rep_def[static_cast<size_t>(a.max_rep)] = a.max_def;
    }
  }
  int64_t defined = 0;
  for (size_t i = 0; i < n; ++i) {
    const int16_t d = c.def_levels.empty() ? leaf.max_def : c.def_levels[i];
    const int16_t r = c.rep_levels.empty() ? 0 : c.rep_levels[i];
    if (d < 0 || d > leaf.max_def) {
      return bad(fmt::format("definition level {} at entry {}", d, i));
    }
    if (r < 0 || r > leaf.max_rep) {
      return bad(fmt::format("repetition level {} at entry {}", r, i));
    }
    if (i == 0 && r != 0) {
      return bad("the first entry does not start a row");
    }
    if (r > 0 && d < rep_def[static_cast<size_t>(r)]) {
      return bad(fmt::format("entry {} repeats level {} but its definition level {} is below {}", i,
                             r, d, rep_def[static_cast<size_t>(r)]));
    }
    if (d == leaf.max_def) {
      ++defined;
    }
  }
  if (c.num_values() != defined) {
    return bad(fmt::format("{} values for {} defined entries", c.num_values(), defined));
  }
  if (leaf.physical == PhysicalType::kFixedLenByteArray) {
    for (size_t i = 0; i < c.bytes.size(); ++i) {
      if (c.bytes[i].size() != static_cast<size_t>(leaf.type_length)) {
        return bad(fmt::format("value {} has {} bytes, FIXED_LEN_BYTE_ARRAY({})", i,
                               c.bytes[i].size(), leaf.type_length));
      }
    }
  }
  if (leaf.physical == PhysicalType::kByteArray) {
    for (size_t i = 0; i < c.bytes.size(); ++i) {
      if (c.bytes[i].size() > std::numeric_limits<int32_t>::max()) {
        return bad(fmt::format("value {} is larger than 2 GiB", i));
      }
    }
  }
  return OkStatus();
}

}  // namespace lakeshare::parquet
