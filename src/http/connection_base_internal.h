// ConnectionBase: the part of one client connection that is the same over plain TCP and TLS (internal
// to http/). It holds the exchange in progress, hands its request to the handler pool, drives the
// response's body there (a producer writing to a StreamWriter, or a pulled source a part at a
// time) and records the exchange once (metrics, access log, completion hooks). The network side,
// a template over the stream (connection.cc: reading and parsing requests, writing heads and
// chunks, timeouts, closing), derives from it and is reached through the virtual functions below.
//
// Threads: network completions run on the connection's strand (io threads); handlers and body
// producers run on the handler pool. A connection alternates strictly between reading one
// request, handling it and writing its response (no pipelined processing), so apart from the
// stream hand-off (stream_writer_internal.h) nothing on a connection is touched by two threads at
// once. The virtual functions run on the strand only.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/post.hpp>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "http/response.h"
#include "http/send_pace_internal.h"
#include "http/server_core_internal.h"
#include "http/stream_writer_internal.h"

namespace lakeshare::http::internal {

class ConnectionBase : public SessionBase {
 public:
  /// Counts the connection open in `server` until destroyed; `remote` is the peer's address.
  ConnectionBase(ServerCore& server, std::string remote, std::string limit_key);
  ~ConnectionBase() override;

 protected:
  // ---- The network side (Session<Stream>), on the strand ----

  /// Send `response` whole (for HEAD, its head only), then read the next request or close.
  virtual void SendResponse(Response response) = 0;
  /// Write StreamState::sending as the next chunk of the stream (stream_head_'s head first when
  /// `head`, unless the connection closed); OnPartSent follows for a pulled body.
  virtual void WriteChunk(bool head) = 0;
  /// Write StreamState::sending as the next chunk of the stream, its head already sent.
  virtual void WriteChunkBody() = 0;
  /// End the stream (last chunk, or nothing for a sized one), then as SendResponse.
  virtual void WriteLastChunk() = 0;
  virtual void CloseNow() = 0;

  // ---- Shared with the network side ----

  std::shared_ptr<ConnectionBase> Self() {
    return std::static_pointer_cast<ConnectionBase>(shared_from_this());
  }

  /// The last-resort catch of this connection (STYLE.md §3): log, answer 500 if nothing of the
  /// response went out yet, otherwise drop the connection.
  template <class Fn>
  void Guard(Fn&& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      OnException(e.what());
    } catch (...) {
      OnException("non-standard exception");
    }
  }

  /// Run `fn` on the strand, under Guard; the connection lives until it ran.
  template <class Fn>
  void OnStrand(Fn fn) {
    net::post(strand_, [self = Self(), fn = std::move(fn)]() mutable { self->Guard(fn); });
  }

  /// A request was read: the exchange starts (its clock, the in-flight gauge).
  void BeginExchange();
  /// Runs on the handler pool: dispatch request_ and start sending what the router answered.
  void Handle();
  /// After a part of a pulled body was written (or failed, `ec`): pull the next one on the
  /// handler pool, or end the stream.
  void OnPartSent(beast::error_code ec, size_t size);
  /// Record the exchange once: metrics, access log, completion hooks.
  void Complete(Outcome outcome, const Error* error);
  /// How long the next write may take: write_timeout, or, for `stream_bytes` (> 0) of a
  /// stream's body, the send pace's allowance when shorter (then a timeout of this write is a
  /// send rate cut).
  Clock::duration WriteBudget(size_t stream_bytes = 0);
  /// Count a write that did not finish within its budget: the client stopped reading, reads
  /// too slowly to take a part within write_timeout, or fell too far behind the send pace.
  void CountWriteTimeout(beast::error_code ec);
  bool KeepAlive() const { return keep_alive_ && !close_after_ && !server_.draining; }
  /// The error reply to request_, carrying its request id.
  Response ErrorReplyOf(const Error& error) const;

  ServerCore& server_;
  std::string remote_;
  net::any_io_executor strand_;  // the stream's; set by the network side before Start
  bool closed_ = false;

  // The current exchange (strand, and the handler pool while a handler runs).
  std::shared_ptr<Request> request_;
  bool exchange_open_ = false;
  bool response_started_ = false;
  bool keep_alive_ = false;
  bool close_after_ = false;
  bool is_head_ = false;
  unsigned version_ = 11;
  int response_status_ = 0;
  std::optional<Error> response_error_;
  int64_t body_bytes_ = 0;
  Clock::time_point start_;

  // Streaming. The source of a pulled body being sent, and whether it said more follows: touched
  // by one thread at a time (the handler pool pulls a part, then the strand sends it).
  ChunkSource pulled_;
  bool pulled_more_ = false;
  StreamState stream_state_;
  Response stream_head_;
  // The minimum pace of a stream's body (restarted with each stream's head), and whether the
  // write in progress has the pace's budget rather than write_timeout (strand).
  SendPace pace_;
  bool paced_write_ = false;

 private:
  void OnException(std::string_view what);
  Response HandlerThrew(std::string_view what);
  /// Runs on the handler pool: drive the producer, then finish or abort the stream.
  void RunProducer(Response response);
  /// Runs on the handler pool: pull the first part, then send the head with it.
  void RunPulled(Response response);
  /// Release the source of a pulled body (and the producer that shares it), before the
  /// exchange is recorded: what its destructor notes (an audit result) is then recorded too.
  void DropPulled();
  /// The next non-empty part of a pulled body into `out` (empty on entry), setting
  /// pulled_more_; any thread, one at a time.
  Status Pull(std::string& out);
  /// Runs on the handler pool: pull the next part into `part` (a buffer already sent, which keeps
  /// its capacity), then write it on the strand.
  void PullNext(std::string part);
};

}  // namespace lakeshare::http::internal
