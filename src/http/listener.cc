// Binding and accepting: the listening socket, the accept loop, and the decision to serve or
// refuse each new connection.
#include <fmt/format.h>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <string>
#include <tuple>

#include "common/numbers.h"
#include "http/address_key.h"
#include "http/error_response.h"
#include "http/server_core_internal.h"

namespace lakeshare::http::internal {
namespace {

/// A whole HTTP/1.1 reply refusing a connection before any request was read.
std::string CannedRefusal(int status, std::string_view reason, std::string_view code,
                          std::string_view message) {
  std::string body = ErrorBody(code, message);
  return fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
      "Connection: close\r\nContent-Length: {}\r\n\r\n{}",
      status, reason, body.size(), body);
}

}  // namespace

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
  // At most five digits ("000080" is refused as before), 0..65535.
  std::optional<uint16_t> value =
      port.size() <= 5 ? ParseInteger<uint16_t>(port) : std::optional<uint16_t>();
  if (!value) {
    return InvalidArgument("Listen address '{}' has a bad port", listen);
  }
  return std::make_pair(std::string(host.empty() ? "0.0.0.0" : host), *value);
}

Status ServerCore::Listen() {
  LS_ASSIGN_OR_RETURN(auto host_port, ParseListen(options.listen));
  beast::error_code ec;
  tcp::endpoint endpoint;
  net::ip::address address = net::ip::make_address(host_port.first, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, host_port.second);
  } else {
    tcp::resolver resolver(*ioc);
    auto results = resolver.resolve(host_port.first, std::to_string(host_port.second), ec);
    if (ec || results.empty()) {
      return InvalidArgument("Cannot resolve listen host '{}'", host_port.first);
    }
    endpoint = results.begin()->endpoint();
  }
  acceptor = std::make_unique<tcp::acceptor>(net::make_strand(*ioc));
  auto fail = [&](std::string_view step) {
    return MakeError(ErrorCode::kUnavailable,
                     fmt::format("Cannot {} {}: {}", step, options.listen, ec.message()));
  };
  acceptor->open(endpoint.protocol(), ec);
  if (ec) {
    return fail("open a socket for");
  }
  acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (endpoint.address().is_v6()) {
    acceptor->set_option(net::ip::v6_only(false), ec);  // "[::]" takes IPv4 too
  }
  acceptor->bind(endpoint, ec);
  if (ec) {
    return fail("bind");
  }
  acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return fail("listen on");
  }
  bound_port = acceptor->local_endpoint(ec).port();
  return OkStatus();
}

void ServerCore::DoAccept() {
  acceptor->async_accept(net::make_strand(*ioc), [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void ServerCore::OnAccept(beast::error_code ec, tcp::socket socket) {
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
  if (draining) {
    beast::error_code ignored;
    socket.close(ignored);
    DoAccept();
    return;
  }
  std::string address = RemoteAddressOf(socket);
  std::string key;
  if (options.max_connections_per_address > 0 &&
      !(options.connection_limit_exempt && options.connection_limit_exempt(address))) {
    key = AddressLimitKey(address);
  }
  size_t open = 0;
  bool over_address_limit = false;
  {
    MutexLock lock(mu);
    open = sessions.size();
    if (!key.empty()) {
      auto it = per_address.find(key);
      over_address_limit =
          it != per_address.end() && it->second >= options.max_connections_per_address;
    }
  }
  // Near the limit, make room before it is reached: close what waits longest for a request.
  // Connections chosen for eviction are as good as closed: a new one may take their place.
  // At most `reserve` evictions are in flight, so open connections stay under
  // max_connections + reserve.
  size_t pending = evictions_pending.load();
  size_t reserve = EvictionReserve(options.max_connections);
  size_t effective = open - std::min(pending, open);
  if (!over_address_limit && effective + reserve >= options.max_connections && pending < reserve) {
    pending += EvictWaiting(
        std::min(reserve - pending, std::max<size_t>(1, options.max_connections / 100)));
  }
  std::string_view refusal;
  if (over_address_limit) {
    refusal = "per_address";
  } else if (open >= options.max_connections + std::min(pending, open)) {
    refusal = "max_connections";
  }
  if (!refusal.empty()) {
    Refuse(socket, refusal);
  } else {
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    StartConnection(*this, std::move(socket), std::move(key));
  }
  DoAccept();
}

void ServerCore::Refuse(tcp::socket& socket, std::string_view reason) {
  connections_refused.Inc({std::string(reason)});
  if (!ssl) {
    // Best effort, never waiting: a client that reads gets a reason and a time to retry.
    static const std::string kPerAddress = CannedRefusal(
        429, "Too Many Requests", "RESOURCE_EXHAUSTED",
        "Too many open connections from your address; close idle connections and retry");
    static const std::string kFull =
        CannedRefusal(503, "Service Unavailable", "TEMPORARILY_UNAVAILABLE",
                      "The server has too many open connections; retry in a few seconds");
    const std::string& reply = reason == "per_address" ? kPerAddress : kFull;
    beast::error_code ignored;
    socket.non_blocking(true, ignored);
    socket.write_some(net::buffer(reply), ignored);
    socket.shutdown(tcp::socket::shutdown_send, ignored);
  }
  beast::error_code ignored;
  socket.close(ignored);
  // One log line per 10 s at most: a flood of connections must not become a flood of lines.
  ++refusals_unlogged;
  int64_t now = SteadyNowNs();
  if (now - refusal_logged_ns >= 10'000'000'000) {
    Log(JsonLine("warn", "connections_refused")
            .Str("last_reason", reason)
            .Int("count", static_cast<int64_t>(refusals_unlogged))
            .Take());
    refusals_unlogged = 0;
    refusal_logged_ns = now;
  }
}

size_t ServerCore::EvictWaiting(size_t count) {
  struct Candidate {
    bool served;
    int64_t since;
    std::shared_ptr<SessionBase> session;
  };
  std::vector<Candidate> candidates;
  {
    MutexLock lock(mu);
    for (auto& [raw, weak] : sessions) {
      int64_t since = raw->waiting_since_ns.load(std::memory_order_relaxed);
      if (since == 0) {
        continue;
      }
      if (raw->evicting.load()) {
        continue;  // chosen before, closing
      }
      if (auto session = weak.lock()) {
        candidates.push_back({raw->served.load(std::memory_order_relaxed), since, session});
      }
    }
  }
  count = std::min(count, candidates.size());
  if (count == 0) {
    return 0;
  }
  // Never-served connections first, then the longest waiting.
  std::nth_element(candidates.begin(), candidates.begin() + static_cast<long>(count - 1),
                   candidates.end(), [](const Candidate& a, const Candidate& b) {
                     return std::tie(a.served, a.since) < std::tie(b.served, b.since);
                   });
  for (size_t i = 0; i < count; ++i) {
    candidates[i].session->evicting = true;
    ++evictions_pending;
    candidates[i].session->EvictIfWaiting();
  }
  return count;
}

}  // namespace lakeshare::http::internal
