#include "parquet/file_reader.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "common/error_context.h"
#include "parquet/chunk_decoder_internal.h"
#include "parquet/compression.h"
#include "parquet/encoding_internal.h"
#include "parquet/thrift_internal.h"
#include "parquet/value_vectors.h"

namespace lakeshare::parquet {

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

namespace {

constexpr char kMagic[] = "PAR1";
constexpr int64_t kMaxFooterBytes = int64_t{1} << 30;
constexpr int64_t kMaxPageEntries = int64_t{1} << 26;

// Unknown encodings map to a value no decoder accepts, so they fail with a named error.
Encoding ToEncoding(const format::Encoding::type& e) {
  int32_t v = RawEnum(e);
  return static_cast<Encoding>(v >= 0 && v <= 9 ? v : 1);
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

}  // namespace

int64_t ColumnData::num_values() const {
  return WithValueVector(
      type, [this](auto values) { return static_cast<int64_t>((this->*values).size()); });
}

FileReader::~FileReader() = default;

Result<std::unique_ptr<FileReader>> FileReader::OpenPath(const std::string& path) {
  LS_ASSIGN_OR_RETURN(auto file, storage::OpenLocalFile(path));
  return Open(std::shared_ptr<storage::RandomAccessFile>(std::move(file)));
}

Result<std::unique_ptr<FileReader>> FileReader::Open(
    std::shared_ptr<storage::RandomAccessFile> file) {
  const DecodeLimits limits = DecodeLimits::ForFileSize(file->size());
  return Open(std::move(file), limits);
}

Result<std::unique_ptr<FileReader>> FileReader::Open(
    std::shared_ptr<storage::RandomAccessFile> file, const DecodeLimits& limits) {
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
  // Refused when a column is read, so that the footer can still be shown.
  reader->limits_ = limits;
  reader->claims_ = CheckClaimedCounts(*reader, limits.Claims(size));
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
  // Booleans are bit-packed and byte arrays are views: only fixed widths are bounded by bytes.
  const bool views_or_bits = node.physical == PhysicalType::kBoolean ||
                             node.physical == PhysicalType::kByteArray ||
                             node.physical == PhysicalType::kFixedLenByteArray;
  WithValueVector(node.physical,
                  [&](auto values) { Reserve(out.*values, views_or_bits ? n : fixed_n); });
}

// The pages of one column chunk, read from one buffer that grows when the footer under-reported
// the chunk's size, and handed to a ChunkDecoder until the chunk's entries are all read.
class ChunkPageReader {
 public:
  ChunkPageReader(storage::RandomAccessFile& file, const std::string& column_path,
                  int64_t footer_start, int64_t start, int64_t length, Compression codec,
                  std::shared_ptr<char[]> chunk, size_t chunk_capacity, PageArena& arena,
                  ChunkDecoder& decoder, DecodeBudget& budget)
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
        decoder_(decoder),
        budget_(budget) {}

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
    if (!budget_.Take(out_size, 1)) return Fail(budget_.Exceeded());
    auto [buf, owner] = arena_.Take(out_size);
    if (auto st = parquet::Decompress(codec_, in, buf, out_size); !st) {
      if (st.error().code == ErrorCode::kUnsupported) {
        return tl::unexpected(
            WithContext(st.error(), fmt::format("Failed to read '{}'", file_.name())));
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
  DecodeBudget& budget_;
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
  if (!claims_) return fail(claims_.error().message);
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
    DecodeBudget budget(limits_.max_chunk_bytes,
                        limits_.max_file_bytes - decoded_bytes_.load(std::memory_order_relaxed),
                        limits_.max_file_bytes);
    // What the chunk took counts against the file's limit whether or not its decode succeeds.
    struct Charge {
      std::atomic<int64_t>& total;
      const DecodeBudget& budget;
      ~Charge() { total.fetch_add(budget.taken(), std::memory_order_relaxed); }
    } charge{decoded_bytes_, budget};
    ChunkDecoder decoder(name(), node, &out, &budget);
    const int64_t uncompressed = std::clamp<int64_t>(
        md.total_uncompressed_size, 0, std::min<int64_t>(kMaxPageBytes, length * 1024 + (1 << 20)));
    PageArena arena(codec == Compression::kUncompressed ? 0 : static_cast<size_t>(uncompressed),
                    std::move(recycled), recycled_size);
    ReserveColumn(node, md.num_values, group.num_rows, uncompressed, out);
    ChunkPageReader pages(*file_, column_path, footer_start_, start, length, codec,
                          std::move(chunk), chunk_capacity, arena, decoder, budget);
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
