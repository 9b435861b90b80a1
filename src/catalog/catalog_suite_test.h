// The Catalog behaviour suite, run against every backend: each backend's test file instantiates
// CatalogSuite with a CatalogBackend that hands out fresh, empty metastore locations.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "catalog/catalog.h"
#include "common/clock.h"

/// Assert that a Result/Status succeeded, printing its error otherwise.
#define ASSERT_OK(expr)                                              \
  do {                                                               \
    auto&& ls_r_ = (expr);                                           \
    ASSERT_TRUE(ls_r_) << #expr << ": " << ls_r_.error().ToString(); \
  } while (false)

/// Expect a Result/Status to have failed with ErrorCode `want`.
#define EXPECT_CODE(expr, want)                                      \
  do {                                                               \
    auto&& ls_r_ = (expr);                                           \
    ASSERT_FALSE(ls_r_) << #expr << " unexpectedly succeeded";       \
    EXPECT_EQ(ls_r_.error().code, want) << ls_r_.error().ToString(); \
  } while (false)

namespace lakeshare::catalog {

struct CatalogBackend {
  std::string name;
  /// A location (path or URL for OpenCatalog) of a new, empty metastore; "" to skip the test,
  /// with `*skip_reason` set.
  std::function<std::string(std::string* skip_reason)> new_location;
  /// Every byte the backend stored for `location` (file contents or a dump), to look for secrets.
  std::function<std::string(const std::string& location)> dump;
  /// Run `sql` on the metastore at `location` behind the catalog's back (what an older server
  /// stored, say): "" or the database's error.
  std::function<std::string(const std::string& location, const std::string& sql)> exec;
};

/// The location policy of the suite. Its canonicalize stands in for src/storage's parser
/// (tested there and end to end): it takes the URIs the tests write as already canonical and
/// refuses only what contains "..", so that a refusal is seen to pass through the catalog.
LocationPolicy TestLocationPolicy();

class CatalogSuite : public ::testing::TestWithParam<const CatalogBackend*> {
 protected:
  /// Opens a fresh metastore with TestLocationPolicy() and the external locations "s3://b" and
  /// "s3://bucket", under which the tests register their tables.
  void SetUp() override;

  /// The catalog's time; tests move it with clock_.Advance.
  ManualClock clock_;
  std::string location_;
  std::unique_ptr<Catalog> catalog_;
};

std::string BackendName(const ::testing::TestParamInfo<const CatalogBackend*>& info);

/// Every byte of the file at `path` ("" when it cannot be read): what a backend's `dump` and a
/// failed server start read.
std::string ReadAll(const std::filesystem::path& path);

}  // namespace lakeshare::catalog
