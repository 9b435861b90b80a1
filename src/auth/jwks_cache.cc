#include "auth/jwks_cache.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>

#include "auth/jose_json_internal.h"
#include "auth/jwt.h"
#include "common/mutex.h"

namespace lakeshare::auth {

struct JwksCache::Entry {
  Mutex mu;
  CondVar fetched;
  bool fetching LS_GUARDED_BY(mu) = false;
  Keys keys LS_GUARDED_BY(mu);                     // the last set fetched successfully
  int64_t fetched_at_ms LS_GUARDED_BY(mu) = 0;     // when `keys` was fetched
  bool attempted LS_GUARDED_BY(mu) = false;        // a fetch was tried at least once
  int64_t attempted_at_ms LS_GUARDED_BY(mu) = 0;   // when the last fetch ended
  std::optional<Error> failure LS_GUARDED_BY(mu);  // of the last fetch, when it failed
  std::string discovered_uri LS_GUARDED_BY(mu);    // jwks_uri from discovery
  std::atomic<int64_t> used_at_ms{0};
};

// One of `bound` places (0: no bound) counted in `held`, of a caller about to block on an
// identity provider: taken on first need and given back when the caller returns. A caller
// finding none free is counted in the cache's busy_.
class JwksCache::BlockedPlace {
 public:
  explicit BlockedPlace(JwksCache& cache)
      : BlockedPlace(cache, cache.blocked_, cache.options_.max_blocked_callers) {}
  BlockedPlace(JwksCache& cache, std::atomic<int>& held, int bound)
      : cache_(cache), count_(held), bound_(bound) {}
  ~BlockedPlace() {
    if (held_) --count_;
  }
  BlockedPlace(const BlockedPlace&) = delete;
  BlockedPlace& operator=(const BlockedPlace&) = delete;

  /// Whether the caller may block (it holds a place, or just took a free one).
  bool Take() {
    if (held_) return true;
    if (bound_ <= 0) {
      ++count_;
      held_ = true;
      return true;
    }
    int now = count_.load();
    while (now < bound_) {
      if (count_.compare_exchange_weak(now, now + 1)) {
        held_ = true;
        return true;
      }
    }
    ++cache_.busy_;
    return false;
  }

 private:
  JwksCache& cache_;
  std::atomic<int>& count_;
  const int bound_;
  bool held_ = false;
};

std::string DiscoveryUrl(std::string_view issuer) {
  // OpenID Connect Discovery 1.0 §4: "If the Issuer value contains a path component, any
  // terminating / MUST be removed before appending /.well-known/openid-configuration."
  while (!issuer.empty() && issuer.back() == '/') issuer.remove_suffix(1);
  return std::string(issuer) + "/.well-known/openid-configuration";
}

Result<std::string> DiscoverIdpUrl(std::string_view issuer, std::string_view member,
                                   const DocumentFetcher& fetcher, const IdpFetchOptions& options) {
  LS_ASSIGN_OR_RETURN(std::string text, fetcher(DiscoveryUrl(issuer)));
  LS_ASSIGN_OR_RETURN(auto doc, internal::ParseJoseObject(text, kIdentityProviderJsonLimits,
                                                          "The OpenID Provider configuration",
                                                          ErrorCode::kUnavailable));
  auto named = doc.find("issuer");
  if (named == doc.end() || !named->is_string() || *named != issuer) {
    return Errorf(ErrorCode::kUnavailable,
                  "The OpenID Provider configuration of '{}' names another issuer; it is not used",
                  Printable(issuer));
  }
  auto url = doc.find(member);
  if (url == doc.end() || !url->is_string()) {
    return Errorf(ErrorCode::kUnavailable, "The OpenID Provider configuration of '{}' has no {}",
                  Printable(issuer), member);
  }
  std::string out = url->get<std::string>();
  if (auto ok = CheckIdpUrl(out, options); !ok) {
    return MakeError(ErrorCode::kUnavailable, ok.error().message);
  }
  return out;
}

JwksCache::JwksCache(JwksCacheOptions options) : options_(std::move(options)) {
  if (!options_.fetcher) {
    options_.fetcher = [fetch = options_.fetch](const std::string& url) {
      return FetchIdpDocument(url, fetch);
    };
  }
}

JwksCache::~JwksCache() = default;

int64_t JwksCache::NowMs() const { return ClockOr(options_.clock).NowMs(); }

JwksCache::Stats JwksCache::stats() const {
  MutexLock lock(mu_);
  Stats out = stats_;
  out.sources = entries_.size();
  out.busy = busy_.load();
  out.blocked = blocked_.load();
  return out;
}

std::shared_ptr<JwksCache::Entry> JwksCache::EntryFor(const JwksSource& source) {
  MutexLock lock(mu_);
  auto it = entries_.find(source);
  if (it != entries_.end()) return it->second;
  if (entries_.size() >= options_.max_sources) {
    // Drop the least recently used entry nobody is using right now.
    auto victim = entries_.end();
    for (auto e = entries_.begin(); e != entries_.end(); ++e) {
      if (e->second.use_count() > 1) continue;
      if (victim == entries_.end() || e->second->used_at_ms < victim->second->used_at_ms) {
        victim = e;
      }
    }
    if (victim != entries_.end()) entries_.erase(victim);
  }
  auto entry = std::make_shared<Entry>();
  entries_.emplace(source, entry);
  return entry;
}

Result<JwksCache::Keys> JwksCache::Get(const JwksSource& source) {
  return Lookup(source, Want::kAny, nullptr);
}

Result<JwksCache::Keys> JwksCache::RefreshForUnknownKey(const JwksSource& source,
                                                        const Keys& seen) {
  return Lookup(source, Want::kNewerThan, seen);
}

Result<std::string> JwksCache::FetchDocument(const std::string& url) {
  // A document (a profile template's discovery) needs no partner's token: documents hold all but
  // one of the places at most, so that requests naming an issuer that hangs, sent in a loop,
  // leave one to the partners whose keys must be fetched.
  const int bound = options_.max_blocked_callers;
  BlockedPlace document(*this, documents_, bound <= 0 ? 0 : std::max(1, bound - 1));
  BlockedPlace place(*this);
  if (!document.Take() || !place.Take()) {
    return MakeError(
        ErrorCode::kUnavailable,
        fmt::format("Identity providers are slow to answer: {} requests already wait "
                    "for them, so '{}' is not fetched now; retry in a few seconds",
                    options_.max_blocked_callers, Printable(url.substr(0, url.find('?')))));
  }
  return options_.fetcher(url);
}

Result<JwksCache::Keys> JwksCache::Lookup(const JwksSource& source, Want want, const Keys& seen) {
  std::shared_ptr<Entry> entry = EntryFor(source);
  const int64_t max_age = options_.max_age_seconds * 1000;
  const int64_t max_stale = options_.max_stale_seconds * 1000;
  const int64_t retry = options_.failure_retry_seconds * 1000;
  BlockedPlace place(*this);  // outlives `lock`: given back after the entry's mutex
  MutexLock lock(entry->mu);
  while (true) {
    const int64_t now = NowMs();
    entry->used_at_ms = now;
    if (want == Want::kNewerThan && entry->keys != nullptr && entry->keys != seen) {
      return entry->keys;  // someone fetched since the caller looked
    }
    const bool retry_due = !entry->attempted || now - entry->attempted_at_ms >= retry;
    bool need = false;
    if (entry->keys == nullptr) {
      need = retry_due;
    } else if (want == Want::kNewerThan) {
      need = now - entry->attempted_at_ms >= options_.min_refresh_interval_seconds * 1000;
    } else {
      need = now - entry->fetched_at_ms >= max_age && (retry_due || !entry->failure);
    }
    if (!need) {
      if (entry->keys == nullptr || (want == Want::kNewerThan && entry->failure)) {
        return tl::unexpected(entry->failure.value_or(
            Error{ErrorCode::kUnavailable, "The identity provider's keys are not available"}));
      }
      if (now - entry->fetched_at_ms > max_stale && entry->failure) {
        return tl::unexpected(*entry->failure);
      }
      return entry->keys;
    }
    // Single flight: with keys to serve meanwhile, nobody waits for the fetch under way.
    if (entry->fetching && entry->keys != nullptr && want == Want::kAny) return entry->keys;
    if (!place.Take()) {
      // Too many callers blocked on identity providers: do not join them.
      if (entry->keys != nullptr && want == Want::kAny && now - entry->fetched_at_ms <= max_stale) {
        return entry->keys;  // the refresh is left to a later caller
      }
      return MakeError(
          ErrorCode::kUnavailable,
          fmt::format("Identity providers are slow to answer: {} requests already wait for them, "
                      "so the keys of '{}' are not fetched now; retry in a few seconds",
                      options_.max_blocked_callers, Printable(source.issuer)));
    }
    if (entry->fetching) {
      entry->fetched.Wait(entry->mu);
      continue;
    }
    entry->fetching = true;
    std::string discovered = want == Want::kAny ? std::string() : entry->discovered_uri;
    lock.Unlock();
    Result<Keys> fresh = Fetch(source, discovered);
    lock.Lock();
    entry->fetching = false;
    entry->attempted = true;
    entry->attempted_at_ms = NowMs();
    if (fresh) {
      entry->keys = *fresh;
      entry->fetched_at_ms = entry->attempted_at_ms;
      entry->failure.reset();
      entry->discovered_uri = discovered;
    } else {
      entry->failure = fresh.error();
    }
    entry->fetched.SignalAll();
    if (fresh) return *fresh;
    // A refresh that failed: the old keys still serve within max_stale, except for an unknown
    // key id (the key may be new: say the IdP is unavailable rather than that it is unknown).
    if (entry->keys != nullptr && want == Want::kAny &&
        entry->attempted_at_ms - entry->fetched_at_ms <= max_stale) {
      return entry->keys;
    }
    return tl::unexpected(fresh.error());
  }
}

Result<JwksCache::Keys> JwksCache::Fetch(const JwksSource& source, std::string& discovered) {
  {
    MutexLock lock(mu_);
    ++stats_.fetches;
  }
  auto fail = [this](Error error) -> Result<Keys> {
    MutexLock lock(mu_);
    ++stats_.failures;
    return tl::unexpected(std::move(error));
  };
  std::string jwks_uri = source.jwks_uri;
  if (jwks_uri.empty()) jwks_uri = discovered;
  if (jwks_uri.empty()) {
    auto uri = DiscoverIdpUrl(source.issuer, "jwks_uri", options_.fetcher, options_.fetch);
    if (!uri) return fail(uri.error());
    jwks_uri = *uri;
    discovered = jwks_uri;
  }
  auto text = options_.fetcher(jwks_uri);
  if (!text) return fail(text.error());
  JwksLimits limits;
  limits.max_bytes = options_.fetch.max_bytes;
  auto set = ParseJwks(*text, limits);
  if (!set) {
    return fail(
        Error{ErrorCode::kUnavailable, fmt::format("The JWK Set of '{}' is not usable: {}",
                                                   Printable(source.issuer), set.error().message)});
  }
  return std::make_shared<const JsonWebKeySet>(*std::move(set));
}

}  // namespace lakeshare::auth
