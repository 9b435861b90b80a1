// What the management API asks of a table's storage, answered from src/storage and src/delta
// (the admin layer reads neither, by the layering rules; ManagementOptions takes these as
// callbacks, as it takes CheckPartitionColumns):
//  - CheckTableLocation, at registration: the location parses (storage::ParseLocation) and holds
//    a readable Delta table, else a 4xx naming the problem;
//  - TableSourceStatus, when shares are shown: whether a shared table can still be read.
// Stateless; thread-safe.
#pragma once

#include <string>

#include "common/result.h"
#include "storage/object_store.h"

namespace lakeshare::app {

/// OK when `location` is a valid table location holding a Delta table whose log this server can
/// read (metadata only: cheap). Otherwise kInvalidArgument naming the problem (a bad location, no
/// Delta log there, not allowed to read it), kUnsupported for an unknown scheme, or kUnavailable
/// when the store cannot be reached (retry later).
Status CheckTableLocation(const std::string& location, const storage::StoreOptions& options = {});

/// The `status` of a shared table in the management API (Unity Catalog's SharedDataObject
/// status, with the Open Sharing Server's finer reasons): "ACTIVE" when its log reads;
/// "SOURCE_NOT_FOUND" when the location is not valid or holds no Delta table any more;
/// "PERMISSION_DENIED" when the store refuses this server; "SOURCE_UNAVAILABLE" when the store
/// cannot be reached; "SOURCE_NOT_SHAREABLE" when its log is corrupt.
std::string TableSourceStatus(const std::string& location,
                              const storage::StoreOptions& options = {});

}  // namespace lakeshare::app
