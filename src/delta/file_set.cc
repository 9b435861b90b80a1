#include "delta/file_set.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <type_traits>

#include "common/strings.h"
#include "delta/json_util_internal.h"

namespace lakeshare::delta {

namespace {

constexpr size_t kArenaBlock = 256 * 1024;

uint32_t KeyHash(std::string_view path, std::string_view dv_id) {
  size_t h = std::hash<std::string_view>{}(path);
  if (!dv_id.empty()) h ^= std::hash<std::string_view>{}(dv_id) * 0x9e3779b97f4a7c15ull;
  return static_cast<uint32_t>(h ^ (h >> 32));
}

struct TransparentHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

bool TestBit(const std::vector<uint64_t>* bits, size_t i) {
  return bits != nullptr && (i >> 6) < bits->size() && ((*bits)[i >> 6] >> (i & 63)) & 1;
}

void SetBit(std::vector<uint64_t>& bits, size_t i) {
  if ((i >> 6) >= bits.size()) bits.resize((i >> 6) + 1, 0);
  bits[i >> 6] |= uint64_t{1} << (i & 63);
}

}  // namespace

std::string_view Arena::Copy(std::string_view s) {
  if (s.empty()) return std::string_view();
  if (s.size() > left_) {
    size_t size = std::max(kArenaBlock, s.size());
    blocks_.push_back(std::unique_ptr<char[]>(new char[size]));
    cursor_ = blocks_.back().get();
    left_ = size;
    allocated_ += size;
  }
  std::memcpy(cursor_, s.data(), s.size());
  std::string_view out(cursor_, s.size());
  cursor_ += s.size();
  left_ -= s.size();
  return out;
}

// A vector of fixed-size chunks: appending never moves elements (no reallocation copies of
// hundreds of thousands of entries) and pointers stay valid.
template <typename T, size_t kChunkBits = 12>
class ChunkedVector {
 public:
  static constexpr size_t kChunk = size_t{1} << kChunkBits;
  size_t size() const { return size_; }
  T& operator[](size_t i) { return chunks_[i >> kChunkBits].get()[i & (kChunk - 1)]; }
  const T& operator[](size_t i) const { return chunks_[i >> kChunkBits].get()[i & (kChunk - 1)]; }
  void push_back(const T& v) {
    if ((size_ & (kChunk - 1)) == 0 && (size_ >> kChunkBits) == chunks_.size()) {
      // Uninitialized storage: elements are constructed on push_back only.
      chunks_.emplace_back(static_cast<T*>(::operator new(kChunk * sizeof(T))));
    }
    new (&(*this)[size_]) T(v);
    ++size_;
  }
  size_t capacity() const { return chunks_.size() * kChunk; }
  template <typename Fn>
  bool ForEachIndexed(Fn&& fn) const {
    for (size_t c = 0; c < chunks_.size(); ++c) {
      const T* chunk = chunks_[c].get();
      size_t n = std::min(kChunk, size_ - c * kChunk);
      for (size_t j = 0; j < n; ++j) {
        if (!fn(c * kChunk + j, chunk[j])) return false;
      }
    }
    return true;
  }

 private:
  static_assert(std::is_trivially_destructible_v<T>, "chunks are freed without destructors");
  struct Free {
    void operator()(T* p) const { ::operator delete(p); }
  };
  std::vector<std::unique_ptr<T, Free>> chunks_;
  size_t size_ = 0;
};

// ---------------------------------------------------------------------------------------------
// FileSegment: one immutable layer of files with its arena, interned partitions and key index.

class FileSegment {
 public:
  struct Slot {
    uint32_t idx = 0;  // entry + 1; 0 empty; kTombstone erased
    uint32_t hash = 0;
  };
  static constexpr uint32_t kTombstone = UINT32_MAX;

  ChunkedVector<AddFile> files;
  Arena arena;
  std::deque<PartitionValues> partitions;
  std::unordered_map<std::string, const PartitionValues*, TransparentHash, std::equal_to<>>
      partition_index;
  std::deque<StoredDeletionVector> dvs;
  std::vector<Slot> slots;
  size_t slots_used = 0;  // live + tombstones
  std::string scratch;    // partition key building

  /// Index of the entry with this key, or -1.
  int64_t Find(std::string_view path, std::string_view dv_id, uint32_t hash) const {
    if (slots.empty()) return -1;
    size_t mask = slots.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      const Slot& s = slots[i];
      if (s.idx == 0) return -1;
      if (s.idx != kTombstone && s.hash == hash) {
        const AddFile& f = files[s.idx - 1];
        if (f.path() == path && f.dv_unique_id() == dv_id) return s.idx - 1;
      }
    }
  }

  void Insert(uint32_t entry, uint32_t hash) {
    if ((slots_used + 1) * 4 >= slots.size() * 3) Rehash();
    size_t mask = slots.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& s = slots[i];
      if (s.idx == 0) {
        s.idx = entry + 1;
        s.hash = hash;
        ++slots_used;
        return;
      }
    }
  }

  void Erase(uint32_t entry, uint32_t hash) {
    size_t mask = slots.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& s = slots[i];
      if (s.idx == 0) return;
      if (s.idx == entry + 1) {
        s.idx = kTombstone;
        return;
      }
    }
  }

  void Rehash() {
    size_t live = 0;
    for (const Slot& s : slots) live += (s.idx != 0 && s.idx != kTombstone);
    size_t cap = 16;
    while (cap * 3 <= (live + 1) * 4 * 2) cap *= 2;
    std::vector<Slot> old = std::move(slots);
    slots.assign(cap, Slot{});
    slots_used = 0;
    size_t mask = cap - 1;
    for (const Slot& s : old) {
      if (s.idx == 0 || s.idx == kTombstone) continue;
      for (size_t i = s.hash & mask;; i = (i + 1) & mask) {
        if (slots[i].idx == 0) {
          slots[i] = s;
          ++slots_used;
          break;
        }
      }
    }
  }

  const PartitionValues* Intern(
      const std::vector<std::pair<std::string_view, std::optional<std::string_view>>>& values) {
    scratch.clear();
    for (const auto& [k, v] : values) {
      scratch.append(k);
      scratch.push_back('\0');
      if (v) {
        scratch.push_back('\1');
        scratch.append(*v);
      } else {
        scratch.push_back('\2');
      }
      scratch.push_back('\0');
    }
    auto it = partition_index.find(std::string_view(scratch));
    if (it != partition_index.end()) return it->second;
    PartitionValues& pv = partitions.emplace_back();
    pv.values.reserve(values.size());
    for (const auto& [k, v] : values) {
      pv.values.emplace_back(std::string(k),
                             v ? std::optional<std::string>(std::string(*v)) : std::nullopt);
    }
    partition_index.emplace(scratch, &pv);
    return &pv;
  }

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
    Insert(idx, KeyHash(c.path(), c.dv_unique_id()));
    return idx;
  }

  size_t MemoryUsage() const {
    size_t bytes = files.capacity() * sizeof(AddFile) + arena.bytes_allocated() +
                   slots.capacity() * sizeof(Slot) + dvs.size() * sizeof(StoredDeletionVector);
    for (const auto& p : partitions) {
      bytes += sizeof(PartitionValues) + 64;
      for (const auto& [k, v] : p.values) bytes += k.capacity() + (v ? v->capacity() : 0) + 64;
    }
    for (const auto& d : dvs) bytes += d.unique_id.capacity() + d.descriptor.path_or_inline_dv.capacity();
    return bytes;
  }
};

// ---------------------------------------------------------------------------------------------
// AddFile

std::string AddFile::StatsJson() const {
  if (!has_stats) return std::string();
  if (!stats_escaped) return std::string(stats());
  std::string out;
  if (!UnescapeJsonString(stats(), out)) return std::string();
  return out;
}

void AddFile::AppendStatsLiteral(std::string& out) const {
  if (!has_stats) return;
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
  if (has_size) fmt::format_to(std::back_inserter(out), ",\"size\":{}", size);
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
    bool go_on = layer.segment->files.ForEachIndexed([&](size_t i, const AddFile& f) {
      return TestBit(dead, i) || fn(f);
    });
    if (!go_on) return;
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
    if (layer.dead) bytes += layer.dead->capacity() * sizeof(uint64_t);
  }
  return bytes;
}

int FileSet::num_layers() const { return static_cast<int>(layers_.size()); }

// ---------------------------------------------------------------------------------------------
// FileSetBuilder

struct FileSetBuilder::Impl {
  // The shared base layer (may be null) and its dead bits, copied on first write.
  std::shared_ptr<const FileSegment> base;
  std::shared_ptr<const std::vector<uint64_t>> base_dead_shared;
  std::unique_ptr<std::vector<uint64_t>> base_dead_own;
  size_t base_live = 0;
  // The tail being built; its dead entries are erased from its index.
  std::shared_ptr<FileSegment> tail = std::make_shared<FileSegment>();
  std::vector<uint64_t> tail_dead;
  size_t tail_live = 0;
  int64_t total_bytes = 0;

  const std::vector<uint64_t>* BaseDead() const {
    return base_dead_own ? base_dead_own.get() : base_dead_shared.get();
  }

  void KillBase(size_t i) {
    if (!base_dead_own) {
      base_dead_own = base_dead_shared
                          ? std::make_unique<std::vector<uint64_t>>(*base_dead_shared)
                          : std::make_unique<std::vector<uint64_t>>();
    }
    SetBit(*base_dead_own, i);
    --base_live;
    total_bytes -= base->files[i].size;
  }

  // Remove the active entry with this key, if any.
  void Kill(std::string_view path, std::string_view dv_id, uint32_t h) {
    int64_t t = tail->Find(path, dv_id, h);
    if (t >= 0) {
      tail->Erase(static_cast<uint32_t>(t), h);
      SetBit(tail_dead, static_cast<size_t>(t));
      --tail_live;
      total_bytes -= tail->files[static_cast<size_t>(t)].size;
      return;
    }
    if (base) {
      int64_t b = base->Find(path, dv_id, h);
      if (b >= 0 && !TestBit(BaseDead(), static_cast<size_t>(b))) KillBase(static_cast<size_t>(b));
    }
  }
};

FileSetBuilder::FileSetBuilder(const FileSet& start) : impl_(std::make_unique<Impl>()) {
  impl_->total_bytes = start.total_bytes_;
  if (start.layers_.empty()) return;
  const FileSet::Layer& first = start.layers_[0];
  impl_->base = first.segment;
  impl_->base_dead_shared = first.dead;
  impl_->base_live = first.segment->files.size();
  if (first.dead) {
    for (uint64_t w : *first.dead) impl_->base_live -= static_cast<size_t>(__builtin_popcountll(w));
  }
  // Copy the live entries of an older tail into the new tail (a tail is kept small).
  for (size_t l = 1; l < start.layers_.size(); ++l) {
    const FileSet::Layer& layer = start.layers_[l];
    const auto& files = layer.segment->files;
    for (size_t i = 0; i < files.size(); ++i) {
      if (TestBit(layer.dead.get(), i)) continue;
      impl_->tail->AppendCopy(files[i]);
      ++impl_->tail_live;
    }
  }
}

FileSetBuilder::~FileSetBuilder() = default;

size_t FileSetBuilder::size() const { return impl_->base_live + impl_->tail_live; }

void FileSetBuilder::Add(const AddInput& in, Version version) {
  Impl& m = *impl_;
  FileSegment& seg = *m.tail;
  if (in.path.size() > UINT32_MAX || in.stats.size() > UINT32_MAX ||
      in.extra_json.size() > UINT32_MAX) {
    return;  // cannot happen for files read into memory; keeps the casts below exact
  }
  AddFile f;
  f.path_data = seg.arena.Copy(in.path).data();
  f.path_size = static_cast<uint32_t>(in.path.size());
  f.partition_values = seg.Intern(in.partition_values);
  f.deletion_vector = in.deletion_vector ? seg.StoreDv(*in.deletion_vector) : nullptr;
  if (in.has_stats) {
    f.stats_data = seg.arena.Copy(in.stats).data();
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
  std::string_view dv_id = f.dv_unique_id();
  uint32_t h = KeyHash(f.path(), dv_id);
  m.Kill(f.path(), dv_id, h);
  uint32_t idx = static_cast<uint32_t>(seg.files.size());
  seg.files.push_back(f);
  seg.Insert(idx, h);
  ++m.tail_live;
  m.total_bytes += f.size;
}

void FileSetBuilder::Remove(std::string_view path, std::string_view dv_unique_id) {
  impl_->Kill(path, dv_unique_id, KeyHash(path, dv_unique_id));
}

FileSet FileSetBuilder::Finish(bool compact) {
  Impl& m = *impl_;
  FileSet out;
  out.num_files_ = m.base_live + m.tail_live;
  out.total_bytes_ = m.total_bytes;
  const size_t tail_entries = m.tail->files.size();
  const size_t tail_dead = tail_entries - m.tail_live;
  const size_t base_entries = m.base ? m.base->files.size() : 0;
  const size_t base_dead = base_entries - m.base_live;
  // Merge into one layer when asked, when the tail is no longer small next to the base, or when
  // dead entries waste much memory.
  bool merge = compact || (m.base && m.tail_live > std::max<size_t>(4096, m.base_live / 32)) ||
               base_dead > base_entries / 4 + 1024;
  if (!m.base) {
    // Only a tail: it becomes the single layer; drop dead entries if they are many.
    if (tail_dead > tail_entries / 4 + 1024) {
      merge = true;
    } else {
      FileSet::Layer layer;
      layer.segment = m.tail;
      if (tail_dead) layer.dead = std::make_shared<const std::vector<uint64_t>>(m.tail_dead);
      out.layers_.push_back(std::move(layer));
      return out;
    }
  }
  if (merge) {
    auto seg = std::make_shared<FileSegment>();
    if (m.base) {
      const auto* dead = m.BaseDead();
      for (size_t i = 0; i < base_entries; ++i) {
        if (!TestBit(dead, i)) seg->AppendCopy(m.base->files[i]);
      }
    }
    for (size_t i = 0; i < tail_entries; ++i) {
      if (!TestBit(&m.tail_dead, i)) seg->AppendCopy(m.tail->files[i]);
    }
    FileSet::Layer layer;
    layer.segment = std::move(seg);
    out.layers_.push_back(std::move(layer));
    return out;
  }
  FileSet::Layer base_layer;
  base_layer.segment = m.base;
  if (m.base_dead_own) {
    base_layer.dead = std::shared_ptr<const std::vector<uint64_t>>(std::move(m.base_dead_own));
  } else {
    base_layer.dead = m.base_dead_shared;
  }
  out.layers_.push_back(std::move(base_layer));
  if (tail_entries > 0) {
    FileSet::Layer tail_layer;
    tail_layer.segment = m.tail;
    if (tail_dead) tail_layer.dead = std::make_shared<const std::vector<uint64_t>>(m.tail_dead);
    out.layers_.push_back(std::move(tail_layer));
  }
  return out;
}

}  // namespace lakeshare::delta
