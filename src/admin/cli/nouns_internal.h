// The nouns of `lakeshare admin` (one file each) and the few helpers `onboard` borrows from
// them. Internal to admin/cli.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "admin/cli/args.h"
#include "admin/cli/client.h"
#include "admin/cli/output.h"

namespace CLI {
class App;
}

namespace lakeshare::admin::cli {

void AddCatalogCommands(CLI::App* admin);
void AddSchemaCommands(CLI::App* admin);
void AddTableCommands(CLI::App* admin);
void AddShareCommands(CLI::App* admin);
void AddSharePermissionCommands(CLI::App* admin);
void AddRecipientCommands(CLI::App* admin);
void AddAuditCommand(CLI::App* admin);
/// The line `audit` writes to stderr under its table: how many events `page` ({"events": [...],
/// "next_page_token": ...}) holds, and the --page-token of the next ones (shown TerminalSafe; a
/// token that is no string counts as none).
std::string AuditPageSummary(const Json& page, bool oldest_first);
/// The `shares get` cell of what recipients read of a shared table beyond its partitions: its row
/// filter as text (`rows: country = @country`), its columns and its column masks.
std::string RowsAndColumnsCell(const Json& shared_object);
void AddExternalLocationCommands(CLI::App* admin);
void AddStorageCredentialCommands(CLI::App* admin);  // issue 10
void AddGroupCommands(CLI::App* admin);              // issue 10
void AddOnboardCommand(CLI::App* admin);
void AddSettingsCommands(CLI::App* admin);

/// The organisation name the activation page shows ("" when unset).
CallResult<std::string> OrganizationName(Api& api);
/// Set the organisation name (a usage error when empty); the new settings.
CallResult<Json> SetOrganizationName(Api& api, const std::string& name);

void AddFederationPolicyCommands(CLI::App* admin);  // issue 12
void AddClientKeyCommands(CLI::App* admin);         // issue 12
void AddPrincipalCommands(CLI::App* admin);         // issue 12 (provider sign-in)

/// The body registering `item` (an EXTERNAL DELTA table at its location).
Json TableBody(const TableItem& item, const std::string& comment);

/// UC `partitions` of a shared table: one partition whose values must all hold; null when none.
CallResult<Json> PartitionsJson(const std::vector<PartitionItem>& items);
/// A UC SharedDataObject for the ADD of `table` to a share.
Json DataObject(const std::string& table, bool history, bool cdf, const std::string& shared_as,
                int64_t start_version, const std::string& comment, const Json& partitions);

/// The activation link of a RecipientInfo: the top-level field, else the newest token's.
std::string ActivationUrl(const Json& recipient);
/// "expires in 72 hours (at ...)" for the link of a create / rotate reply; "" when none.
std::string LinkExpiry(const Json& recipient);

}  // namespace lakeshare::admin::cli
