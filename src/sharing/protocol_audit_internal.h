// What the audit log learns of a protocol request (http/request.h AuditNotes; the action names
// Databricks uses, reference doc §3): the action of its route, its path parameters and query
// parameters (page and refresh tokens and URL signatures only as "true"; never bearer tokens or
// the file paths of /files), and the /query options that shape what is served.
#pragma once

#include "http/request.h"
#include "sharing/query_request.h"

namespace lakeshare::sharing {

/// Action, path parameters and query parameters of a protocol request. Idempotent; a request
/// without a route (refused before routing) is left alone.
void NoteRequest(http::Request& request);

/// The /query body fields that shape what is served (options, never tokens).
void NoteQueryRequest(http::AuditNotes& notes, const QueryRequest& q);

}  // namespace lakeshare::sharing
