// The SQL behind both Catalog implementations. SqlCatalog (sql_catalog_impl.h, one file per
// entity) implements every Catalog method once, in SQL that SQLite and PostgreSQL both accept
// ('?' placeholders, rewritten to $n for PostgreSQL); a SqlDatabase supplies connections and
// transactions for one backend. Owned by the catalog that creates it; thread-safety as in
// catalog.h.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "catalog/catalog.h"

namespace lakeshare::catalog {

/// A bound parameter: NULL, an integer, or text.
using SqlValue = std::variant<std::nullptr_t, int64_t, std::string>;
using SqlRow = std::vector<std::optional<std::string>>;  // every column as text, NULL as nullopt
using SqlRows = std::vector<SqlRow>;

/// One connection inside a transaction. Errors: unique violation -> kAlreadyExists, foreign key
/// violation -> kNotFound, connection trouble -> kUnavailable, else kInternal.
class SqlConn {
 public:
  virtual ~SqlConn() = default;
  virtual Result<SqlRows> Query(std::string_view sql, const std::vector<SqlValue>& params) = 0;
  /// Run a statement; returns the number of rows it changed.
  virtual Result<int64_t> Exec(std::string_view sql, const std::vector<SqlValue>& params) = 0;
};

enum class TxKind {
  kRead,       // a consistent read-only snapshot
  kReadOne,    // exactly one read-only statement, run without BEGIN/COMMIT around it: a single
               // statement is atomic and sees one snapshot by itself, and the hot read paths of
               // the sharing server save two round trips to PostgreSQL per call
  kWrite,      // serialisable read-write; retried on serialisation failures
  kMigration,  // schema changes, serialised across processes
};

class SqlDatabase {
 public:
  virtual ~SqlDatabase() = default;
  /// Run `fn` in one transaction; commit when it succeeds, roll back when it fails. `fn` may run
  /// more than once (retries), so it must not keep state across runs.
  virtual Status Run(TxKind kind, const std::function<Status(SqlConn&)>& fn) = 0;
  /// Text of the DDL types that differ: an auto-increment primary key, a byte-ordered key text.
  virtual std::string_view AutoIdType() const = 0;
  virtual std::string_view KeyTextType() const = 0;
};

/// Run `fn` inside the transaction `begin` opens on `conn` (a backend connection with
/// `Status Simple(const char* sql)`): COMMIT when it succeeds, ROLLBACK when `fn` or the
/// COMMIT fails.
template <typename Conn>
Status RunInTransaction(Conn& conn, const char* begin,
                        const std::function<Status(SqlConn&)>& fn) {
  LS_RETURN_IF_ERROR(conn.Simple(begin));
  Status st = fn(conn);
  if (!st) {
    IgnoreError(conn.Simple("ROLLBACK"), "the error of `fn` is the one to report");
    return st;
  }
  Status commit = conn.Simple("COMMIT");
  if (!commit) {
    IgnoreError(conn.Simple("ROLLBACK"), "the error of COMMIT is the one to report");
  }
  return commit;
}

/// Create the catalog over `db` and apply pending migrations.
Result<std::unique_ptr<Catalog>> OpenSqlCatalog(std::unique_ptr<SqlDatabase> db,
                                                const CatalogOptions& options);

/// Fresh random UUID v4 text.
std::string NewUuid();

}  // namespace lakeshare::catalog
