// What the audit log learns of a protocol request (http/request.h AuditNotes; the action names
// Databricks uses, reference doc §3): the action of its route, its path parameters and query
// parameters (page and refresh tokens and URL signatures only as "true"; never bearer tokens or
// the file paths of /files), and the /query options that shape what is served. A query parameter
// the route does not read is recorded under "query.<name>", a namespace no server key uses.
#pragma once

#include <string>
#include <string_view>

#include "http/request.h"
#include "sharing/query_request.h"

namespace lakeshare::sharing {

/// The prefix of the audit keys of query parameters the protocol does not define.
inline constexpr std::string_view kCallerParamPrefix = "query.";

/// The audit key of a query parameter on the route of `action` (a Databricks action name): the
/// protocol's (maxResults, pageToken, version, timestamp, starting/endingVersion,
/// starting/endingTimestamp, includeHistoricalMetadata) keep their names where that route reads
/// them from the query string; any other, and those on a route that does not read them (POST
/// /query reads its body only), becomes "query.<name>".
std::string AuditKeyOfQueryParam(std::string_view action, std::string_view name);

/// Action, path parameters and query parameters of a protocol request. Idempotent; a request
/// without a route (refused before routing) is left alone.
void NoteRequest(http::Request& request);

/// The /query body fields that shape what is served (options, never tokens).
void NoteQueryRequest(http::AuditNotes& notes, const QueryRequest& q);

}  // namespace lakeshare::sharing
