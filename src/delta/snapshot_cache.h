// SnapshotCache: snapshots kept per table location for the sharing server. The latest snapshot
// of a table is refreshed incrementally (Snapshot::Refresh reads only the commits after the cached
// version), at most once per `refresh_interval_ms`; historical versions are cached too. Memory is
// bounded by a budget over Snapshot::MemoryUsage(), evicting the least recently used entries
// (snapshots still held by callers stay alive until released).
// Thread-safe: lookups of different tables proceed in parallel; concurrent requests for one
// table share a single load or refresh.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/result.h"
#include "delta/snapshot.h"
#include "storage/object_store.h"

namespace lakeshare::delta {

struct SnapshotCacheOptions {
  size_t memory_budget_bytes = size_t{1} << 30;
  /// A cached latest snapshot younger than this is returned without listing the log.
  int64_t refresh_interval_ms = 0;
  /// Its monotonic reading ages cached snapshots (common/clock.h); null: the system clock.
  const Clock* clock = nullptr;
  /// How to open a table location; defaults to storage::OpenObjectStore(location, store_options).
  std::function<Result<std::shared_ptr<const storage::ObjectStore>>(const std::string&)> open_store;
  storage::StoreOptions store_options;
  bool check_protocol = true;
};

struct SnapshotCacheStats {
  int64_t hits = 0;       // returned without touching storage
  int64_t refreshes = 0;  // incremental refreshes (including "no change")
  int64_t full_loads = 0;
  int64_t evictions = 0;
};

class SnapshotCache {
 public:
  explicit SnapshotCache(SnapshotCacheOptions options = {});
  ~SnapshotCache();

  /// The latest snapshot of the table at `location`.
  Result<std::shared_ptr<const Snapshot>> GetLatest(const std::string& location);
  /// The snapshot at `version` (served from the latest snapshot when it is that version).
  Result<std::shared_ptr<const Snapshot>> GetVersion(const std::string& location, Version version);
  /// Drop every cached snapshot of a location.
  void Invalidate(const std::string& location);

  size_t memory_usage() const;
  size_t num_entries() const;
  SnapshotCacheStats stats() const;

 private:
  struct Slot;
  using Lru = std::list<std::string>;

  std::shared_ptr<Slot> Acquire(const std::string& key) LS_EXCLUDES(mu_);
  void Account(const std::string& key, const std::shared_ptr<Slot>& slot, size_t bytes)
      LS_EXCLUDES(mu_);
  Result<std::shared_ptr<const storage::ObjectStore>> OpenStore(const std::string& location);
  int64_t Now() const;

  SnapshotCacheOptions options_;
  mutable Mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Slot>> slots_ LS_GUARDED_BY(mu_);
  Lru lru_ LS_GUARDED_BY(mu_);  // most recently used first
  size_t total_bytes_ LS_GUARDED_BY(mu_) = 0;
  SnapshotCacheStats stats_ LS_GUARDED_BY(mu_);
};

}  // namespace lakeshare::delta
