// Storage governance at the start of `lakeshare serve --data-dir` (issue 10): how the catalog
// compares locations (the one parser, storage/location.h, with local symlinks resolved so that a
// folder linked to the data directory is seen for what it is), which locations nothing may be
// registered in (the data directory and the SQLite metastore), the key sealing storage-credential
// secrets, and the upgrade step that gives every table registered before governance an external
// location owned by its table's owner (catalog::Catalog::AdoptTableLocations).
//
// Pure setup, run once before the catalog is shared.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "common/result.h"

namespace lakeshare::app {

/// The canonical URI of a table or external location: storage::ParseLocation's Uri(), a local
/// path with the symlinks of its existing part resolved.
Result<std::string> CanonicalLocation(std::string_view location);

/// Set the location policy (protected: `data_dir`, and `sqlite_metastore` when not empty) and
/// the credential sealing key on `catalog`, then adopt the locations of tables registered
/// before; prints what it adopted and which tables it could not.
Status SetUpGovernance(catalog::Catalog& catalog, const std::filesystem::path& data_dir,
                       const std::string& sqlite_metastore);

}  // namespace lakeshare::app
