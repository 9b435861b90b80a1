#include <fmt/format.h>

#include "http/stream_writer_internal.h"

namespace lakeshare::http::internal {
namespace {

tl::unexpected<Error> Gone() {
  return MakeError(ErrorCode::kUnavailable, "Client connection closed");
}

}  // namespace

StreamWriterImpl::StreamWriterImpl(std::shared_ptr<SessionBase> session, StreamState& state,
                                   size_t chunk_bytes, std::optional<int64_t> length)
    : session_(std::move(session)), state_(state), chunk_bytes_(chunk_bytes), length_(length) {
  pending_.reserve(chunk_bytes_ + chunk_bytes_ / 4);
}

Status StreamWriterImpl::Write(std::string_view data) {
  if (failed_) {
    return Gone();
  }
  if (length_ && static_cast<int64_t>(data.size()) > *length_ - written_) {
    return MakeError(ErrorCode::kInternal,
                     fmt::format("Body producer wrote more than the declared Content-Length "
                                 "of {} bytes",
                                 *length_));
  }
  written_ += static_cast<int64_t>(data.size());
  pending_.append(data.data(), data.size());
  if (pending_.size() >= chunk_bytes_) {
    return Flush();
  }
  return OkStatus();
}

Status StreamWriterImpl::Hand(std::string& data) {
  if (failed_ || length_ || !pending_.empty() || data.size() < chunk_bytes_) {
    return StreamWriter::Hand(data);
  }
  written_ += static_cast<int64_t>(data.size());
  pending_.swap(data);
  data.clear();
  return Flush();
}

Status StreamWriterImpl::Flush() {
  if (!WaitIdle()) {
    return Gone();
  }
  bool head = !head_sent_;
  if (pending_.empty() && !head) {
    return OkStatus();
  }
  {
    MutexLock lock(state_.mu);
    state_.sending.swap(pending_);  // `sending` was cleared; keep its capacity for reuse
    state_.in_flight = true;
  }
  pending_.clear();
  head_sent_ = true;
  session_->PostWriteChunk(head);
  return OkStatus();
}

bool StreamWriterImpl::WaitIdle() {
  MutexLock lock(state_.mu);
  while (state_.in_flight && !state_.failed) state_.cv.Wait(state_.mu);
  failed_ = state_.failed;
  return !failed_;
}

}  // namespace lakeshare::http::internal
