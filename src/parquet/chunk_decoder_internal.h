// Internal to src/parquet: the page decoder of the file reader. A ChunkDecoder turns the pages of
// one column chunk (dictionary, data pages v1 and v2, already decompressed by the reader) into
// the chunk's ColumnData: levels, then values by encoding (parquet/encoding_internal.h). Every
// size read from a page is checked against the bytes left, and what the decoded levels and
// values take against the chunk's DecodeBudget; bad pages are kCorrupt naming the column and the
// file. Not thread-safe (one decoder per chunk read); `file`, `leaf`, `out` and `budget` must
// outlive it.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "parquet/decode_budget.h"
#include "parquet/encoding_internal.h"
#include "parquet/file_reader.h"
#include "parquet/schema.h"

namespace lakeshare::parquet {

// The largest page the reader decompresses or the decoder expands (PLAIN of BYTE_STREAM_SPLIT).
inline constexpr int64_t kMaxPageBytes = int64_t{1} << 30;

inline uint32_t LoadLe32(const uint8_t* p) {
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

/// A buffer of `n` bytes, not zero-filled; large ones are huge-page aligned (file_reader.cc).
std::shared_ptr<char[]> AllocateUninitialized(size_t n);

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
  ChunkDecoder(const std::string& file, const SchemaNode& leaf, ColumnData* out,
               DecodeBudget* budget)
      : file_(file), leaf_(leaf), out_(out), budget_(budget) {}

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

  // Take `count` items of `size` bytes from the budget before they are allocated.
  Status Charge(uint64_t count, uint64_t size) const {
    if (budget_->Take(count, size)) return OkStatus();
    return Corrupt("{}", budget_->Exceeded());
  }
  // Bytes one decoded value takes in its ColumnData vector.
  size_t DecodedValueBytes() const;

  const std::string& file_;
  const SchemaNode& leaf_;
  ColumnData* out_;
  DecodeBudget* budget_;
  bool has_dictionary_ = false;
  ColumnData dict_;
};

}  // namespace lakeshare::parquet
