#include "http/connection_base_internal.h"

#include <fmt/format.h>

#include "http/error_response.h"

namespace lakeshare::http::internal {

ConnectionBase::ConnectionBase(ServerCore& server, std::string remote, std::string limit_key)
    : server_(server),
      remote_(std::move(remote)),
      pace_(server.options.min_send_bytes_per_second, server.options.send_rate_slack) {
  this->limit_key = std::move(limit_key);
  waiting_since_ns.store(SteadyNowNs(), std::memory_order_relaxed);
  server_.connections_open.Add({}, 1);
  server_.connections_total.Inc();
}

ConnectionBase::~ConnectionBase() {
  if (exchange_open_) {
    // Only when the io_context is torn down with this exchange still pending.
    try {
      Complete(Outcome::kConnectionLost, nullptr);
    } catch (...) {
    }
  }
  server_.connections_open.Add({}, -1);
  server_.Unregister(this);
}

void ConnectionBase::OnException(std::string_view what) {
  server_.LogError("connection_exception", request_ ? request_->request_id() : "", what);
  try {
    if (exchange_open_ && !response_started_ && !closed_) {
      close_after_ = true;
      SendResponse(ErrorResponse(Error{ErrorCode::kInternal, std::string(what)},
                                 request_ ? request_->request_id() : ""));
      return;
    }
  } catch (...) {
  }
  if (exchange_open_) {
    Complete(Outcome::kConnectionLost, nullptr);
  }
  CloseNow();
}

void ConnectionBase::BeginExchange() {
  exchange_open_ = true;
  response_started_ = false;
  close_after_ = false;
  body_bytes_ = 0;
  response_status_ = 0;
  response_error_.reset();
  start_ = Clock::now();
  server_.in_flight.Add({}, 1);
}

Response ConnectionBase::ErrorReplyOf(const Error& error) const {
  Response response = ErrorResponse(error, request_->request_id());
  response.SetHeader("X-Request-Id", request_->request_id());
  return response;
}

void ConnectionBase::Handle() {
  Response response;
  try {
    response = server_.router.Dispatch(*request_);
  } catch (const std::exception& e) {
    response = HandlerThrew(e.what());
  } catch (...) {
    response = HandlerThrew("non-standard exception");
  }
  if (response.has_pulled() && !is_head_) {
    RunPulled(std::move(response));
    return;
  }
  if (response.is_streaming() && !is_head_) {
    RunProducer(std::move(response));
    return;
  }
  OnStrand([this, response = std::move(response)]() mutable { SendResponse(std::move(response)); });
}

Response ConnectionBase::HandlerThrew(std::string_view what) {
  if (request_->request_id().empty()) {
    request_->set_request_id(NewRequestId());
  }
  server_.LogError("handler_exception", request_->request_id(), what);
  return ErrorReplyOf(Error{ErrorCode::kInternal, fmt::format("Handler threw: {}", what)});
}

void ConnectionBase::RunProducer(Response response) {
  BodyProducer producer = response.TakeProducer();
  const std::optional<int64_t> length = response.content_length();
  {
    MutexLock lock(stream_state_.mu);
    stream_state_.in_flight = false;
    stream_state_.failed = false;
    stream_state_.sending.clear();
  }
  stream_head_ = std::move(response);  // read on the strand after the first post
  StreamWriterImpl writer(Self(), stream_state_, server_.options.stream_chunk_bytes, length);
  Status status;
  try {
    status = producer(writer);
  } catch (const std::exception& e) {
    server_.LogError("producer_exception", request_->request_id(), e.what());
    status = MakeError(ErrorCode::kInternal, fmt::format("Body producer threw: {}", e.what()));
  } catch (...) {
    status = MakeError(ErrorCode::kInternal, "Body producer threw");
  }
  if (status && length && writer.written() != *length) {
    status = MakeError(ErrorCode::kInternal,
                       fmt::format("Body producer wrote {} bytes, not the declared "
                                   "Content-Length of {}",
                                   writer.written(), *length));
  }
  if (status) {
    if (!writer.head_sent()) {
      // The whole body fit in one chunk: send it plainly, with Content-Length.
      Response whole = std::move(stream_head_);
      whole.set_body(writer.TakePending());
      OnStrand([this, whole = std::move(whole)]() mutable { SendResponse(std::move(whole)); });
      return;
    }
    bool ok = writer.Flush().has_value() && writer.WaitIdle();
    OnStrand([this, ok] {
      if (ok) {
        WriteLastChunk();
      } else {
        Complete(Outcome::kConnectionLost, nullptr);
        CloseNow();
      }
    });
    return;
  }
  if (!writer.head_sent()) {
    OnStrand([this, error = ErrorReplyOf(status.error())]() mutable {
      SendResponse(std::move(error));
    });
    return;
  }
  // Headers went out: close without the last chunk so the client sees a truncated body.
  bool connection_ok = writer.WaitIdle();
  OnStrand([this, connection_ok, error = status.error()] {
    Complete(connection_ok ? Outcome::kStreamAborted : Outcome::kConnectionLost, &error);
    CloseNow();
  });
}

// ---- Pulled bodies (Response::Pulled, Pieces, Ndjson): no thread waits for the client ----

void ConnectionBase::RunPulled(Response response) {
  pulled_ = response.TakePulled();
  std::string part;
  Status status = Pull(part);
  if (!status || !pulled_more_) {
    pulled_ = nullptr;
    if (status) {
      response.set_body(std::move(part));  // all of it in one part: send it plainly
    } else {
      response = ErrorReplyOf(status.error());
    }
    OnStrand(
        [this, response = std::move(response)]() mutable { SendResponse(std::move(response)); });
    return;
  }
  stream_head_ = std::move(response);  // read on the strand after the post
  {
    MutexLock lock(stream_state_.mu);
    stream_state_.in_flight = true;
    stream_state_.sending = std::move(part);
  }
  OnStrand([this] { WriteChunk(true); });
}

void ConnectionBase::DropPulled() {
  pulled_ = nullptr;
  stream_head_ = Response();
}

Status ConnectionBase::Pull(std::string& out) {
  Result<bool> more = true;
  try {
    do {
      more = pulled_(out);
    } while (more && *more && out.empty());
  } catch (const std::exception& e) {
    server_.LogError("producer_exception", request_->request_id(), e.what());
    more = MakeError(ErrorCode::kInternal, fmt::format("Body reader threw: {}", e.what()));
  } catch (...) {
    server_.LogError("producer_exception", request_->request_id(), "non-standard exception");
    more = MakeError(ErrorCode::kInternal, "Body reader threw a non-standard exception");
  }
  if (!more) {
    return tl::unexpected<Error>(std::move(more).error());
  }
  pulled_more_ = *more;
  return OkStatus();
}

void ConnectionBase::OnPartSent(beast::error_code ec, size_t size) {
  // Pull the next part on the handler pool, into the buffer just sent (it keeps its capacity).
  std::string buffer;
  {
    MutexLock lock(stream_state_.mu);
    buffer = std::move(stream_state_.sending);
    stream_state_.in_flight = false;
  }
  buffer.clear();
  if (ec) {
    CountWriteTimeout(ec);
    DropPulled();
    Complete(Outcome::kConnectionLost, nullptr);
    CloseNow();
    return;
  }
  body_bytes_ += static_cast<int64_t>(size);
  if (!pulled_more_) {
    DropPulled();
    WriteLastChunk();
    return;
  }
  net::post(*server_.pool,
            [self = Self(), part = std::move(buffer)]() mutable { self->PullNext(std::move(part)); });
}

void ConnectionBase::PullNext(std::string part) {
  Status status = Pull(part);
  OnStrand([this, status = std::move(status), part = std::move(part)]() mutable {
    if (!status) {
      DropPulled();
      Complete(Outcome::kStreamAborted, &status.error());
      CloseNow();
      return;
    }
    {
      MutexLock lock(stream_state_.mu);
      stream_state_.in_flight = true;
      stream_state_.sending = std::move(part);
    }
    WriteChunkBody();
  });
}

void ConnectionBase::Complete(Outcome outcome, const Error* error) {
  if (!exchange_open_) {
    return;
  }
  exchange_open_ = false;
  server_.in_flight.Add({}, -1);
  double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  if (error == nullptr && response_error_) {
    error = &*response_error_;
  }
  server_.RecordExchange(*request_, response_status_ != 0 ? response_status_ : 500, body_bytes_,
                         seconds, outcome, error);
}

Clock::duration ConnectionBase::WriteBudget(size_t stream_bytes) {
  const Clock::duration timeout = server_.options.write_timeout;
  const Clock::duration paced = stream_bytes > 0 ? pace_.Allowance(stream_bytes) : timeout;
  paced_write_ = paced < timeout;
  return paced_write_ ? paced : timeout;
}

void ConnectionBase::CountWriteTimeout(beast::error_code ec) {
  if (ec == beast::error::timeout) {
    (paced_write_ ? server_.send_rate_cuts : server_.write_timeouts).Inc();
  }
}

}  // namespace lakeshare::http::internal
