// CatalogSuite on SQLite: every test gets a new metastore file in a temp dir.
#include <sqlite3.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "catalog/catalog_suite_test.h"
#include "common/result_testing.h"
#include "common/temp_dir.h"

namespace lakeshare::catalog {
namespace {

namespace fs = std::filesystem;

/// Run `sql` on the SQLite file at `path` behind the catalog's back; "" or SQLite's error.
std::string ExecBehindTheCatalog(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string error;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    error = "cannot open";
  } else {
    char* message = nullptr;
    if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      error = message ? message : "failed";
    }
    sqlite3_free(message);
  }
  sqlite3_close(db);
  return error;
}

const CatalogBackend* SqliteBackend() {
  static const CatalogBackend* const kBackend = new CatalogBackend{
      .name = "Sqlite",
      .new_location =
          [](std::string*) {
            static std::atomic<int> counter{0};
            static const TempDir dir("lakeshare-catalog-test");  // removed when the binary exits
            // Half the tests reach the factory through the sqlite:// form.
            int n = counter++;
            std::string path = (dir.path() / ("metastore-" + std::to_string(n) + ".db")).string();
            return n % 2 == 0 ? path : "sqlite://" + path;
          },
      .dump =
          [](const std::string& location) {
            std::string path = location.rfind("sqlite://", 0) == 0 ? location.substr(9) : location;
            return ReadAll(path) + ReadAll(path + "-wal");
          },
      .exec =
          [](const std::string& location, const std::string& sql) {
            return ExecBehindTheCatalog(
                location.rfind("sqlite://", 0) == 0 ? location.substr(9) : location, sql);
          },
  };
  return kBackend;
}

INSTANTIATE_TEST_SUITE_P(Backends, CatalogSuite, ::testing::Values(SqliteBackend()), BackendName);

mode_t ModeOf(const fs::path& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 0777) : 0;
}

// Issue 10, item 8: metastore.db was created 0644 (token hashes, signing key, audit log).
TEST(SqliteCatalogTest, TheMetastoreAndItsWalAreOwnerOnly) {
  const TempDir scratch("lakeshare-catalog-test");
  const fs::path& dir = scratch.path();
  const mode_t old_umask = ::umask(022);
  {
    auto c = OpenCatalog((dir / "new.db").string());
    ASSERT_TRUE(c) << c.error().message;
    ASSERT_TRUE((*c)->GetOrCreateServerSecret("probe", "x"));  // a write: -wal and -shm exist
    for (const char* suffix : {"", "-wal", "-shm"}) {
      fs::path file = dir / (std::string("new.db") + suffix);
      ASSERT_TRUE(fs::exists(file)) << file;
      EXPECT_EQ(ModeOf(file), 0600u) << file;
    }
  }
  // An existing metastore of an older version is narrowed on open.
  { std::ofstream(dir / "old.db").flush(); }
  { std::ofstream(dir / "old.db-wal").flush(); }
  ::chmod((dir / "old.db").c_str(), 0644);
  ::chmod((dir / "old.db-wal").c_str(), 0664);
  auto c = OpenCatalog((dir / "old.db").string());
  ::umask(old_umask);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(ModeOf(dir / "old.db"), 0600u);
  EXPECT_EQ(ModeOf(dir / "old.db-wal"), 0600u);
}

// Leftover of issue 13: integer cells were read with strtoll, so a cell holding text, a
// fraction or a number past int64 read as a silent 0, a prefix or a clamped value.
TEST(SqliteCatalogTest, AnIntegerCellThatIsNotAWholeNumberIsAFaultNamingItsColumn) {
  const TempDir dir("lakeshare-catalog-test");
  const fs::path path = dir.path() / "metastore.db";
  auto c = OpenCatalog(path.string());
  ASSERT_TRUE(c) << c.error().message;
  Catalog& cat = **c;
  ShareInfo s;
  s.name = "s";
  ASSERT_OK(cat.CreateShare(s));
  MetastoreSettingsUpdate lifetime;
  lifetime.recipient_token_lifetime_seconds = 60;
  ASSERT_OK(cat.UpdateSettings(lifetime));

  // SQLite keeps text it cannot convert in a BIGINT column; 1e20 becomes a REAL.
  for (const char* bad : {"'12abc'", "'soon'", "'1e20'", "2.5"}) {
    SCOPED_TRACE(bad);
    ASSERT_EQ(ExecBehindTheCatalog(path, std::string("UPDATE shares SET created_at = ") + bad), "");
    EXPECT_TRUE(FailsWith(cat.GetShare("s", false), ErrorCode::kInternal, "'shares.created_at'"));
    EXPECT_TRUE(FailsWith(cat.ListShares({}), ErrorCode::kInternal, "'shares.created_at'"));
  }
  ASSERT_EQ(ExecBehindTheCatalog(path, "UPDATE shares SET created_at = 5"), "");
  auto share = cat.GetShare("s", false);
  ASSERT_OK(share);
  EXPECT_EQ(share->created_at, 5);

  // A setting is text: the one read as a number must be one.
  ASSERT_EQ(ExecBehindTheCatalog(path, "UPDATE settings SET value = '60s' WHERE setting = "
                                       "'recipient_token_lifetime_seconds'"),
            "");
  EXPECT_TRUE(FailsWith(cat.GetSettings(), ErrorCode::kInternal,
                        "'settings.recipient_token_lifetime_seconds'"));
}

// A negative schema version, cast to size_t, skipped every migration: the metastore opened as
// if current.
TEST(SqliteCatalogTest, ANegativeSchemaVersionIsRefusedNotTakenForCurrent) {
  const TempDir dir("lakeshare-catalog-test");
  const fs::path path = dir.path() / "metastore.db";
  ASSERT_TRUE(OpenCatalog(path.string()));
  ASSERT_EQ(ExecBehindTheCatalog(path, "DELETE FROM schema_version; INSERT INTO schema_version "
                                       "(version, applied_at) VALUES (-1, 0)"),
            "");
  EXPECT_TRUE(FailsWith(OpenCatalog(path.string()), ErrorCode::kInternal,
                        "Metastore schema version -1 is not valid"));
}

TEST(ChosenTokenHashTest, SaltedSlowAndVerifiable) {
  const std::string a = HashChosenToken("hunter2-but-longer");
  const std::string b = HashChosenToken("hunter2-but-longer");
  EXPECT_NE(a, b);  // salted
  EXPECT_TRUE(a.starts_with("pbkdf2-sha256$600000$")) << a;
  EXPECT_TRUE(ChosenTokenHintMatches(a, "hunter2-but-longer"));
  EXPECT_TRUE(VerifyChosenToken(a, "hunter2-but-longer"));
  EXPECT_TRUE(VerifyChosenToken(b, "hunter2-but-longer"));
  EXPECT_FALSE(VerifyChosenToken(a, "hunter3-but-longer"));
  // Of 256 wrong tokens about one passes the hint; certainly not most.
  int passed = 0;
  for (int i = 0; i < 256; ++i) passed += ChosenTokenHintMatches(a, "wrong-" + std::to_string(i));
  EXPECT_LT(passed, 32);
  for (const char* bad : {"", "pbkdf2-sha256$", "pbkdf2-sha256$1$zz$00$00", "sha256$abc"}) {
    EXPECT_FALSE(VerifyChosenToken(bad, "x")) << bad;
    EXPECT_FALSE(ChosenTokenHintMatches(bad, "x")) << bad;
  }
}

TEST(SqliteCatalogTest, OpenFailsForAnUnwritablePath) {
  auto c = OpenCatalog("/nonexistent-dir/for/sure/metastore.db");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(OpenCatalog("sqlite://"));
}

TEST(CatalogNamesTest, ValidateNameFollowsTheProtocol) {
  EXPECT_TRUE(ValidateName("share", "a.b-c_d@e", true));
  EXPECT_FALSE(ValidateName("schema", "a.b", false));
  EXPECT_FALSE(ValidateName("share", "", true));
  EXPECT_FALSE(ValidateName("share", "a b", true));
  EXPECT_FALSE(ValidateName("share", "a/b", true));
  EXPECT_FALSE(ValidateName("share", std::string("a\x7f", 2), true));
  EXPECT_TRUE(ValidateName("share", std::string(255, 'a'), true));
  EXPECT_FALSE(ValidateName("share", std::string(256, 'a'), true));
  // Issue 10, item 8: bidi controls and invisible characters spoof listings.
  EXPECT_FALSE(ValidateName("share", "evil\u202Egpj.exe", true));
  EXPECT_FALSE(ValidateName("recipient", "ac\u200Bme", true));
  EXPECT_EQ(HashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace lakeshare::catalog
