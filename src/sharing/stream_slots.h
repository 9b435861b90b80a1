// StreamSlots: a bound on how many responses of one key (a recipient) stream at once, and, through
// a StreamSlots::Total that several StreamSlots share, on how many stream on the whole server. A
// slot is taken before a response whose body keeps memory while its client reads (a snapshot
// /query; the change feed: /changes and /query with startingVersion) and given back when the last
// reference to it goes (its body is done, its client was cut for not reading or for reading
// below the minimum send rate, or it was never sent). Thread-safe; slots may outlive the
// StreamSlots and their Total.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "http/metrics.h"

namespace lakeshare::sharing {

/// Where a StreamSlots::Total reports; each, when not null, must outlive every slot.
struct StreamSlotMetrics {
  http::Gauge* held = nullptr;       // follows Total::held()
  http::Counter* refused = nullptr;  // TryTake's refusals, by {"limit"}: per_key or total
};

class StreamSlots {
 public:
  /// The slots held by every StreamSlots sharing it, whatever their key: at most `max` at once
  /// (0 or less: unbounded).
  class Total {
   public:
    explicit Total(int max, StreamSlotMetrics metrics = {}) : max_(max), metrics_(metrics) {}
    int max() const { return max_; }
    /// Slots held now, across keys and StreamSlots.
    int held() const { return held_.load(std::memory_order_relaxed); }

   private:
    friend class StreamSlots;
    bool TryTake();
    void GiveBack();

    const int max_;
    const StreamSlotMetrics metrics_;
    std::atomic<int> held_{0};
  };

  /// At most `per_key` slots held per key at once (0 or less: unbounded), and within `total` when
  /// given.
  explicit StreamSlots(int per_key, std::shared_ptr<Total> total = nullptr);

  /// Why TryTake gave no slot.
  enum class Refusal { kNone, kPerKey, kTotal };

  /// One held slot: given back when destroyed.
  class Slot;
  /// A slot for `key`, or null when `key` already holds `per_key` of them (`*why`: kPerKey) or
  /// the total is reached (kTotal). `why` may be null.
  std::shared_ptr<const Slot> TryTake(const std::string& key, Refusal* why = nullptr) const;
  /// How many slots `key` holds now.
  int Held(const std::string& key) const;
  int per_key() const { return per_key_; }
  /// The total these slots count in; null when none.
  const std::shared_ptr<Total>& total() const { return total_; }

 private:
  struct State;
  int per_key_;
  std::shared_ptr<Total> total_;
  std::shared_ptr<State> state_;
};

}  // namespace lakeshare::sharing
