// Federation policies of OIDC_FEDERATION recipients (issue 12), in Databricks' shape:
//   POST/GET    /api/2.0/data-sharing/recipients/{name}/federation-policies
//   GET/DELETE  /api/2.0/data-sharing/recipients/{name}/federation-policies/{policy}
// {name, comment, oidc_policy: {issuer, audiences, subject_claim, subject}}, plus Lakeshare's
// `oidc_policy.jwks_uri` for issuers without OpenID discovery. And the profile template such a
// recipient's partner fills in with its own client id and secret:
//   GET /api/2.1/lakeshare/recipients/{name}/profile-template[?policy=&scope=]
// Reads need to see the recipient (owner, admin, USE_RECIPIENT); changes need its owner or an
// admin. Issuer and jwks_uri must be https (plain http to loopback only with the serve flag
// --oidc-allow-loopback-http), checked before anything is stored.

#include <memory>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"
#include "auth/idp_fetch.h"
#include "auth/jwks_cache.h"
#include "catalog/federation.h"
#include "common/iso_time.h"

namespace lakeshare::admin::internal {
namespace {

constexpr std::string_view kDataSharingPrefix = "/api/2.0/data-sharing";
constexpr size_t kMaxUrlBytes = 1024;

std::string DataSharingPath(std::string_view tail) {
  return std::string(kDataSharingPrefix) + std::string(tail);
}

Json PolicyJson(const catalog::FederationPolicy& p) {
  Json oidc{{"issuer", p.issuer},
            {"audiences", p.audiences},
            {"subject_claim", p.subject_claim},
            {"subject", p.subject}};
  if (!p.jwks_uri.empty()) {
    oidc["jwks_uri"] = p.jwks_uri;
  }
  return Json{{"id", p.id},
              {"name", p.name},
              {"comment", p.comment},
              {"oidc_policy", std::move(oidc)},
              {"create_time", FormatIsoMillis(p.created_at)},
              {"update_time", FormatIsoMillis(p.updated_at)}};
}

class FederationPoliciesApi final : public ApiBase {
 public:
  using ApiBase::ApiBase;

  void AddRoutes(RouteList& routes) override {
    const std::string base = DataSharingPath("/recipients/{name}/federation-policies");
    routes.Add("POST", base, "createFederationPolicy", this, &FederationPoliciesApi::CreatePolicy);
    routes.Add("GET", base, "listFederationPolicies", this, &FederationPoliciesApi::ListPolicies);
    routes.Add("GET", base + "/{policy}", "getFederationPolicy", this,
               &FederationPoliciesApi::GetPolicy);
    routes.Add("DELETE", base + "/{policy}", "deleteFederationPolicy", this,
               &FederationPoliciesApi::DeletePolicy);
    routes.Add("GET", LakesharePath("/recipients/{name}/profile-template"), "getProfileTemplate",
               this, &FederationPoliciesApi::ProfileTemplate);
  }

 private:
  /// The OIDC_FEDERATION recipient of the path, visible to the caller.
  Result<catalog::RecipientInfo> OidcRecipient(http::Request& request, const Caller& caller) {
    return PathRecipientOfType(request, caller, catalog::kAuthOidc,
                               "federation policies and profile templates");
  }

  /// Databricks sends the policy as the body; a body {"policy": {...}} is read the same.
  Result<catalog::FederationPolicy> ParsePolicy(const Json& body, http::Request& request) {
    LS_ASSIGN_OR_RETURN(const Json* wrapped, OptObject(body, "policy"));
    const Json& in = wrapped != nullptr ? *wrapped : body;
    catalog::FederationPolicy p;
    LS_ASSIGN_OR_RETURN(p.name, NotedReqString(request, in, "name"));
    LS_ASSIGN_OR_RETURN(auto comment, OptString(in, "comment"));
    p.comment = comment.value_or("");
    LS_ASSIGN_OR_RETURN(const Json* oidc, OptObject(in, "oidc_policy"));
    if (oidc == nullptr) {
      return InvalidArgument(
          "Field 'oidc_policy' is required: {{\"issuer\", \"audiences\", \"subject_claim\", "
          "\"subject\"}} say which tokens of the partner's identity provider are accepted");
    }
    LS_ASSIGN_OR_RETURN(auto issuer, OptString(*oidc, "issuer", kMaxUrlBytes));
    LS_ASSIGN_OR_RETURN(auto audiences,
                        OptStringArray(*oidc, "audiences", catalog::kMaxPolicyAudiences));
    LS_ASSIGN_OR_RETURN(auto claim, OptString(*oidc, "subject_claim", 64));
    LS_ASSIGN_OR_RETURN(auto subject, OptString(*oidc, "subject", 1024));
    LS_ASSIGN_OR_RETURN(auto jwks_uri, OptString(*oidc, "jwks_uri", kMaxUrlBytes));
    p.issuer = issuer.value_or("");
    p.audiences = audiences.value_or(std::vector<std::string>{});
    p.subject_claim = claim.value_or("");
    p.subject = subject.value_or("");
    p.jwks_uri = jwks_uri.value_or("");
    Param(request, "issuer", p.issuer);
    Param(request, "subject_claim", p.subject_claim);
    Param(request, "subject", p.subject);
    LS_RETURN_IF_ERROR(catalog::ValidateFederationPolicy(p));
    if (auto ok = auth::CheckIdpUrl(p.issuer, options_.idp_fetch); !ok) {
      return InvalidArgument("oidc_policy.issuer: {}", ok.error().message);
    }
    if (!p.jwks_uri.empty()) {
      Param(request, "jwks_uri", p.jwks_uri);
      if (auto ok = auth::CheckIdpUrl(p.jwks_uri, options_.idp_fetch); !ok) {
        return InvalidArgument("oidc_policy.jwks_uri: {}", ok.error().message);
      }
    }
    return p;
  }

  Result<http::Response> CreatePolicy(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo r, OidcRecipient(request, caller));
    LS_ASSIGN_OR_RETURN(catalog::FederationPolicy policy, ParsePolicy(body, request));
    LS_RETURN_IF_ERROR(RequireRecipientOwner(caller, r, "add federation policies to it"));
    policy.created_by = caller.name;
    LS_ASSIGN_OR_RETURN(catalog::FederationPolicy created,
                        catalog_->CreateFederationPolicy(r.name, policy));
    AccessChanged(r.name);
    return JsonReply(PolicyJson(created));
  }

  Result<http::Response> ListPolicies(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Paging paging, ParsePaging(request));
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo r, OidcRecipient(request, caller));
    auto listing = ListVisible<catalog::FederationPolicy>(
        paging,
        [&](const catalog::PageRequest& p) { return catalog_->ListFederationPolicies(r.name, p); },
        [](const catalog::FederationPolicy&) -> Result<bool> { return true; });
    return ListReply("policies", listing, [](const auto& p) { return PolicyJson(p); });
  }

  Result<catalog::FederationPolicy> PolicyFromPath(http::Request& request,
                                                   const catalog::RecipientInfo& r) {
    const std::string& name = NotedPathParam(request, "policy", "name");
    return catalog_->GetFederationPolicy(r.name, name);
  }

  Result<http::Response> GetPolicy(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo r, OidcRecipient(request, caller));
    LS_ASSIGN_OR_RETURN(catalog::FederationPolicy p, PolicyFromPath(request, r));
    return JsonReply(PolicyJson(p));
  }

  Result<http::Response> DeletePolicy(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo r, OidcRecipient(request, caller));
    LS_ASSIGN_OR_RETURN(catalog::FederationPolicy p, PolicyFromPath(request, r));
    LS_RETURN_IF_ERROR(RequireRecipientOwner(caller, r, "delete its federation policies"));
    LS_RETURN_IF_ERROR(catalog_->DeleteFederationPolicy(r.name, p.name));
    return AccessChangedReply(r.name);
  }

  /// The v2 profile a federated partner completes: this server's endpoint and the token endpoint
  /// of the policy's issuer (OpenID discovery), placeholders for the partner's own client id and
  /// secret, and the scope to request: `?scope=`, else for Entra ID issuers the first audience's
  /// "/.default", else none.
  Result<http::Response> ProfileTemplate(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo r, OidcRecipient(request, caller));
    const std::string* wanted = request.QueryParam("policy");
    const std::string* scope_param = request.QueryParam("scope");
    if (scope_param != nullptr && scope_param->size() > kMaxStringBytes) {
      return InvalidArgument("scope is longer than {} bytes", kMaxStringBytes);
    }
    catalog::FederationPolicy policy;
    if (wanted != nullptr) {
      Param(request, "policy", *wanted);
      LS_ASSIGN_OR_RETURN(policy, catalog_->GetFederationPolicy(r.name, *wanted));
    } else {
      catalog::PageRequest page;
      page.max_results = 1;
      LS_ASSIGN_OR_RETURN(auto listing, catalog_->ListFederationPolicies(r.name, page));
      if (listing.items.empty()) {
        return InvalidArgument(
            "Recipient '{}' has no federation policy yet; create one (POST "
            "/api/2.0/data-sharing/recipients/{}/federation-policies) before handing out its "
            "profile template",
            r.name, r.name);
      }
      policy = std::move(listing.items.front());
    }
    auth::DocumentFetcher fetcher = options_.idp_fetcher;
    if (!fetcher) {
      fetcher = [fetch = options_.idp_fetch](const std::string& url) {
        return auth::FetchIdpDocument(url, fetch);
      };
    }
    LS_ASSIGN_OR_RETURN(
        std::string token_endpoint,
        auth::DiscoverIdpUrl(policy.issuer, "token_endpoint", fetcher, options_.idp_fetch));
    Json out{{"shareCredentialsVersion", 2},
             {"type", "oauth_client_credentials"},
             {"endpoint", BaseUrl(request) + options_.sharing_endpoint},
             {"tokenEndpoint", token_endpoint},
             {"clientId", "<your application's client id at your identity provider>"},
             {"clientSecret", "<your application's client secret at your identity provider>"}};
    if (scope_param != nullptr && !scope_param->empty()) {
      out["scope"] = *scope_param;
    } else if (policy.issuer.starts_with("https://login.microsoftonline.com/") &&
               !policy.audiences.empty()) {
      out["scope"] = policy.audiences.front() + "/.default";
    }
    return JsonReply(out);
  }
};

}  // namespace

const ApiFactory kFederationPoliciesApi = MakeApi<FederationPoliciesApi>;

}  // namespace lakeshare::admin::internal
