#include "delta/deletion_vector.h"

#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "common/strings.h"

namespace lakeshare::delta {

namespace {

// RoaringFormatSpec: "SERIAL_COOKIE_NO_RUNCONTAINER = 12346 ... SERIAL_COOKIE = 12347 ...
// NO_OFFSET_THRESHOLD = 4"; an array container holds at most 4096 values (DEFAULT_MAX_SIZE).
constexpr uint32_t kCookieNoRun = 12346;
constexpr uint32_t kCookieRun = 12347;
constexpr uint32_t kNoOffsetThreshold = 4;
constexpr uint32_t kMaxArray = 4096;
constexpr size_t kBitmapBytes = 8192;
// Delta's RoaringBitmapArray "native" serialization format (still readable).
constexpr uint32_t kNativeMagic = 1681511376;

uint16_t Le16(const char* p) {
  return static_cast<uint16_t>(static_cast<uint8_t>(p[0]) | (static_cast<uint8_t>(p[1]) << 8));
}
uint32_t Le32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint64_t Le64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint32_t Be32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
void PutLe16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v & 0xff));
  out.push_back(static_cast<char>(v >> 8));
}
void PutLe32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutLe64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutBe32(std::string& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void SetLe32(std::string& out, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) out[at + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Take n bytes from the front of `in`; false when fewer are left.
bool Take(std::string_view* in, size_t n, std::string_view* out) {
  if (in->size() < n) return false;
  *out = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

uint32_t Crc32(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; DV sizes are bounded far below 4 GiB.
  return static_cast<uint32_t>(
      crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

tl::unexpected<Error> Bad(std::string_view what) {
  return CorruptError("deletion vector is corrupt: {}", what);
}

}  // namespace

// ---- parsing ---------------------------------------------------------------------------------

// One 32-bit RoaringBitmap (RoaringFormatSpec, "Standard 32-bit Roaring Bitmap"), whose values
// get `key` as their upper 32 bits.
Status DeletionVector::ParseBucket(std::string_view* in, uint32_t key,
                                   std::vector<Container>* out) {
  std::string_view b;
  if (!Take(in, 4, &b)) return Bad("bitmap header past the end");
  const uint32_t cookie = Le32(b.data());
  uint32_t size = 0;
  bool has_runs = false;
  std::string_view run_flags;
  if ((cookie & 0xffff) == kCookieRun) {
    has_runs = true;
    size = (cookie >> 16) + 1;
    if (!Take(in, (size + 7) / 8, &run_flags)) return Bad("run flags past the end");
  } else if (cookie == kCookieNoRun) {
    if (!Take(in, 4, &b)) return Bad("container count past the end");
    size = Le32(b.data());
  } else {
    return Bad("unknown RoaringBitmap cookie");
  }
  // Each container takes at least 4 header bytes: a count larger than the rest is a lie.
  if (size > 65536 || size > in->size() / 4) return Bad("container count past the end");
  std::string_view header;
  if (!Take(in, size_t{size} * 4, &header)) return Bad("container headers past the end");
  if (!has_runs || size >= kNoOffsetThreshold) {
    std::string_view offsets;  // containers are read in order; offsets are not needed
    if (!Take(in, size_t{size} * 4, &offsets)) return Bad("container offsets past the end");
  }
  int64_t previous_key = -1;
  for (uint32_t i = 0; i < size; ++i) {
    const uint16_t low_key = Le16(header.data() + 4 * i);
    const uint32_t card = uint32_t{Le16(header.data() + 4 * i + 2)} + 1;
    if (static_cast<int64_t>(low_key) <= previous_key) return Bad("container keys out of order");
    previous_key = low_key;
    Container c;
    c.high = (uint64_t{key} << 16) | low_key;
    const bool is_run =
        has_runs && (static_cast<uint8_t>(run_flags[i / 8]) >> (i % 8) & 1) != 0;
    std::string_view data;
    if (is_run) {
      if (!Take(in, 2, &data)) return Bad("run count past the end");
      const uint32_t runs = Le16(data.data());
      if (!Take(in, size_t{runs} * 4, &data)) return Bad("runs past the end");
      c.kind = Kind::kRun;
      c.values.resize(size_t{runs} * 2);
      uint32_t total = 0;
      int64_t next_free = 0;  // runs must be ascending and apart
      for (uint32_t r = 0; r < runs; ++r) {
        const uint16_t start = Le16(data.data() + 4 * r);
        const uint16_t len1 = Le16(data.data() + 4 * r + 2);
        if (start < next_free || uint32_t{start} + len1 > 0xffff) {
          return Bad("runs overlap or leave the container");
        }
        next_free = int64_t{start} + len1 + 1;
        total += uint32_t{len1} + 1;
        c.values[2 * r] = start;
        c.values[2 * r + 1] = len1;
      }
      if (total != card) return Bad("run container cardinality differs from its header");
    } else if (card <= kMaxArray) {
      if (!Take(in, size_t{card} * 2, &data)) return Bad("array container past the end");
      c.kind = Kind::kArray;
      c.values.resize(card);
      for (uint32_t v = 0; v < card; ++v) {
        c.values[v] = Le16(data.data() + 2 * v);
        if (v > 0 && c.values[v] <= c.values[v - 1]) return Bad("array values out of order");
      }
    } else {
      if (!Take(in, kBitmapBytes, &data)) return Bad("bitmap container past the end");
      c.kind = Kind::kBitmap;
      c.words.resize(kBitmapBytes / 8);
      uint32_t total = 0;
      for (size_t w = 0; w < c.words.size(); ++w) {
        c.words[w] = Le64(data.data() + 8 * w);
        total += static_cast<uint32_t>(std::popcount(c.words[w]));
      }
      if (total != card) return Bad("bitmap container cardinality differs from its header");
    }
    c.cardinality = card;
    out->push_back(std::move(c));
  }
  return OkStatus();
}

Result<DeletionVector> DeletionVector::Parse(std::string_view bytes) {
  std::string_view b;
  if (!Take(&bytes, 4, &b)) return Bad("the magic number is missing");
  DeletionVector dv;
  if (Le32(b.data()) == kDeletionVectorMagic) {
    // Portable: numBuckets (8 bytes), then per bucket its key (4 bytes) and a 32-bit bitmap.
    if (!Take(&bytes, 8, &b)) return Bad("bucket count past the end");
    const uint64_t buckets = Le64(b.data());
    // A bucket takes at least 12 bytes (key + cookie + count).
    if (buckets > bytes.size() / 12) return Bad("bucket count past the end");
    int64_t previous = -1;
    for (uint64_t i = 0; i < buckets; ++i) {
      if (!Take(&bytes, 4, &b)) return Bad("bucket key past the end");
      const uint32_t key = Le32(b.data());
      // "every key in the bitmap has a 0 as its most significant bit".
      if (key & 0x80000000u) return Bad("a bucket key has its most significant bit set");
      if (static_cast<int64_t>(key) <= previous) return Bad("bucket keys out of order");
      previous = key;
      LS_RETURN_IF_ERROR(ParseBucket(&bytes, key, &dv.containers_));
    }
  } else if (Le32(b.data()) == kNativeMagic || Be32(b.data()) == kNativeMagic) {
    // Delta's older "native" format: numBitmaps (4 bytes), then per bitmap its size (4 bytes) and
    // a 32-bit bitmap whose key is its index. The protocol's own inline example writes the
    // framing big-endian, Delta's writer little-endian: the magic's byte order tells which.
    const bool big = Be32(b.data()) == kNativeMagic;
    auto read32 = [&](const char* p) { return big ? Be32(p) : Le32(p); };
    if (!Take(&bytes, 4, &b)) return Bad("bitmap count past the end");
    const uint32_t count = read32(b.data());
    if (count > 0x7fffffffu || count > bytes.size() / 12) return Bad("bitmap count past the end");
    for (uint32_t key = 0; key < count; ++key) {
      if (!Take(&bytes, 4, &b)) return Bad("bitmap size past the end");
      std::string_view bitmap;
      if (!Take(&bytes, read32(b.data()), &bitmap)) return Bad("bitmap past the end");
      LS_RETURN_IF_ERROR(ParseBucket(&bitmap, key, &dv.containers_));
      if (!bitmap.empty()) return Bad("bytes after a bitmap");
    }
  } else {
    return Bad("the magic number is not 1681511377 (or 1681511376)");
  }
  if (!bytes.empty()) return Bad("bytes after the bitmap");
  for (const Container& c : dv.containers_) dv.cardinality_ += c.cardinality;
  return dv;
}

// ---- building and serializing ------------------------------------------------------------------

DeletionVector DeletionVector::FromRows(std::vector<uint64_t> rows) {
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  DeletionVector dv;
  dv.cardinality_ = rows.size();
  size_t i = 0;
  while (i < rows.size()) {
    const uint64_t high = rows[i] >> 16;
    size_t j = i;
    uint32_t runs = 0;
    while (j < rows.size() && (rows[j] >> 16) == high) {
      if (j == i || rows[j] != rows[j - 1] + 1) ++runs;
      ++j;
    }
    Container c;
    c.high = high;
    c.cardinality = static_cast<uint32_t>(j - i);
    const size_t array_bytes = size_t{c.cardinality} * 2;
    const size_t run_bytes = 2 + size_t{runs} * 4;
    if (run_bytes < std::min(array_bytes, kBitmapBytes)) {
      c.kind = Kind::kRun;
      for (size_t k = i; k < j;) {
        size_t e = k;
        while (e + 1 < j && rows[e + 1] == rows[e] + 1) ++e;
        c.values.push_back(static_cast<uint16_t>(rows[k] & 0xffff));
        c.values.push_back(static_cast<uint16_t>(e - k));
        k = e + 1;
      }
    } else if (c.cardinality <= kMaxArray) {
      c.kind = Kind::kArray;
      for (size_t k = i; k < j; ++k) c.values.push_back(static_cast<uint16_t>(rows[k] & 0xffff));
    } else {
      c.kind = Kind::kBitmap;
      c.words.assign(kBitmapBytes / 8, 0);
      for (size_t k = i; k < j; ++k) {
        const uint32_t v = rows[k] & 0xffff;
        c.words[v / 64] |= uint64_t{1} << (v % 64);
      }
    }
    dv.containers_.push_back(std::move(c));
    i = j;
  }
  return dv;
}

// Containers [first, last) all share the upper 32 bits `key`.
void DeletionVector::AppendBucket(uint32_t key, size_t first, size_t last, std::string& out) const {
  (void)key;
  const uint32_t size = static_cast<uint32_t>(last - first);
  bool has_runs = false;
  for (size_t i = first; i < last; ++i) has_runs = has_runs || containers_[i].kind == Kind::kRun;
  const size_t start = out.size();
  if (has_runs) {
    PutLe32(out, kCookieRun | ((size - 1) << 16));
    std::string flags((size + 7) / 8, '\0');
    for (size_t i = first; i < last; ++i) {
      if (containers_[i].kind == Kind::kRun) {
        flags[(i - first) / 8] = static_cast<char>(flags[(i - first) / 8] | (1 << ((i - first) % 8)));
      }
    }
    out += flags;
  } else {
    PutLe32(out, kCookieNoRun);
    PutLe32(out, size);
  }
  for (size_t i = first; i < last; ++i) {
    PutLe16(out, static_cast<uint16_t>(containers_[i].high & 0xffff));
    PutLe16(out, static_cast<uint16_t>(containers_[i].cardinality - 1));
  }
  const bool offsets = !has_runs || size >= kNoOffsetThreshold;
  const size_t offsets_at = out.size();
  if (offsets) out.append(size_t{size} * 4, '\0');
  for (size_t i = first; i < last; ++i) {
    const Container& c = containers_[i];
    if (offsets) SetLe32(out, offsets_at + 4 * (i - first), static_cast<uint32_t>(out.size() - start));
    if (c.kind == Kind::kRun) {
      PutLe16(out, static_cast<uint16_t>(c.values.size() / 2));
      for (uint16_t v : c.values) PutLe16(out, v);
    } else if (c.kind == Kind::kArray) {
      for (uint16_t v : c.values) PutLe16(out, v);
    } else {
      for (uint64_t w : c.words) PutLe64(out, w);
    }
  }
}

std::string DeletionVector::Serialize() const {
  std::string out;
  PutLe32(out, kDeletionVectorMagic);
  size_t buckets = 0;
  for (size_t i = 0; i < containers_.size(); ++i) {
    if (i == 0 || (containers_[i].high >> 16) != (containers_[i - 1].high >> 16)) ++buckets;
  }
  PutLe64(out, buckets);
  for (size_t i = 0; i < containers_.size();) {
    const uint32_t key = static_cast<uint32_t>(containers_[i].high >> 16);
    size_t j = i;
    while (j < containers_.size() && (containers_[j].high >> 16) == key) ++j;
    PutLe32(out, key);
    AppendBucket(key, i, j, out);
    i = j;
  }
  return out;
}

// ---- queries ---------------------------------------------------------------------------------

const DeletionVector::Container* DeletionVector::Find(uint64_t high) const {
  auto it = std::lower_bound(containers_.begin(), containers_.end(), high,
                             [](const Container& c, uint64_t h) { return c.high < h; });
  return it != containers_.end() && it->high == high ? &*it : nullptr;
}

bool DeletionVector::Contains(uint64_t row) const {
  const Container* c = Find(row >> 16);
  if (c == nullptr) return false;
  const uint16_t v = static_cast<uint16_t>(row & 0xffff);
  switch (c->kind) {
    case Kind::kArray:
      return std::binary_search(c->values.begin(), c->values.end(), v);
    case Kind::kBitmap:
      return (c->words[v / 64] >> (v % 64)) & 1;
    case Kind::kRun:
      for (size_t r = 0; r + 1 < c->values.size(); r += 2) {
        if (v < c->values[r]) return false;
        if (v <= uint32_t{c->values[r]} + c->values[r + 1]) return true;
      }
      return false;
  }
  return false;
}

void DeletionVector::ForEachRange(uint64_t begin, uint64_t end,
                                  const std::function<void(uint64_t, uint64_t)>& fn) const {
  if (begin >= end) return;
  auto it = std::lower_bound(containers_.begin(), containers_.end(), begin >> 16,
                             [](const Container& c, uint64_t h) { return c.high < h; });
  // Ranges are merged inside a container and flushed at its end.
  for (; it != containers_.end() && (it->high << 16) < end; ++it) {
    const uint64_t base = it->high << 16;
    bool open = false;
    uint64_t lo = 0, hi = 0;
    auto add = [&](uint64_t a, uint64_t b) {  // inclusive, ascending
      a = std::max(a, begin);
      b = std::min(b, end - 1);
      if (a > b) return;
      if (open && a == hi + 1) {
        hi = b;
        return;
      }
      if (open) fn(lo, hi);
      open = true;
      lo = a;
      hi = b;
    };
    switch (it->kind) {
      case Kind::kArray:
        for (uint16_t v : it->values) add(base + v, base + v);
        break;
      case Kind::kRun:
        for (size_t r = 0; r + 1 < it->values.size(); r += 2) {
          add(base + it->values[r], base + it->values[r] + it->values[r + 1]);
        }
        break;
      case Kind::kBitmap:
        for (size_t w = 0; w < it->words.size(); ++w) {
          uint64_t word = it->words[w];
          while (word != 0) {
            const int bit = std::countr_zero(word);
            word &= word - 1;
            const uint64_t v = base + w * 64 + static_cast<uint64_t>(bit);
            add(v, v);
          }
        }
        break;
    }
    if (open) fn(lo, hi);
  }
}

void DeletionVector::ClearDeleted(uint64_t begin, std::vector<uint8_t>* keep) const {
  ForEachRange(begin, begin + keep->size(), [&](uint64_t lo, uint64_t hi) {
    std::memset(keep->data() + (lo - begin), 0, static_cast<size_t>(hi - lo + 1));
  });
}

std::vector<uint64_t> DeletionVector::Rows(uint64_t limit) const {
  std::vector<uint64_t> out;
  ForEachRange(0, UINT64_MAX, [&](uint64_t lo, uint64_t hi) {
    for (uint64_t r = lo; r <= hi && out.size() < limit; ++r) out.push_back(r);
  });
  return out;
}

size_t DeletionVector::MemoryUsage() const {
  size_t n = containers_.capacity() * sizeof(Container);
  for (const Container& c : containers_) {
    n += c.values.capacity() * sizeof(uint16_t) + c.words.capacity() * sizeof(uint64_t);
  }
  return n;
}

// ---- files -----------------------------------------------------------------------------------

int32_t AppendDeletionVectorToFile(std::string_view bitmap, std::string* file) {
  if (file->empty()) file->push_back('\x01');
  const int32_t offset = static_cast<int32_t>(file->size());
  PutBe32(*file, static_cast<uint32_t>(bitmap.size()));
  file->append(bitmap);
  PutBe32(*file, Crc32(bitmap));
  return offset;
}

Result<DeletionVector> LoadDeletionVector(const storage::ObjectStore& store,
                                          const DeletionVectorDescriptor& dv) {
  if (dv.size_in_bytes <= 0 || dv.size_in_bytes > kMaxDeletionVectorBytes) {
    return Bad(fmt::format("sizeInBytes {} is out of range", dv.size_in_bytes));
  }
  if (dv.cardinality < 0) return Bad("negative cardinality");
  const size_t size = static_cast<size_t>(dv.size_in_bytes);
  std::string bitmap;
  if (dv.storage_type == 'i') {
    auto decoded = DecodeZ85(dv.path_or_inline_dv);
    if (!decoded || decoded->size() < size) return Bad("inline data is not Z85 of sizeInBytes");
    decoded->resize(size);  // Z85 pads to a multiple of 4 bytes
    bitmap = std::move(*decoded);
  } else if (dv.storage_type == 'u' || dv.storage_type == 'p') {
    std::string path;
    if (dv.storage_type == 'u') {
      LS_ASSIGN_OR_RETURN(path, dv.RelativePath());
    } else {
      LS_ASSIGN_OR_RETURN(path, storage::ResolveTablePath(store, dv.path_or_inline_dv));
    }
    int64_t offset = dv.offset.value_or(0);
    if (offset < 0) return Bad("negative offset");
    if (offset == 0) offset = 1;  // "Interpret as 0 if absent": the version byte comes first
    LS_ASSIGN_OR_RETURN(std::string bytes,
                        store.ReadRange(path, offset, static_cast<int64_t>(size) + 8));
    if (bytes.size() != size + 8) return Bad("the DV file ends before the deletion vector");
    if (Be32(bytes.data()) != size) return Bad("dataSize differs from sizeInBytes");
    bitmap = bytes.substr(4, size);
    if (Be32(bytes.data() + 4 + size) != Crc32(bitmap)) return Bad("checksum mismatch");
  } else {
    return Bad(fmt::format("unknown storage type '{}'", dv.storage_type));
  }
  LS_ASSIGN_OR_RETURN(DeletionVector out, DeletionVector::Parse(bitmap));
  if (out.cardinality() != static_cast<uint64_t>(dv.cardinality)) {
    return Bad(fmt::format("it holds {} rows, its descriptor says {}", out.cardinality(),
                           dv.cardinality));
  }
  return out;
}

}  // namespace lakeshare::delta
