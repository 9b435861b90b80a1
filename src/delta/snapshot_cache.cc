#include "delta/snapshot_cache.h"

#include <fmt/format.h>

#include <chrono>

#include "delta/action_reader_internal.h"
#include "delta/snapshot_internal.h"

namespace lakeshare::delta {

struct SnapshotCache::Slot {
  Mutex mu;  // serializes loads and refreshes of this entry
  std::shared_ptr<const Snapshot> snapshot LS_GUARDED_BY(mu);
  std::shared_ptr<const storage::ObjectStore> store LS_GUARDED_BY(mu);
  std::shared_ptr<CommitTimeline> timeline LS_GUARDED_BY(mu);  // of the latest snapshots
  int64_t checked_ms LS_GUARDED_BY(mu) = 0;
  std::optional<Error> failure;  // guarded by SnapshotCache::mu_
  int64_t failed_ms = 0;         // guarded by SnapshotCache::mu_
  size_t bytes = 0;              // guarded by SnapshotCache::mu_
  Lru::iterator lru_position;    // guarded by SnapshotCache::mu_
  bool in_lru = false;           // guarded by SnapshotCache::mu_
};

namespace {

std::string VersionKey(const std::string& location, Version v) {
  return fmt::format("{}\n@{}", location, v);
}

}  // namespace

bool IsTableContentError(const Error& error) {
  switch (error.code) {
    case ErrorCode::kCorrupt:
    case ErrorCode::kUnsupported:
    case ErrorCode::kInvalidArgument:
      return true;
    default:
      // Outages, missing objects, refusals of the store, bugs: try again. kResourceExhausted
      // too: a load meets it only as std::bad_alloc (parquet/file_reader.cc), which other loads
      // may have caused; the declared bounds of a log or checkpoint answer kCorrupt.
      return false;
  }
}

SnapshotCache::SnapshotCache(SnapshotCacheOptions options)
    : options_(std::move(options)),
      timelines_(std::make_shared<CommitTimelineBudget>(options_.timelines)) {}
SnapshotCache::~SnapshotCache() = default;

int64_t SnapshotCache::Now() const { return ClockOr(options_.clock).MonotonicMs(); }

Result<std::shared_ptr<const storage::ObjectStore>> SnapshotCache::OpenStore(
    const std::string& location) {
  if (options_.open_store) {
    return options_.open_store(location);
  }
  LS_ASSIGN_OR_RETURN(auto store, storage::OpenObjectStore(location, options_.store_options));
  return std::shared_ptr<const storage::ObjectStore>(std::move(store));
}

SnapshotOptions SnapshotCache::LoadOptions() const {
  SnapshotOptions so;
  so.check_protocol = options_.check_protocol;
  return so;
}

size_t SnapshotCache::MaxLineBytes() const {
  return options_.max_json_line_bytes != 0 ? options_.max_json_line_bytes : kMaxJsonLineBytes;
}

std::optional<Error> SnapshotCache::RememberedFailure(Slot& slot, int64_t now) {
  MutexLock lock(mu_);
  if (!slot.failure) {
    return std::nullopt;
  }
  if (now - slot.failed_ms >= options_.failure_ttl_ms) {
    // Expired: forget it now (the caller loads again and NoteOutcome decides anew), so that no
    // other path counts it while the load runs.
    ForgetFailure(slot);
    return std::nullopt;
  }
  ++stats_.failure_hits;
  return slot.failure;
}

void SnapshotCache::ForgetFailure(Slot& slot) {
  if (slot.failure) {
    slot.failure.reset();
    --failures_;
  }
}

SnapshotCache::SlotMap::iterator SnapshotCache::EraseSlot(SlotMap::iterator it) {
  Slot& slot = *it->second;
  // A thread may still hold the slot (it loads into it): the failure leaves with the entry, so
  // that failures_ counts exactly the entries that hold one.
  ForgetFailure(slot);
  total_bytes_ -= slot.bytes;
  slot.bytes = 0;
  if (slot.in_lru) {
    lru_.erase(slot.lru_position);
    slot.in_lru = false;
  }
  return slots_.erase(it);
}

void SnapshotCache::NoteOutcome(const std::string& key, const std::shared_ptr<Slot>& slot,
                                const Error* error, int64_t now) {
  MutexLock lock(mu_);
  auto it = slots_.find(key);
  if (it == slots_.end() || it->second != slot) {
    return;  // invalidated, evicted or dropped while it loaded: nothing of it is counted
  }
  ForgetFailure(*slot);
  if (!error || !IsTableContentError(*error) || options_.failure_ttl_ms <= 0) {
    return;
  }
  if (failures_ >= options_.max_failures) {
    DropExpiredFailures(now);
  }
  if (failures_ >= options_.max_failures) {
    ForgetOldestFailure();
  }
  if (failures_ >= options_.max_failures) {
    return;  // max_failures 0
  }
  slot->failure = *error;
  slot->failed_ms = now;
  ++failures_;
  ++stats_.failures_remembered;
}

void SnapshotCache::DropExpiredFailures(int64_t now) {
  for (auto it = slots_.begin(); it != slots_.end();) {
    Slot& slot = *it->second;
    if (slot.failure && now - slot.failed_ms >= options_.failure_ttl_ms) {
      ForgetFailure(slot);
      if (slot.bytes == 0) {
        // Nothing accounted in it (no snapshot, or one whose Account is still to come: dropping
        // that is an eviction): the entry only held the failure, so it leaves with it.
        it = EraseSlot(it);
        continue;
      }
    }
    ++it;
  }
}

void SnapshotCache::ForgetOldestFailure() {
  auto oldest = slots_.end();
  for (auto it = slots_.begin(); it != slots_.end(); ++it) {
    if (it->second->failure &&
        (oldest == slots_.end() || it->second->failed_ms < oldest->second->failed_ms)) {
      oldest = it;
    }
  }
  if (oldest == slots_.end()) {
    return;
  }
  ForgetFailure(*oldest->second);
  if (oldest->second->bytes == 0) {
    EraseSlot(oldest);  // it only held the failure
  }
}

void SnapshotCache::DropEmpty(const std::string& key, const std::shared_ptr<Slot>& slot) {
  MutexLock lock(mu_);
  auto it = slots_.find(key);
  if (slot->failure || it == slots_.end() || it->second != slot) {
    return;
  }
  EraseSlot(it);
}

std::shared_ptr<SnapshotCache::Slot> SnapshotCache::Acquire(const std::string& key) {
  MutexLock lock(mu_);
  auto& slot = slots_[key];
  if (!slot) {
    slot = std::make_shared<Slot>();
  }
  if (slot->in_lru) {
    lru_.erase(slot->lru_position);
  }
  lru_.push_front(key);
  slot->lru_position = lru_.begin();
  slot->in_lru = true;
  return slot;
}

void SnapshotCache::Account(const std::string& key, const std::shared_ptr<Slot>& slot,
                            size_t bytes) {
  MutexLock lock(mu_);
  auto it = slots_.find(key);
  if (it == slots_.end() || it->second != slot) {
    return;  // invalidated meanwhile
  }
  total_bytes_ = total_bytes_ - slot->bytes + bytes;
  slot->bytes = bytes;
  // Evict least recently used entries (never the one just filled).
  while (total_bytes_ > options_.memory_budget_bytes && lru_.size() > 1) {
    const std::string victim = lru_.back();
    if (victim == key) {
      break;
    }
    auto v = slots_.find(victim);
    if (v == slots_.end()) {
      lru_.pop_back();
      continue;
    }
    EraseSlot(v);
    ++stats_.evictions;
  }
}

Result<std::shared_ptr<const Snapshot>> SnapshotCache::GetLatest(const std::string& location) {
  auto slot = Acquire(location);
  MutexLock slot_lock(slot->mu);
  const int64_t now = Now();
  if (slot->snapshot && now - slot->checked_ms < options_.refresh_interval_ms) {
    MutexLock lock(mu_);
    ++stats_.hits;
    return slot->snapshot;
  }
  if (auto failure = RememberedFailure(*slot, now)) {
    return tl::unexpected(std::move(*failure));
  }
  Result<std::shared_ptr<const Snapshot>> result;
  bool full = false;
  if (slot->snapshot) {
    result = Snapshot::Refresh(slot->snapshot, options_.check_protocol);
  } else {
    if (!slot->store) {
      auto store = OpenStore(location);
      if (!store) {
        DropEmpty(location, slot);
        return tl::unexpected(std::move(store.error()));
      }
      slot->store = std::move(*store);
    }
    if (!slot->timeline) {
      slot->timeline = CommitTimelineBudget::NewTimeline(timelines_);
    }
    SnapshotOptions so = LoadOptions();
    so.timeline = slot->timeline;
    result = LoadSnapshot(slot->store, so, MaxLineBytes());
    full = true;
  }
  NoteOutcome(location, slot, result ? nullptr : &result.error(), now);
  if (!result) {
    if (!slot->snapshot) DropEmpty(location, slot);
    return result;
  }
  slot->snapshot = *result;
  slot->checked_ms = now;
  size_t bytes = (*result)->MemoryUsage();
  slot_lock.Unlock();
  {
    MutexLock lock(mu_);
    ++(full ? stats_.full_loads : stats_.refreshes);
  }
  Account(location, slot, bytes);
  return result;
}

Result<std::shared_ptr<const Snapshot>> SnapshotCache::GetVersion(const std::string& location,
                                                                  Version version) {
  if (version < 0) {
    return InvalidArgument("Invalid table version {}", version);
  }
  LS_ASSIGN_OR_RETURN(auto latest, GetLatest(location));
  if (latest->version() == version) {
    return latest;
  }
  if (version > latest->version()) {
    return NotFound("Table version {} does not exist: the latest version is {}", version,
                    latest->version());
  }
  const std::string key = VersionKey(location, version);
  auto slot = Acquire(key);
  MutexLock slot_lock(slot->mu);
  if (slot->snapshot) {
    MutexLock lock(mu_);
    ++stats_.hits;
    return slot->snapshot;
  }
  const int64_t now = Now();
  if (auto failure = RememberedFailure(*slot, now)) {
    return tl::unexpected(std::move(*failure));
  }
  SnapshotOptions so = LoadOptions();
  so.version = version;
  auto loaded = LoadSnapshot(latest->store(), so, MaxLineBytes());
  NoteOutcome(key, slot, loaded ? nullptr : &loaded.error(), now);
  if (!loaded) {
    DropEmpty(key, slot);
    return loaded;
  }
  std::shared_ptr<const Snapshot> snap = std::move(*loaded);
  slot->snapshot = snap;
  size_t bytes = snap->MemoryUsage();
  slot_lock.Unlock();
  {
    MutexLock lock(mu_);
    ++stats_.full_loads;
  }
  Account(key, slot, bytes);
  return snap;
}

void SnapshotCache::Invalidate(const std::string& location) {
  MutexLock lock(mu_);
  const std::string prefix = location + "\n@";
  for (auto it = slots_.begin(); it != slots_.end();) {
    if (it->first == location || it->first.compare(0, prefix.size(), prefix) == 0) {
      it = EraseSlot(it);
    } else {
      ++it;
    }
  }
}

size_t SnapshotCache::memory_usage() const {
  MutexLock lock(mu_);
  return total_bytes_;
}

size_t SnapshotCache::num_entries() const {
  MutexLock lock(mu_);
  return slots_.size();
}

size_t SnapshotCache::num_failures() const {
  MutexLock lock(mu_);
  return failures_;
}

long HoldersForTest(const SnapshotCache& cache, const std::string& location) {
  MutexLock lock(cache.mu_);
  auto it = cache.slots_.find(location);
  return it == cache.slots_.end() ? 0 : it->second.use_count() - 1;  // the map's reference aside
}

SnapshotCacheStats SnapshotCache::stats() const {
  MutexLock lock(mu_);
  return stats_;
}

}  // namespace lakeshare::delta
