#include "parquet/converted_type_internal.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>

#include "parquet/file_writer.h"

namespace lakeshare::parquet {
namespace {

using C = format::ConvertedType;

TEST(ConvertedTypeTest, EachConvertedTypeReadsAsItsLogicalTypeAndIsWrittenBack) {
  // Every value of the enumeration (parquet.thrift: UTF8 = 0 .. INTERVAL = 21) has a logical type,
  // and writing that logical type gives the same converted type back, except MAP_KEY_VALUE: a
  // map's key_value group, which the writer marks itself.
  for (int32_t raw = C::UTF8; raw <= C::INTERVAL; ++raw) {
    SCOPED_TRACE(raw);
    const LogicalType t = LogicalTypeOfConverted(raw);
    EXPECT_NE(t.kind, LogicalKind::kNone);
    const std::optional<C::type> back = ConvertedTypeOf(t);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, raw == C::MAP_KEY_VALUE ? C::MAP : raw);
  }
}

TEST(ConvertedTypeTest, ReadsTheWidthSignAndUnitTheConvertedTypeNames) {
  const LogicalType i8 = LogicalTypeOfConverted(C::INT_8);
  EXPECT_EQ(i8.kind, LogicalKind::kInteger);
  EXPECT_EQ(i8.bit_width, 8);
  EXPECT_TRUE(i8.is_signed);
  const LogicalType u64 = LogicalTypeOfConverted(C::UINT_64);
  EXPECT_EQ(u64.bit_width, 64);
  EXPECT_FALSE(u64.is_signed);
  const LogicalType time = LogicalTypeOfConverted(C::TIME_MILLIS);
  EXPECT_EQ(time.kind, LogicalKind::kTime);
  EXPECT_EQ(time.unit, TimeUnit::kMillis);
  EXPECT_TRUE(time.adjusted_to_utc);
  const LogicalType ts = LogicalTypeOfConverted(C::TIMESTAMP_MICROS);
  EXPECT_EQ(ts.kind, LogicalKind::kTimestamp);
  EXPECT_EQ(ts.unit, TimeUnit::kMicros);
  EXPECT_TRUE(ts.adjusted_to_utc);
  EXPECT_EQ(LogicalTypeOfConverted(C::UTF8).kind, LogicalKind::kString);
  EXPECT_EQ(LogicalTypeOfConverted(C::MAP_KEY_VALUE).kind, LogicalKind::kMap);
  // A value past the enumeration (a hostile or newer file) is no logical type.
  EXPECT_EQ(LogicalTypeOfConverted(-1).kind, LogicalKind::kNone);
  EXPECT_EQ(LogicalTypeOfConverted(C::INTERVAL + 1).kind, LogicalKind::kNone);
}

TEST(ConvertedTypeTest, TypesWithoutALegacyEquivalentGetNone) {
  EXPECT_EQ(ConvertedTypeOf(IntType(16, false)), C::UINT_16);
  EXPECT_EQ(ConvertedTypeOf(IntType(12, true)), std::nullopt);
  EXPECT_EQ(ConvertedTypeOf(TimeType(TimeUnit::kMicros, true)), C::TIME_MICROS);
  // "TIME_MILLIS/TIME_MICROS ... compatible with isAdjustedToUTC = true" only; no NANOS at all.
  EXPECT_EQ(ConvertedTypeOf(TimeType(TimeUnit::kMicros, false)), std::nullopt);
  EXPECT_EQ(ConvertedTypeOf(TimestampType(TimeUnit::kMillis, false)), std::nullopt);
  EXPECT_EQ(ConvertedTypeOf(TimestampType(TimeUnit::kNanos, true)), std::nullopt);
  for (LogicalKind kind :
       {LogicalKind::kNone, LogicalKind::kUuid, LogicalKind::kFloat16, LogicalKind::kNull,
        LogicalKind::kVariant, LogicalKind::kGeometry, LogicalKind::kGeography}) {
    SCOPED_TRACE(static_cast<int>(kind));
    EXPECT_EQ(ConvertedTypeOf(LogicalOf(kind)), std::nullopt);
  }
}

}  // namespace
}  // namespace lakeshare::parquet
