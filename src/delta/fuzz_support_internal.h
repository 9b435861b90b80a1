// What the Delta fuzz targets do with a table once they have written their input into it (header
// only, for delta/*_fuzz.cc): load it as a partner's table is loaded, protocol check off so the
// input reaches the readers, and serve it as a query would.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "delta/data_skipping.h"
#include "delta/snapshot.h"
#include "storage/object_store.h"

namespace lakeshare::delta::fuzz {

/// Load the table in `store` (protocol check off), re-emit every file as JSON with its stats and
/// select files with `json_predicate` (limit hint 3). Only a snapshot or an Error may come out.
inline void LoadAndSelectFiles(std::shared_ptr<const storage::ObjectStore> store,
                               std::string json_predicate) {
  SnapshotOptions options;
  options.check_protocol = false;
  auto snapshot = Snapshot::Load(std::move(store), options);
  if (!snapshot) return;
  std::string out;
  (*snapshot)->files().ForEach([&](const AddFile& f) {
    f.AppendJson(out);
    (void)f.StatsJson();
    return true;
  });
  FileQuery query;
  query.json_predicate = std::move(json_predicate);
  query.limit_hint = 3;
  (void)SelectFiles(**snapshot, query);
}

}  // namespace lakeshare::delta::fuzz
