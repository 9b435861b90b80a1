// Parquet's type vocabulary as plain enums and structs, independent of the Thrift-generated code
// (which stays inside the module's .cc files). Value types, thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lakeshare::parquet {

enum class PhysicalType : uint8_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

enum class Repetition : uint8_t { kRequired = 0, kOptional = 1, kRepeated = 2 };

enum class Compression : uint8_t {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLzo = 3,
  kBrotli = 4,
  kLz4Hadoop = 5,
  kZstd = 6,
  kLz4Raw = 7,
};

enum class Encoding : uint8_t {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6,
  kDeltaByteArray = 7,
  kRleDictionary = 8,
  kByteStreamSplit = 9,
};

enum class TimeUnit : uint8_t { kMillis, kMicros, kNanos };
/// The digits of a second's fraction in `u` (3, 6 or 9).
inline int FractionDigits(TimeUnit u) {
  return u == TimeUnit::kMillis ? 3 : u == TimeUnit::kMicros ? 6 : 9;
}
/// How many `u` make a second.
inline int64_t UnitPerSecond(TimeUnit u) {
  return u == TimeUnit::kMillis ? 1000 : u == TimeUnit::kMicros ? 1000000 : 1000000000;
}

/// The logical annotation of a column, merged from LogicalType and the legacy ConvertedType.
enum class LogicalKind : uint8_t {
  kNone,
  kString,
  kEnum,
  kJson,
  kBson,
  kUuid,
  kInteger,
  kDecimal,
  kDate,
  kTime,
  kTimestamp,
  kFloat16,
  kInterval,
  kList,
  kMap,
  kNull,
  kVariant,
  kGeometry,
  kGeography,
};

struct LogicalType {
  LogicalKind kind = LogicalKind::kNone;
  // kInteger
  int bit_width = 0;
  bool is_signed = true;
  // kDecimal
  int precision = 0;
  int scale = 0;
  // kTime, kTimestamp
  TimeUnit unit = TimeUnit::kMicros;
  bool adjusted_to_utc = false;
};

/// A 96-bit Impala/Hive timestamp: nanoseconds of the day, then the Julian day number.
struct Int96 {
  uint32_t words[3];
};

/// The Julian day number of 1970-01-01, the day INT96 timestamps are counted from.
inline constexpr int64_t kUnixEpochJulianDay = 2440588;

/// An INT96 timestamp as a day and a time of that day.
struct Int96Instant {
  int64_t days;          // since 1970-01-01
  int64_t nanos_of_day;  // 0 .. 86,399,999,999,999
};

/// The one decode of an INT96 timestamp, for every reader. The Julian day (the third word) is
/// unsigned, as writers write it (0 .. 4,294,967,295); nanoseconds past a day (the first two
/// words; no writer writes them, a file may hold them) carry into the days. Never overflows.
inline Int96Instant DecodeInt96(const Int96& t) {
  constexpr uint64_t kNanosPerDay = 86400ull * 1000000000ull;
  const uint64_t nanos = (uint64_t{t.words[1]} << 32) | t.words[0];
  return {int64_t{t.words[2]} - kUnixEpochJulianDay + static_cast<int64_t>(nanos / kNanosPerDay),
          static_cast<int64_t>(nanos % kNanosPerDay)};
}

std::string_view PhysicalTypeName(PhysicalType t);
std::string_view CompressionName(Compression c);
std::string_view EncodingName(Encoding e);
/// "STRING", "DECIMAL(10,2)", "TIMESTAMP(MICROS,UTC)", ...
std::string LogicalTypeToString(const LogicalType& t);

}  // namespace lakeshare::parquet
