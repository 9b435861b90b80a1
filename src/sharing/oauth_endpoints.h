// The OAuth 2.0 endpoints of the sharing server (issue 12), public (no bearer token):
//
//   POST {endpoint}/oauth/token  the token endpoint of OAUTH_CLIENT_CREDENTIALS recipients: the
//                                `tokenEndpoint` of their shareCredentialsVersion 2 profile
//                                (auth/oauth_server.h says what it accepts)
//   GET  {endpoint}/oauth/jwks   the public keys access tokens are signed with (JWK Set)
//
// Token requests must be application/x-www-form-urlencoded (RFC 6749 §4.4.2); replies are JSON
// with Cache-Control: no-store (§5.1). The audit records the action (oauthToken), the grant type,
// the client id and the recipient; never a secret or an assertion.
//
// `server` must outlive the router.
#pragma once

#include <string>

#include "auth/oauth_server.h"
#include "common/result.h"
#include "http/router.h"

namespace lakeshare::sharing {

struct OAuthEndpointOptions {
  std::string endpoint = "/delta-sharing";
  /// "scheme://host[:port]" partners reach the server at: its token endpoint's URL is an
  /// accepted assertion audience. Empty: only the issuer id is (never the request's Host).
  std::string public_url;
};

Status RegisterOAuthEndpoints(http::Router& router, auth::OAuthServer& server,
                              OAuthEndpointOptions options);

}  // namespace lakeshare::sharing
