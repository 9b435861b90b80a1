#include "sharing/stream_slots.h"

#include <unordered_map>
#include <utility>

#include "common/mutex.h"
#include "common/thread_annotations.h"

namespace lakeshare::sharing {

struct StreamSlots::State {
  Mutex mu;
  std::unordered_map<std::string, int> held LS_GUARDED_BY(mu);  // no entry: none held
};

class StreamSlots::Slot {
 public:
  Slot(std::shared_ptr<State> state, std::string key)
      : state_(std::move(state)), key_(std::move(key)) {}
  ~Slot() {
    MutexLock lock(state_->mu);
    auto it = state_->held.find(key_);
    if (it != state_->held.end() && --it->second <= 0) state_->held.erase(it);
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  std::shared_ptr<State> state_;
  std::string key_;
};

StreamSlots::StreamSlots(int per_key) : per_key_(per_key), state_(std::make_shared<State>()) {}

std::shared_ptr<const StreamSlots::Slot> StreamSlots::TryTake(const std::string& key) const {
  {
    MutexLock lock(state_->mu);
    int& held = state_->held[key];
    if (per_key_ > 0 && held >= per_key_) return nullptr;
    ++held;
  }
  return std::make_shared<const Slot>(state_, key);
}

int StreamSlots::Held(const std::string& key) const {
  MutexLock lock(state_->mu);
  auto it = state_->held.find(key);
  return it == state_->held.end() ? 0 : it->second;
}

}  // namespace lakeshare::sharing
