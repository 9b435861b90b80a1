#include "app/governance_setup.h"

#include <system_error>
#include <utility>

#include "auth/secret_token.h"
#include "common/log.h"
#include "storage/location.h"

namespace lakeshare::app {

Result<std::string> CanonicalLocation(std::string_view location) {
  LS_ASSIGN_OR_RETURN(storage::Location parsed, storage::ParseLocation(location));
  if (parsed.scheme == storage::LocationScheme::kFile) {
    // The existing part of the path with its symlinks resolved, the rest as written: a folder
    // that is a link to the data directory is compared as the data directory.
    std::error_code ec;
    std::filesystem::path real = std::filesystem::weakly_canonical(parsed.path, ec);
    if (ec) {
      return InvalidArgument("cannot resolve location '{}': {}; check that it is readable",
                             location, ec.message());
    }
    std::string text = real.lexically_normal().string();
    while (text.size() > 1 && text.back() == '/') {
      text.pop_back();
    }
    parsed.path = std::move(text);
  }
  return parsed.Uri();
}

Status SetUpGovernance(catalog::Catalog& catalog, const std::filesystem::path& data_dir,
                       const std::string& sqlite_metastore) {
  catalog::LocationPolicy policy;
  policy.canonicalize = CanonicalLocation;
  std::error_code ec;
  policy.protected_locations.push_back(std::filesystem::absolute(data_dir, ec).string());
  if (!sqlite_metastore.empty()) {
    policy.protected_locations.push_back(std::filesystem::absolute(sqlite_metastore, ec).string());
  }
  LS_RETURN_IF_ERROR(catalog.SetLocationPolicy(std::move(policy)));
  LS_ASSIGN_OR_RETURN(std::string key, catalog.GetOrCreateServerSecret(
                                           "storage_credential_key", auth::NewSecretToken()));
  catalog.SetSecretKey(key);
  LS_ASSIGN_OR_RETURN(std::vector<std::string> left_out, catalog.AdoptTableLocations());
  for (const std::string& table : left_out) {
    LogWarning(
        "table '{}' lies in no external location (its location is invalid or overlaps the "
        "server's own data) and is not served; move it (PATCH .../tables/{} storage_location) or "
        "delete it",
        table, table);
  }
  return OkStatus();
}

}  // namespace lakeshare::app
