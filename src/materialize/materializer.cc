#include "materialize/materializer.h"

#include <algorithm>
#include <deque>
#include <list>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/mutex.h"

namespace lakeshare::materialize {

namespace {

void RecordIn(const FileRequest& request, const std::string& key, Ledger::Outcome outcome,
              const Result<CachedFile>& result, int64_t rows_read = 0) {
  if (!request.ledger) return;
  if (!result) {
    request.ledger->Record(key, request.file.path, Ledger::Outcome::kFailed, 0, 0, 0,
                           result.error().message);
    return;
  }
  request.ledger->Record(key, request.file.path, outcome, result->size, rows_read, result->rows);
}

}  // namespace

std::string FileRequest::CachePath() const {
  return materialize::CachePath(table_key, file.path,
                                file.deletion_vector ? file.deletion_vector->UniqueId() : "",
                                transform_id);
}

// An entry being loaded, built or evicted; waiters block on State::cv until `done`. Waiters of
// an eviction look again (the entry is gone when it ends).
struct Flight {
  bool done = false;
  bool eviction = false;
  Result<CachedFile> result = CachedFile();
};

// The requests of one Prepare call still queued or being built.
struct Batch {
  int64_t remaining = 0;
  std::optional<Error> first_error;
};

// An entry known to be in the cache store. `file` is unset for entries listed at start-up until
// a request reads their JSON.
struct IndexEntry {
  std::string key;
  int64_t bytes = 0;
  int64_t last_used_ms = 0;
  std::optional<CachedFile> file;
};

// Flights and batches are guarded by State::mu too (they are shared between its waiters).
struct Materializer::State {
  Mutex mu;
  CondVar cv;       // a flight or a batch made progress
  CondVar work_cv;  // the queue grew, or stopping
  bool stopping LS_GUARDED_BY(mu) = false;
  // The index: entries in the cache store, most recently used first.
  std::list<IndexEntry> lru LS_GUARDED_BY(mu);
  std::unordered_map<std::string, std::list<IndexEntry>::iterator> index LS_GUARDED_BY(mu);
  int64_t total_bytes LS_GUARDED_BY(mu) = 0;
  CacheStats counters LS_GUARDED_BY(mu);
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights LS_GUARDED_BY(mu);
  std::deque<std::pair<FileRequest, std::shared_ptr<Batch>>> queue LS_GUARDED_BY(mu);
  // Recent failures by key: the error, and until when (monotonic ms) it is the answer; oldest
  // first.
  std::unordered_map<std::string, std::pair<Error, int64_t>> failures LS_GUARDED_BY(mu);
  std::deque<std::string> failure_order LS_GUARDED_BY(mu);
  // Filled by Create before any request; read-only afterwards.
  std::vector<std::thread> workers;

  // True while the index holds more than the bounds allow with `incoming` bytes more.
  bool Over(const MaterializerOptions& options, int64_t incoming) const LS_REQUIRES(mu) {
    return (options.max_bytes > 0 && total_bytes + incoming > options.max_bytes) ||
           (options.max_entries > 0 && index.size() + 1 > options.max_entries);
  }
  // The remembered failure of `key`, unless it expired (then forgotten).
  std::optional<Error> RecentFailure(const std::string& key, int64_t monotonic_ms) LS_REQUIRES(mu) {
    auto it = failures.find(key);
    if (it == failures.end()) return std::nullopt;
    if (it->second.second > monotonic_ms) return it->second.first;
    failures.erase(it);
    return std::nullopt;
  }
  // After a build of `key` ended: a failure that retrying cannot mend at once is remembered
  // (within the bound); a success forgets an earlier failure.
  void NoteOutcome(const MaterializerOptions& options, const std::string& key,
                   const Result<CachedFile>& result, int64_t monotonic_ms) LS_REQUIRES(mu) {
    if (result || result.error().code == ErrorCode::kUnavailable ||
        options.failure_memory.count() <= 0 || options.max_failures == 0) {
      failures.erase(key);
      return;
    }
    if (!failures.contains(key)) failure_order.push_back(key);
    const int64_t until_ms = monotonic_ms + options.failure_memory.count();
    failures.insert_or_assign(key, std::pair(result.error(), until_ms));
    while (failures.size() > options.max_failures ||
           failure_order.size() > 2 * options.max_failures) {
      failures.erase(failure_order.front());  // may be gone already: erase is a no-op then
      failure_order.pop_front();
    }
  }
  // The entry, now most recently used.
  IndexEntry* Touch(const std::string& key, int64_t now_ms) LS_REQUIRES(mu) {
    auto it = index.find(key);
    if (it == index.end()) return nullptr;
    lru.splice(lru.begin(), lru, it->second);
    it->second->last_used_ms = std::max(it->second->last_used_ms, now_ms);
    return &*it->second;
  }
  void Remember(const std::string& key, int64_t bytes, int64_t used_ms,
                std::optional<CachedFile> file) LS_REQUIRES(mu) {
    if (IndexEntry* e = Touch(key, used_ms)) {
      if (file) e->file = std::move(file);
      return;
    }
    lru.push_front(IndexEntry{key, bytes, used_ms, std::move(file)});
    index[key] = lru.begin();
    total_bytes += bytes;
  }
};

namespace {

// Bytes an entry takes in the cache store: its Parquet file and (about) its JSON.
int64_t EntryBytes(const CachedFile& f) {
  return f.size + static_cast<int64_t>(f.stats_json.size()) + 64;
}

constexpr std::string_view kParquetSuffix = ".parquet";
constexpr std::string_view kJsonSuffix = ".json";

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Result<std::unique_ptr<Materializer>> Materializer::Create(MaterializerOptions options) {
  if (!options.cache) return InvalidArgument("the materializer needs a cache store");
  std::unique_ptr<Materializer> m(new Materializer(std::move(options)));
  LS_RETURN_IF_ERROR(m->LoadIndex());
  for (int i = 0; i < m->options_.threads; ++i) {
    m->state_->workers.emplace_back([raw = m.get()] { raw->Work(); });
  }
  return m;
}

Materializer::Materializer(MaterializerOptions options)
    : options_(std::move(options)), state_(std::make_unique<State>()) {}

Materializer::~Materializer() {
  {
    MutexLock lock(state_->mu);
    state_->stopping = true;
    state_->queue.clear();
  }
  state_->work_cv.SignalAll();
  for (auto& t : state_->workers) t.join();
}

// Entries of earlier runs: a JSON and its Parquet file; last used when the file was written.
// Parquet files without a JSON (a build cut short) are not entries and are not counted.
Status Materializer::LoadIndex() {
  LS_ASSIGN_OR_RETURN(std::vector<storage::ObjectInfo> objects, options_.cache->List(""));
  std::unordered_map<std::string, const storage::ObjectInfo*> parquet_files;
  for (const auto& o : objects) {
    if (EndsWith(o.path, kParquetSuffix)) parquet_files[o.path] = &o;
  }
  std::vector<IndexEntry> found;
  for (const auto& o : objects) {
    if (!EndsWith(o.path, kJsonSuffix)) continue;
    const std::string key =
        o.path.substr(0, o.path.size() - kJsonSuffix.size()) + std::string(kParquetSuffix);
    auto p = parquet_files.find(key);
    if (p == parquet_files.end()) continue;
    found.push_back(IndexEntry{key, p->second->size + o.size, p->second->last_modified_ms, {}});
  }
  std::sort(found.begin(), found.end(), [](const IndexEntry& a, const IndexEntry& b) {
    return a.last_used_ms < b.last_used_ms;
  });
  MutexLock lock(state_->mu);
  for (IndexEntry& e : found) state_->Remember(e.key, e.bytes, e.last_used_ms, std::nullopt);
  return OkStatus();
}

bool Materializer::MakeRoom(int64_t incoming) {
  struct Victim {
    std::string key;
    int64_t bytes = 0;
    std::shared_ptr<Flight> flight;
    std::optional<Error> failed;  // the delete's error
  };
  std::vector<Victim> victims;
  bool fits = true;
  {
    State& s = *state_;
    MutexLock lock(s.mu);
    const int64_t in_use_after = NowMs() - options_.in_use_for.count();
    while (s.Over(options_, incoming) && !s.lru.empty()) {
      IndexEntry& oldest = s.lru.back();
      // Most recently used first: when the oldest is in use, every entry is.
      if (oldest.last_used_ms > in_use_after || s.flights.count(oldest.key) > 0) break;
      auto flight = std::make_shared<Flight>();
      flight->eviction = true;
      s.flights.emplace(oldest.key, flight);
      victims.push_back(Victim{oldest.key, oldest.bytes, std::move(flight), std::nullopt});
      s.total_bytes -= oldest.bytes;
      s.index.erase(oldest.key);
      s.lru.pop_back();
    }
    fits = !s.Over(options_, incoming);
  }
  if (victims.empty()) {
    if (!fits) {
      MutexLock lock(state_->mu);
      ++state_->counters.refused;
    }
    return fits;
  }
  for (Victim& v : victims) {
    // The JSON first: an entry exists exactly when its JSON does. When it stays, so does the
    // entry; when only the Parquet file stays, its bytes still take room until it is rebuilt.
    const std::string json_key =
        v.key.substr(0, v.key.size() - kParquetSuffix.size()) + std::string(kJsonSuffix);
    Status deleted = options_.cache->Delete(json_key);
    if (deleted) deleted = options_.cache->Delete(v.key);
    if (!deleted) v.failed = deleted.error();
  }
  int64_t failures = 0;
  {
    State& s = *state_;
    MutexLock lock(s.mu);
    for (Victim& v : victims) {
      if (v.failed) {
        // Still in the cache store: counted again (its JSON is read again when asked for), as
        // used now, so that it is tried again only once it could leave use, others first.
        ++failures;
        s.Remember(v.key, v.bytes, NowMs(), std::nullopt);
      }
      v.flight->done = true;
      s.flights.erase(v.key);
    }
    s.counters.evictions += static_cast<int64_t>(victims.size()) - failures;
    s.counters.eviction_failures += failures;
    fits = !s.Over(options_, incoming);
    if (!fits) ++s.counters.refused;
  }
  state_->cv.SignalAll();
  for (const Victim& v : victims) {
    if (!v.failed || !options_.on_event) continue;
    MaterializeEvent event;
    event.kind = MaterializeEvent::Kind::kEvictionFailed;
    event.cache_path = v.key;
    event.bytes = v.bytes;
    event.error = v.failed->message;
    options_.on_event(event);
  }
  return fits;
}

Result<CachedFile> Materializer::Get(const FileRequest& request) {
  const std::string key = request.CachePath();
  std::shared_ptr<Flight> flight;
  {
    MutexLock lock(state_->mu);
    for (;;) {
      IndexEntry* e = state_->Touch(key, NowMs());
      if (e != nullptr && e->file) {
        ++state_->counters.hits;
        Result<CachedFile> hit = *e->file;
        lock.Unlock();
        RecordIn(request, key, Ledger::Outcome::kCached, hit);
        return hit;
      }
      auto it = state_->flights.find(key);
      if (it == state_->flights.end()) break;
      std::shared_ptr<Flight> other = it->second;
      while (!other->done) state_->cv.Wait(state_->mu);
      if (!other->eviction) {
        // Built (or failed) by another request: this one is served it too.
        Result<CachedFile> shared = other->result;
        lock.Unlock();
        RecordIn(request, key, Ledger::Outcome::kCached, shared);
        return shared;
      }
    }
    flight = std::make_shared<Flight>();
    state_->flights.emplace(key, flight);
  }
  const int64_t start_ms = MonotonicMs();
  MaterializeEvent event;
  event.table_key = request.table_key;
  event.source_path = request.file.path;
  event.cache_path = key;
  event.for_whom = request.for_whom;
  Result<CachedFile> result = [&]() -> Result<CachedFile> {
    LS_ASSIGN_OR_RETURN(std::optional<CachedFile> found, ReadCacheEntry(*options_.cache, key));
    if (found) {
      event.kind = MaterializeEvent::Kind::kReused;
      event.bytes = found->size;
      event.rows_written = found->rows;
      return *found;
    }
    if (!MakeRoom(std::max<int64_t>(request.file.size, 0))) {
      return Errorf(ErrorCode::kUnavailable,
                    "the materialization cache is full of files in use (bound {} bytes, {} "
                    "entries); retry once their URLs expire, or raise the bound",
                    options_.max_bytes, options_.max_entries);
    }
    BuildStats stats;
    LS_ASSIGN_OR_RETURN(CachedFile built,
                        BuildCacheEntry(*request.table_store, request.file, *request.transform,
                                        *options_.cache, key, options_.parquet, &stats));
    event.kind = MaterializeEvent::Kind::kBuilt;
    event.rows_read = stats.rows_read;
    event.rows_written = stats.rows_written;
    event.bytes = built.size;
    return built;
  }();
  event.millis = MonotonicMs() - start_ms;
  if (!result) {
    event.kind = MaterializeEvent::Kind::kFailed;
    event.error = result.error().message;
  }
  if (options_.on_event) options_.on_event(event);
  RecordIn(request, key,
           event.kind == MaterializeEvent::Kind::kBuilt ? Ledger::Outcome::kBuilt
                                                        : Ledger::Outcome::kReused,
           result, event.rows_read);
  {
    MutexLock lock(state_->mu);
    if (result) {
      if (event.kind == MaterializeEvent::Kind::kBuilt) ++state_->counters.builds;
      state_->Remember(key, EntryBytes(*result), NowMs(), *result);
    }
    state_->NoteOutcome(options_, key, result, MonotonicMs());
    flight->done = true;
    flight->result = result;
    state_->flights.erase(key);
  }
  state_->cv.SignalAll();
  return result;
}

CacheStats Materializer::stats() const {
  MutexLock lock(state_->mu);
  CacheStats out = state_->counters;
  out.entries = static_cast<int64_t>(state_->index.size());
  out.bytes = state_->total_bytes;
  return out;
}

Result<PrepareOutcome> Materializer::Prepare(std::vector<FileRequest> requests,
                                             std::chrono::milliseconds wait) {
  auto batch = std::make_shared<Batch>();
  PrepareOutcome outcome;
  std::vector<FileRequest> inline_work;
  {
    MutexLock lock(state_->mu);
    std::unordered_set<std::string> seen;
    for (FileRequest& r : requests) {
      std::string key = r.CachePath();
      if (!seen.insert(key).second) continue;
      ++outcome.files;
      if (state_->Touch(key, NowMs()) != nullptr) continue;  // cached: in use from now
      if (std::optional<Error> failed = state_->RecentFailure(key, MonotonicMs())) {
        RecordIn(r, key, Ledger::Outcome::kFailed, tl::unexpected<Error>(*failed));
        if (!batch->first_error) batch->first_error = std::move(failed);
        continue;
      }
      ++batch->remaining;
      if (state_->workers.empty()) {
        inline_work.push_back(std::move(r));
      } else {
        state_->queue.emplace_back(std::move(r), batch);
      }
    }
  }
  state_->work_cv.SignalAll();
  for (const FileRequest& r : inline_work) {
    auto got = Get(r);
    MutexLock lock(state_->mu);
    --batch->remaining;
    if (!got && !batch->first_error) batch->first_error = got.error();
  }
  // A real wait on the condition variable: its deadline is on steady_clock (the clock CondVar
  // waits on), not on options_.clock, which a test may hold still.
  const auto deadline = std::chrono::steady_clock::now() + wait;
  MutexLock lock(state_->mu);
  while (batch->remaining != 0 && !batch->first_error) {
    if (!state_->cv.WaitUntil(state_->mu, deadline)) break;
  }
  if (batch->first_error) return tl::unexpected<Error>(*batch->first_error);
  outcome.pending = batch->remaining;
  return outcome;
}

void Materializer::Work() {
  for (;;) {
    std::pair<FileRequest, std::shared_ptr<Batch>> job;
    {
      MutexLock lock(state_->mu);
      while (!state_->stopping && state_->queue.empty()) state_->work_cv.Wait(state_->mu);
      if (state_->stopping) return;
      job = std::move(state_->queue.front());
      state_->queue.pop_front();
      // A batch that already failed needs no more work.
      if (job.second->first_error) {
        --job.second->remaining;
        state_->cv.SignalAll();
        continue;
      }
    }
    auto got = Get(job.first);
    {
      MutexLock lock(state_->mu);
      --job.second->remaining;
      if (!got && !job.second->first_error) job.second->first_error = got.error();
    }
    state_->cv.SignalAll();
  }
}

}  // namespace lakeshare::materialize
