// The upgrade step of storage governance (Catalog::AdoptTableLocations): tables registered before
// external locations existed get their canonical location key, and each table root no external
// location contains gets one, owned by the table's owner, so that nothing served before the
// upgrade stops being served.
#include <algorithm>

#include "catalog/sql_catalog_impl.h"

namespace lakeshare::catalog {
namespace {

struct LegacyTable {
  std::string id;
  std::string full_name;
  std::string location;
  std::string owner;
  std::string key;  // canonical; empty when the location cannot be canonicalised
};

Result<std::vector<LegacyTable>> ReadLegacyTables(SqlConn& c) {
  LS_ASSIGN_OR_RETURN(
      SqlRows rows,
      c.Query("SELECT t.id, c.name, s.name, t.name, t.storage_location, t.owner FROM "
              "delta_tables t JOIN schemas s ON t.schema_id = s.id JOIN catalogs c ON "
              "s.catalog_id = c.id WHERE t.location_key = '' ORDER BY t.id",
              {}));
  std::vector<LegacyTable> out;
  for (const SqlRow& r : rows) {
    out.push_back(LegacyTable{ToStr(r[0]), ToStr(r[1]) + "." + ToStr(r[2]) + "." + ToStr(r[3]),
                              ToStr(r[4]), ToStr(r[5]), ""});
  }
  return out;
}

/// A name for the location made for `table`: its full name, or with a suffix when taken.
Result<std::string> FreeLocationName(SqlConn& c, const LegacyTable& table) {
  std::string name = table.full_name;
  for (int i = 2;; ++i) {
    LS_ASSIGN_OR_RETURN(std::optional<ExternalLocationInfo> taken,
                        ExternalLocationTable().Find(c, "", name));
    if (!taken) {
      return name;
    }
    name = table.full_name + "_" + std::to_string(i);
  }
}

}  // namespace

Result<std::vector<std::string>> SqlCatalog::AdoptTableLocations() {
  using Names = std::vector<std::string>;
  return Transact<Names>(TxKind::kWrite, [&](SqlConn& c) -> Result<Names> {
    Names left_out;
    LS_ASSIGN_OR_RETURN(std::vector<LegacyTable> tables, ReadLegacyTables(c));
    for (LegacyTable& t : tables) {
      auto key = KeyOfLocation(t.location);
      if (!key) {
        left_out.push_back(t.full_name);
        continue;
      }
      t.key = *key;
      LS_RETURN_IF_ERROR(
          c.Exec("UPDATE delta_tables SET location_key = ? WHERE id = ?", {t.key, t.id}));
    }
    // Outer roots first, so that a table inside another's root is covered by its location.
    std::sort(tables.begin(), tables.end(), [](const LegacyTable& a, const LegacyTable& b) {
      return a.key.size() != b.key.size() ? a.key.size() < b.key.size() : a.key < b.key;
    });
    for (const LegacyTable& t : tables) {
      if (t.key.empty()) {
        continue;
      }
      LS_ASSIGN_OR_RETURN(std::optional<ExternalLocationInfo> covered,
                          FindLocationContaining(c, t.key));
      if (covered) {
        continue;
      }
      if (Status place = CheckLocationPlace(c, t.key, "", t.location); !place) {
        // Only a refusal of the place leaves the table out; a failure to check is the error.
        if (place.error().code != ErrorCode::kInvalidArgument) {
          return tl::unexpected<Error>(place.error());
        }
        left_out.push_back(t.full_name);  // would contain protected data or another location
        continue;
      }
      ExternalLocationInfo loc;
      LS_ASSIGN_OR_RETURN(loc.name, FreeLocationName(c, t));
      loc.url = t.location;
      loc.owner = t.owner;
      loc.comment = "Created on upgrade for the root of table " + t.full_name;
      loc.created_by = loc.updated_by = "upgrade";
      Stamp(loc);
      LS_RETURN_IF_ERROR(ExternalLocationTable().Insert(
          c, "", loc, loc.name, {{"url_key", t.key}, {"credential_id", SqlValue(nullptr)}}));
    }
    return left_out;
  });
}

}  // namespace lakeshare::catalog
