// RecipientAuthenticator: the recipients of the metastore (issue 5; issue 13 moved it here from
// the share provider). A request's bearer token is
//
//   - a JWT (LooksLikeJwt) when a jwt_recipient checker is set (issue 12: federation policies
//     and OAuth access tokens; app/ supplies it): its refusal is the reply, the recipient it
//     names must still exist;
//   - otherwise an opaque token, looked up by its SHA-256 digest (Catalog::AuthenticateRecipient)
//     through a bounded per-replica cache: digest -> recipient (name, IP access list, token and
//     recipient expiry, whether it is an OAuth client's secret), and "unknown" for refusals.
//
// Then the recipient's IP access list (RecipientIpGate) applies, whatever the credential was.
// Every cache entry lives at most `ttl_ms` (default 2 s): a token revoked or rotated, or a
// recipient changed on another replica takes effect here within that delay; InvalidateRecipient
// drops entries at once (the admin API of the same replica calls it). Expiry times of tokens and
// recipients are checked on every request, so an expiring token stops exactly on time whatever
// the cache holds. Tokens are never kept, only their digests.
//
// Thread-safe. No lock is held across catalog calls. The catalog must outlive the authenticator.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/authenticator.h"
#include "catalog/catalog.h"
#include "common/clock.h"

namespace lakeshare::auth {

/// Who a JWT bearer token identified (RecipientAuthOptions::jwt_recipient).
struct JwtRecipient {
  std::string name;
  std::map<std::string, std::string> audit_params;  // Identity::audit_params
};

struct RecipientAuthOptions {
  /// How long a cached token or recipient is used without asking the catalog again. 0 disables
  /// caching (every request reads the catalog).
  int64_t ttl_ms = 2000;
  /// Bounds of the caches (least recently used entries are dropped first): known tokens,
  /// refused tokens, recipients named by JWTs.
  size_t max_tokens = 100'000;
  size_t max_unknown_tokens = 10'000;
  size_t max_recipients = 100'000;
  /// The wall clock (cache ages, token and recipient expiry; common/clock.h); null: the
  /// system clock. Tests inject a ManualClock.
  const Clock* clock = nullptr;
  /// Identifies the recipient of a bearer token that is a JWT (see above). Null: a JWT is an
  /// unknown bearer token like any other.
  std::function<Result<JwtRecipient>(std::string_view token)> jwt_recipient;
  /// Called with a recipient just read from the metastore (a token or JWT recipient not cached)
  /// before Authenticate answers, so that the share provider keeps it and reads only the
  /// recipient's grants next (two metastore calls per cold request, not three). Its error is
  /// the request's. Null: nothing is told.
  std::function<Status(const catalog::RecipientInfo& recipient)> on_recipient_read;
};

/// Counters of the token cache (for benchmarks).
struct RecipientAuthStats {
  int64_t token_hits = 0;
  int64_t token_misses = 0;
};

class RecipientAuthenticator final : public Authenticator {
 public:
  /// `catalog` must outlive the authenticator.
  explicit RecipientAuthenticator(catalog::Catalog& catalog, RecipientAuthOptions options = {});
  ~RecipientAuthenticator() override;
  RecipientAuthenticator(const RecipientAuthenticator&) = delete;
  RecipientAuthenticator& operator=(const RecipientAuthenticator&) = delete;

  Result<Identity> Authenticate(const Credentials& credentials) const override;
  std::optional<std::string> RefusedCaller(const Credentials& credentials) const override;

  /// Drop what is cached about recipient `name` (its tokens, its IP list, every refusal) now;
  /// an empty name drops everything. Call after revoking or rotating tokens, changing IP lists
  /// or expiry, and deleting or renaming a recipient.
  void InvalidateRecipient(std::string_view name);

  RecipientAuthStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lakeshare::auth
