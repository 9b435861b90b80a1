#include "app/table_checks.h"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "common/error_context.h"
#include "common/strings.h"
#include "delta/snapshot.h"
#include "sharing/registered_store.h"
#include "storage/location.h"

namespace lakeshare::app {

namespace {

// The latest snapshot's protocol and metadata (no file list) at `location`, parsed first.
Result<std::shared_ptr<const delta::Snapshot>> LoadMetadata(const std::string& location,
                                                            const storage::StoreOptions& options) {
  LS_ASSIGN_OR_RETURN(storage::Location parsed, storage::ParseLocation(location));
  LS_ASSIGN_OR_RETURN(auto store, storage::OpenObjectStore(parsed.Uri(), options));
  delta::SnapshotOptions snapshot_options;
  snapshot_options.load_files = false;
  snapshot_options.check_protocol = false;
  return delta::Snapshot::Load(std::move(store), snapshot_options);
}

}  // namespace

Status CheckPartitionColumns(const catalog::TableInfo& table,
                             const std::vector<std::string>& columns, const TableStore& store) {
  auto snapshot = LoadMetadata(store.location, store.options);
  if (!snapshot) {
    // An unreachable store is an outage the caller may retry (503); whatever else keeps the log
    // from reading is a table that cannot be shared this way (400).
    Error e = std::move(snapshot).error();
    if (e.code != ErrorCode::kUnavailable) e = Error(ErrorCode::kInvalidArgument, e.message);
    return tl::unexpected(WithContext(
        std::move(e),
        fmt::format(
            "cannot read the Delta log of table '{}' at '{}' to check its partition columns",
            table.full_name(), table.storage_location)));
  }
  const std::vector<std::string>& partition_columns = (*snapshot)->partition_columns();
  for (const std::string& column : columns) {
    bool found = false;
    for (const std::string& p : partition_columns) {
      found = found || ToLower(p) == ToLower(column);
    }
    if (!found) {
      const std::string known = Join(partition_columns, ", ");
      return InvalidArgument(
          "'{}' is not a partition column of table '{}' (its partition columns: {}); a "
          "recipient's rows can only be limited by partition columns",
          column, table.full_name(), known.empty() ? "none" : known);
    }
  }
  return OkStatus();
}

Result<TableStore> ServedTableStore(catalog::Catalog& catalog, const catalog::TableInfo& table) {
  sharing::RegisteredRoot root =
      sharing::RegisteredTableRoot(table.location_key, table.storage_location);
  TableStore store(std::move(root.location));
  store.options.local_root_without_symlinks = root.without_symlinks;
  Result<catalog::StorageAccess> access = catalog.ResolveStorageAccess(table.storage_location);
  if (!access) {
    // kPermissionDenied: no external location contains the table. An outage stays kUnavailable;
    // a credential that cannot be unsealed (sealed with another server key, damaged) is not read
    // around with the server's keys: kInvalidArgument with the catalog's advice.
    Error e = std::move(access).error();
    if (e.code == ErrorCode::kPermissionDenied) return store;
    if (e.code != ErrorCode::kUnavailable) e = Error(ErrorCode::kInvalidArgument, e.message);
    return tl::unexpected(WithContext(
        std::move(e), fmt::format("cannot open the storage credential of the external location "
                                  "containing table '{}'",
                                  table.full_name())));
  }
  if (const std::optional<catalog::AwsCredential>& c = access->credential) {
    sharing::ApplyStoreCredential(*c, store.options.credentials, store.options.profile);
  }
  return store;
}

TableSource ReadTableSource(const TableStore& store) {
  // A location the parser refuses (registered before the rules) holds nothing servable. Reader
  // features are the sharing service's decision per request (it may answer in another format),
  // not a property of the source.
  if (!storage::ParseLocation(store.location)) return {"SOURCE_NOT_FOUND", std::nullopt};
  auto snapshot = LoadMetadata(store.location, store.options);
  if (snapshot) {
    return {"ACTIVE", (*snapshot)->metadata().ConfigBool("delta.enableChangeDataFeed")};
  }
  switch (snapshot.error().code) {
    case ErrorCode::kNotFound:
    case ErrorCode::kInvalidArgument:
      return {"SOURCE_NOT_FOUND", std::nullopt};
    case ErrorCode::kPermissionDenied:
      return {"PERMISSION_DENIED", std::nullopt};
    case ErrorCode::kUnavailable:
      return {"SOURCE_UNAVAILABLE", std::nullopt};
    default:
      return {"SOURCE_NOT_SHAREABLE", std::nullopt};
  }
}

}  // namespace lakeshare::app
