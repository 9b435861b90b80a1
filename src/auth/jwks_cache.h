// JwksCache: the signing keys of the identity providers that federation policies trust, fetched
// on first use and kept per (issuer, jwks_uri).
//
// Where the keys come from: a policy's `jwks_uri` when it names one (issuers without discovery),
// otherwise OpenID Connect Discovery 1.0 §4: GET `{issuer}/.well-known/openid-configuration`
// (a trailing '/' of the issuer removed first), whose `issuer` must equal the configured issuer
// exactly (§4.3: "MUST be identical ... If these values are not identical, the data contained in
// the response MUST NOT be used") and whose `jwks_uri` must pass CheckIdpUrl.
//
// When they are fetched again, and how often at most:
//   - after max_age_seconds (15 minutes: how long a key the issuer dropped is still trusted), on
//     the next use (the old keys are served if that fetch fails, for
//     up to max_stale_seconds, so a short IdP outage does not lock partners out);
//   - when a token names a key id the cached set lacks (the issuer rotated its keys):
//     RefreshForUnknownKey fetches again only if the last fetch is at least
//     min_refresh_interval_seconds old. A flood of forged tokens with random key ids therefore
//     costs at most one fetch per issuer per interval;
//   - concurrent callers that need a fetch share one (single flight): the others wait for it
//     (bounded by the fetch timeout), or get the keys still cached when there are any;
//   - after a failed fetch with nothing cached, callers get that error (503) without fetching
//     for failure_retry_seconds.
// How many callers may wait for identity providers at once: a caller that would block (fetching,
// or waiting for another caller's fetch) holds one of max_blocked_callers places for that time,
// whatever the source, and so does every FetchDocument (documents hold all but one of the places
// at most). The URLs come from provider teams, so an IdP that answers slowly, named by many
// policies, could otherwise hold every handler thread for the fetch timeout each. Beyond the
// bound a caller does not wait: it gets the keys still cached (the refresh is left to a later
// caller) or, with none to serve or for an unknown key id, a prompt kUnavailable (503 with
// Retry-After) saying identity providers are slow. Callers served from the cache never count.
// At most max_sources entries are kept; the least recently used idle one is dropped beyond that.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "auth/idp_fetch.h"
#include "auth/jwk.h"
#include "common/clock.h"
#include "common/mutex.h"
#include "common/result.h"

namespace lakeshare::auth {

struct JwksSource {
  std::string issuer;
  std::string jwks_uri;  // empty: discovered from the issuer

  auto operator<=>(const JwksSource&) const = default;
};

/// GET a URL and return its body (kUnavailable on any failure).
using DocumentFetcher = std::function<Result<std::string>(const std::string& url)>;

struct JwksCacheOptions {
  int64_t max_age_seconds = 900;
  int64_t max_stale_seconds = 24 * 3600;
  int64_t min_refresh_interval_seconds = 60;
  int64_t failure_retry_seconds = 10;
  size_t max_sources = 1024;
  /// Callers blocked on identity providers at once (fetching or waiting for a fetch), across
  /// all sources; keep it well below the server's handler threads (8 by default). 0: no bound.
  int max_blocked_callers = 2;
  IdpFetchOptions fetch{};
  /// The wall clock (common/clock.h); null: the system clock.
  const Clock* clock = nullptr;
  /// Null: FetchIdpDocument with `fetch`.
  DocumentFetcher fetcher{};
};

/// The URL of the OpenID Provider configuration of `issuer`.
std::string DiscoveryUrl(std::string_view issuer);

/// The URL `member` ("jwks_uri", "token_endpoint") of `issuer`'s OpenID Provider configuration,
/// fetched with `fetcher`: the document's `issuer` must be `issuer` exactly, and the URL must pass
/// CheckIdpUrl. kUnavailable otherwise.
Result<std::string> DiscoverIdpUrl(std::string_view issuer, std::string_view member,
                                   const DocumentFetcher& fetcher, const IdpFetchOptions& options);

class JwksCache {
 public:
  using Keys = std::shared_ptr<const JsonWebKeySet>;

  explicit JwksCache(JwksCacheOptions options = {});
  ~JwksCache();
  JwksCache(const JwksCache&) = delete;
  JwksCache& operator=(const JwksCache&) = delete;

  /// The keys of `source`, fetched when none are cached or they are older than max_age.
  /// kUnavailable when the identity provider cannot give them (and none may be served).
  Result<Keys> Get(const JwksSource& source);

  /// The keys of `source` after a token named a key that `seen` (what Get returned) lacks: a
  /// newer set when another caller already fetched one, else a fresh fetch if the last one is
  /// at least min_refresh_interval old, else `seen`'s set again.
  Result<Keys> RefreshForUnknownKey(const JwksSource& source, const Keys& seen);

  /// GET `url` (another document of an identity provider, such as the discovery document a
  /// profile template reads) with this cache's fetcher, holding one of the max_blocked_callers
  /// places meanwhile: kUnavailable at once, saying identity providers are slow, when none is
  /// free. Documents hold at most max_blocked_callers - 1 places, so one is always left to key
  /// fetches; with a bound of 1, documents and keys share the one place. Nothing is cached.
  Result<std::string> FetchDocument(const std::string& url);

  struct Stats {
    int64_t fetches = 0;   // fetch attempts (discovery + JWK Set count as one)
    int64_t failures = 0;  // of which failed
    size_t sources = 0;    // entries cached now
    int64_t busy = 0;      // callers that found every place taken (served cached keys or refused)
    int blocked = 0;       // callers blocked on identity providers now
  };
  Stats stats() const;

 private:
  struct Entry;
  class BlockedPlace;
  enum class Want { kAny, kNewerThan };
  Result<Keys> Lookup(const JwksSource& source, Want want, const Keys& seen);
  std::shared_ptr<Entry> EntryFor(const JwksSource& source);
  /// Fetch the set; `discovered` is the jwks_uri found by discovery (reused when not empty,
  /// set when discovery ran).
  Result<Keys> Fetch(const JwksSource& source, std::string& discovered);
  int64_t NowMs() const;

  JwksCacheOptions options_;
  mutable Mutex mu_;
  std::map<JwksSource, std::shared_ptr<Entry>> entries_ LS_GUARDED_BY(mu_);
  Stats stats_ LS_GUARDED_BY(mu_);
  std::atomic<int> blocked_{0};   // callers holding a place (BlockedPlace)
  std::atomic<int> documents_{0};  // of which FetchDocument callers
  std::atomic<int64_t> busy_{0};  // callers that found no place free
};

}  // namespace lakeshare::auth
