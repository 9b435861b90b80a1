// CatalogSuite on SQLite: every test gets a new metastore file in a temp dir.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "catalog/catalog_suite_test.h"

namespace lakeshare::catalog {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const CatalogBackend* SqliteBackend() {
  static const CatalogBackend* const kBackend = new CatalogBackend{
      .name = "Sqlite",
      .new_location =
          [](std::string*) {
            static std::atomic<int> counter{0};
            fs::path dir = fs::temp_directory_path() /
                           ("lakeshare-catalog-test-" + std::to_string(::getpid()));
            fs::create_directories(dir);
            // Half the tests reach the factory through the sqlite:// form.
            int n = counter++;
            std::string path = (dir / ("metastore-" + std::to_string(n) + ".db")).string();
            return n % 2 == 0 ? path : "sqlite://" + path;
          },
      .dump =
          [](const std::string& location) {
            std::string path = location.rfind("sqlite://", 0) == 0 ? location.substr(9) : location;
            return ReadAll(path) + ReadAll(path + "-wal");
          },
  };
  return kBackend;
}

class TempDirCleanup : public ::testing::Environment {
 public:
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(
        fs::temp_directory_path() / ("lakeshare-catalog-test-" + std::to_string(::getpid())), ec);
  }
};
[[maybe_unused]] ::testing::Environment* const kCleanup =
    ::testing::AddGlobalTestEnvironment(new TempDirCleanup);

INSTANTIATE_TEST_SUITE_P(Backends, CatalogSuite, ::testing::Values(SqliteBackend()), BackendName);

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
  EXPECT_EQ(HashToken("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace lakeshare::catalog
