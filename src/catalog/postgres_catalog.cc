#include "catalog/postgres_catalog.h"

#include <libpq-fe.h>

#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "catalog/sql_catalog_internal.h"
#include "common/mutex.h"
#include "common/numbers.h"
#include "common/thread_annotations.h"

namespace lakeshare::catalog {
namespace {

constexpr size_t kMaxConnections = 8;
constexpr int kMaxWriteAttempts = 60;
// pg_advisory_xact_lock key for migrations: "lakeshar" as an integer, fixed forever.
constexpr int64_t kMigrationLockKey = 0x6c616b6573686172;

/// Rewrite '?' placeholders into PostgreSQL's $1, $2, ... (our SQL has no '?' in literals).
std::string NumberPlaceholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  for (char ch : sql) {
    if (ch == '?') {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += ch;
    }
  }
  return out;
}

void IgnoreNotice(void*, const char*) {}

class PgConn final : public SqlConn {
 public:
  explicit PgConn(PGconn* conn) : conn_(conn) {}
  ~PgConn() override { PQfinish(conn_); }
  PgConn(const PgConn&) = delete;
  PgConn& operator=(const PgConn&) = delete;

  static Result<std::unique_ptr<PgConn>> Connect(const std::string& url) {
    auto conn = std::make_unique<PgConn>(PQconnectdb(url.c_str()));
    if (conn->conn_ == nullptr || PQstatus(conn->conn_) != CONNECTION_OK) {
      std::string detail = conn->conn_ ? PQerrorMessage(conn->conn_) : "out of memory";
      while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) {
        detail.pop_back();
      }
      return MakeError(ErrorCode::kUnavailable,
                       "Cannot connect to the PostgreSQL metastore: " + detail);
    }
    PQsetNoticeProcessor(conn->conn_, IgnoreNotice, nullptr);
    return conn;
  }

  bool healthy() const { return PQstatus(conn_) == CONNECTION_OK; }
  bool retryable() const { return retryable_; }
  void clear_retryable() { retryable_ = false; }

  Status Simple(const char* sql) {
    PGresult* res = PQexec(conn_, sql);
    Status st = Check(res, sql);
    PQclear(res);
    return st;
  }

  Result<SqlRows> Query(std::string_view sql, const std::vector<SqlValue>& params) override {
    LS_ASSIGN_OR_RETURN(PGresult * res, Execute(sql, params));
    SqlRows rows;
    int nrows = PQntuples(res);
    int ncols = PQnfields(res);
    rows.reserve(static_cast<size_t>(nrows));
    for (int r = 0; r < nrows; ++r) {
      SqlRow row(static_cast<size_t>(ncols));
      for (int c = 0; c < ncols; ++c) {
        if (!PQgetisnull(res, r, c)) {
          row[static_cast<size_t>(c)] =
              std::string(PQgetvalue(res, r, c), static_cast<size_t>(PQgetlength(res, r, c)));
        }
      }
      rows.push_back(std::move(row));
    }
    PQclear(res);
    return rows;
  }

  Result<int64_t> Exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    LS_ASSIGN_OR_RETURN(PGresult * res, Execute(sql, params));
    // PQcmdTuples: "" for a command that reports no count, else the count in decimal.
    const std::string affected = PQcmdTuples(res);
    PQclear(res);
    if (affected.empty()) {
      return 0;
    }
    std::optional<int64_t> n = ParseInteger<int64_t>(affected);
    if (!n) {
      return MakeError(ErrorCode::kInternal,
                       "PostgreSQL reported an affected-row count that is not a whole number");
    }
    return *n;
  }

 private:
  Result<PGresult*> Execute(std::string_view sql, const std::vector<SqlValue>& params) {
    std::string key(sql);
    auto it = statements_.find(key);
    if (it == statements_.end()) {
      std::string name = "ls" + std::to_string(statements_.size());
      PGresult* res = PQprepare(conn_, name.c_str(), NumberPlaceholders(sql).c_str(), 0, nullptr);
      Status st = Check(res, "prepare");
      PQclear(res);
      LS_RETURN_IF_ERROR(st);
      it = statements_.emplace(std::move(key), std::move(name)).first;
    }
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      if (const auto* v = std::get_if<int64_t>(&params[i])) {
        texts[i] = std::to_string(*v);
        values[i] = texts[i].c_str();
      } else if (const auto* s = std::get_if<std::string>(&params[i])) {
        values[i] = s->c_str();
      }
    }
    PGresult* res = PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                                   values.data(), nullptr, nullptr, 0);
    Status st = Check(res, "statement");
    if (!st) {
      PQclear(res);
      return tl::unexpected(st.error());
    }
    return res;
  }

  /// Map a result to a Status; remember whether the failure is worth a retry.
  Status Check(PGresult* res, std::string_view what) {
    ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
      return OkStatus();
    }
    const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = state ? state : "";
    std::string detail = res ? PQresultErrorMessage(res) : PQerrorMessage(conn_);
    while (!detail.empty() && (detail.back() == '\n' || detail.back() == ' ')) {
      detail.pop_back();
    }
    if (sqlstate == "40001" || sqlstate == "40P01") {  // serialization_failure, deadlock
      retryable_ = true;
      return MakeError(ErrorCode::kUnavailable, "The metastore is busy; try again");
    }
    if (sqlstate == "23505") {
      return MakeError(ErrorCode::kAlreadyExists, "The object already exists");
    }
    if (sqlstate == "23503") {
      return MakeError(ErrorCode::kNotFound, "A referenced object does not exist");
    }
    if (!healthy() || sqlstate.rfind("08", 0) == 0) {
      return MakeError(ErrorCode::kUnavailable, "Lost the PostgreSQL metastore connection");
    }
    return MakeError(ErrorCode::kInternal, "Metastore " + std::string(what) + " failed: " + detail);
  }

  PGconn* conn_;
  bool retryable_ = false;
  std::unordered_map<std::string, std::string> statements_;  // SQL -> prepared name
};

class PgDatabase final : public SqlDatabase {
 public:
  explicit PgDatabase(std::string url) : url_(std::move(url)) {}

  Status Run(TxKind kind, const std::function<Status(SqlConn&)>& fn) override {
    std::mt19937_64 rng(std::random_device{}());
    for (int attempt = 1;; ++attempt) {
      LS_ASSIGN_OR_RETURN(std::unique_ptr<PgConn> conn, Acquire());
      conn->clear_retryable();
      Status st = Transaction(*conn, kind, fn);
      // A read on a connection that died while idle (server restart, failover) is simply run
      // again on a fresh one; a write is not, as its commit may have happened.
      const bool read = kind == TxKind::kRead || kind == TxKind::kReadOne;
      bool retry = !st && ((conn->retryable() && !read && attempt < kMaxWriteAttempts) ||
                           (!conn->healthy() && read && attempt < 2));
      Release(std::move(conn));
      if (!retry) {
        return st;
      }
      // Randomised, growing backoff so colliding writers spread out.
      int64_t cap_us = std::min<int64_t>(200000, int64_t{1000} << std::min(attempt, 8));
      std::this_thread::sleep_for(std::chrono::microseconds(
          std::uniform_int_distribution<int64_t>(cap_us / 4, cap_us)(rng)));
    }
  }

  std::string_view AutoIdType() const override {
    return "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
  }
  std::string_view KeyTextType() const override { return "TEXT COLLATE \"C\""; }

  Status Ping() {
    LS_ASSIGN_OR_RETURN(std::unique_ptr<PgConn> conn, Acquire());
    Release(std::move(conn));
    return OkStatus();
  }

 private:
  static Status Transaction(PgConn& conn, TxKind kind, const std::function<Status(SqlConn&)>& fn) {
    if (kind == TxKind::kReadOne) {
      return fn(conn);  // autocommit: the one statement is its own transaction
    }
    const char* begin = "BEGIN ISOLATION LEVEL SERIALIZABLE";
    if (kind == TxKind::kRead) {
      begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    } else if (kind == TxKind::kMigration) {
      // READ COMMITTED: after the lock, each statement sees what an earlier replica committed.
      begin = "BEGIN ISOLATION LEVEL READ COMMITTED";
    }
    if (kind != TxKind::kMigration) {
      return RunInTransaction(conn, begin, fn);
    }
    return RunInTransaction(conn, begin, [&fn](SqlConn& c) -> Status {
      LS_RETURN_IF_ERROR(
          c.Query("SELECT pg_advisory_xact_lock(?)", {kMigrationLockKey}).map([](auto&&) {}));
      return fn(c);
    });
  }

  Result<std::unique_ptr<PgConn>> Acquire() LS_EXCLUDES(mu_) {
    {
      MutexLock lock(mu_);
      while (idle_.empty() && open_ >= kMaxConnections) cv_.Wait(mu_);
      if (!idle_.empty()) {
        std::unique_ptr<PgConn> conn = std::move(idle_.back());
        idle_.pop_back();
        return conn;
      }
      ++open_;
    }
    auto conn = PgConn::Connect(url_);
    if (!conn) {
      MutexLock lock(mu_);
      --open_;
      cv_.Signal();
    }
    return conn;
  }

  void Release(std::unique_ptr<PgConn> conn) LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (conn->healthy()) {
      idle_.push_back(std::move(conn));
    } else {
      // A broken connection is dropped, and with it the idle ones: they talk to the same server,
      // which most likely restarted or failed over. The next Acquire() reconnects.
      open_ -= 1 + idle_.size();
      idle_.clear();
    }
    cv_.SignalAll();
  }

  const std::string url_;
  Mutex mu_;
  CondVar cv_;
  std::vector<std::unique_ptr<PgConn>> idle_ LS_GUARDED_BY(mu_);
  size_t open_ LS_GUARDED_BY(mu_) = 0;  // idle + lent out
};

}  // namespace

Result<std::unique_ptr<Catalog>> PostgresCatalog::Open(std::string_view url,
                                                      const CatalogOptions& options) {
  auto db = std::make_unique<PgDatabase>(std::string(url));
  LS_RETURN_IF_ERROR(db->Ping());
  return OpenSqlCatalog(std::move(db), options);
}

}  // namespace lakeshare::catalog
