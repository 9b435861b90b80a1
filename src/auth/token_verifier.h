// TokenVerifier: checks the signature of a JWT bearer token with its issuer's published keys
// (JwksCache) and remembers, per token, that it did, so that a partner's client sending the same
// token on every request costs one SHA-256 and a map lookup, not a signature check. It is the
// shared first half of every JWT check (federation policies, provider sign-in); the second half
// (times, audience, subject) runs on every request with the caller's rules.
//
// What is cached: only tokens whose signature verified, under the SHA-256 of the token, until
// the token's `exp` plus the clock skew, at most max_tokens of them (least recently used dropped
// first). A token whose key the issuer has since rotated out stays verified until it expires
// (it was validly signed; the issuer's own lifetime bounds it). Nothing a caller can send makes
// an entry without a valid signature.
//
// Thread-safe. `keys` must outlive the verifier.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "auth/jwks_cache.h"
#include "auth/jwt.h"
#include "common/clock.h"
#include "common/result.h"
#include "common/ttl_cache.h"

namespace lakeshare::auth {

struct TokenVerifierOptions {
  size_t max_tokens = 10'000;
  int64_t clock_skew_seconds = 60;
  JoseLimits limits{};
  /// The wall clock (common/clock.h); null: the system clock.
  const Clock* clock = nullptr;
};

struct VerifiedToken {
  Jwt jwt;
  /// Every key source of its issuer, among those asked, whose key verified it. Policies of
  /// several teams may name one issuer, each with its own key source: only the policies whose
  /// source is here may accept the token.
  std::vector<JwksSource> sources;
  /// The key sources asked whose keys could not be fetched, and the first such error. A policy
  /// naming one of them cannot be ruled out: it might have accepted the token, so a caller
  /// choosing among policies answers this error rather than choose without it. Such a
  /// verification is never cached.
  std::vector<JwksSource> unavailable;
  std::optional<Error> unavailable_error;

  bool VerifiedBy(const JwksSource& source) const;
  bool Unavailable(const JwksSource& source) const;
};

/// Where the keys of a decoded (unverified) token may come from: the key sources configured for
/// its issuer, or an error to answer (an unknown issuer: kUnauthenticated).
using KeySources = std::function<Result<std::vector<JwksSource>>(const Jwt& unverified)>;

class TokenVerifier {
 public:
  TokenVerifier(JwksCache& keys, TokenVerifierOptions options = {});

  /// The verified token: decoded (kUnauthenticated when it is no acceptable JWT), its issuer's
  /// key sources asked of `sources`, and in each of them the key named by its `kid` looked up
  /// (the set fetched again, rate-limited, when the kid is unknown) and the signature checked.
  /// Every source is tried: one that cannot be fetched, lacks the key or holds another key of
  /// that id does not decide for the others (a team's policy may name another team's issuer
  /// with a key set of its own). Verified when any source verifies it (the sources that could not
  /// be fetched listed beside, and the result then not cached); otherwise kUnavailable (503) when
  /// a source's keys could not be fetched, else kUnauthenticated.
  Result<std::shared_ptr<const VerifiedToken>> Verify(std::string_view token,
                                                      const KeySources& sources) const;

  struct Stats {
    int64_t hits = 0;
    int64_t misses = 0;
  };
  Stats stats() const;

 private:
  int64_t NowMs() const;

  JwksCache& keys_;
  TokenVerifierOptions options_;
  mutable TtlCache<std::shared_ptr<const VerifiedToken>> verified_;
  mutable std::atomic<int64_t> hits_{0};
  mutable std::atomic<int64_t> misses_{0};
};

}  // namespace lakeshare::auth
