// One column chunk of one row group, written: the chunk's entries are split into pages at row
// boundaries, values dictionary-encoded (RLE_DICTIONARY) until the dictionary stops paying or
// grows too large, PLAIN after that; levels are RLE; pages are DATA_PAGE or DATA_PAGE_V2 with
// statistics; then the pages go to the sink, the dictionary page first, and the chunk's metadata
// is returned for the footer.
#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "parquet/compression.h"
#include "parquet/encoding_internal.h"
#include "parquet/file_writer_internal.h"

namespace lakeshare::parquet {

namespace {

struct PageSpan {
  size_t entry_begin, entry_end;
  size_t value_begin, value_end;
  int64_t rows;
};

// Split a chunk into pages that end at row boundaries.
std::vector<PageSpan> SplitPages(const ColumnData& c, const SchemaNode& leaf,
                                 const WriterOptions& opt) {
  std::vector<PageSpan> pages;
  const size_t n = static_cast<size_t>(c.num_entries);
  const size_t fixed = FixedWidth(leaf);
  PageSpan cur{0, 0, 0, 0, 0};
  int64_t bytes = 0;
  size_t value = 0;
  for (size_t i = 0; i < n; ++i) {
    const bool new_row = c.rep_levels.empty() || c.rep_levels[i] == 0;
    if (new_row && i > cur.entry_begin &&
        (bytes >= opt.data_page_size || cur.rows >= opt.data_page_max_rows ||
         i - cur.entry_begin >= (size_t{1} << 30))) {
      cur.entry_end = i;
      cur.value_end = value;
      pages.push_back(cur);
      cur = PageSpan{i, 0, value, 0, 0};
      bytes = 0;
    }
    if (new_row) {
      ++cur.rows;
    }
    const bool defined = c.def_levels.empty() || c.def_levels[i] == leaf.max_def;
    if (defined) {
      bytes += fixed != 0 ? static_cast<int64_t>(fixed)
                          : 4 + static_cast<int64_t>(c.bytes[value].size());
      ++value;
    }
  }
  cur.entry_end = n;
  cur.value_end = value;
  pages.push_back(cur);
  return pages;
}

// A 64-bit hash of a value's bytes: 8-byte words folded with multiply-xorshift (values are
// short: numbers, codes, names), the length mixed in so that a prefix hashes differently.
inline uint64_t Mix(uint64_t h) {
  h ^= h >> 32;
  h *= 0x9E3779B97F4A7C15ULL;
  return h ^ (h >> 29);
}

inline uint64_t HashBytes(std::string_view v) {
  uint64_t h = 0x2545F4914F6CDD1DULL ^ (v.size() * 0x9E3779B97F4A7C15ULL);
  const char* p = v.data();
  size_t n = v.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = Mix(h ^ w) + 0x632BE59BD9B4E019ULL;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = Mix(h ^ w);
  }
  return Mix(h);
}

// A chunk's dictionary: distinct values (as indices of their first occurrence) in insertion
// order, found again through an open-addressing table (linear probing, at most half full) on the
// value bytes. Byte-array values decoded from a dictionary page share their bytes, so a small
// table keyed by the bytes' address answers most of them without hashing the bytes at all.
class Dictionary {
 public:
  explicit Dictionary(const ColumnData& c) : c_(c) {
    Rehash(1024);
    if (c.type == PhysicalType::kByteArray || c.type == PhysicalType::kFixedLenByteArray) {
      recent_.resize(kRecent);
    }
  }

  uint32_t Insert(size_t value) {
    const std::string_view bytes = ValueBytes(c_, value);
    Recent* recent = nullptr;
    if (!recent_.empty()) {
      recent = &recent_[(reinterpret_cast<uintptr_t>(bytes.data()) >> 2 ^ bytes.size()) &
                        (kRecent - 1)];
      if (recent->data == bytes.data() && recent->size == bytes.size()) {
        return recent->entry;
      }
    }
    const uint64_t h = HashBytes(bytes);
    size_t slot = static_cast<size_t>(h) & mask_;
    while (true) {
      const uint32_t e = slots_[slot];
      if (e == 0) break;
      if (hashes_[e - 1] == h && ValueBytes(c_, entries_[e - 1]) == bytes) {
        if (recent != nullptr) *recent = Recent{bytes.data(), bytes.size(), e - 1};
        return e - 1;
      }
      slot = (slot + 1) & mask_;
    }
    const auto entry = static_cast<uint32_t>(entries_.size());
    entries_.push_back(value);
    hashes_.push_back(h);
    plain_bytes_ += PlainSize(c_, value);
    slots_[slot] = entry + 1;
    if (recent != nullptr) *recent = Recent{bytes.data(), bytes.size(), entry};
    if (entries_.size() * 2 > slots_.size()) Rehash(slots_.size() * 2);
    return entry;
  }
  // Forget the entries added after the dictionary had `size` entries.
  void Truncate(size_t size) {
    if (entries_.size() <= size) return;
    for (size_t e = size; e < entries_.size(); ++e) plain_bytes_ -= PlainSize(c_, entries_[e]);
    entries_.resize(size);
    hashes_.resize(size);
    std::fill(recent_.begin(), recent_.end(), Recent{});
    Rehash(std::max<size_t>(1024, slots_.size()));
  }
  size_t size() const { return entries_.size(); }
  int64_t plain_bytes() const { return plain_bytes_; }
  /// The value index (in the chunk's ColumnData) of entry `e`.
  size_t value_of(uint32_t e) const { return entries_[e]; }
  std::string EncodePlain() const {
    std::string out;
    out.reserve(static_cast<size_t>(plain_bytes_));
    for (size_t v : entries_) {
      AppendPlainValue(c_, v, &out);
    }
    return out;
  }

 private:
  struct Recent {
    const char* data = nullptr;
    size_t size = 0;
    uint32_t entry = 0;
  };
  static constexpr size_t kRecent = 4096;

  // A table of `n` (a power of two) slots holding the current entries.
  void Rehash(size_t n) {
    slots_.assign(n, 0);
    mask_ = n - 1;
    for (size_t e = 0; e < entries_.size(); ++e) {
      size_t slot = static_cast<size_t>(hashes_[e]) & mask_;
      while (slots_[slot] != 0) slot = (slot + 1) & mask_;
      slots_[slot] = static_cast<uint32_t>(e + 1);
    }
  }

  const ColumnData& c_;
  std::vector<uint32_t> slots_;  // entry + 1; 0 = empty
  size_t mask_ = 0;
  std::vector<size_t> entries_;
  std::vector<uint64_t> hashes_;
  std::vector<Recent> recent_;  // byte arrays only
  int64_t plain_bytes_ = 0;
};

// Values of a chunk's first page that decide early whether a dictionary can pay.
constexpr size_t kDictionarySample = 2048;

// Levels of entries [begin, end) with the RLE hybrid; an empty vector means all `fill`.
void EncodeLevels(const std::vector<int16_t>& levels, int16_t fill, size_t begin, size_t end,
                  int16_t max_level, std::string* out) {
  const int bw = BitWidth(static_cast<uint64_t>(max_level));
  if (levels.empty()) {
    std::vector<int16_t> tmp(end - begin, fill);
    EncodeRleBitPacked(tmp.data(), tmp.size(), bw, out);
    return;
  }
  EncodeRleBitPacked(levels.data() + begin, end - begin, bw, out);
}

// A page written: its bytes (header + body; for data pages in ChunkScratch::pages instead).
struct EncodedPage {
  std::string bytes;
  size_t size = 0;                 // header + body
  int64_t uncompressed_total = 0;  // header + uncompressed body
  format::PageType::type type = format::PageType::DATA_PAGE;
  format::Encoding::type encoding = format::Encoding::PLAIN;
};

Result<int32_t> CheckedInt32(size_t v, const std::string& path) {
  if (v > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return InvalidArgument("column '{}': a page of {} bytes is larger than Parquet allows", path,
                           v);
  }
  return static_cast<int32_t>(v);
}

// The pages of one column chunk: data pages in order (dictionary indices while the dictionary
// lasts, PLAIN afterwards), then the dictionary page, which is written in front of them and holds
// the dictionary as it stood after the last page that used it.
class ChunkEncoder {
 public:
  ChunkEncoder(const Schema& schema, int leaf_idx, const ColumnData& c, const WriterOptions& opt,
               ChunkScratch& scratch)
      : leaf_(schema.node(schema.leaf_node(leaf_idx))),
        path_(schema.Path(schema.leaf_node(leaf_idx))),
        c_(c),
        opt_(opt),
        stats_(leaf_, c),
        pages_(scratch.pages),
        indices_(scratch.indices),
        seen_(scratch.seen),
        body_(scratch.body),
        values_(scratch.values),
        levels_rep_(scratch.levels_rep),
        levels_def_(scratch.levels_def),
        compressed_(scratch.compressed) {
    pages_.clear();
    if (opt.dictionary && leaf_.physical != PhysicalType::kBoolean && c.num_values() > 0) {
      dict_.emplace(c);
    }
    dict_active_ = dict_.has_value();
  }

  Status Encode() {
    const std::vector<PageSpan> pages = SplitPages(c_, leaf_, opt_);
    encoded_.reserve(pages.size());
    for (const PageSpan& pg : pages) {
      LS_ASSIGN_OR_RETURN(EncodedPage page, EncodeDataPage(pg));
      encoded_.push_back(std::move(page));
    }
    return EncodeDictionaryPage();
  }

  // Append the pages to `sink` and describe them.
  Result<format::ColumnChunk> WriteTo(WritableSink& sink,
                                      const std::vector<std::string>& path_in_schema) const;

 private:
  bool ChooseDictionary(const PageSpan& pg);
  MinMax DictionaryRange(const PageSpan& pg);
  void EncodePageLevels(const PageSpan& pg);
  Result<EncodedPage> EncodeDataPage(const PageSpan& pg);
  Status MakeV1Page(int32_t num_values, format::Encoding::type encoding, MinMax mm, int64_t nulls,
                    format::PageHeader* header);
  Status MakeV2Page(const PageSpan& pg, int32_t num_values, format::Encoding::type encoding,
                    MinMax mm, int64_t nulls, format::PageHeader* header);
  Status EncodeDictionaryPage();
  std::vector<format::Encoding::type> ChunkEncodings() const;

  const SchemaNode& leaf_;
  const std::string path_;
  const ColumnData& c_;
  const WriterOptions& opt_;
  const StatsComputer stats_;
  std::optional<Dictionary> dict_;
  bool dict_active_ = false;
  bool any_plain_ = false;
  std::vector<EncodedPage> encoded_;
  std::optional<EncodedPage> dict_page_;
  MinMax chunk_mm_;
  int64_t chunk_nulls_ = 0;
  // Buffers reused from page to page and chunk to chunk (ChunkScratch).
  std::string& pages_;
  std::vector<uint32_t>& indices_;
  std::vector<uint8_t>& seen_;
  std::string &body_, &values_, &levels_rep_, &levels_def_, &compressed_;
};

// Whether the page's values go through the dictionary: they are added to it (as indices_) unless
// it would outgrow its limit or, on the first page, not make the data smaller; either ends it
// for the rest of the chunk. A page without values needs no dictionary (and must not depend on
// one that a later fallback could leave out).
bool ChunkEncoder::ChooseDictionary(const PageSpan& pg) {
  const size_t nvalues = pg.value_end - pg.value_begin;
  if (!dict_active_ || nvalues == 0) {
    return false;
  }
  const size_t before = dict_->size();
  // Whether the dictionary made the first `n` values of the page smaller than PLAIN.
  auto pays = [&](size_t n) {
    int64_t plain_bytes = 0;
    for (size_t k = pg.value_begin; k < pg.value_begin + n; ++k) {
      plain_bytes += PlainSize(c_, k);
    }
    const int bw = std::max(1, BitWidth(dict_->size() > 0 ? dict_->size() - 1 : 0));
    const int64_t index_bytes = static_cast<int64_t>(n) * bw / 8 + 1;
    return dict_->plain_bytes() + index_bytes < plain_bytes;
  };
  indices_.resize(nvalues);
  // On the first page, a sample of values that the dictionary does not shrink (nearly all
  // distinct: ids, timestamps, measures) ends it early instead of hashing the whole page.
  const size_t sample = before == 0 && nvalues >= 4 * kDictionarySample ? kDictionarySample : 0;
  for (size_t k = 0; k < nvalues; ++k) {
    indices_[k] = dict_->Insert(pg.value_begin + k);
    if (k + 1 == sample && !pays(sample)) {
      dict_->Truncate(0);
      dict_active_ = false;
      return false;
    }
  }
  if (dict_->plain_bytes() > opt_.dictionary_page_size_limit) {
    dict_->Truncate(before);
    dict_active_ = false;
    return false;
  }
  if (before == 0 && !pays(nvalues)) {
    dict_->Truncate(0);  // the dictionary does not pay for itself
    dict_active_ = false;
    return false;
  }
  return true;
}

// Min/max of a dictionary-encoded page: compared once per distinct entry the page uses (by
// the value index of the entry's first occurrence, which holds the same bytes).
MinMax ChunkEncoder::DictionaryRange(const PageSpan& pg) {
  const size_t nvalues = pg.value_end - pg.value_begin;
  if (dict_->size() > nvalues) {
    return stats_.Range(pg.value_begin, pg.value_end);  // fewer values than entries
  }
  seen_.assign(dict_->size(), 0);
  for (size_t k = 0; k < nvalues; ++k) seen_[indices_[k]] = 1;
  MinMax mm;
  for (uint32_t e = 0; e < seen_.size(); ++e) {
    if (seen_[e] == 0) continue;
    const size_t v = dict_->value_of(e);
    mm = stats_.Merge(mm, stats_.Range(v, v + 1));
  }
  return mm;
}

void ChunkEncoder::EncodePageLevels(const PageSpan& pg) {
  levels_rep_.clear();
  levels_def_.clear();
  if (leaf_.max_rep > 0) {
    EncodeLevels(c_.rep_levels, 0, pg.entry_begin, pg.entry_end, leaf_.max_rep, &levels_rep_);
  }
  if (leaf_.max_def > 0) {
    EncodeLevels(c_.def_levels, leaf_.max_def, pg.entry_begin, pg.entry_end, leaf_.max_def,
                 &levels_def_);
  }
}

Result<EncodedPage> ChunkEncoder::EncodeDataPage(const PageSpan& pg) {
  const size_t nvalues = pg.value_end - pg.value_begin;
  const size_t nentries = pg.entry_end - pg.entry_begin;
  const bool use_dict = ChooseDictionary(pg);
  const bool v1 = opt_.data_page_version != 2;
  EncodePageLevels(pg);
  // DATA_PAGE: the levels (each with its length) and the values, compressed together, so the
  // values are encoded straight after the levels; DATA_PAGE_V2 compresses the values alone.
  std::string& values = v1 ? body_ : values_;
  values.clear();
  if (v1) {
    if (leaf_.max_rep > 0) {
      AppendLe32(static_cast<uint32_t>(levels_rep_.size()), &body_);
      body_ += levels_rep_;
    }
    if (leaf_.max_def > 0) {
      AppendLe32(static_cast<uint32_t>(levels_def_.size()), &body_);
      body_ += levels_def_;
    }
  }
  if (use_dict) {
    const int bw = BitWidth(dict_->size() > 0 ? dict_->size() - 1 : 0);
    values.push_back(static_cast<char>(std::max(bw, 1)));
    EncodeRleBitPacked(indices_.data(), nvalues, std::max(bw, 1), &values);
  } else {
    AppendPlainRange(c_, pg.value_begin, pg.value_end, &values);
    any_plain_ = true;
  }
  const int64_t nulls = static_cast<int64_t>(nentries - nvalues);
  chunk_nulls_ += nulls;
  const MinMax mm = use_dict ? DictionaryRange(pg) : stats_.Range(pg.value_begin, pg.value_end);
  chunk_mm_ = stats_.Merge(chunk_mm_, mm);

  format::PageHeader header;
  EncodedPage out;
  out.encoding = use_dict ? format::Encoding::RLE_DICTIONARY : format::Encoding::PLAIN;
  LS_ASSIGN_OR_RETURN(int32_t num_values, CheckedInt32(nentries, path_));
  compressed_.clear();
  if (v1) {
    LS_RETURN_IF_ERROR(MakeV1Page(num_values, out.encoding, mm, nulls, &header));
    out.type = format::PageType::DATA_PAGE;
  } else {
    LS_RETURN_IF_ERROR(MakeV2Page(pg, num_values, out.encoding, mm, nulls, &header));
    out.type = format::PageType::DATA_PAGE_V2;
  }
  const size_t start = pages_.size();
  LS_RETURN_IF_ERROR(SerializeThrift(header, &pages_));
  const size_t header_size = pages_.size() - start;
  pages_ += compressed_;
  out.size = pages_.size() - start;
  out.uncompressed_total = static_cast<int64_t>(header_size) + header.uncompressed_page_size;
  return out;
}

// DATA_PAGE: body_ holds the levels and the values, compressed together.
Status ChunkEncoder::MakeV1Page(int32_t num_values, format::Encoding::type encoding, MinMax mm,
                                int64_t nulls, format::PageHeader* header) {
  LS_RETURN_IF_ERROR(Compress(opt_.compression, body_, &compressed_));
  format::DataPageHeader dh;
  dh.__set_num_values(num_values);
  dh.__set_encoding(encoding);
  dh.__set_definition_level_encoding(format::Encoding::RLE);
  dh.__set_repetition_level_encoding(format::Encoding::RLE);
  if (opt_.write_statistics) {
    dh.__set_statistics(
        MakeStatistics(leaf_, c_, stats_, mm, nulls, opt_.statistics_truncate_length));
  }
  header->__set_type(format::PageType::DATA_PAGE);
  LS_ASSIGN_OR_RETURN(int32_t usize, CheckedInt32(body_.size(), path_));
  LS_ASSIGN_OR_RETURN(int32_t csize, CheckedInt32(compressed_.size(), path_));
  header->__set_uncompressed_page_size(usize);
  header->__set_compressed_page_size(csize);
  header->__set_data_page_header(dh);
  return OkStatus();
}

// DATA_PAGE_V2: levels stay uncompressed in front of the (compressed) values.
Status ChunkEncoder::MakeV2Page(const PageSpan& pg, int32_t num_values,
                                format::Encoding::type encoding, MinMax mm, int64_t nulls,
                                format::PageHeader* header) {
  compressed_ = levels_rep_;
  compressed_ += levels_def_;
  LS_RETURN_IF_ERROR(Compress(opt_.compression, values_, &compressed_));
  format::DataPageHeaderV2 dh;
  dh.__set_num_values(num_values);
  LS_ASSIGN_OR_RETURN(int32_t num_nulls, CheckedInt32(static_cast<size_t>(nulls), path_));
  LS_ASSIGN_OR_RETURN(int32_t num_rows, CheckedInt32(static_cast<size_t>(pg.rows), path_));
  dh.__set_num_nulls(num_nulls);
  dh.__set_num_rows(num_rows);
  dh.__set_encoding(encoding);
  dh.__set_definition_levels_byte_length(static_cast<int32_t>(levels_def_.size()));
  dh.__set_repetition_levels_byte_length(static_cast<int32_t>(levels_rep_.size()));
  dh.__set_is_compressed(opt_.compression != Compression::kUncompressed);
  if (opt_.write_statistics) {
    dh.__set_statistics(
        MakeStatistics(leaf_, c_, stats_, mm, nulls, opt_.statistics_truncate_length));
  }
  header->__set_type(format::PageType::DATA_PAGE_V2);
  LS_ASSIGN_OR_RETURN(
      int32_t usize, CheckedInt32(levels_rep_.size() + levels_def_.size() + values_.size(), path_));
  LS_ASSIGN_OR_RETURN(int32_t csize, CheckedInt32(compressed_.size(), path_));
  header->__set_uncompressed_page_size(usize);
  header->__set_compressed_page_size(csize);
  header->__set_data_page_header_v2(dh);
  return OkStatus();
}

Status ChunkEncoder::EncodeDictionaryPage() {
  if (!dict_ || dict_->size() == 0) {
    return OkStatus();
  }
  const std::string plain = dict_->EncodePlain();
  compressed_.clear();
  LS_RETURN_IF_ERROR(Compress(opt_.compression, plain, &compressed_));
  format::DictionaryPageHeader dh;
  dh.__set_num_values(static_cast<int32_t>(dict_->size()));
  dh.__set_encoding(format::Encoding::PLAIN);
  format::PageHeader header;
  header.__set_type(format::PageType::DICTIONARY_PAGE);
  LS_ASSIGN_OR_RETURN(int32_t usize, CheckedInt32(plain.size(), path_));
  LS_ASSIGN_OR_RETURN(int32_t csize, CheckedInt32(compressed_.size(), path_));
  header.__set_uncompressed_page_size(usize);
  header.__set_compressed_page_size(csize);
  header.__set_dictionary_page_header(dh);
  EncodedPage page;
  page.type = format::PageType::DICTIONARY_PAGE;
  LS_RETURN_IF_ERROR(SerializeThrift(header, &page.bytes));
  page.uncompressed_total = static_cast<int64_t>(page.bytes.size()) + usize;
  page.bytes += compressed_;
  dict_page_ = std::move(page);
  return OkStatus();
}

// The column chunk's encodings, in the order parquet-mr lists them.
std::vector<format::Encoding::type> ChunkEncoder::ChunkEncodings() const {
  std::vector<format::Encoding::type> encodings;
  if (dict_page_) {
    encodings.push_back(format::Encoding::PLAIN);  // the dictionary page
  }
  if (leaf_.max_def > 0 || leaf_.max_rep > 0) {
    encodings.push_back(format::Encoding::RLE);
  }
  if (dict_page_) {
    encodings.push_back(format::Encoding::RLE_DICTIONARY);
  }
  if (any_plain_ && !dict_page_) {
    encodings.push_back(format::Encoding::PLAIN);
  }
  return encodings;
}

void CountPage(format::PageType::type type, format::Encoding::type enc,
               std::vector<format::PageEncodingStats>* enc_stats) {
  for (auto& s : *enc_stats) {
    if (s.page_type == type && s.encoding == enc) {
      ++s.count;
      return;
    }
  }
  format::PageEncodingStats s;
  s.__set_page_type(type);
  s.__set_encoding(enc);
  s.__set_count(1);
  enc_stats->push_back(s);
}

Result<format::ColumnChunk> ChunkEncoder::WriteTo(
    WritableSink& sink, const std::vector<std::string>& path_in_schema) const {
  format::ColumnMetaData md;
  md.__set_type(static_cast<format::Type::type>(leaf_.physical));
  md.__set_path_in_schema(path_in_schema);
  md.__set_codec(static_cast<format::CompressionCodec::type>(opt_.compression));
  md.__set_num_values(c_.num_entries);
  const int64_t start = sink.position();
  int64_t total_compressed = 0;
  int64_t total_uncompressed = 0;
  std::vector<format::PageEncodingStats> enc_stats;
  if (dict_page_) {
    md.__set_dictionary_page_offset(start);
    LS_RETURN_IF_ERROR(sink.Append(dict_page_->bytes));
    total_compressed += static_cast<int64_t>(dict_page_->bytes.size());
    total_uncompressed += dict_page_->uncompressed_total;
    CountPage(format::PageType::DICTIONARY_PAGE, format::Encoding::PLAIN, &enc_stats);
  }
  md.__set_data_page_offset(sink.position());
  LS_RETURN_IF_ERROR(sink.Append(pages_));
  for (const auto& page : encoded_) {
    total_compressed += static_cast<int64_t>(page.size);
    total_uncompressed += page.uncompressed_total;
    CountPage(page.type, page.encoding, &enc_stats);
  }
  md.__set_encodings(ChunkEncodings());
  md.__set_encoding_stats(enc_stats);
  md.__set_total_compressed_size(total_compressed);
  md.__set_total_uncompressed_size(total_uncompressed);
  if (opt_.write_statistics) {
    md.__set_statistics(MakeStatistics(leaf_, c_, stats_, chunk_mm_, chunk_nulls_,
                                       opt_.statistics_truncate_length));
  }
  format::ColumnChunk cc;
  cc.__set_file_offset(start);
  cc.__set_meta_data(md);
  return cc;
}

}  // namespace

Result<format::ColumnChunk> WriteColumnChunk(WritableSink& sink, const Schema& schema, int leaf_idx,
                                             const std::vector<std::string>& path_in_schema,
                                             const ColumnData& c, const WriterOptions& opt,
                                             ChunkScratch* scratch) {
  ChunkScratch own;
  ChunkEncoder encoder(schema, leaf_idx, c, opt, scratch != nullptr ? *scratch : own);
  LS_RETURN_IF_ERROR(encoder.Encode());
  return encoder.WriteTo(sink, path_in_schema);
}

}  // namespace lakeshare::parquet
