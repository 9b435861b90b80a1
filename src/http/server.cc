// The public Server: start (threads, TLS, listening socket), graceful stop, and the shutdown
// signals. The parts live beside it (server_core_internal.h names them).
#include "http/server.h"

#include <signal.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <cstdio>
#include <future>

#include "http/server_core_internal.h"

namespace lakeshare::http {

namespace net = boost::asio;
namespace beast = boost::beast;
using Clock = std::chrono::steady_clock;

struct Server::Impl : internal::ServerCore {
  using ServerCore::ServerCore;
};

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
  if (impl_->options.builtin_routes) {
    internal::RegisterBuiltinRoutes(*impl_);
  }
}

Server::~Server() { Stop(std::chrono::milliseconds(0)); }

Status Server::Start() {
  Impl& impl = *impl_;
  if (impl.started) {
    return MakeError(ErrorCode::kInternal, "Server already started");
  }
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  impl.io_thread_count =
      impl.options.io_threads > 0 ? impl.options.io_threads : static_cast<int>(cores);
  int handler_threads = impl.options.handler_threads > 0
                            ? impl.options.handler_threads
                            : static_cast<int>(std::max(8u, 4 * cores));
  impl.ioc = std::make_unique<net::io_context>(impl.io_thread_count);

  if (!impl.options.tls_cert_file.empty() || !impl.options.tls_key_file.empty()) {
    LS_ASSIGN_OR_RETURN(impl.ssl, internal::MakeServerTlsContext(impl.options.tls_cert_file,
                                                                 impl.options.tls_key_file));
  }
  LS_RETURN_IF_ERROR(impl.Listen());

  impl.pool = std::make_unique<net::thread_pool>(static_cast<size_t>(handler_threads));
  impl.work.emplace(net::make_work_guard(*impl.ioc));
  net::post(impl.acceptor->get_executor(), [&impl] { impl.DoAccept(); });
  for (int i = 0; i < impl.io_thread_count; ++i) {
    impl.threads.emplace_back([&impl] { impl.RunIo(); });
  }
  impl.started = true;
  impl.Log(internal::JsonLine("info", "server_started")
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
  MutexLock lock(impl_->mu);
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
    MutexLock lock(impl.mu);
    while (!impl.sessions.empty() && impl.sessions_cv.WaitUntil(impl.mu, deadline)) {
    }
  }
  // 4. Close what is left; blocked producers see their writes fail and return.
  size_t left = impl.Sessions().size();
  for (auto& session : impl.Sessions()) {
    session->ForceClose();
  }
  impl.pool->join();
  {
    MutexLock lock(impl.mu);
    const auto last_wait = Clock::now() + std::chrono::seconds(5);
    while (!impl.sessions.empty() && impl.sessions_cv.WaitUntil(impl.mu, last_wait)) {
    }
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
  impl.Log(internal::JsonLine("info", "server_stopped").Int("connections_cut", left).Take());
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
