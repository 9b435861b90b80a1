// HttpClient: the small blocking HTTP/1.1 client behind the S3 store, on the project's one libcurl
// wrapper (curl/transfer.h). One request per Send, no retries (the caller decides), redirects
// not followed, TLS verified. Easy handles are pooled so connections are reused across calls.
// Thread-safe: concurrent Sends use different handles. Error messages never contain the URL's
// query (pre-signed URLs carry signatures there).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "storage/sigv4.h"

namespace lakeshare::storage::internal {

struct HttpClientOptions {
  int64_t connect_timeout_ms = 5000;
  int64_t request_timeout_ms = 120000;
  std::string ca_bundle;  // empty: libcurl's default store
};

struct HttpRequest {
  std::string method = "GET";  // GET, HEAD, PUT, DELETE
  std::string url;             // already encoded
  HeaderList headers;
  std::string_view body;  // sent for PUT; must outlive Send
  /// When set, response body chunks of 2xx responses go here instead of into
  /// HttpResponse::body (error bodies are still collected, up to 64 KiB). Returning false stops
  /// the transfer early; Send then returns the response normally with `stopped` set.
  std::function<bool(long status, std::string_view chunk)> on_body;
};

struct HttpResponse {
  long status = 0;
  HeaderList headers;  // names lower-cased, in arrival order
  std::string body;
  bool stopped = false;  // on_body ended the transfer early

  /// The value of the first header named `name` (lower case), or null.
  const std::string* Header(std::string_view name) const;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Perform one request. Any HTTP status is a successful Result; transport failures (connect,
  /// timeout, reset, TLS) are kUnavailable.
  Result<HttpResponse> Send(const HttpRequest& request) const;

 private:
  struct Pool;
  HttpClientOptions options_;
  std::unique_ptr<Pool> pool_;
};

/// The "scheme://host[:port]" part of a URL, for messages that must not show path or query.
std::string UrlOrigin(std::string_view url);

}  // namespace lakeshare::storage::internal
