#include "http/send_pace_internal.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

namespace lakeshare::http::internal {
namespace {

using namespace std::chrono_literals;
using Duration = SendPace::Duration;

constexpr size_t kRate = 1000;  // bytes per second: 1000 bytes take 1 s at the minimum

TEST(SendPaceTest, AWriteMayTakeItsOwnTimeAtTheRatePlusTheSlack) {
  SendPace pace(kRate, 60s);
  EXPECT_EQ(pace.Allowance(5000), Duration(65s));
  EXPECT_EQ(pace.Allowance(0), Duration(60s));
}

TEST(SendPaceTest, AClientAtTheRateOrFasterKeepsItsSlackForever) {
  SendPace pace(kRate, 60s);
  for (int i = 0; i < 1000; ++i) {
    pace.Sent(5000, i % 2 == 0 ? 5s : 1s);  // at the rate, then five times faster
  }
  EXPECT_EQ(pace.Allowance(5000), Duration(65s));
}

TEST(SendPaceTest, ATrickleSpendsTheSlackThenEachWriteGetsOnlyItsOwnTime) {
  SendPace pace(kRate, 60s);
  pace.Sent(5000, 25s);  // 20 s behind the pace
  EXPECT_EQ(pace.Allowance(5000), Duration(45s));
  pace.Sent(5000, 30s);  // 45 s behind
  pace.Sent(5000, 30s);  // 70 s behind: the slack is gone
  EXPECT_EQ(pace.Allowance(5000), Duration(5s));
  pace.Sent(5000, 5s);  // keeping the pace again does not restore it...
  EXPECT_EQ(pace.Allowance(5000), Duration(5s));
  pace.Sent(5000, 1s);  // ...reading faster than it does, 4 s a part
  EXPECT_EQ(pace.Allowance(5000), Duration(9s));
}

TEST(SendPaceTest, FastReadingEarlierBuysNoMoreThanTheSlack) {
  SendPace pace(kRate, 60s);
  for (int i = 0; i < 100; ++i) {
    pace.Sent(1'000'000, 1ms);  // 1000 s ahead of the pace each time
  }
  EXPECT_EQ(pace.Allowance(1000), Duration(61s));
}

TEST(SendPaceTest, RestartGivesANewStreamTheWholeSlack) {
  SendPace pace(kRate, 10s);
  pace.Sent(1000, 11s);
  EXPECT_EQ(pace.Allowance(1000), Duration(1s));
  pace.Restart();
  EXPECT_EQ(pace.Allowance(1000), Duration(11s));
}

TEST(SendPaceTest, WithoutAMinimumEveryWriteIsUnlimited) {
  SendPace pace(0, 60s);
  pace.Sent(10, 1h);
  EXPECT_EQ(pace.Allowance(1 << 20), SendPace::Unlimited());
}

TEST(SendPaceTest, HugeWritesAndSlowRatesSaturateInsteadOfOverflowing) {
  SendPace pace(1, 24h * 365);
  EXPECT_EQ(pace.Allowance(SIZE_MAX), SendPace::Unlimited());
  pace.Sent(SIZE_MAX, 0s);
  EXPECT_EQ(pace.Allowance(SIZE_MAX), SendPace::Unlimited());
  SendPace negative(kRate, -5s);  // no slack at all
  EXPECT_EQ(negative.Allowance(2000), Duration(2s));
}

}  // namespace
}  // namespace lakeshare::http::internal
