#include "delta/file_set.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include "common/strings.h"
#include "delta/file_set_vectors_internal.h"
#include "delta/json_util_internal.h"

namespace lakeshare::delta {

namespace {

// File sizes come from the provider's log, any int64 each: two adds of 2^62 bytes overflowed an
// int64 total (undefined behaviour; in Release /metadata served a negative table size). Sums
// are kept in 128 bits, which no count of int64 sizes a machine can hold overflows, a negative
// size counts as 0 (as in the served byte counts), and a total is clamped to INT64_MAX.
using ByteSum = __int128;

ByteSum Bytes(int64_t size) { return std::max<int64_t>(size, 0); }

int64_t ClampBytes(ByteSum bytes) {
  return static_cast<int64_t>(
      std::clamp<ByteSum>(bytes, 0, std::numeric_limits<int64_t>::max()));
}

// A fast 64-bit hash of short strings: 8-byte words folded with 64x64->128 multiplies. Only
// grouping quality matters (equal keys are always compared byte for byte afterwards).
inline uint64_t Fold(uint64_t a, uint64_t b) {
  __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

uint64_t FastHash(std::string_view s, uint64_t seed) {
  // The length is mixed in first, so the tail may be read as overlapping fixed-size words
  // (as wyhash does) instead of a variable-length memcpy call per string.
  uint64_t h = seed ^ (s.size() * 0x9e3779b97f4a7c15ull);
  const char* p = s.data();
  size_t n = s.size();
  uint64_t w = 0;
  if (n >= 8) {
    for (; n > 8; p += 8, n -= 8) {
      std::memcpy(&w, p, 8);
      h = Fold(h ^ w, 0xa0761d6478bd642full);
    }
    std::memcpy(&w, s.data() + s.size() - 8, 8);  // the last 8 bytes
  } else if (n >= 4) {
    uint32_t first = 0;
    uint32_t last = 0;
    std::memcpy(&first, p, 4);
    std::memcpy(&last, p + n - 4, 4);
    w = (static_cast<uint64_t>(first) << 32) | last;
  } else if (n > 0) {
    w = (static_cast<uint64_t>(static_cast<unsigned char>(p[0])) << 16) |
        (static_cast<uint64_t>(static_cast<unsigned char>(p[n / 2])) << 8) |
        static_cast<unsigned char>(p[n - 1]);
  }
  return Fold(h ^ w, 0xe7037ed1a0b428dbull);
}

uint32_t KeyHash(std::string_view path, std::string_view dv_id) {
  uint64_t h = FastHash(path, 0x8ebc6af09c88c6e3ull);
  if (!dv_id.empty()) {
    h = FastHash(dv_id, h);
  }
  return static_cast<uint32_t>(h ^ (h >> 32));
}

bool TestBit(const std::vector<uint64_t>* bits, size_t i) {
  return bits != nullptr && (i >> 6) < bits->size() && ((*bits)[i >> 6] >> (i & 63)) & 1;
}

void SetBit(std::vector<uint64_t>& bits, size_t i) {
  if ((i >> 6) >= bits.size()) {
    bits.resize((i >> 6) + 1, 0);
  }
  bits[i >> 6] |= uint64_t{1} << (i & 63);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// FileSegment: one immutable layer of files with its arena, interned partitions and key index.

class FileSegment {
 public:
  // The key index: (hash, entry) pairs of the entries indexed at Finish, sorted by hash. A
  // sorted array instead of a hash table: it is built with sequential passes (radix sort) and
  // probed only a few times per refresh.
  struct IndexEntry {
    uint32_t hash;
    uint32_t entry;
  };

  ChunkedVector<AddFile> files;
  Arena arena;
  std::deque<PartitionValues> partitions;
  std::unordered_multimap<uint64_t, const PartitionValues*> partition_index;  // by view hash
  std::deque<StoredDeletionVector> dvs;
  BigVector<IndexEntry> index;
  std::vector<std::shared_ptr<const void>> retained;  // buffers entries point into
  size_t retained_bytes = 0;

  /// Index of an indexed entry with this key, or -1 (dead entries may still be indexed: callers
  /// check their dead bits).
  int64_t Find(std::string_view path, std::string_view dv_id, uint32_t hash) const {
    auto it = std::lower_bound(index.begin(), index.end(), hash,
                               [](const IndexEntry& e, uint32_t h) { return e.hash < h; });
    for (; it != index.end() && it->hash == hash; ++it) {
      const AddFile& f = files[it->entry];
      if (f.path() == path && f.dv_unique_id() == dv_id) {
        return it->entry;
      }
    }
    return -1;
  }

  const PartitionValues* Intern(
      const std::vector<std::pair<std::string_view, std::optional<std::string_view>>>& values) {
    // A hash of the views finds the candidate (cache, then index), one comparison confirms it.
    uint64_t h = 0x2d358dccaa6c78a5ull;
    for (const auto& [k, v] : values) {
      h = FastHash(k, h);
      h = v ? FastHash(*v, h) : Fold(h, 0x8bb84b93962eacc9ull);
    }
    auto& cached = cache[h & (kCacheSize - 1)];
    if (cached.second != nullptr && cached.first == h && SameMap(*cached.second, values)) {
      return cached.second;
    }
    last_hash = h;
    auto [first, last] = partition_index.equal_range(h);
    for (auto it = first; it != last; ++it) {
      if (SameMap(*it->second, values)) {
        Remember(it->second);
        return it->second;
      }
    }
    PartitionValues& pv = partitions.emplace_back();
    pv.values.reserve(values.size());
    for (const auto& [k, v] : values) {
      pv.values.emplace_back(std::string(k),
                             v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
    }
    partition_index.emplace(h, &pv);
    Remember(&pv);
    return &pv;
  }

  static bool SameMap(
      const PartitionValues& pv,
      const std::vector<std::pair<std::string_view, std::optional<std::string_view>>>& values) {
    if (pv.values.size() != values.size()) {
      return false;
    }
    for (size_t i = 0; i < values.size(); ++i) {
      const auto& [k, v] = pv.values[i];
      if (k.size() != values[i].first.size() || v.has_value() != values[i].second.has_value()) {
        return false;
      }
      if (std::memcmp(k.data(), values[i].first.data(), k.size()) != 0) {
        return false;
      }
      if (v && (v->size() != values[i].second->size() ||
                std::memcmp(v->data(), values[i].second->data(), v->size()) != 0)) {
        return false;
      }
    }
    return true;
  }

  // A direct-mapped cache of interned maps by hash, in front of the multimap.
  void Remember(const PartitionValues* pv) {
    cache[last_hash & (kCacheSize - 1)] = {last_hash, pv};
  }
  static constexpr size_t kCacheSize = 512;
  std::array<std::pair<uint64_t, const PartitionValues*>, kCacheSize> cache{};
  uint64_t last_hash = 0;

  const PartitionValues* Intern(const PartitionValues& pv) {
    std::vector<std::pair<std::string_view, std::optional<std::string_view>>> views;
    views.reserve(pv.values.size());
    for (const auto& [k, v] : pv.values) {
      views.emplace_back(k, v ? std::optional<std::string_view>(*v) : std::nullopt);
    }
    return Intern(views);
  }

  const StoredDeletionVector* StoreDv(const DeletionVectorDescriptor& d) {
    StoredDeletionVector& s = dvs.emplace_back();
    s.descriptor = d;
    s.unique_id = d.UniqueId();
    return &s;
  }

  /// Append a copy of `f` (strings re-copied into this segment) and index it.
  uint32_t AppendCopy(const AddFile& f) {
    AddFile c = f;
    c.path_data = arena.Copy(f.path()).data();
    c.stats_data = arena.Copy(f.stats()).data();
    c.extra_data = arena.Copy(f.extra_json()).data();
    c.partition_values = Intern(*f.partition_values);
    c.deletion_vector = f.deletion_vector ? StoreDv(f.deletion_vector->descriptor) : nullptr;
    uint32_t idx = static_cast<uint32_t>(files.size());
    files.push_back(c);
    return idx;
  }

  size_t MemoryUsage() const {
    size_t bytes = files.capacity() * sizeof(AddFile) + arena.bytes_allocated() +
                   index.capacity() * sizeof(IndexEntry) + retained_bytes +
                   dvs.size() * sizeof(StoredDeletionVector);
    for (const auto& p : partitions) {
      bytes += sizeof(PartitionValues) + 64;
      for (const auto& [k, v] : p.values) {
        bytes += k.capacity() + (v ? v->capacity() : 0) + 64;
      }
    }
    for (const auto& d : dvs) {
      bytes += d.unique_id.capacity() + d.descriptor.path_or_inline_dv.capacity();
    }
    return bytes;
  }
};

// ---------------------------------------------------------------------------------------------
// AddFile

std::string AddFile::StatsJson() const {
  if (!has_stats) {
    return std::string();
  }
  if (!stats_escaped) {
    return std::string(stats());
  }
  std::string out;
  if (!UnescapeJsonString(stats(), out)) {
    return std::string();
  }
  return out;
}

void AddFile::AppendStatsLiteral(std::string& out) const {
  if (!has_stats) {
    return;
  }
  if (stats_escaped) {
    out.push_back('"');
    out.append(stats());
    out.push_back('"');
  } else {
    AppendJsonString(out, stats());
  }
}

void AddFile::AppendJson(std::string& out) const {
  out += "{\"path\":";
  AppendJsonString(out, path());
  out += ",\"partitionValues\":";
  AppendStringMapJson(out, partition_values->values);
  if (has_size) {
    fmt::format_to(std::back_inserter(out), ",\"size\":{}", size);
  }
  if (has_modification_time) {
    fmt::format_to(std::back_inserter(out), ",\"modificationTime\":{}", modification_time);
  }
  out += data_change ? ",\"dataChange\":true" : ",\"dataChange\":false";
  if (has_stats) {
    out += ",\"stats\":";
    AppendStatsLiteral(out);
  }
  if (extra_size > 0) {
    out.push_back(',');
    out.append(extra_json());
  }
  out.push_back('}');
}

// ---------------------------------------------------------------------------------------------
// FileSet

FileSet::FileSet() = default;
FileSet::~FileSet() = default;
FileSet::FileSet(const FileSet&) = default;
FileSet& FileSet::operator=(const FileSet&) = default;
FileSet::FileSet(FileSet&&) noexcept = default;
FileSet& FileSet::operator=(FileSet&&) noexcept = default;

void FileSet::ForEach(const std::function<bool(const AddFile&)>& fn) const {
  for (const Layer& layer : layers_) {
    const std::vector<uint64_t>* dead = layer.dead.get();
    bool go_on = layer.segment->files.ForEachIndexed(
        [&](size_t i, const AddFile& f) { return TestBit(dead, i) || fn(f); });
    if (!go_on) {
      return;
    }
  }
}

std::vector<const AddFile*> FileSet::Files() const {
  std::vector<const AddFile*> out;
  out.reserve(num_files_);
  ForEach([&](const AddFile& f) {
    out.push_back(&f);
    return true;
  });
  return out;
}

const AddFile* FileSet::Find(std::string_view path, std::string_view dv_unique_id) const {
  uint32_t h = KeyHash(path, dv_unique_id);
  for (const Layer& layer : layers_) {
    int64_t i = layer.segment->Find(path, dv_unique_id, h);
    if (i >= 0 && !TestBit(layer.dead.get(), static_cast<size_t>(i))) {
      return &layer.segment->files[static_cast<size_t>(i)];
    }
  }
  return nullptr;
}

size_t FileSet::MemoryUsage() const {
  size_t bytes = sizeof(FileSet);
  for (const Layer& layer : layers_) {
    bytes += layer.segment->MemoryUsage();
    if (layer.dead) {
      bytes += layer.dead->capacity() * sizeof(uint64_t);
    }
  }
  return bytes;
}

int FileSet::num_layers() const { return static_cast<int>(layers_.size()); }

// ---------------------------------------------------------------------------------------------
// FileSetBuilder

namespace {

// One add or remove, in log order. `entry` is the tail entry of an add, or kRemoveBit | the
// index of the remove's key. Same layout as an index entry: after resolution the winning adds
// are compacted in place and the buffer becomes the tail's index.
using Op = FileSegment::IndexEntry;
constexpr uint32_t kRemoveBit = 0x80000000u;

// Stable sort of ops by hash: LSD radix sort (two 16-bit passes) for large inputs, which touches
// memory sequentially, std::stable_sort for small ones.
void SortByHash(BigVector<Op>& ops) {
  if (ops.size() < 4096) {
    std::stable_sort(ops.begin(), ops.end(),
                     [](const Op& a, const Op& b) { return a.hash < b.hash; });
    return;
  }
  thread_local BigVector<Op> tmp;  // reused across loads (no fresh pages each time)
  tmp.resize(ops.size());
  std::vector<uint32_t> count(65537);
  for (int shift = 0; shift < 32; shift += 16) {
    std::fill(count.begin(), count.end(), 0);
    for (const Op& op : ops) {
      ++count[((op.hash >> shift) & 0xffff) + 1];
    }
    for (size_t i = 1; i < count.size(); ++i) {
      count[i] += count[i - 1];
    }
    for (const Op& op : ops) {
      tmp[count[(op.hash >> shift) & 0xffff]++] = op;
    }
    ops.swap(tmp);
  }
  if (tmp.capacity() > (size_t{64} << 20) / sizeof(Op)) {
    tmp.Release();  // do not pin huge buffers
  }
}

}  // namespace

struct FileSetBuilder::Impl {
  // The shared base layer (may be null) and its dead bits, copied on first write.
  std::shared_ptr<const FileSegment> base;
  std::shared_ptr<const std::vector<uint64_t>> base_dead_shared;
  std::unique_ptr<std::vector<uint64_t>> base_dead_own;
  size_t base_live = 0;
  ByteSum base_bytes = 0;  // total size of the live base entries
  // The tail being built and the log-ordered operations on it, resolved at Finish.
  std::shared_ptr<FileSegment> tail = std::make_shared<FileSegment>();
  BigVector<Op> ops;
  struct RemovedKey {
    std::string_view path;
    std::string_view dv_id;
  };
  std::vector<RemovedKey> removes;  // strings in `remove_arena`
  ByteSum tail_bytes_all = 0;       // sizes of every add appended to the tail
  Arena remove_arena;

  const std::vector<uint64_t>* BaseDead() const {
    return base_dead_own ? base_dead_own.get() : base_dead_shared.get();
  }

  // Any operation on a key replaces or deletes the base entry with that key.
  void KillInBase(std::string_view path, std::string_view dv_id, uint32_t h) {
    if (!base) {
      return;
    }
    int64_t b = base->Find(path, dv_id, h);
    if (b < 0 || TestBit(BaseDead(), static_cast<size_t>(b))) {
      return;
    }
    if (!base_dead_own) {
      base_dead_own = base_dead_shared ? std::make_unique<std::vector<uint64_t>>(*base_dead_shared)
                                       : std::make_unique<std::vector<uint64_t>>();
    }
    SetBit(*base_dead_own, static_cast<size_t>(b));
    --base_live;
    base_bytes -= Bytes(base->files[static_cast<size_t>(b)].size);
  }

  // The tail's entries after resolving `ops` key by key: their dead bits, live count and bytes.
  // `ops` keeps the winning adds, in hash order (the tail's index).
  struct ResolvedTail {
    std::vector<uint64_t> dead;
    size_t live = 0;
    ByteSum bytes = 0;
  };
  ResolvedTail ResolveOps();

  std::string_view OpPath(const Op& op) const {
    return (op.entry & kRemoveBit) ? removes[op.entry & ~kRemoveBit].path
                                   : tail->files[op.entry].path();
  }
  std::string_view OpDv(const Op& op) const {
    return (op.entry & kRemoveBit) ? removes[op.entry & ~kRemoveBit].dv_id
                                   : tail->files[op.entry].dv_unique_id();
  }
};

FileSetBuilder::FileSetBuilder(const FileSet& start) : impl_(std::make_unique<Impl>()) {
  if (start.layers_.empty()) {
    return;
  }
  const FileSet::Layer& first = start.layers_[0];
  impl_->base = first.segment;
  impl_->base_dead_shared = first.dead;
  // Counts from the dead bits and the set's totals: no pass over the (large) base.
  impl_->base_live = first.segment->files.size();
  if (first.dead) {
    for (uint64_t w : *first.dead) {
      impl_->base_live -= static_cast<size_t>(__builtin_popcountll(w));
    }
  }
  impl_->base_bytes = start.total_bytes_;
  // Re-add the live entries of an older tail to the new tail (a tail is kept small).
  for (size_t l = 1; l < start.layers_.size(); ++l) {
    const FileSet::Layer& layer = start.layers_[l];
    layer.segment->files.ForEachIndexed([&](size_t i, const AddFile& f) {
      if (!TestBit(layer.dead.get(), i)) {
        impl_->base_bytes -= Bytes(f.size);  // counted again as a tail add
        impl_->tail_bytes_all += Bytes(f.size);
        uint32_t idx = impl_->tail->AppendCopy(f);
        impl_->ops.push_back(Op{KeyHash(f.path(), f.dv_unique_id()), idx});
      }
      return true;
    });
  }
}

FileSetBuilder::~FileSetBuilder() = default;

void FileSetBuilder::Add(const AddInput& in, Version version) {
  Impl& m = *impl_;
  FileSegment& seg = *m.tail;
  if (in.path.size() > UINT32_MAX || in.stats.size() > UINT32_MAX ||
      in.extra_json.size() > UINT32_MAX || seg.files.size() >= kRemoveBit) {
    return;  // cannot happen for files read into memory; keeps the casts below exact
  }
  AddFile f;
  f.path_data = in.path_retained ? in.path.data() : seg.arena.Copy(in.path).data();
  f.path_size = static_cast<uint32_t>(in.path.size());
  f.partition_values = seg.Intern(in.partition_values);
  f.deletion_vector = in.deletion_vector ? seg.StoreDv(*in.deletion_vector) : nullptr;
  if (in.has_stats) {
    f.stats_data = in.stats_retained ? in.stats.data() : seg.arena.Copy(in.stats).data();
    f.stats_size = static_cast<uint32_t>(in.stats.size());
  }
  f.extra_data = seg.arena.Copy(in.extra_json).data();
  f.extra_size = static_cast<uint32_t>(in.extra_json.size());
  f.size = in.size;
  f.modification_time = in.modification_time;
  f.version = version;
  f.data_change = in.data_change;
  f.has_stats = in.has_stats;
  f.stats_escaped = in.stats_escaped;
  f.has_size = in.has_size;
  f.has_modification_time = in.has_modification_time;
  uint32_t idx = static_cast<uint32_t>(seg.files.size());
  seg.files.push_back(f);
  m.tail_bytes_all += Bytes(f.size);
  m.ops.push_back(Op{KeyHash(f.path(), f.dv_unique_id()), idx});
}

void FileSetBuilder::ExpectAdds(size_t n) {
  // `n` is a checkpoint footer's num_rows, which the table's writer controls: it only sizes
  // storage (the arrays grow past it), so a lie is capped. Uncapped, 2^62 rows made the ops array
  // 2^62 entries of 8 bytes, a byte count that wrapped to 0: every add then wrote past a 0-byte
  // block.
  constexpr size_t kMaxExpectedAdds = size_t{1} << 24;
  n = std::min(n, kMaxExpectedAdds);
  Impl& m = *impl_;
  m.tail->files.Expect(m.tail->files.size() + n);
  if (n >= 8192) {
    m.tail->arena.ExpectLarge();
  }
  m.ops.reserve(m.ops.size() + n);
}

void FileSetBuilder::Retain(const std::vector<std::shared_ptr<const void>>& buffers,
                            size_t approx_bytes) {
  FileSegment& seg = *impl_->tail;
  for (const auto& b : buffers) {
    if (b) {
      seg.retained.push_back(b);
    }
  }
  seg.retained_bytes += approx_bytes;
}

void FileSetBuilder::Remove(std::string_view path, std::string_view dv_unique_id) {
  Impl& m = *impl_;
  if (m.removes.size() >= kRemoveBit) {
    return;
  }
  uint32_t idx = static_cast<uint32_t>(m.removes.size());
  m.removes.push_back(
      Impl::RemovedKey{m.remove_arena.Copy(path), m.remove_arena.Copy(dv_unique_id)});
  m.ops.push_back(Op{KeyHash(path, dv_unique_id), idx | kRemoveBit});
}

FileSetBuilder::Impl::ResolvedTail FileSetBuilder::Impl::ResolveOps() {
  const size_t tail_entries = tail->files.size();
  // Resolve the operations key by key. Ops sorted stably by hash keep log order within a hash;
  // "keep only the newest reference for each logical file": the last op of a key decides.
  SortByHash(ops);
  ResolvedTail r;
  std::vector<uint64_t>& tail_dead = r.dead;
  tail_dead.assign((tail_entries + 63) / 64, ~uint64_t{0});
  if (tail_entries % 64) {
    tail_dead.back() = (uint64_t{1} << (tail_entries % 64)) - 1;
  }
  // Start with every tail entry dead; the winning add of each key is revived.
  auto revive = [&](uint32_t e) { tail_dead[e >> 6] &= ~(uint64_t{1} << (e & 63)); };
  size_t& tail_live = r.live;
  ByteSum& tail_bytes = r.bytes;
  tail_bytes = tail_bytes_all;  // minus the sizes of adds that lost, below
  size_t out_index = 0;         // winners are compacted to the front of ops (out_index <= i)
  std::vector<Op> group_winners;
  for (size_t i = 0; i < ops.size();) {
    size_t j = i + 1;
    while (j < ops.size() && ops[j].hash == ops[i].hash) {
      ++j;
    }
    if (j - i == 1) {  // the common case: a key seen once
      const Op& op = ops[i];
      if (base) {
        KillInBase(OpPath(op), OpDv(op), op.hash);
      }
      if (!(op.entry & kRemoveBit)) {
        revive(op.entry);
        ++tail_live;
        ops[out_index++] = Op{op.hash, op.entry};
      }
    } else {
      // Same hash: group the ops by actual key; the last op of each key wins.
      std::vector<bool> done(j - i, false);
      for (size_t a = i; a < j; ++a) {
        if (done[a - i]) {
          continue;
        }
        std::string_view path = OpPath(ops[a]);
        std::string_view dv = OpDv(ops[a]);
        size_t last = a;
        for (size_t b = a; b < j; ++b) {
          if (!done[b - i] && OpPath(ops[b]) == path && OpDv(ops[b]) == dv) {
            done[b - i] = true;
            last = b;
          }
        }
        KillInBase(path, dv, ops[a].hash);
        const Op& win = ops[last];
        if (!(win.entry & kRemoveBit)) {
          revive(win.entry);
          ++tail_live;
          group_winners.push_back(win);  // written after the group: ops[i, j) is still read
        }
        // Adds that lost to a later action of their key.
        for (size_t b = a; b < j; ++b) {
          const Op& op = ops[b];
          if (b != last && !(op.entry & kRemoveBit) && OpPath(op) == path && OpDv(op) == dv) {
            tail_bytes -= Bytes(tail->files[op.entry].size);
          }
        }
      }
    }
    for (const Op& w : group_winners) {
      ops[out_index++] = w;
    }
    group_winners.clear();
    i = j;
  }
  ops.resize(out_index);
  return r;
}

FileSet FileSetBuilder::Finish(bool compact) {
  Impl& m = *impl_;
  FileSegment& tail = *m.tail;
  const size_t tail_entries = tail.files.size();
  Impl::ResolvedTail resolved = m.ResolveOps();
  std::vector<uint64_t>& tail_dead = resolved.dead;
  const size_t tail_live = resolved.live;
  const ByteSum tail_bytes = resolved.bytes;
  tail.index.swap(m.ops);
  m.ops.Release();

  FileSet out;
  out.num_files_ = m.base_live + tail_live;
  out.total_bytes_ = ClampBytes(m.base_bytes + tail_bytes);
  const size_t tail_dead_count = tail_entries - tail_live;
  const size_t base_entries = m.base ? m.base->files.size() : 0;
  const size_t base_dead = base_entries - m.base_live;
  // Merge into one layer when asked, when the tail is no longer small next to the base, or when
  // dead entries waste much memory.
  bool merge = compact || (m.base && tail_live > std::max<size_t>(4096, m.base_live / 32)) ||
               base_dead > base_entries / 4 + 1024 ||
               (!m.base && tail_dead_count > tail_entries / 4 + 1024);
  if (merge) {
    auto seg = std::make_shared<FileSegment>();
    BigVector<Op> index_ops;
    index_ops.reserve(out.num_files_ + 1);
    auto copy = [&](const AddFile& f) {
      uint32_t idx = seg->AppendCopy(f);
      index_ops.push_back(Op{KeyHash(f.path(), f.dv_unique_id()), idx});
    };
    if (m.base) {
      const auto* dead = m.BaseDead();
      m.base->files.ForEachIndexed([&](size_t i, const AddFile& f) {
        if (!TestBit(dead, i)) {
          copy(f);
        }
        return true;
      });
    }
    tail.files.ForEachIndexed([&](size_t i, const AddFile& f) {
      if (!TestBit(&tail_dead, i)) {
        copy(f);
      }
      return true;
    });
    SortByHash(index_ops);
    seg->index.reserve(index_ops.size());
    for (const Op& op : index_ops) {
      seg->index.push_back(FileSegment::IndexEntry{op.hash, op.entry});
    }
    FileSet::Layer layer;
    layer.segment = std::move(seg);
    out.layers_.push_back(std::move(layer));
    return out;
  }
  if (tail.index.size() * 2 < tail.index.capacity()) {
    tail.index.ShrinkToFit();
  }
  if (m.base) {
    FileSet::Layer base_layer;
    base_layer.segment = m.base;
    if (m.base_dead_own) {
      base_layer.dead = std::shared_ptr<const std::vector<uint64_t>>(std::move(m.base_dead_own));
    } else {
      base_layer.dead = m.base_dead_shared;
    }
    out.layers_.push_back(std::move(base_layer));
  }
  if (tail_entries > 0 || !m.base) {
    FileSet::Layer tail_layer;
    tail_layer.segment = m.tail;
    if (tail_dead_count) {
      tail_layer.dead = std::make_shared<const std::vector<uint64_t>>(std::move(tail_dead));
    }
    out.layers_.push_back(std::move(tail_layer));
  }
  return out;
}

}  // namespace lakeshare::delta
