#include "catalog/audit_log.h"

#include <chrono>
#include <cstdio>

namespace lakeshare::catalog {

AuditLog::AuditLog(Catalog* catalog, AuditLogOptions options)
    : catalog_(catalog), options_(std::move(options)) {
  if (options_.max_batch == 0) options_.max_batch = 1;
  if (options_.flush_interval_ms <= 0) options_.flush_interval_ms = 200;
  if (!options_.on_error) {
    options_.on_error = [](const std::string& message) {
      std::fprintf(stderr, "audit: %s\n", message.c_str());
    };
  }
  thread_ = std::thread([this] { Run(); });
}

AuditLog::~AuditLog() { Stop(); }

Status AuditLog::Write(const AuditEvent& event) {
  LS_RETURN_IF_ERROR(catalog_->AppendAuditEvents(std::span<const AuditEvent>(&event, 1)));
  std::lock_guard<std::mutex> lock(mu_);
  ++written_;
  return OkStatus();
}

void AuditLog::Enqueue(AuditEvent event) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopped_) {
      if (queue_.size() >= options_.max_queued) {
        queue_.pop_front();
        ++dropped_;
      }
      queue_.push_back(std::move(event));
      return;
    }
  }
  // After Stop(): no writer thread; write now rather than lose the event.
  if (auto st = Write(event); !st) {
    options_.on_error("an event after shutdown could not be written: " + st.error().message);
    std::lock_guard<std::mutex> lock(mu_);
    ++dropped_;
  }
}

bool AuditLog::WriteOneBatch(std::unique_lock<std::mutex>& lock) {
  size_t n = std::min(queue_.size(), options_.max_batch);
  std::vector<AuditEvent> batch(std::make_move_iterator(queue_.begin()),
                                std::make_move_iterator(queue_.begin() + static_cast<long>(n)));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(n));
  writing_ = true;
  lock.unlock();
  Status st = catalog_->AppendAuditEvents(batch);
  lock.lock();
  writing_ = false;
  if (!st) {
    // Put the batch back in front, in order, minus what no longer fits.
    size_t room = options_.max_queued > queue_.size() ? options_.max_queued - queue_.size() : 0;
    size_t keep = std::min(room, batch.size());
    dropped_ += batch.size() - keep;
    queue_.insert(queue_.begin(), std::make_move_iterator(batch.end() - static_cast<long>(keep)),
                  std::make_move_iterator(batch.end()));
    ++failed_batches_;
    lock.unlock();
    options_.on_error("writing " + std::to_string(n) + " audit events failed (will retry): " +
                      st.error().message);
    lock.lock();
    return false;
  }
  written_ += n;
  return true;
}

void AuditLog::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  auto interval = std::chrono::milliseconds(options_.flush_interval_ms);
  int failures = 0;
  while (true) {
    if (queue_.empty()) {
      flushed_.notify_all();
      if (stopping_) break;
      wake_.wait_for(lock, interval);
      continue;
    }
    if (!WriteOneBatch(lock)) {
      ++failures;
      flushed_.notify_all();  // Flush() reports the failure instead of waiting forever
      if (stopping_ && failures >= 5) break;
      // Back off up to 5 s while the metastore is unreachable.
      auto backoff = std::min(std::chrono::milliseconds(5000), interval * (1 << std::min(failures, 5)));
      wake_.wait_for(lock, backoff);
      continue;
    }
    failures = 0;
    if (queue_.size() < options_.max_batch && !stopping_) {
      flushed_.notify_all();
      wake_.wait_for(lock, interval);
    }
  }
  if (!queue_.empty()) {
    dropped_ += queue_.size();
    size_t lost = queue_.size();
    queue_.clear();
    lock.unlock();
    options_.on_error("stopping with " + std::to_string(lost) +
                      " audit events that could not be written");
    lock.lock();
  }
  flushed_.notify_all();
}

Status AuditLog::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  if (stopped_) return OkStatus();
  uint64_t dropped_before = dropped_;
  uint64_t failed_before = failed_batches_;
  wake_.notify_all();
  bool ok = flushed_.wait_for(lock, std::chrono::seconds(30), [&] {
    return (queue_.empty() && !writing_) || failed_batches_ != failed_before;
  });
  if (!ok || failed_batches_ != failed_before) {
    return Errorf(ErrorCode::kUnavailable,
                  "{} audit events are still queued: the metastore refused or did not answer; "
                  "check that it is reachable",
                  queue_.size());
  }
  if (dropped_ != dropped_before) {
    return Errorf(ErrorCode::kUnavailable, "{} audit events were dropped", dropped_ - dropped_before);
  }
  return OkStatus();
}

void AuditLog::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
}

uint64_t AuditLog::written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return written_;
}

uint64_t AuditLog::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

size_t AuditLog::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

}  // namespace lakeshare::catalog
