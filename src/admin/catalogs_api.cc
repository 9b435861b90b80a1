// Catalogs: create, list, get, update, delete under /api/2.1/unity-catalog/catalogs.

#include <memory>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"

namespace lakeshare::admin::internal {
namespace {

using catalog::Privilege;

class CatalogsApi final : public ApiBase {
 public:
  using ApiBase::ApiBase;

  void AddRoutes(RouteList& routes) override {
    routes.AddCollection(
        UcPath("/catalogs"), "name", "Catalog", this,
        {&CatalogsApi::CreateCatalog, &CatalogsApi::ListCatalogs, &CatalogsApi::GetCatalog,
         &CatalogsApi::UpdateCatalog, &CatalogsApi::DeleteCatalog});
  }

 private:
  Result<http::Response> CreateCatalog(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::CatalogInfo info;
    LS_ASSIGN_OR_RETURN(info.name, NotedReqString(request, body, "name"));
    LS_ASSIGN_OR_RETURN(CommentAndOwner asked, ReadCommentAndOwner(body));
    LS_RETURN_IF_ERROR(RequireMeta(caller, Privilege::kCreateCatalog,
                                   "Creating a catalog needs CREATE_CATALOG on the metastore"));
    LS_RETURN_IF_ERROR(SetCommentAndOwner(caller, asked, info));
    LS_ASSIGN_OR_RETURN(catalog::CatalogInfo out, catalog_->CreateCatalog(info));
    return JsonReply(CatalogJson(out));
  }

  Result<http::Response> ListCatalogs(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Paging paging, ParsePaging(request));
    auto listing = ListVisible<catalog::CatalogInfo>(
        paging, [&](const catalog::PageRequest& p) { return catalog_->ListCatalogs(p); },
        [&](const catalog::CatalogInfo& c) { return SeesCatalog(caller, c); });
    return ListReply("catalogs", listing, [&](const auto& c) { return CatalogJson(c); });
  }

  Result<http::Response> GetCatalog(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(catalog::CatalogInfo info, VisibleCatalog(caller, name));
    return JsonReply(CatalogJson(info));
  }

  Result<http::Response> UpdateCatalog(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::ObjectUpdate update;
    LS_RETURN_IF_ERROR(ReadNameOwnerComment(request, body, update));
    LS_ASSIGN_OR_RETURN(catalog::CatalogInfo info, VisibleCatalog(caller, name));
    LS_RETURN_IF_ERROR(RequireOwnerOrAdmin(caller, info.owner, "catalog", info.name, "change it"));
    LS_RETURN_IF_ERROR(CheckNewOwner(request, update.owner));
    LS_ASSIGN_OR_RETURN(catalog::CatalogInfo out, catalog_->UpdateCatalog(info.name, update));
    if (update.new_name) {
      AccessChanged("");
    }
    return JsonReply(CatalogJson(out));
  }

  Result<http::Response> DeleteCatalog(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(std::optional<bool> force, QueryBool(request, "force"));
    LS_ASSIGN_OR_RETURN(catalog::CatalogInfo info, VisibleCatalog(caller, name));
    LS_RETURN_IF_ERROR(RequireOwnerOrAdmin(caller, info.owner, "catalog", info.name, "delete it"));
    LS_RETURN_IF_ERROR(catalog_->DeleteCatalog(info.name, force.value_or(false)));
    return AccessChangedReply("");
  }
};

}  // namespace

const ApiFactory kCatalogsApi = MakeApi<CatalogsApi>;

}  // namespace lakeshare::admin::internal
