// The memory behind file sets (file_set.h): MemoryBlock, a block that is a huge-page mapping
// once large, and Arena, the append-only string storage of a FileSegment. Neither is
// thread-safe: a FileSetBuilder fills them on one thread, a finished FileSet only reads them.
#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>

#include "delta/file_set.h"

namespace lakeshare::delta {

namespace {

constexpr size_t kArenaBlock = 256 * 1024;

}  // namespace

constexpr size_t kHugePage = size_t{2} << 20;

MemoryBlock::MemoryBlock(size_t bytes) : size_(bytes) {
  if (bytes >= kHugePage) {
    // Over-map by one huge page so that an aligned 2 MiB range can be chosen, then advise it.
    size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    size_t map_size = rounded + kHugePage;
    void* p = mmap(nullptr, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) {
      uintptr_t base = reinterpret_cast<uintptr_t>(p);
      uintptr_t aligned = (base + kHugePage - 1) & ~(kHugePage - 1);
      madvise(reinterpret_cast<void*>(aligned), rounded, MADV_HUGEPAGE);
      mapping_ = p;
      mapping_size_ = map_size;
      data_ = reinterpret_cast<char*>(aligned);
      return;
    }
  }
  data_ = static_cast<char*>(::operator new(bytes));
}

MemoryBlock::~MemoryBlock() { Release(); }

void MemoryBlock::Release() {
  if (mapping_ != nullptr) {
    munmap(mapping_, mapping_size_);
  } else if (data_ != nullptr) {
    ::operator delete(data_);
  }
  data_ = nullptr;
  mapping_ = nullptr;
}

MemoryBlock::MemoryBlock(MemoryBlock&& o) noexcept
    : data_(o.data_), size_(o.size_), mapping_(o.mapping_), mapping_size_(o.mapping_size_) {
  o.data_ = nullptr;
  o.mapping_ = nullptr;
}

MemoryBlock& MemoryBlock::operator=(MemoryBlock&& o) noexcept {
  if (this != &o) {
    Release();
    data_ = o.data_;
    size_ = o.size_;
    mapping_ = o.mapping_;
    mapping_size_ = o.mapping_size_;
    o.data_ = nullptr;
    o.mapping_ = nullptr;
  }
  return *this;
}

std::string_view Arena::Copy(std::string_view s) {
  if (s.empty()) {
    return std::string_view();
  }
  if (s.size() > left_) {
    // Small blocks first (small tables stay small), huge-page blocks once the arena is large.
    size_t size =
        std::max(allocated_ >= kHugePage || expect_large_ ? kHugePage : kArenaBlock, s.size());
    blocks_.emplace_back(size);
    cursor_ = blocks_.back().data();
    left_ = size;
    allocated_ += size;
  }
  std::memcpy(cursor_, s.data(), s.size());
  std::string_view out(cursor_, s.size());
  cursor_ += s.size();
  left_ -= s.size();
  return out;
}

}  // namespace lakeshare::delta
