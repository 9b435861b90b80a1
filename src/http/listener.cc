// Binding and accepting: the listening socket, the accept loop, and the decision to serve or
// refuse each new connection.
#include <fmt/format.h>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <string>

#include "http/server_core_internal.h"

namespace lakeshare::http::internal {

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
    StartConnection(*this, std::move(socket));
  }
  DoAccept();
}

}  // namespace lakeshare::http::internal
