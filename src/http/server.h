// Server: the HTTP/1.1 listener. Network I/O runs asynchronously (Boost.Beast/Asio, kept out of
// this header) on `io_threads`; handlers and streaming body producers run on a separate pool of
// `handler_threads` because they may block on storage or the catalog. Connections are kept alive
// between requests; optional TLS. Every request goes through the Router's pipeline; the server
// adds one structured JSON access-log line and request metrics per exchange, and by default
// serves /healthz, /readyz and /metrics (unauthenticated).
//
// Limits and timeouts: a request head over max_header_bytes gets 431, a body over max_body_bytes
// 413, unparsable HTTP 400 (each closes the connection). A new connection must send a complete
// request head within head_timeout (slowloris, idle sockets), a started request must arrive
// within read_timeout (its head within head_timeout of its first byte), an idle keep-alive
// connection is closed after idle_timeout, and each write (a whole response, or one chunk of a
// stream) must finish within write_timeout, else the connection is dropped: a client that stops
// reading a stream is cut then, and what its stream held is released (metric:
// lakeshare_http_write_timeouts_total). A client that reads a stream, but slower on average than
// min_send_bytes_per_second (a trickle that finishes each write in time), is cut once it is
// send_rate_slack behind that pace (metric: lakeshare_http_send_rate_cuts_total). An exception
// escaping a handler is logged and answered with 500.
//
// Connection limits (issue 10, "idle sockets lock everyone out"): at most max_connections open,
// and at most max_connections_per_address from one client address (IPv6: one /64, see
// address_key.h; addresses for which connection_limit_exempt is true, such as a load balancer,
// count toward max_connections only). A connection over either limit is refused right after
// accept with a best-effort 429 (per address) or 503 (server full) and Retry-After, then closed.
// When the open connections reach 90% of max_connections, the ones that have waited longest for
// a request head (never-served ones first) are closed to make room, so sockets that send nothing
// cannot keep new clients out; while they close, up to a tenth more may be open (size file
// descriptor limits for 1.1 x max_connections). GET /healthz is answered on the network thread,
// without waiting for a handler thread. Metrics: lakeshare_http_connections_refused_total{reason},
// lakeshare_http_connections_evicted_total, lakeshare_http_head_timeouts_total.
//
// Lifetime and thread-safety: `router` and `metrics` must outlive the server. Start and Stop are
// called from one controlling thread; port() is thread-safe. Stop is graceful: it stops
// accepting at once, closes idle connections, lets in-flight exchanges (streams included) finish
// until the grace period ends, then closes what is left and waits for handlers to return (a
// handler that never returns blocks Stop). The destructor calls Stop with no grace period.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/metrics.h"
#include "http/router.h"

namespace lakeshare::http {

/// Receives one complete JSON log line (no trailing newline). Must be thread-safe.
using LogSink = std::function<void(std::string_view line)>;
/// A sink writing each line to stderr.
LogSink StderrLogSink();

struct ServerOptions {
  /// "host:port" or "[v6]:port"; port 0 picks a free port (read it back with Server::port()).
  std::string listen = "127.0.0.1:0";
  /// Network threads; 0: one per core.
  int io_threads = 0;
  /// Threads running handlers and body producers; 0: max(8, 4 per core).
  int handler_threads = 0;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  /// A connection's first request head must be complete this long after accept; a later one
  /// this long after its first byte.
  std::chrono::milliseconds head_timeout{10'000};
  std::chrono::milliseconds read_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};
  /// A streamed response must be taken at this many bytes per second on average, counting only
  /// the time its writes wait for the client: one that falls behind that pace by more than
  /// send_rate_slack (also its grace when the stream begins) is dropped like a write timeout
  /// (send_pace_internal.h). 0: no minimum. 32 KiB/s is a quarter of a 1 Mbit/s link.
  size_t min_send_bytes_per_second = 32 * 1024;
  std::chrono::milliseconds send_rate_slack{60'000};
  /// Streamed bodies are sent in chunks of about this size; a stream holds at most two. 256 KiB
  /// rather than 64: a 113 MB /query response then takes 4x fewer producer/network hand-offs
  /// (futex calls 16k -> 4.5k per response, bench/30_sharing_vs_nginx.sh).
  size_t stream_chunk_bytes = 256 * 1024;
  /// Further connections are refused right after accept (see the file comment).
  size_t max_connections = 10'000;
  /// Connections from one client address (IPv6: one /64) at most; 0: no per-address limit.
  size_t max_connections_per_address = 256;
  /// Addresses exempt from max_connections_per_address (e.g. trusted proxies); null: none.
  std::function<bool(std::string_view address)> connection_limit_exempt{};
  /// PEM files; when both are set the server speaks HTTPS only.
  std::string tls_cert_file{};
  std::string tls_key_file{};
  /// Where access and error lines go; null: stderr.
  LogSink log_sink{};
  bool access_log = true;
  /// /readyz answers 200 while this returns true (null: always) and 503 once Stop has begun.
  std::function<bool()> readiness{};
  /// Register /healthz, /readyz and /metrics on the router (unless already registered).
  bool builtin_routes = true;
};

class Server {
 public:
  Server(ServerOptions options, Router& router, MetricsRegistry& metrics);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Bind, listen and start the threads. kInvalidArgument for a bad listen address or TLS
  /// files, kUnavailable when the address cannot be bound.
  Status Start();
  /// The bound port (the real one when options.listen asked for port 0); 0 before Start.
  uint16_t port() const;
  /// Stop gracefully within `grace` (see the file comment). Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(10'000));

  /// Connections currently open (for tests and /metrics).
  size_t ConnectionCountForTest() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Block SIGTERM and SIGINT in the calling thread and every thread it creates later. Call first
/// thing in main(), before any thread exists, then use WaitForShutdownSignal().
void BlockShutdownSignals();
/// Wait until SIGTERM or SIGINT is delivered (after BlockShutdownSignals) and return its number.
int WaitForShutdownSignal();

}  // namespace lakeshare::http
