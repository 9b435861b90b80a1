// Request: one parsed HTTP request as handlers see it. The server builds it from the wire
// (Request::Create), the router fills in the request id, the matched route and its path
// parameters, and the authentication hook may attach the caller's identity. A Request is a plain
// value owned by the connection for the duration of one exchange: handlers get it by reference
// and must not keep references into it after they return (streaming producers included: copy
// what they need into the producer). Thread-compatible: one thread at a time.
#pragma once

#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace lakeshare::http {

/// A header or query parameter as (name, value), in arrival order.
using Field = std::pair<std::string, std::string>;

/// The value of the first of `fields` named exactly `name` (query and path parameters), or null.
const std::string* FindField(const std::vector<Field>& fields, std::string_view name);
/// The same for header names, which are case-insensitive (RFC 9110, 5.1 "Field Names").
const std::string* FindHeader(const std::vector<Field>& fields, std::string_view name);

/// What a handler tells the audit trail about its exchange (issue 5, "Audit"). The completion
/// hooks turn it into audit events after the response went out. A streaming producer may keep the
/// shared pointer and fill `result` while it streams; the hooks read it only after the stream
/// ended, on the same connection, so no lock is needed.
struct AuditNotes {
  /// Databricks-compatible action name of the request ("deltaSharingQueryTable",
  /// "createRecipient"); empty: the hooks derive one from the route.
  std::string action;
  /// request_params: names and values of the request's parameters. Never secrets.
  std::map<std::string, std::string> params;
  /// The recipient the request acted as or on (provider-side name), when known.
  std::string recipient;
  /// For served queries: the action of the second, "served" event
  /// ("deltaSharingQueriedTable"); empty for none.
  std::string served_action;
  /// Counters of what was served (response.result of the served event): tableVersion,
  /// numAddFiles, scannedAddFileSize, limitHint, deltaSharingPartitionFilteringAccessed, ...
  std::map<std::string, std::string> result;
  /// Further events known only once the exchange ended (the files the materialization engine
  /// rewrote while the response streamed): each gives {action, result JSON object}; an empty
  /// action adds none. Called once by the completion hook, whatever the status.
  std::vector<std::function<std::pair<std::string, std::string>()>> later_events;
  /// Set once the event was written synchronously (management requests, before their response):
  /// the completion hooks must not write it again.
  bool recorded = false;
};

class Request {
 public:
  Request() = default;

  /// Parse `target` (origin-form "/path?query") and build a request. Path segments and query
  /// names/values are percent-decoded ('+' is a space in the query only); a target that is not
  /// origin-form, a bad %-escape or an encoded NUL is kMalformedRequest.
  static Result<Request> Create(std::string method, std::string_view target,
                                std::vector<Field> headers = {}, std::string body = {},
                                std::string remote_address = {});

  /// A stand-in for bytes that could not be parsed as a request: only the peer is known. Lets
  /// refusals (400, 413, 431) be logged and audited like any other exchange.
  static Request ForPeer(std::string remote_address) {
    Request request;
    request.remote_address_ = std::move(remote_address);
    return request;
  }

  /// "GET", "POST", ... exactly as sent (methods are case-sensitive, RFC 9110 §9.1).
  const std::string& method() const { return method_; }
  /// The raw request target as sent, query included.
  const std::string& target() const { return target_; }
  /// The raw (still percent-encoded) path, without the query.
  const std::string& path() const { return path_; }
  /// The path split on '/' and percent-decoded; "/a/b%2Fc" is {"a", "b/c"}.
  const std::vector<std::string>& path_segments() const { return segments_; }

  /// The first value of query parameter `name` (case-sensitive), or null when absent.
  const std::string* QueryParam(std::string_view name) const;
  /// Every value of query parameter `name`, in order.
  std::vector<std::string_view> QueryParams(std::string_view name) const;
  /// All decoded query parameters in order.
  const std::vector<Field>& query_params() const { return query_; }

  /// The first value of header `name` (case-insensitive), or null when absent.
  const std::string* Header(std::string_view name) const;
  const std::vector<Field>& headers() const { return headers_; }

  const std::string& body() const { return body_; }
  /// Peer IP address as text: "127.0.0.1" or "::1" (no brackets, no port); the client's address
  /// once the router's client-address step ran (Router::SetClientAddressResolver).
  const std::string& remote_address() const { return remote_address_; }
  void set_remote_address(std::string address) { remote_address_ = std::move(address); }

  /// Set by the router: the client's sane X-Request-Id or a generated one.
  const std::string& request_id() const { return request_id_; }
  void set_request_id(std::string id) { request_id_ = std::move(id); }

  /// Set by the router: the pattern of the matched route ("/shares/{share}"), empty if none.
  const std::string& route() const { return route_; }
  /// The value of path parameter `{name}` of the matched route, or null.
  const std::string* PathParam(std::string_view name) const;
  const std::vector<Field>& path_params() const { return path_params_; }
  void SetRouteForTest(std::string route, std::vector<Field> params) {
    SetRoute(std::move(route), std::move(params));
  }

  /// Set by the authentication hook: who is calling, for logs and audit ("recipient:acme").
  /// Never a secret.
  const std::string& principal() const { return principal_; }
  void set_principal(std::string principal) { principal_ = std::move(principal); }
  /// Set by the authentication hook: an identity object of the auth module's choosing; handlers
  /// read it with std::any_cast<const T>(&request.identity()).
  const std::any& identity() const { return identity_; }
  void set_identity(std::any identity) { identity_ = std::move(identity); }

  /// The audit notes of this exchange, created on first use. Handlers fill them; a streaming
  /// producer may hold the pointer until it is done.
  const std::shared_ptr<AuditNotes>& audit() {
    if (!audit_) audit_ = std::make_shared<AuditNotes>();
    return audit_;
  }
  /// The notes if any handler created them, else null.
  const AuditNotes* audit_notes() const { return audit_.get(); }

 private:
  friend class Router;
  void SetRoute(std::string route, std::vector<Field> params, bool log_path = true) {
    route_ = std::move(route);
    path_params_ = std::move(params);
    log_path_ = log_path;
  }

  std::string method_;
  std::string target_;
  std::string path_;
  std::vector<std::string> segments_;
  std::vector<Field> query_;
  std::vector<Field> headers_;
  std::string body_;
  std::string remote_address_;
  std::string request_id_;
  std::string route_;
  std::vector<Field> path_params_;
  bool log_path_ = true;
  std::string principal_;
  std::any identity_;
  std::shared_ptr<AuditNotes> audit_;
};

/// Percent-decode `text`; with `plus_is_space` a '+' becomes ' ' (query strings). Null on a
/// malformed escape or an encoded NUL.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

/// ASCII case-insensitive equality, for header names and case-insensitive routes.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace lakeshare::http
