// Ledger: what the materialization engine did for one request (one response of the sharing
// protocol), for the audit trail (issue 11: "audit events that say which files were materialized
// for whom"). Every file a request asks the Materializer for is recorded once, whoever built it:
// built now, reused from the cache store (written before a restart or by another replica), served
// from the cache (built earlier for this or another recipient of the same resolved transform, or
// being built by another request this one waited for), or failed. When a file is recorded twice
// (a response's Prepare builds it, its stream then serves it from the cache), the stronger outcome
// stays: failed over built over reused over cached.
// The summary is one JSON object with the counts and the first `max_listed` files (failed files
// first), so that a query over 10,000 files makes one audit row of bounded size, never 10,000.
// Thread-safe: the Materializer's workers record while the response streams.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/mutex.h"

namespace lakeshare::materialize {

class Ledger {
 public:
  enum class Outcome { kCached = 0, kReused = 1, kBuilt = 2, kFailed = 3 };

  /// `context`: fields copied into the summary (table, version, transform digest, ...).
  explicit Ledger(std::map<std::string, std::string> context, size_t max_listed = 100);

  /// Record the outcome of one file (`cache_path` is its identity in this request).
  void Record(const std::string& cache_path, std::string_view source_path, Outcome outcome,
              int64_t bytes, int64_t rows_read, int64_t rows_written, std::string_view error = {});
  /// Files still being built when the request stopped waiting for them (their outcome is
  /// recorded by the request that is served them later).
  void NotePending(int64_t files);
  /// Files the response did not announce because they hold none of the recipient's rows
  /// (materialize/stats_proof.h): neither rewritten nor counted among "files".
  void NoteNotAnnounced(int64_t files);

  /// Files recorded so far.
  size_t files() const;
  bool HasPending() const;
  bool HasNotAnnounced() const;
  /// The summary as a JSON object: the context, "files", "built", "reused", "cached", "failed",
  /// "pending", "notAnnounced", "bytesWritten" (of files built), "bytesServed", "rowsRead" (of files built),
  /// "rowsWritten", "listed": [{"path", "outcome", "bytes", "rows", "error"?}] and "unlisted".
  std::string SummaryJson() const;

  static std::string_view OutcomeName(Outcome outcome);

 private:
  struct Entry {
    std::string source_path;
    Outcome outcome = Outcome::kCached;
    int64_t bytes = 0;
    int64_t rows_read = 0;
    int64_t rows_written = 0;
    std::string error;
  };

  const std::map<std::string, std::string> context_;
  const size_t max_listed_;
  mutable Mutex mu_;
  std::vector<Entry> entries_ LS_GUARDED_BY(mu_);  // in the order first recorded
  std::unordered_map<std::string, size_t> by_path_ LS_GUARDED_BY(mu_);  // cache path -> entry
  int64_t pending_ LS_GUARDED_BY(mu_) = 0;
  int64_t not_announced_ LS_GUARDED_BY(mu_) = 0;
};

}  // namespace lakeshare::materialize
