// The Delta Sharing endpoints, one function per route, one file per endpoint family:
//   listing_endpoints.cc   shares, share, schemas, tables, all-tables
//   metadata_endpoints.cc  table version (GET and the legacy HEAD), metadata
//   query_endpoint.cc      /query: snapshots, time travel, pages, refresh tokens (QueryStream)
//   async_query_endpoint.cc  .../queries/{queryId}: polls of asynchronous queries
//   changes_endpoint.cc    /changes, and the change-feed stream streaming /query shares
//   files_endpoint.cc      /files and /materialized: self-signed local files
// Each handler reads the request (its identity set by the route group's authenticator) and answers
// from `core`; SharingService::RegisterRoutes binds them. All may run concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "delta/snapshot.h"
#include "http/request.h"
#include "http/response.h"
#include "sharing/capabilities.h"
#include "sharing/query_request.h"
#include "sharing/file_rewrites_internal.h"
#include "sharing/service_core_internal.h"

namespace lakeshare::sharing {

using Endpoint = Result<http::Response> (*)(const ServiceCore& core, http::Request& request);

Result<http::Response> ListShares(const ServiceCore& core, http::Request& request);
Result<http::Response> GetShare(const ServiceCore& core, http::Request& request);
Result<http::Response> ListSchemas(const ServiceCore& core, http::Request& request);
Result<http::Response> ListTables(const ServiceCore& core, http::Request& request);
Result<http::Response> ListAllTables(const ServiceCore& core, http::Request& request);

Result<http::Response> TableVersion(const ServiceCore& core, http::Request& request);
Result<http::Response> TableMetadata(const ServiceCore& core, http::Request& request);

Result<http::Response> QueryTable(const ServiceCore& core, http::Request& request);
Result<http::Response> QueryTableChanges(const ServiceCore& core, http::Request& request);
Result<http::Response> QueryInfo(const ServiceCore& core, http::Request& request);

Result<http::Response> ServeFile(const ServiceCore& core, http::Request& request);
Result<http::Response> ServeMaterializedFile(const ServiceCore& core, http::Request& request);

/// The snapshot a /query answers from: a page token or refresh token pins one; else version,
/// timestamp or the latest. `after`: the page token's resume key.
struct PinnedSnapshot {
  SnapshotPtr snapshot;
  bool time_travel = false;
  std::string after;
};
/// `binding`: of the query's page tokens; `refresh_binding`: of its refresh tokens.
Result<PinnedSnapshot> PinSnapshot(const ServiceCore& core, const TableContext& ctx,
                                   const QueryRequest& q, const SnapshotPtr& latest,
                                   const std::string& binding, const std::string& refresh_binding,
                                   int64_t now);

/// What a snapshot /query answers when files still need rewriting after the server's wait:
/// kBusy a 503 to retry (clients that did not ask for asyncquery), kSubmit a pending queryStatus
/// with a new queryId, kPoll (a poll of that id) a pending queryStatus, or a failed one when
/// the rewrite failed.
enum class PendingMode { kBusy, kSubmit, kPoll };

/// A snapshot /query with its snapshot pinned and its format chosen.
struct SnapshotQuery {
  QueryRequest q;  // hints, limit, maxFiles, pageToken, refresh token fields
  SnapshotPtr snapshot;
  SnapshotPtr latest;  // what the recipient's view names (ServedView); dropped before the stream
  bool time_travel = false;  // lines carry the snapshot's version and timestamp
  std::string after;         // the page token's resume key
  ResponseFormat format = ResponseFormat::kParquet;
  std::optional<ResponseFormat> fileidhash;
  PendingMode pending = PendingMode::kBusy;
  std::string query_id;  // kPoll: the id polled
};

/// The files of a snapshot /query (query_endpoint.cc): the answer to /query and to a finished
/// asynchronous query's polls alike.
Result<http::Response> AnswerSnapshotQuery(const ServiceCore& core, http::Request& request,
                                           const TableRequest& t, SnapshotQuery sq);

/// The queryId of a submission that goes asynchronous (async_query_endpoint.cc).
std::string SubmittedQueryId(const ServiceCore& core, const TableContext& ctx,
                             const SnapshotQuery& sq);

/// One queryStatus line (`status` "pending" or "failed", with `message` when failed), with the
/// data headers and asyncquery=true echoed.
http::Response QueryStatusResponse(http::Request& request, const SnapshotQuery& sq,
                                   std::string_view status, std::string_view message);

/// A range of commits to stream from the change feed, and where a page token resumes it.
struct ChangeRange {
  int64_t start = 0;
  int64_t end = 0;
  bool cdf = true;  // /changes: cdc files win; streaming query: add/remove only
  bool historical_metadata = false;
  bool historical_protocol = false;
  std::optional<int64_t> max_files;
  int64_t resume_version = -1;
  int64_t resume_index = 0;
  std::string token_kind;  // "changes" or "query"
  std::string binding;
};

/// What a change-feed response is made of, besides its range.
struct ChangeResponse {
  ResponseFormat format = ResponseFormat::kParquet;
  ResponseFormat id_scheme = ResponseFormat::kParquet;
  std::optional<ResponseFormat> fileidhash;
  bool end_stream = false;
  std::string head;  // the protocol and metaData lines
  std::shared_ptr<const FileRewrites> rewrites;  // null: every file as it is
};

/// Bind `range` to its request (its page tokens are of `token_kind`, "changes" or "query", and
/// carry `canonical`, the request's Canonical()), page it (max_files from the request's maxFiles,
/// capped by query_page_size_limit; a page token where it resumes), and choose the format and
/// headers of its response to `t` (for the latest snapshot's features; with maxFiles the stream
/// ends with an endStreamAction). The head lines are the caller's.
Result<ChangeResponse> PageChanges(const ServiceCore& core, const TableRequest& t,
                                   const delta::Snapshot& latest, std::string_view token_kind,
                                   std::string_view canonical,
                                   const std::optional<int64_t>& max_files,
                                   const std::optional<std::string>& page_token,
                                   ChangeRange& range);

/// Stream the file actions of `range` (the /changes response, and /query with startingVersion).
Result<http::Response> StreamChanges(const ServiceCore& core, http::Request& request,
                                     const TableContext& ctx, SnapshotPtr latest, ChangeRange range,
                                     ChangeResponse response);

}  // namespace lakeshare::sharing
