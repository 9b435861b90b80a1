// Schemas: create, list, get, update, delete under /api/2.1/unity-catalog/schemas.

#include <memory>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"

namespace lakeshare::admin::internal {
namespace {

using catalog::Privilege;
using catalog::SecurableType;

class SchemasApi final : public ApiBase {
 public:
  using ApiBase::ApiBase;

  void AddRoutes(RouteList& routes) override {
    routes.AddCollection(
        UcPath("/schemas"), "full_name", "Schema", this,
        {&SchemasApi::CreateSchema, &SchemasApi::ListSchemas, &SchemasApi::GetSchema,
         &SchemasApi::UpdateSchema, &SchemasApi::DeleteSchema});
  }

 private:
  Result<http::Response> CreateSchema(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::SchemaInfo info;
    LS_ASSIGN_OR_RETURN(info.name, NotedReqString(request, body, "name"));
    LS_ASSIGN_OR_RETURN(info.catalog_name, NotedReqString(request, body, "catalog_name"));
    LS_ASSIGN_OR_RETURN(CommentAndOwner asked, ReadCommentAndOwner(body));
    LS_ASSIGN_OR_RETURN(catalog::CatalogInfo cat, VisibleCatalog(caller, info.catalog_name));
    LS_RETURN_IF_ERROR(
        RequireOwnerOrAdmin(caller, cat.owner, "catalog", cat.name, "create schemas in it"));
    LS_RETURN_IF_ERROR(SetCommentAndOwner(caller, asked, info));
    LS_ASSIGN_OR_RETURN(catalog::SchemaInfo out, catalog_->CreateSchema(info));
    return JsonReply(SchemaJson(out));
  }

  Result<http::Response> ListSchemas(http::Request& request, const Caller& caller) {
    const std::string* catalog_name = request.QueryParam("catalog_name");
    if (catalog_name == nullptr || catalog_name->empty()) {
      return InvalidArgument("Query parameter 'catalog_name' is required");
    }
    Param(request, "catalog_name", *catalog_name);
    LS_ASSIGN_OR_RETURN(Paging paging, ParsePaging(request));
    LS_ASSIGN_OR_RETURN(catalog::CatalogInfo cat, VisibleCatalog(caller, *catalog_name));
    bool all_visible = caller.is_admin || Owns(caller, cat.owner);
    auto listing = ListVisible<catalog::SchemaInfo>(
        paging, [&](const catalog::PageRequest& p) { return catalog_->ListSchemas(cat.name, p); },
        [&](const catalog::SchemaInfo& s) {
          return OwnsOrHolds(caller, all_visible || Owns(caller, s.owner), SecurableType::kSchema,
                             s.full_name(), Privilege::kUseSchema);
        });
    return ListReply("schemas", listing, [&](const auto& s) { return SchemaJson(s); });
  }

  Result<SchemaCtx> SchemaFromPath(http::Request& request, const Caller& caller) {
    return SchemaNamed(caller, NotedPathParam(request, "full_name"));
  }
  Result<SchemaCtx> SchemaNamed(const Caller& caller, const std::string& full) {
    LS_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitName("schema", full, 2));
    return VisibleSchema(caller, parts[0], parts[1]);
  }

  Result<http::Response> GetSchema(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(SchemaCtx ctx, SchemaFromPath(request, caller));
    return JsonReply(SchemaJson(ctx.schema));
  }

  Result<http::Response> UpdateSchema(http::Request& request, const Caller& caller) {
    // The path and the body are noted before the lookup: a refusal for a missing or hidden
    // schema records the attempted new_name as every other refusal does.
    const std::string& full = NotedPathParam(request, "full_name");
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::ObjectUpdate update;
    LS_RETURN_IF_ERROR(ReadNameOwnerComment(request, body, update));
    LS_ASSIGN_OR_RETURN(SchemaCtx ctx, SchemaNamed(caller, full));
    LS_RETURN_IF_ERROR(RequireChainOwner(ctx, ctx.schema.full_name(), "change it"));
    LS_RETURN_IF_ERROR(CheckNewOwner(request, update.owner));
    LS_ASSIGN_OR_RETURN(catalog::SchemaInfo out,
                        catalog_->UpdateSchema(ctx.catalog.name, ctx.schema.name, update));
    if (update.new_name) {
      AccessChanged("");
    }
    return JsonReply(SchemaJson(out));
  }

  Result<http::Response> DeleteSchema(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(SchemaCtx ctx, SchemaFromPath(request, caller));
    LS_ASSIGN_OR_RETURN(std::optional<bool> force, QueryBool(request, "force"));
    LS_RETURN_IF_ERROR(RequireChainOwner(ctx, ctx.schema.full_name(), "delete it"));
    LS_RETURN_IF_ERROR(
        catalog_->DeleteSchema(ctx.catalog.name, ctx.schema.name, force.value_or(false)));
    return AccessChangedReply("");
  }
};

}  // namespace

const ApiFactory kSchemasApi = MakeApi<SchemasApi>;

}  // namespace lakeshare::admin::internal
