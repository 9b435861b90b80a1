// The Beast/Asio side of the server: acceptor, connections (plain and TLS), timeouts, chunked
// streaming with backpressure, graceful stop. The only translation unit that sees Boost.
//
// Threads: network completions run on each connection's strand (io threads); handlers and body
// producers run on the handler pool. A connection alternates strictly between reading one
// request, handling it and writing its response (no pipelined processing), so apart from the
// stream hand-off below nothing on a connection is touched by two threads at once.
//
// Stream hand-off: the producer fills `pending` on its thread; Flush waits until no chunk is in
// flight, swaps `pending` into StreamState::sending and posts the write to the strand, which
// clears `in_flight` when the socket accepted it. At most one chunk is being written and one is
// being filled, which is what bounds memory and paces the producer by the socket.
#include "http/server.h"

#include <signal.h>
#include <time.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>

#include "common/strings.h"
#include "http/error_response.h"

namespace lakeshare::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

// ---- Log lines ----

std::string NowIso8601() {
  auto now = std::chrono::system_clock::now();
  int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  time_t seconds = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms % 1000);
}

/// RFC 9110 §5.6.7 IMF-fixdate, cached per thread and second.
const std::string& HttpDate() {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  thread_local time_t cached = 0;
  thread_local std::string text;
  time_t now = time(nullptr);
  if (now != cached) {
    struct tm tm {};
    gmtime_r(&now, &tm);
    text = fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kDays[tm.tm_wday], tm.tm_mday,
                       kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    cached = now;
  }
  return text;
}

/// One structured log line: {"ts":..., "level":..., "event":..., ...}.
class JsonLine {
 public:
  JsonLine(std::string_view level, std::string_view event) {
    out_ = "{\"ts\":\"";
    out_ += NowIso8601();
    out_ += '"';
    Str("level", level);
    Str("event", event);
  }
  JsonLine& Str(std::string_view key, std::string_view value) {
    Key(key);
    AppendJsonString(out_, value);
    return *this;
  }
  JsonLine& Int(std::string_view key, int64_t value) {
    Key(key);
    out_ += std::to_string(value);
    return *this;
  }
  JsonLine& Num(std::string_view key, double value) {
    Key(key);
    AppendJsonDouble(out_, value);
    return *this;
  }
  std::string Take() {
    out_ += '}';
    return std::move(out_);
  }

 private:
  void Key(std::string_view key) {
    out_ += ',';
    AppendJsonString(out_, key);
    out_ += ':';
  }
  std::string out_;
};

/// Query parameters whose values must never reach a log: tokens, signatures, keys, secrets.
bool IsSensitiveName(std::string_view name) {
  std::string lower = ToLower(name);
  for (std::string_view word :
       {"token", "sig", "secret", "password", "key", "credential", "auth", "code"}) {
    if (lower.find(word) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string RedactedQuery(const Request& request) {
  std::string out;
  for (const Field& field : request.query_params()) {
    if (!out.empty()) {
      out += '&';
    }
    out += field.first;
    out += '=';
    out += IsSensitiveName(field.first) ? std::string_view("REDACTED")
                                        : std::string_view(field.second);
  }
  return out;
}

/// Method label values come from a closed set so clients cannot mint series.
std::string_view MethodLabel(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}) {
    if (method == known) {
      return known;
    }
  }
  return "OTHER";
}

bool IsFramingHeader(std::string_view name) {
  return EqualsIgnoreCase(name, "Content-Length") || EqualsIgnoreCase(name, "Transfer-Encoding") ||
         EqualsIgnoreCase(name, "Connection") || EqualsIgnoreCase(name, "Keep-Alive") ||
         EqualsIgnoreCase(name, "Date");
}

std::string RemoteAddressOf(const tcp::socket& socket) {
  beast::error_code ec;
  tcp::endpoint endpoint = socket.remote_endpoint(ec);
  if (ec) {
    return "";
  }
  net::ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return net::ip::make_address_v4(net::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

/// "host:port" or "[v6]:port".
Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view listen) {
  std::string_view host;
  std::string_view port;
  if (!listen.empty() && listen.front() == '[') {
    size_t close = listen.find(']');
    if (close == std::string_view::npos || close + 1 >= listen.size() || listen[close + 1] != ':') {
      return InvalidArgument("Listen address '{}' is not [host]:port", listen);
    }
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos) {
      return InvalidArgument("Listen address '{}' is not host:port", listen);
    }
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string_view::npos) {
    return InvalidArgument("Listen address '{}' has a bad port", listen);
  }
  int value = std::stoi(std::string(port));
  if (value > 65535) {
    return InvalidArgument("Listen address '{}' has a bad port", listen);
  }
  return std::make_pair(std::string(host.empty() ? "0.0.0.0" : host), static_cast<uint16_t>(value));
}

// ---- Streaming hand-off ----

struct StreamState {
  std::mutex mu;
  std::condition_variable cv;
  bool in_flight = false;  // `sending` belongs to the network side while true
  bool failed = false;     // the connection can take no more
  std::string sending;
};

class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  /// Close the connection if it waits for a request; otherwise close after the response.
  virtual void BeginDrain() = 0;
  /// Close the connection now.
  virtual void ForceClose() = 0;
  /// Write StreamState::sending (after the response head when `head` is true).
  virtual void PostWriteChunk(bool head) = 0;
};

class StreamWriterImpl final : public StreamWriter {
 public:
  /// `length`: the declared body length of a sized stream, nullopt for a chunked one.
  StreamWriterImpl(std::shared_ptr<SessionBase> session, StreamState& state, size_t chunk_bytes,
                   std::optional<int64_t> length)
      : session_(std::move(session)), state_(state), chunk_bytes_(chunk_bytes), length_(length) {
    pending_.reserve(chunk_bytes_ + chunk_bytes_ / 4);
  }

  Status Write(std::string_view data) override {
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

  Status Hand(std::string& data) override {
    if (failed_ || length_ || !pending_.empty() || data.size() < chunk_bytes_) {
      return StreamWriter::Hand(data);
    }
    written_ += static_cast<int64_t>(data.size());
    pending_.swap(data);
    data.clear();
    return Flush();
  }

  Status Flush() override {
    if (!WaitIdle()) {
      return Gone();
    }
    bool head = !head_sent_;
    if (pending_.empty() && !head) {
      return OkStatus();
    }
    {
      std::lock_guard<std::mutex> lock(state_.mu);
      state_.sending.swap(pending_);  // `sending` was cleared; keep its capacity for reuse
      state_.in_flight = true;
    }
    pending_.clear();
    head_sent_ = true;
    session_->PostWriteChunk(head);
    return OkStatus();
  }

  /// Wait until no chunk is in flight; false when the connection failed.
  bool WaitIdle() {
    std::unique_lock<std::mutex> lock(state_.mu);
    state_.cv.wait(lock, [this] { return !state_.in_flight || state_.failed; });
    failed_ = state_.failed;
    return !failed_;
  }

  bool head_sent() const { return head_sent_; }
  bool failed() const { return failed_; }
  /// Body bytes accepted from the producer so far.
  int64_t written() const { return written_; }
  std::string TakePending() { return std::move(pending_); }

 private:
  static tl::unexpected<Error> Gone() {
    return MakeError(ErrorCode::kUnavailable, "Client connection closed");
  }

  std::shared_ptr<SessionBase> session_;
  StreamState& state_;
  size_t chunk_bytes_;
  std::optional<int64_t> length_;
  int64_t written_ = 0;
  std::string pending_;
  bool head_sent_ = false;
  bool failed_ = false;
};

}  // namespace

// ---- Server state ----

namespace internal {

/// Everything the server shares with its connections.
struct ServerCore {
  ServerCore(ServerOptions opts, Router& r, MetricsRegistry& m);

  void Register(const std::shared_ptr<SessionBase>& session);
  void Unregister(SessionBase* session);
  std::vector<std::shared_ptr<SessionBase>> Sessions();

  void Log(std::string line) const { log(line); }
  void LogError(std::string_view event, std::string_view request_id, std::string_view detail) {
    Log(JsonLine("error", event).Str("request_id", request_id).Str("detail", detail).Take());
  }
  void RecordExchange(const Request& request, int status, int64_t bytes, double seconds,
                      Outcome outcome, const Error* error);

  void DoAccept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void RunIo();

  ServerOptions options;
  Router& router;
  MetricsRegistry& metrics;
  LogSink log;
  Counter& requests_total;
  Histogram& request_seconds;
  Counter& response_bytes;
  Counter& incomplete_total;
  Gauge& in_flight;
  Gauge& connections_open;
  Counter& connections_total;

  // Declared before the io_context: sessions destroyed with it still unregister here.
  std::mutex mu;
  std::condition_variable sessions_cv;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions;  // guarded by mu

  std::atomic<bool> draining{false};
  std::atomic<uint16_t> bound_port{0};
  bool started = false;
  bool stopped = false;

  int io_thread_count = 1;
  std::unique_ptr<net::ssl::context> ssl;  // outlives the io_context and its TLS streams
  std::unique_ptr<net::io_context> ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<net::thread_pool> pool;
  std::vector<std::thread> threads;
};

}  // namespace internal

struct Server::Impl : internal::ServerCore {
  using ServerCore::ServerCore;
};

namespace {

// ---- One connection ----

template <class Stream>
class Session final : public SessionBase {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  Session(internal::ServerCore& server, tcp::socket&& socket)
      : server_(server),
        remote_(RemoteAddressOf(socket)),
        stream_(MakeStream(std::move(socket), server.ssl.get())) {
    server_.connections_open.Add({}, 1);
    server_.connections_total.Inc();
  }

  ~Session() override {
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

  void OnException(std::string_view what) {
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

  void DoStart() {
    if (server_.draining) {
      CloseNow();
      return;
    }
    if constexpr (kTls) {
      Tcp().expires_after(server_.options.read_timeout);
      stream_.async_handshake(net::ssl::stream_base::server, [self = Self()](beast::error_code ec) {
        self->Guard([&] {
          if (ec) {
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
    parser_->header_limit(
        static_cast<uint32_t>(std::min<size_t>(server_.options.max_header_bytes, UINT32_MAX)));
    parser_->body_limit(static_cast<uint64_t>(server_.options.max_body_bytes));
    continue_sent_ = false;
    if (buffer_.size() > 0) {
      // Pipelined bytes already arrived: the request has started.
      phase_ = Phase::kReading;
      Tcp().expires_after(server_.options.read_timeout);
      ReadMore();
      return;
    }
    // Wait for the first byte under the idle timeout, then give the whole request read_timeout.
    phase_ = Phase::kIdle;
    Tcp().expires_after(server_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(8192), [self = Self()](beast::error_code ec, size_t n) {
      self->Guard([&] {
        self->buffer_.commit(n);
        if (ec) {
          self->CloseNow();  // peer closed, idle timeout, or drain
          return;
        }
        self->phase_ = Phase::kReading;
        self->Tcp().expires_after(self->server_.options.read_timeout);
        self->ReadMore();
      });
    });
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
      } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
                 ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
        Reject(400, "Malformed HTTP request");
      } else {
        CloseNow();  // timeout, reset, EOF mid-request: nobody to answer
      }
      return;
    }
    if (!parser_->is_done()) {
      if (parser_->is_header_done() && !continue_sent_) {
        continue_sent_ = true;
        auto expect = parser_->get()[bhttp::field::expect];
        if (EqualsIgnoreCase(std::string_view(expect.data(), expect.size()), "100-continue")) {
          // RFC 9110 §10.1.1: tell the client to send the body it is holding back.
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

  void BeginExchange() {
    exchange_open_ = true;
    response_started_ = false;
    close_after_ = false;
    body_bytes_ = 0;
    response_status_ = 0;
    response_error_.reset();
    start_ = Clock::now();
    server_.in_flight.Add({}, 1);
  }

  void OnRequest() {
    phase_ = Phase::kHandling;
    Tcp().expires_never();
    bhttp::request<bhttp::string_body> message = parser_->release();
    parser_.reset();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    is_head_ = message.method() == bhttp::verb::head;
    std::vector<Field> headers;
    for (const auto& field : message) {
      headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    auto target = message.target();
    auto method = message.method_string();
    Result<Request> created = Request::Create(
        std::string(method.data(), method.size()), std::string_view(target.data(), target.size()),
        std::move(headers), std::move(message.body()), remote_);
    BeginExchange();
    if (!created) {
      request_ = std::make_shared<Request>(Request::ForPeer(remote_));
      request_->set_request_id(NewRequestId());
      Response response = ErrorResponse(created.error(), request_->request_id());
      response.SetHeader("X-Request-Id", request_->request_id());
      SendResponse(std::move(response));
      return;
    }
    request_ = std::make_shared<Request>(std::move(*created));
    net::post(*server_.pool, [self = Self()] { self->Handle(); });
  }

  /// Runs on the handler pool.
  void Handle() {
    Response response;
    try {
      response = server_.router.Dispatch(*request_);
    } catch (const std::exception& e) {
      response = HandlerThrew(e.what());
    } catch (...) {
      response = HandlerThrew("non-standard exception");
    }
    if (response.is_streaming() && !is_head_) {
      RunProducer(std::move(response));
      return;
    }
    net::post(stream_.get_executor(), [self = Self(), response = std::move(response)]() mutable {
      self->Guard([&] { self->SendResponse(std::move(response)); });
    });
  }

  Response HandlerThrew(std::string_view what) {
    if (request_->request_id().empty()) {
      request_->set_request_id(NewRequestId());
    }
    server_.LogError("handler_exception", request_->request_id(), what);
    Response response =
        ErrorResponse(Error{ErrorCode::kInternal, fmt::format("Handler threw: {}", what)},
                      request_->request_id());
    response.SetHeader("X-Request-Id", request_->request_id());
    return response;
  }

  /// Runs on the handler pool: drive the producer, then finish or abort the stream.
  void RunProducer(Response response) {
    BodyProducer producer = response.TakeProducer();
    const std::optional<int64_t> length = response.content_length();
    {
      std::lock_guard<std::mutex> lock(stream_state_.mu);
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
        net::post(stream_.get_executor(), [self = Self(), whole = std::move(whole)]() mutable {
          self->Guard([&] { self->SendResponse(std::move(whole)); });
        });
        return;
      }
      bool ok = writer.Flush().has_value() && writer.WaitIdle();
      net::post(stream_.get_executor(), [self = Self(), ok] {
        self->Guard([&] {
          if (ok) {
            self->WriteLastChunk();
          } else {
            self->Complete(Outcome::kConnectionLost, nullptr);
            self->CloseNow();
          }
        });
      });
      return;
    }
    if (!writer.head_sent()) {
      Response error = ErrorResponse(status.error(), request_->request_id());
      error.SetHeader("X-Request-Id", request_->request_id());
      net::post(stream_.get_executor(), [self = Self(), error = std::move(error)]() mutable {
        self->Guard([&] { self->SendResponse(std::move(error)); });
      });
      return;
    }
    // Headers went out: close without the last chunk so the client sees a truncated body.
    bool connection_ok = writer.WaitIdle();
    net::post(stream_.get_executor(), [self = Self(), connection_ok, error = status.error()] {
      self->Guard([&] {
        self->Complete(connection_ok ? Outcome::kStreamAborted : Outcome::kConnectionLost, &error);
        self->CloseNow();
      });
    });
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

  bool KeepAlive() const { return keep_alive_ && !close_after_ && !server_.draining; }

  void SendResponse(Response response) {
    if (closed_) {
      Complete(Outcome::kConnectionLost, nullptr);
      return;
    }
    phase_ = Phase::kResponding;
    response_started_ = true;
    response_status_ = response.status();
    response_error_ = response.error();
    keep_alive_ = KeepAlive();
    Tcp().expires_after(server_.options.write_timeout);
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

  void WriteChunk(bool head) {
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
      Tcp().expires_after(server_.options.write_timeout);
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

  void WriteChunkBody() {
    // `sending` is ours until ChunkDone clears in_flight.
    size_t size = stream_state_.sending.size();
    if (size == 0) {
      ChunkDone({}, 0);
      return;
    }
    Tcp().expires_after(server_.options.write_timeout);
    auto done = [self = Self(), size](beast::error_code ec, size_t) {
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
    if (!ec) {
      body_bytes_ += static_cast<int64_t>(size);
    }
    {
      std::lock_guard<std::mutex> lock(stream_state_.mu);
      stream_state_.sending.clear();
      stream_state_.in_flight = false;
      if (ec) {
        stream_state_.failed = true;
      }
    }
    stream_state_.cv.notify_all();
  }

  void WriteLastChunk() {
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
    Tcp().expires_after(server_.options.write_timeout);
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

  /// Record the exchange once: metrics, access log, completion hooks.
  void Complete(Outcome outcome, const Error* error) {
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

  void CloseNow() {
    if (closed_) {
      return;
    }
    closed_ = true;
    phase_ = Phase::kClosed;
    beast::error_code ignored;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Tcp().close();
  }

  internal::ServerCore& server_;
  std::string remote_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  Phase phase_ = Phase::kStarting;
  bool closed_ = false;
  bool continue_sent_ = false;

  // The current exchange (strand, and the handler pool while phase_ is kHandling).
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

  // Streaming.
  StreamState stream_state_;
  Response stream_head_;
  bool chunked_ = true;
  bool sized_ = false;  // Content-Length framing (Response::SizedStream)
  std::optional<bhttp::response<bhttp::empty_body>> stream_message_;
  std::optional<bhttp::response_serializer<bhttp::empty_body>> stream_serializer_;

  char drain_[4096];
};

using PlainSession = Session<beast::tcp_stream>;
using TlsSession = Session<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace

// ---- Server::Impl ----

internal::ServerCore::ServerCore(ServerOptions opts, Router& r, MetricsRegistry& m)
    : options(std::move(opts)),
      router(r),
      metrics(m),
      log(options.log_sink ? options.log_sink : StderrLogSink()),
      requests_total(m.AddCounter("lakeshare_http_requests_total",
                                  "HTTP requests answered, by method, route pattern and status.",
                                  {"method", "route", "status"})),
      request_seconds(m.AddHistogram(
          "lakeshare_http_request_duration_seconds",
          "Time from a request fully read to its response fully written, in seconds.",
          {"method", "route", "status"})),
      response_bytes(m.AddCounter("lakeshare_http_response_body_bytes_total",
                                  "Response body bytes written, by method and route pattern.",
                                  {"method", "route"})),
      incomplete_total(
          m.AddCounter("lakeshare_http_responses_incomplete_total",
                       "Responses that did not end normally: stream_aborted or connection_lost.",
                       {"route", "outcome"})),
      in_flight(m.AddGauge("lakeshare_http_requests_in_flight",
                           "Requests read and not yet fully answered.")),
      connections_open(
          m.AddGauge("lakeshare_http_connections_open", "Client connections currently open.")),
      connections_total(
          m.AddCounter("lakeshare_http_connections_total", "Client connections accepted.")) {}

void internal::ServerCore::Register(const std::shared_ptr<SessionBase>& session) {
  std::lock_guard<std::mutex> lock(mu);
  sessions.emplace(session.get(), session);
}

void internal::ServerCore::Unregister(SessionBase* session) {
  {
    std::lock_guard<std::mutex> lock(mu);
    sessions.erase(session);
  }
  sessions_cv.notify_all();
}

std::vector<std::shared_ptr<SessionBase>> internal::ServerCore::Sessions() {
  std::vector<std::shared_ptr<SessionBase>> out;
  std::lock_guard<std::mutex> lock(mu);
  for (auto& [raw, weak] : sessions) {
    if (auto session = weak.lock()) {
      out.push_back(std::move(session));
    }
  }
  return out;
}

void internal::ServerCore::RecordExchange(const Request& request, int status, int64_t bytes,
                                          double seconds, Outcome outcome, const Error* error) {
  std::string route = request.route().empty() ? "unmatched" : request.route();
  std::string method(MethodLabel(request.method()));
  std::string status_text = std::to_string(status);
  requests_total.Inc({method, route, status_text});
  request_seconds.Observe({method, route, status_text}, seconds);
  response_bytes.Inc({method, route}, static_cast<double>(bytes));
  if (outcome != Outcome::kComplete) {
    incomplete_total.Inc({route, std::string(OutcomeName(outcome))});
  }
  if (options.access_log) {
    bool failed = status >= 500 || outcome == Outcome::kStreamAborted;
    JsonLine line(failed ? "error" : (status >= 400 ? "warn" : "info"), "http_request");
    line.Str("request_id", request.request_id())
        .Str("remote", request.remote_address())
        .Str("method", request.method())
        .Str("path", Router::LogPathOf(request) ? request.path() : request.route())
        .Str("query", Router::LogPathOf(request) ? RedactedQuery(request) : "")
        .Str("route", route)
        .Int("status", status)
        .Int("bytes", bytes)
        .Num("duration_ms", std::round(seconds * 1e6) / 1e3)
        .Str("outcome", OutcomeName(outcome));
    if (!request.principal().empty()) {
      line.Str("principal", request.principal());
    }
    if (const std::string* agent = request.Header("User-Agent")) {
      line.Str("user_agent", std::string_view(*agent).substr(0, 256));
    }
    if (error != nullptr) {
      // Internal detail is fine here: the log is the operator's, not the client's.
      line.Str("error", error->ToString());
    }
    Log(line.Take());
  }
  try {
    Completion completion{request, status, bytes, seconds, outcome, error};
    router.Complete(completion);
  } catch (const std::exception& e) {
    LogError("completion_hook_exception", request.request_id(), e.what());
  } catch (...) {
    LogError("completion_hook_exception", request.request_id(), "non-standard exception");
  }
}

void internal::ServerCore::DoAccept() {
  acceptor->async_accept(net::make_strand(*ioc), [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void internal::ServerCore::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor->is_open()) {
    return;
  }
  if (ec) {
    // EMFILE and friends: log, back off briefly so we do not spin, keep accepting.
    Log(JsonLine("error", "accept_failed").Str("detail", ec.message()).Take());
    auto timer = std::make_shared<net::steady_timer>(acceptor->get_executor());
    timer->expires_after(std::chrono::milliseconds(50));
    timer->async_wait([this, timer](beast::error_code) {
      if (acceptor->is_open()) {
        DoAccept();
      }
    });
    return;
  }
  bool full;
  {
    std::lock_guard<std::mutex> lock(mu);
    full = sessions.size() >= options.max_connections;
  }
  if (full || draining) {
    beast::error_code ignored;
    socket.close(ignored);
  } else {
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (ssl) {
      auto session = std::make_shared<TlsSession>(*this, std::move(socket));
      Register(session);
      session->Start();
    } else {
      auto session = std::make_shared<PlainSession>(*this, std::move(socket));
      Register(session);
      session->Start();
    }
  }
  DoAccept();
}

void internal::ServerCore::RunIo() {
  while (true) {
    try {
      ioc->run();
      return;
    } catch (const std::exception& e) {
      LogError("network_thread_exception", "", e.what());
    } catch (...) {
      LogError("network_thread_exception", "", "non-standard exception");
    }
  }
}

// ---- Server ----

LogSink StderrLogSink() {
  return [](std::string_view line) {
    std::string text(line);
    text += '\n';
    std::fwrite(text.data(), 1, text.size(), stderr);  // one call: lines do not interleave
  };
}

Server::Server(ServerOptions options, Router& router, MetricsRegistry& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), router, metrics)) {
  if (!impl_->options.builtin_routes) {
    return;
  }
  Impl* impl = impl_.get();
  RouteOptions open{.authenticate = false};
  if (!router.HasRoute("GET", "/healthz")) {
    (void)router.Handle(
        "GET", "/healthz",
        [](Request&) -> Result<Response> { return Response::Json("{\"status\":\"ok\"}"); }, open);
  }
  if (!router.HasRoute("GET", "/readyz")) {
    (void)router.Handle(
        "GET", "/readyz",
        [impl](Request&) -> Result<Response> {
          bool ready = !impl->draining && (!impl->options.readiness || impl->options.readiness());
          return ready ? Response::Json("{\"status\":\"ready\"}")
                       : Response::Json("{\"status\":\"not ready\"}", 503);
        },
        open);
  }
  if (!router.HasRoute("GET", "/metrics")) {
    (void)router.Handle(
        "GET", "/metrics",
        [impl](Request&) -> Result<Response> {
          return Response::Text(impl->metrics.Render(), 200, kMetricsContentType);
        },
        open);
  }
}

Server::~Server() { Stop(std::chrono::milliseconds(0)); }

Status Server::Start() {
  Impl& impl = *impl_;
  if (impl.started) {
    return MakeError(ErrorCode::kInternal, "Server already started");
  }
  LS_ASSIGN_OR_RETURN(auto host_port, ParseListen(impl.options.listen));
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  impl.io_thread_count =
      impl.options.io_threads > 0 ? impl.options.io_threads : static_cast<int>(cores);
  int handler_threads = impl.options.handler_threads > 0
                            ? impl.options.handler_threads
                            : static_cast<int>(std::max(8u, 4 * cores));
  impl.ioc = std::make_unique<net::io_context>(impl.io_thread_count);

  if (!impl.options.tls_cert_file.empty() || !impl.options.tls_key_file.empty()) {
    if (impl.options.tls_cert_file.empty() || impl.options.tls_key_file.empty()) {
      return InvalidArgument("TLS needs both a certificate file and a key file");
    }
    impl.ssl = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    beast::error_code ec;
    impl.ssl->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                              net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                              net::ssl::context::no_tlsv1_1 | net::ssl::context::single_dh_use,
                          ec);
    impl.ssl->use_certificate_chain_file(impl.options.tls_cert_file, ec);
    if (ec) {
      return InvalidArgument("Cannot load TLS certificate '{}': {}", impl.options.tls_cert_file,
                             ec.message());
    }
    impl.ssl->use_private_key_file(impl.options.tls_key_file, net::ssl::context::pem, ec);
    if (ec) {
      return InvalidArgument("Cannot load TLS key '{}': {}", impl.options.tls_key_file,
                             ec.message());
    }
  }

  beast::error_code ec;
  tcp::endpoint endpoint;
  net::ip::address address = net::ip::make_address(host_port.first, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, host_port.second);
  } else {
    tcp::resolver resolver(*impl.ioc);
    auto results = resolver.resolve(host_port.first, std::to_string(host_port.second), ec);
    if (ec || results.empty()) {
      return InvalidArgument("Cannot resolve listen host '{}'", host_port.first);
    }
    endpoint = results.begin()->endpoint();
  }
  impl.acceptor = std::make_unique<tcp::acceptor>(net::make_strand(*impl.ioc));
  auto fail = [&](std::string_view step) {
    return MakeError(ErrorCode::kUnavailable,
                     fmt::format("Cannot {} {}: {}", step, impl.options.listen, ec.message()));
  };
  impl.acceptor->open(endpoint.protocol(), ec);
  if (ec) {
    return fail("open a socket for");
  }
  impl.acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (endpoint.address().is_v6()) {
    impl.acceptor->set_option(net::ip::v6_only(false), ec);  // "[::]" takes IPv4 too
  }
  impl.acceptor->bind(endpoint, ec);
  if (ec) {
    return fail("bind");
  }
  impl.acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail("listen on");
  }
  impl.bound_port = impl.acceptor->local_endpoint(ec).port();

  impl.pool = std::make_unique<net::thread_pool>(static_cast<size_t>(handler_threads));
  impl.work.emplace(net::make_work_guard(*impl.ioc));
  net::post(impl.acceptor->get_executor(), [&impl] { impl.DoAccept(); });
  for (int i = 0; i < impl.io_thread_count; ++i) {
    impl.threads.emplace_back([&impl] { impl.RunIo(); });
  }
  impl.started = true;
  impl.Log(JsonLine("info", "server_started")
               .Str("listen", impl.options.listen)
               .Int("port", impl.bound_port)
               .Int("io_threads", impl.io_thread_count)
               .Int("handler_threads", handler_threads)
               .Str("tls", impl.ssl ? "on" : "off")
               .Take());
  return OkStatus();
}

uint16_t Server::port() const { return impl_->bound_port; }

size_t Server::ConnectionCountForTest() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->sessions.size();
}

void Server::Stop(std::chrono::milliseconds grace) {
  Impl& impl = *impl_;
  if (!impl.started || impl.stopped) {
    return;
  }
  impl.stopped = true;
  impl.draining = true;
  auto deadline = Clock::now() + grace;

  // 1. Refuse new connections.
  std::promise<void> closed;
  net::dispatch(impl.acceptor->get_executor(), [&impl, &closed] {
    beast::error_code ignored;
    impl.acceptor->close(ignored);
    closed.set_value();
  });
  closed.get_future().wait();

  // 2. Close idle connections; busy ones close after their response.
  for (auto& session : impl.Sessions()) {
    session->BeginDrain();
  }
  // 3. Let in-flight exchanges finish within the grace period.
  {
    std::unique_lock<std::mutex> lock(impl.mu);
    impl.sessions_cv.wait_until(lock, deadline, [&impl] { return impl.sessions.empty(); });
  }
  // 4. Close what is left; blocked producers see their writes fail and return.
  size_t left = impl.Sessions().size();
  for (auto& session : impl.Sessions()) {
    session->ForceClose();
  }
  impl.pool->join();
  {
    std::unique_lock<std::mutex> lock(impl.mu);
    impl.sessions_cv.wait_for(lock, std::chrono::seconds(5),
                              [&impl] { return impl.sessions.empty(); });
  }
  // 5. Stop the network threads.
  impl.work.reset();
  impl.ioc->stop();
  for (std::thread& thread : impl.threads) {
    thread.join();
  }
  impl.threads.clear();
  impl.acceptor.reset();
  impl.ioc.reset();  // destroys leftover handlers, and with them their connections
  impl.Log(JsonLine("info", "server_stopped").Int("connections_cut", left).Take());
}

// ---- Signals ----

void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int WaitForShutdownSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal_number = 0;
  while (sigwait(&set, &signal_number) != 0) {
  }
  return signal_number;
}

}  // namespace lakeshare::http
