// AuditScope: the audit event of one management request committed in the same transaction as the
// change it records (issue 10 item 6). The request runs on one thread; while an AuditScope is
// open on it, the first write transaction the catalog commits on that thread also inserts the
// event (as PendingAuditEvent::make_event builds it at that moment), so that a change is never
// committed without its event, whatever stops the server afterwards. Later writes of the same
// request add no second event; the caller then replaces the event's outcome with the final one
// (Catalog::FinishAuditEvent) once the response is known.
//
// An event with a dedup_key (AuditEvent) is stored once per key: a retried request (same request
// id, principal, method, path and body) that commits again, or whose event is written again after
// a lost connection, leaves the first event as the record.
//
// Thread-compatible: a PendingAuditEvent belongs to the request's thread.
#pragma once

#include <cstdint>
#include <functional>

#include "catalog/catalog.h"

namespace lakeshare::catalog {

struct PendingAuditEvent {
  /// The event as the request stands; called inside the write transaction.
  std::function<AuditEvent()> make_event;
  /// Set by the catalog: the id of the event committed with the request's first change.
  int64_t written_id = 0;
  /// Set by the catalog: an earlier attempt of the same request already committed a change with
  /// its event; this attempt records nothing more.
  bool recorded_before = false;
};

class AuditScope {
 public:
  /// Bind `pending` to this thread until the scope ends. `pending` must outlive the scope.
  explicit AuditScope(PendingAuditEvent* pending) : previous_(current_) { current_ = pending; }
  ~AuditScope() { current_ = previous_; }
  AuditScope(const AuditScope&) = delete;
  AuditScope& operator=(const AuditScope&) = delete;

  /// The event bound to this thread, or nullptr.
  static PendingAuditEvent* Current() { return current_; }

 private:
  static inline thread_local PendingAuditEvent* current_ = nullptr;
  PendingAuditEvent* previous_;
};

}  // namespace lakeshare::catalog
