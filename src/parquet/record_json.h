// RecordJsonWriter: assembles rows from decoded leaf columns (Dremel record assembly over
// definition and repetition levels) and writes each as one JSON object, in the canonical form
// documented in docs/parquet.md (what `lakeshare parquet cat` prints and the DuckDB conformance
// test compares). Not thread-safe; one writer per row group stream.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "parquet/column_reader.h"
#include "parquet/schema.h"

namespace lakeshare::parquet {

/// Append the exact text of a decimal (no quotes): the unscaled value as big-endian two's
/// complement bytes (any length) or as an integer, with exactly `scale` fractional digits
/// ("-0.05", "123.40"; a negative scale appends zeros).
void AppendDecimalText(std::string& out, std::string_view big_endian, int scale);
void AppendDecimalText(std::string& out, int64_t unscaled, int scale);

class RecordJsonWriter {
 public:
  /// `fields` are top-level node indices to print, in order. `schema` must outlive the writer.
  RecordJsonWriter(const Schema& schema, std::vector<int> fields);

  /// Start a row group: `columns[leaf]` must be set for every leaf under the chosen fields and
  /// outlive the rows written from it.
  void StartRowGroup(const std::vector<const ColumnData*>& columns);

  /// Append the next row as a JSON object (no newline). kCorrupt when the levels are
  /// inconsistent (a column ends early, a value is missing).
  Status AppendRow(std::string& out);

  /// Append one value of a leaf column (the canonical scalar form) to `out`.
  static void AppendScalar(const SchemaNode& leaf, const ColumnData& column, int64_t value_index,
                           std::string& out);

 private:
  struct LeafCursor {
    const ColumnData* column = nullptr;
    int64_t entry = 0;
    int64_t value = 0;
  };

  Status WriteNode(int node, bool as_element, std::string& out);
  Status WriteRepeated(int owner, int repeated, std::string& out);
  // {"name":value,...} of `nodes`: a row's fields or a struct's children.
  Status WriteObject(const std::vector<int>& nodes, std::string& out);
  Status Skip(int node);
  Result<int16_t> PeekDef(int node) const;

  const Schema& schema_;
  std::vector<int> fields_;
  std::vector<int> first_leaf_;              // per node
  std::vector<std::vector<int>> leaves_of_;  // per node
  std::vector<LeafCursor> cursors_;          // per leaf
};

}  // namespace lakeshare::parquet
