// Error vocabulary shared by every module. An Error is a code from a closed set plus a
// user-visible message (no secrets, no server paths); http/error_response.cc is the only place
// that maps a code to an HTTP status and protocol errorCode. Plain value type, thread-compatible.
#pragma once

#include <string>
#include <string_view>

namespace lakeshare {

enum class ErrorCode {
  kMalformedRequest,   // 400 MALFORMED_REQUEST: unparsable JSON body or predicate
  kInvalidArgument,    // 400 INVALID_PARAMETER_VALUE: negative version, bad maxResults
  kUnsupported,        // 400 UNSUPPORTED_OPERATION: unknown reader feature, CDF not enabled
  kUnauthenticated,    // 401 UNAUTHENTICATED
  kPermissionDenied,   // 403 PERMISSION_DENIED
  kNotFound,           // 404 RESOURCE_DOES_NOT_EXIST
  kAlreadyExists,      // 409 RESOURCE_ALREADY_EXISTS
  kResourceExhausted,  // 429 / limits
  kCorrupt,            // 500: a file or log that breaks its format
  kUnavailable,        // 500/503: storage or database down
  kInternal,           // 500: a bug
};

std::string_view ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;

  /// Render as "<CodeName>: <message>" for logs and command-line output.
  std::string ToString() const;
};

}  // namespace lakeshare
