#include "catalog/audit_log.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <optional>

#include "common/log.h"
#include "common/strings.h"

namespace lakeshare::catalog {
namespace {

/// Events deleted (and exported) per retention transaction.
constexpr int64_t kRetentionPage = 5000;

/// A JSON object stored by the audit hooks, or {} when the text is none.
std::string_view ObjectOrEmpty(std::string_view json) {
  const std::string_view object = Trim(json, " \t\r\n");  // JSON's white space (RFC 8259 §2)
  if (object.empty() || object.front() != '{' || object.back() != '}') {
    return "{}";
  }
  return object;
}

void AppendField(std::string& out, std::string_view key, std::string_view value) {
  out += ',';
  AppendJsonString(out, key);
  out += ':';
  AppendJsonString(out, value);
}

}  // namespace

std::string AuditEventJsonLine(const AuditEvent& e) {
  std::string out = fmt::format("{{\"event_id\":{},\"event_time\":{}", e.id, e.time_ms);
  AppendField(out, "request_id", e.request_id);
  AppendField(out, "action_name", e.action);
  AppendField(out, "principal", e.principal);
  AppendField(out, "recipient", e.recipient);
  AppendField(out, "source_ip_address", e.source_ip);
  AppendField(out, "user_agent", e.user_agent);
  out += ",\"request_params\":";
  out += ObjectOrEmpty(e.params_json);
  out += fmt::format(",\"response\":{{\"status_code\":{}", e.status_code);
  AppendField(out, "error_message", e.error);
  out += ",\"result\":";
  out += ObjectOrEmpty(e.volume_json);
  out += "}}";
  return out;
}

AuditLog::AuditLog(Catalog* catalog, AuditLogOptions options)
    : catalog_(catalog), options_(std::move(options)), aggregator_(options_.aggregation) {
  if (options_.max_batch == 0) options_.max_batch = 1;
  if (options_.max_queued == 0) options_.max_queued = 1;
  if (options_.flush_interval_ms <= 0) options_.flush_interval_ms = 200;
  if (options_.retention_interval_ms <= 0) options_.retention_interval_ms = 3'600'000;
  if (!options_.on_error) {
    options_.on_error = [](const std::string& message) { LogWarning("audit: {}", message); };
  }
  thread_ = std::thread([this] { Run(); });
  if (options_.retention_ms > 0) {
    retention_thread_ = std::thread([this] { RunRetention(); });
  }
}

AuditLog::~AuditLog() { Stop(); }

int64_t AuditLog::NowMs() const { return ClockOr(options_.clock).NowMs(); }

Status AuditLog::Write(const AuditEvent& event) {
  LS_RETURN_IF_ERROR(catalog_->AppendAuditEvents(std::span<const AuditEvent>(&event, 1)));
  MutexLock lock(mu_);
  ++written_;
  return OkStatus();
}

uint64_t AuditLog::PushLocked(AuditEvent event) {
  uint64_t dropped = 0;
  if (queue_.size() >= options_.max_queued) {
    queue_.pop_front();
    ++dropped_;
    ++dropped_unrecorded_;
    dropped = 1;
  }
  queue_.push_back(std::move(event));
  return dropped;
}

Status AuditLog::Finish(int64_t id, const AuditEvent& event) {
  LS_RETURN_IF_ERROR(catalog_->FinishAuditEvent(id, event));
  MutexLock lock(mu_);
  ++written_;
  return OkStatus();
}

void AuditLog::Enqueue(AuditEvent event) {
  uint64_t dropped = 0;
  bool counted = false;
  bool after_stop = false;
  {
    MutexLock lock(mu_);
    if (stopped_) {
      after_stop = true;
    } else if (RefusalAggregator::IsAnonymousRefusal(event) && !aggregator_.Add(event)) {
      counted = true;
    } else {
      dropped = PushLocked(std::move(event));
    }
  }
  if (counted && options_.on_aggregated) options_.on_aggregated();
  if (dropped > 0 && options_.on_dropped) options_.on_dropped(dropped);
  if (!after_stop) return;
  // After Stop(): no writer thread; write now rather than lose the event.
  if (auto st = Write(event); !st) {
    options_.on_error("an event after shutdown could not be written: " + st.error().message);
    MutexLock lock(mu_);
    ++dropped_;
  }
}

void AuditLog::CollectLocked(int64_t now_ms) {
  for (AuditEvent& event : aggregator_.TakeClosed(now_ms)) {
    PushLocked(std::move(event));
  }
  if (dropped_unrecorded_ > 0) {
    // Recorded even when the queue is full: this one is what says that events are missing.
    AuditEvent e;
    e.time_ms = now_ms == INT64_MAX ? NowMs() : now_ms;
    e.action = std::string(kDroppedEventsAction);
    e.params_json = fmt::format("{{\"count\":\"{}\",\"maxQueued\":\"{}\"}}", dropped_unrecorded_,
                                options_.max_queued);
    e.error = fmt::format(
        "{} audit events were dropped: more were waiting for the metastore than the queue holds "
        "({}); check that the metastore keeps up",
        dropped_unrecorded_, options_.max_queued);
    queue_.push_back(std::move(e));
    dropped_unrecorded_ = 0;
  }
}

bool AuditLog::WriteOneBatch() {
  size_t n = std::min(queue_.size(), options_.max_batch);
  std::vector<AuditEvent> batch(std::make_move_iterator(queue_.begin()),
                                std::make_move_iterator(queue_.begin() + static_cast<long>(n)));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(n));
  writing_ = true;
  mu_.Unlock();
  Status st = catalog_->AppendAuditEvents(batch);
  mu_.Lock();
  writing_ = false;
  if (!st) {
    // Put the batch back in front, in order, minus what no longer fits.
    size_t room = options_.max_queued > queue_.size() ? options_.max_queued - queue_.size() : 0;
    size_t keep = std::min(room, batch.size());
    uint64_t lost = batch.size() - keep;
    dropped_ += lost;
    dropped_unrecorded_ += lost;
    queue_.insert(queue_.begin(), std::make_move_iterator(batch.end() - static_cast<long>(keep)),
                  std::make_move_iterator(batch.end()));
    ++failed_batches_;
    mu_.Unlock();
    if (lost > 0 && options_.on_dropped) options_.on_dropped(lost);
    options_.on_error("writing " + std::to_string(n) +
                      " audit events failed (will retry): " + st.error().message);
    mu_.Lock();
    return false;
  }
  written_ += n;
  return true;
}

void AuditLog::Run() {
  MutexLock lock(mu_);
  auto interval = std::chrono::milliseconds(options_.flush_interval_ms);
  int failures = 0;
  bool final_collect_done = false;
  while (true) {
    CollectLocked(NowMs());
    if (queue_.empty()) {
      if (stopping_ && !final_collect_done) {
        // The windows still open are written as they stand.
        CollectLocked(INT64_MAX);
        final_collect_done = true;
        continue;
      }
      flushed_.SignalAll();
      if (stopping_) break;
      wake_.WaitFor(mu_, interval);
      continue;
    }
    if (!WriteOneBatch()) {
      ++failures;
      flushed_.SignalAll();  // Flush() reports the failure instead of waiting forever
      if (stopping_ && failures >= 5) break;
      // Back off up to 5 s while the metastore is unreachable.
      auto backoff =
          std::min(std::chrono::milliseconds(5000), interval * (1 << std::min(failures, 5)));
      wake_.WaitFor(mu_, backoff);
      continue;
    }
    failures = 0;
    if (queue_.size() < options_.max_batch && !stopping_) {
      flushed_.SignalAll();
      wake_.WaitFor(mu_, interval);
    }
  }
  if (!queue_.empty()) {
    dropped_ += queue_.size();
    size_t lost = queue_.size();
    queue_.clear();
    lock.Unlock();
    options_.on_error("stopping with " + std::to_string(lost) +
                      " audit events that could not be written");
    lock.Lock();
  }
  flushed_.SignalAll();
}

Status AuditLog::Flush() {
  MutexLock lock(mu_);
  if (stopped_) return OkStatus();
  uint64_t dropped_before = dropped_;
  uint64_t failed_before = failed_batches_;
  wake_.SignalAll();
  // Real time, not the Clock: the deadline bounds a condition-variable wait for the writer.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool ok = false;
  bool timed_out = false;
  for (;;) {
    ok = (queue_.empty() && !writing_) || failed_batches_ != failed_before;
    if (ok || timed_out) break;
    timed_out = !flushed_.WaitUntil(mu_, deadline);
  }
  if (!ok || failed_batches_ != failed_before) {
    return Errorf(ErrorCode::kUnavailable,
                  "{} audit events are still queued: the metastore refused or did not answer; "
                  "check that it is reachable",
                  queue_.size());
  }
  if (dropped_ != dropped_before) {
    return Errorf(ErrorCode::kUnavailable, "{} audit events were dropped",
                  dropped_ - dropped_before);
  }
  return OkStatus();
}

void AuditLog::Stop() {
  {
    MutexLock lock(mu_);
    if (stopped_) return;
    stopping_ = true;
  }
  wake_.SignalAll();
  if (thread_.joinable()) thread_.join();
  if (retention_thread_.joinable()) retention_thread_.join();
  MutexLock lock(mu_);
  stopped_ = true;
}

// ---- Retention ----

void AuditLog::RunRetention() {
  MutexLock lock(mu_);
  while (!stopping_) {
    lock.Unlock();
    if (auto deleted = ApplyRetention(); !deleted) {
      options_.on_error("audit retention: " + deleted.error().message + " (retried in an hour)");
    }
    lock.Lock();
    // Real time, not the Clock: the period is a condition-variable wait that Stop() cuts short.
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(options_.retention_interval_ms);
    while (!stopping_ && wake_.WaitUntil(mu_, deadline)) {
    }
  }
}

namespace {

/// An export file opened for appending, synced before the events it holds are deleted.
class ExportFile {
 public:
  static Result<ExportFile> Open(const std::string& dir, int64_t cutoff_ms) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return Errorf(ErrorCode::kUnavailable,
                    "cannot create the audit export folder '{}': {}; create it or fix its "
                    "permissions",
                    dir, ec.message());
    }
    std::string path =
        (std::filesystem::path(dir) / fmt::format("audit-before-{}.jsonl", cutoff_ms)).string();
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) {
      return Errorf(ErrorCode::kUnavailable, "cannot open the audit export file '{}': {}", path,
                    std::strerror(errno));
    }
    return ExportFile(fd, std::move(path));
  }
  ExportFile(ExportFile&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
    other.fd_ = -1;
  }
  ~ExportFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  /// Append `text` and make it durable.
  Status AppendDurably(std::string_view text) {
    while (!text.empty()) {
      ssize_t n = ::write(fd_, text.data(), text.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        return Errorf(ErrorCode::kUnavailable, "cannot write the audit export file '{}': {}", path_,
                      std::strerror(errno));
      }
      text.remove_prefix(static_cast<size_t>(n));
    }
    if (::fsync(fd_) != 0) {
      return Errorf(ErrorCode::kUnavailable, "cannot sync the audit export file '{}': {}", path_,
                    std::strerror(errno));
    }
    return OkStatus();
  }

 private:
  ExportFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace

Result<int64_t> AuditLog::ApplyRetention() {
  if (options_.retention_ms <= 0) return int64_t{0};
  MutexLock one_run(retention_mu_);
  const int64_t cutoff = NowMs() - options_.retention_ms;
  std::optional<ExportFile> file;
  int64_t total = 0;
  while (true) {
    AuditQuery query;
    query.to_ms = cutoff;
    query.page.max_results = kRetentionPage;
    LS_ASSIGN_OR_RETURN(Listing<AuditEvent> page, catalog_->QueryAuditEvents(query));
    if (page.items.empty()) break;
    if (!options_.export_dir.empty()) {
      if (!file) {
        LS_ASSIGN_OR_RETURN(ExportFile opened, ExportFile::Open(options_.export_dir, cutoff));
        file.emplace(std::move(opened));
      }
      std::string lines;
      for (const AuditEvent& e : page.items) {
        lines += AuditEventJsonLine(e);
        lines += '\n';
      }
      LS_RETURN_IF_ERROR(file->AppendDurably(lines));
    }
    std::vector<int64_t> ids;
    ids.reserve(page.items.size());
    for (const AuditEvent& e : page.items) ids.push_back(e.id);
    LS_ASSIGN_OR_RETURN(int64_t deleted, catalog_->DeleteAuditEvents(ids));
    total += deleted;
    if (deleted == 0) break;  // nothing more can go (e.g. another replica got there first)
    {
      MutexLock lock(mu_);
      if (stopping_) break;
    }
  }
  return total;
}

uint64_t AuditLog::written() const {
  MutexLock lock(mu_);
  return written_;
}

uint64_t AuditLog::dropped() const {
  MutexLock lock(mu_);
  return dropped_;
}

size_t AuditLog::queued() const {
  MutexLock lock(mu_);
  return queue_.size();
}

uint64_t AuditLog::aggregated() const {
  MutexLock lock(mu_);
  return aggregator_.counted();
}

}  // namespace lakeshare::catalog
