// AuditLog: how audit events reach the metastore (issue 5, "Audit"). Management events are
// written with Write() before their response is sent (durable: the metastore committed them).
// Protocol events go through Enqueue(): a background thread writes them in batches, at least every
// `flush_interval_ms`, so they are queryable within a second; Stop() (and the destructor) writes
// everything still queued, so a graceful stop loses none. The queue is bounded: when the
// metastore is unreachable for long, the oldest queued events are dropped and counted
// (dropped()), never the server's memory.
//
// Thread-safety: every method may be called from any thread; Enqueue never blocks on the
// metastore (it runs on network threads). `catalog` must outlive the AuditLog.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "catalog/catalog.h"

namespace lakeshare::catalog {

struct AuditLogOptions {
  /// Queued events are written at least this often.
  int64_t flush_interval_ms = 200;
  /// At most this many events per metastore transaction.
  size_t max_batch = 2000;
  /// At most this many queued events; beyond it the oldest are dropped.
  size_t max_queued = 1'000'000;
  /// Called with a message when a background write fails (it is retried); null: stderr.
  std::function<void(const std::string& message)> on_error;
};

class AuditLog {
 public:
  AuditLog(Catalog* catalog, AuditLogOptions options = {});
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  /// Write one event now; returns when the metastore committed it.
  Status Write(const AuditEvent& event);
  /// Queue an event for the background writer.
  void Enqueue(AuditEvent event);
  /// Write everything queued so far; returns when done (or when a write failed).
  Status Flush();
  /// Flush and stop the background writer. Later Enqueue calls write synchronously.
  void Stop();

  uint64_t written() const;
  uint64_t dropped() const;
  size_t queued() const;

 private:
  void Run();
  /// Write up to max_batch queued events; false when the write failed (events stay queued).
  bool WriteOneBatch(std::unique_lock<std::mutex>& lock);

  Catalog* catalog_;
  AuditLogOptions options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable flushed_;
  std::deque<AuditEvent> queue_;
  bool stopping_ = false;
  bool stopped_ = false;
  bool writing_ = false;
  uint64_t written_ = 0;
  uint64_t dropped_ = 0;
  uint64_t failed_batches_ = 0;
  std::thread thread_;
};

}  // namespace lakeshare::catalog
