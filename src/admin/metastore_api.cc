// Metastore settings: GET /metastore_summary and PATCH /metastores/{id} (the organization name
// shown to partners on the activation page, the lifetime of recipients' bearer tokens).

#include <memory>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"

namespace lakeshare::admin::internal {
namespace {

constexpr int64_t kMaxTokenLifetimeSeconds = 365LL * 24 * 3600;

class MetastoreApi final : public ApiBase {
 public:
  using ApiBase::ApiBase;

  void AddRoutes(RouteList& routes) override {
    routes.Add("GET", UcPath("/metastore_summary"), "getMetastoreSummary", this,
               &MetastoreApi::GetSummary);
    routes.Add("PATCH", UcPath("/metastores/{id}"), "updateMetastore", this,
               &MetastoreApi::UpdateMetastore);
  }

 private:
  Result<Json> SummaryJson() {
    LS_ASSIGN_OR_RETURN(catalog::MetastoreSettings s, catalog_->GetSettings());
    return Json{
        {"metastore_id", kMetastoreId},
        {"name", kMetastoreId},
        {"delta_sharing_scope", "INTERNAL_AND_EXTERNAL"},
        {"delta_sharing_organization_name", s.organization_name},
        {"delta_sharing_recipient_token_lifetime_in_seconds", s.recipient_token_lifetime_seconds}};
  }

  Result<http::Response> GetSummary(http::Request&, const Caller&) {
    LS_ASSIGN_OR_RETURN(Json out, SummaryJson());
    return JsonReply(out);
  }

  Result<http::Response> UpdateMetastore(http::Request& request, const Caller& caller) {
    Param(request, "metastore_id", *request.PathParam("id"));
    LS_RETURN_IF_ERROR(RequireAdmin(caller, "change metastore settings"));
    if (*request.PathParam("id") != kMetastoreId) {
      return NotFound(ResourceKind::kMetastore,
                      "Metastore '{}' does not exist; this server's "
                      "metastore_id is '{}'",
                      *request.PathParam("id"), kMetastoreId);
    }
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::MetastoreSettingsUpdate update;
    LS_ASSIGN_OR_RETURN(update.organization_name,
                        OptString(body, "delta_sharing_organization_name", 255));
    LS_ASSIGN_OR_RETURN(update.recipient_token_lifetime_seconds,
                        OptInt(body, "delta_sharing_recipient_token_lifetime_in_seconds"));
    if (update.recipient_token_lifetime_seconds &&
        (*update.recipient_token_lifetime_seconds < 0 ||
         *update.recipient_token_lifetime_seconds > kMaxTokenLifetimeSeconds)) {
      return InvalidArgument(
          "delta_sharing_recipient_token_lifetime_in_seconds must be between 0 (tokens do not "
          "expire) and {} (one year), got {}",
          kMaxTokenLifetimeSeconds, *update.recipient_token_lifetime_seconds);
    }
    if (update.organization_name) {
      Param(request, "delta_sharing_organization_name", *update.organization_name);
    }
    if (update.recipient_token_lifetime_seconds) {
      Param(request, "delta_sharing_recipient_token_lifetime_in_seconds",
            std::to_string(*update.recipient_token_lifetime_seconds));
    }
    LS_RETURN_IF_ERROR(catalog_->UpdateSettings(update));
    LS_ASSIGN_OR_RETURN(Json out, SummaryJson());
    return JsonReply(out);
  }
};

}  // namespace

const ApiFactory kMetastoreApi = MakeApi<MetastoreApi>;

}  // namespace lakeshare::admin::internal
