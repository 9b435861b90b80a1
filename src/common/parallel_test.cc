#include "common/parallel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "common/mutex.h"

namespace lakeshare {
namespace {

TEST(ParallelForTest, EachIndexRunsExactlyOnce) {
  std::vector<std::atomic<int>> calls(1000);
  ParallelFor(calls.size(), 4, [&](size_t i) { ++calls[i]; });
  for (size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(calls[i].load(), 1) << i;
}

// The threads that called Add, from any number of threads at once.
class ThreadsSeen {
 public:
  void Add() LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    ids_.insert(std::this_thread::get_id());
  }
  std::set<std::thread::id> ids() const LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    return ids_;
  }

 private:
  mutable Mutex mu_;
  std::set<std::thread::id> ids_ LS_GUARDED_BY(mu_);
};

TEST(ParallelForTest, UsesNoMoreThreadsThanAskedOrThanThereIsWork) {
  ThreadsSeen many;
  ParallelFor(64, 3, [&](size_t) { many.Add(); });
  EXPECT_LE(many.ids().size(), 3u);
  ThreadsSeen one;
  ParallelFor(1, 8, [&](size_t) { one.Add(); });
  EXPECT_THAT(one.ids(), testing::ElementsAre(std::this_thread::get_id()));
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
