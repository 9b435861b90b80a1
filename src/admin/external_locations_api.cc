// External locations (issue 10, storage governance, Unity Catalog's shapes):
// /api/2.1/unity-catalog/external-locations. Where tables may be registered from: a metastore
// admin (or a holder of CREATE_EXTERNAL_LOCATION on the metastore) declares a location, its
// owner grants CREATE_EXTERNAL_TABLE on it (PATCH .../permissions/external_location/{name}), and
// only then can a team register tables inside it (tables_api.cc). Moving a location or changing
// its credential needs CREATE_EXTERNAL_LOCATION too: owning one is not declaring one. The catalog
// enforces the rules (governance.h): no overlap with another location, never around or inside
// the server's data.

#include <memory>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"

namespace lakeshare::admin::internal {
namespace {

using catalog::Privilege;

Json ExternalLocationJson(const catalog::ExternalLocationInfo& l) {
  Json out = StampedObjectJson(l);
  out["url"] = l.url;
  out["credential_name"] = l.credential_name;
  out["read_only"] = l.read_only;
  out["metastore_id"] = std::string(kMetastoreId);
  return out;
}

class ExternalLocationsApi final : public ApiBase {
 public:
  using ApiBase::ApiBase;

  void AddRoutes(RouteList& routes) override {
    routes.AddCollection(
        UcPath("/external-locations"), "name", "ExternalLocation", this,
        {&ExternalLocationsApi::Create, &ExternalLocationsApi::List, &ExternalLocationsApi::Get,
         &ExternalLocationsApi::Update, &ExternalLocationsApi::Delete});
  }

 private:
  Result<catalog::ExternalLocationInfo> Visible(const Caller& caller, const std::string& name) {
    LS_ASSIGN_OR_RETURN(catalog::ExternalLocationInfo l, catalog_->GetExternalLocation(name));
    LS_ASSIGN_OR_RETURN(bool sees, MayCreateTablesIn(caller, l));
    if (!sees) {
      return NotFound(ResourceKind::kExternalLocation, "External location '{}' does not exist",
                      name);
    }
    return l;
  }

  /// A location may use a credential its creator owns (or any, for an admin). A credential the
  /// catalog does not find is not the caller's either; any other failure of the lookup (the
  /// metastore down) is reported as itself, never as a refusal.
  Status CheckMayUseCredential(const Caller& caller, const std::string& credential) {
    if (credential.empty() || caller.is_admin) {
      return {};
    }
    auto info = catalog_->GetStorageCredential(credential);
    if (!info && info.error().code != ErrorCode::kNotFound) {
      return tl::unexpected<Error>(info.error());
    }
    if (!info || !Owns(caller, info->owner)) {
      return PermissionDenied(
          "Storage credential '{}' is not yours to use; ask its owner or a metastore admin to "
          "create the external location",
          credential);
    }
    return {};
  }

  Result<http::Response> Create(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::ExternalLocationInfo info;
    LS_ASSIGN_OR_RETURN(info.name, NotedReqString(request, body, "name"));
    LS_ASSIGN_OR_RETURN(info.url, NotedReqString(request, body, "url"));
    LS_ASSIGN_OR_RETURN(auto credential, OptString(body, "credential_name", 255));
    LS_ASSIGN_OR_RETURN(CommentAndOwner asked, ReadCommentAndOwner(body));
    LS_ASSIGN_OR_RETURN(auto read_only, OptBool(body, "read_only"));
    LS_RETURN_IF_ERROR(RequireMeta(caller, Privilege::kCreateExternalLocation,
                                   "Creating external locations needs CREATE_EXTERNAL_LOCATION on "
                                   "the metastore; ask a metastore admin"));
    info.credential_name = credential.value_or("");
    Param(request, "credential_name", info.credential_name);
    LS_RETURN_IF_ERROR(CheckMayUseCredential(caller, info.credential_name));
    LS_RETURN_IF_ERROR(SetCommentAndOwner(caller, asked, info));
    info.read_only = read_only.value_or(false);
    info.created_by = caller.name;
    LS_ASSIGN_OR_RETURN(catalog::ExternalLocationInfo out, catalog_->CreateExternalLocation(info));
    return JsonReply(ExternalLocationJson(out));
  }

  Result<http::Response> List(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Paging paging, ParsePaging(request));
    auto listing = ListVisible<catalog::ExternalLocationInfo>(
        paging, [&](const catalog::PageRequest& p) { return catalog_->ListExternalLocations(p); },
        [&](const catalog::ExternalLocationInfo& l) { return MayCreateTablesIn(caller, l); });
    return ListReply("external_locations", listing,
                     [](const auto& l) { return ExternalLocationJson(l); });
  }

  Result<http::Response> Get(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(catalog::ExternalLocationInfo l, Visible(caller, name));
    return JsonReply(ExternalLocationJson(l));
  }

  Result<http::Response> Update(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::ExternalLocationUpdate update;
    LS_RETURN_IF_ERROR(ReadNameOwnerComment(request, body, update));
    LS_ASSIGN_OR_RETURN(update.url, OptString(body, "url"));
    LS_ASSIGN_OR_RETURN(update.credential_name, OptString(body, "credential_name", 255));
    LS_ASSIGN_OR_RETURN(update.read_only, OptBool(body, "read_only"));
    LS_ASSIGN_OR_RETURN(auto force, OptBool(body, "force"));
    update.force = force.value_or(false);
    update.updated_by = caller.name;
    LS_ASSIGN_OR_RETURN(catalog::ExternalLocationInfo l, Visible(caller, name));
    LS_RETURN_IF_ERROR(
        RequireOwnerOrAdmin(caller, l.owner, "external location", l.name, "change it"));
    if (update.url || update.credential_name) {
      // Where a location points and which keys read it are what declaring one decides: an owner
      // without that right (given the location, or adopted for its tables on upgrade) would
      // otherwise move it onto any unclaimed path or bucket, or detach its credential so that
      // the server's own keys read it.
      LS_RETURN_IF_ERROR(RequireMeta(
          caller, Privilege::kCreateExternalLocation,
          fmt::format("Changing the url or storage credential of external location '{}' needs "
                      "CREATE_EXTERNAL_LOCATION on the metastore, as creating one does; ask a "
                      "metastore admin",
                      l.name)));
    }
    if (update.url) {
      Param(request, "url", *update.url);
    }
    LS_RETURN_IF_ERROR(CheckNewOwner(request, update.owner));
    if (update.credential_name) {
      Param(request, "credential_name", *update.credential_name);
      LS_RETURN_IF_ERROR(CheckMayUseCredential(caller, *update.credential_name));
    }
    LS_ASSIGN_OR_RETURN(catalog::ExternalLocationInfo out,
                        catalog_->UpdateExternalLocation(l.name, update));
    if (update.url || update.credential_name) {
      AccessChanged("");
    }
    return JsonReply(ExternalLocationJson(out));
  }

  Result<http::Response> Delete(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(std::optional<bool> force, QueryBool(request, "force"));
    LS_ASSIGN_OR_RETURN(catalog::ExternalLocationInfo l, Visible(caller, name));
    LS_RETURN_IF_ERROR(
        RequireOwnerOrAdmin(caller, l.owner, "external location", l.name, "delete it"));
    LS_RETURN_IF_ERROR(catalog_->DeleteExternalLocation(l.name, force.value_or(false)));
    return AccessChangedReply("");
  }
};

}  // namespace

const ApiFactory kExternalLocationsApi = MakeApi<ExternalLocationsApi>;

}  // namespace lakeshare::admin::internal
