#include "parquet/types.h"

#include <fmt/format.h>

namespace lakeshare::parquet {

std::string_view PhysicalTypeName(PhysicalType t) {
  switch (t) {
    case PhysicalType::kBoolean: return "BOOLEAN";
    case PhysicalType::kInt32: return "INT32";
    case PhysicalType::kInt64: return "INT64";
    case PhysicalType::kInt96: return "INT96";
    case PhysicalType::kFloat: return "FLOAT";
    case PhysicalType::kDouble: return "DOUBLE";
    case PhysicalType::kByteArray: return "BYTE_ARRAY";
    case PhysicalType::kFixedLenByteArray: return "FIXED_LEN_BYTE_ARRAY";
  }
  return "UNKNOWN";
}

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kUncompressed: return "UNCOMPRESSED";
    case Compression::kSnappy: return "SNAPPY";
    case Compression::kGzip: return "GZIP";
    case Compression::kLzo: return "LZO";
    case Compression::kBrotli: return "BROTLI";
    case Compression::kLz4Hadoop: return "LZ4";
    case Compression::kZstd: return "ZSTD";
    case Compression::kLz4Raw: return "LZ4_RAW";
  }
  return "UNKNOWN";
}

std::string_view EncodingName(Encoding e) {
  switch (e) {
    case Encoding::kPlain: return "PLAIN";
    case Encoding::kPlainDictionary: return "PLAIN_DICTIONARY";
    case Encoding::kRle: return "RLE";
    case Encoding::kBitPacked: return "BIT_PACKED";
    case Encoding::kDeltaBinaryPacked: return "DELTA_BINARY_PACKED";
    case Encoding::kDeltaLengthByteArray: return "DELTA_LENGTH_BYTE_ARRAY";
    case Encoding::kDeltaByteArray: return "DELTA_BYTE_ARRAY";
    case Encoding::kRleDictionary: return "RLE_DICTIONARY";
    case Encoding::kByteStreamSplit: return "BYTE_STREAM_SPLIT";
  }
  return "UNKNOWN";
}

namespace {
std::string_view UnitName(TimeUnit u) {
  switch (u) {
    case TimeUnit::kMillis: return "MILLIS";
    case TimeUnit::kMicros: return "MICROS";
    case TimeUnit::kNanos: return "NANOS";
  }
  return "?";
}
}  // namespace

std::string LogicalTypeToString(const LogicalType& t) {
  switch (t.kind) {
    case LogicalKind::kNone: return "";
    case LogicalKind::kString: return "STRING";
    case LogicalKind::kEnum: return "ENUM";
    case LogicalKind::kJson: return "JSON";
    case LogicalKind::kBson: return "BSON";
    case LogicalKind::kUuid: return "UUID";
    case LogicalKind::kInteger:
      return fmt::format("INTEGER({},{})", t.bit_width, t.is_signed ? "signed" : "unsigned");
    case LogicalKind::kDecimal: return fmt::format("DECIMAL({},{})", t.precision, t.scale);
    case LogicalKind::kDate: return "DATE";
    case LogicalKind::kTime:
      return fmt::format("TIME({},{})", UnitName(t.unit), t.adjusted_to_utc ? "UTC" : "local");
    case LogicalKind::kTimestamp:
      return fmt::format("TIMESTAMP({},{})", UnitName(t.unit), t.adjusted_to_utc ? "UTC" : "local");
    case LogicalKind::kFloat16: return "FLOAT16";
    case LogicalKind::kInterval: return "INTERVAL";
    case LogicalKind::kList: return "LIST";
    case LogicalKind::kMap: return "MAP";
    case LogicalKind::kNull: return "NULL";
    case LogicalKind::kVariant: return "VARIANT";
    case LogicalKind::kGeometry: return "GEOMETRY";
    case LogicalKind::kGeography: return "GEOGRAPHY";
  }
  return "";
}

}  // namespace lakeshare::parquet
