// Recipients: create (with a one-time activation link), list, get, update, delete under
// /api/2.1/unity-catalog/recipients, rotate-token, and the shares granted to one.

#include <map>
#include <memory>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"
#include "auth/ip_access_list.h"
#include "auth/secret_token.h"
#include "common/strings.h"

namespace lakeshare::admin::internal {
namespace {

using catalog::Privilege;

constexpr size_t kMaxProperties = 100;

class RecipientsApi final : public ApiBase {
 public:
  using ApiBase::ApiBase;

  void AddRoutes(RouteList& routes) override {
    routes.AddCollection(UcPath("/recipients"), "name", "Recipient", this,
                         {&RecipientsApi::CreateRecipient, &RecipientsApi::ListRecipients,
                          &RecipientsApi::GetRecipient, &RecipientsApi::UpdateRecipient,
                          &RecipientsApi::DeleteRecipient});
    routes.Add("POST", UcPath("/recipients/{name}/rotate-token"), "rotateRecipientToken", this,
               &RecipientsApi::RotateToken);
    routes.Add("GET", UcPath("/recipients/{name}/share-permissions"),
               "getRecipientSharePermissions", this, &RecipientsApi::RecipientSharePermissions);
  }

 private:
  /// Whether `r` holds secrets of this server that an activation link hands out: bearer tokens
  /// (TOKEN) or OAuth client secrets (OAUTH_CLIENT_CREDENTIALS, issue 12). OIDC_FEDERATION
  /// recipients hold none.
  static bool HasSecrets(const catalog::RecipientInfo& r) {
    return r.authentication_type == catalog::kAuthToken ||
           r.authentication_type == catalog::kAuthOAuthClientCredentials;
  }

  /// RecipientInfo as UC shows it: live tokens' metadata, `activated` once a link was redeemed.
  /// `known`: its tokens and pending links already read (listings read them for a whole page).
  Result<Json> RecipientJson(const catalog::RecipientInfo& r,
                             const catalog::RecipientSecrets* known = nullptr) {
    Json out = StampedObjectJson(r);
    out["authentication_type"] = AuthenticationTypeName(r.authentication_type);
    out["ip_access_list"] = Json{{"allowed_ip_addresses", r.ip_access_list}};
    out["properties_kvpairs"] = Json{{"properties", r.properties}};
    if (r.expiration_time) {
      out["expiration_time"] = *r.expiration_time;
    }
    if (HasSecrets(r)) {
      catalog::RecipientSecrets read;
      if (known == nullptr) {
        LS_ASSIGN_OR_RETURN(read.tokens, catalog_->ListRecipientTokens(r.name));
        LS_ASSIGN_OR_RETURN(read.pending_links, catalog_->ListPendingActivationLinks(r.name));
        known = &read;
      }
      const std::vector<catalog::RecipientToken>& tokens = known->tokens;
      out["activated"] = !tokens.empty();
      Json live = Json::array();
      int64_t now = Now();
      for (const catalog::RecipientToken& t : tokens) {
        if (!t.IsLive(now)) {
          continue;
        }
        Json token{{"id", t.id}, {"created_at", t.created_at}, {"created_by", t.created_by}};
        if (t.expires_at) {
          token["expiration_time"] = *t.expires_at;
        }
        live.push_back(std::move(token));
      }
      out["tokens"] = std::move(live);
      // Lakeshare: the links issued and not yet used (their URL is shown once, when issued).
      Json pending = Json::array();
      for (const catalog::ActivationLink& l : known->pending_links) {
        pending.push_back(
            Json{{"id", l.id}, {"created_at", l.created_at}, {"expiration_time", l.expires_at}});
      }
      out["activation_links"] = std::move(pending);
    }
    return out;
  }

  /// Add the one-time activation link to a create / rotate reply.
  void AddActivation(Json& out, const http::Request& request, const std::string& link_token,
                     const catalog::ActivationLink& link, const std::string& created_by) {
    std::string url = ActivationUrl(request, link_token);
    out["activation_url"] = url;
    out["tokens"].push_back(Json{{"id", link.id},
                                 {"activation_url", url},
                                 {"activation_url_expiration_time", link.expires_at},
                                 {"created_at", link.created_at},
                                 {"created_by", created_by}});
  }

  struct RecipientFields {
    std::optional<std::vector<std::string>> ip_access_list;
    std::optional<std::map<std::string, std::string>> properties;
    std::optional<int64_t> expiration_time;
  };

  Result<RecipientFields> ParseRecipientFields(const Json& body, http::Request& request) {
    RecipientFields out;
    LS_ASSIGN_OR_RETURN(const Json* ip, OptObject(body, "ip_access_list"));
    if (ip != nullptr) {
      LS_ASSIGN_OR_RETURN(
          auto list, OptStringArray(*ip, "allowed_ip_addresses", auth::IpAccessList::kMaxEntries));
      out.ip_access_list = list.value_or(std::vector<std::string>{});
      for (const std::string& entry : *out.ip_access_list) {
        LS_RETURN_IF_ERROR(auth::ValidateIpAccessEntry(entry));
      }
      Param(request, "ip_access_list", Join(*out.ip_access_list, ","));
    }
    LS_ASSIGN_OR_RETURN(const Json* kv, OptObject(body, "properties_kvpairs"));
    if (kv != nullptr) {
      LS_ASSIGN_OR_RETURN(const Json* props, OptObject(*kv, "properties"));
      std::map<std::string, std::string> map;
      if (props != nullptr) {
        if (props->size() > kMaxProperties) {
          return InvalidArgument(
              "properties_kvpairs holds {} properties; at most {} are "
              "allowed",
              props->size(), kMaxProperties);
        }
        std::vector<std::string> keys;
        for (const auto& item : props->items()) {
          if (item.key().empty() || item.key().size() > 255) {
            return InvalidArgument("A property key must be 1 to 255 bytes");
          }
          if (!item.value().is_string()) {
            return InvalidArgument("Property '{}' must be a string", item.key());
          }
          if (item.value().get_ref<const std::string&>().size() > kMaxStringBytes) {
            return InvalidArgument("Property '{}' is longer than {} bytes", item.key(),
                                   kMaxStringBytes);
          }
          map.emplace(item.key(), item.value().get<std::string>());
          keys.push_back(item.key());
        }
        Param(request, "properties_kvpairs", Join(keys, ","));
      }
      out.properties = std::move(map);
    }
    LS_ASSIGN_OR_RETURN(out.expiration_time, OptInt(body, "expiration_time"));
    if (out.expiration_time) {
      if (*out.expiration_time < 0) {
        return InvalidArgument("expiration_time must be epoch milliseconds, got {}",
                               *out.expiration_time);
      }
      Param(request, "expiration_time", std::to_string(*out.expiration_time));
    }
    return out;
  }

  Result<http::Response> CreateRecipient(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::RecipientInfo info;
    LS_ASSIGN_OR_RETURN(info.name, NotedReqString(request, body, "name"));
    request.audit()->recipient = info.name;
    LS_ASSIGN_OR_RETURN(std::string type, NotedReqString(request, body, "authentication_type"));
    if (type == "TOKEN") {
      info.authentication_type = "TOKEN";
    } else if (type == "OIDC_FEDERATION") {
      info.authentication_type = "OIDC";
    } else if (type == catalog::kAuthOAuthClientCredentials) {
      info.authentication_type = std::string(catalog::kAuthOAuthClientCredentials);
    } else {
      return InvalidArgument(
          "authentication_type must be TOKEN, OIDC_FEDERATION or OAUTH_CLIENT_CREDENTIALS, got "
          "'{}' (Databricks-to-Databricks sharing is not supported)",
          type);
    }
    LS_ASSIGN_OR_RETURN(CommentAndOwner asked, ReadCommentAndOwner(body));
    LS_ASSIGN_OR_RETURN(auto sharing_code, OptString(body, "sharing_code"));
    LS_ASSIGN_OR_RETURN(auto global_id, OptString(body, "data_recipient_global_metastore_id"));
    if (sharing_code || global_id) {
      return InvalidArgument(
          "sharing_code and data_recipient_global_metastore_id are for "
          "Databricks-to-Databricks sharing, which Lakeshare does not "
          "support; create a TOKEN recipient");
    }
    LS_ASSIGN_OR_RETURN(RecipientFields fields, ParseRecipientFields(body, request));
    LS_RETURN_IF_ERROR(RequireMeta(caller, Privilege::kCreateRecipient,
                                   "Creating a recipient needs CREATE_RECIPIENT on the metastore; "
                                   "ask a metastore admin to grant it"));
    LS_RETURN_IF_ERROR(SetCommentAndOwner(caller, asked, info));
    info.ip_access_list = fields.ip_access_list.value_or(std::vector<std::string>{});
    info.properties = fields.properties.value_or(std::map<std::string, std::string>{});
    info.expiration_time = fields.expiration_time;
    info.created_by = caller.name;
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo created, catalog_->CreateRecipient(info));
    std::string link_token;
    std::optional<catalog::ActivationLink> link;
    if (HasSecrets(created)) {
      link_token = auth::NewSecretToken();
      auto made = catalog_->CreateActivationLink(
          created.name, link_token, Now() + options_.activation_link_ttl_seconds * 1000);
      if (!made) {
        // Do not leave a recipient without a way to activate it.
        IgnoreError(catalog_->DeleteRecipient(created.name),
                    "best-effort undo: the link's error is reported");
        return tl::unexpected<Error>(made.error());
      }
      link = *made;
    }
    LS_ASSIGN_OR_RETURN(Json out, RecipientJson(created));
    if (link) {
      AddActivation(out, request, link_token, *link, caller.name);
    }
    return NoStoreReply(out);
  }

  Result<http::Response> ListRecipients(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Paging paging, ParsePaging(request));
    auto listing = ListByMetastorePrivilege<catalog::RecipientInfo>(
        caller, paging, Privilege::kUseRecipient,
        [&](const catalog::PageRequest& p) { return catalog_->ListRecipients(p); });
    // Tokens and pending links of the whole page in one catalog call (not two per recipient).
    std::map<std::string, catalog::RecipientSecrets> secrets;
    if (listing) {
      std::vector<std::string> ids;
      for (const catalog::RecipientInfo& r : listing->items) {
        if (HasSecrets(r)) ids.push_back(r.id);
      }
      LS_ASSIGN_OR_RETURN(secrets, catalog_->ListRecipientSecrets(ids));
    }
    const catalog::RecipientSecrets none;
    return ListReply("recipients", listing, [&](const catalog::RecipientInfo& r) {
      auto it = secrets.find(r.id);
      return RecipientJson(r, it == secrets.end() ? &none : &it->second);
    });
  }

  Result<catalog::RecipientInfo> RecipientFromPath(http::Request& request, const Caller& caller) {
    return RecipientNamed(request, caller, NotedRecipient(request));
  }
  /// The recipient the path names, noted for the audit trail.
  const std::string& NotedRecipient(http::Request& request) {
    const std::string& name = NotedPathParam(request, "name");
    request.audit()->recipient = name;
    return name;
  }
  /// Recipient `name` as `caller` sees it; the audit trail then records its stored spelling.
  Result<catalog::RecipientInfo> RecipientNamed(http::Request& request, const Caller& caller,
                                                const std::string& name) {
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo r, VisibleRecipient(caller, name));
    request.audit()->recipient = r.name;
    return r;
  }

  Result<http::Response> GetRecipient(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo r, RecipientFromPath(request, caller));
    LS_ASSIGN_OR_RETURN(Json out, RecipientJson(r));
    return JsonReply(out);
  }

  Result<http::Response> UpdateRecipient(http::Request& request, const Caller& caller) {
    // The path and the body are noted before the lookup: a refusal for a missing or hidden
    // recipient records the attempted new_name as every other refusal does.
    const std::string& name = NotedRecipient(request);
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::RecipientUpdate update;
    LS_RETURN_IF_ERROR(ReadNameOwnerComment(request, body, update));
    LS_ASSIGN_OR_RETURN(RecipientFields fields, ParseRecipientFields(body, request));
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo r, RecipientNamed(request, caller, name));
    LS_RETURN_IF_ERROR(RequireRecipientOwner(caller, r, "change it"));
    LS_RETURN_IF_ERROR(CheckNewOwner(request, update.owner));
    update.ip_access_list = fields.ip_access_list;
    update.properties = fields.properties;
    if (fields.expiration_time) {
      // 0 clears the expiration.
      update.expiration_time = *fields.expiration_time == 0
                                   ? std::optional<int64_t>()
                                   : std::optional<int64_t>(*fields.expiration_time);
    }
    update.updated_by = caller.name;
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo out, catalog_->UpdateRecipient(r.name, update));
    AccessChanged(r.name);
    if (!SameName(out.name, r.name)) {
      AccessChanged(out.name);
    }
    LS_ASSIGN_OR_RETURN(Json reply, RecipientJson(out));
    return JsonReply(reply);
  }

  Result<http::Response> DeleteRecipient(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo r, RecipientFromPath(request, caller));
    LS_RETURN_IF_ERROR(RequireRecipientOwner(caller, r, "delete it"));
    LS_RETURN_IF_ERROR(catalog_->DeleteRecipient(r.name));
    return AccessChangedReply(r.name);
  }

  Result<http::Response> RotateToken(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo r, RecipientFromPath(request, caller));
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    LS_ASSIGN_OR_RETURN(std::optional<int64_t> seconds,
                        OptInt(body, "existing_token_expire_in_seconds"));
    if (!seconds) {
      return InvalidArgument(
          "Field 'existing_token_expire_in_seconds' is required (0 "
          "revokes the current tokens now)");
    }
    Param(request, "existing_token_expire_in_seconds", std::to_string(*seconds));
    if (*seconds < 0 || *seconds > kMaxSeconds) {
      return InvalidArgument(
          "existing_token_expire_in_seconds must be between 0 and {}, "
          "got {}",
          kMaxSeconds, *seconds);
    }
    LS_RETURN_IF_ERROR(RequireRecipientOwner(caller, r, "rotate its token"));
    if (!HasSecrets(r)) {
      return InvalidArgument(
          "Recipient '{}' uses {} authentication and has no tokens to "
          "rotate (its partner's identity provider issues its tokens)",
          r.name, AuthenticationTypeName(r.authentication_type));
    }
    std::string link_token = auth::NewSecretToken();
    auto link = catalog_->RotateRecipientActivation(
        r.name, link_token, Now() + options_.activation_link_ttl_seconds * 1000, *seconds);
    if (!link) {
      return tl::unexpected<Error>(link.error());
    }
    AccessChanged(r.name);
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo fresh, catalog_->GetRecipient(r.name));
    LS_ASSIGN_OR_RETURN(Json out, RecipientJson(fresh));
    AddActivation(out, request, link_token, *link, caller.name);
    return NoStoreReply(out);
  }

  Result<http::Response> RecipientSharePermissions(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo r, RecipientFromPath(request, caller));
    LS_ASSIGN_OR_RETURN(Paging paging, ParsePaging(request));
    LS_ASSIGN_OR_RETURN(std::vector<catalog::ShareGrant> grants,
                        catalog_->ListRecipientShareGrants(r.name));
    LS_ASSIGN_OR_RETURN(auto page,
                        PageOf(std::move(grants), paging,
                               [](const catalog::ShareGrant& g) { return g.share_name; }));
    return ItemsReply("permissions_out", page.first, page.second,
                      [&](const catalog::ShareGrant& g) {
                        return Json{{"share_name", g.share_name},
                                    {"privilege_assignments",
                                     PrivilegeAssignmentsJson({{r.name, g.privileges}})}};
                      });
  }
};

}  // namespace

const ApiFactory kRecipientsApi = MakeApi<RecipientsApi>;

}  // namespace lakeshare::admin::internal
