// The one mapping from an external location's storage credential (catalog::AwsCredential, issue
// 10's storage governance) to what opens a store with it: its access keys, or the name of a
// profile of the server's AWS configuration files. The sharing service (serving a table) and the
// management API's table checks (app/table_checks.h) both open a table's store through it, so a
// check never reads with other keys than serving. Pure; thread-safe.
#pragma once

#include <string>

#include "catalog/governance.h"
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

}  // namespace lakeshare::sharing
