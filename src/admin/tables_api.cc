// Tables: register (EXTERNAL, DELTA), list, get, update, delete under
// /api/2.1/unity-catalog/tables.

#include <memory>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"

namespace lakeshare::admin::internal {
namespace {

using catalog::Privilege;
using catalog::SecurableType;

class TablesApi final : public ApiBase {
 public:
  using ApiBase::ApiBase;

 private:
  /// Storage governance (issue 10, as Unity Catalog rules it): a table is registered at
  /// `location` only inside a declared external location on which the caller holds
  /// CREATE_EXTERNAL_TABLE (or which it owns, or as a metastore admin). Registration never
  /// declares a location itself, for admins neither: an admin creates the external location
  /// first, explicitly (tables registered before the rule were adopted at upgrade). The location
  /// is parsed and normalised by the catalog's policy (storage's one parser): a relative path,
  /// '..', NUL or an unknown scheme is refused there. The catalog then refuses overlap with
  /// another table in the same transaction as the insert.
  Status CheckMayRegisterAt(const Caller& caller, const std::string& location) {
    LS_ASSIGN_OR_RETURN(std::optional<catalog::ExternalLocationInfo> found,
                        catalog_->FindExternalLocation(location));
    if (!found) {
      if (!caller.is_admin) {
        return PermissionDenied(
            "storage_location '{}' lies inside no external location; ask a metastore admin to "
            "create one (lakeshare admin external-locations create NAME URL) and grant you "
            "CREATE_EXTERNAL_TABLE on it",
            location);
      }
      return InvalidArgument(
          "storage_location '{}' lies inside no external location; create an external location "
          "first (lakeshare admin external-locations create NAME URL, or POST "
          "/api/2.1/unity-catalog/external-locations with a url containing the table), then "
          "register the table",
          location);
    }
    LS_ASSIGN_OR_RETURN(bool may, MayCreateTablesIn(caller, *found));
    if (may) {
      return {};
    }
    return PermissionDenied(
        "storage_location '{}' lies inside external location '{}', on which you do not hold "
        "CREATE_EXTERNAL_TABLE; ask its owner ({}) to grant it (lakeshare admin "
        "external-locations grant {} YOU)",
        location, found->name, found->owner, found->name);
  }

 public:
  void AddRoutes(RouteList& routes) override {
    routes.AddCollection(UcPath("/tables"), "full_name", "Table", this,
                         {&TablesApi::CreateTable, &TablesApi::ListTables, &TablesApi::GetTable,
                          &TablesApi::UpdateTable, &TablesApi::DeleteTable});
  }

 private:
  Result<http::Response> CreateTable(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::TableInfo info;
    LS_ASSIGN_OR_RETURN(info.name, NotedReqString(request, body, "name"));
    LS_ASSIGN_OR_RETURN(info.catalog_name, NotedReqString(request, body, "catalog_name"));
    LS_ASSIGN_OR_RETURN(info.schema_name, NotedReqString(request, body, "schema_name"));
    LS_ASSIGN_OR_RETURN(info.storage_location,
                        NotedReqString(request, body, "storage_location"));
    LS_ASSIGN_OR_RETURN(auto table_type, OptString(body, "table_type", 64));
    LS_ASSIGN_OR_RETURN(auto format, OptString(body, "data_source_format", 64));
    LS_ASSIGN_OR_RETURN(CommentAndOwner asked, ReadCommentAndOwner(body));
    if (table_type && *table_type != catalog::TableInfo::kTableType) {
      return InvalidArgument(
          "table_type '{}' is not supported; Lakeshare registers "
          "EXTERNAL tables",
          *table_type);
    }
    if (format && *format != catalog::TableInfo::kDataSourceFormat) {
      return InvalidArgument(
          "data_source_format '{}' is not supported; tables must be "
          "DELTA",
          *format);
    }
    LS_ASSIGN_OR_RETURN(SchemaCtx ctx, VisibleSchema(caller, info.catalog_name, info.schema_name));
    LS_RETURN_IF_ERROR(RequireChainOwner(ctx, ctx.schema.full_name(), "create tables in it"));
    LS_RETURN_IF_ERROR(SetCommentAndOwner(caller, asked, info));
    LS_RETURN_IF_ERROR(CheckMayRegisterAt(caller, info.storage_location));
    LS_ASSIGN_OR_RETURN(catalog::TableInfo out, catalog_->CreateTable(info));
    return JsonReply(TableJson(out));
  }

  Result<http::Response> ListTables(http::Request& request, const Caller& caller) {
    const std::string* catalog_name = request.QueryParam("catalog_name");
    const std::string* schema_name = request.QueryParam("schema_name");
    if (catalog_name == nullptr || catalog_name->empty() || schema_name == nullptr ||
        schema_name->empty()) {
      return InvalidArgument(
          "Query parameters 'catalog_name' and 'schema_name' are "
          "required");
    }
    Param(request, "catalog_name", *catalog_name);
    Param(request, "schema_name", *schema_name);
    LS_ASSIGN_OR_RETURN(Paging paging, ParsePaging(request));
    LS_ASSIGN_OR_RETURN(SchemaCtx ctx, VisibleSchema(caller, *catalog_name, *schema_name));
    auto listing = ListVisible<catalog::TableInfo>(
        paging,
        [&](const catalog::PageRequest& p) {
          return catalog_->ListTables(ctx.catalog.name, ctx.schema.name, p);
        },
        [&](const catalog::TableInfo& t) {
          return OwnsOrHolds(caller, ctx.owner_in_chain || Owns(caller, t.owner),
                             SecurableType::kTable, t.full_name(), Privilege::kSelect);
        });
    return ListReply("tables", listing, [&](const auto& t) { return TableJson(t); });
  }

  Result<TableCtx> TableFromPath(http::Request& request, const Caller& caller) {
    const std::string& full = NotedPathParam(request, "full_name");
    return VisibleTable(caller, full);
  }

  Result<http::Response> GetTable(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(TableCtx ctx, TableFromPath(request, caller));
    return JsonReply(TableJson(ctx.table));
  }

  Result<http::Response> UpdateTable(http::Request& request, const Caller& caller) {
    // The path and the body are noted before the lookup: a refusal for a missing or hidden
    // table records the attempted new_name as every other refusal does.
    const std::string& full = NotedPathParam(request, "full_name");
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::TableUpdate update;
    LS_RETURN_IF_ERROR(ReadNameOwnerComment(request, body, update));
    LS_ASSIGN_OR_RETURN(update.storage_location, OptString(body, "storage_location"));
    LS_ASSIGN_OR_RETURN(TableCtx ctx, VisibleTable(caller, full));
    LS_RETURN_IF_ERROR(RequireChainOwner(ctx, ctx.table.full_name(), "change it"));
    if (update.storage_location) {
      Param(request, "storage_location", *update.storage_location);
      LS_RETURN_IF_ERROR(CheckMayRegisterAt(caller, *update.storage_location));
    }
    LS_RETURN_IF_ERROR(CheckNewOwner(request, update.owner));
    LS_ASSIGN_OR_RETURN(catalog::TableInfo out,
                        catalog_->UpdateTable(ctx.table.full_name(), update));
    if (update.new_name || update.storage_location) {
      AccessChanged("");
    }
    return JsonReply(TableJson(out));
  }

  Result<http::Response> DeleteTable(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(TableCtx ctx, TableFromPath(request, caller));
    LS_RETURN_IF_ERROR(RequireChainOwner(ctx, ctx.table.full_name(), "delete it"));
    LS_RETURN_IF_ERROR(catalog_->DeleteTable(ctx.table.full_name()));
    return AccessChangedReply("");
  }
};

}  // namespace

const ApiFactory kTablesApi = MakeApi<TablesApi>;

}  // namespace lakeshare::admin::internal
