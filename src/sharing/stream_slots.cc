#include "sharing/stream_slots.h"

#include <unordered_map>
#include <utility>

#include "common/mutex.h"
#include "common/thread_annotations.h"

namespace lakeshare::sharing {

bool StreamSlots::Total::TryTake() {
  int held = held_.load(std::memory_order_relaxed);
  do {
    if (max_ > 0 && held >= max_) return false;
  } while (!held_.compare_exchange_weak(held, held + 1, std::memory_order_relaxed));
  if (metrics_.held) metrics_.held->Add({}, 1);
  return true;
}

void StreamSlots::Total::GiveBack() {
  held_.fetch_sub(1, std::memory_order_relaxed);
  if (metrics_.held) metrics_.held->Add({}, -1);
}

struct StreamSlots::State {
  Mutex mu;
  std::unordered_map<std::string, int> held LS_GUARDED_BY(mu);  // no entry: none held

  void GiveBack(const std::string& key) {
    MutexLock lock(mu);
    auto it = held.find(key);
    if (it != held.end() && --it->second <= 0) held.erase(it);
  }
};

class StreamSlots::Slot {
 public:
  Slot(std::shared_ptr<State> state, std::shared_ptr<Total> total, std::string key)
      : state_(std::move(state)), total_(std::move(total)), key_(std::move(key)) {}
  ~Slot() {
    state_->GiveBack(key_);
    if (total_) total_->GiveBack();
  }
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;

 private:
  std::shared_ptr<State> state_;
  std::shared_ptr<Total> total_;
  std::string key_;
};

StreamSlots::StreamSlots(int per_key, std::shared_ptr<Total> total)
    : per_key_(per_key), total_(std::move(total)), state_(std::make_shared<State>()) {}

std::shared_ptr<const StreamSlots::Slot> StreamSlots::TryTake(const std::string& key,
                                                              Refusal* why) const {
  Refusal refusal = Refusal::kNone;
  {
    MutexLock lock(state_->mu);
    int& held = state_->held[key];
    if (per_key_ > 0 && held >= per_key_) {
      refusal = Refusal::kPerKey;
    } else {
      ++held;
    }
  }
  if (refusal == Refusal::kNone && total_ && !total_->TryTake()) {
    state_->GiveBack(key);  // the key's own count was taken first: give it back
    refusal = Refusal::kTotal;
  }
  if (why) *why = refusal;
  if (refusal != Refusal::kNone) {
    if (total_ && total_->metrics_.refused) {
      total_->metrics_.refused->Inc({refusal == Refusal::kPerKey ? "per_key" : "total"});
    }
    return nullptr;
  }
  return std::make_shared<const Slot>(state_, total_, key);
}

int StreamSlots::Held(const std::string& key) const {
  MutexLock lock(state_->mu);
  auto it = state_->held.find(key);
  return it == state_->held.end() ? 0 : it->second;
}

}  // namespace lakeshare::sharing
