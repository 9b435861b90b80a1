// Gate (tests only): where test threads wait while it is closed, so that a test holds work at a
// point it chooses (a fetch held, an identity provider that hangs) and lets it go on when it has
// looked. Thread-safe.
#pragma once

#include "common/mutex.h"

namespace lakeshare::auth::testing {

class Gate {
 public:
  explicit Gate(bool open) : open_(open) {}
  void Close() {
    MutexLock lock(mu_);
    open_ = false;
  }
  void Open() {
    {
      MutexLock lock(mu_);
      open_ = true;
    }
    opened_.SignalAll();
  }
  /// Wait until the gate is open.
  void Pass() {
    MutexLock lock(mu_);
    while (!open_) opened_.Wait(mu_);
  }

 private:
  Mutex mu_;
  CondVar opened_;
  bool open_ LS_GUARDED_BY(mu_);
};

}  // namespace lakeshare::auth::testing
