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

TEST(MutexTest, ScopedLocksSerializeWritersAcrossThreads) {
  Counter counter;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&counter] {
      for (int i = 0; i < 1000; ++i) {
        counter.Add();
        counter.AddTwiceReleasingBetween();
      }
    });
  }
  for (std::thread& t : threads) t.join();
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
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&tally] {
      for (int i = 0; i < 500; ++i) {
        tally.Add();
        EXPECT_GT(tally.value(), 0);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(tally.value(), 2000);
}

}  // namespace
}  // namespace lakeshare
