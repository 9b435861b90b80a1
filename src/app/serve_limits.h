// The network abuse limits of `lakeshare serve` (issue 10): flags, and their wiring into the
// http server and router. Connection limits (per address, total, head timeout) go into
// ServerOptions; request rate limits (per address before authentication, per recipient after
// it) become router middlewares; --health-listen starts a second listener that serves only
// /healthz, /readyz and /metrics, so probes are answered whatever the main port goes through.
// The audit flags bound what refused requests cost the metastore (retention, queue size); the
// stream flags how many change-feed and snapshot /query responses one recipient, and the whole
// server, stream at once (sharing::SharingOptions).
// docs/security.md ("Transport and abuse limits") describes them for operators.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/audit_log.h"
#include "common/result.h"
#include "http/metrics.h"
#include "http/rate_limiter.h"
#include "http/request_limits.h"
#include "http/router.h"
#include "http/server.h"

namespace CLI {
class App;
}

namespace lakeshare::sharing {
struct SharingOptions;
}

namespace lakeshare::app {

struct LimitFlags {
  size_t max_connections = 10'000;
  size_t max_connections_per_address = 256;
  int64_t head_timeout_seconds = 10;
  /// A streamed response must be taken at this many KiB per second on average (0: no
  /// minimum); a client may fall behind that pace by stream_rate_slack_seconds at most.
  int64_t min_stream_rate_kib = 32;
  int64_t stream_rate_slack_seconds = 60;
  /// RATE[:BURST] requests per second; "0" turns the limit off.
  std::string rate_per_address = "1000:2000";
  std::string rate_per_recipient = "100:300";
  /// HOST:PORT of the separate health listener; empty: none.
  std::string health_listen;
  /// Audit events older than this many days are deleted (0: kept forever); --data-dir only.
  int64_t audit_retention_days = 0;
  /// Folder where they are exported (JSONL) before; empty: deleted unexported.
  std::string audit_export_dir;
  /// Anonymous refusals per address are counted into one event per window this long (0: off).
  int64_t audit_refusal_window_seconds = 60;
  /// Audit events waiting for the metastore at most (beyond: dropped, counted, recorded).
  size_t audit_queue_max = 100'000;
  /// Streams of one recipient at once (sharing::SharingOptions' defaults: 2 and 8), each within
  /// 1..kMaxChangeStreams / 1..kMaxSnapshotStreams.
  int64_t change_streams_per_recipient = 2;
  int64_t snapshot_streams_per_recipient = 8;
  /// Both kinds of every recipient at once on the server (SharingOptions' default: 512), within
  /// 1..kMaxStreams.
  int64_t max_streams = 512;
};

/// Bounds of the stream flags: a change-feed stream keeps the commit it is in the middle of, a
/// snapshot stream its snapshot, each about 512 KiB of buffers.
inline constexpr int64_t kMaxChangeStreams = 64;
inline constexpr int64_t kMaxSnapshotStreams = 1024;
inline constexpr int64_t kMaxStreams = 100'000;

/// Register the flags on `serve`; `flags` must outlive the command line parsing.
void AddLimitFlags(CLI::App& serve, LimitFlags& flags);

/// Set the stream bounds of `options` (per recipient, per server) from the flags (checked when
/// parsed).
void ApplyStreamLimits(const LimitFlags& flags, sharing::SharingOptions& options);

/// "RATE" or "RATE:BURST" (requests per second, burst defaults to twice the rate); "0" is off.
Result<http::RateLimit> ParseRateLimit(std::string_view text, std::string_view flag);

/// Set the connection limits of `options`; addresses in `trusted_proxies` (CIDRs) are exempt
/// from the per-address connection limit. Raises the process's open-file limit to its hard
/// limit and lowers max_connections (with a warning) when even that is too small.
Status ApplyConnectionLimits(const LimitFlags& flags,
                             const std::vector<std::string>& trusted_proxies,
                             http::ServerOptions& options);

/// Create the request rate limits and install them on `router`: per address before routing,
/// per recipient (principals "recipient:NAME") after authentication. `renderer` shapes the 429
/// (null: the protocol's error body). The result must outlive the router's use.
Result<std::unique_ptr<http::RequestLimits>> InstallRequestLimits(const LimitFlags& flags,
                                                                  http::Router& router,
                                                                  http::MetricsRegistry& metrics,
                                                                  http::ErrorRenderer renderer);

/// The audit log's options from the flags, its drop and aggregation counts wired to metrics
/// (lakeshare_audit_events_dropped_total, lakeshare_audit_refusals_aggregated_total).
Result<catalog::AuditLogOptions> AuditLogOptionsFrom(const LimitFlags& flags,
                                                     http::MetricsRegistry& metrics);

/// The separate health listener (--health-listen): /healthz, /readyz and /metrics only, with
/// a small connection budget of its own.
class HealthListener {
 public:
  /// Null when `flags.health_listen` is empty. `readiness` as ServerOptions::readiness.
  static Result<std::unique_ptr<HealthListener>> Start(const LimitFlags& flags,
                                                       const http::ServerOptions& main_options,
                                                       http::MetricsRegistry& metrics,
                                                       std::function<bool()> readiness);
  ~HealthListener();
  /// /readyz answers 503 from now on (call before stopping the main server).
  void BeginStop() { stopping_->store(true); }
  void Stop();
  uint16_t port() const;

 private:
  HealthListener() = default;
  std::shared_ptr<std::atomic<bool>> stopping_ = std::make_shared<std::atomic<bool>>(false);
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::Server> server_;
};

}  // namespace lakeshare::app
