// Parsing and validation of the table-data requests: the /query body (PROTOCOL.md, "Read Data
// from a Table", "Request Body", plus the fields the official clients send that the spec text
// omits: maxFiles, pageToken, includeRefreshToken, refreshToken, idempotency_key) and the
// /changes, /metadata and /version query parameters. Everything a client controls is checked
// here; every problem is a 400 with a message naming the parameter (kMalformedRequest for a body
// that is not JSON or has wrongly typed fields, kInvalidArgument for values out of range and
// conflicting parameters). Table-dependent rules (history sharing, startVersion, latest version)
// are checked by the service. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "http/request.h"

namespace lakeshare::sharing {

struct QueryRequest {
  std::vector<std::string> predicate_hints;
  std::optional<std::string> json_predicate_hints;
  std::optional<int64_t> limit_hint;
  std::optional<int64_t> version;
  std::optional<int64_t> timestamp_ms;  // from "timestamp"
  std::optional<int64_t> starting_version;
  std::optional<int64_t> ending_version;
  bool include_historical_metadata = false;
  bool include_historical_protocol = false;
  std::optional<int64_t> max_files;
  std::optional<std::string> page_token;
  bool include_refresh_token = false;
  std::optional<std::string> refresh_token;
  std::optional<std::string> idempotency_key;  // idempotencyKey or idempotency_key

  /// The parameters that define the result (everything except maxFiles, pageToken and the
  /// refresh/idempotency fields), canonically serialized: page tokens are bound to it.
  std::string Canonical() const;
};

/// Idempotency keys longer than this are refused (400).
inline constexpr size_t kMaxIdempotencyKeyChars = 256;

/// Parse a /query body. An empty body counts as {} (PROTOCOL.md: "An empty JSON object ({})
/// should be provided when these two parameters are missing"). Rules checked here:
/// "at most one of version, timestamp, startingVersion"; versions >= 0; maxFiles > 0;
/// limitHint >= 0; endingVersion only with startingVersion and not below it; includeRefreshToken
/// and refreshToken neither together, nor with a version parameter, nor with pageToken.
Result<QueryRequest> ParseQueryRequest(std::string_view body);

/// The body of Get Query Info (POST .../queries/{queryId}): {maxFiles?, pageToken?}, plus the
/// `queryId` the Spark client repeats there (returned as `query_id`, for the caller to compare
/// with the path). An empty body counts as {}. The query's other parameters were fixed when it
/// was submitted: any of them here is a 400.
struct QueryInfoRequest {
  std::optional<int64_t> max_files;
  std::optional<std::string> page_token;
  std::optional<std::string> query_id;
};
Result<QueryInfoRequest> ParseQueryInfoRequest(std::string_view body);

struct ChangesRequest {
  std::optional<int64_t> starting_version;
  std::optional<int64_t> starting_timestamp_ms;
  std::optional<int64_t> ending_version;
  std::optional<int64_t> ending_timestamp_ms;
  bool include_historical_metadata = false;
  bool include_historical_protocol = false;
  std::optional<int64_t> max_files;
  std::optional<std::string> page_token;

  std::string Canonical() const;
};

/// Parse /changes parameters: "The start parameter must be provided" (startingVersion or
/// startingTimestamp, not both); at most one of endingVersion and endingTimestamp; booleans
/// case-insensitively ("True" from the Python client).
Result<ChangesRequest> ParseChangesRequest(const http::Request& request);

/// /metadata: `version` or `timestamp` (not both), each optional.
struct VersionSelector {
  std::optional<int64_t> version;
  std::optional<int64_t> timestamp_ms;
};
Result<VersionSelector> ParseMetadataParams(const http::Request& request);

/// /version: optional startingTimestamp.
Result<std::optional<int64_t>> ParseVersionParams(const http::Request& request);

/// List endpoints: maxResults ("Must be non-negative"; values above `cap` are lowered to it, as
/// "The server may return fewer than maxResults items") and pageToken.
struct ListParams {
  int max_results = 500;
  std::optional<std::string> page_token;
};
Result<ListParams> ParseListParams(const http::Request& request, int cap = 500);

/// A timestamp parameter in PROTOCOL.md's "Timestamp Format" ("ISO8601 format, in the UTC
/// timezone, such as 2022-01-01T00:00:00Z"), also the legacy "yyyy-mm-dd hh:mm:ss[.f]" form the
/// reference server accepts. Milliseconds since the epoch; kInvalidArgument naming `param`.
Result<int64_t> ParseTimestampParam(std::string_view param, std::string_view text);

/// A boolean query parameter, case-insensitive "true"/"false".
Result<bool> ParseBoolParam(std::string_view param, std::string_view text);

/// A non-negative decimal integer parameter.
Result<int64_t> ParseVersionParam(std::string_view param, std::string_view text);

}  // namespace lakeshare::sharing
