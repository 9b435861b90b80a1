#include "http/error_response.h"

#include <string>

#include "common/strings.h"

namespace lakeshare::http {

// STYLE.md §3 table; the protocol reference §1.1 lists the reference server's strings.
int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformedRequest:
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnsupported:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;  // a dependency (metastore, object store) is down: clients retry 5xx
    case ErrorCode::kCorrupt:
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

std::string_view ProtocolErrorCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformedRequest:
      return "MALFORMED_REQUEST";
    case ErrorCode::kInvalidArgument:
      return "INVALID_PARAMETER_VALUE";
    case ErrorCode::kUnsupported:
      return "UNSUPPORTED_OPERATION";
    case ErrorCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case ErrorCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case ErrorCode::kNotFound:
      return "RESOURCE_DOES_NOT_EXIST";
    case ErrorCode::kAlreadyExists:
      return "RESOURCE_ALREADY_EXISTS";
    case ErrorCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case ErrorCode::kUnavailable:
      return "TEMPORARILY_UNAVAILABLE";
    case ErrorCode::kCorrupt:
    case ErrorCode::kInternal:
      return "INTERNAL_ERROR";
  }
  return "INTERNAL_ERROR";
}

std::string ErrorBody(std::string_view error_code, std::string_view message) {
  std::string body = "{\"errorCode\":";
  AppendJsonString(body, error_code);
  body += ",\"message\":";
  AppendJsonString(body, message);
  body += '}';
  return body;
}

std::string ClientMessage(const Error& error, std::string_view request_id) {
  if (HttpStatusFor(error.code) < 500) {
    return error.message;
  }
  std::string message = error.code == ErrorCode::kUnavailable
                            ? "Temporarily unavailable, retry in a few seconds"
                            : "Internal error";
  if (!request_id.empty()) {
    message += " (request id ";
    message += request_id;
    message += ")";
  }
  return message;
}

Response ErrorReply(const Error& error, std::string body) {
  Response response = Response::Json(std::move(body), HttpStatusFor(error.code));
  if (error.code == ErrorCode::kUnauthenticated) {
    // RFC 6750 §3: a 401 for a protected resource carries a Bearer challenge.
    response.SetHeader("WWW-Authenticate", "Bearer");
  } else if (error.code == ErrorCode::kUnavailable) {
    response.SetHeader("Retry-After", "1");
  }
  response.set_error(error);
  return response;
}

Response ErrorResponse(const Error& error, std::string_view request_id) {
  return ErrorReply(error,
                    ErrorBody(ProtocolErrorCodeFor(error.code), ClientMessage(error, request_id)));
}

Response StatusErrorResponse(int status, std::string_view error_code, std::string_view message) {
  return Response::Json(ErrorBody(error_code, message), status);
}

}  // namespace lakeshare::http
