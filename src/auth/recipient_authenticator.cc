#include "auth/recipient_authenticator.h"

#include <atomic>
#include <chrono>
#include <utility>

#include "auth/jwt.h"
#include "auth/recipient_ip_gate.h"
#include "auth/secret_token.h"
#include "common/strings.h"
#include "common/ttl_cache.h"

namespace lakeshare::auth {

namespace {

struct TokenEntry {
  bool known = false;
  std::string recipient;  // canonical name
  RecipientIpGate ips;
  std::optional<int64_t> token_expires_at;
  std::optional<int64_t> recipient_expires_at;
  bool client_secret = false;  // the token is an OAuth client's secret, not a bearer token
};

// A recipient a JWT named: whether it still exists, its IP access list and its expiration.
struct RecipientEntry {
  bool exists = false;
  std::string name;  // canonical
  RecipientIpGate ips;
  std::optional<int64_t> expires_at;  // ms
};

}  // namespace

struct RecipientAuthenticator::Impl {
  catalog::Catalog& catalog;
  RecipientAuthOptions options;
  TtlCache<std::shared_ptr<const TokenEntry>> tokens;
  TtlCache<std::shared_ptr<const TokenEntry>> unknown_tokens;
  TtlCache<std::shared_ptr<const RecipientEntry>> recipients;
  std::atomic<int64_t> token_hits{0}, token_misses{0};

  Impl(catalog::Catalog& c, RecipientAuthOptions o)
      : catalog(c),
        options(std::move(o)),
        tokens(options.max_tokens),
        unknown_tokens(options.max_unknown_tokens),
        recipients(options.max_recipients) {}

  int64_t Now() const { return ClockOr(options.clock).NowMs(); }

  Status Told(const catalog::RecipientInfo& recipient) const {
    return options.on_recipient_read ? options.on_recipient_read(recipient) : OkStatus();
  }

  Result<std::shared_ptr<const TokenEntry>> LookupToken(std::string_view token, int64_t now) {
    std::string digest = catalog::HashToken(token);
    if (auto hit = tokens.Get(digest, now)) {
      ++token_hits;
      return *hit;
    }
    if (auto hit = unknown_tokens.Get(digest, now)) {
      ++token_hits;
      return *hit;
    }
    ++token_misses;
    const uint64_t gen = tokens.generation();
    const uint64_t unknown_gen = unknown_tokens.generation();
    auto auth = catalog.AuthenticateRecipient(token);
    auto entry = std::make_shared<TokenEntry>();
    if (!auth) {
      if (auth.error().code != ErrorCode::kUnauthenticated) {
        return tl::unexpected<Error>(auth.error());
      }
      unknown_tokens.PutIfGeneration(std::move(digest), entry, now + options.ttl_ms, unknown_gen);
      return entry;
    }
    entry->known = true;
    entry->recipient = auth->recipient.name;
    entry->ips = RecipientIpGate::From(auth->recipient.ip_access_list);
    entry->token_expires_at = auth->token.expires_at;
    entry->recipient_expires_at = auth->recipient.expiration_time;
    entry->client_secret =
        auth->recipient.authentication_type == catalog::kAuthOAuthClientCredentials;
    tokens.PutIfGeneration(std::move(digest), entry, now + options.ttl_ms, gen);
    LS_RETURN_IF_ERROR(Told(auth->recipient));
    return entry;
  }

  // The recipient a JWT named, from the cache or the catalog.
  Result<std::shared_ptr<const RecipientEntry>> LookupRecipient(std::string_view name,
                                                                int64_t now) {
    std::string key = ToLower(name);
    if (auto hit = recipients.Get(key, now)) {
      return *hit;
    }
    const uint64_t gen = recipients.generation();
    auto info = catalog.GetRecipient(name);
    if (!info && info.error().code != ErrorCode::kNotFound) {
      return tl::unexpected<Error>(info.error());
    }
    auto entry = std::make_shared<RecipientEntry>();
    if (info) {
      entry->exists = true;
      entry->name = info->name;
      entry->ips = RecipientIpGate::From(info->ip_access_list);
      entry->expires_at = info->expiration_time;
    }
    recipients.PutIfGeneration(std::move(key), entry, now + options.ttl_ms, gen);
    if (info) {
      LS_RETURN_IF_ERROR(Told(*info));
    }
    return entry;
  }

  Result<Identity> AuthenticateJwt(std::string_view token, std::string_view address, int64_t now) {
    LS_ASSIGN_OR_RETURN(JwtRecipient who, options.jwt_recipient(token));
    LS_ASSIGN_OR_RETURN(auto r, LookupRecipient(who.name, now));
    if (!r->exists) {
      return MakeError(ErrorCode::kUnauthenticated,
                       "The recipient of this token no longer exists; ask the data provider");
    }
    // The JWT checker may have verified (and cached) the token before the provider shortened
    // the recipient's expiration: the recipient as read now decides, as for bearer tokens.
    if (r->expires_at && *r->expires_at <= now) {
      return MakeError(ErrorCode::kUnauthenticated,
                       "The recipient's access has expired: ask the data provider to renew it");
    }
    LS_RETURN_IF_ERROR(r->ips.Check(address));
    return Identity{r->name, /*anonymous=*/false, std::move(who.audit_params)};
  }

  Result<Identity> AuthenticateToken(std::string_view token, std::string_view address,
                                     int64_t now) {
    LS_ASSIGN_OR_RETURN(auto entry, LookupToken(token, now));
    const bool expired = (entry->token_expires_at && *entry->token_expires_at <= now) ||
                         (entry->recipient_expires_at && *entry->recipient_expires_at <= now);
    if (!entry->known || expired) {
      return MakeError(ErrorCode::kUnauthenticated,
                       "Invalid or expired bearer token; ask the data provider for a new "
                       "credential file");
    }
    if (entry->client_secret) {
      // Issue 12: a client secret is exchanged for short-lived access tokens, never sent as one.
      return MakeError(ErrorCode::kUnauthenticated,
                       "This is an OAuth client secret, not a bearer token: exchange it at the "
                       "token endpoint of your profile for an access token (a "
                       "shareCredentialsVersion 2 profile makes the Delta Sharing clients do it)");
    }
    LS_RETURN_IF_ERROR(entry->ips.Check(address));
    return Identity{entry->recipient, /*anonymous=*/false};
  }
};

RecipientAuthenticator::RecipientAuthenticator(catalog::Catalog& catalog,
                                               RecipientAuthOptions options)
    : impl_(std::make_unique<Impl>(catalog, std::move(options))) {}

RecipientAuthenticator::~RecipientAuthenticator() = default;

Result<Identity> RecipientAuthenticator::Authenticate(const Credentials& credentials) const {
  if (credentials.authorization == nullptr) {
    return MakeError(ErrorCode::kUnauthenticated, "Missing bearer token (Authorization header)");
  }
  std::optional<std::string_view> token = BearerToken(credentials.authorization);
  if (!token) {
    return MakeError(ErrorCode::kUnauthenticated,
                     "The Authorization header must be 'Bearer <token>' with the token of your "
                     "credential file");
  }
  const int64_t now = impl_->Now();
  if (impl_->options.jwt_recipient && LooksLikeJwt(*token)) {
    return impl_->AuthenticateJwt(*token, credentials.remote_address, now);
  }
  return impl_->AuthenticateToken(*token, credentials.remote_address, now);
}

std::optional<std::string> RecipientAuthenticator::RefusedCaller(
    const Credentials& credentials) const {
  std::optional<std::string_view> token = BearerToken(credentials.authorization);
  if (!token) {
    return std::nullopt;
  }
  if (impl_->options.jwt_recipient && LooksLikeJwt(*token)) {
    auto who = impl_->options.jwt_recipient(*token);  // its signature check is cached
    return who ? std::optional<std::string>(who->name) : std::nullopt;
  }
  auto hit = impl_->tokens.Get(catalog::HashToken(*token), impl_->Now());
  if (!hit || !(*hit)->known) {
    return std::nullopt;
  }
  return (*hit)->recipient;
}

void RecipientAuthenticator::InvalidateRecipient(std::string_view name) {
  if (name.empty()) {
    impl_->tokens.Clear();
    impl_->unknown_tokens.Clear();
    impl_->recipients.Clear();
    return;
  }
  const std::string key = ToLower(name);
  impl_->tokens.EraseIf(
      [&](const std::shared_ptr<const TokenEntry>& e) { return ToLower(e->recipient) == key; });
  // A refused token names no recipient: forget every refusal, so that a recipient whose
  // expiration was extended is let in at once.
  impl_->unknown_tokens.Clear();
  impl_->recipients.Erase(key);
}

RecipientAuthStats RecipientAuthenticator::stats() const {
  return {impl_->token_hits.load(), impl_->token_misses.load()};
}

}  // namespace lakeshare::auth
