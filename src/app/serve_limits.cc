#include "app/serve_limits.h"

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <variant>

#include "auth/ip_access_list.h"
#include "common/log.h"
#include "common/numbers.h"
#include "sharing/sharing_service.h"

namespace lakeshare::app {
namespace {

/// File descriptors kept for everything but client connections (metastore, table files, logs).
constexpr size_t kSpareFiles = 512;
/// --min-stream-rate-kib at most: 1 GiB/s.
constexpr int64_t kMaxStreamRateKib = 1 << 20;

Result<double> ParseNumber(std::string_view text, std::string_view flag) {
  std::optional<double> value = ParseDouble(text);
  if (!value || !(*value >= 0) || *value > 1e9) {
    return InvalidArgument("{}: '{}' is not a number of requests per second (e.g. 100 or 100:300)",
                           flag, text);
  }
  return *value;
}

// One flag of AddLimitFlags: its name, the LimitFlags field it sets and its help.
struct LimitFlag {
  const char* name;
  std::variant<size_t LimitFlags::*, int64_t LimitFlags::*, std::string LimitFlags::*> field;
  const char* help;
};

const LimitFlag kLimitFlags[] = {
    {"--max-connections", &LimitFlags::max_connections,
     "Open client connections at most (default 10000); near it, connections that "
     "have sent no request the longest are closed to make room"},
    {"--max-connections-per-address", &LimitFlags::max_connections_per_address,
     "Open connections from one client address at most, IPv6 counted per /64 "
     "(default 256; 0: no limit; --trusted-proxy addresses are exempt)"},
    {"--head-timeout-seconds", &LimitFlags::head_timeout_seconds,
     "A new connection must send a complete request head within this time "
     "(default 10)"},
    {"--min-stream-rate-kib", &LimitFlags::min_stream_rate_kib,
     "KiB per second a client must take a streamed response at, on average (default 32: a "
     "quarter of a 1 Mbit/s link; 0: no minimum); one that falls further behind than "
     "--stream-rate-slack-seconds is cut and its stream released"},
    {"--stream-rate-slack-seconds", &LimitFlags::stream_rate_slack_seconds,
     "How far behind --min-stream-rate-kib a streamed response's client may fall, and its "
     "grace when the stream begins (default 60)"},
    {"--rate-limit-per-address", &LimitFlags::rate_per_address,
     "RATE[:BURST] requests per second from one client address, checked before "
     "authentication (default 1000:2000; 0: off); over it: 429 + Retry-After"},
    {"--rate-limit-per-recipient", &LimitFlags::rate_per_recipient,
     "RATE[:BURST] requests per second of one recipient, whatever its addresses "
     "(default 100:300; 0: off); over it: 429 + Retry-After"},
    {"--health-listen", &LimitFlags::health_listen,
     "HOST:PORT of a second listener serving only /healthz, /readyz and /metrics "
     "(for load balancers and monitoring; default: none)"},
    {"--audit-retention-days", &LimitFlags::audit_retention_days,
     "Delete audit events older than this many days, hourly (default 0: keep them "
     "forever; with --data-dir)"},
    {"--audit-export-dir", &LimitFlags::audit_export_dir,
     "Export audit events to JSONL files in this folder before retention deletes "
     "them (with --audit-retention-days)"},
    {"--audit-refusal-window-seconds", &LimitFlags::audit_refusal_window_seconds,
     "Anonymous refused requests from one address are counted into one audit event "
     "per window of this many seconds (default 60; 0: one event per refusal, "
     "which lets a flood grow the metastore without bound)"},
    {"--audit-queue-max", &LimitFlags::audit_queue_max,
     "Audit events waiting for the metastore at most (default 100000); beyond it "
     "the oldest are dropped, counted and the count recorded"},
};

// A stream flag: at least 1 (0 would mean "unbounded" to the options), at most `max`.
struct StreamFlag {
  const char* name;
  int64_t LimitFlags::*field;
  int64_t max;
  const char* help;
};

const StreamFlag kStreamFlags[] = {
    {"--change-streams-per-recipient", &LimitFlags::change_streams_per_recipient,
     kMaxChangeStreams,
     "Change-feed responses (/changes, /query with startingVersion) one recipient streams at "
     "once, each keeping the commit it is in the middle of and about 512 KiB of buffers; beyond: "
     "429 + Retry-After"},
    {"--snapshot-streams-per-recipient", &LimitFlags::snapshot_streams_per_recipient,
     kMaxSnapshotStreams,
     "Snapshot /query responses one recipient streams at once, each keeping its snapshot and "
     "about 512 KiB of buffers; beyond: 429 + Retry-After"},
    {"--max-streams", &LimitFlags::max_streams, kMaxStreams,
     "Snapshot and change-feed responses of all recipients the server streams at once (a client "
     "that stops reading is cut after the write timeout); beyond: 503 + Retry-After"},
};

}  // namespace

void AddLimitFlags(CLI::App& serve, LimitFlags& flags) {
  for (const LimitFlag& flag : kLimitFlags) {
    std::visit([&](auto field) { serve.add_option(flag.name, flags.*field, flag.help); },
               flag.field);
  }
  for (const StreamFlag& flag : kStreamFlags) {
    serve.add_option(flag.name, flags.*flag.field, flag.help)
        ->check(CLI::Range(int64_t{1}, flag.max))
        ->capture_default_str();
  }
}

void ApplyStreamLimits(const LimitFlags& flags, sharing::SharingOptions& options) {
  // In range (CLI::Range above): the casts keep the value.
  options.change_streams_per_recipient = static_cast<int>(flags.change_streams_per_recipient);
  options.snapshot_streams_per_recipient = static_cast<int>(flags.snapshot_streams_per_recipient);
  options.max_streams = static_cast<int>(flags.max_streams);
}

Result<http::RateLimit> ParseRateLimit(std::string_view text, std::string_view flag) {
  size_t colon = text.find(':');
  LS_ASSIGN_OR_RETURN(double rate, ParseNumber(text.substr(0, colon), flag));
  double burst = 2 * rate;
  if (colon != std::string_view::npos) {
    LS_ASSIGN_OR_RETURN(burst, ParseNumber(text.substr(colon + 1), flag));
    if (rate > 0 && burst < 1) {
      return InvalidArgument("{}: the burst in '{}' must be at least 1", flag, text);
    }
  }
  return http::RateLimit{.per_second = rate, .burst = std::max(1.0, burst)};
}

Status ApplyConnectionLimits(const LimitFlags& flags,
                             const std::vector<std::string>& trusted_proxies,
                             http::ServerOptions& options) {
  if (flags.max_connections == 0) {
    return InvalidArgument("--max-connections must be at least 1");
  }
  if (flags.head_timeout_seconds <= 0) {
    return InvalidArgument("--head-timeout-seconds must be at least 1");
  }
  if (flags.min_stream_rate_kib < 0 || flags.min_stream_rate_kib > kMaxStreamRateKib) {
    return InvalidArgument("--min-stream-rate-kib must be between 0 and {}", kMaxStreamRateKib);
  }
  if (flags.stream_rate_slack_seconds < 1 || flags.stream_rate_slack_seconds > 86'400) {
    return InvalidArgument("--stream-rate-slack-seconds must be between 1 and 86400");
  }
  options.max_connections = flags.max_connections;
  // In range (checked above): the products fit.
  options.min_send_bytes_per_second = static_cast<size_t>(flags.min_stream_rate_kib) * 1024;
  options.send_rate_slack = std::chrono::seconds(flags.stream_rate_slack_seconds);
  options.max_connections_per_address = flags.max_connections_per_address;
  options.head_timeout = std::chrono::seconds(flags.head_timeout_seconds);
  if (!trusted_proxies.empty()) {
    auto parsed = auth::IpAccessList::Parse(trusted_proxies);
    if (!parsed) {
      return InvalidArgument("--trusted-proxy: {}", parsed.error().message);
    }
    auto proxies = std::make_shared<const auth::IpAccessList>(std::move(*parsed));
    options.connection_limit_exempt = [proxies](std::string_view address) {
      return proxies->Allows(address);
    };
  }
  // Every connection is a file descriptor: take what the system allows, and fit into it.
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    if (limit.rlim_cur < limit.rlim_max) {
      limit.rlim_cur = limit.rlim_max;
      setrlimit(RLIMIT_NOFILE, &limit);
      getrlimit(RLIMIT_NOFILE, &limit);
    }
    // Connections may exceed max_connections by a tenth while evicted ones close.
    size_t needed = options.max_connections + options.max_connections / 10 + kSpareFiles;
    if (limit.rlim_cur != RLIM_INFINITY && needed > static_cast<size_t>(limit.rlim_cur)) {
      size_t fit = limit.rlim_cur > 2 * kSpareFiles ? (limit.rlim_cur - kSpareFiles) * 10 / 11
                                                    : std::max<size_t>(1, limit.rlim_cur / 4);
      LogWarning(
          "the open-file limit ({}) leaves room for {} connections, not --max-connections {}; "
          "raise it (ulimit -n, LimitNOFILE=) to serve more",
          static_cast<unsigned long long>(limit.rlim_cur), fit, options.max_connections);
      options.max_connections = fit;
    }
  }
  return OkStatus();
}

Result<std::unique_ptr<http::RequestLimits>> InstallRequestLimits(const LimitFlags& flags,
                                                                  http::Router& router,
                                                                  http::MetricsRegistry& metrics,
                                                                  http::ErrorRenderer renderer) {
  http::RequestLimitOptions options;
  LS_ASSIGN_OR_RETURN(options.per_address,
                      ParseRateLimit(flags.rate_per_address, "--rate-limit-per-address"));
  LS_ASSIGN_OR_RETURN(options.per_principal,
                      ParseRateLimit(flags.rate_per_recipient, "--rate-limit-per-recipient"));
  options.principal_key = [](const http::Request& request) -> std::string {
    const std::string& principal = request.principal();
    return principal.rfind("recipient:", 0) == 0 ? principal : std::string();
  };
  options.renderer = std::move(renderer);
  auto limits = std::make_unique<http::RequestLimits>(std::move(options), metrics);
  router.UseBeforeRouting(limits->AddressMiddleware());
  router.Use(limits->PrincipalMiddleware());
  return limits;
}

Result<catalog::AuditLogOptions> AuditLogOptionsFrom(const LimitFlags& flags,
                                                     http::MetricsRegistry& metrics) {
  if (flags.audit_retention_days < 0) {
    return InvalidArgument("--audit-retention-days must not be negative");
  }
  if (!flags.audit_export_dir.empty() && flags.audit_retention_days == 0) {
    return InvalidArgument(
        "--audit-export-dir exports what retention deletes: give --audit-retention-days too");
  }
  if (flags.audit_refusal_window_seconds < 0 || flags.audit_refusal_window_seconds > 86'400) {
    return InvalidArgument("--audit-refusal-window-seconds must be between 0 and 86400");
  }
  if (flags.audit_queue_max == 0) {
    return InvalidArgument("--audit-queue-max must be at least 1");
  }
  catalog::AuditLogOptions options;
  options.max_queued = flags.audit_queue_max;
  options.aggregation.window_ms = flags.audit_refusal_window_seconds * 1000;
  options.retention_ms = flags.audit_retention_days * 86'400'000;
  options.export_dir = flags.audit_export_dir;
  http::Counter& dropped = metrics.AddCounter(
      "lakeshare_audit_events_dropped_total",
      "Audit events dropped because more were waiting for the metastore than --audit-queue-max.");
  http::Counter& aggregated = metrics.AddCounter(
      "lakeshare_audit_refusals_aggregated_total",
      "Anonymous refusals counted into aggregated audit events instead of one row each.");
  options.on_dropped = [&dropped](uint64_t n) { dropped.Inc({}, static_cast<double>(n)); };
  options.on_aggregated = [&aggregated] { aggregated.Inc(); };
  return options;
}

Result<std::unique_ptr<HealthListener>> HealthListener::Start(
    const LimitFlags& flags, const http::ServerOptions& main_options,
    http::MetricsRegistry& metrics, std::function<bool()> readiness) {
  if (flags.health_listen.empty()) {
    return std::unique_ptr<HealthListener>();
  }
  std::unique_ptr<HealthListener> listener(new HealthListener());
  listener->router_ = std::make_unique<http::Router>();
  http::ServerOptions options;
  options.listen = flags.health_listen;
  options.io_threads = 1;
  options.handler_threads = 2;
  options.max_connections = 64;
  options.max_connections_per_address = 16;
  options.head_timeout = main_options.head_timeout;
  options.log_sink = main_options.log_sink;
  options.access_log = false;  // probes every few seconds would drown the access log
  auto stopping = listener->stopping_;
  options.readiness = [stopping, readiness = std::move(readiness)] {
    return !stopping->load() && (!readiness || readiness());
  };
  listener->server_ =
      std::make_unique<http::Server>(std::move(options), *listener->router_, metrics);
  if (auto st = listener->server_->Start(); !st) {
    return MakeError(st.error().code, "--health-listen: " + st.error().message);
  }
  return listener;
}

HealthListener::~HealthListener() { Stop(); }

void HealthListener::Stop() {
  BeginStop();
  if (server_) {
    server_->Stop(std::chrono::milliseconds(1000));
  }
}

uint16_t HealthListener::port() const { return server_ ? server_->port() : 0; }

}  // namespace lakeshare::app
