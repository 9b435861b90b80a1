// Internal to src/parquet: the parts FileWriter (file_writer.h) is built from, one file each.
//   file_sink.cc            the sinks (local file published on Close, stdout, string)
//   writer_schema.cc        the field tree, its validation, the footer's schema elements
//   column_values.cc        a ColumnData's values as bytes, PLAIN encoding, validation
//   column_statistics.cc    min/max under a column's sort order, truncation, Thrift Statistics
//   column_chunk_writer.cc  pages (split, dictionary, levels, v1/v2 headers) and chunk metadata
//   file_writer.cc          FileWriter itself: row groups and the footer
// Thread-safety: everything here works on the caller's data only; one thread per chunk.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "parquet/column_reader.h"
#include "parquet/encoding_internal.h"
#include "parquet/file_writer.h"
#include "parquet/schema.h"
#include "parquet/thrift_internal.h"

namespace lakeshare::parquet {

// ----- writer_schema.cc ----------------------------------------------------------------------

/// The footer's schema elements of `schema`, node i as element i, logical and legacy converted
/// types both set.
std::vector<format::SchemaElement> ElementsOf(const Schema& schema);

// ----- column_values.cc ----------------------------------------------------------------------

inline void AppendLe32(uint32_t v, std::string* out) {
  char b[4];
  std::memcpy(b, &v, 4);
  out->append(b, 4);
}

/// The bytes of value i as stored in memory (the dictionary's key, PLAIN's payload for fixed
/// widths, the statistics' bytes).
inline std::string_view ValueBytes(const ColumnData& c, size_t i) {
  switch (c.type) {
    case PhysicalType::kBoolean:
      return {reinterpret_cast<const char*>(&c.bools[i]), 1};
    case PhysicalType::kInt32:
      return {reinterpret_cast<const char*>(&c.i32[i]), 4};
    case PhysicalType::kInt64:
      return {reinterpret_cast<const char*>(&c.i64[i]), 8};
    case PhysicalType::kInt96:
      return {reinterpret_cast<const char*>(&c.i96[i]), 12};
    case PhysicalType::kFloat:
      return {reinterpret_cast<const char*>(&c.f32[i]), 4};
    case PhysicalType::kDouble:
      return {reinterpret_cast<const char*>(&c.f64[i]), 8};
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray:
      return c.bytes[i];
  }
  return {};
}

/// Bytes value i takes in PLAIN encoding (an upper bound for booleans, which are bit-packed).
inline int64_t PlainSize(const ColumnData& c, size_t i) {
  if (c.type == PhysicalType::kByteArray) {
    return 4 + static_cast<int64_t>(c.bytes[i].size());
  }
  if (c.type == PhysicalType::kBoolean) {
    return 1;
  }
  return static_cast<int64_t>(ValueBytes(c, i).size());
}

/// Append the PLAIN encoding (Encodings.md, "Plain") of values [begin, end).
void AppendPlainRange(const ColumnData& c, size_t begin, size_t end, std::string* out);
/// Append the PLAIN encoding of value i (not for booleans, which PLAIN packs 8 to a byte).
void AppendPlainValue(const ColumnData& c, size_t i, std::string* out);

/// Check `c` against leaf `leaf_idx` of `schema`: physical type, max levels, level ranges and
/// nesting, value count, FIXED_LEN_BYTE_ARRAY widths, BYTE_ARRAY sizes. kInvalidArgument names
/// the column.
Status ValidateColumn(const Schema& schema, int leaf_idx, const ColumnData& c);

// ----- column_statistics.cc ------------------------------------------------------------------

/// The type-defined sort order of a column (parquet.thrift, ColumnOrder / TypeDefinedOrder).
enum class Order : uint8_t {
  kNone,          // undefined (INT96, INTERVAL): no min/max
  kSigned,        // signed integers
  kUnsigned,      // booleans, unsigned integers
  kFloat,         // IEEE 754 ignoring NaN
  kBytes,         // unsigned byte-wise lexicographic
  kDecimalBytes,  // big-endian two's complement
  kHalf,          // FLOAT16 in a FIXED_LEN_BYTE_ARRAY(2)
};

Order OrderOf(const SchemaNode& leaf);

/// Min and max value indices of one range, under a column's order (-1: no value counted).
struct MinMax {
  int64_t min = -1;
  int64_t max = -1;
};

/// Min/max of value ranges of one column, under the column's sort order.
class StatsComputer {
 public:
  StatsComputer(const SchemaNode& leaf, const ColumnData& c) : c_(c), order_(OrderOf(leaf)) {}

  Order order() const { return order_; }
  /// Negative when value a sorts before value b.
  int Compare(size_t a, size_t b) const;
  /// NaN takes no part in min/max ("NaN ... should not be used for min/max").
  bool Skip(size_t i) const;
  MinMax Range(size_t begin, size_t end) const;
  MinMax Merge(MinMax a, MinMax b) const;

 private:
  const ColumnData& c_;
  Order order_;
};

/// Statistics of a page or chunk as Thrift, from min/max indices and a null count; byte-array
/// bounds longer than `truncate_length` (> 0) are truncated and marked inexact.
format::Statistics MakeStatistics(const SchemaNode& leaf, const ColumnData& c,
                                  const StatsComputer& sc, MinMax mm, int64_t null_count,
                                  int64_t truncate_length);

// ----- column_chunk_writer.cc ----------------------------------------------------------------

/// Buffers that encoding a column chunk reuses from chunk to chunk (a FileWriter holds one):
/// fresh memory for every page costs an allocation and a page fault per 4 KiB touched.
struct ChunkScratch {
  std::string pages;  // the chunk's data pages (header + body), in order
  std::vector<uint32_t> indices;
  std::vector<uint8_t> seen;
  std::string body, values, levels_rep, levels_def, compressed;
};

/// Encode leaf `leaf_idx` of one row group (already validated) into pages, append them to `sink`
/// (the dictionary page first) and return the chunk's metadata. `path_in_schema` is the leaf's
/// path as the footer names it. `scratch` (may be null) lends its buffers.
Result<format::ColumnChunk> WriteColumnChunk(WritableSink& sink, const Schema& schema, int leaf_idx,
                                             const std::vector<std::string>& path_in_schema,
                                             const ColumnData& c, const WriterOptions& opt,
                                             ChunkScratch* scratch = nullptr);

}  // namespace lakeshare::parquet
