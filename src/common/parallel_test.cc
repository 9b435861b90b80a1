#include "common/parallel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

namespace lakeshare {
namespace {

TEST(ParallelForTest, EachIndexRunsExactlyOnce) {
  std::vector<std::atomic<int>> calls(1000);
  ParallelFor(calls.size(), 4, [&](size_t i) { ++calls[i]; });
  for (size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(calls[i].load(), 1) << i;
}

TEST(ParallelForTest, UsesNoMoreThreadsThanAskedOrThanThereIsWork) {
  std::mutex mu;
  std::set<std::thread::id> seen;
  ParallelFor(64, 3, [&](size_t) {
    std::lock_guard<std::mutex> lock(mu);
    seen.insert(std::this_thread::get_id());
  });
  EXPECT_LE(seen.size(), 3u);
  seen.clear();
  ParallelFor(1, 8, [&](size_t) { seen.insert(std::this_thread::get_id()); });
  EXPECT_THAT(seen, testing::ElementsAre(std::this_thread::get_id()));
}

TEST(ParallelForTest, NoWorkCallsNothingAndZeroThreadsStillRuns) {
  int calls = 0;
  ParallelFor(0, 4, [&](size_t) { ++calls; });
  EXPECT_EQ(calls, 0);
  ParallelFor(5, 0, [&](size_t) { ++calls; });
  EXPECT_EQ(calls, 5);
}

}  // namespace
}  // namespace lakeshare
