#include "auth/token_verifier.h"

#include <algorithm>
#include <chrono>
#include <optional>

#include "catalog/catalog.h"

namespace lakeshare::auth {

TokenVerifier::TokenVerifier(JwksCache& keys, TokenVerifierOptions options)
    : keys_(keys), options_(std::move(options)), verified_(options_.max_tokens) {}

int64_t TokenVerifier::NowMs() const { return ClockOr(options_.clock).NowMs(); }

TokenVerifier::Stats TokenVerifier::stats() const { return {hits_.load(), misses_.load()}; }

Result<std::shared_ptr<const VerifiedToken>> TokenVerifier::Verify(
    std::string_view token, const KeySources& sources) const {
  if (token.size() > options_.limits.max_token_bytes) {
    return tl::unexpected(DecodeJwt(token, options_.limits).error());  // refused before hashing
  }
  const int64_t now = NowMs();
  std::string digest = catalog::HashToken(token);
  if (auto hit = verified_.Get(digest, now)) {
    ++hits_;
    return *hit;
  }
  ++misses_;
  const uint64_t generation = verified_.generation();
  LS_ASSIGN_OR_RETURN(Jwt jwt, DecodeJwt(token, options_.limits));
  LS_ASSIGN_OR_RETURN(std::vector<JwksSource> candidates, sources(jwt));
  std::vector<JwksSource> verified_by;
  std::vector<JwksSource> unavailable_sources;
  std::optional<Error> unavailable;  // the first source whose keys could not be fetched
  std::optional<Error> bad_signature;
  for (const JwksSource& source : candidates) {
    Result<JwksCache::Keys> keys = keys_.Get(source);
    const VerificationKey* key = keys ? FindKey(**keys, jwt) : nullptr;
    if (keys && key == nullptr) {
      const JwksCache::Keys seen = *keys;
      keys = keys_.RefreshForUnknownKey(source, seen);
      key = keys ? FindKey(**keys, jwt) : nullptr;
    }
    if (!keys) {
      if (!unavailable) unavailable = keys.error();
      unavailable_sources.push_back(source);
      continue;
    }
    if (key == nullptr) continue;
    if (Status st = jwt.VerifySignature(*key); !st) {
      if (!bad_signature) bad_signature = st.error();
      continue;
    }
    verified_by.push_back(source);
  }
  if (verified_by.empty()) {
    if (unavailable) return tl::unexpected(*std::move(unavailable));
    if (bad_signature) return tl::unexpected(*std::move(bad_signature));
    return tl::unexpected(NoKeyError(jwt, jwt.claims.issuer));
  }
  auto verified = std::make_shared<const VerifiedToken>(
      VerifiedToken{std::move(jwt), std::move(verified_by), std::move(unavailable_sources),
                    std::move(unavailable)});
  // Kept until the token expires (never for a token without `exp`: it is refused later), unless
  // a source could not be asked: that answer holds only until the source answers again.
  if (verified->jwt.claims.expires_at && verified->unavailable.empty()) {
    int64_t until = (*verified->jwt.claims.expires_at + options_.clock_skew_seconds) * 1000;
    if (until > now) verified_.PutIfGeneration(std::move(digest), verified, until, generation);
  }
  return verified;
}

bool VerifiedToken::VerifiedBy(const JwksSource& source) const {
  return std::find(sources.begin(), sources.end(), source) != sources.end();
}

bool VerifiedToken::Unavailable(const JwksSource& source) const {
  return std::find(unavailable.begin(), unavailable.end(), source) != unavailable.end();
}

}  // namespace lakeshare::auth
