// The test metastores' location policy (sharing_test_util.h) compares locations as storage's one
// parser spells them and protects nothing.

#include "sharing/sharing_test_util.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace lakeshare::sharing::testing {
namespace {

TEST(SharingTestLocationPolicyTest, SpellsLocationsAsStorageParsesThem) {
  const catalog::LocationPolicy policy = TestLocationPolicy();
  EXPECT_TRUE(policy.protected_locations.empty());
  struct Case {
    std::string_view location;
    std::string_view canonical;
  };
  for (const Case& c : {Case{"/a/./b/", "file:///a/b"}, Case{"file:/a/b", "file:///a/b"},
                        Case{"s3://bucket/t1/", "s3://bucket/t1"}}) {
    Result<std::string> r = policy.canonicalize(c.location);
    ASSERT_TRUE(r) << c.location << ": " << r.error().message;
    EXPECT_EQ(*r, c.canonical);
  }
  EXPECT_FALSE(policy.canonicalize("ftp://host/t"));
}

}  // namespace
}  // namespace lakeshare::sharing::testing
