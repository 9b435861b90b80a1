// Internal to src/parquet: decoders for Parquet's encodings (Encodings.md of parquet-format).
// Every decoder works on a bounded buffer and reports truncated or inconsistent input as
// kCorrupt; none reads past the end it was given. Not thread-safe (one decoder per page).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "parquet/schema.h"

namespace lakeshare::parquet {

/// Bits needed to store `max_value` (0 for 0): the bit width of levels and dictionary indices.
inline int BitWidth(uint64_t max_value) {
  int w = 0;
  while (max_value > 0) {
    ++w;
    max_value >>= 1;
  }
  return w;
}

/// Bytes of one value of `leaf` in memory and in PLAIN encoding (0 for BYTE_ARRAY; 1 for
/// BOOLEAN, which PLAIN packs 8 to a byte).
inline size_t FixedWidth(const SchemaNode& leaf) {
  switch (leaf.physical) {
    case PhysicalType::kBoolean:
      return 1;
    case PhysicalType::kInt32:
    case PhysicalType::kFloat:
      return 4;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble:
      return 8;
    case PhysicalType::kInt96:
      return 12;
    case PhysicalType::kFixedLenByteArray:
      return static_cast<size_t>(leaf.type_length);
    case PhysicalType::kByteArray:
      return 0;
  }
  return 0;
}

/// Read a ULEB128 varint; false when the buffer ends first or it exceeds 64 bits.
inline bool ReadUleb128(const uint8_t*& p, const uint8_t* end, uint64_t* out) {
  uint64_t v = 0;
  int shift = 0;
  while (p < end && shift < 64) {
    uint8_t b = *p++;
    v |= uint64_t(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *out = v;
      return true;
    }
    shift += 7;
  }
  return false;
}

inline int64_t ZigZagDecode(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

/// The RLE / bit-packing hybrid (Encodings.md, "Run Length Encoding / Bit-Packing Hybrid"):
///   rle-bit-packed-hybrid: <length> <encoded-data>   (the caller strips the length)
///   encoded-data := <run>*;  run := <bit-packed-run> | <rle-run>
///   bit-packed-run := <varint(number of groups of 8 << 1 | 1)> <packed values>
///   rle-run := <varint(run length << 1)> <repeated value, ceil(bit-width/8) bytes LE>
class RleBitPackedDecoder {
 public:
  RleBitPackedDecoder() = default;
  RleBitPackedDecoder(const uint8_t* data, size_t len, int bit_width) { Reset(data, len, bit_width); }
  void Reset(const uint8_t* data, size_t len, int bit_width);

  /// Decode exactly `n` values into `out` (uint32 range); kCorrupt when the data ends first.
  template <typename T>
  Status Decode(T* out, size_t n);

 private:
  bool NextRun();

  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  int bit_width_ = 0;
  // Current run.
  uint64_t rle_left_ = 0;
  uint32_t rle_value_ = 0;
  uint64_t packed_left_ = 0;  // values left in the bit-packed run
  const uint8_t* packed_ = nullptr;
  uint64_t packed_bit_ = 0;  // bit offset of the next value within the run
  size_t packed_bytes_ = 0;
};

/// Unpack `n` values of `bit_width` bits (LSB-first) starting at bit `bit_offset` of `in`,
/// which holds `in_len` bytes. The caller guarantees the bits exist.
void UnpackBits(const uint8_t* in, size_t in_len, uint64_t bit_offset, int bit_width,
                uint32_t* out, size_t n);

/// The writer's side of the RLE / bit-packing hybrid: append the encoding of `values[0, n)`
/// (without the length prefix) to `out`. Runs of 8 or more equal values become RLE runs; the rest
/// are bit-packed in groups of 8 (only the final group is padded, with zeros). Values must fit
/// in `bit_width` bits (0..32).
template <typename T>
void EncodeRleBitPacked(const T* values, size_t n, int bit_width, std::string* out);

/// Append `v` as a ULEB128 varint.
inline void AppendUleb128(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

/// DELTA_BINARY_PACKED (Encodings.md, "Delta Encoding"): values are returned as int64; INT32
/// columns truncate (the wrap-around arithmetic agrees modulo 2^32).
class DeltaBinaryPackedDecoder {
 public:
  /// Parse the header. `data` must stay alive while decoding.
  Status Init(const uint8_t* data, size_t len);
  uint64_t total_values() const { return total_; }
  /// Decode all values; afterwards consumed() tells where the encoding ended.
  Status DecodeAll(std::vector<int64_t>* out);
  size_t consumed() const { return static_cast<size_t>(p_ - begin_); }

 private:
  const uint8_t* begin_ = nullptr;
  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  uint64_t block_size_ = 0;
  uint64_t miniblocks_ = 0;
  uint64_t total_ = 0;
  int64_t first_ = 0;
};

}  // namespace lakeshare::parquet
