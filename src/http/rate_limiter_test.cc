#include "http/rate_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace lakeshare::http {
namespace {

constexpr int64_t kSecond = 1'000;  // ms

TEST(RateLimiterTest, ABurstIsAllowedThenRefusedWithTheTimeUntilTheNextToken) {
  ManualClock clock;
  RateLimiter limiter({.per_second = 2, .burst = 5}, 100, &clock);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(limiter.Take("a").allowed) << i;
  }
  RateLimiter::Decision refused = limiter.Take("a");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after.count(), 1);  // half a second, rounded up
  // Another key has its own bucket.
  EXPECT_TRUE(limiter.Take("b").allowed);
  // Tokens come back at the sustained rate, never beyond the burst.
  clock.Advance(kSecond / 2);
  EXPECT_TRUE(limiter.Take("a").allowed);
  EXPECT_FALSE(limiter.Take("a").allowed);
  clock.Advance(3600 * kSecond);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(limiter.Take("a").allowed) << i;
  }
  EXPECT_FALSE(limiter.Take("a").allowed);
}

TEST(RateLimiterTest, RetryAfterCoversASlowRate) {
  ManualClock clock;
  RateLimiter limiter({.per_second = 0.1, .burst = 1}, 100, &clock);
  EXPECT_TRUE(limiter.Take("a").allowed);
  RateLimiter::Decision refused = limiter.Take("a");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after.count(), 10);
  clock.Advance(10 * kSecond);
  EXPECT_TRUE(limiter.Take("a").allowed);
}

TEST(RateLimiterTest, AZeroRateTurnsTheLimitOff) {
  RateLimiter limiter({.per_second = 0, .burst = 0}, 10);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_TRUE(limiter.Take("a").allowed);
  }
  EXPECT_EQ(limiter.size(), 0u);
}

TEST(RateLimiterTest, AMillionAddressesKeepTheTableBounded) {
  ManualClock clock;
  RateLimiter limiter({.per_second = 1, .burst = 2}, 1600, &clock);
  for (int i = 0; i < 1'000'000; ++i) {
    limiter.Take("10." + std::to_string(i));
  }
  EXPECT_LE(limiter.size(), 1600u);
  EXPECT_GE(limiter.evicted(), 1'000'000u - 1600u);
  // A recent key is still limited: the least recently used ones were evicted.
  std::string recent = "10." + std::to_string(999'999);
  EXPECT_TRUE(limiter.Take(recent).allowed);
  EXPECT_FALSE(limiter.Take(recent).allowed);
}

TEST(RateLimiterTest, ConcurrentTakersNeverGetMoreThanTheBurst) {
  ManualClock clock;  // frozen: no refill while the threads run
  RateLimiter limiter({.per_second = 1, .burst = 1000}, 100, &clock);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (limiter.Take("shared").allowed) {
          ++allowed;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(allowed.load(), 1000);
}

}  // namespace
}  // namespace lakeshare::http
