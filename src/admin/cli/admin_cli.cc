#include "admin/cli/admin_cli.h"

#include <CLI/CLI.hpp>

#include "admin/cli/command.h"
#include "admin/cli/nouns_internal.h"

namespace lakeshare::admin::cli {

void AddAdminCommands(CLI::App& root) {
  CLI::App* admin = root.add_subcommand(
      "admin", "Manage catalogs, shares, recipients and grants of a Lakeshare server");
  admin->require_subcommand(1);
  GlobalOptions& g = Globals();
  // The last of repeated options wins (a script may add its own --host to a wrapper's).
  admin->add_option("--host", g.host, "Server URL (default http://127.0.0.1:8080)")
      ->envname("LAKESHARE_HOST")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  admin->add_option("--token", g.token, "Admin API token (prefer LAKESHARE_TOKEN or --token-file)")
      ->envname("LAKESHARE_TOKEN")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  admin
      ->add_option("--token-file", g.token_file,
                   "File holding the token, e.g. DATA_DIR/admin-token")
      ->envname("LAKESHARE_TOKEN_FILE")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  admin->add_flag("--json", g.json, "Print the server's JSON instead of tables");
  AddCatalogCommands(admin);
  AddSchemaCommands(admin);
  AddTableCommands(admin);
  AddShareCommands(admin);
  AddSharePermissionCommands(admin);
  AddRecipientCommands(admin);
  AddAuditCommand(admin);
  AddExternalLocationCommands(admin);
  AddStorageCredentialCommands(admin);
  AddGroupCommands(admin);
  AddPrincipalCommands(admin);
  AddOnboardCommand(admin);
  AddSettingsCommands(admin);
  AddFederationPolicyCommands(admin);
  AddClientKeyCommands(admin);
}

}  // namespace lakeshare::admin::cli
