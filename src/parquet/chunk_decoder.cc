#include "parquet/chunk_decoder_internal.h"

#include <algorithm>
#include <cstring>

#include "parquet/value_vectors.h"

namespace lakeshare::parquet {

size_t ChunkDecoder::DecodedValueBytes() const {
  switch (leaf_.physical) {
    case PhysicalType::kBoolean:
      return sizeof(uint8_t);
    case PhysicalType::kInt32:
    case PhysicalType::kInt64:
    case PhysicalType::kInt96:
    case PhysicalType::kFloat:
    case PhysicalType::kDouble:
      return ValueWidth();
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray:
      return sizeof(std::string_view);
  }
  return sizeof(std::string_view);
}

Status ChunkDecoder::DecodePlain(Cursor c, size_t n, ColumnData* dst,
                                 const std::shared_ptr<const void>& owner) {
  if (n == 0) return OkStatus();
  switch (leaf_.physical) {
    case PhysicalType::kBoolean: {
      if (c.left() * 8 < n) return Corrupt("PLAIN booleans truncated");
      size_t base = dst->bools.size();
      dst->bools.resize(base + n);
      for (size_t i = 0; i < n; ++i) dst->bools[base + i] = (c.p[i >> 3] >> (i & 7)) & 1;
      return OkStatus();
    }
    case PhysicalType::kInt32:
    case PhysicalType::kFloat:
    case PhysicalType::kInt64:
    case PhysicalType::kDouble:
    case PhysicalType::kInt96: {
      size_t w = ValueWidth();
      if (c.left() / w < n)
        return Corrupt("PLAIN values truncated: {} bytes for {} values", c.left(), n);
      auto append = [&](auto& vec) {
        size_t base = vec.size();
        vec.resize(base + n);
        std::memcpy(vec.data() + base, c.p, n * w);
      };
      if (leaf_.physical == PhysicalType::kInt32)
        append(dst->i32);
      else if (leaf_.physical == PhysicalType::kFloat)
        append(dst->f32);
      else if (leaf_.physical == PhysicalType::kInt64)
        append(dst->i64);
      else if (leaf_.physical == PhysicalType::kDouble)
        append(dst->f64);
      else
        append(dst->i96);
      return OkStatus();
    }
    case PhysicalType::kByteArray: {
      size_t base = dst->bytes.size();
      dst->bytes.resize(base + n);
      const uint8_t* p = c.p;
      for (size_t i = 0; i < n; ++i) {
        if (static_cast<size_t>(c.end - p) < 4) return Corrupt("PLAIN byte array length truncated");
        uint32_t len = LoadLe32(p);
        p += 4;
        if (static_cast<size_t>(c.end - p) < len) {
          return Corrupt("PLAIN byte array of {} bytes overruns the page", len);
        }
        dst->bytes[base + i] = std::string_view(reinterpret_cast<const char*>(p), len);
        p += len;
      }
      dst->buffers.push_back(owner);
      return OkStatus();
    }
    case PhysicalType::kFixedLenByteArray: {
      size_t w = ValueWidth();
      if (c.left() / w < n) return Corrupt("PLAIN fixed-length values truncated");
      size_t base = dst->bytes.size();
      dst->bytes.resize(base + n);
      for (size_t i = 0; i < n; ++i) {
        dst->bytes[base + i] = std::string_view(reinterpret_cast<const char*>(c.p + i * w), w);
      }
      dst->buffers.push_back(owner);
      return OkStatus();
    }
  }
  return Corrupt("unknown physical type");
}

Status ChunkDecoder::DecodeDictionary(const PageRef& page, int32_t num_values, Encoding encoding) {
  if (encoding != Encoding::kPlain && encoding != Encoding::kPlainDictionary) {
    return Corrupt("dictionary page has encoding {}", EncodingName(encoding));
  }
  if (num_values < 0) return Corrupt("dictionary page has {} values", num_values);
  dict_ = ColumnData{};
  dict_.type = leaf_.physical;
  Cursor c{reinterpret_cast<const uint8_t*>(page.data()),
           reinterpret_cast<const uint8_t*>(page.data()) + page.size()};
  if (leaf_.physical == PhysicalType::kByteArray &&
      c.left() / 4 < static_cast<size_t>(num_values)) {
    return Corrupt("dictionary of {} values cannot fit in {} bytes", num_values, c.left());
  }
  LS_RETURN_IF_ERROR(Charge(static_cast<uint64_t>(num_values), DecodedValueBytes()));
  LS_RETURN_IF_ERROR(DecodePlain(c, static_cast<size_t>(num_values), &dict_, page.owner));
  has_dictionary_ = true;
  return OkStatus();
}

Status ChunkDecoder::DecodeDictionaryIndices(Cursor c, size_t n) {
  if (!has_dictionary_) return Corrupt("dictionary-encoded page without a dictionary page");
  if (n == 0) return OkStatus();
  if (c.left() < 1) return Corrupt("dictionary indices truncated");
  int bw = *c.p++;
  if (bw > 32) return Corrupt("dictionary index bit width {} is invalid", bw);
  std::vector<uint32_t> idx(n);
  RleBitPackedDecoder dec(c.p, c.left(), bw);
  if (auto st = dec.Decode(idx.data(), n); !st)
    return Corrupt("dictionary indices: {}", st.error().message);
  const int64_t dict_size = dict_.num_values();
  for (uint32_t i : idx) {
    if (i >= dict_size) return Corrupt("dictionary index {} out of range (size {})", i, dict_size);
  }
  auto gather = [&](auto& dst, const auto& src) {
    size_t base = dst.size();
    dst.resize(base + n);
    for (size_t k = 0; k < n; ++k) dst[base + k] = src[idx[k]];
  };
  WithValueVector(leaf_.physical, [&](auto values) { gather(out_->*values, dict_.*values); });
  if (leaf_.physical == PhysicalType::kByteArray ||
      leaf_.physical == PhysicalType::kFixedLenByteArray) {
    if (out_->buffers.empty() || out_->buffers.back() != dict_.buffers.front()) {
      out_->buffers.push_back(dict_.buffers.front());
    }
  }
  return OkStatus();
}

Status ChunkDecoder::DecodeByteStreamSplit(Cursor c, size_t n,
                                           const std::shared_ptr<const void>& owner) {
  size_t w = ValueWidth();
  if (w == 0)
    return Corrupt("BYTE_STREAM_SPLIT is not defined for {}", PhysicalTypeName(leaf_.physical));
  if (c.left() / w < n) return Corrupt("BYTE_STREAM_SPLIT data truncated");
  auto shuffle = [&](uint8_t* dst) {
    for (size_t b = 0; b < w; ++b) {
      const uint8_t* stream = c.p + b * n;
      for (size_t i = 0; i < n; ++i) dst[i * w + b] = stream[i];
    }
  };
  auto fixed = [&](auto& vec) {
    size_t base = vec.size();
    vec.resize(base + n);
    shuffle(reinterpret_cast<uint8_t*>(vec.data() + base));
  };
  switch (leaf_.physical) {
    case PhysicalType::kInt32:
      fixed(out_->i32);
      return OkStatus();
    case PhysicalType::kInt64:
      fixed(out_->i64);
      return OkStatus();
    case PhysicalType::kFloat:
      fixed(out_->f32);
      return OkStatus();
    case PhysicalType::kDouble:
      fixed(out_->f64);
      return OkStatus();
    case PhysicalType::kFixedLenByteArray: {
      LS_RETURN_IF_ERROR(Charge(n, w));
      auto buf = AllocateUninitialized(n * w);
      shuffle(reinterpret_cast<uint8_t*>(buf.get()));
      size_t base = out_->bytes.size();
      out_->bytes.resize(base + n);
      for (size_t i = 0; i < n; ++i) out_->bytes[base + i] = std::string_view(buf.get() + i * w, w);
      out_->buffers.push_back(std::move(buf));
      return OkStatus();
    }
    default:
      (void)owner;
      return Corrupt("BYTE_STREAM_SPLIT is not defined for {}", PhysicalTypeName(leaf_.physical));
  }
}

Status ChunkDecoder::DecodeDeltaLength(Cursor c, size_t n,
                                       const std::shared_ptr<const void>& owner) {
  DeltaBinaryPackedDecoder lengths;
  LS_RETURN_IF_ERROR(lengths.Init(c.p, c.left()));
  if (lengths.total_values() != n) {
    return Corrupt("DELTA_LENGTH_BYTE_ARRAY has {} lengths for {} values", lengths.total_values(),
                   n);
  }
  std::vector<int64_t> lens;
  LS_RETURN_IF_ERROR(lengths.DecodeAll(&lens));
  const uint8_t* p = c.p + lengths.consumed();
  size_t base = out_->bytes.size();
  out_->bytes.resize(base + n);
  for (size_t i = 0; i < n; ++i) {
    if (lens[i] < 0 || static_cast<uint64_t>(lens[i]) > static_cast<uint64_t>(c.end - p)) {
      return Corrupt("DELTA_LENGTH_BYTE_ARRAY value of {} bytes overruns the page", lens[i]);
    }
    out_->bytes[base + i] =
        std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(lens[i]));
    p += lens[i];
  }
  out_->buffers.push_back(owner);
  return OkStatus();
}

Status ChunkDecoder::DecodeDeltaByteArray(Cursor c, size_t n) {
  DeltaBinaryPackedDecoder prefixes;
  LS_RETURN_IF_ERROR(prefixes.Init(c.p, c.left()));
  if (prefixes.total_values() != n) return Corrupt("DELTA_BYTE_ARRAY prefix count mismatch");
  std::vector<int64_t> pre;
  LS_RETURN_IF_ERROR(prefixes.DecodeAll(&pre));
  Cursor rest{c.p + prefixes.consumed(), c.end};
  DeltaBinaryPackedDecoder suffixes;
  LS_RETURN_IF_ERROR(suffixes.Init(rest.p, rest.left()));
  if (suffixes.total_values() != n) return Corrupt("DELTA_BYTE_ARRAY suffix count mismatch");
  std::vector<int64_t> suf;
  LS_RETURN_IF_ERROR(suffixes.DecodeAll(&suf));
  const uint8_t* p = rest.p + suffixes.consumed();
  // First pass: validate and size; second: materialize prefix + suffix into one buffer.
  uint64_t total = 0;
  uint64_t prev_len = 0;
  uint64_t data_left = static_cast<uint64_t>(c.end - p);
  uint64_t suffix_total = 0;
  for (size_t i = 0; i < n; ++i) {
    if (pre[i] < 0 || suf[i] < 0 || static_cast<uint64_t>(pre[i]) > prev_len) {
      return Corrupt("DELTA_BYTE_ARRAY prefix {} exceeds previous value length {}", pre[i],
                     prev_len);
    }
    suffix_total += static_cast<uint64_t>(suf[i]);
    if (suffix_total > data_left) return Corrupt("DELTA_BYTE_ARRAY suffixes overrun the page");
    prev_len = static_cast<uint64_t>(pre[i] + suf[i]);
    total += prev_len;
    if (total > static_cast<uint64_t>(kMaxPageBytes))
      return Corrupt("DELTA_BYTE_ARRAY values exceed 1 GiB");
  }
  LS_RETURN_IF_ERROR(Charge(total, 1));
  auto buf = AllocateUninitialized(static_cast<size_t>(total));
  char* dst = buf.get();
  size_t base = out_->bytes.size();
  out_->bytes.resize(base + n);
  std::string_view prev;
  for (size_t i = 0; i < n; ++i) {
    size_t pl = static_cast<size_t>(pre[i]);
    size_t sl = static_cast<size_t>(suf[i]);
    if (pl > 0) std::memcpy(dst, prev.data(), pl);
    if (sl > 0) std::memcpy(dst + pl, p, sl);
    p += sl;
    prev = std::string_view(dst, pl + sl);
    if (leaf_.physical == PhysicalType::kFixedLenByteArray &&
        prev.size() != static_cast<size_t>(leaf_.type_length)) {
      return Corrupt("DELTA_BYTE_ARRAY value has {} bytes, column is FIXED_LEN_BYTE_ARRAY({})",
                     prev.size(), leaf_.type_length);
    }
    out_->bytes[base + i] = prev;
    dst += pl + sl;
  }
  out_->buffers.push_back(std::move(buf));
  return OkStatus();
}

Status ChunkDecoder::DecodeValues(Cursor c, size_t n, Encoding encoding,
                                  const std::shared_ptr<const void>& owner) {
  switch (encoding) {
    case Encoding::kPlain:
      return DecodePlain(c, n, out_, owner);
    case Encoding::kPlainDictionary:
    case Encoding::kRleDictionary:
      return DecodeDictionaryIndices(c, n);
    case Encoding::kRle: {
      if (leaf_.physical != PhysicalType::kBoolean)
        return Corrupt("RLE values on a non-boolean column");
      if (c.left() < 4) return Corrupt("RLE boolean length truncated");
      uint32_t len = LoadLe32(c.p);
      if (len > c.left() - 4) return Corrupt("RLE boolean data overruns the page");
      RleBitPackedDecoder dec(c.p + 4, len, 1);
      size_t base = out_->bools.size();
      out_->bools.resize(base + n);
      if (auto st = dec.Decode(out_->bools.data() + base, n); !st) {
        return Corrupt("RLE booleans: {}", st.error().message);
      }
      return OkStatus();
    }
    case Encoding::kDeltaBinaryPacked: {
      if (leaf_.physical != PhysicalType::kInt32 && leaf_.physical != PhysicalType::kInt64) {
        return Corrupt("DELTA_BINARY_PACKED on {}", PhysicalTypeName(leaf_.physical));
      }
      DeltaBinaryPackedDecoder dec;
      LS_RETURN_IF_ERROR(dec.Init(c.p, c.left()));
      if (dec.total_values() != n) {
        return Corrupt("DELTA_BINARY_PACKED has {} values, levels say {}", dec.total_values(), n);
      }
      if (leaf_.physical == PhysicalType::kInt64) return dec.DecodeAll(&out_->i64);
      std::vector<int64_t> tmp;
      LS_RETURN_IF_ERROR(dec.DecodeAll(&tmp));
      size_t base = out_->i32.size();
      out_->i32.resize(base + n);
      for (size_t i = 0; i < n; ++i)
        out_->i32[base + i] = static_cast<int32_t>(static_cast<uint64_t>(tmp[i]));
      return OkStatus();
    }
    case Encoding::kDeltaLengthByteArray:
      if (leaf_.physical != PhysicalType::kByteArray)
        return Corrupt("DELTA_LENGTH_BYTE_ARRAY on a non-byte-array column");
      return DecodeDeltaLength(c, n, owner);
    case Encoding::kDeltaByteArray:
      if (leaf_.physical != PhysicalType::kByteArray &&
          leaf_.physical != PhysicalType::kFixedLenByteArray) {
        return Corrupt("DELTA_BYTE_ARRAY on a non-byte-array column");
      }
      return DecodeDeltaByteArray(c, n);
    case Encoding::kByteStreamSplit:
      return DecodeByteStreamSplit(c, n, owner);
    case Encoding::kBitPacked:
      return MakeError(ErrorCode::kUnsupported,
                       fmt::format("Failed to read column '{}' of '{}': the deprecated BIT_PACKED "
                                   "value encoding is not supported",
                                   leaf_.name, file_));
  }
  return Corrupt("unknown value encoding {}", static_cast<int>(encoding));
}

Status ChunkDecoder::DecodeLevelsV1(const uint8_t*& p, const uint8_t* end, int16_t max_level,
                                    Encoding encoding, int64_t n, std::vector<int16_t>* out) {
  int bw = BitWidth(static_cast<uint32_t>(max_level));
  size_t base = out->size();
  out->resize(base + static_cast<size_t>(n));
  int16_t* dst = out->data() + base;
  if (encoding == Encoding::kRle) {
    if (end - p < 4) return Corrupt("level data length truncated");
    uint32_t len = LoadLe32(p);
    p += 4;
    if (len > static_cast<size_t>(end - p))
      return Corrupt("level data of {} bytes overruns the page", len);
    RleBitPackedDecoder dec(p, len, bw);
    if (auto st = dec.Decode(dst, static_cast<size_t>(n)); !st) {
      return Corrupt("levels: {}", st.error().message);
    }
    p += len;
  } else if (encoding == Encoding::kBitPacked) {
    // Deprecated BIT_PACKED levels: packed from the most significant bit (Encodings.md).
    uint64_t bytes = (static_cast<uint64_t>(n) * static_cast<uint64_t>(bw) + 7) / 8;
    if (bytes > static_cast<uint64_t>(end - p)) return Corrupt("BIT_PACKED levels truncated");
    for (int64_t i = 0; i < n; ++i) {
      uint32_t v = 0;
      for (int b = 0; b < bw; ++b) {
        uint64_t bit =
            static_cast<uint64_t>(i) * static_cast<uint64_t>(bw) + static_cast<uint64_t>(b);
        v = (v << 1) | ((p[bit >> 3] >> (7 - (bit & 7))) & 1);
      }
      dst[i] = static_cast<int16_t>(v);
    }
    p += bytes;
  } else {
    return Corrupt("level encoding {} is invalid", EncodingName(encoding));
  }
  for (int64_t i = 0; i < n; ++i) {
    if (dst[i] > max_level) return Corrupt("level {} exceeds the maximum {}", dst[i], max_level);
  }
  return OkStatus();
}

Status ChunkDecoder::DecodeDataPage(const PageLevels& levels, const PageRef& page) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(page.data());
  const uint8_t* end = p + page.size();
  const int64_t n = levels.num_entries;
  size_t def_base = out_->def_levels.size();
  size_t rep_base = out_->rep_levels.size();
  const uint64_t level_vectors = (leaf_.max_def > 0 ? 1 : 0) + (leaf_.max_rep > 0 ? 1 : 0);
  LS_RETURN_IF_ERROR(Charge(static_cast<uint64_t>(n), level_vectors * sizeof(int16_t)));
  if (levels.v2) {
    auto decode_v2 = [&](std::string_view raw, int16_t max_level,
                         std::vector<int16_t>* out) -> Status {
      if (max_level == 0) return OkStatus();
      size_t base = out->size();
      out->resize(base + static_cast<size_t>(n));
      RleBitPackedDecoder dec(reinterpret_cast<const uint8_t*>(raw.data()), raw.size(),
                              BitWidth(static_cast<uint32_t>(max_level)));
      if (auto st = dec.Decode(out->data() + base, static_cast<size_t>(n)); !st) {
        return Corrupt("levels: {}", st.error().message);
      }
      for (size_t i = base; i < out->size(); ++i) {
        if ((*out)[i] > max_level)
          return Corrupt("level {} exceeds the maximum {}", (*out)[i], max_level);
      }
      return OkStatus();
    };
    LS_RETURN_IF_ERROR(decode_v2(levels.rep_raw, leaf_.max_rep, &out_->rep_levels));
    LS_RETURN_IF_ERROR(decode_v2(levels.def_raw, leaf_.max_def, &out_->def_levels));
  } else {
    if (leaf_.max_rep > 0) {
      LS_RETURN_IF_ERROR(
          DecodeLevelsV1(p, end, leaf_.max_rep, levels.rep_encoding, n, &out_->rep_levels));
    }
    if (leaf_.max_def > 0) {
      LS_RETURN_IF_ERROR(
          DecodeLevelsV1(p, end, leaf_.max_def, levels.def_encoding, n, &out_->def_levels));
    }
  }
  if (leaf_.max_rep > 0 && n > 0 && out_->num_entries == 0 && out_->rep_levels[rep_base] != 0) {
    return Corrupt("the first entry of the column chunk does not start a record");
  }
  size_t non_null = static_cast<size_t>(n);
  if (leaf_.max_def > 0) {
    non_null =
        static_cast<size_t>(std::count(out_->def_levels.begin() + static_cast<ptrdiff_t>(def_base),
                                       out_->def_levels.end(), leaf_.max_def));
  }
  LS_RETURN_IF_ERROR(Charge(non_null, DecodedValueBytes()));
  out_->num_entries += n;
  return DecodeValues(Cursor{p, end}, non_null, levels.encoding, page.owner);
}

}  // namespace lakeshare::parquet
