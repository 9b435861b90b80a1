// The management API's error replies, in Unity Catalog's shape: HTTP status +
// {"error_code": "...", "message": "..."} with UC's codes (SHARE_DOES_NOT_EXIST,
// INVALID_PARAMETER_VALUE, ...), not the sharing protocol's {"errorCode": ...} that
// http/error_response.cc renders. The code comes from the Error's code and resource kind, never
// from its message. Internal errors get a generic message naming the request id (the detail stays
// in Response::error() for the log). Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"
#include "http/response.h"

namespace lakeshare::admin {

/// UC's error_code for `error`: kNotFound about a share is SHARE_DOES_NOT_EXIST, about something
/// without a code of its own RESOURCE_DOES_NOT_EXIST; kUnsupported is INVALID_PARAMETER_VALUE.
std::string UcErrorCode(const Error& error);

/// The reply for `error`: mapped status, UC body, Response::error() set to `error`.
http::Response UcErrorResponse(const Error& error, std::string_view request_id);

}  // namespace lakeshare::admin
