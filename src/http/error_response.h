// The one place that turns an Error into an HTTP reply (STYLE.md §3). The body is the Delta
// Sharing protocol's error shape, {"errorCode": "...", "message": "..."} (PROTOCOL.md, "API
// Response Format": errors carry an errorCode and a message), with the status and errorCode
// strings the reference server sends; 401/403/409/429 are ours. Internal errors (kCorrupt,
// kUnavailable, kInternal) get a generic message naming the request id; the detail stays in the
// Response's error() for the log. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"
#include "http/response.h"

namespace lakeshare::http {

/// The HTTP status for `code`.
int HttpStatusFor(ErrorCode code);
/// The protocol errorCode string for `code` ("INVALID_PARAMETER_VALUE", ...).
std::string_view ProtocolErrorCodeFor(ErrorCode code);

/// The reply for `error`: mapped status, JSON error body, the error kept in Response::error().
/// `request_id` is quoted in the generic message of internal errors.
Response ErrorResponse(const Error& error, std::string_view request_id = {});

/// What a client may read of `error`: its message, or for a 5xx a generic text naming
/// `request_id` (the detail may name files, hosts or internals: it goes to the log only).
std::string ClientMessage(const Error& error, std::string_view request_id);
/// The reply for `error` with `body` (a JSON error body of any shape): the mapped status, the
/// Bearer challenge of a 401, Retry-After of a 503, the error kept in Response::error(). The one
/// place both renderers (this protocol's and the management API's) share.
Response ErrorReply(const Error& error, std::string body);

/// A reply for a transport-level refusal that has no ErrorCode of its own (405, 413, 431, 503,
/// 400 for unparsable HTTP): same body shape, given status and errorCode.
Response StatusErrorResponse(int status, std::string_view error_code, std::string_view message);

/// The JSON error body {"errorCode": ..., "message": ...}.
std::string ErrorBody(std::string_view error_code, std::string_view message);

}  // namespace lakeshare::http
