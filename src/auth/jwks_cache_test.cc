#include "auth/jwks_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "auth/test_idp_internal.h"
#include "common/clock.h"
#include "common/mutex.h"
#include "http/client.h"

namespace lakeshare::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kIssuer[] = "https://idp.example.com/tenant";
constexpr char kDiscovery[] = "https://idp.example.com/tenant/.well-known/openid-configuration";
constexpr char kJwksUri[] = "https://keys.example.com/tenant/jwks";

// A scripted identity provider for the cache's timing rules: documents by URL, a counter per URL,
// and a clock the test moves. (TestIdp below serves the same documents over real HTTP.)
class ScriptedIdp {
 public:
  ScriptedIdp() {
    key_ = *SigningKey::Generate(JwsAlgorithm::kES256, "k1");
    docs_[kDiscovery] = std::string(R"({"issuer":")") + kIssuer + R"(","jwks_uri":")" + kJwksUri +
                        R"(","token_endpoint":"https://idp.example.com/token"})";
    docs_[kJwksUri] = R"({"keys":[)" + key_.PublicKey().ToJwkJson() + "]}";
  }

  JwksCacheOptions Options() {
    JwksCacheOptions options;
    options.clock = &clock;
    options.fetcher = [this](const std::string& url) -> Result<std::string> {
      MutexLock lock(mu_);
      ++fetches_[url];
      if (failing) return MakeError(ErrorCode::kUnavailable, "The IdP is down");
      auto it = docs_.find(url);
      if (it == docs_.end()) return MakeError(ErrorCode::kUnavailable, "HTTP 404 for " + url);
      return it->second;
    };
    return options;
  }

  int Fetches(const std::string& url) {
    MutexLock lock(mu_);
    return fetches_[url];
  }
  void Set(const std::string& url, std::string body) {
    MutexLock lock(mu_);
    docs_[url] = std::move(body);
  }

  ManualClock clock{1'700'000'000'000};
  std::atomic<bool> failing{false};

 private:
  Mutex mu_;
  std::map<std::string, int> fetches_ LS_GUARDED_BY(mu_);  // by URL
  std::map<std::string, std::string> docs_ LS_GUARDED_BY(mu_);
  SigningKey key_;
};

TEST(JwksCacheTest, DiscoveryUrlDropsTheIssuersTrailingSlash) {
  EXPECT_EQ(DiscoveryUrl("https://a.example/t/"),
            "https://a.example/t/.well-known/openid-configuration");
  EXPECT_EQ(DiscoveryUrl("https://a.example"),
            "https://a.example/.well-known/openid-configuration");
}

TEST(JwksCacheTest, DiscoversOnceThenServesFromTheCacheUntilMaxAge) {
  ScriptedIdp idp;
  JwksCache cache(idp.Options());
  JwksSource source{kIssuer, ""};
  auto first = cache.Get(source);
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ((*first)->keys.size(), 1u);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(*cache.Get(source), *first);
  EXPECT_EQ(idp.Fetches(kDiscovery), 1);
  EXPECT_EQ(idp.Fetches(kJwksUri), 1);
  idp.clock.Advance(900 * 1000);
  ASSERT_TRUE(cache.Get(source));
  EXPECT_EQ(idp.Fetches(kJwksUri), 2);
  EXPECT_EQ(idp.Fetches(kDiscovery), 2);  // an age refresh discovers again
  EXPECT_EQ(cache.stats().fetches, 2);
}

TEST(JwksCacheTest, DiscoveryGivesTheTokenEndpointForProfileTemplates) {
  ScriptedIdp idp;
  auto url = DiscoverIdpUrl(kIssuer, "token_endpoint", idp.Options().fetcher, {});
  ASSERT_TRUE(url) << url.error().ToString();
  EXPECT_EQ(*url, "https://idp.example.com/token");
  EXPECT_FALSE(DiscoverIdpUrl(kIssuer, "userinfo_endpoint", idp.Options().fetcher, {}));
}

TEST(JwksCacheTest, AJwksUriOfThePolicySkipsDiscovery) {
  ScriptedIdp idp;
  JwksCache cache(idp.Options());
  ASSERT_TRUE(cache.Get({kIssuer, kJwksUri}));
  EXPECT_EQ(idp.Fetches(kDiscovery), 0);
  EXPECT_EQ(idp.Fetches(kJwksUri), 1);
}

TEST(JwksCacheTest, ADiscoveryDocumentOfAnotherIssuerIsNotUsed) {
  ScriptedIdp idp;
  for (std::string issuer :
       {std::string(kIssuer) + "/", std::string("https://idp.example.com/TENANT"),
        std::string("https://evil.example/tenant")}) {
    idp.Set(kDiscovery, R"({"issuer":")" + issuer + R"(","jwks_uri":")" + kJwksUri + R"("})");
    JwksCache cache(idp.Options());
    auto keys = cache.Get({kIssuer, ""});
    ASSERT_FALSE(keys) << issuer;
    EXPECT_EQ(keys.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(keys.error().message.find("names another issuer"), std::string::npos);
    EXPECT_FALSE(DiscoverIdpUrl(kIssuer, "token_endpoint", idp.Options().fetcher, {}));
  }
  EXPECT_EQ(idp.Fetches(kJwksUri), 0);
  // A jwks_uri that is not https is not fetched either.
  idp.Set(kDiscovery, std::string(R"({"issuer":")") + kIssuer +
                          R"(","jwks_uri":"http://keys.example.com/jwks"})");
  JwksCache cache(idp.Options());
  auto keys = cache.Get({kIssuer, ""});
  ASSERT_FALSE(keys);
  EXPECT_NE(keys.error().message.find("not https"), std::string::npos);
}

TEST(JwksCacheTest, UnknownKeyIdsRefreshAtMostOncePerInterval) {
  ScriptedIdp idp;
  JwksCache cache(idp.Options());
  JwksSource source{kIssuer, ""};
  auto keys = *cache.Get(source);
  // A flood of tokens with key ids nobody published, within a minute of the first fetch: the
  // same set again, no fetch.
  for (int i = 0; i < 1000; ++i) {
    auto again = cache.RefreshForUnknownKey(source, keys);
    ASSERT_TRUE(again);
    keys = *again;
    idp.clock.Advance(10);  // 10 s over the whole flood
  }
  EXPECT_EQ(idp.Fetches(kJwksUri), 1);
  // A minute after the last fetch, one refetch; the discovered jwks_uri is reused.
  idp.clock.Advance(60 * 1000);
  ASSERT_TRUE(cache.RefreshForUnknownKey(source, keys));
  ASSERT_TRUE(cache.RefreshForUnknownKey(source, keys));
  EXPECT_EQ(idp.Fetches(kJwksUri), 2);
  EXPECT_EQ(idp.Fetches(kDiscovery), 1);
}

TEST(JwksCacheTest, ARefreshByAnotherCallerIsReturnedWithoutFetching) {
  ScriptedIdp idp;
  JwksCache cache(idp.Options());
  JwksSource source{kIssuer, ""};
  auto old_keys = *cache.Get(source);
  idp.clock.Advance(61 * 1000);
  auto newer = *cache.RefreshForUnknownKey(source, old_keys);
  EXPECT_NE(newer, old_keys);
  // A second caller that still holds the old set gets the newer one, no fetch.
  EXPECT_EQ(*cache.RefreshForUnknownKey(source, old_keys), newer);
  EXPECT_EQ(idp.Fetches(kJwksUri), 2);
}

TEST(JwksCacheTest, AnUnreachableProviderIs503AndRetriedOnlyAfterAPause) {
  ScriptedIdp idp;
  idp.failing = true;
  JwksCache cache(idp.Options());
  JwksSource source{kIssuer, ""};
  for (int i = 0; i < 50; ++i) {
    auto keys = cache.Get(source);
    ASSERT_FALSE(keys);
    EXPECT_EQ(keys.error().code, ErrorCode::kUnavailable);
  }
  EXPECT_EQ(idp.Fetches(kDiscovery), 1);
  idp.clock.Advance(10 * 1000);
  idp.failing = false;
  EXPECT_TRUE(cache.Get(source));
  EXPECT_EQ(cache.stats().failures, 1);
}

TEST(JwksCacheTest, StaleKeysServeThroughAnOutageUntilMaxStale) {
  ScriptedIdp idp;
  JwksCacheOptions options = idp.Options();
  options.max_stale_seconds = 4 * 3600;
  JwksCache cache(options);
  JwksSource source{kIssuer, ""};
  auto keys = *cache.Get(source);
  idp.failing = true;
  idp.clock.Advance(2 * 3600 * 1000);  // past max_age: a refetch is tried, fails, old keys serve
  EXPECT_EQ(*cache.Get(source), keys);
  // An unknown key id during the outage is "unavailable", not "unknown key".
  idp.clock.Advance(61 * 1000);
  auto refresh = cache.RefreshForUnknownKey(source, keys);
  ASSERT_FALSE(refresh);
  EXPECT_EQ(refresh.error().code, ErrorCode::kUnavailable);
  idp.clock.Advance(3 * 3600 * 1000);  // past max_stale: no more
  auto stale = cache.Get(source);
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, ErrorCode::kUnavailable);
}

// Holds the fetches of the URLs starting with `prefix` (every URL by default) until Open().
class FetchGate {
 public:
  /// Wrap `options`' fetcher.
  void Wrap(JwksCacheOptions& options, std::string prefix = "") {
    options.fetcher = [this, inner = options.fetcher, prefix](const std::string& url) {
      if (url.starts_with(prefix)) {
        ++held;
        gate_.Pass();
      }
      return inner(url);
    };
  }
  void Open() { gate_.Open(); }
  /// Whether `n` fetches reached the gate within a minute: a regression fails the test instead
  /// of spinning forever (the minute only bounds the wait; nothing is measured). When not, the
  /// gate opens and `waiter` (the thread whose fetch was awaited) is joined, so the test can fail.
  bool AwaitHeldOrRelease(int n, std::thread& waiter) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    while (held.load() < n) {
      if (std::chrono::steady_clock::now() > deadline) {
        Open();
        waiter.join();
        return false;
      }
      std::this_thread::yield();
    }
    return true;
  }

  std::atomic<int> held{0};  // fetches that reached the gate

 private:
  testing::Gate gate_{false};
};

// The options of a cache with `max_blocked_callers` places, whose fetches of `hanging` (a
// document "{}") wait at `gate`.
JwksCacheOptions HangingOptions(ScriptedIdp& idp, FetchGate& gate, const std::string& hanging,
                                int max_blocked_callers) {
  JwksCacheOptions options = idp.Options();
  options.max_blocked_callers = max_blocked_callers;
  idp.Set(hanging, "{}");
  gate.Wrap(options, hanging);
  return options;
}

TEST(JwksCacheTest, ConcurrentCallersShareOneFetch) {
  ScriptedIdp idp;
  JwksCacheOptions options = idp.Options();
  options.max_blocked_callers = 0;  // every caller may wait here
  FetchGate gate;
  gate.Wrap(options);
  JwksCache cache(options);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] { ok += cache.Get({kIssuer, kJwksUri}).has_value() ? 1 : 0; });
  }
  // Let the threads pile up on the one fetch (however many arrive after the release find the
  // keys cached: the count below holds either way).
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  gate.Open();
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 16);
  EXPECT_EQ(gate.held.load(), 1);
}

TEST(JwksCacheTest, BeyondTheBlockedCallersCachedKeysServeAndOthersAreRefusedAtOnce) {
  ScriptedIdp idp;
  const std::string hanging = "https://hanging.example.com/jwks";
  FetchGate gate;
  JwksCache cache(HangingOptions(idp, gate, hanging, 1));
  JwksSource cached{kIssuer, kJwksUri};
  auto keys = cache.Get(cached);
  ASSERT_TRUE(keys) << keys.error().ToString();
  idp.clock.Advance(901 * 1000);  // past max_age: the next Get would refresh
  std::thread blocked([&] { EXPECT_FALSE(cache.Get({"https://hanging.example.com", hanging})); });
  ASSERT_TRUE(gate.AwaitHeldOrRelease(1, blocked))
      << "the refresh of the stale keys never reached the identity provider";

  // The one place is taken: the stale keys are served without a fetch...
  auto served = cache.Get(cached);
  ASSERT_TRUE(served) << served.error().ToString();
  EXPECT_EQ(*served, *keys);
  EXPECT_EQ(idp.Fetches(kJwksUri), 1);
  // ...and a source with nothing cached, or a key id the set lacks, is refused at once.
  for (auto refused : {cache.Get({"https://cold.example.com", kJwksUri}),
                       cache.RefreshForUnknownKey(cached, *keys)}) {
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
    EXPECT_NE(refused.error().message.find("Identity providers are slow to answer"),
              std::string::npos)
        << refused.error().message;
  }
  EXPECT_EQ(cache.stats().busy, 3);
  EXPECT_EQ(cache.stats().blocked, 1);
  gate.Open();
  blocked.join();
  EXPECT_EQ(cache.stats().blocked, 0);
  ASSERT_TRUE(cache.Get(cached));  // the place is free again: the refresh runs
  EXPECT_EQ(idp.Fetches(kJwksUri), 2);
}

// A profile template's discovery fetch (FetchDocument) counts among the callers blocked on
// identity providers, but documents hold all but one of the places at most: a team sending
// template requests naming an issuer that hangs, in a loop, leaves a place to partners' key
// fetches. Beyond it a document is refused at once, its query string not echoed.
TEST(JwksCacheTest, DocumentFetchesHoldAllButOneOfThePlacesAndAreRefusedAtOnceBeyond) {
  ScriptedIdp idp;
  const std::string hanging = "https://hanging.example.com/.well-known/openid-configuration";
  FetchGate gate;
  JwksCache cache(HangingOptions(idp, gate, hanging, 2));
  std::thread blocked([&] { EXPECT_TRUE(cache.FetchDocument(hanging)); });
  ASSERT_TRUE(gate.AwaitHeldOrRelease(1, blocked))
      << "the document fetch never reached the identity provider";
  EXPECT_EQ(cache.stats().blocked, 1);
  // A document that would not hang (a failing check must not wait on the gate).
  const std::string query = kDiscovery + std::string("?secret=1");
  idp.Set(query, "{}");
  auto refused = cache.FetchDocument(query);
  EXPECT_FALSE(refused);
  EXPECT_EQ(idp.Fetches(query), 0);
  if (!refused) {
    EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
    EXPECT_THAT(refused.error().message, HasSubstr("Identity providers are slow to answer"));
    EXPECT_THAT(refused.error().message, Not(HasSubstr("secret")));
  }
  auto keys = cache.Get({kIssuer, kJwksUri});  // the place left to key fetches
  EXPECT_TRUE(keys) << keys.error().ToString();
  EXPECT_EQ(gate.held.load(), 1);
  gate.Open();
  blocked.join();
  EXPECT_EQ(cache.stats().blocked, 0);
  auto fetched = cache.FetchDocument(kDiscovery);
  ASSERT_TRUE(fetched) << fetched.error().ToString();
  EXPECT_THAT(*fetched, HasSubstr("token_endpoint"));
}

TEST(JwksCacheTest, EntriesAreBoundedLeastRecentlyUsedFirst) {
  ScriptedIdp idp;
  JwksCacheOptions options = idp.Options();
  options.max_sources = 3;
  JwksCache cache(options);
  for (int i = 0; i < 10; ++i) {
    idp.clock.Advance(1000);
    EXPECT_TRUE(cache.Get({"https://issuer-" + std::to_string(i) + ".example", kJwksUri}));
  }
  EXPECT_EQ(cache.stats().sources, 3u);
}

// ---- over real HTTP on loopback -----------------------------------------------------------

TEST(IdpFetchTest, UrlsMustBeHttpsOrLoopbackHttpWhenAllowed) {
  IdpFetchOptions strict;
  IdpFetchOptions loopback;
  loopback.allow_loopback_http = true;
  for (const char* ok : {"https://idp.example.com/t", "https://[2001:db8::1]:8443/x"}) {
    EXPECT_TRUE(CheckIdpUrl(ok, strict)) << ok;
  }
  for (const char* ok : {"http://127.0.0.1:9/x", "http://localhost:8080", "http://[::1]:80/"}) {
    EXPECT_FALSE(CheckIdpUrl(ok, strict)) << ok;
    EXPECT_TRUE(CheckIdpUrl(ok, loopback)) << ok;
  }
  for (const char* bad :
       {"http://idp.example.com", "http://127.evil.example/", "ftp://idp.example.com",
        "file:///etc/passwd", "https://user:pw@idp.example.com", "https://idp.example.com/#x",
        "https://", "idp.example.com", "https://idp.example.com/a b", "gopher://127.0.0.1"}) {
    EXPECT_FALSE(CheckIdpUrl(bad, loopback)) << bad;
  }
}

TEST(IdpFetchTest, PrivateAndMetadataAddressesAreRefusedUnlessAllowed) {
  IdpFetchOptions strict;
  for (const char* ip :
       {"10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "127.0.0.1", "0.0.0.0",
        "100.64.0.1", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1", "::"}) {
    EXPECT_FALSE(IdpPeerAllowed(ip, strict)) << ip;
  }
  for (const char* ip : {"8.8.8.8", "20.190.128.1", "2001:4860::1"}) {
    EXPECT_TRUE(IdpPeerAllowed(ip, strict)) << ip;
  }
  IdpFetchOptions loopback;
  loopback.allow_loopback_http = true;
  EXPECT_TRUE(IdpPeerAllowed("127.0.0.1", loopback));
  EXPECT_FALSE(IdpPeerAllowed("10.1.2.3", loopback));
  IdpFetchOptions internal;
  internal.allow_private_networks = true;
  EXPECT_TRUE(IdpPeerAllowed("10.1.2.3", internal));
}

TEST(IdpFetchTest, TheClientRefusesAPeerAddressAfterResolution) {
  testing::TestIdp idp;
  http::ClientOptions options;
  options.allow_peer = [](std::string_view) { return false; };
  http::Client client(options);
  auto refused = client.Get(idp.jwks_uri());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(refused.error().message.find("resolved to 127.0.0.1"), std::string::npos);
  EXPECT_EQ(idp.jwks_fetches.load(), 0);
}

TEST(IdpFetchTest, FailuresOfTheProviderAreUnavailable) {
  testing::TestIdp idp;
  idp.AddKey(JwsAlgorithm::kES256, "k");
  IdpFetchOptions options;
  EXPECT_FALSE(FetchIdpDocument(idp.jwks_uri(), options));  // plain http, flag off
  EXPECT_EQ(idp.jwks_fetches.load(), 0);
  options.allow_loopback_http = true;
  EXPECT_TRUE(FetchIdpDocument(idp.jwks_uri(), options));
  idp.SetStatus(500);
  auto status = FetchIdpDocument(idp.jwks_uri(), options);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(status.error().message.find("HTTP 500"), std::string::npos);
  idp.SetStatus(200);
  idp.SetJwksBody(R"({"keys":[],"pad":")" + std::string(300 * 1024, 'a') + "\"}");
  auto big = FetchIdpDocument(idp.jwks_uri(), options);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kUnavailable);
  idp.SetJwksBody("");
  idp.delay_ms = 2000;
  options.timeout_ms = 200;
  auto slow = FetchIdpDocument(idp.jwks_uri(), options);
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().code, ErrorCode::kUnavailable);
  idp.delay_ms = 0;
  // Nothing listens here (the port of a server that stopped): refused, 503 too.
  std::string gone;
  {
    testing::TestIdp other;
    gone = other.jwks_uri();
  }
  auto refused = FetchIdpDocument(gone, options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
}

TEST(IdpFetchTest, RotationAndAForgedKeyFloodAgainstARealServer) {
  testing::TestIdp idp;
  SigningKey old_key = idp.AddKey(JwsAlgorithm::kES256, "old");
  ManualClock clock{1'700'000'000'000};
  JwksCacheOptions options;
  options.fetch.allow_loopback_http = true;
  options.clock = &clock;
  JwksCache cache(options);
  JwksSource source{idp.issuer(), ""};
  auto keys = cache.Get(source);
  ASSERT_TRUE(keys) << keys.error().ToString();
  EXPECT_EQ(idp.discovery_fetches.load(), 1);
  EXPECT_EQ(idp.jwks_fetches.load(), 1);

  // The issuer adds a key and signs with it: the unknown kid brings it in (after the interval).
  clock.Advance(61 * 1000);
  SigningKey new_key = idp.AddKey(JwsAlgorithm::kES256, "new");
  Jwt jwt;
  jwt.alg = JwsAlgorithm::kES256;
  jwt.kid = "new";
  EXPECT_EQ(FindKey(**keys, jwt), nullptr);
  keys = cache.RefreshForUnknownKey(source, *keys);
  ASSERT_TRUE(keys);
  EXPECT_NE(FindKey(**keys, jwt), nullptr);
  EXPECT_EQ(idp.jwks_fetches.load(), 2);

  // 500 tokens with random key ids within a minute: no more fetches.
  for (int i = 0; i < 500; ++i) {
    jwt.kid = "forged-" + std::to_string(i);
    ASSERT_EQ(FindKey(**keys, jwt), nullptr);
    keys = cache.RefreshForUnknownKey(source, *keys);
    ASSERT_TRUE(keys);
    clock.Advance(100);
  }
  EXPECT_EQ(idp.jwks_fetches.load(), 2);

  // The issuer drops the old key; after the next refresh a token signed with it finds no key.
  idp.DropAllButLastKey();
  clock.Advance(61 * 1000);
  jwt.kid = "old";
  keys = cache.RefreshForUnknownKey(source, *keys);
  ASSERT_TRUE(keys);
  EXPECT_EQ(FindKey(**keys, jwt), nullptr);
  EXPECT_EQ(idp.jwks_fetches.load(), 3);
}

}  // namespace
}  // namespace lakeshare::auth
