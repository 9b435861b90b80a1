#include "auth/oauth_server.h"

#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <span>

#include "auth/secret_token.h"
#include "common/strings.h"

namespace lakeshare::auth {
namespace {

using nlohmann::json;

constexpr std::string_view kGrantClientCredentials = "client_credentials";
constexpr std::string_view kGrantJwtBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer";
constexpr std::string_view kAssertionJwtBearer =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
constexpr size_t kMaxFormBytes = 32 * 1024;
constexpr size_t kMaxFormFields = 16;
constexpr std::string_view kKidPrefix = "lakeshare-";

tl::unexpected<OAuthError> Fail(int status, std::string error, std::string description) {
  return tl::unexpected(OAuthError{status, std::move(error), std::move(description)});
}
tl::unexpected<OAuthError> BadRequest(std::string description) {
  return Fail(400, "invalid_request", std::move(description));
}
tl::unexpected<OAuthError> BadClient(std::string description) {
  return Fail(401, "invalid_client", std::move(description));
}

// RFC 6749 Appendix B: application/x-www-form-urlencoded, each parameter at most once (§3.2).
tl::expected<std::map<std::string, std::string>, OAuthError> ParseForm(std::string_view body) {
  if (body.size() > kMaxFormBytes) {
    return BadRequest(fmt::format("The request body is over {} bytes", kMaxFormBytes));
  }
  std::map<std::string, std::string> form;
  for (std::string_view pair : Split(body, '&')) {
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto name = PercentDecode(pair.substr(0, eq), /*plus_is_space=*/true);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!name || !value || name->find('\0') != std::string::npos ||
        value->find('\0') != std::string::npos) {
      return BadRequest("The request body is not a valid application/x-www-form-urlencoded form");
    }
    if (form.size() >= kMaxFormFields) return BadRequest("The request has too many parameters");
    if (!form.emplace(*name, *value).second) {
      return BadRequest(fmt::format("The parameter '{}' appears more than once", Printable(*name)));
    }
  }
  return form;
}

const std::string* Field(const std::map<std::string, std::string>& form, const char* name) {
  auto it = form.find(name);
  return it == form.end() ? nullptr : &it->second;
}

// RFC 6749 §2.3.1: "Basic base64(urlencode(client_id) ':' urlencode(client_secret))".
std::optional<std::pair<std::string, std::string>> BasicCredentials(const std::string* header) {
  if (header == nullptr) return std::nullopt;
  std::string_view v = *header;
  if (v.size() < 6 || ToLower(v.substr(0, 6)) != "basic ") return std::nullopt;
  v.remove_prefix(6);
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  auto decoded = Base64Decode(v);
  if (!decoded) return std::nullopt;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  auto id = PercentDecode(std::string_view(*decoded).substr(0, colon), true);
  auto secret = PercentDecode(std::string_view(*decoded).substr(colon + 1), true);
  if (!id || !secret) return std::nullopt;
  return std::make_pair(*id, *secret);
}

}  // namespace

struct OAuthServer::Client {
  catalog::RecipientInfo recipient;
  std::string credential;  // "secret:<token id>" or "key:<kid>"
  std::optional<int64_t> credential_expires_at;
};

OAuthServer::OAuthServer(catalog::Catalog& catalog, OAuthServerOptions options, std::string issuer)
    : catalog_(catalog),
      options_(std::move(options)),
      issuer_(std::move(issuer)),
      live_clients_(options_.max_cached),
      used_assertions_(options_.max_cached) {}

Result<std::unique_ptr<OAuthServer>> OAuthServer::Create(catalog::Catalog& catalog,
                                                         OAuthServerOptions options) {
  if (options.key_rotation_seconds < options.access_token_lifetime_seconds) {
    return InvalidArgument("The OAuth signing key must live at least as long as access tokens");
  }
  // The issuer id is random per metastore, the same on every replica.
  LS_ASSIGN_OR_RETURN(std::string id,
                      catalog.GetOrCreateServerSecret("oauth-issuer-id", NewSecretToken()));
  return std::unique_ptr<OAuthServer>(
      new OAuthServer(catalog, std::move(options), "urn:lakeshare:" + id));
}

int64_t OAuthServer::NowMs() const { return ClockOr(options_.clock).NowMs(); }

Result<SigningKey> OAuthServer::KeyOfPeriod(int64_t period) const {
  {
    MutexLock lock(keys_mu_);
    if (auto it = keys_.find(period); it != keys_.end()) return it->second;
  }
  const std::string kid = std::string(kKidPrefix) + std::to_string(period);
  LS_ASSIGN_OR_RETURN(SigningKey candidate, SigningKey::Generate(JwsAlgorithm::kES256, kid));
  // Every replica asks for the period's key; the first one stored wins for all.
  LS_ASSIGN_OR_RETURN(std::string pem, catalog_.GetOrCreateServerSecret(
                                           "oauth-signing-key-" + std::to_string(period),
                                           candidate.PrivateKeyPem()));
  LS_ASSIGN_OR_RETURN(SigningKey key, SigningKey::FromPem(pem, JwsAlgorithm::kES256, kid));
  MutexLock lock(keys_mu_);
  keys_.emplace(period, key);
  while (keys_.size() > 4) keys_.erase(keys_.begin());
  return key;
}

Result<std::string> OAuthServer::JwksJson() const {
  const int64_t period = NowMs() / 1000 / options_.key_rotation_seconds;
  std::string out = R"({"keys":[)";
  for (int64_t p : {period, period - 1}) {
    LS_ASSIGN_OR_RETURN(SigningKey key, KeyOfPeriod(p));
    if (p != period) out += ",";
    out += key.PublicKey().ToJwkJson();
  }
  return out + "]}";
}

tl::expected<OAuthServer::Client, OAuthError> OAuthServer::ClientFromAssertion(
    std::string_view assertion, std::string_view claimed_client_id, const TokenRequest& request) {
  auto unverified = DecodeJwt(assertion);
  if (!unverified) return Fail(400, "invalid_grant", unverified.error().message);
  const std::string client_id = unverified->claims.issuer;
  if (!claimed_client_id.empty() && claimed_client_id != client_id) {
    return BadClient("The assertion's 'iss' is not the client_id of the request");
  }
  if (!unverified->claims.subject.empty() && unverified->claims.subject != client_id) {
    return Fail(400, "invalid_grant", "The assertion's 'sub' must be its 'iss' (the client_id)");
  }
  auto recipient = catalog_.GetRecipientById(client_id);
  if (!recipient || recipient->authentication_type != catalog::kAuthOAuthClientCredentials) {
    return BadClient(fmt::format("Unknown client '{}'", Printable(client_id)));
  }
  auto jwks_text = catalog_.GetRecipientClientKeys(recipient->name);
  if (!jwks_text) return Fail(503, "temporarily_unavailable", jwks_text.error().message);
  auto keys = ParseJwks(*jwks_text);
  if (jwks_text->empty() || !keys || keys->keys.empty()) {
    return BadClient(
        "The client has no registered public keys; ask the data provider to add yours");
  }
  const int64_t now = NowMs();
  JwtExpectations expect;
  expect.issuer = client_id;
  expect.audiences = request.token_endpoint_urls;
  expect.audiences.push_back(issuer_);
  expect.times = {now / 1000, options_.clock_skew_seconds};
  auto jwt = VerifyJwt(assertion, *keys, expect);
  if (!jwt && request.token_endpoint_urls.empty() &&
      !AudienceMatches(unverified->claims, std::span<const std::string>(&issuer_, 1))) {
    return Fail(400, "invalid_grant",
                fmt::format("{}. This server has no public URL configured, so an assertion's "
                            "audience can only be its issuer '{}': the data provider sets the "
                            "URL with `lakeshare serve --public-url` (publicUrl in a config file)",
                            jwt.error().message, issuer_));
  }
  if (!jwt) return Fail(400, "invalid_grant", jwt.error().message);
  if (*jwt->claims.expires_at >
      now / 1000 + options_.max_assertion_lifetime_seconds + options_.clock_skew_seconds) {
    return Fail(400, "invalid_grant",
                fmt::format("The assertion lives too long: its 'exp' must be within {} s",
                            options_.max_assertion_lifetime_seconds));
  }
  if (jwt->claims.jwt_id.empty()) {
    return Fail(400, "invalid_grant", "The assertion has no 'jti'");
  }
  // RFC 7523 §3: the server may refuse a replayed assertion; one use per jti (per replica).
  std::string seen = client_id + "|" + jwt->claims.jwt_id;
  const uint64_t generation = used_assertions_.generation();
  if (used_assertions_.Get(seen, now)) {
    return Fail(400, "invalid_grant", "The assertion was already used; sign a new one");
  }
  used_assertions_.PutIfGeneration(std::move(seen), true,
                                   (*jwt->claims.expires_at + options_.clock_skew_seconds) * 1000,
                                   generation);
  return Client{*std::move(recipient), "key:" + jwt->kid, std::nullopt};
}

tl::expected<OAuthServer::Client, OAuthError> OAuthServer::AuthenticateClient(
    const std::map<std::string, std::string>& form, const TokenRequest& request) {
  auto basic = BasicCredentials(request.authorization);
  if (request.authorization != nullptr && !basic) {
    return BadClient("The Authorization header must be Basic base64(client_id:client_secret)");
  }
  const std::string* body_id = Field(form, "client_id");
  const std::string* body_secret = Field(form, "client_secret");
  const std::string* assertion_type = Field(form, "client_assertion_type");
  const std::string* assertion = Field(form, "client_assertion");
  int methods = (basic ? 1 : 0) + (body_secret ? 1 : 0) + (assertion ? 1 : 0);
  if (methods != 1) {
    return methods == 0 ? BadClient(
                              "No client authentication: use HTTP Basic with the client_id "
                              "and client_secret of your profile")
                        : BadRequest("Use exactly one client authentication method");
  }
  if (assertion != nullptr) {
    if (assertion_type == nullptr || *assertion_type != kAssertionJwtBearer) {
      return BadRequest(fmt::format("client_assertion_type must be {}", kAssertionJwtBearer));
    }
    return ClientFromAssertion(*assertion, body_id ? *body_id : "", request);
  }
  std::string client_id = basic ? basic->first : (body_id ? *body_id : "");
  std::string secret = basic ? basic->second : *body_secret;
  if (basic && body_id && *body_id != client_id) {
    return BadRequest("client_id in the body differs from the Basic credentials");
  }
  auto auth = catalog_.AuthenticateRecipient(secret);
  if (!auth) {
    if (auth.error().code != ErrorCode::kUnauthenticated) {
      return Fail(503, "temporarily_unavailable", auth.error().message);
    }
    return BadClient("Invalid client credentials (unknown, expired or revoked client secret)");
  }
  if (auth->recipient.id != client_id ||
      auth->recipient.authentication_type != catalog::kAuthOAuthClientCredentials) {
    return BadClient("Invalid client credentials (the secret is not this client's)");
  }
  return Client{std::move(auth->recipient), "secret:" + auth->token.id, auth->token.expires_at};
}

tl::expected<TokenReply, OAuthError> OAuthServer::IssueToken(const TokenRequest& request) {
  auto form = ParseForm(request.body);
  if (!form) return tl::unexpected(form.error());
  const std::string* grant = Field(*form, "grant_type");
  if (grant == nullptr) return BadRequest("grant_type is missing");
  if (const std::string* scope = Field(*form, "scope"); scope && scope->size() > 1024) {
    return Fail(400, "invalid_scope", "The scope is too long");
  }
  tl::expected<Client, OAuthError> client;
  if (*grant == kGrantClientCredentials) {
    client = AuthenticateClient(*form, request);
  } else if (*grant == kGrantJwtBearer) {
    const std::string* assertion = Field(*form, "assertion");
    if (assertion == nullptr) return BadRequest("The jwt-bearer grant needs an 'assertion'");
    const std::string* id = Field(*form, "client_id");
    client = ClientFromAssertion(*assertion, id ? *id : "", request);
  } else {
    return Fail(400, "unsupported_grant_type",
                fmt::format("grant_type '{}' is not supported: use client_credentials or {}",
                            Printable(*grant), kGrantJwtBearer));
  }
  if (!client) return tl::unexpected(client.error());
  const int64_t now = NowMs();
  int64_t expires_ms = now + options_.access_token_lifetime_seconds * 1000;
  for (const auto& limit : {client->credential_expires_at, client->recipient.expiration_time}) {
    if (limit && *limit < expires_ms) expires_ms = *limit;
  }
  if (expires_ms <= now) return BadClient("The client's access has expired");
  auto key = KeyOfPeriod(now / 1000 / options_.key_rotation_seconds);
  if (!key) return Fail(503, "temporarily_unavailable", key.error().message);
  json claims = {{"iss", issuer_},
                 {"aud", issuer_},
                 {"sub", client->recipient.id},
                 {"client_id", client->recipient.id},
                 {"cred", client->credential},
                 {"jti", NewSecretToken().substr(0, 22)},
                 {"iat", now / 1000},
                 {"exp", expires_ms / 1000}};
  auto token = SignJwt(*key, claims.dump(), "at+jwt");
  if (!token) return Fail(500, "server_error", "The access token could not be signed");
  return TokenReply{*std::move(token), expires_ms / 1000 - now / 1000, client->recipient.name,
                    client->recipient.id};
}

Result<std::string> OAuthServer::CheckClientLive(const std::string& client_id,
                                                 const std::string& credential) const {
  const int64_t now = NowMs();
  const std::string cache_key = client_id + "|" + credential;
  if (auto hit = live_clients_.Get(cache_key, now)) {
    if (hit->empty()) return MakeError(ErrorCode::kUnauthenticated, "revoked");
    return *hit;
  }
  const uint64_t generation = live_clients_.generation();
  auto remember = [&](std::string name) {
    live_clients_.PutIfGeneration(cache_key, name, now + options_.revocation_delay_ms, generation);
    return name;
  };
  auto recipient = catalog_.GetRecipientById(client_id);
  if (!recipient) {
    if (recipient.error().code != ErrorCode::kNotFound) return tl::unexpected(recipient.error());
    remember("");
    return MakeError(ErrorCode::kUnauthenticated, "revoked");
  }
  bool live = recipient->authentication_type == catalog::kAuthOAuthClientCredentials &&
              (!recipient->expiration_time || *recipient->expiration_time > now);
  if (live && credential.rfind("secret:", 0) == 0) {
    LS_ASSIGN_OR_RETURN(auto tokens, catalog_.ListRecipientTokens(recipient->name));
    live = false;
    for (const catalog::RecipientToken& t : tokens) {
      live = live || ("secret:" + t.id == credential && t.IsLive(now));
    }
  } else if (live && credential.rfind("key:", 0) == 0) {
    LS_ASSIGN_OR_RETURN(std::string text, catalog_.GetRecipientClientKeys(recipient->name));
    auto keys = ParseJwks(text);
    live = keys && !keys->WithKid(std::string_view(credential).substr(4)).empty();
  } else {
    live = false;
  }
  remember(live ? recipient->name : "");
  if (!live) return MakeError(ErrorCode::kUnauthenticated, "revoked");
  return recipient->name;
}

Result<AccessTokenIdentity> OAuthServer::VerifyAccessToken(std::string_view token) const {
  LS_ASSIGN_OR_RETURN(Jwt jwt, DecodeJwt(token));
  if (jwt.claims.issuer != issuer_) {
    return MakeError(ErrorCode::kUnauthenticated, "The token was not issued by this server");
  }
  const int64_t now = NowMs();
  const int64_t period = now / 1000 / options_.key_rotation_seconds;
  std::string_view kid = jwt.kid;
  if (kid.substr(0, kKidPrefix.size()) != kKidPrefix ||
      (kid.substr(kKidPrefix.size()) != std::to_string(period) &&
       kid.substr(kKidPrefix.size()) != std::to_string(period - 1))) {
    return MakeError(ErrorCode::kUnauthenticated,
                     "The access token's signing key has been retired; request a new token");
  }
  LS_ASSIGN_OR_RETURN(
      SigningKey key,
      KeyOfPeriod(kid.substr(kKidPrefix.size()) == std::to_string(period) ? period : period - 1));
  JsonWebKeySet keys;
  keys.keys.push_back(key.PublicKey());
  JwtExpectations expect{issuer_, {issuer_}, "at+jwt", {now / 1000, options_.clock_skew_seconds}};
  LS_ASSIGN_OR_RETURN(jwt, VerifyJwt(token, keys, expect));
  const std::string client_id(jwt.claims.First("client_id"));
  const std::string credential(jwt.claims.First("cred"));
  auto name = CheckClientLive(client_id, credential);
  if (!name) {
    if (name.error().code != ErrorCode::kUnauthenticated) return tl::unexpected(name.error());
    return MakeError(ErrorCode::kUnauthenticated,
                     "The client's credentials were revoked or its access expired; ask the data "
                     "provider");
  }
  return AccessTokenIdentity{*name, client_id, credential, jwt.claims.jwt_id};
}

}  // namespace lakeshare::auth
