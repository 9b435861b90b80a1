// Mutex, SharedMutex and their scoped locks: std::mutex / std::shared_mutex with clang's
// thread-safety attributes, so that members marked LS_GUARDED_BY(mu_) are checked at compile
// time (common/thread_annotations.h; std::mutex carries no attributes). CondVar waits on a Mutex.
//
//   mutable Mutex mu_;
//   int hits_ LS_GUARDED_BY(mu_) = 0;
//   void Hit() LS_EXCLUDES(mu_) { MutexLock lock(mu_); ++hits_; }
//
// Waiting for a condition: loop with the lock held (the analysis then sees every read locked).
//
//   MutexLock lock(mu_);
//   while (queue_.empty() && !stopping_) cv_.Wait(mu_);
//
// The same thread-safety as the std types they wrap.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <shared_mutex>

#include "common/thread_annotations.h"

namespace lakeshare {

class LS_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() LS_ACQUIRE() { mu_.lock(); }
  void Unlock() LS_RELEASE() { mu_.unlock(); }
  bool TryLock() LS_TRY_ACQUIRE(true) { return mu_.try_lock(); }
  /// For the analysis only: a function that is documented to run with the lock held.
  void AssertHeld() const LS_ASSERT_CAPABILITY(this) {}

 private:
  friend class CondVar;
  std::mutex mu_;
};

/// Holds a Mutex for its scope, or until Unlock().
class LS_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) LS_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~MutexLock() LS_RELEASE() {
    if (held_) mu_.Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  /// Releases the mutex before the end of the scope; Lock() takes it again.
  void Unlock() LS_RELEASE() {
    held_ = false;
    mu_.Unlock();
  }
  void Lock() LS_ACQUIRE() {
    mu_.Lock();
    held_ = true;
  }

 private:
  Mutex& mu_;
  bool held_ = true;
};

/// Readers share it, a writer holds it alone.
class LS_CAPABILITY("shared_mutex") SharedMutex {
 public:
  SharedMutex() = default;
  SharedMutex(const SharedMutex&) = delete;
  SharedMutex& operator=(const SharedMutex&) = delete;

  void Lock() LS_ACQUIRE() { mu_.lock(); }
  void Unlock() LS_RELEASE() { mu_.unlock(); }
  void LockShared() LS_ACQUIRE_SHARED() { mu_.lock_shared(); }
  void UnlockShared() LS_RELEASE_SHARED() { mu_.unlock_shared(); }

 private:
  std::shared_mutex mu_;
};

/// Holds a SharedMutex exclusively for its scope.
class LS_SCOPED_CAPABILITY WriterLock {
 public:
  explicit WriterLock(SharedMutex& mu) LS_ACQUIRE(mu) : mu_(mu) { mu_.Lock(); }
  ~WriterLock() LS_RELEASE() { mu_.Unlock(); }
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  SharedMutex& mu_;
};

/// Holds a SharedMutex shared for its scope.
class LS_SCOPED_CAPABILITY ReaderLock {
 public:
  explicit ReaderLock(SharedMutex& mu) LS_ACQUIRE_SHARED(mu) : mu_(mu) { mu_.LockShared(); }
  ~ReaderLock() LS_RELEASE() { mu_.UnlockShared(); }
  ReaderLock(const ReaderLock&) = delete;
  ReaderLock& operator=(const ReaderLock&) = delete;

 private:
  SharedMutex& mu_;
};

/// A condition variable for Mutex. Wait with the mutex held; it is held again on return.
class CondVar {
 public:
  void Wait(Mutex& mu) LS_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  /// False when `timeout` passed without a signal (spurious wake-ups answer true: re-check).
  template <typename Rep, typename Period>
  bool WaitFor(Mutex& mu, std::chrono::duration<Rep, Period> timeout) LS_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    bool signalled = cv_.wait_for(lock, timeout) == std::cv_status::no_timeout;
    lock.release();
    return signalled;
  }
  template <typename Clock, typename Duration>
  bool WaitUntil(Mutex& mu, std::chrono::time_point<Clock, Duration> deadline) LS_REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    bool signalled = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return signalled;
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace lakeshare
