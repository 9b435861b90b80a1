// Grants on the metastore, catalogs, schemas, tables, shares, external locations and storage
// credentials:
// GET/PATCH /api/2.1/unity-catalog/permissions/{securable_type}/{full_name}.

#include <memory>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"

namespace lakeshare::admin::internal {
namespace {

using catalog::SecurableType;

class PermissionsApi final : public ApiBase {
 public:
  using ApiBase::ApiBase;

  void AddRoutes(RouteList& routes) override {
    routes.Add("GET", UcPath("/permissions/{securable_type}/{full_name}"), "getPermissions", this,
               &PermissionsApi::GetPermissions);
    routes.Add("PATCH", UcPath("/permissions/{securable_type}/{full_name}"), "updatePermissions",
               this, &PermissionsApi::UpdatePermissions);
  }

 private:
  /// Whether the caller may see (`change` false) or change grants on a catalog/schema/table.
  Status CheckGrantRights(const Caller& caller, SecurableType type, const std::string& name,
                          bool change) {
    switch (type) {
      case SecurableType::kCatalog: {
        LS_ASSIGN_OR_RETURN(catalog::CatalogInfo c, VisibleCatalog(caller, name));
        return change ? RequireOwnerOrAdmin(caller, c.owner, "catalog", c.name, "grant on it")
                      : Status{};
      }
      case SecurableType::kSchema: {
        LS_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitName("schema", name, 2));
        LS_ASSIGN_OR_RETURN(SchemaCtx ctx, VisibleSchema(caller, parts[0], parts[1]));
        return change ? RequireChainOwner(ctx, name, "grant on it") : Status{};
      }
      case SecurableType::kTable: {
        LS_ASSIGN_OR_RETURN(TableCtx ctx, VisibleTable(caller, name));
        return change ? RequireChainOwner(ctx, name, "grant on it") : Status{};
      }
      case SecurableType::kMetastore:
        if (change) {
          return RequireAdmin(caller, "grant privileges on the metastore");
        }
        return {};
      case SecurableType::kExternalLocation:
        return CheckLocationGrantRights(caller, name);
      case SecurableType::kStorageCredential: {
        LS_RETURN_IF_ERROR(VisibleStorageCredential(caller, name));
        return {};
      }
      case SecurableType::kShare:
        break;
    }
    return {};
  }

  /// Grants on an external location are seen and changed by its owner or a metastore admin; to
  /// anyone else it does not exist (as a storage credential, VisibleStorageCredential). Holders of
  /// CREATE_EXTERNAL_TABLE see the location itself, not who else may register in it.
  Status CheckLocationGrantRights(const Caller& caller, const std::string& name) {
    LS_ASSIGN_OR_RETURN(catalog::ExternalLocationInfo info, catalog_->GetExternalLocation(name));
    if (caller.is_admin || Owns(caller, info.owner)) {
      return {};
    }
    return NotFound(ResourceKind::kExternalLocation, "External location '{}' does not exist",
                    name);
  }

  struct SecurablePath {
    SecurableType type;
    std::string name;
  };

  Result<SecurablePath> SecurableFromPath(http::Request& request) {
    const std::string& type_text = *request.PathParam("securable_type");
    const std::string& name = *request.PathParam("full_name");
    Param(request, "securable_type", type_text);
    Param(request, "full_name", name);
    auto type = catalog::ParseSecurableType(type_text);
    if (!type) {
      return InvalidArgument(
          "Unknown securable_type '{}'; use metastore, catalog, schema, "
          "table, share, external_location or storage_credential",
          type_text);
    }
    if (*type == SecurableType::kMetastore && name != kMetastoreId) {
      return NotFound(ResourceKind::kMetastore, "Metastore '{}' does not exist; use '{}'", name,
                      kMetastoreId);
    }
    return SecurablePath{*type, name};
  }

  Result<http::Response> GetPermissions(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(SecurablePath s, SecurableFromPath(request));
    const std::string* principal = request.QueryParam("principal");
    std::vector<catalog::PrivilegeAssignment> assignments;
    if (s.type == SecurableType::kShare) {
      LS_ASSIGN_OR_RETURN(catalog::ShareInfo share, VisibleShare(caller, s.name, false));
      LS_ASSIGN_OR_RETURN(assignments, catalog_->GetPermissions(s.type, share.name));
    } else {
      LS_RETURN_IF_ERROR(CheckGrantRights(caller, s.type, s.name, /*change=*/false));
      LS_ASSIGN_OR_RETURN(assignments, catalog_->GetPermissions(s.type, s.name));
    }
    // Non-admins see only their own metastore privileges.
    bool own_only = s.type == SecurableType::kMetastore && !caller.is_admin;
    std::erase_if(assignments, [&](const catalog::PrivilegeAssignment& a) {
      return (own_only && !SameName(a.principal, caller.name)) ||
             (principal != nullptr && !SameName(a.principal, *principal));
    });
    return JsonReply(Json{{"privilege_assignments", PrivilegeAssignmentsJson(assignments)}});
  }

  Result<http::Response> UpdatePermissions(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(SecurablePath s, SecurableFromPath(request));
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    if (s.type == SecurableType::kShare) {
      request.audit()->action = "updateSharePermissions";
      LS_ASSIGN_OR_RETURN(Json out, ChangeSharePermissions(request, caller, s.name, body));
      return JsonReply(out);
    }
    LS_ASSIGN_OR_RETURN(auto changes, ParseChanges(body, request));
    LS_RETURN_IF_ERROR(CheckGrantRights(caller, s.type, s.name, /*change=*/true));
    // A grantee that does not exist comes back as the catalog's kNotFound about a principal.
    LS_ASSIGN_OR_RETURN(auto assignments, catalog_->UpdatePermissions(s.type, s.name, changes));
    AccessChanged("");
    return JsonReply(Json{{"privilege_assignments", PrivilegeAssignmentsJson(assignments)}});
  }
};

}  // namespace

const ApiFactory kPermissionsApi = MakeApi<PermissionsApi>;

}  // namespace lakeshare::admin::internal
