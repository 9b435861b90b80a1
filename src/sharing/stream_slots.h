// StreamSlots: a bound on how many responses of one key (a recipient) stream at once. A slot is
// taken before a response whose body keeps memory while its client reads (a snapshot /query; the
// change feed: /changes and /query with startingVersion) and given back when the last reference
// to it goes (its body is done, or it was never sent). Thread-safe; slots may outlive the
// StreamSlots.
#pragma once

#include <memory>
#include <string>

namespace lakeshare::sharing {

class StreamSlots {
 public:
  /// At most `per_key` slots held per key at once; 0 or less: unbounded.
  explicit StreamSlots(int per_key);

  /// One held slot: given back when destroyed.
  class Slot;
  /// A slot for `key`, or null when `key` already holds `per_key` of them.
  std::shared_ptr<const Slot> TryTake(const std::string& key) const;
  /// How many slots `key` holds now.
  int Held(const std::string& key) const;
  int per_key() const { return per_key_; }

 private:
  struct State;
  int per_key_;
  std::shared_ptr<State> state_;
};

}  // namespace lakeshare::sharing
