#include <gtest/gtest.h>

#include <vector>

#include "common/result_testing.h"
#include "parquet/encoding_internal.h"

namespace lakeshare::parquet {
namespace {

std::vector<uint8_t> Bytes(std::initializer_list<int> v) {
  std::vector<uint8_t> out;
  for (int b : v) out.push_back(static_cast<uint8_t>(b));
  return out;
}

TEST(RleBitPackedDecoderTest, DecodesRleRun) {
  // rle-run: header = 5 << 1 (five repeats), value 3 in one byte (bit width 2).
  auto data = Bytes({5 << 1, 3});
  RleBitPackedDecoder dec(data.data(), data.size(), 2);
  std::vector<int16_t> out(5);
  ASSERT_TRUE(dec.Decode(out.data(), out.size()));
  EXPECT_EQ(out, std::vector<int16_t>({3, 3, 3, 3, 3}));
}

TEST(RleBitPackedDecoderTest, DecodesSpecBitPackedExample) {
  // Encodings.md: values 0..7 with bit width 3 pack to 10001000 11000110 11111010.
  auto data = Bytes({(1 << 1) | 1, 0b10001000, 0b11000110, 0b11111010});
  RleBitPackedDecoder dec(data.data(), data.size(), 3);
  std::vector<uint32_t> out(8);
  ASSERT_TRUE(dec.Decode(out.data(), out.size()));
  EXPECT_EQ(out, std::vector<uint32_t>({0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(RleBitPackedDecoderTest, MixedRunsAndTruncationIsAnError) {
  auto data = Bytes({2 << 1, 1, (1 << 1) | 1, 0xAA});  // two 1s, then 8 bits 01010101
  RleBitPackedDecoder dec(data.data(), data.size(), 1);
  std::vector<uint8_t> out(10);
  ASSERT_TRUE(dec.Decode(out.data(), out.size()));
  EXPECT_EQ(out, std::vector<uint8_t>({1, 1, 0, 1, 0, 1, 0, 1, 0, 1}));
  std::vector<uint8_t> more(1);
  EXPECT_TRUE(FailsWith(dec.Decode(more.data(), 1), ErrorCode::kCorrupt));
}

TEST(RleBitPackedDecoderTest, ZeroBitWidthYieldsZeros) {
  auto data = Bytes({0xC8, 0x01});  // varint(100 << 1)
  RleBitPackedDecoder dec(data.data(), data.size(), 0);
  std::vector<uint32_t> out(100, 7);
  ASSERT_TRUE(dec.Decode(out.data(), out.size()));
  for (auto v : out) EXPECT_EQ(v, 0u);
}

TEST(UnpackBitsTest, EveryWidthAgreesWithBitByBitReference) {
  std::vector<uint8_t> buf(200);
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<uint8_t>(i * 131 + 7);
  for (int w = 1; w <= 32; ++w) {
    size_t n = buf.size() * 8 / static_cast<size_t>(w);
    std::vector<uint32_t> out(n);
    UnpackBits(buf.data(), buf.size(), 0, w, out.data(), n);
    for (size_t i = 0; i < n; ++i) {
      uint32_t ref = 0;
      for (int b = 0; b < w; ++b) {
        size_t bit = i * static_cast<size_t>(w) + static_cast<size_t>(b);
        ref |= static_cast<uint32_t>((buf[bit / 8] >> (bit % 8)) & 1) << b;
      }
      ASSERT_EQ(out[i], ref) << "width " << w << " index " << i;
    }
  }
}

// Decode `data` as DELTA_BINARY_PACKED: `values`, with every byte consumed.
void ExpectDeltaBinaryPacked(const std::vector<uint8_t>& data,
                             const std::vector<int64_t>& values) {
  DeltaBinaryPackedDecoder dec;
  ASSERT_TRUE(dec.Init(data.data(), data.size()));
  std::vector<int64_t> out;
  ASSERT_TRUE(dec.DecodeAll(&out));
  EXPECT_EQ(out, values);
  EXPECT_EQ(dec.consumed(), data.size());
}

TEST(DeltaBinaryPackedDecoderTest, DecodesSpecExampleOne) {
  // Encodings.md example 1: 1, 2, 3, 4, 5 -> deltas 1,1,1,1, min delta 1, bit width 0.
  // Header: block 128, 4 miniblocks, 5 values, first value zigzag(1) = 2.
  ExpectDeltaBinaryPacked(Bytes({0x80, 0x01, 4, 5, 2, /*min delta zigzag(1)*/ 2, 0, 0, 0, 0}),
                          {1, 2, 3, 4, 5});
}

TEST(DeltaBinaryPackedDecoderTest, DecodesNegativeDeltasWithBitWidth) {
  // Values 7, 5, 3, 1, 2: deltas -2 -2 -2 1; min delta -2; relative 0 0 0 3 -> width 2.
  // One miniblock of 32 values at width 2 = 8 bytes; 0,0,0,3 packed LSB-first = 0xC0.
  ExpectDeltaBinaryPacked(
      Bytes({0x80, 0x01, 4, 5, 14, /*zigzag(-2)*/ 3, 2, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0}),
      {7, 5, 3, 1, 2});
}

TEST(DeltaBinaryPackedDecoderTest, RejectsBadHeaderAndTruncation) {
  auto bad = Bytes({100, 4, 5, 2});  // block size not a multiple of 128
  DeltaBinaryPackedDecoder dec;
  EXPECT_FALSE(dec.Init(bad.data(), bad.size()));
  auto truncated = Bytes({0x80, 0x01, 4, 5, 14, 3, 2, 0, 0, 0, 0xC0});
  ASSERT_TRUE(dec.Init(truncated.data(), truncated.size()));
  std::vector<int64_t> out;
  EXPECT_TRUE(FailsWith(dec.DecodeAll(&out), ErrorCode::kCorrupt));
}

TEST(ZigZagTest, DecodesBothSigns) {
  EXPECT_EQ(ZigZagDecode(0), 0);
  EXPECT_EQ(ZigZagDecode(1), -1);
  EXPECT_EQ(ZigZagDecode(2), 1);
  EXPECT_EQ(ZigZagDecode(3), -2);
  EXPECT_EQ(ZigZagDecode(0xffffffffffffffffull), INT64_MIN);
}

}  // namespace
}  // namespace lakeshare::parquet
