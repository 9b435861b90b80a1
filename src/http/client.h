// Client: a small blocking HTTP/1.1 client over libcurl, for tests and for outbound calls such as
// OIDC discovery and JWKS. One request at a time per Client; the connection is kept alive and
// reused between requests to the same host. Redirects are not followed; TLS is verified unless
// told otherwise. Any HTTP status is a successful Result: transport failures (refused, reset,
// timeout, TLS, a chunked body cut short) are kUnavailable, a body over max_body_bytes is
// kResourceExhausted. Error messages never contain the URL's query.
//
// Thread-safety: a Client is not thread-safe; use one per thread. Distinct Clients are
// independent.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "curl/transfer.h"
#include "http/request.h"

namespace lakeshare::http {

/// Timeouts, TLS, the body bound and the peer check of curl::TransferOptions. allow_peer lets a
/// caller that fetches URLs others configure refuse private networks after DNS resolution.
using ClientOptions = curl::TransferOptions;

/// Bytes first..last (inclusive) of the body; no `last`: to the end (RFC 9110 §14.1.2).
struct ByteRange {
  int64_t first = 0;
  std::optional<int64_t> last{};
};

struct ClientRequest {
  std::string method = "GET";
  std::string url{};
  std::vector<Field> headers{};
  std::string body{};
  std::optional<ByteRange> range{};
  int64_t timeout_ms = -1;  // -1: ClientOptions::timeout_ms
};

struct ClientResponse {
  int status = 0;
  std::vector<Field> headers;  // in arrival order, names as sent
  std::string body;            // empty when streamed to a callback

  /// The first value of header `name` (case-insensitive), or null.
  const std::string* Header(std::string_view name) const;
};

/// Receives body bytes as they arrive; return false to abort the transfer (kUnavailable).
using BodyCallback = std::function<bool(std::string_view data)>;

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// Perform `request` and collect the body.
  Result<ClientResponse> Send(const ClientRequest& request);
  /// Perform `request`, handing the body to `on_body` as it arrives instead of collecting it.
  Result<ClientResponse> Send(const ClientRequest& request, const BodyCallback& on_body);

  Result<ClientResponse> Get(std::string url, std::vector<Field> headers = {});
  Result<ClientResponse> Head(std::string url, std::vector<Field> headers = {});
  Result<ClientResponse> Post(std::string url, std::string body, std::vector<Field> headers = {});

  /// How many connections this client has opened so far (keep-alive checks).
  int64_t connections_opened() const;

 private:
  struct Handle;
  ClientOptions options_;
  std::unique_ptr<Handle> handle_;
};

}  // namespace lakeshare::http
