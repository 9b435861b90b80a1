// Building blocks of the management API (management_service.cc): Unity Catalog error replies,
// strict JSON field readers, paging, and the JSON shapes of catalog objects. Internal to admin/;
// pure functions, thread-safe.
//
// Error replies follow Unity Catalog: HTTP status + {"error_code": "...", "message": "..."} with
// UC's codes (SHARE_DOES_NOT_EXIST, INVALID_PARAMETER_VALUE, ...), not the sharing protocol's
// {"errorCode": ...} shape that http/error_response.cc renders for the protocol.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"
#include "http/request.h"
#include "http/response.h"

namespace lakeshare::admin::internal {

using Json = nlohmann::json;

/// A Unity Catalog error reply.
struct ApiError {
  int status = 500;
  std::string error_code;
  std::string message;
};

template <typename T>
using ApiResult = tl::expected<T, ApiError>;
using ApiStatus = ApiResult<void>;

inline tl::unexpected<ApiError> Fail(int status, std::string_view code, std::string message) {
  return tl::unexpected<ApiError>(ApiError{status, std::string(code), std::move(message)});
}

template <typename... Args>
tl::unexpected<ApiError> InvalidParam(fmt::format_string<Args...> f, Args&&... args) {
  return Fail(400, "INVALID_PARAMETER_VALUE", fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
tl::unexpected<ApiError> Denied(fmt::format_string<Args...> f, Args&&... args) {
  return Fail(403, "PERMISSION_DENIED", fmt::format(f, std::forward<Args>(args)...));
}

/// 404 with a `<KIND>_DOES_NOT_EXIST` code, e.g. DoesNotExist("SHARE", "Share '{}' ...", name).
template <typename... Args>
tl::unexpected<ApiError> DoesNotExist(std::string_view kind, fmt::format_string<Args...> f,
                                      Args&&... args) {
  return Fail(404, std::string(kind) + "_DOES_NOT_EXIST",
              fmt::format(f, std::forward<Args>(args)...));
}

/// The UC error for a catalog Error. kNotFound / kAlreadyExists get the code of the object the
/// catalog's message names ("Share 'x' does not exist" -> SHARE_DOES_NOT_EXIST; a table already
/// in a share -> RESOURCE_ALREADY_EXISTS); internal errors get a generic message.
ApiError FromError(const Error& error);
inline ApiError ToApiError(const Error& error) { return FromError(error); }
inline ApiError ToApiError(ApiError error) { return error; }
/// The closest ErrorCode of an API error (for Response::error(), which the audit hooks read).
ErrorCode ErrorCodeOf(const ApiError& error);

/// The reply for `error`: status, UC body, and Response::error() set.
http::Response ErrorReply(const ApiError& error, std::string_view request_id);
/// A JSON reply (invalid UTF-8 is replaced, never thrown on).
http::Response JsonReply(const Json& body, int status = 200);

// ---- Request bodies ------------------------------------------------------------------------

/// Parse a request body as a JSON object; an empty body is {}. Not JSON, nested deeper than 32
/// levels, or not an object: 400 MALFORMED_REQUEST.
ApiResult<Json> ParseBody(std::string_view body);

/// Longest accepted string field (names, comments, URLs).
inline constexpr size_t kMaxStringBytes = 4096;

/// Field readers: absent or null -> nullopt; the wrong type -> 400 INVALID_PARAMETER_VALUE naming
/// the field and the expected type.
ApiResult<std::optional<std::string>> OptString(const Json& object, std::string_view key,
                                                size_t max_bytes = kMaxStringBytes);
/// A required, non-empty string.
ApiResult<std::string> ReqString(const Json& object, std::string_view key);
/// An integer given as a JSON integer or a string of digits (protobuf JSON spells int64 so).
ApiResult<std::optional<int64_t>> OptInt(const Json& object, std::string_view key);
ApiResult<std::optional<bool>> OptBool(const Json& object, std::string_view key);
/// A JSON object field (pointer into `object`), or null when absent/null.
ApiResult<const Json*> OptObject(const Json& object, std::string_view key);
/// A JSON array field with at most `max_items` entries, or null when absent/null.
ApiResult<const Json*> OptArray(const Json& object, std::string_view key, size_t max_items);
/// An array of strings with at most `max_items` entries.
ApiResult<std::optional<std::vector<std::string>>> OptStringArray(const Json& object,
                                                                  std::string_view key,
                                                                  size_t max_items);

// ---- Query parameters ----------------------------------------------------------------------

ApiResult<std::optional<int64_t>> QueryInt(const http::Request& request, std::string_view name);
/// true/false (any case), 1/0; anything else is 400.
ApiResult<std::optional<bool>> QueryBool(const http::Request& request, std::string_view name);

/// UC paging: `max_results` absent = everything, 0 = the default page (100), 1..1000 as given;
/// `page_token` from a previous `next_page_token`.
struct Paging {
  bool all = true;
  int64_t max_results = 0;
  std::string page_token;
};
inline constexpr int64_t kDefaultPageSize = 100;
inline constexpr int64_t kMaxPageSize = 1000;
ApiResult<Paging> ParsePaging(const http::Request& request);

/// One page of the items a caller may see: pulls catalog pages (through `fetch`, a
/// Result<catalog::Listing<T>>(const catalog::PageRequest&)) and keeps those `visible` accepts, so
/// filtering never skips an item. The next page token is the catalog's own.
template <typename T, typename Fetch, typename Visible>
ApiResult<catalog::Listing<T>> ListVisible(const Paging& paging, Fetch&& fetch, Visible&& visible) {
  catalog::Listing<T> out;
  std::string token = paging.page_token;
  while (true) {
    catalog::PageRequest page;
    page.page_token = token;
    if (!paging.all) {
      // Asking for exactly what is missing means every row fetched fits in this page.
      page.max_results = paging.max_results - static_cast<int64_t>(out.items.size());
    }
    auto listing = fetch(page);
    if (!listing) {
      return tl::unexpected<ApiError>(FromError(listing.error()));
    }
    for (T& item : listing->items) {
      ApiResult<bool> ok = visible(item);
      if (!ok) {
        return tl::unexpected<ApiError>(ok.error());
      }
      if (*ok) {
        out.items.push_back(std::move(item));
      }
    }
    token = listing->next_page_token;
    if (token.empty() ||
        (!paging.all && static_cast<int64_t>(out.items.size()) >= paging.max_results)) {
      out.next_page_token = token;
      return out;
    }
  }
}

// ---- JSON shapes -----------------------------------------------------------------------------

Json CatalogJson(const catalog::CatalogInfo& info);
Json SchemaJson(const catalog::SchemaInfo& info);
Json TableJson(const catalog::TableInfo& info);
Json DataObjectJson(const catalog::SharedDataObject& object);
Json ShareJson(const catalog::ShareInfo& info, bool include_objects);
Json PrivilegeAssignmentsJson(const std::vector<catalog::PrivilegeAssignment>& assignments);
Json PrincipalJson(const catalog::Principal& principal);
Json PrincipalTokenJson(const catalog::PrincipalToken& token);
Json AuditEventJson(const catalog::AuditEvent& event);
/// "TOKEN" stays; the catalog's "OIDC" is UC's "OIDC_FEDERATION".
std::string_view AuthenticationTypeName(std::string_view catalog_type);

/// Parse a UC SharedDataObject for `action` (ADD, UPDATE: full object; REMOVE: name or shared_as
/// only). data_object_type must be TABLE. `partitions` are validated and stored as JSON text.
ApiResult<catalog::SharedDataObject> ParseDataObject(const Json& object,
                                                     catalog::SharedObjectChange::Action action);
/// Validate a UC `partitions` array ([{values: [{name, op: EQUAL|LIKE, value |
/// recipient_property_key}]}]) and return it as canonical JSON text ("" for an empty array).
ApiResult<std::string> CanonicalPartitions(const Json& partitions);

/// Milliseconds since the epoch as ISO-8601 UTC ("2026-11-25T07:22:24.123Z").
std::string IsoTime(int64_t ms);

/// The token part of an activation path parameter: the bare token, or the last segment of a full
/// activation URL. Null when it is not a plausible token (1-256 of [A-Za-z0-9_-]).
std::optional<std::string> ActivationTokenOf(std::string_view param);

}  // namespace lakeshare::admin::internal
