#include "catalog/sqlite_catalog.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <unordered_map>
#include <utility>
#include <vector>

#include "catalog/sql_catalog_internal.h"
#include "catalog/sqlite_row_internal.h"
#include "common/mutex.h"
#include "common/thread_annotations.h"

namespace lakeshare::catalog {

Result<SqlRow> ReadSqliteRow(sqlite3_stmt* stmt, SqliteColumnText column_text) {
  const int n = sqlite3_column_count(stmt);
  SqlRow row(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    if (sqlite3_column_type(stmt, i) == SQLITE_NULL) {
      continue;
    }
    const auto* text = reinterpret_cast<const char*>(column_text(stmt, i));
    if (text == nullptr) {
      return Errorf(ErrorCode::kInternal,
                    "The metastore could not give column {} of a row as text (out of memory)", i);
    }
    row[static_cast<size_t>(i)] =
        std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, i)));
  }
  return row;
}

namespace {

constexpr int kBusyTimeoutMs = 10000;

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  int extended = db ? sqlite3_extended_errcode(db) : rc;
  std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return Error{ErrorCode::kAlreadyExists, "The object already exists"};
    }
    if (extended == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return Error{ErrorCode::kNotFound, "A referenced object does not exist"};
    }
  }
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    return Error{ErrorCode::kUnavailable, "The metastore is busy: " + detail};
  }
  return Error{ErrorCode::kInternal, std::string(what) + ": " + detail};
}

/// One SQLite connection with its prepared statements. Used by one thread at a time.
class SqliteConn final : public SqlConn {
 public:
  explicit SqliteConn(sqlite3* db) : db_(db) {}
  ~SqliteConn() override {
    for (auto& [sql, stmt] : statements_) {
      sqlite3_finalize(stmt);
    }
    sqlite3_close_v2(db_);
  }
  SqliteConn(const SqliteConn&) = delete;
  SqliteConn& operator=(const SqliteConn&) = delete;

  static Result<std::unique_ptr<SqliteConn>> Open(const std::string& path) {
    sqlite3* db = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    auto conn = std::make_unique<SqliteConn>(db);
    if (rc != SQLITE_OK) {
      return MakeError(ErrorCode::kUnavailable,
                       std::string("Cannot open the SQLite metastore: ") + sqlite3_errstr(rc));
    }
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    sqlite3_extended_result_codes(db, 1);
    for (const char* pragma :
         {"PRAGMA journal_mode=WAL", "PRAGMA foreign_keys=ON", "PRAGMA synchronous=FULL"}) {
      LS_RETURN_IF_ERROR(conn->Simple(pragma));
    }
    return conn;
  }

  Status Simple(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      return tl::unexpected(SqliteError(db_, rc, sql));
    }
    return OkStatus();
  }

  Result<SqlRows> Query(std::string_view sql, const std::vector<SqlValue>& params) override {
    SqlRows rows;
    LS_RETURN_IF_ERROR(Step(sql, params, &rows));
    return rows;
  }

  Result<int64_t> Exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    LS_RETURN_IF_ERROR(Step(sql, params, nullptr));
    return static_cast<int64_t>(sqlite3_changes64(db_));
  }

 private:
  Status Step(std::string_view sql, const std::vector<SqlValue>& params, SqlRows* rows) {
    sqlite3_stmt* stmt = nullptr;
    auto it = statements_.find(std::string(sql));
    if (it != statements_.end()) {
      stmt = it->second;
    } else {
      int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) {
        return tl::unexpected(SqliteError(db_, rc, "Failed to prepare a metastore statement"));
      }
      statements_.emplace(std::string(sql), stmt);
    }
    // Reset on every exit so the statement releases its read lock.
    struct Reset {
      sqlite3_stmt* s;
      ~Reset() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{stmt};
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      if (const auto* v = std::get_if<int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(stmt, idx, *v);
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        rc = sqlite3_bind_text64(stmt, idx, s->data(), s->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      } else {
        rc = sqlite3_bind_null(stmt, idx);
      }
      if (rc != SQLITE_OK) {
        return tl::unexpected(SqliteError(db_, rc, "Failed to bind a metastore parameter"));
      }
    }
    while (true) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) {
        return OkStatus();
      }
      if (rc != SQLITE_ROW) {
        return tl::unexpected(SqliteError(db_, rc, "Metastore statement failed"));
      }
      if (rows == nullptr) {
        continue;
      }
      LS_ASSIGN_OR_RETURN(SqlRow row, ReadSqliteRow(stmt));
      rows->push_back(std::move(row));
    }
  }

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

class SqliteDatabase final : public SqlDatabase {
 public:
  SqliteDatabase(std::string path, std::unique_ptr<SqliteConn> writer)
      : path_(std::move(path)), writer_(std::move(writer)) {}

  Status Run(TxKind kind, const std::function<Status(SqlConn&)>& fn) override {
    if (kind == TxKind::kRead || kind == TxKind::kReadOne) {
      LS_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConn> conn, TakeReader());
      Status st = kind == TxKind::kReadOne ? fn(*conn) : RunInTransaction(*conn, "BEGIN", fn);
      GiveBackReader(std::move(conn));
      return st;
    }
    MutexLock lock(writer_mu_);
    return RunInTransaction(*writer_, "BEGIN IMMEDIATE", fn);
  }

  std::string_view AutoIdType() const override { return "INTEGER PRIMARY KEY AUTOINCREMENT"; }
  std::string_view KeyTextType() const override { return "TEXT"; }

 private:
  Result<std::unique_ptr<SqliteConn>> TakeReader() LS_EXCLUDES(readers_mu_) {
    {
      MutexLock lock(readers_mu_);
      if (!readers_.empty()) {
        std::unique_ptr<SqliteConn> conn = std::move(readers_.back());
        readers_.pop_back();
        return conn;
      }
    }
    return SqliteConn::Open(path_);
  }

  void GiveBackReader(std::unique_ptr<SqliteConn> conn) LS_EXCLUDES(readers_mu_) {
    MutexLock lock(readers_mu_);
    if (readers_.size() < kMaxIdleReaders) {
      readers_.push_back(std::move(conn));
    }
  }

  static constexpr size_t kMaxIdleReaders = 8;
  const std::string path_;
  Mutex writer_mu_;
  std::unique_ptr<SqliteConn> writer_ LS_GUARDED_BY(writer_mu_);
  Mutex readers_mu_;
  std::vector<std::unique_ptr<SqliteConn>> readers_ LS_GUARDED_BY(readers_mu_);
};

// The metastore holds token hashes, the URL signing key and the audit log: owner-only (issue
// 10, item 8: it was created 0644). The file is created 0600 before SQLite opens it, and an
// existing one (and its -wal and -shm files, which SQLite creates with the database's mode) is
// narrowed to 0600.
Status RestrictToOwner(const std::string& path, bool create) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
  if (fd < 0) {
    if (!create && errno == ENOENT) return OkStatus();
    return Errorf(ErrorCode::kUnavailable, "Cannot open the SQLite metastore '{}': {}", path,
                  std::strerror(errno));
  }
  struct stat st;
  int err = 0;
  if (::fstat(fd, &st) != 0) {
    err = errno;
  } else if ((st.st_mode & 077) != 0 && ::fchmod(fd, st.st_mode & 0700) != 0) {
    err = errno;
  }
  ::close(fd);
  if (err != 0) {
    return Errorf(ErrorCode::kUnavailable,
                  "Cannot make the SQLite metastore '{}' private (mode 0600): {}; run `chmod 600` "
                  "on it and its -wal and -shm files",
                  path, std::strerror(err));
  }
  return OkStatus();
}

}  // namespace

Result<std::unique_ptr<Catalog>> SqliteCatalog::Open(const std::string& path,
                                                    const CatalogOptions& options) {
  if (!path.empty() && path != ":memory:" && path.rfind("file:", 0) != 0) {
    LS_RETURN_IF_ERROR(RestrictToOwner(path, /*create=*/true));
    LS_RETURN_IF_ERROR(RestrictToOwner(path + "-wal", /*create=*/false));
    LS_RETURN_IF_ERROR(RestrictToOwner(path + "-shm", /*create=*/false));
  }
  LS_ASSIGN_OR_RETURN(std::unique_ptr<SqliteConn> writer, SqliteConn::Open(path));
  return OpenSqlCatalog(std::make_unique<SqliteDatabase>(path, std::move(writer)), options);
}

}  // namespace lakeshare::catalog
