#include "parquet/file_reader.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "parquet/compression.h"
#include "parquet/encoding_internal.h"
#include "parquet/thrift_internal.h"

namespace lakeshare::parquet {

namespace {

constexpr char kMagic[] = "PAR1";
constexpr int64_t kMaxFooterBytes = int64_t{1} << 30;
constexpr int64_t kMaxPageBytes = int64_t{1} << 30;
constexpr int64_t kMaxPageEntries = int64_t{1} << 26;

// Unknown encodings map to a value no decoder accepts, so they fail with a named error.
Encoding ToEncoding(const format::Encoding::type& e) {
  int32_t v = RawEnum(e);
  return static_cast<Encoding>(v >= 0 && v <= 9 ? v : 1);
}

uint32_t LoadLe32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Values of one page or dictionary before they are appended to a ColumnData.
struct Cursor {
  const uint8_t* p;
  const uint8_t* end;
  size_t left() const { return static_cast<size_t>(end - p); }
};

// Bytes of one (decompressed) page: a view plus whatever keeps it alive. Uncompressed pages are
// views into the column chunk buffer; decompressed ones own an uninitialized buffer (zero-filling
// it first was a third of the decode time).
struct PageRef {
  const char* ptr = nullptr;
  size_t len = 0;
  std::shared_ptr<const void> owner;
  const char* data() const { return ptr; }
  size_t size() const { return len; }
};

// Large buffers are 2 MiB aligned and marked for transparent huge pages: first-touch page faults
// on hundreds of MB of decompressed pages otherwise cost as much as the decompression itself.
std::shared_ptr<char[]> AllocateUninitialized(size_t n) {
  constexpr size_t kHuge = size_t{2} << 20;
  if (n >= 2 * kHuge) {
    size_t rounded = (n + kHuge - 1) / kHuge * kHuge;
    void* p = nullptr;
    if (posix_memalign(&p, kHuge, rounded) == 0) {
      madvise(p, rounded, MADV_HUGEPAGE);
      return std::shared_ptr<char[]>(static_cast<char*>(p), [](char* q) { std::free(q); });
    }
  }
  return std::shared_ptr<char[]>(new char[n == 0 ? 1 : n]);
}

// Reserve room for `n` elements up front (the chunk's entry count bounds every vector), so that
// pages append without reallocation copies. The aligned 2 MiB ranges of a large reservation are
// advised as transparent huge pages: filling fresh memory otherwise costs a page fault per
// 4 KiB, and page faults are expensive (most of a cold load on a virtual machine).
template <typename T>
void Reserve(std::vector<T>& v, size_t n) {
  if (n <= v.capacity()) return;
  v.reserve(n);
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const size_t bytes = n * sizeof(T);
  if (bytes < 2 * kHuge) return;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(v.data());
  const uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t last = (begin + bytes) & ~(kHuge - 1);
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

// One allocation for all decompressed pages of a column chunk, sized from the chunk's
// total_uncompressed_size (capped, since the footer may lie); pages past it get their own buffer.
// A recycled block (from the previous read into the same ColumnData) is used when large enough.
class PageArena {
 public:
  PageArena(size_t capacity, std::shared_ptr<char[]> recycled, size_t recycled_size)
      : capacity_(capacity) {
    if (capacity > 0 && recycled && recycled_size >= capacity) {
      block_ = std::move(recycled);
      capacity_ = recycled_size;
    }
  }
  const std::shared_ptr<char[]>& block() const { return block_; }
  size_t capacity() const { return capacity_; }
  // A buffer of n bytes and its owner.
  std::pair<char*, std::shared_ptr<const void>> Take(size_t n) {
    if (capacity_ > 0 && !block_) block_ = AllocateUninitialized(capacity_);
    if (block_ && capacity_ - used_ >= n) {
      char* p = block_.get() + used_;
      used_ += n;
      return {p, block_};
    }
    auto own = AllocateUninitialized(n);
    return {own.get(), own};
  }

 private:
  size_t capacity_;
  size_t used_ = 0;
  std::shared_ptr<char[]> block_;
};

// How one data page lays out its levels. For v2 pages the levels sit uncompressed before the
// values and are passed as raw views; for v1 they are inside the (decompressed) page.
struct PageLevels {
  int64_t num_entries = 0;
  Encoding encoding = Encoding::kPlain;
  Encoding def_encoding = Encoding::kRle;
  Encoding rep_encoding = Encoding::kRle;
  bool v2 = false;
  std::string_view rep_raw;
  std::string_view def_raw;
};

class ChunkDecoder {
 public:
  ChunkDecoder(const std::string& file, const SchemaNode& leaf, ColumnData* out)
      : file_(file), leaf_(leaf), out_(out) {}

  Status DecodeDictionary(const PageRef& page, int32_t num_values, Encoding encoding);
  Status DecodeDataPage(const PageLevels& levels, const PageRef& page);
  Status DecodeLevelsV1(const uint8_t*& p, const uint8_t* end, int16_t max_level, Encoding encoding,
                        int64_t n, std::vector<int16_t>* out);

 private:
  template <typename... Args>
  tl::unexpected<Error> Corrupt(fmt::format_string<Args...> f, Args&&... args) const {
    return CorruptError("Failed to read column '{}' of '{}': {}", leaf_.name, file_,
                        fmt::format(f, std::forward<Args>(args)...));
  }

  Status DecodePlain(Cursor c, size_t n, ColumnData* dst, const std::shared_ptr<const void>& owner);
  Status DecodeValues(Cursor c, size_t n, Encoding encoding,
                      const std::shared_ptr<const void>& owner);
  Status DecodeDictionaryIndices(Cursor c, size_t n);
  Status DecodeByteStreamSplit(Cursor c, size_t n, const std::shared_ptr<const void>& owner);
  Status DecodeDeltaLength(Cursor c, size_t n, const std::shared_ptr<const void>& owner);
  Status DecodeDeltaByteArray(Cursor c, size_t n);

  // Bytes of one fixed-width value (0 for booleans, which are bit-packed, and BYTE_ARRAY).
  size_t ValueWidth() const {
    return leaf_.physical == PhysicalType::kBoolean ? 0 : FixedWidth(leaf_);
  }

  const std::string& file_;
  const SchemaNode& leaf_;
  ColumnData* out_;
  bool has_dictionary_ = false;
  ColumnData dict_;
};

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
  switch (leaf_.physical) {
    case PhysicalType::kBoolean:
      gather(out_->bools, dict_.bools);
      break;
    case PhysicalType::kInt32:
      gather(out_->i32, dict_.i32);
      break;
    case PhysicalType::kInt64:
      gather(out_->i64, dict_.i64);
      break;
    case PhysicalType::kInt96:
      gather(out_->i96, dict_.i96);
      break;
    case PhysicalType::kFloat:
      gather(out_->f32, dict_.f32);
      break;
    case PhysicalType::kDouble:
      gather(out_->f64, dict_.f64);
      break;
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray:
      gather(out_->bytes, dict_.bytes);
      if (out_->buffers.empty() || out_->buffers.back() != dict_.buffers.front()) {
        out_->buffers.push_back(dict_.buffers.front());
      }
      break;
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
  out_->num_entries += n;
  return DecodeValues(Cursor{p, end}, non_null, levels.encoding, page.owner);
}

}  // namespace

int64_t ColumnData::num_values() const {
  switch (type) {
    case PhysicalType::kBoolean:
      return static_cast<int64_t>(bools.size());
    case PhysicalType::kInt32:
      return static_cast<int64_t>(i32.size());
    case PhysicalType::kInt64:
      return static_cast<int64_t>(i64.size());
    case PhysicalType::kInt96:
      return static_cast<int64_t>(i96.size());
    case PhysicalType::kFloat:
      return static_cast<int64_t>(f32.size());
    case PhysicalType::kDouble:
      return static_cast<int64_t>(f64.size());
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray:
      return static_cast<int64_t>(bytes.size());
  }
  return 0;
}

FileReader::~FileReader() = default;

Result<std::unique_ptr<FileReader>> FileReader::OpenPath(const std::string& path) {
  LS_ASSIGN_OR_RETURN(auto file, storage::OpenLocalFile(path));
  return Open(std::shared_ptr<storage::RandomAccessFile>(std::move(file)));
}

Result<std::unique_ptr<FileReader>> FileReader::Open(
    std::shared_ptr<storage::RandomAccessFile> file) {
  const std::string& name = file->name();
  const int64_t size = file->size();
  if (size < 12) {
    return CorruptError("'{}' is not a Parquet file: {} bytes is too small", name, size);
  }
  char tail[8];
  LS_RETURN_IF_ERROR(file->ReadAt(size - 8, 8, tail));
  if (std::memcmp(tail + 4, kMagic, 4) != 0) {
    if (std::memcmp(tail + 4, "PARE", 4) == 0) {
      return Unsupported("'{}' uses Parquet modular encryption, which is not supported", name);
    }
    return CorruptError("'{}' is not a Parquet file: no PAR1 magic at the end (truncated?)", name);
  }
  uint32_t footer_len = LoadLe32(reinterpret_cast<const uint8_t*>(tail));
  if (footer_len == 0 || static_cast<int64_t>(footer_len) > size - 12 ||
      static_cast<int64_t>(footer_len) > kMaxFooterBytes) {
    return CorruptError(
        "Failed to read footer of '{}': footer length {} does not fit a file of {} bytes", name,
        footer_len, size);
  }
  std::string footer(footer_len, '\0');
  const int64_t footer_start = size - 8 - footer_len;
  LS_RETURN_IF_ERROR(file->ReadAt(footer_start, footer_len, footer.data()));
  auto reader = std::unique_ptr<FileReader>(new FileReader());
  reader->file_ = std::move(file);
  reader->footer_start_ = footer_start;
  reader->metadata_ = std::make_unique<format::FileMetaData>();
  uint32_t len = footer_len;
  if (auto st = DeserializeThrift(reinterpret_cast<const uint8_t*>(footer.data()), &len,
                                  reader->metadata_.get(), "footer of '" + name + "'");
      !st) {
    return tl::unexpected(st.error());
  }
  auto schema = Schema::FromThrift(reader->metadata_->schema);
  if (!schema) {
    return CorruptError("Failed to read schema of '{}': {}", name, schema.error().message);
  }
  reader->schema_ = std::move(*schema);
  LS_RETURN_IF_ERROR(reader->ValidateRowGroups());
  return reader;
}

Status FileReader::ValidateRowGroups() const {
  const auto& md = *metadata_;
  for (size_t rg = 0; rg < md.row_groups.size(); ++rg) {
    const auto& group = md.row_groups[rg];
    if (static_cast<int>(group.columns.size()) != schema_.num_leaves()) {
      return CorruptError(
          "Failed to read '{}': row group {} has {} column chunks, schema has {} columns", name(),
          rg, group.columns.size(), schema_.num_leaves());
    }
    if (group.num_rows < 0) {
      return CorruptError("Failed to read '{}': row group {} has {} rows", name(), rg,
                          group.num_rows);
    }
  }
  return OkStatus();
}

int FileReader::num_row_groups() const { return static_cast<int>(metadata_->row_groups.size()); }
int64_t FileReader::num_rows() const { return metadata_->num_rows; }
int64_t FileReader::row_group_num_rows(int rg) const {
  return metadata_->row_groups[static_cast<size_t>(rg)].num_rows;
}
std::string FileReader::created_by() const { return metadata_->created_by; }

std::vector<std::pair<std::string, std::string>> FileReader::key_value_metadata() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& kv : metadata_->key_value_metadata) out.emplace_back(kv.key, kv.value);
  return out;
}

ColumnChunkInfo FileReader::column_chunk_info(int rg, int leaf) const {
  const auto& cc =
      metadata_->row_groups[static_cast<size_t>(rg)].columns[static_cast<size_t>(leaf)];
  ColumnChunkInfo info;
  if (!cc.__isset.meta_data) return info;
  info.codec = static_cast<Compression>(RawEnum(cc.meta_data.codec));
  for (const auto& e : cc.meta_data.encodings)
    info.encodings.push_back(static_cast<Encoding>(RawEnum(e)));
  info.num_values = cc.meta_data.num_values;
  info.compressed_size = cc.meta_data.total_compressed_size;
  info.uncompressed_size = cc.meta_data.total_uncompressed_size;
  return info;
}

std::optional<ColumnStatistics> FileReader::column_statistics(int rg, int leaf) const {
  const auto& cc =
      metadata_->row_groups[static_cast<size_t>(rg)].columns[static_cast<size_t>(leaf)];
  if (!cc.__isset.meta_data || !cc.meta_data.__isset.statistics) return std::nullopt;
  const auto& s = cc.meta_data.statistics;
  ColumnStatistics out;
  // min_value/max_value follow the column order; the deprecated min/max are signed byte-wise and
  // only trustworthy for types whose order does not depend on signedness.
  if (s.__isset.min_value) out.min = s.min_value;
  if (s.__isset.max_value) out.max = s.max_value;
  if (s.__isset.null_count) out.null_count = s.null_count;
  if (s.__isset.distinct_count) out.distinct_count = s.distinct_count;
  const SchemaNode& node = schema_.node(schema_.leaf_node(leaf));
  bool legacy_ok = node.physical != PhysicalType::kByteArray &&
                   node.physical != PhysicalType::kFixedLenByteArray &&
                   !(node.logical.kind == LogicalKind::kInteger && !node.logical.is_signed);
  if (!out.min && s.__isset.min && legacy_ok) out.min = s.min;
  if (!out.max && s.__isset.max && legacy_ok) out.max = s.max;
  return out;
}

Result<ColumnData> FileReader::ReadColumn(int rg, int leaf) const {
  ColumnData out;
  LS_RETURN_IF_ERROR(ReadColumnInto(rg, leaf, &out));
  return out;
}

std::shared_ptr<char[]> FileReader::TakeChunkBuffer(size_t n, size_t* capacity) const {
  {
    MutexLock lock(scratch_mutex_);
    if (scratch_ && scratch_size_ >= n) {
      *capacity = scratch_size_;
      scratch_size_ = 0;
      return std::move(scratch_);
    }
  }
  *capacity = n;
  return AllocateUninitialized(n);
}

void FileReader::ReturnChunkBuffer(std::shared_ptr<char[]> buffer, size_t n) const {
  // Only a buffer that no decoded page references (compressed chunks) can be reused.
  if (buffer.use_count() != 1) return;
  MutexLock lock(scratch_mutex_);
  if (n > scratch_size_) {
    scratch_ = std::move(buffer);
    scratch_size_ = n;
  }
}

namespace {

// Empty `out` for a new read, keeping the capacity of its vectors; its page arena is handed back
// (in *recycled) when no one else holds it any more.
void ResetColumn(ColumnData& out, std::shared_ptr<char[]>* recycled, size_t* recycled_size) {
  out.buffers.clear();
  if (out.page_arena.use_count() == 1) {
    *recycled = std::move(out.page_arena);
    *recycled_size = out.page_arena_size;
  }
  out.page_arena.reset();
  out.page_arena_size = 0;
  out.num_entries = 0;
  out.def_levels.clear();
  out.rep_levels.clear();
  out.bools.clear();
  out.i32.clear();
  out.i64.clear();
  out.i96.clear();
  out.f32.clear();
  out.f64.clear();
  out.bytes.clear();
}

// Reserve the column's vectors for the footer's entry count (the row count for a flat column),
// bounded so that a lying footer cannot reserve much (the vectors still grow past a short
// reservation). Values are at most one per entry and, unless RLE-encoded, take at least one
// byte each.
void ReserveColumn(const SchemaNode& node, int64_t num_values, int64_t num_rows,
                   int64_t uncompressed, ColumnData& out) {
  int64_t entries = std::min<int64_t>(num_values, std::max<int64_t>(uncompressed * 64, 1 << 20));
  if (node.max_rep == 0) entries = std::min<int64_t>(entries, num_rows);
  const size_t n = static_cast<size_t>(std::max<int64_t>(entries, 0));
  const size_t fixed_n = std::min<size_t>(n, static_cast<size_t>(uncompressed));
  if (node.max_def > 0) Reserve(out.def_levels, n);
  if (node.max_rep > 0) Reserve(out.rep_levels, n);
  switch (node.physical) {
    case PhysicalType::kBoolean:
      Reserve(out.bools, n);
      break;
    case PhysicalType::kInt32:
      Reserve(out.i32, fixed_n);
      break;
    case PhysicalType::kInt64:
      Reserve(out.i64, fixed_n);
      break;
    case PhysicalType::kInt96:
      Reserve(out.i96, fixed_n);
      break;
    case PhysicalType::kFloat:
      Reserve(out.f32, fixed_n);
      break;
    case PhysicalType::kDouble:
      Reserve(out.f64, fixed_n);
      break;
    case PhysicalType::kByteArray:
    case PhysicalType::kFixedLenByteArray:
      Reserve(out.bytes, n);
      break;
  }
}

// The pages of one column chunk, read from one buffer that grows when the footer under-reported
// the chunk's size, and handed to a ChunkDecoder until the chunk's entries are all read.
class ChunkPageReader {
 public:
  ChunkPageReader(storage::RandomAccessFile& file, const std::string& column_path,
                  int64_t footer_start, int64_t start, int64_t length, Compression codec,
                  std::shared_ptr<char[]> chunk, size_t chunk_capacity, PageArena& arena,
                  ChunkDecoder& decoder)
      : file_(file),
        column_path_(column_path),
        footer_start_(footer_start),
        start_(start),
        length_(length),
        codec_(codec),
        chunk_(std::move(chunk)),
        chunk_size_(static_cast<size_t>(length)),
        chunk_capacity_(chunk_capacity),
        arena_(arena),
        decoder_(decoder) {}

  tl::unexpected<Error> Fail(std::string_view why) const {
    return CorruptError("Failed to read column '{}' of '{}': {}", column_path_, file_.name(), why);
  }

  // Read and decode pages until `num_values` entries were read.
  Status ReadPages(int64_t num_values) {
    entries_left_ = num_values;
    while (entries_left_ > 0) {
      format::PageHeader header;
      std::string_view body;
      LS_ASSIGN_OR_RETURN(bool have_page, NextPage(&header, &body));
      if (!have_page) continue;
      LS_RETURN_IF_ERROR(DecodePage(header, body));
    }
    return OkStatus();
  }

  // The chunk buffer, for FileReader::ReturnChunkBuffer.
  std::shared_ptr<char[]> TakeChunk() { return std::move(chunk_); }
  size_t chunk_capacity() const { return chunk_capacity_; }

 private:
  // The chunk ran out before all entries were read: the size was under-reported.
  Status Extend() {
    int64_t more = std::min<int64_t>(footer_start_ - (start_ + length_), int64_t{64} << 20);
    if (more <= 0) return Fail("column chunk ends before all values were read");
    auto bigger = AllocateUninitialized(chunk_size_ + static_cast<size_t>(more));
    std::memcpy(bigger.get(), chunk_.get(), chunk_size_);
    LS_RETURN_IF_ERROR(file_.ReadAt(start_ + length_, more, bigger.get() + chunk_size_));
    chunk_ = std::move(bigger);  // pages already decoded keep the old buffer alive
    chunk_size_ += static_cast<size_t>(more);
    chunk_capacity_ = chunk_size_;
    length_ += more;
    return OkStatus();
  }

  // The next page's header and (compressed) body; false when the buffer had to grow to hold a
  // whole header (try again).
  Result<bool> NextPage(format::PageHeader* header, std::string_view* body) {
    if (pos_ >= chunk_size_) LS_RETURN_IF_ERROR(Extend());
    uint32_t header_len = static_cast<uint32_t>(std::min<size_t>(chunk_size_ - pos_, 0xffffffffu));
    auto hs = DeserializeThrift(reinterpret_cast<const uint8_t*>(chunk_.get()) + pos_, &header_len,
                                header, "page header");
    if (!hs) {
      if (chunk_size_ - pos_ < 256 && start_ + length_ < footer_start_) {
        LS_RETURN_IF_ERROR(Extend());
        return false;
      }
      return Fail(hs.error().message);
    }
    pos_ += header_len;
    if (header->compressed_page_size < 0 || header->uncompressed_page_size < 0 ||
        header->uncompressed_page_size > kMaxPageBytes) {
      return Fail(fmt::format("page sizes {} / {} are invalid", header->compressed_page_size,
                              header->uncompressed_page_size));
    }
    while (static_cast<size_t>(header->compressed_page_size) > chunk_size_ - pos_) {
      LS_RETURN_IF_ERROR(Extend());
    }
    *body =
        std::string_view(chunk_.get() + pos_, static_cast<size_t>(header->compressed_page_size));
    pos_ += static_cast<size_t>(header->compressed_page_size);
    return true;
  }

  Result<PageRef> Decompress(std::string_view in, size_t out_size) {
    if (codec_ == Compression::kUncompressed) {
      if (in.size() != out_size) {
        return Fail(
            fmt::format("uncompressed page has {} bytes, header says {}", in.size(), out_size));
      }
      return PageRef{in.data(), in.size(), chunk_};
    }
    if (out_size > in.size() * 65536 + (size_t{1} << 20)) {
      return Fail(fmt::format("page claims to inflate {} bytes to {}", in.size(), out_size));
    }
    auto [buf, owner] = arena_.Take(out_size);
    if (auto st = parquet::Decompress(codec_, in, buf, out_size); !st) {
      if (st.error().code == ErrorCode::kUnsupported) {
        return MakeError(ErrorCode::kUnsupported,
                         fmt::format("Failed to read '{}': {}", file_.name(), st.error().message));
      }
      return Fail(st.error().message);
    }
    return PageRef{buf, out_size, std::move(owner)};
  }

  Status DecodePage(const format::PageHeader& header, std::string_view body) {
    switch (RawEnum(header.type)) {
      case format::PageType::DICTIONARY_PAGE:
        return DecodeDictionaryPage(header, body);
      case format::PageType::DATA_PAGE:
        return DecodeDataPageV1(header, body);
      case format::PageType::DATA_PAGE_V2:
        return DecodeDataPageV2(header, body);
      default:
        return OkStatus();  // index pages and unknown page types carry nothing we need
    }
  }

  Status DecodeDictionaryPage(const format::PageHeader& header, std::string_view body) {
    if (!header.__isset.dictionary_page_header) return Fail("dictionary page without its header");
    const auto& dh = header.dictionary_page_header;
    LS_ASSIGN_OR_RETURN(auto page,
                        Decompress(body, static_cast<size_t>(header.uncompressed_page_size)));
    return decoder_.DecodeDictionary(page, dh.num_values, ToEncoding(dh.encoding));
  }

  Status CheckPageEntries(int32_t num_values) const {
    if (num_values < 0 || num_values > kMaxPageEntries || num_values > entries_left_) {
      return Fail(
          fmt::format("data page has {} values ({} left in the chunk)", num_values, entries_left_));
    }
    return OkStatus();
  }

  Status DecodeDataPageV1(const format::PageHeader& header, std::string_view body) {
    if (!header.__isset.data_page_header) return Fail("data page without its header");
    const auto& dh = header.data_page_header;
    LS_RETURN_IF_ERROR(CheckPageEntries(dh.num_values));
    LS_ASSIGN_OR_RETURN(auto page,
                        Decompress(body, static_cast<size_t>(header.uncompressed_page_size)));
    PageLevels levels;
    levels.num_entries = dh.num_values;
    levels.encoding = ToEncoding(dh.encoding);
    levels.def_encoding = ToEncoding(dh.definition_level_encoding);
    levels.rep_encoding = ToEncoding(dh.repetition_level_encoding);
    LS_RETURN_IF_ERROR(decoder_.DecodeDataPage(levels, page));
    entries_left_ -= dh.num_values;
    return OkStatus();
  }

  Status DecodeDataPageV2(const format::PageHeader& header, std::string_view body) {
    if (!header.__isset.data_page_header_v2) return Fail("data page v2 without its header");
    const auto& dh = header.data_page_header_v2;
    LS_RETURN_IF_ERROR(CheckPageEntries(dh.num_values));
    if (dh.repetition_levels_byte_length < 0 || dh.definition_levels_byte_length < 0 ||
        static_cast<int64_t>(dh.repetition_levels_byte_length) + dh.definition_levels_byte_length >
            static_cast<int64_t>(body.size())) {
      return Fail("data page v2 level lengths exceed the page");
    }
    PageLevels levels;
    levels.v2 = true;
    levels.num_entries = dh.num_values;
    levels.encoding = ToEncoding(dh.encoding);
    size_t rl = static_cast<size_t>(dh.repetition_levels_byte_length);
    size_t dl = static_cast<size_t>(dh.definition_levels_byte_length);
    levels.rep_raw = body.substr(0, rl);
    levels.def_raw = body.substr(rl, dl);
    std::string_view values = body.substr(rl + dl);
    int64_t values_size =
        static_cast<int64_t>(header.uncompressed_page_size) - static_cast<int64_t>(rl + dl);
    if (values_size < 0) return Fail("data page v2 uncompressed size is smaller than its levels");
    PageRef page{values.data(), values.size(), chunk_};
    if (dh.is_compressed && codec_ != Compression::kUncompressed) {
      LS_ASSIGN_OR_RETURN(page, Decompress(values, static_cast<size_t>(values_size)));
    }
    LS_RETURN_IF_ERROR(decoder_.DecodeDataPage(levels, page));
    entries_left_ -= dh.num_values;
    return OkStatus();
  }

  storage::RandomAccessFile& file_;
  const std::string& column_path_;
  const int64_t footer_start_;
  const int64_t start_;
  int64_t length_;
  const Compression codec_;
  std::shared_ptr<char[]> chunk_;
  size_t chunk_size_;
  size_t chunk_capacity_;
  size_t pos_ = 0;
  int64_t entries_left_ = 0;
  PageArena& arena_;
  ChunkDecoder& decoder_;
};

}  // namespace

Status FileReader::ReadColumnInto(int rg, int leaf, ColumnData* result) const {
  // Recycle what the previous read left in *result: vector capacity always, the page arena when
  // no one else holds it any more.
  ColumnData& out = *result;
  std::shared_ptr<char[]> recycled;
  size_t recycled_size = 0;
  ResetColumn(out, &recycled, &recycled_size);
  if (rg < 0 || rg >= num_row_groups() || leaf < 0 || leaf >= schema_.num_leaves()) {
    return InvalidArgument("column {} of row group {} does not exist in '{}'", leaf, rg, name());
  }
  const SchemaNode& node = schema_.node(schema_.leaf_node(leaf));
  const auto& group = metadata_->row_groups[static_cast<size_t>(rg)];
  const auto& cc = group.columns[static_cast<size_t>(leaf)];
  const std::string column_path = schema_.Path(schema_.leaf_node(leaf));
  auto fail = [&](std::string_view why) {
    return CorruptError("Failed to read column '{}' of '{}': {}", column_path, name(), why);
  };
  if (!cc.__isset.meta_data) return fail("column chunk has no metadata (encrypted or external)");
  if (cc.__isset.file_path && !cc.file_path.empty()) {
    return Unsupported("column '{}' of '{}' lives in another file ('{}'), which is not supported",
                       node.name, name(), cc.file_path);
  }
  const auto& md = cc.meta_data;
  if (RawEnum(md.type) != static_cast<int32_t>(node.physical)) {
    return fail(fmt::format("chunk type {} differs from schema type {}", RawEnum(md.type),
                            PhysicalTypeName(node.physical)));
  }
  int64_t start = md.data_page_offset;
  if (md.__isset.dictionary_page_offset && md.dictionary_page_offset > 0 &&
      md.dictionary_page_offset < start) {
    start = md.dictionary_page_offset;
  }
  if (start < 4 || start >= footer_start_ || md.total_compressed_size < 0 || md.num_values < 0) {
    return fail(fmt::format("column chunk offset {} / size {} lie outside the data region", start,
                            md.total_compressed_size));
  }
  // Some writers under-report total_compressed_size; read up to the footer when it looks short.
  const int64_t length = std::min<int64_t>(md.total_compressed_size, footer_start_ - start);
  if (length <= 0) return fail("column chunk is empty");

  out.leaf = leaf;
  out.type = node.physical;
  out.max_def = node.max_def;
  out.max_rep = node.max_rep;
  try {
    // The chunk is one uninitialized buffer; pages of UNCOMPRESSED chunks are views into it.
    size_t chunk_capacity = 0;
    std::shared_ptr<char[]> chunk = TakeChunkBuffer(static_cast<size_t>(length), &chunk_capacity);
    LS_RETURN_IF_ERROR(file_->ReadAt(start, length, chunk.get()));
    const int32_t raw_codec = RawEnum(md.codec);
    if (raw_codec < 0 || raw_codec > 7)
      return fail(fmt::format("unknown compression codec {}", raw_codec));
    const auto codec = static_cast<Compression>(raw_codec);
    ChunkDecoder decoder(name(), node, &out);
    const int64_t uncompressed = std::clamp<int64_t>(
        md.total_uncompressed_size, 0, std::min<int64_t>(kMaxPageBytes, length * 1024 + (1 << 20)));
    PageArena arena(codec == Compression::kUncompressed ? 0 : static_cast<size_t>(uncompressed),
                    std::move(recycled), recycled_size);
    ReserveColumn(node, md.num_values, group.num_rows, uncompressed, out);
    ChunkPageReader pages(*file_, column_path, footer_start_, start, length, codec,
                          std::move(chunk), chunk_capacity, arena, decoder);
    LS_RETURN_IF_ERROR(pages.ReadPages(md.num_values));
    if (arena.block()) {
      out.page_arena = arena.block();
      out.page_arena_size = arena.capacity();
    }
    ReturnChunkBuffer(pages.TakeChunk(), pages.chunk_capacity());
  } catch (const std::bad_alloc&) {
    return MakeError(
        ErrorCode::kResourceExhausted,
        fmt::format("Failed to read column '{}' of '{}': out of memory", node.name, name()));
  }
  if (out.max_def > 0 && static_cast<int64_t>(out.def_levels.size()) != out.num_entries) {
    return fail("definition levels do not match the number of entries");
  }
  if (node.max_rep == 0 && out.num_entries != group.num_rows) {
    return fail(fmt::format("column has {} values, row group has {} rows", out.num_entries,
                            group.num_rows));
  }
  return OkStatus();
}

}  // namespace lakeshare::parquet
