#include "common/clock.h"

#include <gtest/gtest.h>

namespace lakeshare {
namespace {

TEST(ClockTest, TheSystemClockReadsTheWallClockInMilliseconds) {
  const int64_t now = SystemClock().NowMs();
  EXPECT_GT(now, int64_t{1'600'000'000'000});  // after 2020-09
  EXPECT_LT(now, int64_t{4'102'444'800'000});  // before 2100
  const int64_t a = SystemClock().MonotonicMs();
  EXPECT_LE(a, SystemClock().MonotonicMs());
  EXPECT_EQ(&ClockOr(nullptr), &SystemClock());
}

TEST(ClockTest, AManualClockMovesOnlyWhenTold) {
  ManualClock clock(1'000, 5);
  EXPECT_EQ(clock.NowMs(), 1'000);
  EXPECT_EQ(clock.MonotonicMs(), 5);
  clock.Advance(250);
  EXPECT_EQ(clock.NowMs(), 1'250);
  EXPECT_EQ(clock.MonotonicMs(), 255);
  clock.Advance(-100);  // time does not go back through Advance
  EXPECT_EQ(clock.NowMs(), 1'250);
  clock.SetNowMs(10);  // the wall clock set back; the monotonic clock is not
  EXPECT_EQ(clock.NowMs(), 10);
  EXPECT_EQ(clock.MonotonicMs(), 255);
  EXPECT_EQ(&ClockOr(&clock), &clock);
}

}  // namespace
}  // namespace lakeshare
