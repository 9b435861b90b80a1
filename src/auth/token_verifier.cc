#include "auth/token_verifier.h"

#include <chrono>

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
  for (const JwksSource& source : candidates) {
    LS_ASSIGN_OR_RETURN(JwksCache::Keys keys, keys_.Get(source));
    const VerificationKey* key = FindKey(*keys, jwt);
    if (key == nullptr) {
      LS_ASSIGN_OR_RETURN(keys, keys_.RefreshForUnknownKey(source, keys));
      key = FindKey(*keys, jwt);
    }
    if (key == nullptr) continue;
    LS_RETURN_IF_ERROR(jwt.VerifySignature(*key));
    auto verified = std::make_shared<const VerifiedToken>(VerifiedToken{std::move(jwt), source});
    // Kept until the token expires (never for a token without `exp`: it is refused later).
    if (verified->jwt.claims.expires_at) {
      int64_t until = (*verified->jwt.claims.expires_at + options_.clock_skew_seconds) * 1000;
      if (until > now) verified_.PutIfGeneration(std::move(digest), verified, until, generation);
    }
    return verified;
  }
  return tl::unexpected(NoKeyError(jwt, jwt.claims.issuer));
}

}  // namespace lakeshare::auth
