// The network side of one client connection, a template over its stream (plain TCP or TLS):
// the TLS handshake, reading and parsing requests (head and body limits, deadlines, 100-continue),
// writing responses whole or as a stream's head and chunks (write timeouts), keeping the
// connection alive between requests and closing it gracefully. What does not depend on the
// stream (the exchange, the handler pool's side of a response, recording) is ConnectionBase's
// (connection_base_internal.h, whose comment says which thread runs what).
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <optional>

#include "common/strings.h"
#include "http/connection_base_internal.h"
#include "http/error_response.h"
#include "http/header_checks.h"

namespace lakeshare::http::internal {
namespace {

namespace bhttp = boost::beast::http;

bool IsFramingHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
         EqualsIgnoreCase(name, "Connection") || EqualsIgnoreCase(name, "Keep-Alive") ||
         EqualsIgnoreCase(name, "Date");
}

std::vector<Field> FieldsOf(const bhttp::fields& fields) {
  std::vector<Field> out;
  for (const auto& field : fields) {
    out.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return out;
}

template <class Stream>
class Session final : public ConnectionBase {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  Session(ServerCore& server, tcp::socket&& socket, std::string limit_key)
      : ConnectionBase(server, RemoteAddressOf(socket), std::move(limit_key)),
        stream_(MakeStream(std::move(socket), server.ssl.get())),
        buffer_(std::min(server.options.max_header_bytes, SIZE_MAX - kReadSlackBytes) +
                kReadSlackBytes),
        opened_(Clock::now()) {
    strand_ = stream_.get_executor();
  }

  void Start() {
    net::dispatch(stream_.get_executor(),
                  [self = Self()] { self->Guard([&] { self->DoStart(); }); });
  }

  void BeginDrain() override {
    net::post(stream_.get_executor(), [self = Self()] {
      if (self->phase_ == Phase::kIdle || self->phase_ == Phase::kStarting) {
        self->CloseNow();
      }
    });
  }

  void ForceClose() override {
    net::post(stream_.get_executor(), [self = Self()] { self->CloseNow(); });
  }

  void EvictIfWaiting() override {
    net::post(stream_.get_executor(), [self = Self()] {
      if (!self->closed_ && self->waiting_since_ns.load(std::memory_order_relaxed) != 0) {
        self->server_.connections_evicted.Inc();
        self->CloseNow();  // evictions_pending drops when it unregisters
      } else if (self->evicting.exchange(false)) {
        --self->server_.evictions_pending;  // it got busy (or closed) meanwhile: not evicted
      }
    });
  }

  void PostWriteChunk(bool head) override {
    net::post(stream_.get_executor(),
              [self = Self(), head] { self->Guard([&] { self->WriteChunk(head); }); });
  }

 private:
  enum class Phase { kStarting, kIdle, kReading, kHandling, kResponding, kClosing, kClosed };

  static Stream MakeStream(tcp::socket&& socket, net::ssl::context* ssl) {
    if constexpr (kTls) {
      return Stream(beast::tcp_stream(std::move(socket)), *ssl);
    } else {
      (void)ssl;
      return Stream(std::move(socket));
    }
  }

  std::shared_ptr<Session> Self() { return std::static_pointer_cast<Session>(shared_from_this()); }
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  void DoStart() {
    if (server_.draining) {
      CloseNow();
      return;
    }
    // The handshake and the first request head share head_timeout from accept.
    head_deadline_ = opened_ + std::min(server_.options.head_timeout, server_.options.read_timeout);
    if constexpr (kTls) {
      Tcp().expires_at(head_deadline_);
      stream_.async_handshake(net::ssl::stream_base::server, [self = Self()](beast::error_code ec) {
        self->Guard([&] {
          if (ec) {
            self->CountHeadTimeout(ec);
            self->CloseNow();
            return;
          }
          self->ReadRequest();
        });
      });
    } else {
      ReadRequest();
    }
  }

  // ---- Reading ----

  void ReadRequest() {
    if (closed_) {
      return;
    }
    if (server_.draining) {
      CloseAfterResponse();
      return;
    }
    parser_.emplace();
    head_fields_.reset();
    parser_->on_chunk_header(on_chunk_header_);
    parser_->header_limit(
        static_cast<uint32_t>(std::min<size_t>(server_.options.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(static_cast<uint64_t>(server_.options.max_body_bytes));
    continue_sent_ = false;
    head_seen_ = false;
    waiting_since_ns.store(SteadyNowNs(), std::memory_order_relaxed);
    if (buffer_.size() > 0) {
      // Pipelined bytes already arrived: the request has started.
      StartReading();
      return;
    }
    // Wait for the first byte: a new connection within its head deadline, a kept-alive one
    // under the idle timeout.
    phase_ = Phase::kIdle;
    if (served.load(std::memory_order_relaxed)) {
      Tcp().expires_after(server_.options.idle_timeout);
    } else {
      Tcp().expires_at(std::min(head_deadline_, opened_ + server_.options.idle_timeout));
    }
    stream_.async_read_some(buffer_.prepare(8192), [self = Self()](beast::error_code ec, size_t n) {
      self->Guard([&] {
        self->buffer_.commit(n);
        if (ec) {
          self->CountHeadTimeout(ec);
          self->CloseNow();  // peer closed, timeout, or drain
          return;
        }
        self->StartReading();
      });
    });
  }

  /// The first bytes of a request are here: its head must be complete by the head deadline (for
  /// a new connection, counted from accept), the whole request within read_timeout.
  void StartReading() {
    phase_ = Phase::kReading;
    Clock::time_point now = Clock::now();
    request_deadline_ = now + server_.options.read_timeout;
    if (served.load(std::memory_order_relaxed)) {
      head_deadline_ = now + server_.options.head_timeout;
    }
    Tcp().expires_at(std::min(head_deadline_, request_deadline_));
    ReadMore();
  }

  /// The request head is complete: the connection is busy, the body has until read_timeout.
  void OnHeadReceived() {
    head_seen_ = true;
    served.store(true, std::memory_order_relaxed);
    waiting_since_ns.store(0, std::memory_order_relaxed);
    Tcp().expires_at(request_deadline_);
  }

  void CountHeadTimeout(beast::error_code ec) {
    if (ec == beast::error::timeout && !head_seen_ &&
        (phase_ != Phase::kIdle || !served.load(std::memory_order_relaxed))) {
      server_.head_timeouts.Inc();
    }
  }

  void ReadMore() {
    bhttp::async_read_some(
        stream_, buffer_, *parser_,
        [self = Self()](beast::error_code ec, size_t) { self->Guard([&] { self->OnRead(ec); }); });
  }

  void OnRead(beast::error_code ec) {
    if (ec) {
      if (ec == bhttp::error::header_limit) {
        Reject(431,
               fmt::format("Request header exceeds {} bytes", server_.options.max_header_bytes));
      } else if (ec == bhttp::error::body_limit) {
        Reject(413, fmt::format("Request body exceeds {} bytes", server_.options.max_body_bytes));
      } else if (ec == bhttp::error::buffer_overflow) {
        // Past the head, only a chunk line or the trailer section can fill the buffer.
        Reject(400, fmt::format("A chunk line or the trailer section of the request exceeds {} "
                                "bytes",
                                buffer_.max_size()));
      } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        Reject(400, "Malformed HTTP request");
      } else {
        CountHeadTimeout(ec);
        CloseNow();  // timeout, reset, EOF mid-request: nobody to answer
      }
      return;
    }
    if (!head_seen_ && parser_->is_header_done()) {
      OnHeadReceived();
      // A body is still to come: an ambiguous head (header_checks.h, e.g. HTTP/1.0 with
      // Transfer-Encoding) is refused now, before a 100 Continue and before the framing it
      // names reads bytes that may be the next request's.
      if (!parser_->is_done()) {
        const auto& head = parser_->get();
        if (Status checked = CheckRequestHeaders(FieldsOf(head), head.version()); !checked) {
          RefuseHead(checked.error());
          return;
        }
      }
    }
    if (!parser_->is_done()) {
      if (parser_->is_header_done() && !continue_sent_) {
        continue_sent_ = true;
        auto expect = parser_->get()[bhttp::field::expect];
        // RFC 9110 §10.1.1: tell the client to send the body it is holding back; an HTTP/1.0
        // client cannot read an interim response, so its expectation is ignored.
        if (parser_->get().version() >= 11 &&
            EqualsIgnoreCase(std::string_view(expect.data(), expect.size()), "100-continue")) {
          static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
          net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                           [self = Self()](beast::error_code write_ec, size_t) {
                             self->Guard([&] {
                               if (write_ec) {
                                 self->CloseNow();
                                 return;
                               }
                               self->ReadMore();
                             });
                           });
          return;
        }
      }
      ReadMore();
      return;
    }
    OnRequest();
  }

  // ---- Handling ----

  void OnRequest() {
    phase_ = Phase::kHandling;
    Tcp().expires_never();
    bhttp::request<bhttp::string_body> message = parser_->release();
    parser_.reset();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    is_head_ = message.method() == bhttp::verb::head;
    // A chunked request's trailer fields (RFC 9110 §6.5.1) are dropped, never taken for
    // header fields: its headers are those of its head, kept at its last chunk.
    std::vector<Field> headers =
        head_fields_ ? std::exchange(*head_fields_, {}) : FieldsOf(message);
    Status checked = CheckRequestHeaders(headers, version_);
    auto target = message.target();
    auto method = message.method_string();
    Result<Request> created = Request::Create(
        std::string(method.data(), method.size()), std::string_view(target.data(), target.size()),
        std::move(headers), std::move(message.body()), remote_);
    BeginExchange();
    if (!created || !checked) {
      // An ambiguous head (header_checks.h) may frame the next request differently than a
      // proxy in front did: answer and close.
      SendRefusal(std::move(created), checked ? created.error() : checked.error(), !checked);
      return;
    }
    request_ = std::make_shared<Request>(std::move(*created));
    if (server_.inline_health && request_->method() == "GET" && request_->path() == "/healthz") {
      Handle();  // the builtin probe never blocks: answer it even when every handler is busy
      return;
    }
    net::post(*server_.pool, [self = Self()] { self->Handle(); });
  }

  /// A head refused before its body is read (OnRead): answered as OnRequest answers it, and
  /// the connection closed (its body, if any, is never read).
  void RefuseHead(const Error& error) {
    phase_ = Phase::kHandling;
    Tcp().expires_never();
    const bhttp::request<bhttp::string_body>& head = parser_->get();
    keep_alive_ = false;
    version_ = head.version();
    is_head_ = head.method() == bhttp::verb::head;
    auto target = head.target();
    auto method = head.method_string();
    Result<Request> created = Request::Create(
        std::string(method.data(), method.size()), std::string_view(target.data(), target.size()),
        FieldsOf(head), std::string(), remote_);
    parser_.reset();
    BeginExchange();
    SendRefusal(std::move(created), error, /*close=*/true);
  }

  /// Answer a request that is not handled with `error` (its Request, when it could be made,
  /// names it in the access log and audit).
  void SendRefusal(Result<Request>&& created, Error error, bool close) {
    close_after_ = close;
    request_ = std::make_shared<Request>(created ? std::move(*created) : Request::ForPeer(remote_));
    request_->set_request_id(NewRequestId());
    SendResponse(ErrorReplyOf(error));
  }

  // ---- Writing ----

  template <class Body>
  void FillHead(bhttp::response<Body>& message, const Response& response, bool keep_alive) {
    message.version(version_);
    message.result(static_cast<unsigned>(response.status()));
    for (const Field& header : response.headers()) {
      if (!IsFramingHeader(header.first)) {
        message.insert(header.first, header.second);
      }
    }
    message.set(bhttp::field::date, HttpDate());
    message.keep_alive(keep_alive);
  }

  void SendResponse(Response response) override {
    if (closed_) {
      Complete(Outcome::kConnectionLost, nullptr);
      return;
    }
    phase_ = Phase::kResponding;
    response_started_ = true;
    response_status_ = response.status();
    response_error_ = response.error();
    keep_alive_ = KeepAlive();
    Tcp().expires_after(WriteBudget());
    if (is_head_) {
      // Headers only, announcing the body a GET would have had (RFC 9110 §9.3.2).
      auto message = std::make_shared<bhttp::response<bhttp::empty_body>>();
      FillHead(*message, response, keep_alive_);
      if (response.content_length()) {
        message->set(bhttp::field::content_length, std::to_string(*response.content_length()));
      } else if (response.is_streaming() && version_ >= 11) {
        message->set(bhttp::field::transfer_encoding, "chunked");
      } else if (!response.is_streaming()) {
        message->set(bhttp::field::content_length, std::to_string(response.body().size()));
      }
      auto serializer = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*message);
      bhttp::async_write_header(stream_, *serializer,
                                [self = Self(), message, serializer](beast::error_code ec, size_t) {
                                  self->Guard([&] { self->OnResponseWritten(ec); });
                                });
      return;
    }
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>();
    FillHead(*message, response, keep_alive_);
    int status = response.status();
    if (status < 200 || status == 204 || status == 304) {
      message->body().clear();  // these statuses carry no body (RFC 9110 §6.4.1)
    } else {
      message->body() = response.TakeBody();
    }
    message->prepare_payload();
    body_bytes_ = static_cast<int64_t>(message->body().size());
    bhttp::async_write(stream_, *message, [self = Self(), message](beast::error_code ec, size_t) {
      self->Guard([&] { self->OnResponseWritten(ec); });
    });
  }

  void OnResponseWritten(beast::error_code ec) {
    if (ec) {
      CountWriteTimeout(ec);
      Complete(Outcome::kConnectionLost, nullptr);
      CloseNow();
      return;
    }
    Complete(Outcome::kComplete, nullptr);
    AfterResponse();
  }

  void AfterResponse() {
    if (!keep_alive_) {
      CloseAfterResponse();
      return;
    }
    ReadRequest();
  }

  void CloseAfterResponse() {
    // While the server drains nobody should wait out the linger: close at once unless the
    // client already sent more (closing on unread bytes would reset the connection).
    if (server_.draining && buffer_.size() == 0) {
      CloseNow();
    } else {
      GracefulClose();
    }
  }

  void WriteChunk(bool head) override {
    if (closed_) {
      ChunkDone(net::error::operation_aborted, 0);
      return;
    }
    if (head) {
      phase_ = Phase::kResponding;
      response_started_ = true;
      response_status_ = stream_head_.status();
      sized_ = stream_head_.content_length().has_value();
      chunked_ = !sized_ && version_ >= 11;
      // Unsized on HTTP/1.0: no chunked encoding, the body ends when we close.
      keep_alive_ = KeepAlive() && (chunked_ || sized_);
      stream_message_.emplace();
      FillHead(*stream_message_, stream_head_, keep_alive_);
      if (sized_) {
        stream_message_->content_length(static_cast<uint64_t>(*stream_head_.content_length()));
      } else if (chunked_) {
        stream_message_->chunked(true);
      }
      stream_serializer_.emplace(*stream_message_);
      pace_.Restart();
      Tcp().expires_after(WriteBudget());
      bhttp::async_write_header(stream_, *stream_serializer_,
                                [self = Self()](beast::error_code ec, size_t) {
                                  self->Guard([&] {
                                    if (ec) {
                                      self->ChunkDone(ec, 0);
                                      return;
                                    }
                                    self->WriteChunkBody();
                                  });
                                });
      return;
    }
    WriteChunkBody();
  }

  void WriteChunkBody() override {
    // `sending` is ours until ChunkDone clears in_flight.
    size_t size = stream_state_.sending.size();
    if (size == 0) {
      ChunkDone({}, 0);
      return;
    }
    Tcp().expires_after(WriteBudget(size));
    auto done = [self = Self(), size, started = Clock::now()](beast::error_code ec, size_t) {
      if (!ec) {
        self->pace_.Sent(size, Clock::now() - started);
      }
      self->Guard([&] { self->ChunkDone(ec, size); });
    };
    if (chunked_) {
      net::async_write(stream_, bhttp::make_chunk(net::buffer(stream_state_.sending)),
                       std::move(done));
    } else {
      net::async_write(stream_, net::buffer(stream_state_.sending), std::move(done));
    }
  }

  void ChunkDone(beast::error_code ec, size_t size) {
    if (pulled_) {
      OnPartSent(ec, size);
      return;
    }
    if (!ec) {
      body_bytes_ += static_cast<int64_t>(size);
    }
    CountWriteTimeout(ec);
    {
      MutexLock lock(stream_state_.mu);
      stream_state_.sending.clear();
      stream_state_.in_flight = false;
      if (ec) {
        stream_state_.failed = true;
      }
    }
    stream_state_.cv.SignalAll();
  }

  void WriteLastChunk() override {
    if (closed_) {
      Complete(Outcome::kConnectionLost, nullptr);
      return;
    }
    if (sized_) {
      // RunProducer checked that exactly the declared length went out.
      Complete(Outcome::kComplete, nullptr);
      AfterResponse();
      return;
    }
    if (!chunked_) {
      Complete(Outcome::kComplete, nullptr);
      GracefulClose();
      return;
    }
    Tcp().expires_after(WriteBudget());
    net::async_write(stream_, bhttp::make_chunk_last(),
                     [self = Self()](beast::error_code ec, size_t) {
                       self->Guard([&] { self->OnResponseWritten(ec); });
                     });
  }

  /// Answer a request that could not be read (431, 413, 400) and close.
  void Reject(int status, std::string message) {
    request_ = std::make_shared<Request>(Request::ForPeer(remote_));
    request_->set_request_id(NewRequestId());
    BeginExchange();
    close_after_ = true;
    is_head_ = false;
    version_ = 11;
    std::string_view code = "MALFORMED_REQUEST";
    Response response = StatusErrorResponse(status, code, message);
    response.SetHeader("X-Request-Id", request_->request_id());
    response.set_error(Error{ErrorCode::kMalformedRequest, std::move(message)});
    SendResponse(std::move(response));
  }

  // ---- Closing ----

  /// Close after the response: send FIN, drain what the client still sends for a moment so
  /// it reads our response instead of a reset, then close.
  void GracefulClose() {
    if (closed_ || phase_ == Phase::kClosing) {
      return;
    }
    phase_ = Phase::kClosing;
    auto linger = std::min<std::chrono::milliseconds>(server_.options.read_timeout,
                                                      std::chrono::milliseconds(2000));
    Tcp().expires_after(linger);
    if constexpr (kTls) {
      stream_.async_shutdown([self = Self()](beast::error_code) { self->CloseNow(); });
    } else {
      beast::error_code ignored;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
      Drain();
    }
  }

  void Drain() {
    Tcp().async_read_some(net::buffer(drain_), [self = Self()](beast::error_code ec, size_t) {
      if (ec) {
        self->CloseNow();
        return;
      }
      self->Drain();
    });
  }

  void CloseNow() override {
    if (closed_) {
      return;
    }
    closed_ = true;
    phase_ = Phase::kClosed;
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Tcp().close();
  }

  // The read buffer holds what the parser has not consumed: a partial head (at most
  // max_header_bytes), a partial chunk line or trailer section (Beast bounds neither: a chunk
  // extension of 300 MB was buffered whole), plus one read (Beast reads 64 KiB at most).
  static constexpr size_t kReadSlackBytes = 64 * 1024;

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  // Beast merges a chunked request's trailer fields into its header fields; the last chunk's
  // header is parsed just before them, so its callback keeps the head's fields.
  std::optional<std::vector<Field>> head_fields_;
  std::function<void(uint64_t, beast::string_view, beast::error_code&)> on_chunk_header_ =
      [this](uint64_t size, beast::string_view, beast::error_code&) {
        if (size == 0) {
          head_fields_ = FieldsOf(parser_->get());
        }
      };
  Phase phase_ = Phase::kStarting;
  bool continue_sent_ = false;
  bool head_seen_ = false;  // the current request's head is complete
  Clock::time_point opened_;
  Clock::time_point head_deadline_;
  Clock::time_point request_deadline_;

  // The framing of the current stream.
  bool chunked_ = true;
  bool sized_ = false;  // Content-Length framing (Response::SizedStream)
  std::optional<bhttp::response<bhttp::empty_body>> stream_message_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> stream_serializer_;

  char drain_[4096];
};

using PlainSession = Session<beast::tcp_stream>;
using TlsSession = Session<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace

void StartConnection(ServerCore& server, tcp::socket socket, std::string limit_key) {
  if (server.ssl) {
    auto session = std::make_shared<TlsSession>(server, std::move(socket), std::move(limit_key));
    server.Register(session);
    session->Start();
  } else {
    auto session = std::make_shared<PlainSession>(server, std::move(socket), std::move(limit_key));
    server.Register(session);
    session->Start();
  }
}

}  // namespace lakeshare::http::internal
