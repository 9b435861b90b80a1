#include "auth/secret_token.h"

#include <gtest/gtest.h>

#include <set>

namespace lakeshare::auth {
namespace {

TEST(SecretTokenTest, HasFortyThreeUrlSafeCharactersAndNeverRepeats) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string t = NewSecretToken();
    ASSERT_EQ(t.size(), 43u);
    for (char c : t) {
      ASSERT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << t;
    }
    ASSERT_TRUE(seen.insert(t).second) << "repeated token " << t;
  }
}

TEST(SecretTokenTest, ConstantTimeEqualsComparesContentAndLength) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

TEST(SecretTokenTest, BearerTokenFollowsRfc6750) {
  std::string ok = "Bearer tok-1", lower = "bearer  tok-2 ",
              basic = "Basic dXNlcg==", empty = "Bearer ", glued = "Bearertok";
  EXPECT_EQ(BearerToken(&ok).value_or(""), "tok-1");
  EXPECT_EQ(BearerToken(&lower).value_or(""), "tok-2");
  EXPECT_FALSE(BearerToken(nullptr));
  EXPECT_FALSE(BearerToken(&basic));
  EXPECT_FALSE(BearerToken(&empty));
  EXPECT_FALSE(BearerToken(&glued));
}

TEST(SecretTokenTest, HasBearerCredentialsWantsTheSchemeASpaceAndMore) {
  EXPECT_TRUE(HasBearerCredentials("Bearer tok"));
  EXPECT_TRUE(HasBearerCredentials("bEARER   "));  // credentials, all blank
  EXPECT_TRUE(HasBearerCredentials("BEARER \t"));
  EXPECT_FALSE(HasBearerCredentials("Bearer "));  // the scheme alone
  EXPECT_FALSE(HasBearerCredentials("Bearer"));
  EXPECT_FALSE(HasBearerCredentials("Bearer\ttok"));
  EXPECT_FALSE(HasBearerCredentials("Bearertok"));
  EXPECT_FALSE(HasBearerCredentials("Basic dXNlcg=="));
  EXPECT_FALSE(HasBearerCredentials(""));
}

}  // namespace
}  // namespace lakeshare::auth
