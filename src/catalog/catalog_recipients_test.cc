// Recipients of the Catalog, run on every backend through CatalogSuite: their properties, IP
// lists and expiry, their bearer tokens (at most two live, rotation only shortens) and their
// one-time activation links.
#include "catalog/catalog_suite_test.h"

// Designated initializers naming only the fields a test cares about are the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <algorithm>
#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace lakeshare::catalog {
namespace {

TEST_P(CatalogSuite, RecipientsKeepPropertiesIpListsAndExpiry) {
  auto r = catalog_->CreateRecipient({.name = "Zalando",
                                      .owner = "alice",
                                      .comment = "partner",
                                      .ip_access_list = {"10.0.0.0/8", "2001:db8::/32"},
                                      .properties = {{"country", "DE"}, {"tier", "gold"}},
                                      .expiration_time = 1'800'000'000'000,
                                      .created_by = "alice"});
  ASSERT_OK(r);
  EXPECT_EQ(r->authentication_type, "TOKEN");
  EXPECT_CODE(catalog_->CreateRecipient({.name = "zalando"}), ErrorCode::kAlreadyExists);
  EXPECT_CODE(catalog_->CreateRecipient({.name = "x", .authentication_type = "PASSWORD"}),
              ErrorCode::kInvalidArgument);
  ASSERT_OK(catalog_->CreateRecipient({.name = "oidc-partner", .authentication_type = "OIDC"}));

  auto got = catalog_->GetRecipient("ZALANDO");
  ASSERT_OK(got);
  EXPECT_EQ(got->id, r->id);
  EXPECT_EQ(got->ip_access_list, (std::vector<std::string>{"10.0.0.0/8", "2001:db8::/32"}));
  EXPECT_EQ(got->properties.at("country"), "DE");
  EXPECT_EQ(got->expiration_time, 1'800'000'000'000);
  EXPECT_EQ(got->created_by, "alice");

  RecipientUpdate u;
  u.properties = std::map<std::string, std::string>{{"country", "FR"}};
  u.ip_access_list = std::vector<std::string>{};
  u.expiration_time = std::optional<int64_t>();
  u.comment = "moved";
  u.updated_by = "bob";
  auto up = catalog_->UpdateRecipient("zalando", u);
  ASSERT_OK(up);
  auto again = catalog_->GetRecipient("zalando");
  ASSERT_OK(again);
  EXPECT_EQ(again->properties, (std::map<std::string, std::string>{{"country", "FR"}}));
  EXPECT_TRUE(again->ip_access_list.empty());
  EXPECT_FALSE(again->expiration_time.has_value());
  EXPECT_EQ(again->comment, "moved");
  EXPECT_EQ(again->updated_by, "bob");
  EXPECT_CODE(catalog_->UpdateRecipient("zalando", {.new_name = "OIDC-partner"}),
              ErrorCode::kAlreadyExists);
  EXPECT_CODE(catalog_->UpdateRecipient("nobody", {}), ErrorCode::kNotFound);

  ASSERT_OK(catalog_->AddRecipientToken("zalando", "tok-1", std::nullopt, "alice"));
  ASSERT_OK(catalog_->DeleteRecipient("zalando"));
  EXPECT_CODE(catalog_->GetRecipient("zalando"), ErrorCode::kNotFound);
  EXPECT_CODE(catalog_->AuthenticateRecipient("tok-1"), ErrorCode::kUnauthenticated);
}

TEST_P(CatalogSuite, AtMostTwoLiveRecipientTokensAndRotationOnlyShortens) {
  ASSERT_OK(catalog_->CreateRecipient({.name = "acme", .properties = {{"k", "v"}}}));
  const int64_t t0 = clock_.NowMs();
  const std::string first = "first-bearer-token-0123456789";
  auto a = catalog_->AddRecipientToken("acme", first, t0 + 3'600'000, "alice");
  ASSERT_OK(a);
  auto auth = catalog_->AuthenticateRecipient(first);
  ASSERT_OK(auth);
  EXPECT_EQ(auth->recipient.name, "acme");
  EXPECT_EQ(auth->recipient.properties.at("k"), "v");
  EXPECT_EQ(auth->token.id, a->id);
  ASSERT_OK(catalog_->AddRecipientToken("acme", "second", std::nullopt, "alice"));
  EXPECT_CODE(catalog_->AddRecipientToken("acme", "third", std::nullopt, "alice"),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->RotateRecipientToken("acme", "third", std::nullopt, 60, "alice"),
              ErrorCode::kInvalidArgument);              // two still live after shortening
  ASSERT_OK(catalog_->AuthenticateRecipient("second"));  // the failed rotation changed nothing
  auto tokens = catalog_->ListRecipientTokens("acme");
  ASSERT_OK(tokens);
  ASSERT_EQ(tokens->size(), 2u);
  const RecipientToken& listed = tokens->at(0).id == a->id ? tokens->at(0) : tokens->at(1);
  EXPECT_EQ(listed.id, a->id);
  EXPECT_EQ(listed.expires_at, t0 + 3'600'000);

  // Revoke now, then rotate with a 60 s grace: the old token lives 60 s more, not longer.
  ASSERT_OK(catalog_->RevokeRecipientTokens("acme"));
  EXPECT_CODE(catalog_->AuthenticateRecipient(first), ErrorCode::kUnauthenticated);
  ASSERT_OK(catalog_->AddRecipientToken("acme", "old", t0 + 10'000, "alice"));
  ASSERT_OK(catalog_->AddRecipientToken("acme", "older", std::nullopt, "alice"));
  ASSERT_OK(catalog_->RevokeRecipientTokens("acme"));
  ASSERT_OK(catalog_->AddRecipientToken("acme", "current", std::nullopt, "alice"));
  auto rotated = catalog_->RotateRecipientToken("acme", "next", std::nullopt, 60, "alice");
  ASSERT_OK(rotated);
  auto cur = catalog_->AuthenticateRecipient("current");
  ASSERT_OK(cur);
  EXPECT_EQ(cur->token.expires_at, t0 + 60'000);
  clock_.Advance(60'000);
  EXPECT_CODE(catalog_->AuthenticateRecipient("current"), ErrorCode::kUnauthenticated);
  ASSERT_OK(catalog_->AuthenticateRecipient("next"));

  // A short-lived token keeps its earlier expiry; 0 revokes at once.
  ASSERT_OK(catalog_->RotateRecipientToken("acme", "after", clock_.NowMs() + 5'000, 0, "alice"));
  EXPECT_CODE(catalog_->AuthenticateRecipient("next"), ErrorCode::kUnauthenticated);
  ASSERT_OK(catalog_->RotateRecipientToken("acme", "final", std::nullopt, 3600, "alice"));
  auto after = catalog_->AuthenticateRecipient("after");
  ASSERT_OK(after);
  EXPECT_EQ(after->token.expires_at, clock_.NowMs() + 5'000);
  EXPECT_CODE(catalog_->RotateRecipientToken("acme", "x", std::nullopt, -1, "alice"),
              ErrorCode::kInvalidArgument);

  // The recipient's own expiration_time stops every token.
  RecipientUpdate u;
  u.expiration_time = std::optional<int64_t>(clock_.NowMs() + 1);
  ASSERT_OK(catalog_->UpdateRecipient("acme", u));
  ASSERT_OK(catalog_->AuthenticateRecipient("final"));
  clock_.Advance(1);
  EXPECT_CODE(catalog_->AuthenticateRecipient("final"), ErrorCode::kUnauthenticated);

  std::string bytes = GetParam()->dump(location_);
  EXPECT_EQ(bytes.find(first), std::string::npos) << "plain recipient token stored";
  EXPECT_NE(bytes.find(HashToken(first)), std::string::npos) << "hash not found in the store";
}

TEST_P(CatalogSuite, ActivationLinksRedeemOnceAndExpire) {
  ASSERT_OK(catalog_->CreateRecipient({.name = "acme"}));
  const int64_t t0 = clock_.NowMs();
  auto link = catalog_->CreateActivationLink("acme", "link-token-abc", t0 + 72 * 3'600'000LL);
  ASSERT_OK(link);
  EXPECT_EQ(link->recipient_name, "acme");
  EXPECT_CODE(catalog_->CreateActivationLink("nobody", "l2", t0 + 1), ErrorCode::kNotFound);
  auto info = catalog_->GetActivationLink("link-token-abc");
  ASSERT_OK(info);
  EXPECT_FALSE(info->used_at.has_value());
  EXPECT_CODE(catalog_->GetActivationLink("unknown"), ErrorCode::kNotFound);

  clock_.Advance(1000);
  auto act = catalog_->RedeemActivationLink("link-token-abc", "minted-bearer", t0 + 10'000'000);
  ASSERT_OK(act);
  EXPECT_EQ(act->recipient.name, "acme");
  EXPECT_EQ(act->token.expires_at, t0 + 10'000'000);
  ASSERT_OK(catalog_->AuthenticateRecipient("minted-bearer"));
  EXPECT_CODE(catalog_->RedeemActivationLink("link-token-abc", "again", std::nullopt),
              ErrorCode::kPermissionDenied);
  EXPECT_CODE(catalog_->AuthenticateRecipient("again"), ErrorCode::kUnauthenticated);
  auto used = catalog_->GetActivationLink("link-token-abc");
  ASSERT_OK(used);
  EXPECT_EQ(used->used_at, t0 + 1000);
  EXPECT_CODE(catalog_->RedeemActivationLink("unknown", "x", std::nullopt), ErrorCode::kNotFound);

  ASSERT_OK(catalog_->CreateActivationLink("acme", "short-link", clock_.NowMs() + 10));
  clock_.Advance(10);
  EXPECT_CODE(catalog_->RedeemActivationLink("short-link", "late", std::nullopt),
              ErrorCode::kPermissionDenied);
  EXPECT_CODE(catalog_->AuthenticateRecipient("late"), ErrorCode::kUnauthenticated);
  EXPECT_EQ(GetParam()->dump(location_).find("link-token-abc"), std::string::npos);
}

// Listings read the tokens and pending links of a whole page at once (no query per recipient):
// the same answer as the per-recipient calls, across more than one batch of 64.
TEST_P(CatalogSuite, RecipientSecretsOfAPageAreReadTogether) {
  std::vector<std::string> ids;
  for (int i = 0; i < 70; ++i) {
    const std::string name = "r" + std::to_string(i);
    auto r = catalog_->CreateRecipient({.name = name});
    ASSERT_OK(r);
    ids.push_back(r->id);
    if (i % 3 != 2) {
      ASSERT_OK(catalog_->AddRecipientToken(name, "tok-" + name, std::nullopt, "admin"));
    }
    if (i % 2 == 0) {
      ASSERT_OK(catalog_->CreateActivationLink(name, "link-" + name, clock_.NowMs() + 1000));
      ASSERT_OK(catalog_->CreateActivationLink(name, "gone-" + name, clock_.NowMs() + 1));
    }
    clock_.Advance(1);
  }
  clock_.Advance(1);  // the "gone-" links expire
  ids.push_back(ids.back());  // repeated ids count once
  auto all = catalog_->ListRecipientSecrets(ids);
  ASSERT_OK(all);
  for (int i = 0; i < 70; ++i) {
    const std::string name = "r" + std::to_string(i);
    auto tokens = catalog_->ListRecipientTokens(name);
    auto links = catalog_->ListPendingActivationLinks(name);
    ASSERT_OK(tokens);
    ASSERT_OK(links);
    auto it = all->find(ids[static_cast<size_t>(i)]);
    if (tokens->empty() && links->empty()) {
      EXPECT_EQ(it, all->end()) << name;
      continue;
    }
    ASSERT_NE(it, all->end()) << name;
    ASSERT_EQ(it->second.tokens.size(), tokens->size()) << name;
    for (size_t k = 0; k < tokens->size(); ++k) {
      EXPECT_EQ(it->second.tokens[k].id, (*tokens)[k].id) << name;
    }
    ASSERT_EQ(it->second.pending_links.size(), links->size()) << name;
    ASSERT_EQ(links->size(), i % 2 == 0 ? 1u : 0u) << name;
    for (size_t k = 0; k < links->size(); ++k) {
      EXPECT_EQ(it->second.pending_links[k].id, (*links)[k].id) << name;
    }
  }
  auto none = catalog_->ListRecipientSecrets({});
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_P(CatalogSuite, RotateActivationShortensTokensAndReplacesUnusedLinks) {
  ASSERT_OK(catalog_->CreateRecipient({.name = "acme"}));
  int64_t t0 = clock_.NowMs();
  ASSERT_OK(catalog_->CreateActivationLink("acme", "link-1", t0 + 1'000'000));
  ASSERT_OK(catalog_->RedeemActivationLink("link-1", "bearer-1", std::nullopt));
  // An unopened link is invalidated by the rotation.
  ASSERT_OK(catalog_->CreateActivationLink("acme", "link-unopened", t0 + 1'000'000));
  auto link = catalog_->RotateRecipientActivation("acme", "link-2", t0 + 2'000'000, 60);
  ASSERT_OK(link);
  EXPECT_EQ(link->recipient_name, "acme");
  EXPECT_EQ(link->expires_at, t0 + 2'000'000);
  EXPECT_FALSE(link->used_at);
  EXPECT_CODE(catalog_->RedeemActivationLink("link-unopened", "x", std::nullopt),
              ErrorCode::kPermissionDenied);
  // The old token lives on for the grace period only.
  auto tokens = catalog_->ListRecipientTokens("acme");
  ASSERT_OK(tokens);
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].expires_at, t0 + 60'000);
  ASSERT_OK(catalog_->RedeemActivationLink("link-2", "bearer-2", std::nullopt));
  ASSERT_OK(catalog_->AuthenticateRecipient("bearer-1"));
  ASSERT_OK(catalog_->AuthenticateRecipient("bearer-2"));
  // Two live tokens after shortening: refused, and nothing changed.
  auto third = catalog_->RotateRecipientActivation("acme", "link-3", t0 + 2'000'000, 30);
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(third.error().message.find("There are already two active tokens for recipient acme"),
            std::string::npos)
      << third.error().message;
  EXPECT_CODE(catalog_->GetActivationLink("link-3"), ErrorCode::kNotFound);
  tokens = catalog_->ListRecipientTokens("acme");
  ASSERT_OK(tokens);
  ASSERT_EQ(tokens->size(), 2u);  // created in the same millisecond: order by id is random
  EXPECT_EQ(std::count_if(tokens->begin(), tokens->end(),
                          [](const RecipientToken& t) { return !t.expires_at; }),
            1);
  // 0 revokes every live token now.
  ASSERT_OK(catalog_->RotateRecipientActivation("acme", "link-4", t0 + 2'000'000, 0));
  EXPECT_CODE(catalog_->AuthenticateRecipient("bearer-1"), ErrorCode::kUnauthenticated);
  EXPECT_CODE(catalog_->AuthenticateRecipient("bearer-2"), ErrorCode::kUnauthenticated);
  EXPECT_CODE(catalog_->RotateRecipientActivation("acme", "link-5", t0 + 1, -1),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->RotateRecipientActivation("nobody", "link-6", t0 + 1, 0),
              ErrorCode::kNotFound);
  EXPECT_EQ(GetParam()->dump(location_).find("link-4"), std::string::npos);
}

TEST_P(CatalogSuite, ConcurrentRedemptionsOfOneLinkHaveExactlyOneWinner) {
  ASSERT_OK(catalog_->CreateRecipient({.name = "acme"}));
  for (int round = 0; round < 5; ++round) {
    std::string link = "race-" + std::to_string(round);
    ASSERT_OK(catalog_->CreateActivationLink("acme", link, clock_.NowMs() + 100'000));
    std::atomic<int> winners{0};
    std::atomic<int> refused{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] {
        auto r = catalog_->RedeemActivationLink(link, link + "-bearer-" + std::to_string(i),
                                                std::nullopt);
        if (r) {
          ++winners;
        } else if (r.error().code == ErrorCode::kPermissionDenied) {
          ++refused;
        }
      });
    }
    for (std::thread& t : threads) {
      t.join();
    }
    EXPECT_EQ(winners.load(), 1);
    EXPECT_EQ(refused.load(), 1);
    ASSERT_OK(catalog_->RevokeRecipientTokens("acme"));
  }
}

}  // namespace
}  // namespace lakeshare::catalog
