#include "sharing/oauth_endpoints.h"

#include <nlohmann/json.hpp>

#include "common/strings.h"

namespace lakeshare::sharing {
namespace {

using nlohmann::json;

http::Response NoStore(http::Response response) {
  response.SetHeader("Cache-Control", "no-store");
  response.SetHeader("Pragma", "no-cache");
  return response;
}

http::Response OAuthErrorReply(const auth::OAuthError& e) {
  json body = {{"error", e.error}, {"error_description", e.description}};
  http::Response response = NoStore(http::Response::Json(body.dump(), e.status));
  if (e.status == 401) response.SetHeader("WWW-Authenticate", "Basic realm=\"lakeshare\"");
  if (e.status == 503) response.SetHeader("Retry-After", "1");
  return response;
}

// The grant type as sent, for the audit (a short, known value or "other").
std::string GrantTypeOf(std::string_view body) {
  for (std::string_view pair : Split(body, '&')) {
    if (pair.substr(0, 11) == "grant_type=") {
      auto v = PercentDecode(pair.substr(11), true);
      if (v &&
          (*v == "client_credentials" || *v == "urn:ietf:params:oauth:grant-type:jwt-bearer")) {
        return *v;
      }
      return "other";
    }
  }
  return "";
}

}  // namespace

Status RegisterOAuthEndpoints(http::Router& router, auth::OAuthServer& server,
                              OAuthEndpointOptions options) {
  const std::string token_path = options.endpoint + "/oauth/token";
  http::RouteOptions open;
  open.authenticate = false;
  LS_RETURN_IF_ERROR(router.Handle(
      "POST", token_path,
      [&server, options, token_path](http::Request& request) -> Result<http::Response> {
        request.audit()->action = "oauthToken";
        request.audit()->params["grant_type"] = GrantTypeOf(request.body());
        const std::string* type = request.Header("Content-Type");
        if (type == nullptr || ToLower(*type).rfind("application/x-www-form-urlencoded", 0) != 0) {
          return OAuthErrorReply({400, "invalid_request",
                                  "Send the token request as application/x-www-form-urlencoded "
                                  "(RFC 6749 §4.4.2)"});
        }
        auth::TokenRequest token_request;
        token_request.body = request.body();
        token_request.authorization = request.Header("Authorization");
        // Never the request's Host, which the caller chooses (auth/oauth_server.h).
        if (!options.public_url.empty()) {
          token_request.token_endpoint_urls.push_back(options.public_url + token_path);
        }
        auto reply = server.IssueToken(token_request);
        if (!reply) return OAuthErrorReply(reply.error());
        request.audit()->recipient = reply->recipient;
        request.audit()->params["client_id"] = reply->client_id;
        json body = {{"access_token", reply->access_token},
                     {"token_type", "Bearer"},
                     {"expires_in", reply->expires_in}};
        return NoStore(http::Response::Json(body.dump()));
      },
      open));
  return router.Handle(
      "GET", options.endpoint + "/oauth/jwks",
      [&server](http::Request& request) -> Result<http::Response> {
        request.audit()->action = "oauthJwks";
        LS_ASSIGN_OR_RETURN(std::string jwks, server.JwksJson());
        http::Response response = http::Response::Json(std::move(jwks));
        response.SetHeader("Cache-Control", "max-age=300");
        return response;
      },
      open);
}

}  // namespace lakeshare::sharing
