// ServedView: the recipient's view of a table (share_provider.h RecipientView: row filter, column
// list, column masks) as it applies to the version served. The view names columns as the provider
// saw them when granting: at the table's latest version. Under column mapping (Delta protocol,
// *Column Mapping*) a column can be renamed and its name reused (RENAME contact TO phone, RENAME
// email TO contact), so at another version the same names mean other columns. ServedView
// resolves each name of the view to a physical column at the latest version (its
// delta.columnMapping.physicalName; without column mapping its name, which stays its physical
// name when column mapping is enabled later) and names that column as the served version calls
// it: a masked, listed or filtered column is found at the served version whatever it was called
// then; one that did not exist then is not listed or filtered on. Masks also fail closed by name:
// a served column carrying a masked name is masked whatever its identity (DROP COLUMN contact,
// ADD COLUMN contact gives the new one a new physical name, yet the old one was masked by that
// name while it was live); a column list stays an intersection by identity.
// It fails closed (kUnsupported, "ask the provider") where identity cannot be decided or the view
// cannot be honoured: a view column absent at the latest version, a schema naming one column or
// one physical column twice, a row filter reading a column the served version lacks, a column
// list none of whose columns existed then, a mask that cannot apply to a served column's type
// ("hash" on a column that is no string or bytes, a decimal included, or on a partition column
// that is no string; "null" on a column the schema says is not nullable, a partition column
// included; any mask on a nested column).
// Every response about a version (/metadata, /query in every format, /changes, startingVersion
// feeds, their metaData lines) asks it, so they agree on every version; the share's partition
// restrictions resolve their columns the same way (ServedNames). Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/schema_columns.h"
#include "sharing/share_provider.h"

namespace lakeshare::sharing {

/// The names at the version `version` of table `table`, whose metaData is `served`, of the
/// top-level columns the latest version (metaData `latest`) calls `names`, resolved by physical
/// identity as ServedView resolves a view: nullopt for a column that version lacks. Fails as
/// ServedView does when `latest` lacks one of them or a schema names one column twice.
Result<std::map<std::string, std::optional<std::string>>> ServedNames(
    const std::vector<std::string>& names, std::string_view table, const delta::Metadata& latest,
    const delta::Metadata& served, int64_t version);

/// `view` (by the names of `latest`, the table's latest metaData) as it applies to the version
/// `version` of table `table`, whose metaData is `served`: by the names of `served`.
Result<RecipientView> ServedView(const RecipientView& view, std::string_view table,
                                 const delta::Metadata& latest, const delta::Metadata& served,
                                 int64_t version);

}  // namespace lakeshare::sharing
