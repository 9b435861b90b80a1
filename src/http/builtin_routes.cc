// The server's own endpoints, unauthenticated: /healthz (the process answers), /readyz (ready
// to serve: ServerOptions::readiness, and 503 once Stop began) and /metrics (Prometheus text).
#include "http/server_core_internal.h"

namespace lakeshare::http::internal {

void RegisterBuiltinRoutes(ServerCore& server) {
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
    (void)router.Handle(
        "GET", "/readyz",
        [core](Request&) -> Result<Response> {
          bool ready = !core->draining && (!core->options.readiness || core->options.readiness());
          return ready ? Response::Json("{\"status\":\"ready\"}")
                       : Response::Json("{\"status\":\"not ready\"}", 503);
        },
        open);
  }
  if (!router.HasRoute("GET", "/metrics")) {
    (void)router.Handle(
        "GET", "/metrics",
        [core](Request&) -> Result<Response> {
          return Response::Text(core->metrics.Render(), 200, kMetricsContentType);
        },
        open);
  }
}

}  // namespace lakeshare::http::internal
