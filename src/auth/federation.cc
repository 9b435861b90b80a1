#include "auth/federation.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <vector>

#include "common/strings.h"

namespace lakeshare::auth {
namespace {

tl::unexpected<Error> RefuseFederated(std::string message) {
  return MakeError(ErrorCode::kUnauthenticated, std::move(message));
}

std::string ListForMessage(const std::vector<std::string>& values) {
  if (values.empty()) return "none";
  std::vector<std::string> quoted;
  for (size_t i = 0; i < values.size() && i < 5; ++i) {
    quoted.push_back("'" + Printable(values[i], 100) + "'");
  }
  std::string out = Join(quoted, ", ");
  if (values.size() > 5) out += ", ...";
  return out;
}

// The token's values of the claims the candidate policies look at: "azp 'x', sub 'y'".
std::string SubjectClaimsForMessage(
    const JwtClaims& claims, const std::vector<const catalog::FederatedRecipientPolicy*>& ps) {
  std::set<std::string> names;
  for (const auto* p : ps) names.insert(p->policy.subject_claim);
  std::string out;
  for (const std::string& name : names) {
    if (names.size() > 1 && out.size() > 300) break;
    if (!out.empty()) out += ", ";
    auto it = claims.strings.find(name);
    out += Printable(name, 64) + " " +
           (it == claims.strings.end() ? std::string("absent") : ListForMessage(it->second));
  }
  return out;
}

}  // namespace

FederationAuthenticator::FederationAuthenticator(catalog::Catalog& catalog,
                                                 const TokenVerifier& verifier,
                                                 FederationOptions options)
    : catalog_(catalog),
      verifier_(verifier),
      options_(std::move(options)),
      policies_(options_.max_issuers) {}

int64_t FederationAuthenticator::NowMs() const { return ClockOr(options_.clock).NowMs(); }

void FederationAuthenticator::InvalidateIssuer(std::string_view issuer) {
  if (issuer.empty()) {
    policies_.Clear();
  } else {
    policies_.Erase(issuer);
  }
}

Result<FederationAuthenticator::Policies> FederationAuthenticator::PoliciesOf(
    std::string_view issuer) const {
  static const Policies kNone =
      std::make_shared<const std::vector<catalog::FederatedRecipientPolicy>>();
  if (issuer.empty() || issuer.size() > 1024) return kNone;  // no policy can name it
  const int64_t now = NowMs();
  if (auto hit = policies_.Get(issuer, now)) return *hit;
  const uint64_t generation = policies_.generation();
  LS_ASSIGN_OR_RETURN(auto found, catalog_.FindFederationPolicies(issuer));
  auto policies =
      std::make_shared<const std::vector<catalog::FederatedRecipientPolicy>>(std::move(found));
  policies_.PutIfGeneration(std::string(issuer), policies, now + options_.policy_ttl_ms,
                            generation);
  return Policies(policies);
}

Result<FederatedIdentity> FederationAuthenticator::Authenticate(std::string_view token) const {
  Policies policies;
  auto unknown_issuer = [](const Jwt& jwt) {
    if (jwt.claims.issuer.empty()) return RefuseFederated("The token has no 'iss' claim");
    return RefuseFederated(fmt::format(
        "The token's issuer '{}' is not trusted here: no federation policy names it. Ask the data "
        "provider for a federation policy with your identity provider's issuer, exactly as in "
        "the token's 'iss'",
        Printable(jwt.claims.issuer, 200)));
  };
  KeySources sources = [&](const Jwt& jwt) -> Result<std::vector<JwksSource>> {
    LS_ASSIGN_OR_RETURN(policies, PoliciesOf(jwt.claims.issuer));
    if (policies->empty()) return unknown_issuer(jwt);
    std::vector<JwksSource> out;
    for (const auto& p : *policies) {
      JwksSource source{p.policy.issuer, p.policy.jwks_uri};
      if (std::find(out.begin(), out.end(), source) == out.end()) out.push_back(source);
    }
    return out;
  };
  LS_ASSIGN_OR_RETURN(auto verified, verifier_.Verify(token, sources));
  const Jwt& jwt = verified->jwt;
  if (policies == nullptr) {  // verified earlier: the policies were not asked for yet
    LS_ASSIGN_OR_RETURN(policies, PoliciesOf(jwt.claims.issuer));
    if (policies->empty()) return unknown_issuer(jwt);
  }
  const int64_t now = NowMs();
  LS_RETURN_IF_ERROR(CheckTimes(jwt.claims, {now / 1000, options_.clock_skew_seconds}));

  // A policy matching the token whose key source could not be asked might have accepted it for
  // another recipient (the one its issuer meant, when a verified source holds a copied key):
  // refusing, or choosing among the others, would decide without it.
  for (const auto& p : *policies) {
    if (verified->Unavailable(JwksSource{p.policy.issuer, p.policy.jwks_uri}) &&
        AudienceMatches(jwt.claims, p.policy.audiences) &&
        jwt.claims.Matches(p.policy.subject_claim, p.policy.subject)) {
      return tl::unexpected(*verified->unavailable_error);
    }
  }
  std::vector<const catalog::FederatedRecipientPolicy*> by_audience;
  for (const auto& p : *policies) {
    if (verified->VerifiedBy(JwksSource{p.policy.issuer, p.policy.jwks_uri}) &&
        AudienceMatches(jwt.claims, p.policy.audiences)) {
      by_audience.push_back(&p);
    }
  }
  if (by_audience.empty()) {
    return RefuseFederated(fmt::format(
        "The token's audience ({}) is not accepted by the federation policies for issuer '{}': "
        "request a token for the audience the data provider gave you (the scope of your profile)",
        ListForMessage(jwt.claims.audiences), Printable(jwt.claims.issuer, 200)));
  }
  std::vector<const catalog::FederatedRecipientPolicy*> matched;
  for (const auto* p : by_audience) {
    if (jwt.claims.Matches(p->policy.subject_claim, p->policy.subject)) matched.push_back(p);
  }
  if (matched.empty()) {
    return RefuseFederated(fmt::format(
        "No federation policy matched: none for issuer '{}' and this audience accepts the "
        "token's subject ({}). Ask the data provider which identity its policy expects",
        Printable(jwt.claims.issuer, 200), SubjectClaimsForMessage(jwt.claims, by_audience)));
  }
  const catalog::FederatedRecipientPolicy& match = *matched.front();
  for (const auto* p : matched) {
    if (p->recipient_id != match.recipient_id) {
      return RefuseFederated(
          "The token matches the federation policies of more than one recipient; the data "
          "provider must make the policies distinct");
    }
  }
  if (match.authentication_type != catalog::kAuthOidc) {
    return RefuseFederated("The recipient of this token does not authenticate with federation");
  }
  if (match.recipient_expiration_time && *match.recipient_expiration_time <= now) {
    return RefuseFederated("The recipient's access has expired: ask the data provider to renew it");
  }
  FederatedIdentity identity;
  identity.recipient = match.policy.recipient_name;
  identity.recipient_id = match.recipient_id;
  identity.policy = match.policy.name;
  identity.issuer = jwt.claims.issuer;
  identity.subject = match.policy.subject;  // for a list claim: the member that matched
  identity.token_id = jwt.claims.jwt_id;
  identity.expires_at_ms = *jwt.claims.expires_at * 1000;
  return identity;
}

}  // namespace lakeshare::auth
