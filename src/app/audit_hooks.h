// The audit trail's hooks on the http Router (issue 5, "Audit"). Handlers describe their exchange
// in http::AuditNotes (action, parameters, recipient, served counters); these hooks turn every
// exchange, allowed or denied, into catalog::AuditEvents:
//
//  - management requests (paths under /api/): a middleware writes the event synchronously after
//    the handler and before the response leaves, so a management change is never answered without
//    its audit record (a failed write is logged and falls back to the queue);
//  - everything else (the sharing protocol, file downloads, the activation page, and requests
//    refused before a handler ran, e.g. a bad token): a completion hook queues the event for the
//    AuditLog's background writer (written within a second); a served query adds a second
//    "served" event carrying what was served (deltaSharingQueriedTable).
//
// Health, readiness and metrics probes are not audited. Thread-safe; `log` must outlive the router.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "catalog/audit_log.h"
#include "http/router.h"

namespace lakeshare::app {

/// The middleware for durable management events (register with Router::Use).
http::Middleware MakeDurableAuditMiddleware(catalog::AuditLog* log);
/// The completion hook for every other exchange (register with Router::AddCompletionHook).
http::CompletionHook MakeAuditCompletionHook(catalog::AuditLog* log);

/// The request event of an exchange that ended with `status` (and `error_message` when it
/// failed), at `now_ms`.
catalog::AuditEvent AuditEventFor(const http::Request& request, int status,
                                  std::string_view error_message, int64_t now_ms);
/// The action name for a request whose handler named none (e.g. refused before it ran).
std::string DefaultAuditAction(const http::Request& request);
/// Whether the request is a probe that is not audited (/healthz, /readyz, /metrics).
bool IsUnauditedProbe(const http::Request& request);

}  // namespace lakeshare::app
