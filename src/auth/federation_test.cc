#include "auth/federation.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "auth/test_idp_internal.h"
#include "auth/test_metastore_internal.h"
#include "common/clock.h"
#include "common/strings.h"

// Designated initializers naming only the fields a test cares about are the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace lakeshare::auth {
namespace {

using nlohmann::json;

constexpr int64_t kStart = 1'700'000'000'000;

// The whole chain with real parts: a SQLite metastore, an identity provider over HTTP on
// loopback (TestIdp), the JWKS cache, the token verifier and the authenticator; one test clock.
class FederationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(metastore_.Open(&clock_));
    catalog_ = &metastore_.catalog();
    key_ = idp_.AddKey(JwsAlgorithm::kRS256, "k1");
    UseKeyCache({});
    ASSERT_TRUE(catalog_->CreateRecipient({.name = "acme", .authentication_type = "OIDC"}));
    ASSERT_TRUE(AddPolicy("acme", "m2m", "azp", "acme-client"));
  }

  // A new key cache (and verifier and authenticator over it) with `jwks`, on the test clock.
  void UseKeyCache(JwksCacheOptions jwks) {
    auth_.reset();
    verifier_.reset();
    jwks.fetch.allow_loopback_http = true;
    jwks.clock = &clock_;
    keys_ = std::make_unique<JwksCache>(jwks);
    verifier_ = std::make_unique<TokenVerifier>(*keys_, TokenVerifierOptions{.clock = &clock_});
    auth_ = std::make_unique<FederationAuthenticator>(*catalog_, *verifier_,
                                                      FederationOptions{.clock = &clock_});
  }

  Result<catalog::FederationPolicy> AddPolicy(const std::string& recipient, const std::string& name,
                                              const std::string& claim, const std::string& subject,
                                              const std::string& jwks_uri = "",
                                              const std::string& issuer = "") {
    return catalog_->CreateFederationPolicy(
        recipient, {.name = name,
                    .issuer = issuer.empty() ? idp_.issuer() : issuer,
                    .audiences = {"api://lakeshare", "https://share.example.com"},
                    .subject_claim = claim,
                    .subject = subject,
                    .jwks_uri = jwks_uri});
  }

  json Claims() const {
    int64_t now = clock_.NowMs() / 1000;
    return {{"iss", idp_.issuer()}, {"aud", "api://lakeshare"},
            {"sub", "svc-1"},       {"azp", "acme-client"},
            {"exp", now + 300},     {"iat", now},
            {"jti", "tok-1"},       {"groups", {"g-sales", "g-partners"}}};
  }
  std::string Sign(const json& claims, const SigningKey* key = nullptr) const {
    return *SignJwt(key ? *key : key_, claims.dump());
  }
  std::string Refusal(const std::string& token, ErrorCode want = ErrorCode::kUnauthenticated) {
    auto r = auth_->Authenticate(token);
    if (r) return "accepted as " + r->recipient;
    EXPECT_EQ(r.error().code, want) << r.error().message;
    return r.error().message;
  }

  ManualClock clock_{kStart};
  testing::TestIdp idp_;
  SigningKey key_;
  testing::TestMetastore metastore_{"federation-test"};
  catalog::Catalog* catalog_ = nullptr;
  std::unique_ptr<JwksCache> keys_;
  std::unique_ptr<TokenVerifier> verifier_;
  std::unique_ptr<FederationAuthenticator> auth_;
};

TEST_F(FederationTest, ATokenMatchingAPolicyIdentifiesItsRecipient) {
  auto id = auth_->Authenticate(Sign(Claims()));
  ASSERT_TRUE(id) << id.error().ToString();
  EXPECT_EQ(id->recipient, "acme");
  EXPECT_EQ(id->policy, "m2m");
  EXPECT_EQ(id->issuer, idp_.issuer());
  EXPECT_EQ(id->subject, "acme-client");
  EXPECT_EQ(id->token_id, "tok-1");
  EXPECT_EQ(id->expires_at_ms, (kStart / 1000 + 300) * 1000);
  EXPECT_EQ(idp_.discovery_fetches.load(), 1);
  EXPECT_EQ(idp_.jwks_fetches.load(), 1);
}

TEST_F(FederationTest, SubjectClaimsMatchSubAzpOidAndGroupMembership) {
  ASSERT_TRUE(catalog_->CreateRecipient({.name = "globex", .authentication_type = "OIDC"}));
  ASSERT_TRUE(AddPolicy("globex", "by-group", "groups", "g-globex"));
  ASSERT_TRUE(catalog_->CreateRecipient({.name = "initech", .authentication_type = "OIDC"}));
  ASSERT_TRUE(AddPolicy("initech", "by-oid", "oid", "0000-1111"));
  json claims = Claims();
  claims["azp"] = "someone-else";
  claims["groups"] = {"g-other", "g-globex"};
  auto globex = auth_->Authenticate(Sign(claims));
  ASSERT_TRUE(globex) << globex.error().ToString();
  EXPECT_EQ(globex->recipient, "globex");
  EXPECT_EQ(globex->subject, "g-globex");
  claims["groups"] = json::array();
  claims["oid"] = "0000-1111";
  auto initech = auth_->Authenticate(Sign(claims));
  ASSERT_TRUE(initech) << initech.error().ToString();
  EXPECT_EQ(initech->recipient, "initech");
}

TEST_F(FederationTest, EachRefusalSaysWhatIsWrong) {
  json claims = Claims();
  claims["iss"] = "https://other-idp.example.com";
  EXPECT_NE(Refusal(Sign(claims)).find("issuer 'https://other-idp.example.com' is not trusted"),
            std::string::npos);
  claims = Claims();
  claims["aud"] = "api://someone-else";
  EXPECT_NE(Refusal(Sign(claims)).find("audience ('api://someone-else') is not accepted"),
            std::string::npos);
  claims = Claims();
  claims["azp"] = "intruder";
  std::string msg = Refusal(Sign(claims));
  EXPECT_NE(msg.find("No federation policy matched"), std::string::npos) << msg;
  EXPECT_NE(msg.find("azp 'intruder'"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("acme-client"), std::string::npos) << "the policy's subject leaked: " << msg;
  claims = Claims();
  claims["exp"] = clock_.NowMs() / 1000 - 120;
  EXPECT_NE(Refusal(Sign(claims)).find("expired at"), std::string::npos);
  claims = Claims();
  claims["nbf"] = clock_.NowMs() / 1000 + 600;
  EXPECT_NE(Refusal(Sign(claims)).find("not valid before"), std::string::npos);
}

TEST_F(FederationTest, UnsignedProbesLearnNothingAboutPolicies) {
  // Wrong audience and a forged signature: the refusal is about the signature, so nobody can
  // map the configured audiences and subjects without the issuer's key.
  json claims = Claims();
  claims["aud"] = "api://guess";
  auto impostor = SigningKey::Generate(JwsAlgorithm::kRS256, "k1");
  std::string msg = Refusal(Sign(claims, &*impostor));
  EXPECT_NE(msg.find("signature does not verify"), std::string::npos) << msg;
  EXPECT_EQ(msg.find("audience"), std::string::npos) << msg;
}

TEST_F(FederationTest, NoneHmacAndForeignKeysAreRefused) {
  json header = {{"alg", "none"}};
  std::string none = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(Claims().dump()) + ".";
  EXPECT_NE(Refusal(none).find("not signed"), std::string::npos);
  header = {{"alg", "HS256"}, {"kid", "k1"}};
  std::string hs = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(Claims().dump()) + "." +
                   Base64UrlEncode("mac-made-with-the-public-key");
  EXPECT_NE(Refusal(hs).find("'HS256' is not accepted"), std::string::npos);
}

TEST_F(FederationTest, AKeyTheIssuerRotatedOutIsRefused) {
  ASSERT_TRUE(auth_->Authenticate(Sign(Claims())));
  // The issuer publishes a new key and drops the old one. Once the cached set is older than
  // max_age it is fetched again, and from then on the old key is unknown.
  SigningKey next = idp_.AddKey(JwsAlgorithm::kES256, "k2");
  idp_.DropAllButLastKey();
  clock_.Advance(JwksCacheOptions{}.max_age_seconds * 1000 + 1000);
  json claims = Claims();
  claims["jti"] = "tok-2";
  std::string msg = Refusal(Sign(claims, &key_));
  EXPECT_NE(msg.find("'k1' is not a RS256 key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("rotated out"), std::string::npos) << msg;
  auto fresh = auth_->Authenticate(Sign(claims, &next));
  ASSERT_TRUE(fresh) << fresh.error().ToString();
}

TEST_F(FederationTest, AnUnreachableIdentityProviderIs503) {
  idp_.SetStatus(503);
  EXPECT_NE(Refusal(Sign(Claims()), ErrorCode::kUnavailable).find("HTTP 503"), std::string::npos);
}

TEST_F(FederationTest, DeletedPoliciesAndRecipientsStopWithinThePolicyTtl) {
  std::string token = Sign(Claims());
  ASSERT_TRUE(auth_->Authenticate(token));
  ASSERT_TRUE(catalog_->DeleteFederationPolicy("acme", "m2m"));
  EXPECT_TRUE(auth_->Authenticate(token));  // cached policies, up to 2 s
  clock_.Advance(2001);
  EXPECT_NE(Refusal(token).find("is not trusted"), std::string::npos);
  // A recipient deleted: its policies go with it; this replica can also drop them at once.
  ASSERT_TRUE(AddPolicy("acme", "m2m", "azp", "acme-client"));
  auth_->InvalidateIssuer(idp_.issuer());
  ASSERT_TRUE(auth_->Authenticate(token));
  ASSERT_TRUE(catalog_->DeleteRecipient("acme"));
  auth_->InvalidateIssuer("");
  EXPECT_FALSE(auth_->Authenticate(token));
}

TEST_F(FederationTest, AnExpiredRecipientOrTwoMatchingRecipientsAreRefused) {
  ASSERT_TRUE(catalog_->CreateRecipient({.name = "twin", .authentication_type = "OIDC"}));
  ASSERT_TRUE(AddPolicy("twin", "same", "azp", "acme-client"));
  EXPECT_NE(Refusal(Sign(Claims())).find("more than one recipient"), std::string::npos);
  ASSERT_TRUE(catalog_->DeleteRecipient("twin"));
  catalog::RecipientUpdate expire;
  expire.expiration_time = std::optional<int64_t>(kStart + 1000);
  ASSERT_TRUE(catalog_->UpdateRecipient("acme", expire));
  auth_->InvalidateIssuer("");
  clock_.Advance(1001);
  EXPECT_NE(Refusal(Sign(Claims())).find("access has expired"), std::string::npos);
}

// A team may name another team's issuer in a policy of its own recipient, with a key set of its
// choosing (and a recipient name that sorts first). That key set never decides for the other
// team's tokens: a key of the same id that does not verify them, a key set that cannot be
// fetched, or a copy of the issuer's own public key neither refuses a partner's token nor makes
// it the squatter's recipient.
TEST_F(FederationTest, APolicyNamingTheSameIssuerWithOtherKeysNeitherRefusesNorTakesItsTokens) {
  testing::TestIdp squatter;
  squatter.AddKey(JwsAlgorithm::kRS256, "k1");  // the issuer's key id, another key
  ASSERT_TRUE(catalog_->CreateRecipient({.name = "aaa", .authentication_type = "OIDC"}));
  ASSERT_TRUE(AddPolicy("aaa", "squat", "azp", "aaa-client", squatter.jwks_uri()));
  EXPECT_EQ(Refusal(Sign(Claims())), "accepted as acme");

  UseKeyCache({});  // nothing cached: the squatter's key set cannot be fetched
  squatter.SetStatus(503);
  EXPECT_EQ(Refusal(Sign(Claims())), "accepted as acme");

  UseKeyCache({});  // the squatter publishes the issuer's own public key
  squatter.SetStatus(200);
  squatter.SetJwksBody(R"({"keys":[)" + key_.PublicKey().ToJwkJson() + "]}");
  EXPECT_EQ(Refusal(Sign(Claims())), "accepted as acme");
  // ...and a policy of its own that the partner's token matches as well: the token verifies with
  // both policies' keys, so both recipients match and it is refused; never the squatter's.
  ASSERT_TRUE(AddPolicy("aaa", "same-subject", "azp", "acme-client", squatter.jwks_uri()));
  UseKeyCache({});
  const std::string both = Refusal(Sign(Claims()));
  EXPECT_NE(both, "accepted as aaa");
  EXPECT_NE(both.find("more than one recipient"), std::string::npos) << both;
}

// The copied key while the issuer's own key set cannot be fetched: the squatter's source alone
// verifies the token, and its policy alone would be eligible. A matching policy that could not be
// asked is not ruled out: 503, never the squatter's recipient, and nothing cached that would
// outlive the identity provider's recovery.
TEST_F(FederationTest, ACopiedKeyTakesNoTokenWhileTheIssuersOwnKeysCannotBeFetched) {
  testing::TestIdp squatter;
  squatter.SetJwksBody(R"({"keys":[)" + key_.PublicKey().ToJwkJson() + "]}");
  ASSERT_TRUE(catalog_->CreateRecipient({.name = "aaa", .authentication_type = "OIDC"}));
  ASSERT_TRUE(AddPolicy("aaa", "same-subject", "azp", "acme-client", squatter.jwks_uri()));
  const std::string token = Sign(Claims());
  idp_.SetStatus(503);
  EXPECT_NE(Refusal(token, ErrorCode::kUnavailable).find("HTTP 503"), std::string::npos);
  EXPECT_NE(Refusal(token, ErrorCode::kUnavailable), "accepted as aaa");

  idp_.SetStatus(200);
  clock_.Advance(10'001);  // past the key cache's failure_retry_seconds
  const std::string both = Refusal(token);
  EXPECT_NE(both.find("more than one recipient"), std::string::npos) << both;
  // A squatter's policy the token does not match leaves the partner's token to its own policy.
  ASSERT_TRUE(catalog_->DeleteFederationPolicy("aaa", "same-subject"));
  ASSERT_TRUE(AddPolicy("aaa", "other", "azp", "aaa-client", squatter.jwks_uri()));
  auth_->InvalidateIssuer("");
  EXPECT_EQ(Refusal(token), "accepted as acme");
}

TEST_F(FederationTest, SignatureChecksAreCachedPerTokenAndKeysPerIssuer) {
  std::string token = Sign(Claims());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(auth_->Authenticate(token));
  EXPECT_EQ(verifier_->stats().misses, 1);
  EXPECT_EQ(verifier_->stats().hits, 49);
  EXPECT_EQ(idp_.jwks_fetches.load(), 1);
  // The cached check does not outlive the token (its exp plus the 60 s clock skew).
  clock_.Advance(361 * 1000);
  EXPECT_NE(Refusal(token).find("expired"), std::string::npos);
}

TEST_F(FederationTest, APolicyJwksUriSkipsDiscovery) {
  ASSERT_TRUE(catalog_->DeleteFederationPolicy("acme", "m2m"));
  ASSERT_TRUE(AddPolicy("acme", "direct", "sub", "svc-1", idp_.jwks_uri()));
  auto id = auth_->Authenticate(Sign(Claims()));
  ASSERT_TRUE(id) << id.error().ToString();
  EXPECT_EQ(id->policy, "direct");
  EXPECT_EQ(idp_.discovery_fetches.load(), 0);
}

TEST_F(FederationTest, AForgedTokenFloodFetchesTheKeysABoundedNumberOfTimes) {
  ASSERT_TRUE(auth_->Authenticate(Sign(Claims())));
  auto forger = SigningKey::Generate(JwsAlgorithm::kES256, "x");
  for (int i = 0; i < 300; ++i) {
    json header = {{"alg", "ES256"}, {"kid", "forged-" + std::to_string(i)}};
    std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(Claims().dump());
    std::string token = input + "." + Base64UrlEncode(*forger->Sign(input));
    EXPECT_FALSE(auth_->Authenticate(token));
    clock_.Advance(1000);  // five minutes in all
  }
  // One fetch at the start, then at most one per minute.
  EXPECT_LE(idp_.jwks_fetches.load(), 1 + 5);
  EXPECT_GE(idp_.jwks_fetches.load(), 2);
}

// Polls `done` until it holds (a guard of two minutes against a hang, not a timing assertion).
bool Eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 12'000 && !done(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

TEST_F(FederationTest, AHangingIdentityProviderHoldsAtMostTheBoundOfCallers) {
  // A provider team points a policy at an IdP that does not answer. Eight callers (the server's
  // handler threads by default) present tokens of its issuer: two wait for it, the other six are
  // refused at once, and a recipient whose keys are cached is served meanwhile.
  // The gate, not the timeout, ends the fetch: a timeout past any slow machine's delay.
  UseKeyCache({.max_blocked_callers = 2, .fetch = {.timeout_ms = 600'000}});
  ASSERT_TRUE(auth_->Authenticate(Sign(Claims())));  // acme's keys are cached
  testing::TestIdp slow;
  SigningKey slow_key = slow.AddKey(JwsAlgorithm::kES256, "s1");
  ASSERT_TRUE(catalog_->CreateRecipient({.name = "slowpoke", .authentication_type = "OIDC"}));
  ASSERT_TRUE(AddPolicy("slowpoke", "m2m", "azp", "acme-client", "", slow.issuer()));
  slow.Hold();
  constexpr int kCallers = 8;
  std::vector<Result<FederatedIdentity>> results(kCallers);
  std::atomic<int> answered{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < kCallers; ++i) {
    json claims = Claims();
    claims["iss"] = slow.issuer();
    claims["jti"] = "slow-" + std::to_string(i);
    callers.emplace_back([this, &results, &answered, i, token = Sign(claims, &slow_key)] {
      results[i] = auth_->Authenticate(token);
      ++answered;
    });
  }
  ASSERT_TRUE(Eventually([&] { return answered.load() >= kCallers - 2; }));
  EXPECT_EQ(answered.load(), kCallers - 2) << "the IdP is held: two callers still wait for it";
  EXPECT_EQ(keys_->stats().blocked, 2);
  json other = Claims();
  other["jti"] = "while-the-idp-hangs";
  auto served = auth_->Authenticate(Sign(other));
  EXPECT_TRUE(served) << served.error().ToString();

  slow.Release();
  for (auto& t : callers) t.join();
  int refused = 0;
  for (const auto& r : results) {
    if (r) {
      EXPECT_EQ(r->recipient, "slowpoke");
      continue;
    }
    ++refused;
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(r.error().message.find("Identity providers are slow to answer"), std::string::npos)
        << r.error().message;
  }
  EXPECT_EQ(refused, kCallers - 2);
  EXPECT_EQ(keys_->stats().busy, kCallers - 2);
  EXPECT_EQ(keys_->stats().blocked, 0);
}

}  // namespace
}  // namespace lakeshare::auth
