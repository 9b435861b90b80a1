// CatalogSuite on PostgreSQL: the test starts its own throwaway server (Debian's PostgreSQL 15
// binaries; initdb into a temp dir, loopback only, a free port), gives every test a new database,
// and stops the server at the end. Without the binaries every case skips with a message.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "catalog/catalog_suite_test.h"
#include "common/mutex.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace lakeshare::catalog {
namespace {

namespace fs = std::filesystem;

std::string PgBinDir() {
  if (const char* env = std::getenv("LAKESHARE_PG_BIN")) {
    return env;
  }
  for (const char* dir :
       {"/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"}) {
    if (fs::exists(fs::path(dir) / "initdb")) {
      return dir;
    }
  }
  return "";
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

/// One server per test process, started on first use.
class PostgresServer {
 public:
  static PostgresServer& Get() {
    static PostgresServer* const kServer = new PostgresServer;
    return *kServer;
  }

  /// URL of a fresh database, or "" with `*why` set.
  std::string NewDatabase(std::string* why) LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (!started_ && error_.empty()) {
      Start();
    }
    if (!error_.empty()) {
      *why = error_;
      return "";
    }
    std::string db = "t" + std::to_string(next_db_++);
    if (Run(bin_ + "/createdb -h " + dir_ + " -p " + std::to_string(port_) + " -U postgres " + db,
            "createdb.log") != 0) {
      *why = "createdb failed: " + ReadAll(fs::path(dir_) / "createdb.log");
      return "";
    }
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }

  std::string Dump(const std::string& url) LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    std::string db = url.substr(url.rfind('/') + 1);
    Run(bin_ + "/pg_dump -h " + dir_ + " -p " + std::to_string(port_) + " -U postgres -f " + dir_ +
            "/dump.sql " + db,
        "dump.log");
    return ReadAll(fs::path(dir_) / "dump.sql");
  }

  /// Run `sql` in the database of `url` with psql: "" or its error output.
  std::string Exec(const std::string& url, const std::string& sql) LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    std::string db = url.substr(url.rfind('/') + 1);
    {
      std::ofstream out(fs::path(dir_) / "exec.sql", std::ios::binary | std::ios::trunc);
      out << sql;
    }
    fs::permissions(fs::path(dir_) / "exec.sql", fs::perms::owner_read | fs::perms::owner_write |
                                                     fs::perms::group_read |
                                                     fs::perms::others_read);
    if (Run(bin_ + "/psql -X -q -v ON_ERROR_STOP=1 -h " + dir_ + " -p " + std::to_string(port_) +
                " -U postgres -d " + db + " -f " + dir_ + "/exec.sql",
            "exec.log") != 0) {
      std::string error = ReadAll(fs::path(dir_) / "exec.log");
      return error.empty() ? "psql failed" : error;
    }
    return "";
  }

  /// Restart the server: every pooled connection of a client breaks.
  bool Restart() LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    return started_ &&
           Run(bin_ + "/pg_ctl -D " + dir_ + "/data -m fast -w -t 60 restart", "restart.log") == 0;
  }

  void Stop() LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    if (started_) {
      Run(bin_ + "/pg_ctl -D " + dir_ + "/data -m immediate -w stop", "stop.log");
      started_ = false;
    }
    if (!dir_.empty()) {
      std::error_code ec;
      fs::remove_all(dir_, ec);
    }
  }

 private:
  void Start() LS_REQUIRES(mu_) {
    bin_ = PgBinDir();
    if (bin_.empty()) {
      error_ = "PostgreSQL server binaries not found (install postgresql or set LAKESHARE_PG_BIN)";
      return;
    }
    char tmpl[] = "/tmp/lakeshare-pg-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      error_ = "mkdtemp failed";
      return;
    }
    dir_ = tmpl;
    as_ = "";
    if (::geteuid() == 0) {
      // initdb refuses to run as root: run the server as the unprivileged `postgres` user.
      std::system(("chown postgres " + dir_).c_str());
      as_ = "runuser -u postgres -- ";
    }
    port_ = FreePort();
    if (Run(bin_ + "/initdb -D " + dir_ +
                "/data -U postgres --auth=trust --no-sync -E UTF8 "
                "--locale=C",
            "initdb.log") != 0) {
      error_ = "initdb failed: " + ReadAll(fs::path(dir_) / "initdb.log");
      return;
    }
    std::string opts = "-k " + dir_ + " -p " + std::to_string(port_) +
                       " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200";
    if (Run(bin_ + "/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -w -t 60 -o '" + opts +
                "' start",
            "pg_ctl.log") != 0) {
      error_ = "pg_ctl start failed: " + ReadAll(fs::path(dir_) / "server.log");
      return;
    }
    started_ = true;
  }

  int Run(const std::string& command, const std::string& log) LS_REQUIRES(mu_) {
    std::string full = as_ + command + " >" + dir_ + "/" + log + " 2>&1";
    return std::system(full.c_str());
  }

  Mutex mu_;
  bool started_ LS_GUARDED_BY(mu_) = false;
  std::string error_ LS_GUARDED_BY(mu_);
  std::string bin_ LS_GUARDED_BY(mu_);
  std::string dir_ LS_GUARDED_BY(mu_);
  std::string as_ LS_GUARDED_BY(mu_);
  int port_ LS_GUARDED_BY(mu_) = 0;
  int next_db_ LS_GUARDED_BY(mu_) = 0;
};

class StopServer : public ::testing::Environment {
 public:
  void TearDown() override { PostgresServer::Get().Stop(); }
};
[[maybe_unused]] ::testing::Environment* const kStop =
    ::testing::AddGlobalTestEnvironment(new StopServer);

const CatalogBackend* PostgresBackend() {
  static const CatalogBackend* const kBackend = new CatalogBackend{
      .name = "Postgres",
      .new_location = [](std::string* why) { return PostgresServer::Get().NewDatabase(why); },
      .dump = [](const std::string& url) { return PostgresServer::Get().Dump(url); },
      .exec = [](const std::string& url,
                 const std::string& sql) { return PostgresServer::Get().Exec(url, sql); },
  };
  return kBackend;
}

INSTANTIATE_TEST_SUITE_P(Backends, CatalogSuite, ::testing::Values(PostgresBackend()), BackendName);

TEST(PostgresCatalogTest, OpenFailsWhenNoServerListens) {
  int port = FreePort();
  auto c = OpenCatalog("postgresql://postgres@127.0.0.1:" + std::to_string(port) +
                       "/x?connect_timeout=2");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kUnavailable);
}

TEST(PostgresCatalogTest, ReadsSurviveAServerRestart) {
  std::string why;
  std::string url = PostgresServer::Get().NewDatabase(&why);
  if (url.empty()) {
    GTEST_SKIP() << why;
  }
  auto c = OpenCatalog(url);
  ASSERT_TRUE(c) << c.error().ToString();
  ASSERT_TRUE((*c)->CreateShare(ShareInfo{.name = "s"}));
  ASSERT_TRUE((*c)->GetShare("s", false));
  ASSERT_TRUE(PostgresServer::Get().Restart());
  auto s = (*c)->GetShare("s", false);
  ASSERT_TRUE(s) << s.error().ToString();
  auto created = (*c)->CreateShare(ShareInfo{.name = "t"});
  EXPECT_TRUE(created) << created.error().ToString();
}

}  // namespace
}  // namespace lakeshare::catalog
