// How the sharing service opens a registered table's store (metastore provider): where, and with
// which credential. The sharing service (serving a table) and the management API's table checks
// (app/table_checks.h) both go through here, so a check never reads with other keys, nor at
// another folder, than serving:
//  - the credential: an external location's storage credential (catalog::AwsCredential, issue
//    10's storage governance) becomes its access keys, or the name of a profile of the server's
//    AWS configuration files;
//  - the root: a local table is opened at the folder its registration was checked against
//    (catalog::TableInfo::location_key, symlinks resolved then), following no link on that path
//    (StoreOptions::local_root_without_symlinks): a table folder swapped afterwards for a link (to
//    another team's table) is a missing table, never followed. Other locations are opened as
//    registered.
// Pure; thread-safe. Header-only: app/table_checks links no sharing code.
#pragma once

#include <string>
#include <string_view>

#include "catalog/governance.h"
#include "common/result.h"
#include "storage/location.h"
#include "storage/sigv4.h"

namespace lakeshare::sharing {

/// Sets `keys` from an AWS_ACCESS_KEY credential, or `profile` from an AWS_PROFILE one.
inline void ApplyStoreCredential(const catalog::AwsCredential& credential,
                                 storage::AwsCredentials& keys, std::string& profile) {
  if (credential.kind == catalog::kAwsAccessKey) {
    keys = {credential.access_key_id, credential.secret_access_key, credential.session_token};
  } else {
    profile = credential.profile;
  }
}

/// Where a registered table's store is opened.
struct RegisteredRoot {
  std::string location;
  /// Open it with StoreOptions::local_root_without_symlinks.
  bool without_symlinks = false;
};

/// The root of the table registered at `storage_location` under `location_key` (its canonical
/// key, catalog.h: "file:///...", with a trailing '/', for a local table). A local key the parser
/// refuses stays as it is, and fails to open as the location it names would.
inline RegisteredRoot RegisteredTableRoot(std::string_view location_key,
                                          std::string_view storage_location) {
  if (!location_key.starts_with("file:")) {
    return {std::string(storage_location), false};
  }
  Result<std::string> uri = storage::CanonicalLocationUri(location_key);
  return {uri ? *std::move(uri) : std::string(location_key), true};
}

}  // namespace lakeshare::sharing
