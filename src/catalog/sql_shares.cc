// Shares and the data objects (tables) they hold: rows of `shares` and `shared_objects`.
#include <set>

#include "catalog/sql_catalog_impl.h"

namespace lakeshare::catalog {

const EntityTable<ShareInfo>& ShareTable() {
  static const auto* const kTable = new EntityTable<ShareInfo>({
      .resource = ResourceKind::kShare,
      .table = "shares",
      .securable = "SHARE",
      .dotted_names = true,
  });
  return *kTable;
}

namespace {

constexpr std::string_view kObjectCols =
    "o.name, o.shared_as, o.comment, o.history_status, o.cdf_enabled, o.start_version, "
    "o.partitions, o.status, o.added_at, o.added_by, o.recipient_view";

Result<SharedDataObject> ToObject(const SqlRow& r, size_t at) {
  SharedDataObject o;
  o.name = ToStr(r[at]);
  o.shared_as = ToStr(r[at + 1]);
  o.comment = ToStr(r[at + 2]);
  o.history_data_sharing_status = ToStr(r[at + 3]);
  LS_ASSIGN_OR_RETURN(int64_t cdf_enabled, ToInt(r[at + 4], "shared_objects.cdf_enabled"));
  o.cdf_enabled = cdf_enabled != 0;
  LS_ASSIGN_OR_RETURN(o.start_version, ToOptInt(r[at + 5], "shared_objects.start_version"));
  o.partitions_json = ToStr(r[at + 6]);
  o.status = ToStr(r[at + 7]);
  LS_ASSIGN_OR_RETURN(o.added_at, ToInt(r[at + 8], "shared_objects.added_at"));
  o.added_by = ToStr(r[at + 9]);
  o.recipient_view_json = ToStr(r[at + 10]);
  return o;
}

bool IsHistoryStatus(std::string_view s) { return s == "ENABLED" || s == "DISABLED"; }
bool IsObjectStatus(std::string_view s) { return s == "ACTIVE" || s == "PERMISSION_DENIED"; }

Result<std::vector<SharedDataObject>> ReadObjects(SqlConn& c, const std::string& id) {
  LS_ASSIGN_OR_RETURN(SqlRows rows,
                      c.Query("SELECT " + std::string(kObjectCols) +
                                  " FROM shared_objects o WHERE o.share_id = ? ORDER BY o.name_key",
                              {id}));
  std::vector<SharedDataObject> out;
  for (const SqlRow& r : rows) {
    LS_ASSIGN_OR_RETURN(SharedDataObject object, ToObject(r, 0));
    out.push_back(std::move(object));
  }
  return out;
}

/// The shares among `keys` (name keys) with their objects, one statement per batch of names.
Result<std::vector<ShareContents>> ReadSharesWithObjects(
    SqlConn& c, const std::vector<std::vector<std::string>>& keys) {
  const EntityTable<ShareInfo>& table = ShareTable();
  std::vector<ShareContents> out;
  // One row per object (one row with NULL object columns for an empty share).
  for (const std::vector<SqlValue>& batch : KeyBatches(keys)) {
    LS_ASSIGN_OR_RETURN(
        SqlRows rows,
        c.Query("SELECT " + table.ColumnList("s") + ", " + std::string(kObjectCols) +
                    " FROM shares s LEFT JOIN shared_objects o ON o.share_id = s.id WHERE "
                    "s.name_key IN " +
                    PlaceholderRows(1, batch.size()) + " ORDER BY s.name_key, o.name_key",
                batch));
    for (const SqlRow& row : rows) {
      LS_ASSIGN_OR_RETURN(ShareInfo share, table.FromRow(row));
      if (out.empty() || out.back().share.id != share.id) {
        out.push_back(ShareContents{std::move(share), {}});
      }
      if (row[table.width()]) {
        LS_ASSIGN_OR_RETURN(SharedDataObject object, ToObject(row, table.width()));
        out.back().share.objects.push_back(std::move(object));
      }
    }
  }
  return out;
}

}  // namespace

Result<ShareInfo> ReadShare(SqlConn& c, std::string_view name, bool include_objects) {
  LS_ASSIGN_OR_RETURN(ShareInfo s, ShareTable().Get(c, "", name, name));
  if (include_objects) {
    LS_ASSIGN_OR_RETURN(s.objects, ReadObjects(c, s.id));
  }
  return s;
}

Result<ShareInfo> SqlCatalog::CreateShare(const ShareInfo& in) {
  ShareInfo out = in;
  out.objects.clear();
  out.updated_by = out.created_by;
  return CreateTopLevel(ShareTable(), std::move(out));
}

Result<ShareInfo> SqlCatalog::GetShare(std::string_view name, bool include_shared_data) {
  return Transact<ShareInfo>(TxKind::kRead,
                             [&](SqlConn& c) { return ReadShare(c, name, include_shared_data); });
}

namespace {

/// Unity Catalog's rule: a share's owner keeps SELECT on a table for as long as it shares it. A
/// table whose owner revoked it (or a share handed to someone without it) reads as
/// PERMISSION_DENIED, which the sharing server does not serve, instead of serving on. An owner
/// that names no principal or group (deleted since) is not checked.
Status MarkWithoutSelect(SqlConn& c, ShareContents& sc, ParentsRead& parents) {
  std::optional<Grantee> owner;
  for (size_t i = 0; i < sc.share.objects.size() && i < sc.tables.size(); ++i) {
    const std::optional<TableInfo>& table = sc.tables[i];
    if (!table || sc.share.owner.empty() || Key(sc.share.owner) == Key(table->owner)) {
      continue;
    }
    if (!owner) {
      LS_ASSIGN_OR_RETURN(owner, ResolveGrantee(c, sc.share.owner));
    }
    if (owner->id.empty()) {
      return OkStatus();
    }
    LS_ASSIGN_OR_RETURN(bool select,
                        GranteeHoldsOnTable(c, *owner, *table, Privilege::kSelect, parents));
    if (!select) {
      sc.share.objects[i].status = "PERMISSION_DENIED";
    }
  }
  return OkStatus();
}

}  // namespace

Result<std::vector<ShareContents>> SqlCatalog::GetSharesWithTables(
    const std::vector<std::string>& names) {
  std::vector<std::vector<std::string>> keys;
  std::set<std::string> seen;
  for (const std::string& name : names) {
    if (seen.insert(Key(name)).second) {
      keys.push_back({Key(name)});
    }
  }
  using Contents = std::vector<ShareContents>;
  return Transact<Contents>(TxKind::kRead, [&](SqlConn& c) -> Result<Contents> {
    LS_ASSIGN_OR_RETURN(Contents out, ReadSharesWithObjects(c, keys));
    std::vector<std::string> table_names;
    for (const ShareContents& sc : out) {
      for (const SharedDataObject& o : sc.share.objects) {
        table_names.push_back(o.name);
      }
    }
    LS_ASSIGN_OR_RETURN(auto tables, ReadTablesByName(c, table_names));
    ParentsRead parents;
    for (ShareContents& sc : out) {
      for (const SharedDataObject& o : sc.share.objects) {
        auto it = tables.find(Key(o.name));
        sc.tables.push_back(it == tables.end() ? std::nullopt
                                               : std::optional<TableInfo>(it->second));
      }
      LS_RETURN_IF_ERROR(MarkWithoutSelect(c, sc, parents));
    }
    return out;
  });
}

Result<Listing<ShareInfo>> SqlCatalog::ListShares(const PageRequest& page) {
  return ListIn(ShareTable(), page);
}

namespace {

Status RemoveObject(SqlConn& c, const ShareInfo& share, const SharedDataObject& o) {
  std::string key = Key(o.name.empty() ? o.shared_as : o.name);
  LS_ASSIGN_OR_RETURN(int64_t n, c.Exec("DELETE FROM shared_objects WHERE share_id = ? AND "
                                        "(name_key = ? OR shared_as_key = ?)",
                                        {share.id, key, key}));
  if (n == 0) {
    return NotFound(ResourceKind::kSharedObject, "Table '{}' is not in share '{}'",
                    o.name.empty() ? o.shared_as : o.name, share.name);
  }
  return OkStatus();
}

Status CheckObjectFields(const SharedDataObject& o) {
  if (!IsHistoryStatus(o.history_data_sharing_status)) {
    return InvalidArgument("history_data_sharing_status must be ENABLED or DISABLED, got '{}'",
                           o.history_data_sharing_status);
  }
  if (!IsObjectStatus(o.status)) {
    return InvalidArgument("status must be ACTIVE or PERMISSION_DENIED, got '{}'", o.status);
  }
  if (o.start_version && *o.start_version < 0) {
    return InvalidArgument("start_version must not be negative");
  }
  return OkStatus();
}

Status AddObject(SqlConn& c, const ShareInfo& share, const SharedDataObject& o,
                 const TableInfo& table, const std::string& shared_as, int64_t now,
                 std::string_view by) {
  LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query("SELECT name FROM shared_objects WHERE share_id = ? "
                                            "AND (name_key = ? OR shared_as_key = ?)",
                                            {share.id, Key(o.name), Key(shared_as)}));
  if (!rows.empty()) {
    return AlreadyExists(ResourceKind::kSharedObject, "Share '{}' already holds '{}' (as '{}')",
                         share.name, o.name, shared_as);
  }
  return c
      .Exec(
          "INSERT INTO shared_objects (share_id, name, name_key, shared_as, shared_as_key, "
          "comment, history_status, cdf_enabled, start_version, partitions, status, "
          "added_at, added_by, recipient_view) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {share.id, table.full_name(), Key(o.name), shared_as, Key(shared_as), o.comment,
           o.history_data_sharing_status, int64_t{o.cdf_enabled ? 1 : 0}, OptVal(o.start_version),
           o.partitions_json, o.status, now, Text(by), o.recipient_view_json})
      .map([](int64_t) {});
}

/// Replace the mutable fields of an object already in the share.
Status UpdateObject(SqlConn& c, const ShareInfo& share, const SharedDataObject& o,
                    const std::string& shared_as) {
  LS_ASSIGN_OR_RETURN(SqlRows clash, c.Query("SELECT 1 FROM shared_objects WHERE share_id = ? AND "
                                             "shared_as_key = ? AND name_key <> ?",
                                             {share.id, Key(shared_as), Key(o.name)}));
  if (!clash.empty()) {
    return AlreadyExists(ResourceKind::kSharedObject, "Share '{}' already exposes a table as '{}'",
                         share.name, shared_as);
  }
  LS_ASSIGN_OR_RETURN(
      int64_t n, c.Exec("UPDATE shared_objects SET shared_as = ?, shared_as_key = ?, comment = ?, "
                        "history_status = ?, cdf_enabled = ?, start_version = ?, partitions = ?, "
                        "status = ?, recipient_view = ? WHERE share_id = ? AND name_key = ?",
                        {shared_as, Key(shared_as), o.comment, o.history_data_sharing_status,
                         int64_t{o.cdf_enabled ? 1 : 0}, OptVal(o.start_version), o.partitions_json,
                         o.status, o.recipient_view_json, share.id, Key(o.name)}));
  if (n == 0) {
    return NotFound(ResourceKind::kSharedObject, "Table '{}' is not in share '{}'", o.name,
                    share.name);
  }
  return OkStatus();
}

Status ApplyObjectChange(SqlConn& c, const ShareInfo& share, const SharedObjectChange& ch,
                         int64_t now, std::string_view by) {
  const SharedDataObject& o = ch.object;
  if (ch.action == SharedObjectChange::Action::kRemove) {
    return RemoveObject(c, share, o);
  }
  LS_RETURN_IF_ERROR(CheckObjectFields(o));
  LS_ASSIGN_OR_RETURN(TableInfo table, ReadTable(c, o.name));
  std::string shared_as = o.shared_as.empty() ? table.schema_name + "." + table.name : o.shared_as;
  LS_RETURN_IF_ERROR(SplitFullName("shared_as", shared_as, 2));
  if (ch.action == SharedObjectChange::Action::kAdd) {
    return AddObject(c, share, o, table, shared_as, now, by);
  }
  return UpdateObject(c, share, o, shared_as);
}

}  // namespace

Result<ShareInfo> SqlCatalog::UpdateShare(std::string_view name, const ObjectUpdate& u,
                                          const std::vector<SharedObjectChange>& changes,
                                          std::string_view updated_by) {
  auto read = [&](SqlConn& c) { return ReadShare(c, name, /*include_objects=*/false); };
  auto change = [&](SqlConn& c, ShareInfo& out) -> Status {
    LS_RETURN_IF_ERROR(ApplyObjectUpdate(c, ShareTable(), "", u, "", out));
    out.updated_by = std::string(updated_by);
    for (const SharedObjectChange& ch : changes) {
      LS_RETURN_IF_ERROR(ApplyObjectChange(c, out, ch, Now(), updated_by));
    }
    LS_ASSIGN_OR_RETURN(out.objects, ReadObjects(c, out.id));
    return OkStatus();
  };
  return UpdateIn<ShareInfo>(ShareTable(), u.new_name, read, change);
}

Status SqlCatalog::DeleteShare(std::string_view name) {
  return DeleteIn<ShareInfo>(ShareTable(), [&](SqlConn& c) { return ReadShare(c, name, false); });
}

}  // namespace lakeshare::catalog
