// Principals and their API tokens (a Lakeshare extension): /api/2.1/lakeshare/principals.

#include <algorithm>
#include <memory>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"
#include "auth/secret_token.h"

namespace lakeshare::admin::internal {
namespace {

class PrincipalsApi final : public ApiBase {
 public:
  using ApiBase::ApiBase;

  void AddRoutes(RouteList& routes) override {
    routes.AddCollection(LakesharePath("/principals"), "name", "Principal", this,
                         {&PrincipalsApi::CreatePrincipal, &PrincipalsApi::ListPrincipals,
                          &PrincipalsApi::GetPrincipal, &PrincipalsApi::UpdatePrincipal,
                          &PrincipalsApi::DeletePrincipal});
    routes.Add("POST", LakesharePath("/principals/{name}/tokens"), "createPrincipalToken", this,
               &PrincipalsApi::CreatePrincipalToken);
    routes.Add("GET", LakesharePath("/principals/{name}/tokens"), "listPrincipalTokens", this,
               &PrincipalsApi::ListPrincipalTokens);
    routes.Add("DELETE", LakesharePath("/principals/{name}/tokens/{token_id}"),
               "revokePrincipalToken", this, &PrincipalsApi::RevokePrincipalToken);
  }

 private:
  Status RequireSelfOrAdmin(const Caller& caller, const std::string& name) {
    if (!caller.is_admin && !SameName(caller.name, name)) {
      // Other principals' existence is not revealed.
      return NotFound(ResourceKind::kPrincipal, "Principal '{}' does not exist", name);
    }
    return {};
  }

  Result<int64_t> CountAdmins() {
    int64_t admins = 0;
    LS_ASSIGN_OR_RETURN(auto all, catalog_->ListPrincipals(catalog::PageRequest{}));
    for (const catalog::Principal& p : all.items) {
      admins += p.is_admin ? 1 : 0;
    }
    return admins;
  }

  /// Mint an API token for `principal`; its value appears only in this reply.
  Result<Json> MintPrincipalToken(const std::string& principal, const Json& body,
                                  const char* comment_key, const char* lifetime_key) {
    LS_ASSIGN_OR_RETURN(auto comment, OptString(body, comment_key, 255));
    LS_ASSIGN_OR_RETURN(auto lifetime, OptInt(body, lifetime_key));
    std::optional<int64_t> expires_at;
    if (lifetime) {
      if (*lifetime <= 0 || *lifetime > kMaxSeconds) {
        return InvalidArgument("{} must be a positive number of seconds, got {}", lifetime_key,
                               *lifetime);
      }
      expires_at = Now() + *lifetime * 1000;
    }
    std::string value = auth::NewSecretToken();
    LS_ASSIGN_OR_RETURN(
        catalog::PrincipalToken token,
        catalog_->AddPrincipalToken(principal, value, expires_at, comment.value_or("")));
    return Json{{"token_value", value}, {"token_info", PrincipalTokenJson(token)}};
  }

  Result<http::Response> CreatePrincipal(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::Principal p;
    LS_ASSIGN_OR_RETURN(p.name, NotedReqString(request, body, "name"));
    LS_ASSIGN_OR_RETURN(auto is_admin, OptBool(body, "is_admin"));
    LS_ASSIGN_OR_RETURN(auto comment, OptString(body, "comment"));
    LS_ASSIGN_OR_RETURN(auto create_token, OptBool(body, "create_token"));
    LS_RETURN_IF_ERROR(RequireAdmin(caller, "create principals"));
    p.is_admin = is_admin.value_or(false);
    p.comment = comment.value_or("");
    Param(request, "is_admin", p.is_admin ? "true" : "false");
    LS_ASSIGN_OR_RETURN(catalog::Principal out, catalog_->CreatePrincipal(p));
    Json reply = PrincipalJson(out);
    if (create_token.value_or(true)) {
      auto token = MintPrincipalToken(out.name, body, "token_comment", "token_lifetime_seconds");
      if (!token) {
        IgnoreError(catalog_->DeletePrincipal(out.name),
                    "best-effort undo: the token's error is reported");
        return tl::unexpected<Error>(token.error());
      }
      reply.update(*token);
    }
    return NoStoreReply(reply);
  }

  Result<http::Response> ListPrincipals(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Paging paging, ParsePaging(request));
    LS_RETURN_IF_ERROR(RequireAdmin(caller, "list principals"));
    auto listing = ListVisible<catalog::Principal>(
        paging, [&](const catalog::PageRequest& p) { return catalog_->ListPrincipals(p); },
        [](const catalog::Principal&) -> Result<bool> { return true; });
    return ListReply("principals", listing, [&](const auto& p) { return PrincipalJson(p); });
  }

  Result<http::Response> GetPrincipal(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_RETURN_IF_ERROR(RequireSelfOrAdmin(caller, name));
    LS_ASSIGN_OR_RETURN(catalog::Principal p, catalog_->GetPrincipal(name));
    return JsonReply(PrincipalJson(p));
  }

  Result<http::Response> UpdatePrincipal(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::PrincipalUpdate update;
    LS_ASSIGN_OR_RETURN(update.new_name, NotedNewName(request, body));
    LS_ASSIGN_OR_RETURN(update.is_admin, OptBool(body, "is_admin"));
    LS_ASSIGN_OR_RETURN(update.comment, OptString(body, "comment"));
    LS_RETURN_IF_ERROR(RequireAdmin(caller, "change principals"));
    LS_ASSIGN_OR_RETURN(catalog::Principal p, catalog_->GetPrincipal(name));
    if (update.is_admin) {
      Param(request, "is_admin", *update.is_admin ? "true" : "false");
      if (p.is_admin && !*update.is_admin) {
        LS_ASSIGN_OR_RETURN(int64_t admins, CountAdmins());
        if (admins <= 1) {
          return InvalidArgument(
              "'{}' is the last metastore admin; make another principal "
              "admin first",
              p.name);
        }
      }
    }
    LS_ASSIGN_OR_RETURN(catalog::Principal out, catalog_->UpdatePrincipal(p.name, update));
    return JsonReply(PrincipalJson(out));
  }

  Result<http::Response> DeletePrincipal(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_RETURN_IF_ERROR(RequireAdmin(caller, "delete principals"));
    LS_ASSIGN_OR_RETURN(catalog::Principal p, catalog_->GetPrincipal(name));
    if (p.is_admin) {
      LS_ASSIGN_OR_RETURN(int64_t admins, CountAdmins());
      if (admins <= 1) {
        return InvalidArgument("'{}' is the last metastore admin and cannot be deleted", p.name);
      }
    }
    LS_RETURN_IF_ERROR(catalog_->DeletePrincipal(p.name));
    return JsonReply(Json::object());
  }

  Result<http::Response> CreatePrincipalToken(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    LS_RETURN_IF_ERROR(RequireSelfOrAdmin(caller, name));
    LS_ASSIGN_OR_RETURN(Json out, MintPrincipalToken(name, body, "comment", "lifetime_seconds"));
    return NoStoreReply(out);
  }

  Result<http::Response> ListPrincipalTokens(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_RETURN_IF_ERROR(RequireSelfOrAdmin(caller, name));
    LS_ASSIGN_OR_RETURN(auto tokens, catalog_->ListPrincipalTokens(name));
    Json items = Json::array();
    for (const catalog::PrincipalToken& t : tokens) {
      items.push_back(PrincipalTokenJson(t));
    }
    return JsonReply(Json{{"token_infos", std::move(items)}});
  }

  Result<http::Response> RevokePrincipalToken(http::Request& request, const Caller& caller) {
    const std::string& name = *request.PathParam("name");
    const std::string& id = *request.PathParam("token_id");
    Param(request, "name", name);
    Param(request, "token_id", id);
    LS_RETURN_IF_ERROR(RequireSelfOrAdmin(caller, name));
    LS_ASSIGN_OR_RETURN(auto tokens, catalog_->ListPrincipalTokens(name));
    bool owned = std::any_of(tokens.begin(), tokens.end(),
                             [&](const catalog::PrincipalToken& t) { return t.id == id; });
    if (!owned) {
      return NotFound(ResourceKind::kPrincipalToken,
                      "API token '{}' of principal '{}' does not exist", id, name);
    }
    LS_RETURN_IF_ERROR(catalog_->RevokePrincipalToken(id));
    return JsonReply(Json::object());
  }
};

}  // namespace

const ApiFactory kPrincipalsApi = MakeApi<PrincipalsApi>;

}  // namespace lakeshare::admin::internal
