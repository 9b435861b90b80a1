#include "sharing/query_request.h"

#include <cctype>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/json_bounds.h"
#include "common/numbers.h"
#include "common/quoted.h"
#include "common/strings.h"
#include "delta/time_util.h"

namespace lakeshare::sharing {

namespace {

using Json = nlohmann::json;

tl::unexpected<Error> Malformed(std::string_view field, std::string_view expected) {
  return MakeError(ErrorCode::kMalformedRequest,
                   fmt::format("Invalid query body: '{}' must be {}", field, expected));
}

Result<int64_t> ParseDecimal(std::string_view param, std::string_view text) {
  std::optional<int64_t> v = ParseInteger<int64_t>(text);
  if (!v) {
    return InvalidArgument("'{}' must be an integer, got {}", param, Quoted(text));
  }
  return *v;
}

// An integer field: a JSON integer, or a string holding one (Jackson coerces those too).
Result<std::optional<int64_t>> IntField(const Json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::optional<int64_t>();
  if (it->is_number_integer()) {
    if (it->is_number_unsigned() &&
        it->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return InvalidArgument("'{}' is out of range", name);
    }
    return std::optional<int64_t>(it->get<int64_t>());
  }
  if (it->is_number_float()) {
    double d = it->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) {
      return std::optional<int64_t>(static_cast<int64_t>(d));
    }
    return Malformed(name, "an integer");
  }
  if (it->is_string()) {
    auto v = ParseDecimal(name, it->get<std::string>());
    if (!v) return Malformed(name, "an integer");
    return std::optional<int64_t>(*v);
  }
  return Malformed(name, "an integer");
}

Result<bool> BoolField(const Json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_string()) {
    auto v = ParseBoolParam(name, it->get<std::string>());
    if (v) return *v;
  }
  return Malformed(name, "true or false");
}

Result<std::optional<std::string>> StringField(const Json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return Malformed(name, "a string");
  return std::optional<std::string>(it->get<std::string>());
}

Status NonNegative(const std::optional<int64_t>& v, std::string_view name) {
  if (v && *v < 0) return InvalidArgument("'{}' must not be negative, got {}", name, *v);
  return OkStatus();
}

void AppendOpt(std::string& out, std::string_view name, const std::optional<int64_t>& v) {
  out += name;
  out += '=';
  if (v) out += std::to_string(*v);
  out += ';';
}

// How both canonical forms end: the includeHistoricalMetadata and includeHistoricalProtocol flags.
void AppendHistoryFlags(std::string& out, bool metadata, bool protocol) {
  out += metadata ? "hm=1;" : "hm=0;";
  out += protocol ? "hp=1;" : "hp=0;";
}

std::optional<std::string_view> Param(const http::Request& request, std::string_view name) {
  // Parameter names are matched exactly, as the clients send them; a repeated parameter is
  // ambiguous and refused by the callers through CheckSingle.
  const std::string* v = request.QueryParam(name);
  if (!v) return std::nullopt;
  return std::string_view(*v);
}

Status CheckSingle(const http::Request& request, std::string_view name) {
  if (request.QueryParams(name).size() > 1) {
    return InvalidArgument("'{}' is given more than once", name);
  }
  return OkStatus();
}

// An optional integer parameter (a version: ParseVersionParam; a timestamp in ms:
// ParseTimestampParam), given at most once.
using IntParser = Result<int64_t> (*)(std::string_view param, std::string_view text);
Result<std::optional<int64_t>> IntParam(const http::Request& request, std::string_view name,
                                        IntParser parse) {
  LS_RETURN_IF_ERROR(CheckSingle(request, name));
  auto v = Param(request, name);
  if (!v) return std::optional<int64_t>();
  LS_ASSIGN_OR_RETURN(int64_t n, parse(name, *v));
  return std::optional<int64_t>(n);
}

Result<bool> BoolParam(const http::Request& request, std::string_view name) {
  LS_RETURN_IF_ERROR(CheckSingle(request, name));
  auto v = Param(request, name);
  if (!v) return false;
  return ParseBoolParam(name, *v);
}

}  // namespace

Result<int64_t> ParseTimestampParam(std::string_view param, std::string_view text) {
  std::optional<int64_t> micros;
  if (!text.empty() && text.size() <= 64) micros = delta::ParseTimestampMicros(text);
  if (!micros) {
    return InvalidArgument(
        "'{}' must be a timestamp in ISO 8601 format, such as 2022-01-01T00:00:00Z, got {}", param,
        Quoted(text));
  }
  // Floor to milliseconds (without negating: -INT64_MIN overflows).
  return *micros / 1000 - (*micros % 1000 < 0 ? 1 : 0);
}

Result<bool> ParseBoolParam(std::string_view param, std::string_view text) {
  std::string v = ToLower(text);
  if (v == "true") return true;
  if (v == "false") return false;
  return InvalidArgument("'{}' must be true or false, got {}", param, Quoted(text));
}

Result<int64_t> ParseVersionParam(std::string_view param, std::string_view text) {
  LS_ASSIGN_OR_RETURN(int64_t v, ParseDecimal(param, text));
  if (v < 0) return InvalidArgument("'{}' must not be negative, got {}", param, v);
  return v;
}

std::string QueryRequest::Canonical() const {
  std::string out = "query;";
  for (const auto& h : predicate_hints) {
    out += "p=";
    AppendJsonString(out, h);
    out += ';';
  }
  out += "j=";
  if (json_predicate_hints) AppendJsonString(out, *json_predicate_hints);
  out += ';';
  AppendOpt(out, "l", limit_hint);
  AppendOpt(out, "v", version);
  AppendOpt(out, "t", timestamp_ms);
  AppendOpt(out, "sv", starting_version);
  AppendOpt(out, "ev", ending_version);
  AppendHistoryFlags(out, include_historical_metadata, include_historical_protocol);
  return out;
}

Result<QueryRequest> ParseQueryRequest(std::string_view body) {
  QueryRequest q;
  std::string_view trimmed = body;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) {
    trimmed.remove_prefix(1);
  }
  if (trimmed.empty()) return q;
  // Bounded before parsing: everything below (and the predicate's own parse) walks the tree.
  LS_RETURN_IF_ERROR(CheckJsonBounds(body, kRequestBodyJsonLimits, "The query body"));
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return MakeError(ErrorCode::kMalformedRequest, "The query body is not valid JSON");
  }
  if (!j.is_object()) {
    return MakeError(ErrorCode::kMalformedRequest, "The query body must be a JSON object");
  }
  if (auto it = j.find("predicateHints"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return Malformed("predicateHints", "an array of strings");
    for (const auto& h : *it) {
      if (!h.is_string()) return Malformed("predicateHints", "an array of strings");
      q.predicate_hints.push_back(h.get<std::string>());
    }
  }
  if (auto it = j.find("jsonPredicateHints"); it != j.end() && !it->is_null()) {
    // The spec types it as a JSON-encoded string; the stale OpenAPI description shows an object,
    // which some clients send: accept both.
    // Both forms obey the predicate bounds (the object form is already within the body's depth,
    // so its serialisation below cannot recurse deeply).
    if (it->is_string()) {
      q.json_predicate_hints = it->get<std::string>();
    } else if (it->is_object()) {
      q.json_predicate_hints = it->dump();
    } else {
      return Malformed("jsonPredicateHints", "a string holding a JSON predicate");
    }
    LS_RETURN_IF_ERROR(
        CheckJsonBounds(*q.json_predicate_hints, kPredicateJsonLimits, "'jsonPredicateHints'"));
  }
  LS_ASSIGN_OR_RETURN(q.limit_hint, IntField(j, "limitHint"));
  LS_ASSIGN_OR_RETURN(q.version, IntField(j, "version"));
  LS_ASSIGN_OR_RETURN(auto timestamp, StringField(j, "timestamp"));
  if (timestamp) {
    LS_ASSIGN_OR_RETURN(int64_t ms, ParseTimestampParam("timestamp", *timestamp));
    q.timestamp_ms = ms;
  }
  LS_ASSIGN_OR_RETURN(q.starting_version, IntField(j, "startingVersion"));
  LS_ASSIGN_OR_RETURN(q.ending_version, IntField(j, "endingVersion"));
  LS_ASSIGN_OR_RETURN(q.include_historical_metadata, BoolField(j, "includeHistoricalMetadata"));
  LS_ASSIGN_OR_RETURN(q.include_historical_protocol, BoolField(j, "includeHistoricalProtocol"));
  LS_ASSIGN_OR_RETURN(q.max_files, IntField(j, "maxFiles"));
  LS_ASSIGN_OR_RETURN(q.page_token, StringField(j, "pageToken"));
  LS_ASSIGN_OR_RETURN(q.include_refresh_token, BoolField(j, "includeRefreshToken"));
  LS_ASSIGN_OR_RETURN(q.refresh_token, StringField(j, "refreshToken"));
  LS_ASSIGN_OR_RETURN(auto key1, StringField(j, "idempotencyKey"));
  LS_ASSIGN_OR_RETURN(auto key2, StringField(j, "idempotency_key"));
  q.idempotency_key = key1 ? key1 : key2;
  if (q.idempotency_key && q.idempotency_key->size() > kMaxIdempotencyKeyChars) {
    return InvalidArgument("'idempotencyKey' is longer than {} characters; send a shorter key (a "
                           "UUID, say)",
                           kMaxIdempotencyKeyChars);
  }
  if (q.page_token && q.page_token->empty()) q.page_token.reset();

  LS_RETURN_IF_ERROR(NonNegative(q.limit_hint, "limitHint"));
  LS_RETURN_IF_ERROR(NonNegative(q.version, "version"));
  LS_RETURN_IF_ERROR(NonNegative(q.starting_version, "startingVersion"));
  LS_RETURN_IF_ERROR(NonNegative(q.ending_version, "endingVersion"));
  int selectors = (q.version ? 1 : 0) + (q.timestamp_ms ? 1 : 0) + (q.starting_version ? 1 : 0);
  if (selectors > 1) {
    return InvalidArgument("Only one of 'version', 'timestamp' and 'startingVersion' may be set");
  }
  if (q.ending_version && !q.starting_version) {
    return InvalidArgument("'endingVersion' is only allowed together with 'startingVersion'");
  }
  if (q.ending_version && *q.ending_version < *q.starting_version) {
    return InvalidArgument("'endingVersion' ({}) must not be less than 'startingVersion' ({})",
                           *q.ending_version, *q.starting_version);
  }
  if (q.max_files && *q.max_files <= 0) {
    return InvalidArgument("'maxFiles' must be positive, got {}", *q.max_files);
  }
  if (q.include_refresh_token && q.refresh_token) {
    return InvalidArgument("'includeRefreshToken' and 'refreshToken' cannot be used together");
  }
  if ((q.include_refresh_token || q.refresh_token) && selectors > 0) {
    return InvalidArgument(
        "'includeRefreshToken' and 'refreshToken' are only allowed on latest-snapshot queries "
        "(no 'version', 'timestamp' or 'startingVersion')");
  }
  if ((q.include_refresh_token || q.refresh_token) && q.page_token) {
    return InvalidArgument(
        "'includeRefreshToken' and 'refreshToken' are not allowed together with 'pageToken'");
  }
  return q;
}

Result<QueryInfoRequest> ParseQueryInfoRequest(std::string_view body) {
  // The same parser (and bounds) as /query; only the fields a poll may carry are accepted.
  LS_ASSIGN_OR_RETURN(QueryRequest q, ParseQueryRequest(body));
  if (!q.predicate_hints.empty() || q.json_predicate_hints || q.limit_hint || q.version ||
      q.timestamp_ms || q.starting_version || q.ending_version || q.include_historical_metadata ||
      q.include_historical_protocol || q.include_refresh_token || q.refresh_token ||
      q.idempotency_key) {
    return InvalidArgument(
        "Get Query Info takes only 'maxFiles' and 'pageToken': the query's other parameters were "
        "fixed when it was submitted");
  }
  QueryInfoRequest r;
  r.max_files = q.max_files;
  r.page_token = std::move(q.page_token);
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) {
    LS_ASSIGN_OR_RETURN(r.query_id, StringField(j, "queryId"));
  }
  return r;
}

std::string ChangesRequest::Canonical() const {
  std::string out = "changes;";
  AppendOpt(out, "sv", starting_version);
  AppendOpt(out, "st", starting_timestamp_ms);
  AppendOpt(out, "ev", ending_version);
  AppendOpt(out, "et", ending_timestamp_ms);
  AppendHistoryFlags(out, include_historical_metadata, include_historical_protocol);
  return out;
}

Result<ChangesRequest> ParseChangesRequest(const http::Request& request) {
  ChangesRequest c;
  LS_ASSIGN_OR_RETURN(c.starting_version, IntParam(request, "startingVersion", ParseVersionParam));
  LS_ASSIGN_OR_RETURN(c.starting_timestamp_ms,
                      IntParam(request, "startingTimestamp", ParseTimestampParam));
  LS_ASSIGN_OR_RETURN(c.ending_version, IntParam(request, "endingVersion", ParseVersionParam));
  LS_ASSIGN_OR_RETURN(c.ending_timestamp_ms,
                      IntParam(request, "endingTimestamp", ParseTimestampParam));
  LS_ASSIGN_OR_RETURN(c.include_historical_metadata,
                      BoolParam(request, "includeHistoricalMetadata"));
  LS_ASSIGN_OR_RETURN(c.include_historical_protocol,
                      BoolParam(request, "includeHistoricalProtocol"));
  LS_RETURN_IF_ERROR(CheckSingle(request, "maxFiles"));
  if (auto v = Param(request, "maxFiles")) {
    LS_ASSIGN_OR_RETURN(int64_t n, ParseDecimal("maxFiles", *v));
    if (n <= 0) return InvalidArgument("'maxFiles' must be positive, got {}", n);
    c.max_files = n;
  }
  LS_RETURN_IF_ERROR(CheckSingle(request, "pageToken"));
  if (auto v = Param(request, "pageToken"); v && !v->empty()) c.page_token = std::string(*v);
  if (!c.starting_version && !c.starting_timestamp_ms) {
    return InvalidArgument("'startingVersion' or 'startingTimestamp' is required");
  }
  if (c.starting_version && c.starting_timestamp_ms) {
    return InvalidArgument("Only one of 'startingVersion' and 'startingTimestamp' may be set");
  }
  if (c.ending_version && c.ending_timestamp_ms) {
    return InvalidArgument("Only one of 'endingVersion' and 'endingTimestamp' may be set");
  }
  if (c.starting_version && c.ending_version && *c.ending_version < *c.starting_version) {
    return InvalidArgument("'endingVersion' ({}) must not be less than 'startingVersion' ({})",
                           *c.ending_version, *c.starting_version);
  }
  if (c.starting_timestamp_ms && c.ending_timestamp_ms &&
      *c.ending_timestamp_ms < *c.starting_timestamp_ms) {
    return InvalidArgument("'endingTimestamp' must not be before 'startingTimestamp'");
  }
  return c;
}

Result<VersionSelector> ParseMetadataParams(const http::Request& request) {
  VersionSelector s;
  LS_ASSIGN_OR_RETURN(s.version, IntParam(request, "version", ParseVersionParam));
  LS_ASSIGN_OR_RETURN(s.timestamp_ms, IntParam(request, "timestamp", ParseTimestampParam));
  if (s.version && s.timestamp_ms) {
    return InvalidArgument("Only one of 'version' and 'timestamp' may be set");
  }
  return s;
}

Result<std::optional<int64_t>> ParseVersionParams(const http::Request& request) {
  return IntParam(request, "startingTimestamp", ParseTimestampParam);
}

Result<ListParams> ParseListParams(const http::Request& request, int cap) {
  ListParams p;
  p.max_results = cap;
  LS_RETURN_IF_ERROR(CheckSingle(request, "maxResults"));
  if (auto v = Param(request, "maxResults")) {
    LS_ASSIGN_OR_RETURN(int64_t n, ParseDecimal("maxResults", *v));
    if (n < 0) return InvalidArgument("'maxResults' must not be negative, got {}", n);
    if (n > std::numeric_limits<int32_t>::max()) {
      return InvalidArgument("'maxResults' must be a 32-bit integer, got {}", n);
    }
    p.max_results = static_cast<int>(std::min<int64_t>(n, cap));
  }
  LS_RETURN_IF_ERROR(CheckSingle(request, "pageToken"));
  if (auto v = Param(request, "pageToken"); v && !v->empty()) p.page_token = std::string(*v);
  return p;
}

}  // namespace lakeshare::sharing
