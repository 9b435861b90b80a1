// The public keys of OAUTH_CLIENT_CREDENTIALS recipients (issue 12): the JWK Set whose keys sign
// the partner's private-key JWT client assertions (RFC 7523) at the token endpoint.
//   PUT    /api/2.1/lakeshare/recipients/{name}/client-keys  {"jwks": {"keys": [...]}}
//   GET    /api/2.1/lakeshare/recipients/{name}/client-keys
//   DELETE /api/2.1/lakeshare/recipients/{name}/client-keys
// PUT replaces the whole set. Keys must be public (no private members), of an allowed algorithm
// family, with a unique `kid`; the set is bounded (catalog::kMaxClientKeysBytes, key count).
// Reads need to see the recipient; changes need its owner or an admin.

#include <memory>
#include <set>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"
#include "auth/jwk.h"
#include "catalog/federation.h"
#include "common/strings.h"

namespace lakeshare::admin::internal {
namespace {

/// The most keys one client may register (enough for rotation with overlap).
constexpr size_t kMaxClientKeys = 10;

class OAuthClientsApi final : public ApiBase {
 public:
  using ApiBase::ApiBase;

  void AddRoutes(RouteList& routes) override {
    const std::string path = LakesharePath("/recipients/{name}/client-keys");
    routes.Add("PUT", path, "setRecipientClientKeys", this, &OAuthClientsApi::SetKeys);
    routes.Add("GET", path, "getRecipientClientKeys", this, &OAuthClientsApi::GetKeys);
    routes.Add("DELETE", path, "deleteRecipientClientKeys", this, &OAuthClientsApi::DeleteKeys);
  }

 private:
  Result<catalog::RecipientInfo> ClientRecipient(http::Request& request, const Caller& caller) {
    return PathRecipientOfType(request, caller, catalog::kAuthOAuthClientCredentials,
                               "client keys");
  }

  /// Check every key of `jwks` (a JSON object) and return its canonical text.
  static Result<std::string> CheckedJwks(const Json& jwks, http::Request& request) {
    LS_ASSIGN_OR_RETURN(const Json* keys, OptArray(jwks, "keys", kMaxClientKeys));
    if (keys == nullptr || keys->empty()) {
      return InvalidArgument(
          "jwks.keys must list 1 to {} public keys (JWK); DELETE the client keys to remove them "
          "all",
          kMaxClientKeys);
    }
    std::set<std::string> kids;
    for (const Json& key : *keys) {
      if (!key.is_object()) {
        return InvalidArgument("Each entry of jwks.keys must be a JWK object");
      }
      for (const char* secret : {"d", "p", "q", "dp", "dq", "qi", "k", "oth"}) {
        if (key.contains(secret)) {
          return InvalidArgument(
              "jwks.keys holds a private or symmetric key (member '{}'): register only the "
              "public key and keep the private key with the partner",
              secret);
        }
      }
      const std::string text = key.dump();
      LS_ASSIGN_OR_RETURN(auth::VerificationKey parsed, auth::ParseJwk(text));
      (void)parsed;
      auto kid = key.find("kid");
      if (kid == key.end() || !kid->is_string() || kid->get_ref<const std::string&>().empty()) {
        return InvalidArgument(
            "Each key needs a 'kid' (the partner names it in its assertions' header)");
      }
      if (!kids.insert(kid->get<std::string>()).second) {
        return InvalidArgument("The key id '{}' is listed twice", kid->get<std::string>());
      }
    }
    Param(request, "key_ids", Join(kids, ","));
    std::string text = Json{{"keys", *keys}}.dump();
    if (text.size() > catalog::kMaxClientKeysBytes) {
      return InvalidArgument("The JWK Set is {} bytes; at most {} are accepted", text.size(),
                             catalog::kMaxClientKeysBytes);
    }
    return text;
  }

  Result<http::Response> SetKeys(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo r, ClientRecipient(request, caller));
    LS_ASSIGN_OR_RETURN(const Json* jwks, OptObject(body, "jwks"));
    if (jwks == nullptr) {
      return InvalidArgument(
          "Field 'jwks' is required: {{\"jwks\": {{\"keys\": [<public JWK>, ...]}}}}");
    }
    LS_ASSIGN_OR_RETURN(std::string text, CheckedJwks(*jwks, request));
    LS_RETURN_IF_ERROR(RequireRecipientOwner(caller, r, "change its client keys"));
    LS_RETURN_IF_ERROR(catalog_->SetRecipientClientKeys(r.name, text));
    AccessChanged(r.name);
    return JsonReply(Json{{"recipient_name", r.name}, {"jwks", Json::parse(text)}});
  }

  Result<http::Response> GetKeys(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo r, ClientRecipient(request, caller));
    LS_ASSIGN_OR_RETURN(std::string text, catalog_->GetRecipientClientKeys(r.name));
    Json jwks = Json{{"keys", Json::array()}};
    if (!text.empty()) {
      jwks = Json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (jwks.is_discarded()) {
        return Errorf(ErrorCode::kInternal, "The stored client keys of '{}' are not JSON", r.name);
      }
    }
    return JsonReply(Json{{"recipient_name", r.name}, {"jwks", std::move(jwks)}});
  }

  Result<http::Response> DeleteKeys(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(catalog::RecipientInfo r, ClientRecipient(request, caller));
    LS_RETURN_IF_ERROR(RequireRecipientOwner(caller, r, "remove its client keys"));
    LS_RETURN_IF_ERROR(catalog_->SetRecipientClientKeys(r.name, ""));
    return AccessChangedReply(r.name);
  }
};

}  // namespace

const ApiFactory kOAuthClientsApi = MakeApi<OAuthClientsApi>;

}  // namespace lakeshare::admin::internal
