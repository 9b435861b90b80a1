// SnapshotCache: snapshots kept per table location for the sharing server. The latest snapshot
// of a table is refreshed incrementally (Snapshot::Refresh reads only the commits after the cached
// version), at most once per `refresh_interval_ms`; historical versions are cached too. Memory is
// bounded by a budget over Snapshot::MemoryUsage(), evicting the least recently used entries
// (snapshots still held by callers stay alive until released). A load that fails because of the
// table's content (a corrupt log or checkpoint, an unsupported feature: IsTableContentError) is
// remembered for `failure_ttl_ms` under the same key, so a provider's hostile log costs its work
// once per TTL and not once per partner request; storage outages (kUnavailable, kNotFound, ...)
// are never remembered. Invalidate drops remembered failures too. Each table's latest snapshots
// share one commit timeline (Snapshot::timeline()), bounded by `timelines`.
// Thread-safe: lookups of different tables proceed in parallel; concurrent requests for one
// table share a single load or refresh.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/clock.h"
#include "common/mutex.h"
#include "common/result.h"
#include "delta/commit_timeline.h"
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
  /// How long a failed load caused by the table's content is answered from memory (monotonic ms;
  /// 0: never remembered). Short, so that a fixed log is picked up soon.
  int64_t failure_ttl_ms = 5000;
  /// At most this many remembered failures (past it, a new one replaces the oldest).
  size_t max_failures = 1024;
  /// The longest line of a JSON commit or checkpoint a load reads; 0: kMaxJsonLineBytes
  /// (delta/action_reader_internal.h). Tests set a small one.
  size_t max_json_line_bytes = 0;
  /// Bounds of the tables' commit timelines (delta/commit_timeline.h: timestamp time travel
  /// lists only the commits written since the previous request).
  CommitTimelineLimits timelines;
};

struct SnapshotCacheStats {
  int64_t hits = 0;       // returned without touching storage
  int64_t refreshes = 0;  // incremental refreshes (including "no change")
  int64_t full_loads = 0;
  int64_t evictions = 0;
  int64_t failures_remembered = 0;  // failed loads kept for failure_ttl_ms
  int64_t failure_hits = 0;         // answered with a remembered failure, without storage
};

/// True for errors that come from what a table holds (kCorrupt, kUnsupported, kInvalidArgument)
/// and will recur on the same log; false for outages, missing objects and out-of-memory
/// (kResourceExhausted: other loads may have caused it).
bool IsTableContentError(const Error& error);

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
  /// Entries holding a remembered failure (at most max_failures).
  size_t num_failures() const;
  SnapshotCacheStats stats() const;

 private:
  // Tests only (delta/snapshot_internal.h): how many requests hold an entry now.
  friend long HoldersForTest(const SnapshotCache& cache, const std::string& location);

  struct Slot;
  using Lru = std::list<std::string>;
  using SlotMap = std::unordered_map<std::string, std::shared_ptr<Slot>>;

  std::shared_ptr<Slot> Acquire(const std::string& key) LS_EXCLUDES(mu_);
  /// The failure remembered in `slot` when still fresh (counted as a hit).
  std::optional<Error> RememberedFailure(Slot& slot, int64_t now) LS_EXCLUDES(mu_);
  /// After a load into `slot`: remember `error` when it comes from the table's content and there
  /// is room; forget the slot's failure on success (`error` null). Nothing when `slot` is no
  /// longer `key`'s entry (invalidated, evicted or dropped while it loaded).
  void NoteOutcome(const std::string& key, const std::shared_ptr<Slot>& slot, const Error* error,
                   int64_t now) LS_EXCLUDES(mu_);
  /// Reset `slot`'s failure, if any, and uncount it. Invariant: only entries of slots_ hold one.
  void ForgetFailure(Slot& slot) LS_REQUIRES(mu_);
  /// Erase an entry (its failure and bytes uncounted, out of the LRU); the next entry.
  SlotMap::iterator EraseSlot(SlotMap::iterator it) LS_REQUIRES(mu_);
  void DropExpiredFailures(int64_t now) LS_REQUIRES(mu_);
  /// Forget the failure remembered longest (its entry leaves with it when that is all it held).
  void ForgetOldestFailure() LS_REQUIRES(mu_);
  /// Drop `key`'s slot after a failed load left it empty (no snapshot: the caller holds
  /// slot->mu and saw none) unless it remembers the failure: a request for a version that fails
  /// leaves no entry behind.
  void DropEmpty(const std::string& key, const std::shared_ptr<Slot>& slot) LS_EXCLUDES(mu_);
  SnapshotOptions LoadOptions() const;
  size_t MaxLineBytes() const;
  void Account(const std::string& key, const std::shared_ptr<Slot>& slot, size_t bytes)
      LS_EXCLUDES(mu_);
  Result<std::shared_ptr<const storage::ObjectStore>> OpenStore(const std::string& location);
  int64_t Now() const;

  SnapshotCacheOptions options_;
  const std::shared_ptr<CommitTimelineBudget> timelines_;
  mutable Mutex mu_;
  SlotMap slots_ LS_GUARDED_BY(mu_);
  Lru lru_ LS_GUARDED_BY(mu_);  // most recently used first
  size_t total_bytes_ LS_GUARDED_BY(mu_) = 0;
  size_t failures_ LS_GUARDED_BY(mu_) = 0;  // slots holding a remembered failure
  SnapshotCacheStats stats_ LS_GUARDED_BY(mu_);
};

}  // namespace lakeshare::delta
