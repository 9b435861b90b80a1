// The ids of asynchronous queries (PROTOCOL.md, "asyncQuery" and "Get Query Info"). The server
// keeps no state for a query: its id is the query itself, sealed by HmacSigner (purpose
// "query-id") and bound to who asked for which table, so that any replica, before or after a
// restart, answers a poll by running the query again against the same pinned table version (the
// work it waits for is the materializer's, which survives restarts and is shared by replicas).
// An id holds the recipient/share/table binding, the resolved table version, the response format
// and file-id scheme chosen at submission, the parameters that shape the answer (predicate and
// limit hints, time travel, includeRefreshToken), a digest of the full parameters and the
// idempotency key, and an expiry. Its payload is readable (base64url of JSON): it holds nothing
// the submitter did not send or could not learn from the answer.
// Deterministic: the same submission (same key, parameters, table version) within one expiry
// window gets the same id (PROTOCOL.md: "retrying a submission maps to the same queryId"). The
// expiry is the end of the window after the current one, so an id lives between one and two
// windows.
// Every failure to decode (too long, not ours, tampered, expired, another recipient's or another
// table's) is the same kNotFound: a poll never learns whether an id exists for someone else.
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sharing/capabilities.h"
#include "sharing/hmac_signer.h"

namespace lakeshare::sharing {

/// Ids longer than this are refused before anything is decoded.
inline constexpr size_t kMaxQueryIdChars = 4096;
/// The hints an id carries are dropped (with the limit hint, which only holds after them) when
/// they would make it longer than about this: hints are best effort, the answer stays correct.
inline constexpr size_t kMaxQueryIdHintChars = 2048;

struct AsyncQueryId {
  std::string binding;  // ServiceCore::Binding(ctx, "async-query")
  int64_t version = 0;  // the resolved table version
  bool time_travel = false;  // submitted with version or timestamp: lines carry the version
  ResponseFormat format = ResponseFormat::kParquet;
  std::optional<ResponseFormat> fileidhash;  // the submission's fileidhash header
  std::vector<std::string> predicate_hints;
  std::optional<std::string> json_predicate_hints;
  std::optional<int64_t> limit_hint;
  bool include_refresh_token = false;
  std::string digest;  // of every parameter and the idempotency key
  int64_t expires_ms = 0;
};

/// The expiry of an id issued at `now_ms` with lifetime windows of `window_ms`.
int64_t QueryIdExpiry(int64_t now_ms, int64_t window_ms);

std::string EncodeQueryId(const HmacSigner& signer, const AsyncQueryId& id);
/// Decode and check an id: length, signature, binding, expiry. kNotFound on any failure.
Result<AsyncQueryId> DecodeQueryId(const HmacSigner& signer, std::string_view text,
                                   std::string_view binding, int64_t now_ms);

}  // namespace lakeshare::sharing
