// Test support of admin/ (the management API tests' fixture and management_api_fuzz): the
// storage-location policy of a test metastore, so that external locations and tables are checked
// as the server checks them. Test-only, header-only; the policy's function is pure and
// thread-safe.
#pragma once

#include <string>
#include <utility>

#include "catalog/governance.h"
#include "common/result.h"
#include "storage/location.h"

namespace lakeshare::admin::test {

/// Locations compared by their canonical URI (storage::CanonicalLocationUri), with `data_dir` as
/// the server's own data, which no external location or table may hold or lie inside. Without a
/// policy the catalog refuses every registration as misconfigured.
inline catalog::LocationPolicy TestLocationPolicy(std::string data_dir) {
  catalog::LocationPolicy policy;
  policy.canonicalize = storage::CanonicalLocationUri;
  policy.protected_locations = {std::move(data_dir)};
  return policy;
}

}  // namespace lakeshare::admin::test
