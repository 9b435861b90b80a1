// External locations: the storage prefixes tables may be registered under, and the location
// rules of governance.h. Locations are compared by key (canonical URI ending in '/'), so one
// contains another exactly when its key is a prefix of the other's.
#include <algorithm>

#include "catalog/sql_catalog_impl.h"

namespace lakeshare::catalog {

const EntityTable<ExternalLocationInfo>& ExternalLocationTable() {
  using T = ExternalLocationInfo;
  static const auto* const kTable = new EntityTable<T>({
      .resource = ResourceKind::kExternalLocation,
      .table = "external_locations",
      .securable = "EXTERNAL_LOCATION",
      .dotted_names = true,
      .columns = {{"url", &T::url}, {"read_only", &T::read_only}},
  });
  return *kTable;
}

namespace {

/// Fill the credential name of a location read from its row.
Status FillCredential(SqlConn& c, ExternalLocationInfo& loc) {
  LS_ASSIGN_OR_RETURN(SqlRows rows,
                      c.Query("SELECT s.name FROM external_locations l JOIN storage_credentials "
                              "s ON s.id = l.credential_id WHERE l.id = ?",
                              {loc.id}));
  loc.credential_name = rows.empty() ? std::string() : ToStr(rows[0][0]);
  return OkStatus();
}

/// The first registered table inside the location `key` (nullopt when none), skipping those
/// also inside `unless_key` when it is not empty.
Result<std::optional<std::string>> TableInside(SqlConn& c, const std::string& key,
                                               const std::string& unless_key) {
  LS_ASSIGN_OR_RETURN(
      SqlRows rows,
      c.Query("SELECT c.name, s.name, t.name FROM delta_tables t JOIN schemas s ON t.schema_id = "
              "s.id JOIN catalogs c ON s.catalog_id = c.id WHERE t.location_key <> '' AND "
              "substr(t.location_key, 1, ?) = ? AND NOT (? <> '' AND substr(t.location_key, 1, "
              "?) = ?) ORDER BY t.location_key LIMIT 1",
              {static_cast<int64_t>(key.size()), key, unless_key,
               static_cast<int64_t>(unless_key.size()), unless_key}));
  if (rows.empty()) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(ToStr(rows[0][0]) + "." + ToStr(rows[0][1]) + "." +
                                    ToStr(rows[0][2]));
}

/// The name of the first row of `table` other than `self_id` (by name) whose location key in
/// `key_column` overlaps `key`: one of the two is a prefix of the other. Nullopt when none; rows
/// without a key ("") are skipped.
Result<std::optional<std::string>> FirstOverlapping(SqlConn& c, std::string_view table,
                                                    std::string_view key_column,
                                                    const std::string& self_id,
                                                    const std::string& key) {
  const std::string col(key_column);
  LS_ASSIGN_OR_RETURN(
      SqlRows rows,
      c.Query("SELECT name FROM " + std::string(table) + " WHERE " + col + " <> '' AND id <> ? " +
                  "AND (substr(?, 1, length(" + col + ")) = " + col + " OR substr(" + col +
                  ", 1, ?) = ?) ORDER BY name_key LIMIT 1",
              {self_id, key, static_cast<int64_t>(key.size()), key}));
  if (rows.empty()) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(ToStr(rows[0][0]));
}

/// The stored key of location `id`.
Result<std::string> StoredKeyOf(SqlConn& c, const std::string& id) {
  LS_ASSIGN_OR_RETURN(SqlRows rows,
                      c.Query("SELECT url_key FROM external_locations WHERE id = ?", {id}));
  if (rows.empty()) {
    return NotFound(ResourceKind::kExternalLocation, "External location '{}' does not exist", id);
  }
  return ToStr(rows[0][0]);
}

}  // namespace

std::string LocationKeyOf(std::string canonical) {
  if (canonical.empty() || canonical.back() != '/') {
    canonical += '/';
  }
  return canonical;
}

Result<ExternalLocationInfo> ReadExternalLocation(SqlConn& c, std::string_view name) {
  return ExternalLocationTable().GetFilled(c, name, FillCredential);
}

Result<std::optional<ExternalLocationInfo>> FindLocationContaining(SqlConn& c,
                                                                   const std::string& key) {
  const EntityTable<ExternalLocationInfo>& table = ExternalLocationTable();
  LS_ASSIGN_OR_RETURN(SqlRows rows,
                      c.Query("SELECT " + table.ColumnList("") +
                                  " FROM external_locations WHERE substr(?, 1, length(url_key)) "
                                  "= url_key ORDER BY length(url_key) DESC LIMIT 1",
                              {key}));
  if (rows.empty()) {
    return std::optional<ExternalLocationInfo>();
  }
  LS_ASSIGN_OR_RETURN(ExternalLocationInfo loc, table.FromRow(rows[0]));
  LS_RETURN_IF_ERROR(FillCredential(c, loc));
  return std::optional<ExternalLocationInfo>(std::move(loc));
}

Status CheckNoTableOverlap(SqlConn& c, const std::string& key, const std::string& table_id,
                           std::string_view shown) {
  LS_ASSIGN_OR_RETURN(std::optional<std::string> other,
                      FirstOverlapping(c, "delta_tables", "location_key", table_id, key));
  if (other) {
    return InvalidArgument(
        "storage_location '{}' overlaps the location of another registered table; a table "
        "can neither lie inside another table nor contain one (LOCATION_OVERLAP)",
        shown);
  }
  return OkStatus();
}

Status SqlCatalog::SetLocationPolicy(LocationPolicy policy) {
  if (!policy.canonicalize) {
    return InvalidArgument("A location policy needs a canonicalize function");
  }
  std::vector<std::string> keys;
  for (const std::string& location : policy.protected_locations) {
    LS_ASSIGN_OR_RETURN(std::string canonical, policy.canonicalize(location));
    keys.push_back(LocationKeyOf(std::move(canonical)));
  }
  canonicalize_ = std::move(policy.canonicalize);
  protected_keys_ = std::move(keys);
  return OkStatus();
}

Result<std::string> SqlCatalog::KeyOfLocation(std::string_view location) const {
  if (!canonicalize_) {
    return Errorf(ErrorCode::kInternal,
                  "The metastore has no location policy; the server must set one at start");
  }
  LS_ASSIGN_OR_RETURN(std::string canonical, canonicalize_(location));
  return LocationKeyOf(std::move(canonical));
}

Status SqlCatalog::CheckNotProtected(const std::string& key, std::string_view shown) const {
  for (const std::string& p : protected_keys_) {
    if (p.compare(0, key.size(), key) == 0 || key.compare(0, p.size(), p) == 0) {
      return InvalidArgument(
          "url '{}' overlaps the server's own data (its data directory or metastore), which is "
          "never served; choose a folder that neither contains them nor lies inside them",
          shown);
    }
  }
  return OkStatus();
}

Status SqlCatalog::CheckLocationPlace(SqlConn& c, const std::string& key,
                                      const std::string& self_id, std::string_view shown) const {
  LS_RETURN_IF_ERROR(CheckNotProtected(key, shown));
  LS_ASSIGN_OR_RETURN(std::optional<std::string> other,
                      FirstOverlapping(c, "external_locations", "url_key", self_id, key));
  if (other) {
    return InvalidArgument(
        "url '{}' overlaps external location '{}'; external locations can neither lie inside "
        "one another nor contain one (LOCATION_OVERLAP)",
        shown, *other);
  }
  return OkStatus();
}

Result<ExternalLocationInfo> SqlCatalog::CreateExternalLocation(const ExternalLocationInfo& in) {
  LS_RETURN_IF_ERROR(ExternalLocationTable().ValidateName(in.name));
  LS_ASSIGN_OR_RETURN(std::string key, KeyOfLocation(in.url));
  ExternalLocationInfo out = in;
  Stamp(out);
  out.updated_by = out.created_by;
  return Transact<ExternalLocationInfo>(
      TxKind::kWrite, [&](SqlConn& c) -> Result<ExternalLocationInfo> {
        LS_RETURN_IF_ERROR(CheckLocationPlace(c, key, "", in.url));
        LS_ASSIGN_OR_RETURN(std::string credential_id, CredentialIdOf(c, in.credential_name));
        LS_RETURN_IF_ERROR(ExternalLocationTable().Insert(
            c, "", out, out.name,
            {{"url_key", key},
             {"credential_id", credential_id.empty() ? SqlValue(nullptr) : credential_id}}));
        return ReadExternalLocation(c, out.name);
      });
}

Result<ExternalLocationInfo> SqlCatalog::GetExternalLocation(std::string_view name) {
  return Transact<ExternalLocationInfo>(TxKind::kRead,
                                        [&](SqlConn& c) { return ReadExternalLocation(c, name); });
}

Result<Listing<ExternalLocationInfo>> SqlCatalog::ListExternalLocations(const PageRequest& page) {
  return ListIn<ExternalLocationInfo>(ExternalLocationTable(), page, {}, FillCredential);
}

Result<ExternalLocationInfo> SqlCatalog::UpdateExternalLocation(std::string_view name,
                                                                const ExternalLocationUpdate& u) {
  std::string new_key;
  if (u.url) {
    LS_ASSIGN_OR_RETURN(new_key, KeyOfLocation(*u.url));
  }
  ExtraColumns extra;
  auto read = [&](SqlConn& c) { return ReadExternalLocation(c, name); };
  auto change = [&](SqlConn& c, ExternalLocationInfo& out) -> Status {
    extra.clear();
    LS_RETURN_IF_ERROR(ApplyObjectUpdate(c, ExternalLocationTable(), "", u, "", out));
    out.read_only = u.read_only.value_or(out.read_only);
    out.updated_by = u.updated_by;
    if (u.url) {
      LS_RETURN_IF_ERROR(CheckLocationPlace(c, new_key, out.id, *u.url));
      LS_ASSIGN_OR_RETURN(std::string old_key, StoredKeyOf(c, out.id));
      LS_ASSIGN_OR_RETURN(std::optional<std::string> left_out, TableInside(c, old_key, new_key));
      if (left_out && !u.force) {
        return InvalidArgument(
            "Table '{}' lies inside external location '{}' but not inside the new url '{}'; "
            "move or delete it first, or update with force (it is then served by no one)",
            *left_out, out.name, *u.url);
      }
      out.url = *u.url;
      extra.emplace_back("url_key", new_key);
    }
    if (u.credential_name) {
      LS_ASSIGN_OR_RETURN(std::string credential_id, CredentialIdOf(c, *u.credential_name));
      out.credential_name = *u.credential_name;
      extra.emplace_back("credential_id",
                         credential_id.empty() ? SqlValue(nullptr) : SqlValue(credential_id));
    }
    return OkStatus();
  };
  return UpdateIn<ExternalLocationInfo>(ExternalLocationTable(), u.new_name, read, change, &extra);
}

Status SqlCatalog::DeleteExternalLocation(std::string_view name, bool force) {
  auto read = [&](SqlConn& c) { return ReadExternalLocation(c, name); };
  return DeleteIn<ExternalLocationInfo>(
      ExternalLocationTable(), read, [&](SqlConn& c, const ExternalLocationInfo& loc) -> Status {
        LS_ASSIGN_OR_RETURN(std::string key, StoredKeyOf(c, loc.id));
        LS_ASSIGN_OR_RETURN(std::optional<std::string> inside, TableInside(c, key, ""));
        if (inside && !force) {
          return InvalidArgument(
              "External location '{}' holds registered tables (e.g. '{}'); delete them first, "
              "or delete with force (they are then served by no one)",
              loc.name, *inside);
        }
        return OkStatus();
      });
}

Result<std::optional<ExternalLocationInfo>> SqlCatalog::FindExternalLocation(
    std::string_view location) {
  LS_ASSIGN_OR_RETURN(std::string key, KeyOfLocation(location));
  using Found = std::optional<ExternalLocationInfo>;
  return Transact<Found>(TxKind::kRead, [&](SqlConn& c) { return FindLocationContaining(c, key); });
}

}  // namespace lakeshare::catalog
