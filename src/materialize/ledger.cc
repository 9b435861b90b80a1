#include "materialize/ledger.h"

#include <nlohmann/json.hpp>

namespace lakeshare::materialize {

namespace {
constexpr size_t kMaxErrorChars = 300;
}  // namespace

Ledger::Ledger(std::map<std::string, std::string> context, size_t max_listed)
    : context_(std::move(context)), max_listed_(max_listed) {}

std::string_view Ledger::OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kCached:
      return "cached";
    case Outcome::kReused:
      return "reused";
    case Outcome::kBuilt:
      return "built";
    case Outcome::kFailed:
      return "failed";
  }
  return "cached";
}

void Ledger::Record(const std::string& cache_path, std::string_view source_path, Outcome outcome,
                    int64_t bytes, int64_t rows_read, int64_t rows_written,
                    std::string_view error) {
  Entry e{std::string(source_path), outcome, bytes, rows_read, rows_written,
          outcome == Outcome::kFailed ? std::string(error.substr(0, kMaxErrorChars)) : ""};
  MutexLock lock(mu_);
  auto [it, inserted] = by_path_.emplace(cache_path, entries_.size());
  if (inserted) {
    entries_.push_back(std::move(e));
  } else if (static_cast<int>(outcome) > static_cast<int>(entries_[it->second].outcome)) {
    entries_[it->second] = std::move(e);
  }
}

void Ledger::NotePending(int64_t files) {
  MutexLock lock(mu_);
  pending_ += files;
}

void Ledger::NoteNotAnnounced(int64_t files) {
  MutexLock lock(mu_);
  not_announced_ += files;
}

bool Ledger::HasNotAnnounced() const {
  MutexLock lock(mu_);
  return not_announced_ > 0;
}

size_t Ledger::files() const {
  MutexLock lock(mu_);
  return entries_.size();
}

bool Ledger::HasPending() const {
  MutexLock lock(mu_);
  return pending_ > 0;
}

std::string Ledger::SummaryJson() const {
  using nlohmann::json;
  json out = json::object();
  for (const auto& [k, v] : context_) out[k] = v;
  MutexLock lock(mu_);
  int64_t counts[4] = {0, 0, 0, 0};
  int64_t bytes_written = 0, bytes_served = 0, rows_read = 0, rows_written = 0;
  for (const Entry& e : entries_) {
    ++counts[static_cast<int>(e.outcome)];
    if (e.outcome == Outcome::kBuilt) {
      bytes_written += e.bytes;
      rows_read += e.rows_read;
    }
    if (e.outcome != Outcome::kFailed) {
      bytes_served += e.bytes;
      rows_written += e.rows_written;
    }
  }
  out["files"] = static_cast<int64_t>(entries_.size());
  out["cached"] = counts[0];
  out["reused"] = counts[1];
  out["built"] = counts[2];
  out["failed"] = counts[3];
  out["pending"] = pending_;
  out["notAnnounced"] = not_announced_;
  out["bytesWritten"] = bytes_written;
  out["bytesServed"] = bytes_served;
  out["rowsRead"] = rows_read;
  out["rowsWritten"] = rows_written;
  json listed = json::array();
  auto list = [&](const Entry& e) {
    json f{{"path", e.source_path},
           {"outcome", OutcomeName(e.outcome)},
           {"bytes", e.bytes},
           {"rows", e.rows_written}};
    if (!e.error.empty()) f["error"] = e.error;
    listed.push_back(std::move(f));
  };
  // Failures first: they are what an auditor looks for when the list is cut.
  for (const Entry& e : entries_) {
    if (listed.size() >= max_listed_) break;
    if (e.outcome == Outcome::kFailed) list(e);
  }
  for (const Entry& e : entries_) {
    if (listed.size() >= max_listed_) break;
    if (e.outcome != Outcome::kFailed) list(e);
  }
  out["unlisted"] = static_cast<int64_t>(entries_.size() - listed.size());
  out["listed"] = std::move(listed);
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace lakeshare::materialize
