// CostedLru: entries named by a key, each with a cost (its bytes), most recently used first, for
// a cache bounded by the sum of its entries' costs (delta/commit_timeline.h keeps its timelines
// and their parsed commits in two). What an evicted value still holds is the caller's to release,
// usually after its lock. Not thread-safe: the owner's lock is held around every call.
// common/ttl_cache.h is the other shape: bounded by a count of entries that expire, with its own
// lock, for copyable values; a cache bounded by bytes, whose owner locks, starts from this one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <unordered_map>
#include <utility>

namespace lakeshare {

template <typename Key, typename Value>
class CostedLru {
 public:
  /// `key` now holds `value` at `cost` and is the most recently used (replacing what it held).
  void Put(const Key& key, Value value, size_t cost) {
    Erase(key);
    entries_.push_front(Entry{key, std::move(value), cost});
    index_[key] = entries_.begin();
    total_ += cost;
  }

  /// `key`, if present, becomes the most recently used.
  void Touch(const Key& key) {
    auto it = index_.find(key);
    if (it != index_.end()) {
      entries_.splice(entries_.begin(), entries_, it->second);
    }
  }

  void Erase(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end()) {
      return;
    }
    total_ -= it->second->cost;
    entries_.erase(it->second);
    index_.erase(it);
  }

  /// While the total is over `limit`, removes the least recently used entry, unless it is `keep`
  /// (the entry just put, which may alone be over the limit), after passing its key and value to
  /// `evicted(const Key&, Value&)`. Returns how many it removed.
  template <typename F>
  int64_t EvictOver(size_t limit, const Key& keep, F&& evicted) {
    int64_t removed = 0;
    while (total_ > limit && entries_.back().key != keep) {
      Entry& victim = entries_.back();
      evicted(victim.key, victim.value);
      total_ -= victim.cost;
      index_.erase(victim.key);
      entries_.pop_back();
      ++removed;
    }
    return removed;
  }

  /// The sum of the entries' costs.
  size_t total() const { return total_; }
  size_t size() const { return index_.size(); }

 private:
  struct Entry {
    Key key;
    Value value;
    size_t cost;
  };
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<Key, typename std::list<Entry>::iterator> index_;
  size_t total_ = 0;
};

}  // namespace lakeshare
