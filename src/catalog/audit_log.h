// AuditLog: how audit events reach the metastore (issue 5, "Audit"), and how much of it anyone can
// make them take (issue 10). Management events are written with Write() before their response is
// sent (durable: the metastore committed them). Protocol events go through Enqueue(): a background
// thread writes them in batches, at least every `flush_interval_ms`, so they are queryable within
// a second; Stop() (and the destructor) writes everything still queued, so a graceful stop loses
// none.
//
// Bounded growth:
//  - anonymous refusals (status >= 400, no principal, no recipient) go through a
//    RefusalAggregator (audit_aggregator.h): per client address and minute the first is kept as
//    it is, the others are counted into one "anonymousRefusalsAggregated" event written when the
//    minute ended (Stop writes the open ones). Refusals of authenticated callers are all kept.
//  - the queue holds at most `max_queued` events; when the metastore cannot keep up, the oldest
//    are dropped and counted (dropped(), on_dropped), and the count itself is written as an
//    "auditEventsDropped" event as soon as there is room.
//  - retention: with `retention_ms`, events older than that are deleted once an hour (and at
//    start), a few thousand per transaction; with `export_dir` they are first appended to a JSONL
//    file there (one file per run, mode 0600, fsync'ed before the delete), in the shape of the
//    management API's audit export. Export is at-least-once: a crash between the fsync and the
//    delete exports those events again on the next run (same event_id). Several replicas on one
//    metastore may each run it; give only one of them an export folder, or each exports what it
//    deletes first.
//
// Thread-safety: every method may be called from any thread; Enqueue never blocks on the
// metastore (it runs on network threads). `catalog` must outlive the AuditLog.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "catalog/audit_aggregator.h"
#include "catalog/catalog.h"
#include "common/mutex.h"

namespace lakeshare::catalog {

struct AuditLogOptions {
  /// Queued events are written at least this often.
  int64_t flush_interval_ms = 200;
  /// At most this many events per metastore transaction.
  size_t max_batch = 2000;
  /// At most this many queued events (a few hundred bytes each); beyond it the oldest are dropped.
  size_t max_queued = 100'000;
  /// How anonymous refusals are aggregated (window_ms 0: not at all).
  RefusalAggregatorOptions aggregation{};
  /// Events older than this are deleted; 0 keeps them forever.
  int64_t retention_ms = 0;
  /// Where events are exported (JSONL) before retention deletes them; empty: deleted unexported.
  std::string export_dir{};
  /// How often retention runs.
  int64_t retention_interval_ms = 3'600'000;
  /// Called with a message when a background write fails (it is retried); null: stderr.
  std::function<void(const std::string& message)> on_error{};
  /// Called with the number of events just dropped from a full queue (a metric); null: none.
  std::function<void(uint64_t count)> on_dropped{};
  /// Called for each anonymous refusal counted into an aggregated event (a metric); null: none.
  std::function<void()> on_aggregated{};
  /// The wall clock of event times, aggregation windows and retention cutoffs (common/clock.h);
  /// null: the system clock. Waits (flush interval, backoff, retention period) take real time.
  const Clock* clock = nullptr;
};

inline constexpr std::string_view kDroppedEventsAction = "auditEventsDropped";

class AuditLog {
 public:
  AuditLog(Catalog* catalog, AuditLogOptions options = {});
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  /// Write one event now; returns when the metastore committed it.
  Status Write(const AuditEvent& event);
  /// Record the outcome of event `id`, committed earlier with its change (audit_scope.h).
  Status Finish(int64_t id, const AuditEvent& event);
  /// Queue an event for the background writer (or count it, for repeated anonymous refusals).
  void Enqueue(AuditEvent event);
  /// Write everything queued so far; returns when done (or when a write failed). Aggregated
  /// refusals of a window that has not ended yet stay counted until it ends.
  Status Flush();
  /// Flush, write the open aggregated refusals and stop the background threads. Later Enqueue
  /// calls write synchronously.
  void Stop();
  /// Export (when export_dir is set) and delete the events older than retention_ms now; returns
  /// how many were deleted. The background thread calls it once an hour.
  Result<int64_t> ApplyRetention();

  uint64_t written() const;
  uint64_t dropped() const;
  size_t queued() const;
  /// Anonymous refusals counted into aggregated events so far.
  uint64_t aggregated() const;

 private:
  void Run();
  void RunRetention();
  int64_t NowMs() const;
  /// Append `event`, dropping the oldest when full; returns how many were dropped (0 or 1).
  uint64_t PushLocked(AuditEvent event) LS_REQUIRES(mu_);
  /// Queue the aggregated events of windows ended by `now_ms` and the count of dropped events.
  void CollectLocked(int64_t now_ms) LS_REQUIRES(mu_);
  /// Write up to max_batch queued events; false when the write failed (events stay queued).
  /// Releases mu_ while the catalog writes.
  bool WriteOneBatch() LS_REQUIRES(mu_);

  Catalog* catalog_;
  AuditLogOptions options_;
  mutable Mutex mu_;
  CondVar wake_;
  CondVar flushed_;
  std::deque<AuditEvent> queue_ LS_GUARDED_BY(mu_);
  RefusalAggregator aggregator_ LS_GUARDED_BY(mu_);
  bool stopping_ LS_GUARDED_BY(mu_) = false;
  bool stopped_ LS_GUARDED_BY(mu_) = false;
  bool writing_ LS_GUARDED_BY(mu_) = false;
  uint64_t written_ LS_GUARDED_BY(mu_) = 0;
  uint64_t dropped_ LS_GUARDED_BY(mu_) = 0;
  // Dropped, not yet written as an auditEventsDropped event.
  uint64_t dropped_unrecorded_ LS_GUARDED_BY(mu_) = 0;
  uint64_t failed_batches_ LS_GUARDED_BY(mu_) = 0;
  Mutex retention_mu_;  // one retention run at a time
  std::thread thread_;
  std::thread retention_thread_;
};

/// One audit event as a JSON line (no newline), in the shape of the management API's audit
/// export: event_id, event_time, request_id, action_name, principal, recipient,
/// source_ip_address, user_agent, request_params, response {status_code, error_message, result}.
std::string AuditEventJsonLine(const AuditEvent& event);

}  // namespace lakeshare::catalog
