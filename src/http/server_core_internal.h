// The server's shared state (internal to http/; the only headers that include Boost are the
// *_internal.h files of the server). ServerCore is what the listener, the connections and the
// public Server share: options, router, metrics, the set of open connections, the io_context and
// the handler pool.
//
// Files: listener.cc binds and accepts, connection.cc runs one connection's network side over
// its stream (plain or TLS) and connection_base.cc the rest of it (its exchange, the handler
// pool's side of a response), stream_writer.cc hands streamed bodies from producers to
// connections, send_pace.cc holds a streamed response to the minimum send rate, tls.cc loads
// certificates, builtin_routes.cc serves /healthz, /readyz and /metrics, server_core.cc records
// exchanges, server.cc starts and stops it all.
//
// Thread-safety: `sessions` is guarded by `mu`; the acceptor runs on its own strand; everything
// else is set before Start returns and read-only afterwards (draining and bound_port are atomic).
#pragma once

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core/error.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "common/thread_annotations.h"
#include "http/log_line_internal.h"
#include "http/server.h"

namespace lakeshare::http::internal {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

/// One open connection as the server sees it.
class SessionBase : public std::enable_shared_from_this<SessionBase> {
 public:
  virtual ~SessionBase() = default;
  /// Close the connection if it waits for a request; otherwise close after the response.
  virtual void BeginDrain() = 0;
  /// Close the connection now.
  virtual void ForceClose() = 0;
  /// Write StreamState::sending (after the response head when `head` is true).
  virtual void PostWriteChunk(bool head) = 0;
  /// Close the connection if it still waits for a request head (room under pressure).
  virtual void EvictIfWaiting() = 0;

  /// Since when (steady clock, ns) the connection waits for a request head; 0 while a request
  /// is handled or answered. Written on the connection's strand, read by the acceptor.
  std::atomic<int64_t> waiting_since_ns{0};
  /// Whether a request head ever arrived on this connection.
  std::atomic<bool> served{false};
  /// Chosen for eviction: counted in ServerCore::evictions_pending until it closes (or turns
  /// out busy).
  std::atomic<bool> evicting{false};
  /// The per-address limit key (address_key.h); "" when not counted. Constant once registered.
  std::string limit_key;
};

/// Now on the steady clock, in nanoseconds.
inline int64_t SteadyNowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

/// Everything the server shares with its connections.
struct ServerCore {
  ServerCore(ServerOptions opts, Router& r, MetricsRegistry& m);

  void Register(const std::shared_ptr<SessionBase>& session) LS_EXCLUDES(mu);
  void Unregister(SessionBase* session) LS_EXCLUDES(mu);
  std::vector<std::shared_ptr<SessionBase>> Sessions() LS_EXCLUDES(mu);

  void Log(std::string line) const { log(line); }
  void LogError(std::string_view event, std::string_view request_id, std::string_view detail) {
    Log(JsonLine("error", event).Str("request_id", request_id).Str("detail", detail).Take());
  }
  /// Metrics, access log line and completion hooks of one finished exchange.
  void RecordExchange(const Request& request, int status, int64_t bytes, double seconds,
                      Outcome outcome, const Error* error);

  /// Resolve, bind and listen on options.listen (listener.cc).
  Status Listen();
  void DoAccept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  /// Refuse an accepted connection over a limit (`reason`: per_address, max_connections).
  void Refuse(tcp::socket& socket, std::string_view reason);
  /// Close up to `count` connections that wait longest for a request head; returns how many
  /// were chosen.
  size_t EvictWaiting(size_t count);
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
  Counter& connections_refused;
  Counter& connections_evicted;
  Counter& head_timeouts;
  Counter& write_timeouts;
  Counter& send_rate_cuts;

  // Declared before the io_context: sessions destroyed with it still unregister here.
  Mutex mu;
  CondVar sessions_cv;
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions LS_GUARDED_BY(mu);
  std::unordered_map<std::string, size_t> per_address LS_GUARDED_BY(mu);  // open ones by key
  /// Connections chosen for eviction and not closed yet: a new connection may take their place.
  std::atomic<size_t> evictions_pending{0};
  // Refusals not yet logged, and when the last log line went out (acceptor strand only).
  uint64_t refusals_unlogged = 0;
  int64_t refusal_logged_ns = 0;
  /// GET /healthz is the builtin one: answer it on the network thread.
  bool inline_health = false;

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

/// How far open connections may exceed max_connections while the ones chosen to make room
/// close (a tenth of it): the listener evicts when fewer than this are left.
inline size_t EvictionReserve(size_t max_connections) {
  return std::max<size_t>(1, max_connections / 10);
}

/// The peer's IP address as text ("127.0.0.1", "::1"; an IPv4-mapped IPv6 address as IPv4), or
/// "" when the socket has none.
std::string RemoteAddressOf(const tcp::socket& socket);

/// "host:port" or "[v6]:port" (an empty host is 0.0.0.0).
Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view listen);

/// The TLS context for `cert_file` and `key_file` (PEM): TLS 1.2 and later. kInvalidArgument
/// when a file cannot be loaded (tls.cc).
Result<std::unique_ptr<net::ssl::context>> MakeServerTlsContext(const std::string& cert_file,
                                                                const std::string& key_file);

/// Serve one accepted connection (plain or TLS, as `server.ssl` says) until it closes; it counts
/// under `limit_key` (connection.cc).
void StartConnection(ServerCore& server, tcp::socket socket, std::string limit_key);

/// Register /healthz, /readyz and /metrics on `server.router` unless already registered
/// (builtin_routes.cc).
void RegisterBuiltinRoutes(ServerCore& server);

}  // namespace lakeshare::http::internal
