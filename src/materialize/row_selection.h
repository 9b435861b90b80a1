// Row selection over decoded column chunks: keep the rows of one row group that a mask marks,
// column by column, without assembling records. Flat columns keep entry i for row i; repeated
// columns keep every entry of a kept row (a row starts at repetition level 0). Byte-array values
// stay views into the input's buffers, whose ownership the output shares.
// Pure functions, thread-safe on distinct outputs.
#pragma once

#include <cstdint>
#include <vector>

#include "common/result.h"
#include "parquet/column_reader.h"

namespace lakeshare::materialize {

/// Copy into `out` the entries of the rows r of `in` with keep[r] != 0. kCorrupt when the
/// column's levels and values disagree or `keep` has not one entry per row.
Status SelectRows(const parquet::ColumnData& in, const std::vector<uint8_t>& keep,
                  parquet::ColumnData* out);

/// Number of rows a mask keeps.
int64_t CountKept(const std::vector<uint8_t>& keep);

}  // namespace lakeshare::materialize
