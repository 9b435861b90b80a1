#include "common/temp_dir.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace lakeshare {
namespace {

namespace fs = std::filesystem;

TEST(TempDirTest, MakesAFreshFolderNamedAfterItsPrefix) {
  TempDir a("lakeshare-temp-dir-test");
  TempDir b("lakeshare-temp-dir-test");
  EXPECT_TRUE(fs::is_directory(a.path()));
  EXPECT_TRUE(fs::is_empty(a.path()));
  EXPECT_NE(a.path(), b.path());
  EXPECT_EQ(a.path().filename().string().rfind("lakeshare-temp-dir-test-", 0), 0u);
}

TEST(TempDirTest, RemovesTheFolderWithEverythingInItOnDestruction) {
  fs::path kept;
  {
    TempDir dir;
    kept = dir.path();
    fs::create_directories(dir.path() / "a" / "b");
    std::ofstream(dir.path() / "a" / "b" / "f.txt") << "x";
  }
  EXPECT_FALSE(fs::exists(kept));
}

}  // namespace
}  // namespace lakeshare
