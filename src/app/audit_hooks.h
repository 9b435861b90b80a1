// The audit trail's hooks on the http Router (issue 5, "Audit"). Handlers describe their exchange
// in http::AuditNotes (action, parameters, recipient, served counters); these hooks turn every
// exchange, allowed or denied, into catalog::AuditEvents:
//
//  - management requests (paths under /api/): the event is committed in the same transaction as
//    the request's first change (catalog/audit_scope.h), and its outcome recorded after the
//    handler, before the response leaves; a request that changed nothing is written then (a
//    failed write is logged and falls back to the queue). One event per retried request (same
//    X-Request-Id, caller, method, path and body);
//  - everything else (the sharing protocol, file downloads, the activation page, and requests
//    refused before a handler ran, e.g. a bad token): a completion hook queues the event for the
//    AuditLog's background writer (written within a second); a served query adds a second
//    "served" event carrying what was served (deltaSharingQueriedTable), and each of the notes'
//    later events one more (e.g. deltaSharingMaterializedFiles: the files rewritten for the
//    recipient, sharing/file_rewrites_internal.h), whatever the status.
//
// Health, readiness and metrics probes are not audited. Thread-safe; `log` must outlive the router.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "catalog/audit_log.h"
#include "common/clock.h"
#include "http/router.h"

namespace lakeshare::app {

/// The middleware for durable management events (register with Router::Use).
/// Events are stamped with `clock`'s wall time (null: SystemClock(); it must outlive the router).
http::Middleware MakeDurableAuditMiddleware(catalog::AuditLog* log, const Clock* clock = nullptr);
/// The completion hook for every other exchange (register with Router::AddCompletionHook).
http::CompletionHook MakeAuditCompletionHook(catalog::AuditLog* log,
                                             const Clock* clock = nullptr);

/// The request event of an exchange that ended with `status` (and `error_message` when it
/// failed), at `now_ms`.
catalog::AuditEvent AuditEventFor(const http::Request& request, int status,
                                  std::string_view error_message, int64_t now_ms);
/// The dedup key of a management request's event (catalog::AuditEvent::dedup_key): one event per
/// client request id (X-Request-Id; the server's id when none), principal, method, path and body;
/// "" for other requests.
std::string ManagementDedupKey(const http::Request& request);
/// The action name for a request whose handler named none (e.g. refused before it ran).
std::string DefaultAuditAction(const http::Request& request);
/// Whether the request is a probe that is not audited (/healthz, /readyz, /metrics).
bool IsUnauditedProbe(const http::Request& request);

}  // namespace lakeshare::app
