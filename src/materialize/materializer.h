// Materializer: the materialization engine as a long-lived service of the sharing server. It
// owns the cache store (a local folder or a prefix of an object store) and a pool of workers,
// and hands out rewritten files (cache_entry.h) on demand:
// - Get(request) returns the cached file, building it now when it is not cached. Two requests for
//   the same entry never build it twice in this process: the second waits for the first.
// - Prepare(requests, wait) builds every missing entry of a response on the workers (both cores)
//   and waits at most `wait`; work that is not done by then goes on in the background, so that the
//   client's retry (or an asynchronous query's poll) finds it cached.
// Entries found are remembered in an in-memory index (size, rows, statistics, last use), so a
// response over cached files reads nothing from the cache store. The index is loaded from the
// cache store when the materializer starts (entries written before a restart count and are
// reused).
// Bounded: the cache holds at most `max_bytes` and `max_entries`. When a new entry would pass a
// bound, the least recently used entries are deleted from the cache store first, except entries
// in use: handed out within `in_use_for` (the lifetime of the URLs that name them) or being
// built. When only entries in use remain, a file that is not cached yet is refused with
// kUnavailable (the client retries; entries leave use as their URLs expire), so the cache never
// grows past its bound by more than the files being built at that moment. A delete of the cache
// store that fails is not taken for done: the entry keeps counting, the request that needed the
// room is refused with kUnavailable when it still does not fit, and the failure is counted
// (CacheStats::eviction_failures) and reported (MaterializeEvent::Kind::kEvictionFailed).
// Thread-safety: every method may be called concurrently. The destructor waits for the workers
// to finish the file each is building and drops the queue.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "materialize/cache_entry.h"
#include "materialize/ledger.h"
#include "parquet/file_writer.h"
#include "storage/object_store.h"

namespace lakeshare::materialize {

/// One file of one table for one transform.
struct FileRequest {
  std::shared_ptr<const storage::ObjectStore> table_store;
  std::string table_key;  // TableKey(store, Delta table id)
  SourceFile file;
  std::shared_ptr<const Transform> transform;
  std::string transform_id;  // transform->Identity(), computed once per response
  std::string for_whom;      // the recipient (logs and audit), never part of the key
  /// The audit record of the request this file is for (ledger.h); null: none. Every Get of this
  /// request records its outcome there, cache hits included.
  std::shared_ptr<Ledger> ledger;

  /// The entry's path in the cache store.
  std::string CachePath() const;
};

/// Something the materializer did, for logs, metrics and the audit.
struct MaterializeEvent {
  /// kEvictionFailed: deleting an evicted entry from the cache store failed (cache_path, error);
  /// the entry stays counted against the bounds.
  enum class Kind { kBuilt, kReused, kFailed, kEvictionFailed };
  Kind kind = Kind::kBuilt;
  std::string table_key;
  std::string source_path;
  std::string cache_path;
  std::string for_whom;
  int64_t rows_read = 0;
  int64_t rows_written = 0;
  int64_t bytes = 0;
  int64_t millis = 0;
  std::string error;  // kFailed
};

struct MaterializerOptions {
  std::shared_ptr<storage::ObjectStore> cache;
  /// Workers of Prepare (0: none, Prepare builds in the caller's thread).
  int threads = 2;
  /// Bounds of the cache store (bytes of Parquet files and their JSON; entries); 0: no bound.
  int64_t max_bytes = 0;
  size_t max_entries = 100'000;
  /// An entry handed out this recently is in use (its URLs may still be fetched): never evicted.
  std::chrono::milliseconds in_use_for = std::chrono::hours(1);
  /// How long a failed build is answered with its error before it is tried again, so that a
  /// retry or an asynchronous query's poll learns of a failure that ended after its own wait
  /// (instead of starting the same failing build again and answering "pending"). Failures the
  /// caller may retry at once (kUnavailable: the cache full, the store unreachable) are not kept.
  /// At most `max_failures` are kept (the oldest go first); 0 ms: none.
  std::chrono::milliseconds failure_memory = std::chrono::minutes(1);
  size_t max_failures = 4096;
  /// The clock (common/clock.h); null: the system clock. Its wall clock stamps last use (compared
  /// with the cache store's modification times of entries of earlier runs); its monotonic clock
  /// times builds and how long a failure is remembered.
  const Clock* clock = nullptr;
  parquet::WriterOptions parquet;
  /// Called for every entry built, found in the cache store, or failed (any thread; must be
  /// thread-safe and quick).
  std::function<void(const MaterializeEvent&)> on_event;
};

/// Counters of the cache since the materializer started.
struct CacheStats {
  int64_t entries = 0;    // in the cache store now
  int64_t bytes = 0;      // in the cache store now
  int64_t hits = 0;       // requests answered from the index
  int64_t builds = 0;     // entries written
  int64_t evictions = 0;  // entries deleted to stay within the bounds
  int64_t eviction_failures = 0;  // entries whose delete failed (they stay, and count)
  int64_t refused = 0;    // requests refused because the cache was full of entries in use
};

/// The state of a Prepare call.
struct PrepareOutcome {
  int64_t files = 0;    // entries the response needs
  int64_t pending = 0;  // still being built when the wait ended
};

class Materializer {
 public:
  /// kInvalidArgument without a cache store; the cache store's errors when it cannot be listed.
  static Result<std::unique_ptr<Materializer>> Create(MaterializerOptions options);
  ~Materializer();
  Materializer(const Materializer&) = delete;
  Materializer& operator=(const Materializer&) = delete;

  const storage::ObjectStore& cache() const { return *options_.cache; }

  /// The cached file for `request`, built now if needed (see the file comment).
  Result<CachedFile> Get(const FileRequest& request);

  /// Build the missing entries among `requests` on the workers, waiting at most `wait`. The
  /// first failure is returned once every request finished or failed, at once for a failure
  /// still remembered (MaterializerOptions::failure_memory); pending work is counted.
  Result<PrepareOutcome> Prepare(std::vector<FileRequest> requests,
                                 std::chrono::milliseconds wait);

  CacheStats stats() const;

 private:
  struct State;
  explicit Materializer(MaterializerOptions options);
  void Work();
  Status LoadIndex();
  int64_t NowMs() const { return ClockOr(options_.clock).NowMs(); }
  int64_t MonotonicMs() const { return ClockOr(options_.clock).MonotonicMs(); }
  // Delete least recently used entries not in use until `incoming` more bytes fit; false when
  // they do not (the cache is full of entries in use, or a delete failed: the entry then stays
  // in the index, counted, as used now, so the next evictions try others first).
  bool MakeRoom(int64_t incoming);

  MaterializerOptions options_;
  std::unique_ptr<State> state_;
};

}  // namespace lakeshare::materialize
