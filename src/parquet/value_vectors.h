// Which of ColumnData's value vectors holds the values of a physical type (`bools` for BOOLEAN,
// `i32` for INT32, ..., `bytes` for both byte-array types), written once for the code that
// handles every type alike: the reader's reservation, the dictionary gather, the value count,
// the row selection of materialize/. Header-only; pure, so thread-safe.
#pragma once

#include "parquet/column_reader.h"
#include "parquet/types.h"

namespace lakeshare::parquet {

/// Calls `f` with the pointer to the ColumnData member that holds the values of `type` and
/// returns what it returns, so that one generic lambda serves every vector (and, through the
/// member pointer, the same vector of two ColumnData). `f` returns one type for all members.
template <typename F>
decltype(auto) WithValueVector(PhysicalType type, F&& f) {
  switch (type) {
    case PhysicalType::kBoolean:
      return f(&ColumnData::bools);
    case PhysicalType::kInt32:
      return f(&ColumnData::i32);
    case PhysicalType::kInt64:
      return f(&ColumnData::i64);
    case PhysicalType::kInt96:
      return f(&ColumnData::i96);
    case PhysicalType::kFloat:
      return f(&ColumnData::f32);
    case PhysicalType::kDouble:
      return f(&ColumnData::f64);
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray:
      break;
  }
  // Schema parsing refuses any other value, so this is the two byte-array types.
  return f(&ColumnData::bytes);
}

}  // namespace lakeshare::parquet
