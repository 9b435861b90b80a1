// ServiceCore: what every Delta Sharing endpoint family shares (the provider that decides
// visibility, the options, the signing keys, the stores and snapshot cache), and the steps of a
// table request they have in common: who is calling, which table, which snapshot version, the
// scope of the response's file URLs and the binding of its page tokens.
//
// Thread-safety: immutable after SharingService::Create except for the base URL (under base_mu)
// and the caches, which lock themselves. Every method may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/mutex.h"
#include "common/result.h"
#include "delta/history.h"
#include "delta/snapshot.h"
#include "delta/snapshot_cache.h"
#include "http/metrics.h"
#include "http/request.h"
#include "http/response.h"
#include "sharing/capabilities.h"
#include "sharing/file_urls.h"
#include "sharing/hmac_signer.h"
#include "sharing/share_provider.h"
#include "sharing/sharing_service.h"
#include "sharing/stream_slots.h"

namespace lakeshare::sharing {

inline constexpr std::string_view kCapabilitiesHeader = "delta-sharing-capabilities";
inline constexpr std::string_view kTableVersionHeader = "Delta-Table-Version";

/// A table request resolved: who asks, the table as the recipient sees it, its store.
struct TableContext {
  Recipient recipient;
  TableInfo table;
  std::shared_ptr<const storage::ObjectStore> store;
};

/// A table-data request resolved (/metadata, /query, /changes): the table, and what the client
/// accepts (the delta-sharing-capabilities and fileidhash headers).
struct TableRequest {
  TableContext ctx;
  Capabilities caps;
  std::optional<ResponseFormat> fileidhash;
};

using SnapshotPtr = std::shared_ptr<const delta::Snapshot>;

struct ServiceCore {
  /// `metrics`, when not null, gets the stream metrics and must outlive the core.
  ServiceCore(std::shared_ptr<const ShareProvider> p, SharingOptions o,
              http::MetricsRegistry* metrics = nullptr);

  std::shared_ptr<const ShareProvider> provider;
  SharingOptions options;
  HmacSigner signer;  // page and refresh tokens, file URL signatures
  FileUrlSigner url_signer;
  mutable StoreCache stores;
  std::unique_ptr<delta::SnapshotCache> snapshots;
  http::Counter* files_served = nullptr;  // null without a metrics registry
  // Both within options.max_streams (one StreamSlots::Total).
  StreamSlots change_streams;    // per recipient (options.change_streams_per_recipient)
  StreamSlots snapshot_streams;  // per recipient (options.snapshot_streams_per_recipient)
  mutable Mutex base_mu;
  std::string base_url LS_GUARDED_BY(base_mu);

  int64_t NowMs() const;

  /// The caller's recipient and the table named by the path parameters, with its store.
  Result<TableContext> ResolveTable(const http::Request& request) const;
  /// ResolveTable, then the capabilities and fileidhash headers.
  Result<TableRequest> ResolveTableRequest(const http::Request& request) const;
  Result<SnapshotPtr> Latest(const TableContext& ctx) const;
  /// The snapshot at `version`: kInvalidArgument past the latest one, before the first shared
  /// version, or when the log no longer holds it.
  Result<SnapshotPtr> AtVersion(const TableContext& ctx, const SnapshotPtr& latest,
                                int64_t version) const;
  /// The version a timestamp resolves to, never before the first shared version.
  static Result<int64_t> VersionAt(const TableContext& ctx, const delta::Snapshot& latest,
                                   int64_t ts_ms, delta::TimestampBound bound);
  /// kInvalidArgument naming `what` when the table is shared without history.
  static Status RequireHistory(const TableContext& ctx, std::string_view what);

  /// What every file URL of a response to `request` shares (base URL, ids, expiry).
  UrlScope Scope(const http::Request& request, const TableContext& ctx) const;
  /// The digest a page or refresh token is bound to: recipient, share, table and `what`.
  static std::string Binding(const TableContext& ctx, std::string_view what);
  /// Count `n` files announced in `format` (the files-served metric).
  void CountServed(ResponseFormat format, int64_t n) const;
  /// A slot of `slots` for the caller of `request` (its recipient; anonymous callers, on a
  /// server without tokens, by address) into `slot`; when the caller holds all of them, the
  /// answer instead: a 429 with Retry-After whose message names `what` (the streams counted),
  /// and when the server streams options.max_streams, a 503 with Retry-After.
  static std::optional<http::Response> TakeStreamSlot(const StreamSlots& slots,
                                                      const http::Request& request,
                                                      const TableContext& ctx,
                                                      std::string_view what,
                                                      std::shared_ptr<const StreamSlots::Slot>& slot);

 private:
  std::string BaseUrl(const http::Request& request) const;
};

/// The recipient the route group's authenticator attached; kUnauthenticated without one.
Result<Recipient> Caller(const http::Request& request);
/// A path parameter, or "" when the route has none of that name.
const std::string& PathParam(const http::Request& request, std::string_view name);

}  // namespace lakeshare::sharing
