// Ownership and privileges: Unity-Catalog-style grants (rows of `grants`, keyed by securable and
// grantee ids, so renames keep them) and the HasPrivilege decision.
#include <algorithm>
#include <set>

#include "catalog/sql_catalog_impl.h"

namespace lakeshare::catalog {
namespace {

bool PrivilegeAllowedOn(SecurableType type, Privilege p) {
  switch (type) {
    case SecurableType::kMetastore:
      return p == Privilege::kCreateCatalog || p == Privilege::kCreateShare ||
             p == Privilege::kCreateRecipient || p == Privilege::kUseShare ||
             p == Privilege::kUseRecipient || p == Privilege::kSetSharePermission ||
             p == Privilege::kCreateExternalLocation || p == Privilege::kCreateStorageCredential;
    case SecurableType::kStorageCredential:
      return p == Privilege::kCreateExternalLocation;
    case SecurableType::kExternalLocation:
      return p == Privilege::kCreateExternalTable;
    case SecurableType::kCatalog:
      return p == Privilege::kUseCatalog || p == Privilege::kUseSchema || p == Privilege::kSelect;
    case SecurableType::kSchema:
      return p == Privilege::kUseSchema || p == Privilege::kSelect;
    case SecurableType::kTable:
    case SecurableType::kShare:
      return p == Privilege::kSelect;
  }
  return false;
}

Status CheckPrivilegesApply(SecurableType type, const std::vector<PermissionsChange>& changes) {
  for (const PermissionsChange& ch : changes) {
    for (const auto* list : {&ch.add, &ch.remove}) {
      for (Privilege p : *list) {
        if (!PrivilegeAllowedOn(type, p)) {
          return InvalidArgument("Privilege {} does not apply to a {}", PrivilegeName(p),
                                 SecurableTypeName(type));
        }
      }
    }
  }
  return OkStatus();
}

/// A securable in the chain HasPrivilege walks: its grants' type, its id and its owner.
struct Securable {
  std::string type;
  std::string id;
  std::string owner;
};

/// The chain of a securable `read` that inherits from nothing but the metastore.
template <typename T>
Result<std::vector<Securable>> Alone(SecurableType type, Result<T> read) {
  LS_ASSIGN_OR_RETURN(T obj, std::move(read));
  return std::vector<Securable>{{std::string(SecurableTypeName(type)), obj.id, obj.owner}};
}

/// The securable named `full_name`, then those it inherits from (a table's schema and catalog).
Result<std::vector<Securable>> SecurableChain(SqlConn& c, SecurableType type,
                                              std::string_view full_name) {
  std::vector<Securable> chain;
  std::string schema_name(full_name);
  switch (type) {
    case SecurableType::kMetastore:
      return std::vector<Securable>{{"METASTORE", std::string(kMetastoreId), ""}};
    case SecurableType::kShare:
      return Alone(type, ReadShare(c, full_name, false));
    case SecurableType::kCatalog:
      return Alone(type, ReadCatalog(c, full_name));
    case SecurableType::kExternalLocation:
      return Alone(type, ReadExternalLocation(c, full_name));
    case SecurableType::kStorageCredential:
      return Alone(type, ReadStorageCredential(c, full_name));
    case SecurableType::kTable: {
      LS_ASSIGN_OR_RETURN(TableInfo t, ReadTable(c, full_name));
      chain.push_back({"TABLE", t.id, t.owner});
      schema_name = t.catalog_name + "." + t.schema_name;
      break;
    }
    case SecurableType::kSchema:
      break;
  }
  LS_ASSIGN_OR_RETURN(SchemaInfo s, ReadSchemaByFullName(c, schema_name));
  chain.push_back({"SCHEMA", s.id, s.owner});
  LS_ASSIGN_OR_RETURN(CatalogInfo cat, ReadCatalog(c, s.catalog_name));
  chain.push_back({"CATALOG", cat.id, cat.owner});
  return chain;
}

Result<std::vector<PrivilegeAssignment>> ReadPermissions(SqlConn& c, const Securable& s) {
  LS_ASSIGN_OR_RETURN(
      SqlRows rows,
      c.Query("SELECT COALESCE(p.name_key, r.name_key, pg.name_key), COALESCE(p.name, r.name, "
              "pg.name), g.privilege FROM grants g LEFT JOIN principals p ON g.grantee_type = "
              "'PRINCIPAL' AND p.id = g.grantee_id LEFT JOIN recipients r ON g.grantee_type = "
              "'RECIPIENT' AND r.id = g.grantee_id LEFT JOIN principal_groups pg ON "
              "g.grantee_type = 'GROUP' AND pg.id = g.grantee_id WHERE g.securable_type = ? AND "
              "g.securable_id = ? ORDER BY 1",
              {s.type, s.id}));
  std::vector<PrivilegeAssignment> out;
  for (const SqlRow& row : rows) {
    auto p = ParsePrivilege(ToStr(row[2]));
    if (!row[1] || !p) {
      continue;
    }
    if (out.empty() || out.back().principal != *row[1]) {
      out.push_back(PrivilegeAssignment{*row[1], {}});
    }
    out.back().privileges.push_back(*p);
  }
  for (PrivilegeAssignment& a : out) {
    std::sort(a.privileges.begin(), a.privileges.end());
  }
  return out;
}

/// Apply one change of UpdatePermissions to the securable `s`.
Status ApplyChange(SqlConn& c, SecurableType type, const Securable& s,
                   const PermissionsChange& ch) {
  // On a share the grantee is a recipient; on every other securable a principal or a group.
  std::string grantee_type = "RECIPIENT";
  std::string grantee_id;
  if (type == SecurableType::kShare) {
    LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, ch.principal));
    grantee_id = r.id;
  } else {
    LS_ASSIGN_OR_RETURN(std::optional<GroupInfo> group, GroupTable().Find(c, "", ch.principal));
    grantee_type = group ? "GROUP" : "PRINCIPAL";
    if (group) {
      grantee_id = group->id;
    } else {
      LS_ASSIGN_OR_RETURN(Principal p, ReadPrincipal(c, ch.principal));
      grantee_id = p.id;
    }
  }
  for (Privilege p : ch.add) {
    LS_RETURN_IF_ERROR(
        c.Exec("INSERT INTO grants (securable_type, securable_id, grantee_type, grantee_id, "
               "privilege) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
               {s.type, s.id, grantee_type, grantee_id, Text(PrivilegeName(p))}));
  }
  for (Privilege p : ch.remove) {
    LS_RETURN_IF_ERROR(
        c.Exec("DELETE FROM grants WHERE securable_type = ? AND securable_id = ? AND "
               "grantee_type = ? AND grantee_id = ? AND privilege = ?",
               {s.type, s.id, grantee_type, grantee_id, Text(PrivilegeName(p))}));
  }
  return OkStatus();
}

}  // namespace

Status DeleteGrantsOn(SqlConn& c, std::string_view securable, const std::string& id) {
  return c
      .Exec("DELETE FROM grants WHERE securable_type = ? AND securable_id = ?",
            {Text(securable), id})
      .map([](int64_t) {});
}

Status DeleteGrantsTo(SqlConn& c, std::string_view grantee_type, const std::string& id) {
  return c
      .Exec("DELETE FROM grants WHERE grantee_type = ? AND grantee_id = ?",
            {Text(grantee_type), id})
      .map([](int64_t) {});
}

Result<std::vector<PrivilegeAssignment>> SqlCatalog::UpdatePermissions(
    SecurableType type, std::string_view full_name, const std::vector<PermissionsChange>& changes) {
  LS_RETURN_IF_ERROR(CheckPrivilegesApply(type, changes));
  using Assignments = std::vector<PrivilegeAssignment>;
  return Transact<Assignments>(TxKind::kWrite, [&](SqlConn& c) -> Result<Assignments> {
    LS_ASSIGN_OR_RETURN(std::vector<Securable> chain, SecurableChain(c, type, full_name));
    for (const PermissionsChange& ch : changes) {
      LS_RETURN_IF_ERROR(ApplyChange(c, type, chain[0], ch));
    }
    return ReadPermissions(c, chain[0]);
  });
}

Result<std::vector<PrivilegeAssignment>> SqlCatalog::GetPermissions(SecurableType type,
                                                                    std::string_view full_name) {
  using Assignments = std::vector<PrivilegeAssignment>;
  return Transact<Assignments>(TxKind::kRead, [&](SqlConn& c) -> Result<Assignments> {
    LS_ASSIGN_OR_RETURN(std::vector<Securable> chain, SecurableChain(c, type, full_name));
    return ReadPermissions(c, chain[0]);
  });
}

Result<std::vector<ShareGrant>> SqlCatalog::ListRecipientShareGrants(std::string_view recipient) {
  using Grants = std::vector<ShareGrant>;
  // One statement: the recipient (so that an unknown one is told apart from one without
  // grants) and its share grants.
  return Transact<Grants>(TxKind::kReadOne, [&](SqlConn& c) -> Result<Grants> {
    LS_ASSIGN_OR_RETURN(
        SqlRows rows, c.Query("SELECT s.name, g.privilege FROM recipients r LEFT JOIN grants g ON "
                              "g.securable_type = 'SHARE' AND g.grantee_type = 'RECIPIENT' AND "
                              "g.grantee_id = r.id LEFT JOIN shares s ON s.id = g.securable_id "
                              "WHERE r.name_key = ? ORDER BY s.name_key",
                              {Key(recipient)}));
    if (rows.empty()) {
      return NotFound(ResourceKind::kRecipient, "Recipient '{}' does not exist", recipient);
    }
    Grants out;
    for (const SqlRow& row : rows) {
      if (!row[0]) {
        continue;  // no grant (or a grant whose share is gone)
      }
      auto p = ParsePrivilege(ToStr(row[1]));
      if (!p) {
        continue;  // written by a newer build
      }
      if (out.empty() || out.back().share_name != ToStr(row[0])) {
        out.push_back(ShareGrant{ToStr(row[0]), {}});
      }
      out.back().privileges.push_back(*p);
    }
    return out;
  });
}

Result<Grantee> ResolveGrantee(SqlConn& c, std::string_view name) {
  Grantee g;
  g.owner_keys.insert(Key(name));
  LS_ASSIGN_OR_RETURN(std::optional<Principal> p, PrincipalTable().Find(c, "", name));
  if (p) {
    g.id = p->id;
    g.is_principal = true;
    g.is_admin = p->is_admin;
    LS_ASSIGN_OR_RETURN(std::vector<std::string> groups, ReadGroupsOf(c, p->id));
    for (const std::string& group : groups) {
      g.owner_keys.insert(Key(group));
    }
    return g;
  }
  LS_ASSIGN_OR_RETURN(std::optional<GroupInfo> group, GroupTable().Find(c, "", name));
  if (group) {
    g.id = group->id;
  }
  return g;
}

namespace {

/// Whether `g` (known) holds `privilege` on the first securable of `chain`: owns one of the chain
/// or was granted it on one, in one grants query.
Result<bool> HoldsOnChain(SqlConn& c, const Grantee& g, const std::vector<Securable>& chain,
                          Privilege privilege) {
  if (g.is_admin) {
    return true;
  }
  LS_DCHECK(!chain.empty(), "every securable's chain holds at least itself");
  std::string on;
  std::vector<SqlValue> params{Text(PrivilegeName(privilege))};
  for (const Securable& s : chain) {
    if (!s.owner.empty() && g.owner_keys.count(Key(s.owner)) > 0) {
      return true;
    }
    on += std::string(on.empty() ? "" : " OR ") + "(securable_type = ? AND securable_id = ?)";
    params.push_back(s.type);
    params.push_back(s.id);
  }
  std::string by = "(grantee_type = 'GROUP' AND grantee_id = ?)";
  params.push_back(g.id);
  if (g.is_principal) {
    by = "((grantee_type = 'PRINCIPAL' AND grantee_id = ?) OR (grantee_type = 'GROUP' AND "
         "grantee_id IN (SELECT group_id FROM group_members WHERE principal_id = ?)))";
    params.push_back(g.id);
  }
  LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query("SELECT 1 FROM grants WHERE privilege = ? AND (" + on +
                                                ") AND " + by + " LIMIT 1",
                                            params));
  return !rows.empty();
}

}  // namespace

Result<bool> GranteeHoldsOnTable(SqlConn& c, const Grantee& g, const TableInfo& t,
                                 Privilege privilege, ParentsRead& parents) {
  if (g.is_admin) {
    return true;
  }
  const std::string schema_key = Key(t.catalog_name + "." + t.schema_name);
  auto schema = parents.schemas.find(schema_key);
  if (schema == parents.schemas.end()) {
    LS_ASSIGN_OR_RETURN(SchemaInfo read, ReadSchema(c, t.catalog_name, t.schema_name));
    schema = parents.schemas.emplace(schema_key, std::move(read)).first;
  }
  auto cat = parents.catalogs.find(Key(t.catalog_name));
  if (cat == parents.catalogs.end()) {
    LS_ASSIGN_OR_RETURN(CatalogInfo read, ReadCatalog(c, t.catalog_name));
    cat = parents.catalogs.emplace(Key(t.catalog_name), std::move(read)).first;
  }
  return HoldsOnChain(c, g,
                      {{"TABLE", t.id, t.owner},
                       {"SCHEMA", schema->second.id, schema->second.owner},
                       {"CATALOG", cat->second.id, cat->second.owner}},
                      privilege);
}

Result<bool> SqlCatalog::HasPrivilege(std::string_view principal, SecurableType type,
                                      std::string_view full_name, Privilege privilege) {
  return Transact<bool>(TxKind::kRead, [&](SqlConn& c) -> Result<bool> {
    LS_ASSIGN_OR_RETURN(Grantee g, ResolveGrantee(c, principal));
    if (!g.is_principal) {
      return false;  // only principals call
    }
    if (g.is_admin) {
      return true;
    }
    LS_ASSIGN_OR_RETURN(std::vector<Securable> chain, SecurableChain(c, type, full_name));
    return HoldsOnChain(c, g, chain, privilege);
  });
}

}  // namespace lakeshare::catalog
