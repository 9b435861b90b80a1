// The HTTP client of `lakeshare admin`: one connection to the management API with the caller's
// token, JSON in and out, Unity Catalog errors kept as the server sent them (status, error_code,
// message), retries of idempotent reads and of 429/503, and paged lists followed to the end.
// An Api is not thread-safe: one per thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <tl/expected.hpp>
#include <vector>

#include "admin/cli/output.h"
#include "http/client.h"

namespace lakeshare::admin::cli {

inline constexpr const char* kUcPrefix = "/api/2.1/unity-catalog/";
inline constexpr const char* kAuditPath = "/api/2.1/lakeshare/audit";

/// A failed call as the server answered it: the HTTP status (0 when the server was not
/// reached) and the server's error_code and message. (Not a lakeshare::Error: it is a remote
/// reply, reported with its status and code; "USAGE" marks a command line the CLI refused.)
struct CallError {
  int status = 0;
  std::string error_code;
  std::string message;

  bool client_error() const { return status >= 400 && status < 500; }
  bool already_exists() const {
    return status == 409 || error_code.find("ALREADY_EXISTS") != std::string::npos;
  }
  bool not_found() const { return status == 404; }
};

template <typename T>
using CallResult = tl::expected<T, CallError>;

/// The error_code of a server answer the CLI refuses to read (status 0): larger, deeper or with
/// more values than any reply of the management API (kManagementReplyJsonLimits).
inline constexpr std::string_view kRefusedAnswer = "REFUSED_ANSWER";

/// The error_code of a streamed answer (Api::Stream) larger than the caller allowed (status 0):
/// the part not held in memory waits in a temporary file (TMPDIR), which must stay bounded.
inline constexpr std::string_view kExportTooLarge = "EXPORT_TOO_LARGE";

/// A command line the CLI refuses before calling the server (exit code 2, with a usage hint).
CallError UsageError(std::string message);

/// Percent-encode a path segment (RFC 3986 unreserved characters stay).
std::string EncodePathSegment(std::string_view text);
/// "?k=v&k2=v2", each part percent-encoded; "" for no fields.
std::string QueryString(const std::vector<http::Field>& query);

/// One connection to the management API.
class Api {
 public:
  /// `host` is the server's base URL ("http://127.0.0.1:8080"); `token` a principal's API token.
  Api(const std::string& host, const std::string& token);

  /// Call `method` on `path` (absolute, "/api/..."); a 2xx answer's JSON body (an empty body is
  /// {}). Retries refused connections of reads and 429/503 answers, twice, 0.2 s then 0.4 s apart.
  CallResult<Json> Call(const std::string& method, const std::string& path,
                        const std::vector<http::Field>& query = {}, const Json* body = nullptr);
  /// Call on a path under /api/2.1/unity-catalog/ ("shares/x").
  CallResult<Json> Uc(const std::string& method, const std::string& path,
                      const std::vector<http::Field>& query = {}, const Json* body = nullptr);

  /// GET `path` and hand a 2xx body to `sink` once the whole answer is in (held in memory and a
  /// temporary file until its status is known), so an error reply of any size is reported
  /// rather than written out. An answer over `max_bytes` is not read further (a hostile or broken
  /// server cannot fill TMPDIR): kExportTooLarge, nothing written.
  CallResult<void> Stream(const std::string& path, const std::vector<http::Field>& query,
                          const std::function<bool(std::string_view)>& sink, int64_t max_bytes);

  const std::string& base() const { return base_; }

 private:
  static CallResult<Json> Interpret(const http::ClientResponse& resp);

  std::string base_;
  std::string token_;
  std::unique_ptr<http::Client> client_;
};

/// Every item of a paged list call (`key` names the array): follows next_page_token until
/// absent. `limit` < 0: all.
CallResult<Json> ListAll(Api& api, const std::string& path, const std::vector<http::Field>& query,
                         const std::string& key, int64_t limit = -1);

}  // namespace lakeshare::admin::cli
