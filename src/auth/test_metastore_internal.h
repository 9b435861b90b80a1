// TestMetastore (tests only: the auth tests and the sharing tests of the OAuth endpoints): a real
// SQLite metastore in a fresh folder under the temp directory, closed and removed with the folder
// when the object goes. Declare it after the clock it is opened with and before what uses it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "common/clock.h"
#include "common/result.h"
#include "common/temp_dir.h"

namespace lakeshare::auth::testing {

class TestMetastore {
 public:
  /// The folder is "lakeshare-<what>-XXXXXX".
  explicit TestMetastore(std::string_view what) : dir_("lakeshare-" + std::string(what)) {}
  TestMetastore(const TestMetastore&) = delete;
  TestMetastore& operator=(const TestMetastore&) = delete;

  /// Open metastore.db in the folder, reading time from `clock` (null: the system clock).
  Status Open(const Clock* clock = nullptr) {
    LS_ASSIGN_OR_RETURN(catalog_,
                        catalog::OpenCatalog((dir() / "metastore.db").string(), {.clock = clock}));
    return OkStatus();
  }

  /// The open metastore (after Open).
  catalog::Catalog& catalog() { return *catalog_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  TempDir dir_;  // declared first: removed after the metastore in it is closed
  std::unique_ptr<catalog::Catalog> catalog_;
};

}  // namespace lakeshare::auth::testing
