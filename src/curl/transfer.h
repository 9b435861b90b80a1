// curl::Perform: the one home of the project's libcurl mechanics, shared by the outbound client
// (http/client.h: tests, OIDC discovery, JWKS) and the object-store client
// (storage/http_client_internal.h: S3). It initialises libcurl once per process, sets up an easy
// handle (connect and total timeouts, HTTP/1.1, http/https only, no redirects, TLS verified
// unless told otherwise), parses the response head (status, headers; a 100 Continue head is
// dropped), collects or streams the body under a size bound, and maps transport failures to a
// Status whose message names the URL's origin only (queries carry signatures and tokens).
// libcurl stays private to this module: the header does not include it.
//
// Thread-safety: an EasyHandle serves one transfer at a time; EasyPool is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "common/result.h"

namespace lakeshare::curl {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// The "scheme://host[:port]" part of a URL, for messages that must not show a credential: no
/// userinfo ("user:password@"), path, query or fragment.
std::string UrlOrigin(std::string_view url);

struct Request;
struct Response;
struct TransferOptions;

/// One libcurl easy handle (move-only). Its connection cache survives between transfers, so
/// consecutive requests to the same origin reuse the connection (keep-alive).
class EasyHandle {
 public:
  EasyHandle();

  /// False when libcurl could not create the handle (Perform then fails with kInternal).
  bool valid() const { return easy_ != nullptr; }
  void* native() const { return easy_.get(); }
  /// How many connections this handle has opened so far (keep-alive checks).
  int64_t connections_opened() const { return connections_opened_; }

 private:
  friend Result<Response> Perform(EasyHandle& handle, const Request& request,
                                  const TransferOptions& options);
  std::unique_ptr<void, void (*)(void*)> easy_;
  int64_t connections_opened_ = 0;
};

/// Idle handles kept for reuse, at most `max_idle` of them. Thread-safe.
class EasyPool {
 public:
  explicit EasyPool(size_t max_idle) : max_idle_(max_idle) {}
  std::unique_ptr<EasyHandle> Acquire();
  void Release(std::unique_ptr<EasyHandle> handle);

 private:
  const size_t max_idle_;
  Mutex mu_;
  std::vector<std::unique_ptr<EasyHandle>> idle_ LS_GUARDED_BY(mu_);
};

/// How a request body is sent.
enum class BodyMode {
  /// As libcurl's POST fields: always for POST, for other methods when the body is not empty.
  kFields,
  /// PUT streams the body with a Content-Length and without an "Expect: 100-continue" round trip.
  kUpload,
};

struct TransferOptions {
  int64_t connect_timeout_ms = 5'000;
  int64_t timeout_ms = 30'000;  // whole transfer, body included; 0: none
  std::string ca_file{};        // PEM bundle of trusted CAs; empty: the system store
  /// Skip certificate and host name checks (tests with self-signed certificates only).
  bool insecure_skip_verify = false;
  /// Send the path exactly as given (signed requests: no dot-segment squashing).
  bool path_as_is = false;
  std::string user_agent{};     // empty: no User-Agent header
  int64_t max_body_bytes = -1;  // -1: no limit; beyond it the transfer fails (kResourceExhausted)
  /// When set, called with the connected peer's IP address before the request is sent (on a
  /// reused connection too); false aborts it (kUnavailable naming the address).
  std::function<bool(std::string_view ip)> allow_peer{};
};

struct Request {
  std::string_view method = "GET";
  std::string_view url;                 // already encoded
  const HeaderList* headers = nullptr;  // sent as given
  std::string_view body;                // must outlive Perform
  BodyMode body_mode = BodyMode::kFields;
  std::string range;  // "first-last" or "first-" (RFC 9110 §14.1.2); empty: the whole body
  /// When set, body bytes go here as they arrive instead of into Response::body; false stops
  /// the transfer, and Perform returns the response with `stopped` set.
  std::function<bool(long status, std::string_view chunk)> on_body{};
};

struct Response {
  long status = 0;
  HeaderList headers;    // the final head's, names as sent, values trimmed, in arrival order
  std::string body;      // empty when streamed to on_body
  bool stopped = false;  // on_body ended the transfer
};

/// Perform `request` on `handle`. Any HTTP status is a successful Result; transport failures
/// (refused, reset, timeout, TLS, a body cut short, a refused peer) are kUnavailable, a body
/// over max_body_bytes is kResourceExhausted.
Result<Response> Perform(EasyHandle& handle, const Request& request,
                         const TransferOptions& options);

}  // namespace lakeshare::curl
