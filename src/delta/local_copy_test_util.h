// For delta tests that need real files (a sparse one, a size a memory store cannot fake): a
// TestTable's objects copied into a local folder, and a store over that folder. Header-only, so
// that only the tests using it include the local store.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "common/result.h"
#include "delta/delta_test_util.h"
#include "storage/local_object_store.h"

namespace lakeshare::delta::testing {

/// Copy every object of `table` into the folder `dir` (which must exist) and open a store on it.
inline Result<std::shared_ptr<const storage::ObjectStore>> CopyToLocal(const TestTable& table,
                                                                      const std::string& dir) {
  LS_ASSIGN_OR_RETURN(auto local, storage::LocalObjectStore::Open(dir));
  LS_ASSIGN_OR_RETURN(auto listed, table.store()->List(""));
  for (const auto& object : listed) {
    LS_ASSIGN_OR_RETURN(std::string bytes, table.store()->Read(object.path));
    LS_RETURN_IF_ERROR(local->Put(object.path, bytes));
  }
  return std::shared_ptr<const storage::ObjectStore>(std::move(local));
}

}  // namespace lakeshare::delta::testing
