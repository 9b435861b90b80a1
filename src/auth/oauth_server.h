// OAuthServer: Lakeshare as the OAuth 2.0 authorization server of its OAUTH_CLIENT_CREDENTIALS
// recipients (issue 12). A recipient of that type is a client: client_id = the recipient's id,
// client secrets = its recipient tokens (minted by its activation link, stored hashed, rotated
// with a grace period and revoked like bearer tokens), public keys for private-key JWT = the JWK
// Set registered on it.
//
// Token endpoint (IssueToken), for `application/x-www-form-urlencoded` bodies:
//   - grant_type=client_credentials (RFC 6749 §4.4) with the client authenticated by HTTP Basic
//     (client_secret_basic, RFC 6749 §2.3.1, what the Delta Sharing connectors send), by
//     client_id + client_secret in the body (client_secret_post), or by a signed assertion
//     (private_key_jwt: client_assertion_type=urn:ietf:params:oauth:client-assertion-type:
//     jwt-bearer, RFC 7523 §2.2); exactly one method per request;
//   - grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer with `assertion` (RFC 7523 §2.1),
//     what the Python connector's oauth_jwt_bearer_private_key_jwt profile sends: an assertion
//     with iss = client_id (sub, when present, the same), aud = this server's token endpoint URL
//     or issuer, a jti, and at most max_assertion_lifetime_seconds of life. A jti is accepted
//     once per replica until the assertion expires.
// Assertion audiences (RFC 7523 §3: "The authorization server MUST reject any JWT that does not
// contain its own identity as the intended audience"): the issuer id, and the token endpoint URL
// of the configured public URL. Never a URL built from the request's Host header, which the
// caller chooses: an assertion a client signed for another server would pass. Without a public
// URL, an assertion for a URL is refused with a message naming the setting.
// Replies: {"access_token", "token_type": "Bearer", "expires_in"} (RFC 6749 §5.1), or
// {"error", "error_description"} with 400, or 401 for invalid_client (§5.2).
//
// Access tokens are JWTs (typ at+jwt, ES256) signed with a key of the current period
// (key_rotation_seconds): every replica gets the period's key from the metastore
// (Catalog::GetOrCreateServerSecret), so any replica verifies any replica's token; tokens are
// accepted under the current and the previous period's key. Their lifetime is at most
// access_token_lifetime_seconds, the life left to the secret they were obtained with, and the
// recipient's expiry. VerifyAccessToken checks signature, times, issuer and audience, and then
// that the client and the credential used are still live (cached for revocation_delay_ms): a
// revoked secret, a dropped public key or a deleted recipient stops its access tokens within
// that delay.
//
// Thread-safe. The catalog must outlive the server.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwk.h"
#include "auth/jwt.h"
#include "catalog/catalog.h"
#include "common/clock.h"
#include "common/mutex.h"
#include "common/result.h"
#include "common/ttl_cache.h"

namespace lakeshare::auth {

struct OAuthServerOptions {
  int64_t access_token_lifetime_seconds = 3600;
  /// The signing key changes every period; must be at least the access token lifetime.
  int64_t key_rotation_seconds = 86'400;
  int64_t revocation_delay_ms = 2000;
  int64_t clock_skew_seconds = 60;
  int64_t max_assertion_lifetime_seconds = 300;
  size_t max_cached = 10'000;
  /// The wall clock (common/clock.h); null: the system clock.
  const Clock* clock = nullptr;
};

struct TokenRequest {
  std::string_view body;                       // the form
  const std::string* authorization = nullptr;  // the Authorization header, if any
  /// The token endpoint's URLs by configuration (accepted assertion audiences besides the
  /// issuer id); never from the request. Empty: no public URL is configured.
  std::vector<std::string> token_endpoint_urls;
};

/// An error reply of the token endpoint (RFC 6749 §5.2).
struct OAuthError {
  int status = 400;
  std::string error;        // invalid_request, invalid_client, invalid_grant, ...
  std::string description;  // what to do about it
};

struct TokenReply {
  std::string access_token;
  int64_t expires_in = 0;
  std::string recipient;  // for the audit record
  std::string client_id;
};

struct AccessTokenIdentity {
  std::string recipient;
  std::string client_id;
  std::string credential;  // "secret:<token id>" or "key:<kid>"
  std::string token_id;    // jti
};

class OAuthServer {
 public:
  /// Load (or create, once for every replica) this metastore's issuer id.
  static Result<std::unique_ptr<OAuthServer>> Create(catalog::Catalog& catalog,
                                                     OAuthServerOptions options = {});

  /// `urn:lakeshare:<uuid>`: the `iss` and `aud` of the access tokens this metastore issues.
  const std::string& issuer() const { return issuer_; }

  /// Answer one token request.
  tl::expected<TokenReply, OAuthError> IssueToken(const TokenRequest& request);

  /// Whether `token` claims to be one of ours (its unverified `iss` is issuer()).
  bool IsOurs(const Jwt& unverified) const { return unverified.claims.issuer == issuer_; }
  /// Check an access token this server issued; kUnauthenticated with the reason.
  Result<AccessTokenIdentity> VerifyAccessToken(std::string_view token) const;

  /// The public keys access tokens may be signed with now (JWK Set JSON).
  Result<std::string> JwksJson() const;

 private:
  OAuthServer(catalog::Catalog& catalog, OAuthServerOptions options, std::string issuer);
  struct Client;
  int64_t NowMs() const;
  Result<SigningKey> KeyOfPeriod(int64_t period) const;
  tl::expected<Client, OAuthError> AuthenticateClient(
      const std::map<std::string, std::string>& form, const TokenRequest& request);
  tl::expected<Client, OAuthError> ClientFromAssertion(std::string_view assertion,
                                                       std::string_view claimed_client_id,
                                                       const TokenRequest& request);
  Result<std::string> CheckClientLive(const std::string& client_id,
                                      const std::string& credential) const;

  catalog::Catalog& catalog_;
  OAuthServerOptions options_;
  std::string issuer_;
  mutable Mutex keys_mu_;
  mutable std::map<int64_t, SigningKey> keys_ LS_GUARDED_BY(keys_mu_);  // by period; the last few
  mutable TtlCache<std::string> live_clients_;  // "client_id|credential" -> recipient name
  mutable TtlCache<bool> used_assertions_;      // "client_id|jti"
};

}  // namespace lakeshare::auth
