#include "common/mutex.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace lakeshare {
namespace {

class Counter {
 public:
  void Add() LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    ++value_;
  }
  // Releases the lock mid-way and takes it again (as a loader does around a fetch).
  void AddTwiceReleasingBetween() LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    ++value_;
    lock.Unlock();
    std::this_thread::yield();
    lock.Lock();
    ++value_;
  }
  int value() const LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    return value_;
  }

 private:
  mutable Mutex mu_;
  int value_ LS_GUARDED_BY(mu_) = 0;
};

// Run `step` `rounds` times on each of `threads` threads at once; return when all are done.
template <typename F>
void OnThreads(int threads, int rounds, const F& step) {
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&step, rounds] {
      for (int i = 0; i < rounds; ++i) step();
    });
  }
  for (std::thread& t : running) t.join();
}

TEST(MutexTest, ScopedLocksSerializeWritersAcrossThreads) {
  Counter counter;
  OnThreads(4, 1000, [&counter] {
    counter.Add();
    counter.AddTwiceReleasingBetween();
  });
  EXPECT_EQ(counter.value(), 4 * 1000 * 3);
}

class Mailbox {
 public:
  void Put(int v) LS_EXCLUDES(mu_) {
    {
      MutexLock lock(mu_);
      value_ = v;
    }
    cv_.SignalAll();
  }
  // Waits (without a timeout in practice: the deadline is far) until a value arrives.
  int Take() LS_EXCLUDES(mu_) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::hours(1);
    MutexLock lock(mu_);
    while (value_ == 0) {
      if (!cv_.WaitUntil(mu_, deadline)) break;
    }
    return value_;
  }

 private:
  Mutex mu_;
  CondVar cv_;
  int value_ LS_GUARDED_BY(mu_) = 0;
};

TEST(MutexTest, CondVarWakesAWaiterWithTheLockHeldAgain) {
  Mailbox box;
  std::thread producer([&box] { box.Put(42); });
  EXPECT_EQ(box.Take(), 42);
  producer.join();
}

class Tally {
 public:
  void Add() LS_EXCLUDES(mu_) {
    WriterLock lock(mu_);
    ++value_;
  }
  int value() const LS_EXCLUDES(mu_) {
    ReaderLock lock(mu_);
    return value_;
  }

 private:
  mutable SharedMutex mu_;
  int value_ LS_GUARDED_BY(mu_) = 0;
};

TEST(MutexTest, SharedMutexLetsReadersShareAndWritersExclude) {
  Tally tally;
  OnThreads(4, 500, [&tally] {
    tally.Add();
    EXPECT_GT(tally.value(), 0);
  });
  EXPECT_EQ(tally.value(), 2000);
}

}  // namespace
}  // namespace lakeshare
