// Error vocabulary shared by every module. An Error is a code from a closed set, a user-visible
// message (no secrets, no server paths) and, where the caller needs it, the kind of resource it is
// about (set where the error is made: the catalog, the sharing provider, an API handler).
// Renderers map code and resource kind to their API's reply without ever reading the message:
// http/error_response.cc for the Delta Sharing protocol, admin/ for the Unity-Catalog-shaped
// management API (SHARE_DOES_NOT_EXIST, ...). Plain value type, thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <utility>

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

/// What an error is about, for APIs whose codes name the object ("SHARE_DOES_NOT_EXIST").
/// kNone: not about one object (a bad parameter, a parse error, an outage).
enum class ResourceKind {
  kNone,
  kMetastore,
  kCatalog,
  kSchema,
  kTable,
  kShare,
  kSharedObject,  // a table's entry in a share ("'a.b.c' is not in share 's'")
  kRecipient,
  kActivationLink,
  kRecipientToken,
  kPrincipal,
  kPrincipalToken,  // a principal's API token
  kExternalLocation,
  kStorageCredential,
  kGroup,
  kFederationPolicy,
};

/// "SHARE", "EXTERNAL_LOCATION", ...: the Unity Catalog spelling of a kind with an error code
/// of its own (<NAME>_DOES_NOT_EXIST); empty for kinds answered as RESOURCE_... (kNone, a table's
/// entry in a share, links and tokens).
std::string_view ResourceKindName(ResourceKind kind);

struct Error {
  Error() = default;
  Error(ErrorCode c, std::string m, ResourceKind r = ResourceKind::kNone)
      : code(c), message(std::move(m)), resource(r) {}

  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  ResourceKind resource = ResourceKind::kNone;

  /// Render as "<CodeName>: <message>" for logs and command-line output.
  std::string ToString() const;
};

}  // namespace lakeshare
