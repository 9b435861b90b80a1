// Clock: the one source of time for code whose behaviour depends on it (token and URL expiry,
// cache freshness, rate windows). Code takes a `const Clock*` (null: SystemClock()) and reads
// the wall clock (NowMs: milliseconds since the Unix epoch, UTC; for expiry instants that are
// compared with timestamps from elsewhere) or the monotonic clock (MonotonicMs: for durations
// and refresh intervals, never set back). Tests hand in a ManualClock and move time with
// Advance() instead of sleeping.
//
//   struct CacheOptions { const Clock* clock = nullptr; };  // null: the system clock
//   const Clock& clock = ClockOr(options.clock);
//   if (clock.NowMs() >= expires_ms) Refresh();
//
//   ManualClock clock(/*wall_ms=*/1'700'000'000'000);
//   CacheOptions options{.clock = &clock};
//   clock.Advance(61'000);  // a minute later, at once
//
// Thread-safety: all methods of SystemClock() and ManualClock may be called concurrently.
#pragma once

#include <atomic>
#include <cstdint>

namespace lakeshare {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Wall-clock time in milliseconds since the Unix epoch (UTC).
  virtual int64_t NowMs() const = 0;
  /// A monotonic time in milliseconds from an arbitrary origin; never decreases.
  virtual int64_t MonotonicMs() const = 0;
};

/// The system's clocks (std::chrono::system_clock and steady_clock). Lives for the program.
const Clock& SystemClock();

/// `clock`, or SystemClock() when it is null (the convention of options that take a Clock).
inline const Clock& ClockOr(const Clock* clock) { return clock ? *clock : SystemClock(); }

/// A clock that moves only when told to: both readings advance together by Advance(); SetNowMs
/// moves the wall clock alone (a clock set back or forward), never the monotonic one.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t wall_ms = 1'700'000'000'000, int64_t monotonic_ms = 0)
      : wall_ms_(wall_ms), monotonic_ms_(monotonic_ms) {}

  int64_t NowMs() const override { return wall_ms_.load(); }
  int64_t MonotonicMs() const override { return monotonic_ms_.load(); }

  /// Move both clocks forward by `ms` (>= 0; a negative value is ignored).
  void Advance(int64_t ms) {
    if (ms <= 0) return;
    wall_ms_ += ms;
    monotonic_ms_ += ms;
  }
  /// Set the wall clock to `wall_ms` (the monotonic clock is unaffected).
  void SetNowMs(int64_t wall_ms) { wall_ms_ = wall_ms; }

 private:
  std::atomic<int64_t> wall_ms_;
  std::atomic<int64_t> monotonic_ms_;
};

}  // namespace lakeshare
