// Router: maps (method, path) to handlers and runs the per-request pipeline. sharing/, admin/ and
// web/ register their endpoints on it; app/ wires the authentication and audit hooks and hands
// it to the Server. Pipeline, outermost first:
//
//   0. client address: when a resolver is set (SetClientAddressResolver), the request's
//      remote_address becomes what it returns (the client behind trusted proxies), so every
//      later step, the access log and the audit see the client;
//   1. request id: the server's own, always (http/request_id.h; a sane client X-Request-Id is
//      kept beside it, never in its place); it is in the X-Request-Id response header, every log;
//   1b. early middlewares in the order of UseBeforeRouting() (request limits: what they refuse
//      costs no routing and no credential check); they see no route and no principal yet;
//   2. routing: no pattern matches -> 404, a pattern matches but not the method -> 405 + Allow
//      (in the shape of the path's group, RouteGroup::status_renderer);
//      HEAD runs the HEAD route if there is one, otherwise the GET route (the server drops the
//      body);
//   3. authentication: the authenticator of the route's group (see below), for routes with
//      RouteOptions::authenticate (the default);
//   4. middlewares in the order of Use() (the first is outermost);
//   5. the handler;
//   6. error mapping: any Error returned by 1b-5 becomes an error reply, rendered by the group's
//      error renderer (default: the protocol's JSON body, error_response.h);
//   7. after the response went out (or failed), the server logs one JSON access line, updates
//      the metrics and calls the completion hooks (audit) with the final status and outcome.
//
// Route groups: each API mounts its path prefixes with its own authenticator and error renderer
// (Mount): the sharing protocol under its endpoint, the management API under /api. A matched
// route belongs to the group with the longest prefix of its pattern; a request that matches no
// route (404, 405) or is refused before routing (1b) to the group with the longest prefix of its
// path, so an unknown management path or a management request refused by a rate limit is
// answered in the management API's error shape. Prefixes match whole segments ("/api" holds
// "/api" and "/api/x", not "/apis"). Everything under no mounted prefix belongs to the root group
// (SetAuthenticator, SetErrorRenderer). Fail closed: once a group is mounted, a route that wants
// authentication in a group without an authenticator is refused (500, a wiring bug), never
// served unauthenticated.
//
// Patterns are absolute paths whose segments are literals, "{name}" (one segment) or, last only,
// "{name...}" (the rest of the path). Literal beats parameter at the first segment where two
// matching patterns differ. Parameters are percent-decoded and passed as sent; the protocol's
// case-insensitive names are compared by whoever looks them up. A trailing '/' is ignored.
//
// Thread-safety: register everything before the server starts; Dispatch and Complete are then
// safe to call concurrently. Handlers, middlewares and hooks must be thread-safe themselves.
// Completion hooks run on a network thread: they must be quick and must not block (queue work).
//
// Example: how sharing/ and admin/ plug in (app/ owns the router and the server):
//
//   http::Router router;
//   LS_RETURN_IF_ERROR(router.Handle("GET", "/delta-sharing/shares/{share}",
//       [&service](http::Request& request) -> Result<http::Response> {
//         LS_ASSIGN_OR_RETURN(std::string json, service.GetShare(*request.PathParam("share")));
//         return http::Response::Json(std::move(json));
//       }, {.case_insensitive = true}));
//   LS_RETURN_IF_ERROR(router.Handle("POST", ".../tables/{table}/query",
//       [&service](http::Request& request) -> Result<http::Response> {
//         LS_ASSIGN_OR_RETURN(auto lines, service.Query(request));  // validates, may fail: 4xx
//         return http::Response::Ndjson([lines]() { return lines->Next(); });  // lazy lines
//       }));
//   LS_RETURN_IF_ERROR(router.Mount({"/delta-sharing"}, {
//       .name = "sharing",
//       .authenticator = [&auth](http::Request& request) -> Status {
//         LS_ASSIGN_OR_RETURN(auto recipient, auth.Authenticate(request.Header("Authorization")));
//         request.set_principal(recipient.name);
//         request.set_identity(recipient);
//         return OkStatus();
//       }}));
//   LS_RETURN_IF_ERROR(router.Mount({"/api"}, {.name = "management",
//                                              .authenticator = admin_auth,
//                                              .error_renderer = UcErrorReply}));
//   router.AddCompletionHook([&audit](const http::Completion& c) { audit.Enqueue(c); });
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "http/request.h"
#include "http/response.h"

namespace lakeshare::http {

using Handler = std::function<Result<Response>(Request& request)>;
/// Wraps the rest of the pipeline: call `next(request)` to continue, or answer directly.
using Middleware = std::function<Result<Response>(Request& request, const Handler& next)>;
/// Checks credentials; on success may set the request's principal and identity. Its Error
/// (normally kUnauthenticated or kPermissionDenied) is the reply.
using Authenticator = std::function<Status(Request& request)>;

struct RouteOptions {
  /// Run the authentication hook before the handler (public endpoints set this to false).
  bool authenticate = true;
  /// Match literal segments ignoring ASCII case ("/Shares/x" matches "/shares/{share}").
  bool case_insensitive = false;
  /// Log the request path; false logs the route pattern instead (paths that carry secrets).
  bool log_path = true;
};

/// How an exchange ended.
enum class Outcome {
  kComplete,        // the whole response was sent
  kStreamAborted,   // the producer failed after the headers were sent; connection closed
  kConnectionLost,  // the client went away or a write timed out before the end
};

std::string_view OutcomeName(Outcome outcome);

/// One finished exchange, as the completion (audit) hooks see it.
struct Completion {
  const Request& request;
  int status = 0;
  int64_t body_bytes = 0;  // body bytes written (chunk framing excluded)
  double duration_seconds = 0;
  Outcome outcome = Outcome::kComplete;
  const Error* error = nullptr;  // of an error reply or an aborted stream; null otherwise
};

using CompletionHook = std::function<void(const Completion& completion)>;
/// Renders the reply for an Error of steps 2-5 (see SetErrorRenderer).
using ErrorRenderer = std::function<Response(const Request& request, const Error& error)>;
/// Renders a refusal that has no ErrorCode of its own (405 Method Not Allowed): the status, the
/// API's error code ("METHOD_NOT_ALLOWED") and the message (see StatusErrorResponse).
using StatusRenderer = std::function<Response(const Request& request, int status,
                                              std::string_view error_code,
                                              std::string_view message)>;
/// Step 0: the client's address for a request (its remote_address is still the TCP peer).
using ClientAddressResolver = std::function<std::string(const Request& request)>;

/// How the routes under some path prefixes authenticate and render their errors.
struct RouteGroup {
  /// For logs and tests ("sharing", "management").
  std::string name;
  /// Step 3 for the group's routes with RouteOptions::authenticate; null: the group has only
  /// public routes (a mounted group refuses any other, see the pipeline above).
  Authenticator authenticator;
  /// Step 6 for the group's errors, refusals before a handler ran included; null: ErrorResponse
  /// (the protocol's body).
  ErrorRenderer error_renderer;
  /// Step 2's 405 for the group's paths; null: StatusErrorResponse (the protocol's body).
  StatusRenderer status_renderer{};
};

class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  /// Register `handler` for `method` on `pattern`. kInvalidArgument for a malformed pattern,
  /// kAlreadyExists when the same method and pattern are already registered.
  Status Handle(std::string_view method, std::string_view pattern, Handler handler,
                RouteOptions options = {});
  /// True when `method` is registered on exactly `pattern`.
  bool HasRoute(std::string_view method, std::string_view pattern) const;

  void Use(Middleware middleware);
  /// Add a step-1b middleware (see the pipeline above).
  void UseBeforeRouting(Middleware middleware);
  /// Mount `group` at each of `prefixes` (literal absolute paths, e.g. "/api"; see "Route
  /// groups" above). kInvalidArgument for a malformed or non-literal prefix or none,
  /// kAlreadyExists when a prefix is mounted already.
  Status Mount(const std::vector<std::string>& prefixes, RouteGroup group);
  /// The root group's authenticator (routes under no mounted prefix).
  void SetAuthenticator(Authenticator authenticator);
  void AddCompletionHook(CompletionHook hook);
  /// The root group's error renderer (default: ErrorResponse, the protocol's body).
  void SetErrorRenderer(ErrorRenderer renderer);
  /// The reply for `error` in the shape of the request's group (its route's once routed, else
  /// its path's): for middlewares that answer refusals themselves (a rate limit's 429).
  Response RenderError(const Request& request, const Error& error) const;
  /// The name of the group that serves `path` (a request path or a route pattern); "" for the
  /// root group.
  std::string_view GroupNameOf(std::string_view path) const;
  /// Set step 0 (see the pipeline above); unset, remote_address stays the TCP peer.
  void SetClientAddressResolver(ClientAddressResolver resolver);

  /// Run steps 0-6 of the pipeline. Never returns an error: errors come back as error replies.
  /// Exceptions thrown by handlers propagate (the server catches them).
  Response Dispatch(Request& request) const;
  /// Run the completion hooks (step 7). Exceptions propagate (the server logs them).
  void Complete(const Completion& completion) const;

  /// Whether the matched route of `request` allows logging its path (RouteOptions::log_path).
  static bool LogPathOf(const Request& request);

 private:
  struct Route;
  struct Mounted {
    std::vector<std::string> prefix;  // literal segments
    size_t group = 0;                 // index in groups_
  };
  std::vector<Route> routes_;
  std::vector<Middleware> middlewares_;
  std::vector<Middleware> early_middlewares_;
  std::vector<RouteGroup> groups_;  // [0] is the root group
  std::vector<Mounted> mounted_;
  std::vector<CompletionHook> completion_hooks_;
  ClientAddressResolver client_address_;

  /// The group of decoded path segments (longest mounted prefix, else the root group).
  const RouteGroup& GroupOfSegments(const std::vector<std::string>& segments, size_t count) const;
  /// The group of a request: its route's pattern once routed, else its path.
  const RouteGroup& GroupOf(const Request& request) const;
  /// Steps 2-5.
  Result<Response> RouteAndRun(Request& request) const;

  Result<Response> RunChain(size_t index, Request& request, const Handler& handler) const;
  Result<Response> RunEarly(size_t index, Request& request, const Handler& rest) const;
};

/// Whether a client-supplied request id is safe to log (http/request_id.h): 1-128 characters
/// of [A-Za-z0-9._:-].
bool IsSaneRequestId(std::string_view id);
/// A fresh random request id (32 hex digits).
std::string NewRequestId();

}  // namespace lakeshare::http
