// What the benchmark programs of src/sharing (metastore_scale_bench, jwt_auth_bench) share: a
// failed setup step ends the program with the step's name and the error (a benchmark has no one
// to return an error to), and serving a SharingService until the driving script stops it.
// Programs only, never library code.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <utility>

#include "common/result.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "sharing/sharing_service.h"

namespace lakeshare::sharing::bench {

/// The value of `r`, or exit(1) after printing "`what`: error" to stderr.
template <typename T>
T Check(Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", what, r.error().ToString().c_str());
    std::exit(1);
  }
  return std::move(*r);
}

/// Nothing, or exit(1) after printing "`what`: error" to stderr.
inline void Check(const Status& s, const char* what) {
  if (!s) {
    std::fprintf(stderr, "%s: %s\n", what, s.error().ToString().c_str());
    std::exit(1);
  }
}

/// Serve `service`'s routes, behind its authenticator, with `options` (no access log) until
/// SIGINT or SIGTERM (main calls http::BlockShutdownSignals first): prints the port on stdout for
/// the driving script, then stops with a one-second drain.
inline void ServeUntilSignal(SharingService& service, http::ServerOptions options) {
  http::Router router;
  Check(service.RegisterRoutes(router), "routes");
  router.SetAuthenticator(service.MakeAuthenticator());
  http::MetricsRegistry metrics;
  options.access_log = false;
  http::Server server(std::move(options), router, metrics);
  Check(server.Start(), "start server");
  std::printf("%u\n", server.port());
  std::fflush(stdout);
  http::WaitForShutdownSignal();
  server.Stop(std::chrono::milliseconds(1000));
}

}  // namespace lakeshare::sharing::bench
