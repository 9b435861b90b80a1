#include "admin/uc_error.h"

#include "admin/api_internal.h"
#include "http/error_response.h"

namespace lakeshare::admin {
namespace {

std::string ObjectCode(const Error& error, std::string_view suffix) {
  std::string_view name = ResourceKindName(error.resource);
  return std::string(name.empty() ? std::string_view("RESOURCE") : name) + std::string(suffix);
}

}  // namespace

std::string UcErrorCode(const Error& error) {
  switch (error.code) {
    case ErrorCode::kMalformedRequest:
      return "MALFORMED_REQUEST";
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnsupported:
      return "INVALID_PARAMETER_VALUE";
    case ErrorCode::kNotFound:
      return ObjectCode(error, "_DOES_NOT_EXIST");
    case ErrorCode::kAlreadyExists:
      return ObjectCode(error, "_ALREADY_EXISTS");
    case ErrorCode::kUnauthenticated:
    case ErrorCode::kPermissionDenied:
    case ErrorCode::kResourceExhausted:
    case ErrorCode::kUnavailable:
    case ErrorCode::kCorrupt:
    case ErrorCode::kInternal:
      break;
  }
  return std::string(http::ProtocolErrorCodeFor(error.code));
}

http::Response UcErrorResponse(const Error& error, std::string_view request_id) {
  internal::Json body{{"error_code", UcErrorCode(error)},
                      {"message", http::ClientMessage(error, request_id)}};
  return http::ErrorReply(error, internal::JsonText(body));
}

}  // namespace lakeshare::admin
