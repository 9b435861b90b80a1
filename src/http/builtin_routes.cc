// The server's own endpoints, unauthenticated: /healthz (the process answers), /readyz (ready
// to serve: ServerOptions::readiness, and 503 once Stop began) and /metrics (Prometheus text).
#include "http/server_core_internal.h"

namespace lakeshare::http::internal {

void RegisterBuiltinRoutes(ServerCore& server) {
  // Handle fails only for a route already there or a malformed pattern.
  constexpr std::string_view kAbsentConstantRoute = "the route is absent (checked) and constant";
  Router& router = server.router;
  ServerCore* core = &server;
  RouteOptions open{.authenticate = false};
  if (!router.HasRoute("GET", "/healthz")) {
    server.inline_health =
        router
            .Handle(
                "GET", "/healthz",
                [](Request&) -> Result<Response> { return Response::Json("{\"status\":\"ok\"}"); },
                open)
            .has_value();
  }
  if (!router.HasRoute("GET", "/readyz")) {
    Status added = router.Handle(
        "GET", "/readyz",
        [core](Request&) -> Result<Response> {
          bool ready = !core->draining && (!core->options.readiness || core->options.readiness());
          return ready ? Response::Json("{\"status\":\"ready\"}")
                       : Response::Json("{\"status\":\"not ready\"}", 503);
        },
        open);
    IgnoreError(added, kAbsentConstantRoute);
  }
  if (!router.HasRoute("GET", "/metrics")) {
    Status added = router.Handle(
        "GET", "/metrics",
        [core](Request&) -> Result<Response> {
          return Response::Text(core->metrics.Render(), 200, kMetricsContentType);
        },
        open);
    IgnoreError(added, kAbsentConstantRoute);
  }
}

}  // namespace lakeshare::http::internal
