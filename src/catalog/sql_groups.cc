// Groups of principals (rows of `principal_groups` and `group_members`). Group and principal
// names share one namespace, so a grantee or owner name always means one of them.
#include "catalog/sql_catalog_impl.h"

namespace lakeshare::catalog {

const EntityTable<GroupInfo>& GroupTable() {
  static const auto* const kTable = new EntityTable<GroupInfo>({
      .resource = ResourceKind::kGroup,
      .table = "principal_groups",
      .securable = "",
      .dotted_names = true,
  });
  return *kTable;
}

namespace {

/// Fill in the members of a group read from its row (or just changed): principal names, sorted
/// by name key.
Status FillMembers(SqlConn& c, GroupInfo& g) {
  LS_ASSIGN_OR_RETURN(g.members, QueryColumn(c,
                                             "SELECT p.name FROM group_members m JOIN principals "
                                             "p ON p.id = m.principal_id WHERE m.group_id = ? "
                                             "ORDER BY p.name_key",
                                             {g.id}));
  return OkStatus();
}

Status ChangeMembers(SqlConn& c, const GroupInfo& group, const GroupUpdate& u) {
  for (const std::string& name : u.add_members) {
    LS_ASSIGN_OR_RETURN(Principal p, ReadPrincipal(c, name));
    LS_RETURN_IF_ERROR(
        c.Exec("INSERT INTO group_members (group_id, principal_id) VALUES (?, ?) "
               "ON CONFLICT DO NOTHING",
               {group.id, p.id}));
  }
  for (const std::string& name : u.remove_members) {
    LS_RETURN_IF_ERROR(
        c.Exec("DELETE FROM group_members WHERE group_id = ? AND principal_id IN "
               "(SELECT id FROM principals WHERE name_key = ?)",
               {group.id, Key(name)}));
  }
  return OkStatus();
}

}  // namespace

Result<GroupInfo> ReadGroup(SqlConn& c, std::string_view name) {
  return GroupTable().GetFilled(c, name, FillMembers);
}

Result<std::vector<std::string>> ReadGroupsOf(SqlConn& c, const std::string& principal_id) {
  return QueryColumn(c,
                     "SELECT g.name FROM group_members m JOIN principal_groups g ON g.id = "
                     "m.group_id WHERE m.principal_id = ? ORDER BY g.name_key",
                     {principal_id});
}

Status CheckGranteeNameFree(SqlConn& c, std::string_view name) {
  LS_RETURN_IF_ERROR(PrincipalTable().CheckAbsent(c, "", name, name));
  return GroupTable().CheckAbsent(c, "", name, name);
}

Result<GroupInfo> SqlCatalog::CreateGroup(const GroupInfo& in) {
  GroupInfo out = in;
  out.updated_by = out.created_by;
  return CreateTopLevel<GroupInfo>(
      GroupTable(), std::move(out), [&](SqlConn& c, GroupInfo& g) -> Status {
        LS_RETURN_IF_ERROR(PrincipalTable().CheckAbsent(c, "", g.name, g.name));
        LS_RETURN_IF_ERROR(ChangeMembers(c, g, GroupUpdate{std::nullopt, in.members, {}, ""}));
        LS_RETURN_IF_ERROR(FillMembers(c, g));
        return OkStatus();
      });
}

Result<GroupInfo> SqlCatalog::GetGroup(std::string_view name) {
  return Transact<GroupInfo>(TxKind::kRead, [&](SqlConn& c) { return ReadGroup(c, name); });
}

Result<Listing<GroupInfo>> SqlCatalog::ListGroups(const PageRequest& page) {
  return ListIn<GroupInfo>(GroupTable(), page, {}, FillMembers);
}

Result<GroupInfo> SqlCatalog::UpdateGroup(std::string_view name, const GroupUpdate& u) {
  auto read = [&](SqlConn& c) { return ReadGroup(c, name); };
  auto change = [&](SqlConn& c, GroupInfo& out) -> Status {
    out.comment = u.comment.value_or(out.comment);
    out.updated_by = u.updated_by;
    LS_RETURN_IF_ERROR(ChangeMembers(c, out, u));
    LS_RETURN_IF_ERROR(FillMembers(c, out));
    return OkStatus();
  };
  return UpdateIn<GroupInfo>(GroupTable(), std::nullopt, read, change);
}

Status SqlCatalog::DeleteGroup(std::string_view name) {
  return DeleteIn<GroupInfo>(
      GroupTable(), [&](SqlConn& c) { return ReadGroup(c, name); },
      [](SqlConn& c, const GroupInfo& g) { return DeleteGrantsTo(c, "GROUP", g.id); });
}

}  // namespace lakeshare::catalog
