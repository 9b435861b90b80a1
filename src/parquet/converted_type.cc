#include "parquet/converted_type_internal.h"

namespace lakeshare::parquet {

namespace {

using C = format::ConvertedType;

struct ConvertedTypeEntry {
  C::type converted;
  LogicalKind kind;
  int bit_width;   // kInteger
  bool is_signed;  // kInteger
  TimeUnit unit;   // kTime, kTimestamp (UTC-adjusted)
};

// bit_width and is_signed count only for kInteger, unit only for kTime and kTimestamp; the other
// rows carry 0, false and kMicros. For a kind with two converted types (MAP and MAP_KEY_VALUE),
// the one written comes first.
constexpr ConvertedTypeEntry kConvertedTypes[] = {
    {C::UTF8, LogicalKind::kString, 0, false, TimeUnit::kMicros},
    {C::MAP, LogicalKind::kMap, 0, false, TimeUnit::kMicros},
    {C::MAP_KEY_VALUE, LogicalKind::kMap, 0, false, TimeUnit::kMicros},
    {C::LIST, LogicalKind::kList, 0, false, TimeUnit::kMicros},
    {C::ENUM, LogicalKind::kEnum, 0, false, TimeUnit::kMicros},
    {C::DECIMAL, LogicalKind::kDecimal, 0, false, TimeUnit::kMicros},
    {C::DATE, LogicalKind::kDate, 0, false, TimeUnit::kMicros},
    {C::TIME_MILLIS, LogicalKind::kTime, 0, false, TimeUnit::kMillis},
    {C::TIME_MICROS, LogicalKind::kTime, 0, false, TimeUnit::kMicros},
    {C::TIMESTAMP_MILLIS, LogicalKind::kTimestamp, 0, false, TimeUnit::kMillis},
    {C::TIMESTAMP_MICROS, LogicalKind::kTimestamp, 0, false, TimeUnit::kMicros},
    {C::UINT_8, LogicalKind::kInteger, 8, false, TimeUnit::kMicros},
    {C::UINT_16, LogicalKind::kInteger, 16, false, TimeUnit::kMicros},
    {C::UINT_32, LogicalKind::kInteger, 32, false, TimeUnit::kMicros},
    {C::UINT_64, LogicalKind::kInteger, 64, false, TimeUnit::kMicros},
    {C::INT_8, LogicalKind::kInteger, 8, true, TimeUnit::kMicros},
    {C::INT_16, LogicalKind::kInteger, 16, true, TimeUnit::kMicros},
    {C::INT_32, LogicalKind::kInteger, 32, true, TimeUnit::kMicros},
    {C::INT_64, LogicalKind::kInteger, 64, true, TimeUnit::kMicros},
    {C::JSON, LogicalKind::kJson, 0, false, TimeUnit::kMicros},
    {C::BSON, LogicalKind::kBson, 0, false, TimeUnit::kMicros},
    {C::INTERVAL, LogicalKind::kInterval, 0, false, TimeUnit::kMicros},
};

bool HasUnit(LogicalKind kind) {
  return kind == LogicalKind::kTime || kind == LogicalKind::kTimestamp;
}

}  // namespace

LogicalType LogicalTypeOfConverted(int32_t converted) {
  LogicalType t;
  for (const ConvertedTypeEntry& c : kConvertedTypes) {
    if (c.converted != converted) {
      continue;
    }
    t.kind = c.kind;
    if (c.kind == LogicalKind::kInteger) {
      t.bit_width = c.bit_width;
      t.is_signed = c.is_signed;
    }
    if (HasUnit(c.kind)) {
      t.unit = c.unit;
      t.adjusted_to_utc = true;
    }
    break;
  }
  return t;
}

std::optional<format::ConvertedType::type> ConvertedTypeOf(const LogicalType& t) {
  for (const ConvertedTypeEntry& c : kConvertedTypes) {
    if (c.kind != t.kind) {
      continue;
    }
    if (c.kind == LogicalKind::kInteger &&
        (c.bit_width != t.bit_width || c.is_signed != t.is_signed)) {
      continue;
    }
    if (HasUnit(c.kind) && (!t.adjusted_to_utc || c.unit != t.unit)) {
      continue;
    }
    return c.converted;
  }
  return std::nullopt;
}

}  // namespace lakeshare::parquet
