#include "common/costed_lru.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lakeshare {
namespace {

using ::testing::ElementsAre;

// Evicts down to `limit`, keeping `keep`; returns the evicted keys in eviction order.
std::vector<int> EvictedKeys(CostedLru<int, std::string>& lru, size_t limit, int keep) {
  std::vector<int> keys;
  const int64_t removed = lru.EvictOver(limit, keep, [&keys](const int& key, std::string& value) {
    EXPECT_EQ(value, "v" + std::to_string(key));
    keys.push_back(key);
  });
  EXPECT_EQ(removed, static_cast<int64_t>(keys.size()));
  return keys;
}

TEST(CostedLruTest, EvictsTheLeastRecentlyUsedUntilUnderTheLimit) {
  CostedLru<int, std::string> lru;
  lru.Put(1, "v1", 10);
  lru.Put(2, "v2", 20);
  lru.Put(3, "v3", 30);
  lru.Touch(1);  // now 2 is the least recently used
  EXPECT_EQ(lru.total(), 60u);
  EXPECT_THAT(EvictedKeys(lru, 40, 3), ElementsAre(2));
  EXPECT_EQ(lru.total(), 40u);
  EXPECT_EQ(lru.size(), 2u);
  EXPECT_THAT(EvictedKeys(lru, 40, 3), ElementsAre());
}

TEST(CostedLruTest, PuttingAKeyAgainReplacesItsCostAndRefreshesIt) {
  CostedLru<int, std::string> lru;
  lru.Put(1, "v1", 10);
  lru.Put(2, "v2", 20);
  lru.Put(1, "v1", 5);
  EXPECT_EQ(lru.total(), 25u);
  EXPECT_EQ(lru.size(), 2u);
  EXPECT_THAT(EvictedKeys(lru, 5, 1), ElementsAre(2));
}

TEST(CostedLruTest, TheKeptEntryStaysEvenAloneOverTheLimit) {
  CostedLru<int, std::string> lru;
  lru.Put(1, "v1", 10);
  lru.Put(2, "v2", 100);
  EXPECT_THAT(EvictedKeys(lru, 50, 2), ElementsAre(1));
  EXPECT_EQ(lru.total(), 100u);
  EXPECT_THAT(EvictedKeys(lru, 50, 2), ElementsAre());
}

TEST(CostedLruTest, ErasingAndTouchingAbsentKeysChangeNothing) {
  CostedLru<int, std::string> lru;
  lru.Put(1, "v1", 10);
  lru.Erase(7);
  lru.Touch(7);
  EXPECT_EQ(lru.total(), 10u);
  lru.Erase(1);
  EXPECT_EQ(lru.total(), 0u);
  EXPECT_EQ(lru.size(), 0u);
}

}  // namespace
}  // namespace lakeshare
