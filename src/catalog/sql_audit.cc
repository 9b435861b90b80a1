// Audit events: appended in batches, queried by time, action, principal and recipient, paged by
// (time_ms, id), oldest or newest first, deleted by id (retention).
#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

#include "catalog/audit_scope.h"
#include "catalog/sql_catalog_impl.h"
#include "common/numbers.h"
#include "common/strings.h"

namespace lakeshare::catalog {
namespace {

constexpr std::string_view kAuditCols =
    "id, time_ms, request_id, action, principal, recipient, source_ip, user_agent, params, "
    "status_code, error, volume";

Result<AuditEvent> ToAudit(const SqlRow& r) {
  LS_ASSIGN_OR_RETURN(int64_t id, ToInt(r[0], "audit_events.id"));
  LS_ASSIGN_OR_RETURN(int64_t time_ms, ToInt(r[1], "audit_events.time_ms"));
  LS_ASSIGN_OR_RETURN(int64_t status_code, ToInt(r[9], "audit_events.status_code"));
  return AuditEvent{id,           time_ms,      ToStr(r[2]), ToStr(r[3]), ToStr(r[4]),
                    ToStr(r[5]),  ToStr(r[6]),  ToStr(r[7]), ToStr(r[8]), status_code,
                    ToStr(r[10]), ToStr(r[11]), ""};
}

/// The (time_ms, id) of a page token's text after its order letter: "<time_ms>:<id>", two whole
/// int64 numbers and nothing more (sscanf took an out-of-range number, undefined behaviour, and
/// ignored trailing text).
std::optional<std::pair<int64_t, int64_t>> ParseAuditPosition(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  std::optional<int64_t> t = ParseInteger<int64_t>(text.substr(0, colon));
  std::optional<int64_t> id = ParseInteger<int64_t>(text.substr(colon + 1));
  if (!t || !id) {
    return std::nullopt;
  }
  return std::make_pair(*t, *id);
}

/// The WHERE clause and parameters of `q` (without its LIMIT).
Result<std::pair<std::string, std::vector<SqlValue>>> AuditFilter(const AuditQuery& q) {
  std::string sql = " WHERE 1 = 1";
  std::vector<SqlValue> params;
  if (q.from_ms) {
    sql += " AND time_ms >= ?";
    params.push_back(*q.from_ms);
  }
  if (q.to_ms) {
    sql += " AND time_ms < ?";
    params.push_back(*q.to_ms);
  }
  for (auto [column, value] : {std::pair<const char*, const std::string*>{"action", &q.action},
                               {"principal", &q.principal},
                               {"recipient", &q.recipient}}) {
    if (!value->empty()) {
      sql += std::string(" AND ") + column + " = ?";
      params.push_back(*value);
    }
  }
  if (!q.page.page_token.empty()) {
    std::optional<std::string> decoded = Base64Decode(q.page.page_token);
    // 'a' continues an ascending listing, 'd' a descending one; a token of the other order is
    // refused rather than silently restarting.
    const char order = q.newest_first ? 'd' : 'a';
    std::optional<std::pair<int64_t, int64_t>> position;
    if (decoded && decoded->size() >= 2 && (*decoded)[0] == order) {
      position = ParseAuditPosition(std::string_view(*decoded).substr(1));
    }
    if (!position) {
      return InvalidArgument("Invalid page_token (of another query or order?)");
    }
    const auto [t, id] = *position;
    sql += q.newest_first ? " AND (time_ms < ? OR (time_ms = ? AND id < ?))"
                          : " AND (time_ms > ? OR (time_ms = ? AND id > ?))";
    params.push_back(t);
    params.push_back(t);
    params.push_back(id);
  }
  return std::make_pair(std::move(sql), std::move(params));
}

constexpr std::string_view kInsertEvent =
    "INSERT INTO audit_events (time_ms, request_id, action, principal, recipient, source_ip, "
    "user_agent, params, status_code, error, volume, dedup_key, changed) VALUES (?, ?, ?, ?, ?, "
    "?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedup_key) ";

std::vector<SqlValue> EventValues(const AuditEvent& e, bool changed) {
  return {e.time_ms,     e.request_id,
          e.action,      e.principal,
          e.recipient,   e.source_ip,
          e.user_agent,  e.params_json,
          e.status_code, e.error,
          e.volume_json, e.dedup_key.empty() ? SqlValue(nullptr) : SqlValue(e.dedup_key),
          int64_t{changed ? 1 : 0}};
}

/// Insert the event committed with a change; it replaces an event of the same key that came
/// without one (an earlier attempt that failed). Returns its id, or 0 when an earlier attempt of
/// the request already committed a change with its event (which stays the record).
Result<int64_t> InsertChangeEvent(SqlConn& c, const AuditEvent& e) {
  LS_ASSIGN_OR_RETURN(
      SqlRows rows,
      c.Query(std::string(kInsertEvent) +
                  "DO UPDATE SET time_ms = excluded.time_ms, action = excluded.action, "
                  "recipient = excluded.recipient, source_ip = excluded.source_ip, user_agent = "
                  "excluded.user_agent, params = excluded.params, status_code = "
                  "excluded.status_code, error = excluded.error, changed = 1 WHERE "
                  "audit_events.changed = 0 RETURNING id",
              EventValues(e, /*changed=*/true)));
  if (rows.empty()) {
    return 0;
  }
  return ToInt(rows[0][0], "audit_events.id");
}

}  // namespace

Status SqlCatalog::Run(TxKind kind, const std::function<Status(SqlConn&)>& fn) {
  PendingAuditEvent* pending = AuditScope::Current();
  if (kind != TxKind::kWrite || pending == nullptr || pending->written_id != 0 ||
      pending->recorded_before) {
    return db_->Run(kind, fn);
  }
  int64_t id = 0;
  LS_RETURN_IF_ERROR(db_->Run(kind, [&](SqlConn& c) -> Status {
    LS_RETURN_IF_ERROR(fn(c));
    LS_ASSIGN_OR_RETURN(id, InsertChangeEvent(c, pending->make_event()));
    return OkStatus();
  }));
  pending->written_id = id;
  pending->recorded_before = id == 0;
  return OkStatus();
}

Status SqlCatalog::AppendAuditEvents(std::span<const AuditEvent> events) {
  if (events.empty()) {
    return OkStatus();
  }
  // Not through Run(): an event is not a change that needs an event.
  return db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
    for (const AuditEvent& e : events) {
      LS_RETURN_IF_ERROR(c.Exec(std::string(kInsertEvent) + "DO NOTHING", EventValues(e, false)));
    }
    return OkStatus();
  });
}

Status SqlCatalog::FinishAuditEvent(int64_t id, const AuditEvent& e) {
  return db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
    return c
        .Exec(
            "UPDATE audit_events SET action = ?, recipient = ?, params = ?, status_code = ?, "
            "error = ? WHERE id = ?",
            {e.action, e.recipient, e.params_json, e.status_code, e.error, id})
        .map([](int64_t) {});
  });
}

Result<Listing<AuditEvent>> SqlCatalog::QueryAuditEvents(const AuditQuery& q) {
  if (q.page.max_results < 0) {
    return InvalidArgument("max_results must not be negative, got {}", q.page.max_results);
  }
  LS_ASSIGN_OR_RETURN(auto filter, AuditFilter(q));
  // Named references, not a structured binding: clang before 16 cannot capture a binding in
  // the lambda below (C++20 P1091), and the sanitizer build is clang 14.
  auto& where = filter.first;
  auto& params = filter.second;
  const int64_t max = q.page.max_results;
  params.push_back(SqlLimit(max));
  const std::string sql = "SELECT " + std::string(kAuditCols) + " FROM audit_events" + where +
                          (q.newest_first ? " ORDER BY time_ms DESC, id DESC LIMIT ?"
                                          : " ORDER BY time_ms, id LIMIT ?");
  using Page = Listing<AuditEvent>;
  return Transact<Page>(TxKind::kRead, [&](SqlConn& c) -> Result<Page> {
    LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query(sql, params));
    Page out;
    for (const SqlRow& r : rows) {
      LS_ASSIGN_OR_RETURN(AuditEvent e, ToAudit(r));
      out.items.push_back(std::move(e));
    }
    if (max > 0 && static_cast<int64_t>(out.items.size()) > max) {
      out.items.resize(static_cast<size_t>(max));
      const AuditEvent& last = out.items.back();
      out.next_page_token =
          Base64Encode(std::string(q.newest_first ? "d" : "a") + std::to_string(last.time_ms) +
                       ":" + std::to_string(last.id));
    }
    return out;
  });
}

Result<int64_t> SqlCatalog::DeleteAuditEvents(std::span<const int64_t> ids) {
  // A few hundred ids per statement: well under SQLite's and PostgreSQL's parameter limits.
  constexpr size_t kIdsPerStatement = 500;
  return Transact<int64_t>(TxKind::kWrite, [&](SqlConn& c) -> Result<int64_t> {
    int64_t deleted = 0;
    for (size_t start = 0; start < ids.size(); start += kIdsPerStatement) {
      std::span<const int64_t> batch =
          ids.subspan(start, std::min(kIdsPerStatement, ids.size() - start));
      // Each value is made in place from its id: no SqlValue temporary is moved, which GCC 12
      // at -O3 took for reading an uninitialised string alternative (-Wmaybe-uninitialized).
      const std::vector<SqlValue> params(batch.begin(), batch.end());
      LS_ASSIGN_OR_RETURN(
          int64_t changed,
          c.Exec("DELETE FROM audit_events WHERE id IN " + PlaceholderRows(1, batch.size()),
                 params));
      deleted += changed;
    }
    return deleted;
  });
}

}  // namespace lakeshare::catalog
