// The test metastores' location policy (test_location_policy.h) compares locations as storage's
// one parser spells them and protects the folder it is given.

#include "admin/test_location_policy.h"

#include <gtest/gtest.h>

namespace lakeshare::admin::test {
namespace {

TEST(TestLocationPolicyTest, SpellsLocationsAsStorageParsesThem) {
  catalog::LocationPolicy policy = TestLocationPolicy("/srv/data");
  ASSERT_TRUE(policy.canonicalize);
  auto canonical = [&](const std::string& location) {
    auto r = policy.canonicalize(location);
    return r ? *r : "refused: " + r.error().message;
  };
  EXPECT_EQ(canonical("/a/./b/"), "file:///a/b");
  EXPECT_EQ(canonical("file:/a/b"), "file:///a/b");
  EXPECT_EQ(canonical("s3://bucket/t1"), "s3://bucket/t1");
  EXPECT_FALSE(policy.canonicalize("ftp://host/t"));
  EXPECT_EQ(policy.protected_locations, std::vector<std::string>{"/srv/data"});
}

}  // namespace
}  // namespace lakeshare::admin::test
