// The Catalog behaviour suite, run against every backend: each backend's test file instantiates
// CatalogSuite with a CatalogBackend that hands out fresh, empty metastore locations.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "catalog/catalog.h"

namespace lakeshare::catalog {

struct CatalogBackend {
  std::string name;
  /// A location (path or URL for OpenCatalog) of a new, empty metastore; "" to skip the test,
  /// with `*skip_reason` set.
  std::function<std::string(std::string* skip_reason)> new_location;
  /// Every byte the backend stored for `location` (file contents or a dump), to look for secrets.
  std::function<std::string(const std::string& location)> dump;
};

class CatalogSuite : public ::testing::TestWithParam<const CatalogBackend*> {
 protected:
  void SetUp() override;

  std::string location_;
  std::unique_ptr<Catalog> catalog_;
  std::shared_ptr<std::atomic<int64_t>> now_;
};

std::string BackendName(const ::testing::TestParamInfo<const CatalogBackend*>& info);

}  // namespace lakeshare::catalog
