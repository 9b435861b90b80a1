// TestMetastore (tests only: the auth tests and the sharing tests of the OAuth endpoints): a real
// SQLite metastore in a fresh folder under the temp directory, closed and removed with the folder
// when the object goes. Declare it after the clock it is opened with and before what uses it.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "catalog/catalog.h"
#include "common/clock.h"
#include "common/result.h"

namespace lakeshare::auth::testing {

class TestMetastore {
 public:
  /// The folder is "lakeshare-<what>-<pid>-<n>" (created by Open).
  explicit TestMetastore(std::string_view what) {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("lakeshare-" + std::string(what) + "-" + std::to_string(::getpid()) + "-" +
            std::to_string(counter++));
  }
  ~TestMetastore() {
    catalog_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TestMetastore(const TestMetastore&) = delete;
  TestMetastore& operator=(const TestMetastore&) = delete;

  /// Create the folder and open metastore.db in it, reading time from `clock` (null: the
  /// system clock).
  Status Open(const Clock* clock = nullptr) {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) return MakeError(ErrorCode::kInternal, "cannot create " + dir_.string());
    LS_ASSIGN_OR_RETURN(catalog_,
                        catalog::OpenCatalog((dir_ / "metastore.db").string(), {.clock = clock}));
    return OkStatus();
  }

  /// The open metastore (after Open).
  catalog::Catalog& catalog() { return *catalog_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<catalog::Catalog> catalog_;
};

}  // namespace lakeshare::auth::testing
