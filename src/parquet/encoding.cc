#include "parquet/encoding_internal.h"

#include <algorithm>

namespace lakeshare::parquet {

namespace {
inline uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
}  // namespace

void UnpackBits(const uint8_t* in, size_t in_len, uint64_t bit_offset, int bit_width,
                uint32_t* out, size_t n) {
  if (bit_width == 0) {
    std::memset(out, 0, n * sizeof(uint32_t));
    return;
  }
  const uint64_t mask = (bit_width == 32) ? 0xffffffffull : ((1ull << bit_width) - 1);
  size_t i = 0;
  // Fast path: an unaligned 64-bit load covers (bit & 7) + bit_width <= 39 bits.
  for (; i < n; ++i) {
    uint64_t bit = bit_offset + i * static_cast<uint64_t>(bit_width);
    size_t byte = static_cast<size_t>(bit >> 3);
    if (byte + 8 > in_len) break;
    out[i] = static_cast<uint32_t>((LoadLe64(in + byte) >> (bit & 7)) & mask);
  }
  for (; i < n; ++i) {
    uint64_t bit = bit_offset + i * static_cast<uint64_t>(bit_width);
    size_t byte = static_cast<size_t>(bit >> 3);
    uint64_t v = 0;
    for (size_t k = 0; k < 8 && byte + k < in_len; ++k) v |= uint64_t(in[byte + k]) << (8 * k);
    out[i] = static_cast<uint32_t>((v >> (bit & 7)) & mask);
  }
}

void RleBitPackedDecoder::Reset(const uint8_t* data, size_t len, int bit_width) {
  p_ = data;
  end_ = data + len;
  bit_width_ = bit_width;
  rle_left_ = 0;
  packed_left_ = 0;
}

bool RleBitPackedDecoder::NextRun() {
  uint64_t header;
  if (!ReadUleb128(p_, end_, &header)) return false;
  if (header & 1) {
    uint64_t groups = header >> 1;
    if (groups == 0 || groups > (uint64_t(1) << 40)) return false;
    size_t bytes_needed = static_cast<size_t>(groups * static_cast<uint64_t>(bit_width_));
    size_t avail = static_cast<size_t>(end_ - p_);
    // The final run may be cut short by the writer; keep only the values whose bits exist.
    size_t bytes = bytes_needed <= avail ? bytes_needed : avail;
    uint64_t values = groups * 8;
    if (bit_width_ > 0) values = std::min<uint64_t>(values, (uint64_t(bytes) * 8) / bit_width_);
    packed_ = p_;
    packed_bytes_ = bytes;
    packed_bit_ = 0;
    packed_left_ = values;
    p_ += bytes;
    return values > 0;
  }
  uint64_t count = header >> 1;
  size_t width_bytes = static_cast<size_t>((bit_width_ + 7) / 8);
  if (static_cast<size_t>(end_ - p_) < width_bytes || count == 0) return false;
  uint32_t v = 0;
  for (size_t k = 0; k < width_bytes; ++k) v |= uint32_t(p_[k]) << (8 * k);
  p_ += width_bytes;
  rle_value_ = v;
  rle_left_ = count;
  return true;
}

template <typename T>
Status RleBitPackedDecoder::Decode(T* out, size_t n) {
  uint32_t buf[256];
  size_t done = 0;
  while (done < n) {
    if (rle_left_ == 0 && packed_left_ == 0) {
      if (!NextRun()) {
        return CorruptError("RLE/bit-packed data ends after {} of {} values", done, n);
      }
    }
    if (rle_left_ > 0) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(rle_left_, n - done));
      T v = static_cast<T>(rle_value_);
      for (size_t k = 0; k < take; ++k) out[done + k] = v;
      done += take;
      rle_left_ -= take;
      continue;
    }
    size_t take = static_cast<size_t>(std::min<uint64_t>(packed_left_, n - done));
    take = std::min<size_t>(take, 256);
    UnpackBits(packed_, packed_bytes_, packed_bit_, bit_width_, buf, take);
    for (size_t k = 0; k < take; ++k) out[done + k] = static_cast<T>(buf[k]);
    packed_bit_ += uint64_t(take) * static_cast<uint64_t>(bit_width_);
    packed_left_ -= take;
    done += take;
  }
  return OkStatus();
}

template Status RleBitPackedDecoder::Decode<int16_t>(int16_t*, size_t);
template Status RleBitPackedDecoder::Decode<uint32_t>(uint32_t*, size_t);
template Status RleBitPackedDecoder::Decode<uint8_t>(uint8_t*, size_t);

Status DeltaBinaryPackedDecoder::Init(const uint8_t* data, size_t len) {
  begin_ = p_ = data;
  end_ = data + len;
  uint64_t first;
  if (!ReadUleb128(p_, end_, &block_size_) || !ReadUleb128(p_, end_, &miniblocks_) ||
      !ReadUleb128(p_, end_, &total_) || !ReadUleb128(p_, end_, &first)) {
    return CorruptError("DELTA_BINARY_PACKED header is truncated");
  }
  if (block_size_ == 0 || block_size_ % 128 != 0 || miniblocks_ == 0 ||
      block_size_ % miniblocks_ != 0 || (block_size_ / miniblocks_) % 32 != 0 ||
      block_size_ > (1u << 20)) {
    return CorruptError("DELTA_BINARY_PACKED header is invalid (block size {}, {} miniblocks)",
                        block_size_, miniblocks_);
  }
  first_ = ZigZagDecode(first);
  return OkStatus();
}

Status DeltaBinaryPackedDecoder::DecodeAll(std::vector<int64_t>* out) {
  size_t base = out->size();
  if (total_ == 0) return OkStatus();
  // Every value takes at least one bit of a block header or body; cap what we reserve.
  if (total_ > static_cast<uint64_t>(end_ - p_) * 8 * 64 + 1) {
    return CorruptError("DELTA_BINARY_PACKED claims {} values in {} bytes", total_, end_ - p_);
  }
  out->resize(base + static_cast<size_t>(total_));
  int64_t* dst = out->data() + base;
  uint64_t value = static_cast<uint64_t>(first_);
  dst[0] = first_;
  uint64_t produced = 1;
  const uint64_t per_mini = block_size_ / miniblocks_;
  std::vector<uint32_t> tmp(static_cast<size_t>(per_mini));
  std::vector<uint8_t> widths(static_cast<size_t>(miniblocks_));
  while (produced < total_) {
    uint64_t min_delta_zz;
    if (!ReadUleb128(p_, end_, &min_delta_zz)) {
      return CorruptError("DELTA_BINARY_PACKED block header is truncated");
    }
    uint64_t min_delta = static_cast<uint64_t>(ZigZagDecode(min_delta_zz));
    if (static_cast<uint64_t>(end_ - p_) < miniblocks_) {
      return CorruptError("DELTA_BINARY_PACKED bit widths are truncated");
    }
    std::memcpy(widths.data(), p_, widths.size());
    p_ += miniblocks_;
    for (uint64_t m = 0; m < miniblocks_ && produced < total_; ++m) {
      int w = widths[static_cast<size_t>(m)];
      if (w > 64) return CorruptError("DELTA_BINARY_PACKED bit width {} is invalid", w);
      size_t bytes = static_cast<size_t>(per_mini * static_cast<uint64_t>(w) / 8);
      if (static_cast<size_t>(end_ - p_) < bytes) {
        return CorruptError("DELTA_BINARY_PACKED miniblock is truncated");
      }
      uint64_t take = std::min<uint64_t>(per_mini, total_ - produced);
      if (w <= 32) {
        UnpackBits(p_, bytes, 0, w, tmp.data(), static_cast<size_t>(take));
        for (uint64_t k = 0; k < take; ++k) {
          value += min_delta + tmp[static_cast<size_t>(k)];
          dst[produced + k] = static_cast<int64_t>(value);
        }
      } else {
        for (uint64_t k = 0; k < take; ++k) {
          uint64_t bit = k * static_cast<uint64_t>(w);
          uint64_t d = 0;
          for (int b = 0; b < w; ++b) {
            uint64_t pos = bit + static_cast<uint64_t>(b);
            d |= uint64_t((p_[pos >> 3] >> (pos & 7)) & 1) << b;
          }
          value += min_delta + d;
          dst[produced + k] = static_cast<int64_t>(value);
        }
      }
      produced += take;
      p_ += bytes;
    }
  }
  return OkStatus();
}

}  // namespace lakeshare::parquet

namespace lakeshare::parquet {

namespace {

// Bit-pack `count` values (count is a multiple of 8, or the final group) LSB-first.
template <typename T>
void PackBits(const T* values, size_t count, int bit_width, std::string* out) {
  const size_t padded = (count + 7) / 8 * 8;
  const size_t bytes = padded * static_cast<size_t>(bit_width) / 8;
  const size_t base = out->size();
  out->resize(base + bytes, '\0');
  auto* dst = reinterpret_cast<uint8_t*>(out->data() + base);
  uint64_t bit = 0;
  for (size_t i = 0; i < count; ++i) {
    uint64_t v = static_cast<uint64_t>(static_cast<uint32_t>(values[i]));
    int left = bit_width;
    while (left > 0) {
      const size_t byte = static_cast<size_t>(bit >> 3);
      const int shift = static_cast<int>(bit & 7);
      const int take = std::min(left, 8 - shift);
      dst[byte] = static_cast<uint8_t>(dst[byte] | ((v & ((1u << take) - 1)) << shift));
      v >>= take;
      left -= take;
      bit += static_cast<uint64_t>(take);
    }
  }
}

}  // namespace

template <typename T>
void EncodeRleBitPacked(const T* values, size_t n, int bit_width, std::string* out) {
  const size_t width_bytes = static_cast<size_t>((bit_width + 7) / 8);
  // Literal values not yet written start at `literal`; they are flushed as one bit-packed run
  // whose length is a multiple of 8 (the final run may be padded).
  size_t literal = 0;
  size_t pos = 0;
  auto flush_literals = [&](size_t end) {
    if (end == literal) return;
    const size_t groups = (end - literal + 7) / 8;
    AppendUleb128((static_cast<uint64_t>(groups) << 1) | 1, out);
    PackBits(values + literal, end - literal, bit_width, out);
    literal = end;
  };
  while (pos < n) {
    size_t run = 1;
    while (pos + run < n && values[pos + run] == values[pos]) ++run;
    if (run < 8) {
      pos += run;
      continue;
    }
    // Borrow values from the run so the pending literals fill whole groups of 8.
    const size_t need = (8 - (pos - literal) % 8) % 8;
    if (run - need < 8) {
      pos += run;
      continue;
    }
    flush_literals(pos + need);
    const size_t rle = run - need;
    AppendUleb128(static_cast<uint64_t>(rle) << 1, out);
    uint32_t v = static_cast<uint32_t>(values[pos]);
    for (size_t k = 0; k < width_bytes; ++k) out->push_back(static_cast<char>((v >> (8 * k)) & 0xff));
    pos += run;
    literal = pos;
  }
  flush_literals(n);
}

template void EncodeRleBitPacked<int16_t>(const int16_t*, size_t, int, std::string*);
template void EncodeRleBitPacked<uint32_t>(const uint32_t*, size_t, int, std::string*);
template void EncodeRleBitPacked<uint8_t>(const uint8_t*, size_t, int, std::string*);

}  // namespace lakeshare::parquet
