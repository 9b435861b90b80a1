// Internal to src/parquet: the legacy ConvertedType of the logical types that have one
// (LogicalTypes.md), one table read in both directions: the reader takes a file's converted type
// as its logical type when the file has no LogicalType, and the writer writes the converted type
// beside the LogicalType for older readers. Pure, so thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "parquet/thrift_internal.h"
#include "parquet/types.h"

namespace lakeshare::parquet {

/// The logical type `converted` (a file's raw value) stands for; kind kNone for a value outside
/// the table. A DECIMAL's precision and scale are the schema element's: the caller sets them.
LogicalType LogicalTypeOfConverted(int32_t converted);

/// The converted type to write beside `t`, if it has one: TIME and TIMESTAMP only when
/// UTC-adjusted in millis or micros ("TIME_MILLIS ... compatible with isAdjustedToUTC = true").
/// A map's key_value group (MAP_KEY_VALUE) is the writer's to set.
std::optional<format::ConvertedType::type> ConvertedTypeOf(const LogicalType& t);

}  // namespace lakeshare::parquet
