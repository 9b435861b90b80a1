#include <memory>
#include <string>

#include "sharing/digests.h"
#include "sharing/protocol_audit_internal.h"

namespace lakeshare::sharing {

namespace {

// The Databricks action of a protocol route (pattern relative to the endpoint prefix).
std::string_view ActionOfRoute(std::string_view method, std::string_view route) {
  auto ends = [&](std::string_view suffix) {
    return route.size() >= suffix.size() && route.substr(route.size() - suffix.size()) == suffix;
  };
  if (route.rfind("/files/", 0) == 0 || route.rfind("/materialized/", 0) == 0) {
    return "deltaSharingDownloadFile";
  }
  if (ends("/tables/{table}/query")) return "deltaSharingQueryTable";
  if (ends("/tables/{table}/changes")) return "deltaSharingQueryTableChanges";
  if (ends("/tables/{table}/metadata")) return "deltaSharingGetTableMetadata";
  if (ends("/tables/{table}/version")) return "deltaSharingGetTableVersion";
  if (ends("/tables/{table}/queries/{queryId}")) return "deltaSharingGetQueryInfo";
  if (ends("/tables/{table}")) return method == "HEAD" ? "deltaSharingGetTableVersion" : "";
  if (ends("/schemas/{schema}/tables")) return "deltaSharingListTables";
  if (ends("/shares/{share}/schemas")) return "deltaSharingListSchemas";
  if (ends("/shares/{share}/all-tables")) return "deltaSharingListAllTables";
  if (ends("/shares/{share}")) return "deltaSharingGetShare";
  if (ends("/shares")) return "deltaSharingListShares";
  return "";
}

// The protocol's query parameters whose values are recorded. Any other (cursors such as
// pageToken, and whatever a client adds, an `access_token=` say) is recorded as present, never
// copied: the audit log must not become a store of secrets.
bool IsRecordedParam(std::string_view name) {
  return name == "maxResults" || name == "version" || name == "timestamp" ||
         name == "startingVersion" || name == "endingVersion" || name == "startingTimestamp" ||
         name == "endingTimestamp" || name == "includeHistoricalMetadata";
}

// True when the route of `action` reads `name` from its query string (query_request.cc:
// ParseChangesRequest, ParseMetadataParams, ParseVersionParams, ParseListParams). /query reads its
// options from the body only: there "?version=3" is not what was served.
bool RouteReadsQueryParam(std::string_view action, std::string_view name) {
  if (action == "deltaSharingQueryTableChanges") {
    return name == "startingVersion" || name == "endingVersion" || name == "startingTimestamp" ||
           name == "endingTimestamp" || name == "includeHistoricalMetadata" ||
           name == "pageToken";
  }
  if (action == "deltaSharingGetTableMetadata") {
    return name == "version" || name == "timestamp";
  }
  if (action == "deltaSharingGetTableVersion") {
    return name == "startingTimestamp";
  }
  if (action == "deltaSharingListShares" || action == "deltaSharingListSchemas" ||
      action == "deltaSharingListTables" || action == "deltaSharingListAllTables") {
    return name == "maxResults" || name == "pageToken";
  }
  return false;
}

}  // namespace

std::string AuditKeyOfQueryParam(std::string_view action, std::string_view name) {
  if (RouteReadsQueryParam(action, name)) return std::string(name);
  return std::string(kCallerParamPrefix) + std::string(name);
}

void NoteRequest(http::Request& request) {
  if (request.route().empty()) return;
  const std::shared_ptr<http::AuditNotes>& notes = request.audit();
  notes->action = std::string(ActionOfRoute(request.method(), request.route()));
  const bool file = notes->action == "deltaSharingDownloadFile";
  for (const auto& [name, value] : request.path_params()) {
    if (file) {
      // /files/{share id}/{table id}/{path}: the path names provider files; keep it out.
      if (name == "share") notes->params["share_id"] = value;
      if (name == "table") notes->params["table_id"] = value;
      continue;
    }
    if (name == "queryId") {
      // An asynchronous query's id is long and holds its hints: a digest correlates the submit
      // (whose result records the same digest) with its polls.
      notes->params["queryId"] = ShortDigest(value);
      continue;
    }
    notes->params[name == "table" ? "name" : name] = value;
  }
  if (file) return;  // the query carries the URL signature
  constexpr size_t kMaxValue = 256;
  for (const auto& [name, value] : request.query_params()) {
    // The caller names its parameters: only the protocol's that the route reads keep their names
    // (they say what the caller asked), any other (a protocol name the route ignores too) is
    // recorded under "query." so that it never sets or shadows a key of the server (share,
    // schema, name, method, path, auth_method, token_subject, ...): else "?name=x" hid which
    // table was read and "?auth_method=oidc_federation" read as federated.
    if (name.size() > 64) continue;
    const bool read = RouteReadsQueryParam(notes->action, name);
    notes->params.emplace(AuditKeyOfQueryParam(notes->action, name),
                          read && IsRecordedParam(name) ? value.substr(0, kMaxValue) : "true");
  }
}

void NoteQueryRequest(http::AuditNotes& notes, const QueryRequest& q) {
  auto put = [&](const char* name, const std::optional<int64_t>& v) {
    if (v) notes.params[name] = std::to_string(*v);
  };
  put("version", q.version);
  put("timestamp", q.timestamp_ms);
  put("startingVersion", q.starting_version);
  put("endingVersion", q.ending_version);
  put("limitHint", q.limit_hint);
  put("maxFiles", q.max_files);
  if (!q.predicate_hints.empty()) notes.params["predicateHints"] = "true";
  if (q.json_predicate_hints) notes.params["jsonPredicateHints"] = "true";
  if (q.page_token) notes.params["pageToken"] = "true";
  if (q.include_refresh_token) notes.params["includeRefreshToken"] = "true";
  if (q.refresh_token) notes.params["refreshToken"] = "true";
  if (q.include_historical_metadata) notes.params["includeHistoricalMetadata"] = "true";
  if (q.idempotency_key) notes.params["idempotencyKey"] = "true";
}

}  // namespace lakeshare::sharing
