// RowShredder: the inverse of RecordJsonWriter. It takes rows as JSON objects in the canonical
// form `lakeshare parquet cat` prints (record_json.h) and stripes them into one ColumnData per
// leaf, with the definition and repetition levels of Dremel's column striping, ready for
// FileWriter::WriteColumn. So `cat -> shred -> write -> cat` gives back the same lines.
//
// Accepted values, by column type: booleans; JSON integers (range-checked for the physical and
// logical type, unsigned ones up to 2^64-1); floats and doubles as JSON numbers or "NaN",
// "Infinity", "-Infinity"; strings (STRING/ENUM/JSON); base64 for other binary; decimals as
// strings ("-12.30", at most `scale` fraction digits); dates "YYYY-MM-DD"; times "HH:MM:SS.fff";
// timestamps "YYYY-MM-DDTHH:MM:SS.ffffff" with an optional "Z"; INT96 timestamps with 9 digits;
// UUIDs as text; INTERVAL as {"months","days","millis"}; FLOAT16 as numbers; lists as arrays;
// structs as objects (absent fields are null, unknown fields are errors); maps as objects (keys
// are the string keys) or as arrays of {"key": ..., "value": ...}; null anywhere optional.
// Object order matters for maps: pass nlohmann::ordered_json (AddJsonLine does) to keep it.
//
// A row that does not fit the schema is kInvalidArgument naming the row and the field, and
// leaves nothing behind. Not thread-safe; `schema` must outlive the shredder.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "parquet/column_reader.h"
#include "parquet/schema.h"

namespace lakeshare::parquet {

class RowShredder {
 public:
  explicit RowShredder(const Schema& schema);
  ~RowShredder();
  RowShredder(RowShredder&&) noexcept;
  RowShredder& operator=(RowShredder&&) noexcept;

  /// Shred one row (a JSON object keyed by top-level field names).
  Status AddRow(const nlohmann::ordered_json& row);
  /// Same for nlohmann::json, whose objects are sorted by key: maps written as JSON objects come
  /// out in key order.
  Status AddRow(const nlohmann::json& row);
  /// Parse one line of JSON (order preserved) and shred it.
  Status AddJsonLine(std::string_view line);

  /// Rows shredded since the last TakeColumns().
  int64_t num_rows() const;
  /// Approximate memory held by the buffered columns.
  int64_t buffered_bytes() const;
  /// Rows seen over the shredder's life (numbers rows in error messages, from 0).
  int64_t rows_seen() const;

  /// Hand over the buffered columns (index = leaf) and start a new batch.
  std::vector<ColumnData> TakeColumns();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lakeshare::parquet
