#include <fmt/format.h>

#include <any>
#include <cctype>
#include <chrono>
#include <utility>

#include "http/address_key.h"
#include "http/error_response.h"
#include "sharing/digests.h"
#include "sharing/service_core_internal.h"

namespace lakeshare::sharing {

namespace {

/// The server-wide bound of the streams, reporting to `metrics` when given.
std::shared_ptr<StreamSlots::Total> StreamTotal(int max_streams, http::MetricsRegistry* metrics) {
  StreamSlotMetrics reported;
  if (metrics) {
    reported.held = &metrics->AddGauge(
        "lakeshare_sharing_streams_held",
        "Snapshot and change-feed responses streaming now (bounded by --max-streams)");
    reported.refused = &metrics->AddCounter(
        "lakeshare_sharing_streams_refused_total",
        "Streaming responses refused: per_key (the recipient's own bound, 429) or total (the "
        "server's --max-streams, 503)",
        {"limit"});
  }
  return std::make_shared<StreamSlots::Total>(max_streams, reported);
}

}  // namespace

ServiceCore::ServiceCore(std::shared_ptr<const ShareProvider> p, SharingOptions o,
                         http::MetricsRegistry* metrics)
    : provider(std::move(p)),
      options(std::move(o)),
      signer(options.signing_key),
      url_signer(signer),
      stores(options.store_options),
      change_streams(options.change_streams_per_recipient,
                     StreamTotal(options.max_streams, metrics)),
      snapshot_streams(options.snapshot_streams_per_recipient, change_streams.total()) {}

int64_t ServiceCore::NowMs() const { return ClockOr(options.clock).NowMs(); }

Result<Recipient> Caller(const http::Request& request) {
  const Recipient* r = std::any_cast<Recipient>(&request.identity());
  if (!r) return MakeError(ErrorCode::kUnauthenticated, "Not authenticated");
  return *r;
}

const std::string& PathParam(const http::Request& request, std::string_view name) {
  static const std::string kEmpty;
  const std::string* v = request.PathParam(name);
  return v ? *v : kEmpty;
}

Result<TableContext> ServiceCore::ResolveTable(const http::Request& request) const {
  TableContext ctx;
  LS_ASSIGN_OR_RETURN(ctx.recipient, Caller(request));
  LS_ASSIGN_OR_RETURN(
      ctx.table, provider->GetTable(ctx.recipient, PathParam(request, "share"),
                                    PathParam(request, "schema"), PathParam(request, "table")));
  LS_ASSIGN_OR_RETURN(ctx.store, stores.Get(ctx.table));
  return ctx;
}

Result<TableRequest> ServiceCore::ResolveTableRequest(const http::Request& request) const {
  TableRequest t;
  LS_ASSIGN_OR_RETURN(t.ctx, ResolveTable(request));
  LS_ASSIGN_OR_RETURN(t.caps, ParseCapabilities(request.Header(kCapabilitiesHeader)));
  LS_ASSIGN_OR_RETURN(t.fileidhash, ParseFileIdHash(request.Header("fileidhash")));
  return t;
}

// Errors of the log reader as a client should see them: a missing table is the provider's
// problem, not the client's, but is still reported as a missing resource (TableSourceError).
Result<SnapshotPtr> ServiceCore::Latest(const TableContext& ctx) const {
  auto latest = snapshots->GetLatest(ctx.table.location);
  if (!latest) return tl::unexpected<Error>(TableSourceError(ctx.table.name, latest.error()));
  return latest;
}

Result<SnapshotPtr> ServiceCore::AtVersion(const TableContext& ctx, const SnapshotPtr& latest,
                                           int64_t version) const {
  if (version > latest->version()) {
    return InvalidArgument("Version {} of table '{}' does not exist: the latest version is {}",
                           version, ctx.table.name, latest->version());
  }
  if (version < ctx.table.start_version) {
    return InvalidArgument("Version {} is before the first version shared for table '{}' ({})",
                           version, ctx.table.name, ctx.table.start_version);
  }
  if (version == latest->version()) return latest;
  auto snapshot = snapshots->GetVersion(ctx.table.location, version);
  if (!snapshot && snapshot.error().code == ErrorCode::kNotFound) {
    return InvalidArgument("Version {} of table '{}' is no longer available: {}", version,
                           ctx.table.name, snapshot.error().message);
  }
  return snapshot;
}

Status ServiceCore::RequireHistory(const TableContext& ctx, std::string_view what) {
  if (!ctx.table.history_shared) {
    return InvalidArgument(
        "Table '{}' is shared without history: {} is not allowed (ask the provider to share "
        "its history)",
        ctx.table.name, what);
  }
  return OkStatus();
}

Result<int64_t> ServiceCore::VersionAt(const TableContext& ctx, const delta::Snapshot& latest,
                                       int64_t ts_ms, delta::TimestampBound bound) {
  auto v = delta::VersionAtTimestamp(latest, ts_ms, bound);
  if (!v) {
    Error e = v.error();
    if (e.code == ErrorCode::kNotFound) e.code = ErrorCode::kInvalidArgument;
    return tl::unexpected<Error>(std::move(e));
  }
  if (*v < ctx.table.start_version) {
    return InvalidArgument(
        "The timestamp resolves to version {}, before the first version shared for table '{}' "
        "({})",
        *v, ctx.table.name, ctx.table.start_version);
  }
  return *v;
}

std::string ServiceCore::BaseUrl(const http::Request& request) const {
  if (!options.public_url.empty()) return options.public_url;
  if (const std::string* host = request.Header("Host")) {
    bool sane = !host->empty() && host->size() < 256;
    for (char c : *host) {
      sane = sane && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                      c == ':' || c == '[' || c == ']' || c == '_');
    }
    if (sane) return std::string(options.tls ? "https://" : "http://") + *host;
  }
  MutexLock lock(base_mu);
  return base_url;
}

std::optional<http::Response> ServiceCore::TakeStreamSlot(
    const StreamSlots& slots, const http::Request& request, const TableContext& ctx,
    std::string_view what, std::shared_ptr<const StreamSlots::Slot>& slot) {
  StreamSlots::Refusal refusal = StreamSlots::Refusal::kNone;
  // A caller without a token counts by the key of every per-address limit (an IPv6 address by
  // its /64): counting single addresses would give one IPv6 host a budget per address.
  slot = slots.TryTake(ctx.recipient.anonymous
                           ? "address " + http::AddressLimitKey(request.remote_address())
                           : "recipient " + ctx.recipient.name,
                       &refusal);
  if (slot) return std::nullopt;
  if (refusal == StreamSlots::Refusal::kTotal) {
    // The server's bound, not the caller's: 503 (ErrorResponse would hide the message of a 5xx).
    std::string message = fmt::format(
        "The server is streaming {} responses at once, the most it serves at a time; retry in a "
        "few seconds",
        slots.total()->max());
    http::Response r = http::StatusErrorResponse(
        503, http::ProtocolErrorCodeFor(ErrorCode::kUnavailable), message);
    r.set_error(Error(ErrorCode::kUnavailable, std::move(message)));
    r.SetHeader("Retry-After", "5");
    return r;
  }
  // kResourceExhausted: 429, and the error kept in the reply for the request log.
  http::Response r = http::ErrorResponse(Error(
      ErrorCode::kResourceExhausted,
      fmt::format("You already have {} {} in progress, the most this server streams at once per "
                  "recipient; read them to the end (or close them), then retry",
                  slots.per_key(), what)));
  r.SetHeader("Retry-After", "5");
  return r;
}

UrlScope ServiceCore::Scope(const http::Request& request, const TableContext& ctx) const {
  UrlScope scope;
  scope.base_url = BaseUrl(request);
  scope.share_id = ctx.table.share_id;
  scope.table_id = ctx.table.id;
  scope.recipient = ctx.recipient.name;
  scope.recipient_id = ctx.table.recipient_id;
  scope.terms = url_signer.Terms(ctx.table);
  scope.expiry_seconds = options.url_expiry_seconds;
  scope.expires_s = NowMs() / 1000 + options.url_expiry_seconds;
  return scope;
}

std::string ServiceCore::Binding(const TableContext& ctx, std::string_view what) {
  std::string b = ctx.recipient.name;
  b.push_back('\0');
  b += ctx.table.share_id;
  b.push_back('\0');
  b += ctx.table.id;
  b.push_back('\0');
  b.append(what);
  return ShortDigest(b);
}

void ServiceCore::CountServed(ResponseFormat format, int64_t n) const {
  if (files_served && n > 0) {
    files_served->Inc({std::string(ResponseFormatName(format))}, static_cast<double>(n));
  }
}

}  // namespace lakeshare::sharing
