// Internal to src/delta: the growable arrays of file sets (delta/file_set.cc). ChunkedVector
// holds the stored files (its elements never move); BigVector, one contiguous array of trivially
// copyable values, the per-load work arrays. Both take their memory from MemoryBlocks
// (delta/file_set.h), so large ones sit on huge pages.
// Not thread-safe: a FileSetBuilder fills them on one thread; a finished FileSet only reads them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/check.h"
#include "delta/file_set.h"

namespace lakeshare::delta {

// A vector of fixed-size chunks: appending never moves elements (no reallocation copies of
// hundreds of thousands of entries) and pointers stay valid. The first chunks are allocated one
// by one (small tables stay small); later ones are carved from slabs of kSlabChunks chunks held
// in huge-page MemoryBlocks.
template <typename T, size_t kChunkBits = 12>
class ChunkedVector {
 public:
  static constexpr size_t kChunk = size_t{1} << kChunkBits;
  // Chunks per slab: as many as fit 4 MiB (two huge pages), at least one.
  static constexpr size_t kSlabChunks =
      std::max<size_t>(1, (size_t{4} << 20) / (kChunk * sizeof(T)));
  size_t size() const { return size_; }
  T& operator[](size_t i) { return chunks_[i >> kChunkBits][i & (kChunk - 1)]; }
  const T& operator[](size_t i) const { return chunks_[i >> kChunkBits][i & (kChunk - 1)]; }
  void push_back(const T& v) {
    if ((size_ & (kChunk - 1)) == 0 && (size_ >> kChunkBits) == chunks_.size()) {
      AddChunk();
    }
    new (&(*this)[size_]) T(v);  // storage is uninitialized until here
    ++size_;
  }
  size_t capacity() const { return chunks_.size() * kChunk; }
  /// Expect about `n` elements: large sets skip the one-by-one chunks and take slabs at once.
  void Expect(size_t n) {
    if (n >= 8 * kChunk) {
      slabs_now_ = true;
    }
  }
  template <typename Fn>
  bool ForEachIndexed(Fn&& fn) const {
    for (size_t c = 0; c < chunks_.size(); ++c) {
      const T* chunk = chunks_[c];
      size_t n = std::min(kChunk, size_ - c * kChunk);
      for (size_t j = 0; j < n; ++j) {
        if (!fn(c * kChunk + j, chunk[j])) {
          return false;
        }
      }
    }
    return true;
  }

 private:
  static_assert(std::is_trivially_destructible_v<T>, "chunks are freed without destructors");
  void AddChunk() {
    if (chunks_.size() < 8 && !slabs_now_) {
      blocks_.emplace_back(kChunk * sizeof(T));
      chunks_.push_back(reinterpret_cast<T*>(blocks_.back().data()));
      return;
    }
    if (slab_left_ == 0) {
      blocks_.emplace_back(kSlabChunks * kChunk * sizeof(T));
      slab_next_ = blocks_.back().data();
      slab_left_ = kSlabChunks;
    }
    chunks_.push_back(reinterpret_cast<T*>(slab_next_));
    slab_next_ += kChunk * sizeof(T);
    --slab_left_;
  }
  std::vector<T*> chunks_;
  std::vector<MemoryBlock> blocks_;
  char* slab_next_ = nullptr;
  size_t slab_left_ = 0;
  size_t size_ = 0;
  bool slabs_now_ = false;
};

// A growable array of trivially copyable values in MemoryBlocks (huge pages once large): the
// per-load work arrays of hundreds of thousands of entries would otherwise cost a page fault
// per 4 KiB on every growth.
template <typename T>
class BigVector {
 public:
  static_assert(std::is_trivially_copyable_v<T>);
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return reinterpret_cast<T*>(block_.data()); }
  const T* data() const { return reinterpret_cast<const T*>(block_.data()); }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& back() { return data()[size_ - 1]; }
  void push_back(const T& v) {
    if (size_ == capacity_) {
      Grow(std::max<size_t>(64, capacity_ * 2));
    }
    data()[size_++] = v;
  }
  void resize(size_t n) {
    if (n > capacity_) {
      Grow(n);
    }
    size_ = n;
  }
  void reserve(size_t n) {
    if (n > capacity_) {
      Grow(n);
    }
  }
  void clear() { size_ = 0; }
  void swap(BigVector& o) noexcept {
    std::swap(block_, o.block_);
    std::swap(size_, o.size_);
    std::swap(capacity_, o.capacity_);
  }
  size_t capacity() const { return capacity_; }
  void Release() {
    block_ = MemoryBlock();
    size_ = capacity_ = 0;
  }
  void ShrinkToFit() {
    if (capacity_ == size_) {
      return;
    }
    MemoryBlock smaller(std::max<size_t>(1, size_) * sizeof(T));
    if (size_) {
      std::memcpy(smaller.data(), block_.data(), size_ * sizeof(T));
    }
    block_ = std::move(smaller);
    capacity_ = size_;
  }

 private:
  void Grow(size_t n) {
    // Callers cap what they reserve (FileSetBuilder::ExpectAdds) and doubling stops long before:
    // an overflowed byte count would allocate a small block for a huge capacity.
    LS_CHECK(n <= SIZE_MAX / sizeof(T), "BigVector capacity overflows size_t");
    MemoryBlock bigger(n * sizeof(T));
    if (size_) {
      std::memcpy(bigger.data(), block_.data(), size_ * sizeof(T));
    }
    block_ = std::move(bigger);
    capacity_ = n;
  }
  MemoryBlock block_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace lakeshare::delta
