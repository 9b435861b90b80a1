// The public activation routes (no authentication; the link is the secret):
// GET .../public/data_sharing_activation_info/{link} describes a link, GET or POST
// .../public/data_sharing_activation/{link} downloads the credential file once.

#include <memory>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"
#include "auth/ip_access_list.h"
#include "common/iso_time.h"
#include "auth/secret_token.h"

namespace lakeshare::admin::internal {
namespace {

class ActivationApi final : public ApiBase {
 public:
  using ApiBase::ApiBase;

  void AddRoutes(RouteList& routes) override {
    routes.Add("GET", UcPath("/public/data_sharing_activation_info/{activation_url...}"),
               "getActivationUrlInfo", this, &ActivationApi::ActivationInfo, /*is_public=*/true);
    routes.Add("GET", UcPath("/public/data_sharing_activation/{activation_url...}"),
               "retrieveRecipientToken", this, &ActivationApi::RetrieveToken, /*is_public=*/true);
    routes.Add("POST", UcPath("/public/data_sharing_activation/{activation_url...}"),
               "retrieveRecipientToken", this, &ActivationApi::RetrieveToken, /*is_public=*/true);
    // Without this, HEAD would run the GET route and burn the link with the body dropped
    // (link checkers and mail scanners send HEAD).
    routes.Add("HEAD", UcPath("/public/data_sharing_activation/{activation_url...}"),
               "retrieveRecipientToken", this, &ActivationApi::RefuseHead, /*is_public=*/true);
  }

 private:
  static bool IsOAuthClient(const catalog::RecipientInfo& r) {
    return r.authentication_type == catalog::kAuthOAuthClientCredentials;
  }

  struct LinkCtx {
    std::string token;
    catalog::ActivationLink link;
    catalog::RecipientInfo recipient;
  };

  Result<LinkCtx> LinkFromPath(http::Request& request) {
    std::optional<std::string> token = ActivationTokenOf(*request.PathParam("activation_url"));
    auto not_found = [] {
      return NotFound(ResourceKind::kActivationLink,
                      "This activation link does not exist; ask your "
                      "data provider for a new one");
    };
    // A link, or the recipient of a link, that the catalog does not find reads as no link. (A
    // recipient's links are deleted with it, so a link without its recipient is seen only when
    // the recipient is deleted between the two reads below.)
    auto hide_missing = [&not_found](Error e) {
      return e.code == ErrorCode::kNotFound ? not_found().value() : std::move(e);
    };
    if (!token) {
      return not_found();
    }
    LS_ASSIGN_OR_RETURN(catalog::ActivationLink link,
                        catalog_->GetActivationLink(*token).map_error(hide_missing));
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo recipient,
                        catalog_->GetRecipient(link.recipient_name).map_error(hide_missing));
    request.audit()->recipient = recipient.name;
    Param(request, "recipient_name", recipient.name);
    LS_ASSIGN_OR_RETURN(auth::IpAccessList ips,
                        auth::IpAccessList::Parse(recipient.ip_access_list));
    if (!ips.Allows(request.remote_address())) {
      return PermissionDenied(
          "Your IP address {} is not allowed for this recipient; ask your "
          "data provider to add it to the recipient's IP access list",
          request.remote_address());
    }
    return LinkCtx{std::move(*token), std::move(link), std::move(recipient)};
  }

  Result<http::Response> ActivationInfo(http::Request& request, const Caller&) {
    LS_ASSIGN_OR_RETURN(LinkCtx ctx, LinkFromPath(request));
    LS_ASSIGN_OR_RETURN(catalog::MetastoreSettings settings, catalog_->GetSettings());
    int64_t now = Now();
    bool used = ctx.link.used_at.has_value();
    bool expired = !used && ctx.link.expires_at <= now;
    bool recipient_expired = ctx.recipient.expiration_time && *ctx.recipient.expiration_time <= now;
    Json out{{"recipientName", ctx.recipient.name},
             {"organizationName", settings.organization_name},
             {"shareCredentialsVersion", IsOAuthClient(ctx.recipient) ? 2 : 1},
             {"activationLinkExpirationTime", ctx.link.expires_at},
             {"used", used},
             {"expired", expired},
             {"downloadable", !used && !expired && !recipient_expired}};
    if (used) {
      out["usedAt"] = *ctx.link.used_at;
    }
    return NoStoreReply(out);
  }

  Result<http::Response> RefuseHead(http::Request&, const Caller&) {
    constexpr std::string_view kMessage =
        "HEAD does not download the credential file; use GET or POST once";
    http::Response response =
        JsonReply(Json{{"error_code", "METHOD_NOT_ALLOWED"}, {"message", kMessage}}, 405);
    response.set_error(Error{ErrorCode::kUnsupported, std::string(kMessage)});
    response.SetHeader("Allow", "GET, POST");
    return response;
  }

  Result<http::Response> RetrieveToken(http::Request& request, const Caller&) {
    LS_ASSIGN_OR_RETURN(LinkCtx ctx, LinkFromPath(request));
    int64_t now = Now();
    if (ctx.link.used_at) {
      return PermissionDenied(
          "This activation link was already used to download the credential "
          "file, which can be downloaded only once; ask your data provider "
          "for a new link (rotate-token)");
    }
    if (ctx.link.expires_at <= now) {
      return PermissionDenied(
          "This activation link expired at {}; ask your data provider for a "
          "new link (rotate-token)",
          FormatIsoMillis(ctx.link.expires_at));
    }
    LS_ASSIGN_OR_RETURN(catalog::MetastoreSettings settings, catalog_->GetSettings());
    std::optional<int64_t> expires_at;
    if (settings.recipient_token_lifetime_seconds > 0) {
      expires_at = now + settings.recipient_token_lifetime_seconds * 1000;
    }
    if (ctx.recipient.expiration_time &&
        (!expires_at || *ctx.recipient.expiration_time < *expires_at)) {
      expires_at = ctx.recipient.expiration_time;
    }
    if (expires_at && *expires_at <= now) {
      return PermissionDenied("Recipient '{}' has expired; ask your data provider to extend it",
                              ctx.recipient.name);
    }
    std::string bearer = auth::NewSecretToken();
    auto activation = catalog_->RedeemActivationLink(ctx.token, bearer, expires_at);
    if (!activation) {
      if (activation.error().code == ErrorCode::kPermissionDenied) {
        // Lost a race with another download of the same link.
        return PermissionDenied(
            "This activation link was already used to download the "
            "credential file; ask your data provider for a new link "
            "(rotate-token)");
      }
      return tl::unexpected<Error>(activation.error());
    }
    const std::string endpoint = BaseUrl(request) + options_.sharing_endpoint;
    Json profile;
    if (IsOAuthClient(ctx.recipient)) {
      // Issue 12: a version 2 profile; the secret is exchanged at the token endpoint for
      // short-lived access tokens (the connectors' `oauth_client_credentials` type).
      profile = Json{{"shareCredentialsVersion", 2},
                     {"type", "oauth_client_credentials"},
                     {"endpoint", endpoint},
                     {"tokenEndpoint", endpoint + "/oauth/token"},
                     {"clientId", ctx.recipient.id},
                     {"clientSecret", bearer}};
    } else {
      profile = Json{{"shareCredentialsVersion", 1}, {"endpoint", endpoint}, {"bearerToken", bearer}};
    }
    if (activation->token.expires_at) {
      profile["expirationTime"] = FormatIsoMillis(*activation->token.expires_at);
    }
    http::Response response = NoStoreReply(profile);
    response.SetHeader("Content-Disposition", "attachment; filename=\"config.share\"");
    return response;
  }
};

}  // namespace

const ApiFactory kActivationApi = MakeApi<ActivationApi>;

}  // namespace lakeshare::admin::internal
