#include "common/error.h"

namespace lakeshare {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformedRequest: return "MalformedRequest";
    case ErrorCode::kInvalidArgument: return "InvalidArgument";
    case ErrorCode::kUnsupported: return "Unsupported";
    case ErrorCode::kUnauthenticated: return "Unauthenticated";
    case ErrorCode::kPermissionDenied: return "PermissionDenied";
    case ErrorCode::kNotFound: return "NotFound";
    case ErrorCode::kAlreadyExists: return "AlreadyExists";
    case ErrorCode::kResourceExhausted: return "ResourceExhausted";
    case ErrorCode::kCorrupt: return "Corrupt";
    case ErrorCode::kUnavailable: return "Unavailable";
    case ErrorCode::kInternal: return "Internal";
  }
  return "Unknown";
}

std::string_view ResourceKindName(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kMetastore: return "METASTORE";
    case ResourceKind::kCatalog: return "CATALOG";
    case ResourceKind::kSchema: return "SCHEMA";
    case ResourceKind::kTable: return "TABLE";
    case ResourceKind::kShare: return "SHARE";
    case ResourceKind::kRecipient: return "RECIPIENT";
    case ResourceKind::kPrincipal: return "PRINCIPAL";
    case ResourceKind::kExternalLocation: return "EXTERNAL_LOCATION";
    case ResourceKind::kStorageCredential: return "STORAGE_CREDENTIAL";
    case ResourceKind::kGroup: return "GROUP";
    case ResourceKind::kFederationPolicy: return "FEDERATION_POLICY";
    case ResourceKind::kNone:
    case ResourceKind::kSharedObject:
    case ResourceKind::kActivationLink:
    case ResourceKind::kRecipientToken:
    case ResourceKind::kPrincipalToken:
      return {};
  }
  return {};
}

std::string Error::ToString() const {
  std::string out(ErrorCodeName(code));
  out += ": ";
  out += message;
  return out;
}

}  // namespace lakeshare
