// What the management API asks of a table's storage, answered from src/storage and src/delta
// (the admin layer reads neither, by the layering rules; ManagementOptions takes these as
// callbacks, as it takes CheckPartitionColumns):
//  - CheckPartitionColumns, when a table is shared with `partitions`: they are partition columns;
//  - ReadTableSource, when shares are shown: whether a shared table can still be read, and
//    whether its change data feed is on.
// Both open the table's store as the sharing service does (ServedTableStore: at its registered
// folder for a local table, with the credential of the external location containing it), so a
// check never reads with other keys, nor through another folder, than serving.
// Stateless; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "common/result.h"
#include "storage/object_store.h"

namespace lakeshare::app {

/// Where and how a check opens a table's store.
struct TableStore {
  explicit TableStore(std::string location, storage::StoreOptions options = {})
      : location(std::move(location)), options(std::move(options)) {}
  std::string location;
  storage::StoreOptions options;
};

/// ManagementOptions::check_partition_columns: the columns a shared table's `partitions` name
/// must be partition columns of the table, as the log at `store` says (metadata only: cheap).
/// kInvalidArgument naming the column, or why the log cannot be read; kUnavailable when the
/// store cannot be reached.
Status CheckPartitionColumns(const catalog::TableInfo& table,
                             const std::vector<std::string>& columns, const TableStore& store);

/// Where and how the sharing service opens `table`'s store (sharing/registered_store.h): a local
/// table at its registered folder (`table.location_key`, which Catalog::GetTable fills), following
/// no link on that path; a table no registration checked (empty key) at its location, as serving
/// opens it; with the keys or the profile
/// of the storage credential of the external location containing it; the server's own
/// (environment) credentials when that location names none, or when no location contains the
/// table (it is then not served; the check reads as before). kUnavailable when the metastore
/// cannot be read; kInvalidArgument, with the catalog's advice, when the location's credential
/// cannot be unsealed (never read around with the server's own keys).
Result<TableStore> ServedTableStore(catalog::Catalog& catalog, const catalog::TableInfo& table);

/// What a shared table's location holds, as the management API shows it.
struct TableSource {
  /// Unity Catalog's SharedDataObject status, with the Open Sharing Server's finer reasons:
  /// "ACTIVE" when its log reads; "SOURCE_NOT_FOUND" when the location is not valid or holds no
  /// Delta table any more; "PERMISSION_DENIED" when the store refuses this server;
  /// "SOURCE_UNAVAILABLE" when the store cannot be reached; "SOURCE_NOT_SHAREABLE" when its log
  /// is corrupt.
  std::string status;
  /// delta.enableChangeDataFeed of the latest metadata; unset unless ACTIVE.
  std::optional<bool> change_data_feed;
};

/// Reads the latest metadata at `store` (one log read: no file list).
TableSource ReadTableSource(const TableStore& store);

}  // namespace lakeshare::app
