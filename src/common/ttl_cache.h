// TtlCache: a bounded map from string keys to values that expire, with least-recently-used
// eviction, for per-replica caches (sharing/metastore_share_provider.h, auth/federation.h).
// Values should be cheap to copy (shared_ptr<const T>). A generation counter, bumped by every
// erase, lets a loader that read the source before an invalidation avoid storing what it read
// after it (PutIfGeneration).
// Thread-safe; the lock is held only inside each call.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/mutex.h"
#include "common/thread_annotations.h"

namespace lakeshare {

template <typename V>
class TtlCache {
 public:
  explicit TtlCache(size_t capacity) : capacity_(capacity) {}

  /// The value of `key` if present and not expired at `now_ms` (it becomes most recently used).
  std::optional<V> Get(std::string_view key, int64_t now_ms) LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) {
      return std::nullopt;
    }
    if (it->second->expires_ms <= now_ms) {
      lru_.erase(it->second);
      index_.erase(it);
      return std::nullopt;
    }
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->value;
  }

  /// The generation to pass to PutIfGeneration: read it before reading the source.
  uint64_t generation() const LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    return generation_;
  }

  /// Store `value` until `expires_ms` unless an erase happened since `generation` was read.
  void PutIfGeneration(std::string key, V value, int64_t expires_ms, uint64_t generation)
      LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (generation != generation_ || capacity_ == 0) {
      return;
    }
    auto it = index_.find(std::string_view(key));
    if (it != index_.end()) {
      it->second->value = std::move(value);
      it->second->expires_ms = expires_ms;
      lru_.splice(lru_.begin(), lru_, it->second);
      return;
    }
    while (index_.size() >= capacity_ && !lru_.empty()) {
      index_.erase(std::string_view(lru_.back().key));
      lru_.pop_back();
    }
    lru_.push_front(Node{std::move(key), std::move(value), expires_ms});
    index_.emplace(std::string_view(lru_.front().key), lru_.begin());
  }

  void Erase(std::string_view key) LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    ++generation_;
    auto it = index_.find(key);
    if (it != index_.end()) {
      lru_.erase(it->second);
      index_.erase(it);
    }
  }

  /// Erase every entry whose value satisfies `pred` (a scan of the whole cache).
  template <typename Pred>
  void EraseIf(Pred pred) LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    ++generation_;
    for (auto it = lru_.begin(); it != lru_.end();) {
      if (pred(it->value)) {
        index_.erase(std::string_view(it->key));
        it = lru_.erase(it);
      } else {
        ++it;
      }
    }
  }

  void Clear() LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    ++generation_;
    index_.clear();
    lru_.clear();
  }

  size_t size() const LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    return index_.size();
  }

 private:
  struct Node {
    std::string key;
    V value;
    int64_t expires_ms = 0;
  };

  mutable Mutex mu_;
  const size_t capacity_;
  // Most recently used first; keys in the index view into the nodes.
  std::list<Node> lru_ LS_GUARDED_BY(mu_);
  std::unordered_map<std::string_view, typename std::list<Node>::iterator> index_
      LS_GUARDED_BY(mu_);
  uint64_t generation_ LS_GUARDED_BY(mu_) = 0;
};

}  // namespace lakeshare
