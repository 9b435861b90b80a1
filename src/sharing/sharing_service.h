// SharingService: the Delta Sharing REST endpoints (PROTOCOL.md, "REST APIs") under a
// configurable prefix ("/delta-sharing" by default), registered on the http Router (one handler
// file per endpoint family, see endpoints_internal.h):
//
//   GET  {prefix}/shares                                  list shares (maxResults, pageToken)
//   GET  {prefix}/shares/{share}                          get share
//   GET  {prefix}/shares/{share}/schemas                  list schemas
//   GET  {prefix}/shares/{share}/schemas/{schema}/tables  list tables
//   GET  {prefix}/shares/{share}/all-tables               list all tables
//   GET  {prefix}/shares/{share}/schemas/{schema}/tables/{table}/version   (startingTimestamp)
//   HEAD {prefix}/shares/{share}/schemas/{schema}/tables/{table}           legacy version
//   GET  .../tables/{table}/metadata                       (version | timestamp)
//   POST .../tables/{table}/query                          snapshot, time travel, streaming;
//                                                          asyncquery=true: a queryId when
//                                                          files are still being rewritten
//   POST .../tables/{table}/queries/{queryId}              polls of an asynchronous query
//   GET  .../tables/{table}/changes                        change data feed
//   GET  /files/{shareId}/{tableId}/{path...}              self-signed local files (no bearer)
//   GET  /materialized/{shareId}/{tableId}/{path...}       rewritten files (local cache, no bearer)
//
// Visibility comes from a ShareProvider only; table data from the Delta log reader through a
// snapshot cache. Responses with table data are NDJSON streamed through the http layer while
// they are produced (a million-file snapshot is never rendered in memory), in the parquet or
// delta format chosen from the `delta-sharing-capabilities` header and the table's features,
// with `Delta-Table-Version`, the chosen format echoed in the capabilities response header and
// the `fileidhash` echo. Page and refresh tokens are HMAC-signed and bound to the request.
//
// Audit: every protocol request gets http::AuditNotes (request.audit()), also when refused by
// Authenticate: `action` (deltaSharingListShares, deltaSharingGetShare, deltaSharingListSchemas,
// deltaSharingListTables, deltaSharingListAllTables, deltaSharingGetTableVersion,
// deltaSharingGetTableMetadata, deltaSharingQueryTable, deltaSharingQueryTableChanges,
// deltaSharingGetQueryInfo, deltaSharingDownloadFile for /files), `params` (share, schema, name,
// the query options; page and refresh tokens only as "true", a queryId as a short digest; never
// bearer tokens or file paths), `recipient` (the
// provider-side name); /query and /changes also set `served_action` (deltaSharingQueriedTable /
// deltaSharingQueriedTableChanges) and their stream fills `result` when it ends (tableVersion,
// numAddFiles, activeAddFiles, scannedAddFileSize, numRemoveFiles, numAddCDCFiles,
// scannedAddCDCFileSize, limitHint, deltaSharingPartitionFilteringAccessed, earlyTermination).
//
// Thread-safety: all handlers may run concurrently. SetBaseUrl may be called at any time.
// The provider must outlive the service; the service must outlive the router's server.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "auth/authenticator.h"
#include "common/clock.h"
#include "common/result.h"
#include "http/metrics.h"
#include "http/request.h"
#include "http/router.h"
#include "materialize/materializer.h"
#include "sharing/server_config.h"
#include "sharing/share_provider.h"
#include "storage/object_store.h"

namespace lakeshare::sharing {

struct SharingOptions {
  /// The protocol prefix: "" or "/delta-sharing"-like (no trailing '/').
  std::string endpoint = "/delta-sharing";
  /// scheme://host:port for self-signed file URLs; empty: the request's Host header, else the
  /// base URL given to SetBaseUrl.
  std::string public_url;
  bool tls = false;
  /// Secret for page tokens and file URLs; empty: random per process.
  std::string signing_key;
  int64_t url_expiry_seconds = 3600;
  int query_page_size_limit = 10000;
  int list_page_size_limit = 500;
  int64_t page_token_ttl_ms = 259'200'000;
  int64_t refresh_token_ttl_ms = 3'600'000;
  /// Asynchronous query ids (query_ids.h) expire one to two of these windows after they are
  /// issued; a resubmission within the window gets the same id.
  int64_t query_id_window_ms = 1'800'000;
  bool evaluate_predicate_hints = true;
  bool evaluate_json_predicate_hints = true;
  storage::StoreOptions store_options;
  size_t snapshot_cache_bytes = size_t{1} << 30;
  /// A cached latest snapshot younger than this is served without listing the log
  /// (stalenessAcceptable). 0: every request sees the newest commit.
  int64_t snapshot_refresh_interval_ms = 0;
  /// The wall clock (URL expiry, token expiry; common/clock.h); null: the system clock.
  const Clock* clock = nullptr;
  /// The materialization engine (issue 11): deletion-vector and column-mapping tables for
  /// parquet-format clients, and shared tables with a row filter, columns or masks. Null: such
  /// requests are refused (400 for the former, 503 for the latter: never served unfiltered).
  std::shared_ptr<materialize::Materializer> materializer;
  /// How long a request waits for the files it needs to be rewritten before it is answered 503
  /// with Retry-After, or, when the client sent asyncquery=true, with a queryId to poll (the
  /// work goes on; the retry or the poll finds it done). Polls wait as long.
  std::chrono::milliseconds materialize_wait{30'000};
  /// At most this many change-feed responses (/changes, /query with startingVersion) of one
  /// recipient stream at once. Their bodies are pulled, so a client that stops reading holds no
  /// handler thread, but each open stream keeps the commit it is in the middle of (all its file
  /// actions, parsed: a commit may add millions of files), the range's commit list and about
  /// 512 KiB of buffers. Beyond it, a 429 with Retry-After. 0: unbounded.
  int change_streams_per_recipient = 2;
  /// At most this many snapshot /query responses of one recipient stream at once. Their bodies
  /// are pulled, so a client that stops reading holds no handler thread, but each open stream
  /// keeps its snapshot, a pointer per file of it and about 512 KiB of buffers. Beyond it, a 429
  /// with Retry-After. 0: unbounded.
  int snapshot_streams_per_recipient = 8;
  /// At most this many of those streams (snapshot and change feed, of every recipient) at once
  /// on the server: the per-recipient bounds alone let many recipients (or, on a server without
  /// tokens, many addresses) hold streams without end. Beyond it, a 503 with Retry-After; a client
  /// that stops reading gives its slot back when the server cuts it (http::ServerOptions::
  /// write_timeout). Metrics: lakeshare_sharing_streams_held, lakeshare_sharing_streams_refused_total
  /// {limit}. 0: unbounded.
  int max_streams = 512;
};

/// Options from a parsed configuration file.
SharingOptions SharingOptionsFromConfig(const SharingConfig& config);

struct ServiceCore;  // service_core_internal.h

class SharingService {
 public:
  /// `authenticator` names the caller of each protocol request (auth/authenticator.h), the
  /// provider answers what that caller sees. `metrics` may be null; when given, it must outlive
  /// the service.
  static Result<std::unique_ptr<SharingService>> Create(
      std::shared_ptr<const ShareProvider> provider,
      std::shared_ptr<const auth::Authenticator> authenticator, SharingOptions options,
      http::MetricsRegistry* metrics = nullptr);
  ~SharingService();
  SharingService(const SharingService&) = delete;
  SharingService& operator=(const SharingService&) = delete;

  /// Register every route (see the file comment). The router's authenticator must be
  /// MakeAuthenticator() (or call Authenticate) for the protocol routes.
  Status RegisterRoutes(http::Router& router);
  /// Ask the authenticator who the caller is and attach it as the request identity (a
  /// Recipient), its principal and its audit notes; a refusal is audited under the action and,
  /// for a known caller refused by its IP access list, under the recipient.
  Status Authenticate(http::Request& request) const;
  http::Authenticator MakeAuthenticator() const;
  /// The protocol's route group (issue 13): MakeAuthenticator and the protocol's error body;
  /// app/ mounts it at the endpoint.
  http::RouteGroup RouteGroup() const;
  /// The base URL of self-signed file URLs when neither public_url nor a Host header gives one.
  void SetBaseUrl(std::string base_url);

 private:
  SharingService(std::unique_ptr<ServiceCore> core,
                 std::shared_ptr<const auth::Authenticator> authenticator);
  std::unique_ptr<ServiceCore> core_;
  std::shared_ptr<const auth::Authenticator> authenticator_;
};

}  // namespace lakeshare::sharing
