#include <algorithm>

#include "http/send_pace_internal.h"

namespace lakeshare::http::internal {

SendPace::SendPace(size_t min_bytes_per_second, std::chrono::milliseconds slack)
    : min_bytes_per_second_(static_cast<double>(min_bytes_per_second)),
      slack_(std::clamp<Duration>(slack, Duration::zero(), Unlimited())),
      left_(slack_) {}

SendPace::Duration SendPace::TimeAtMinimumRate(size_t bytes) const {
  // In double seconds first: bytes / rate may not fit a Duration (1 byte per second, 2^60 bytes).
  double seconds = static_cast<double>(bytes) / min_bytes_per_second_;
  double limit = std::chrono::duration<double>(Unlimited()).count();
  return std::chrono::duration_cast<Duration>(
      std::chrono::duration<double>(std::min(seconds, limit)));
}

SendPace::Duration SendPace::Allowance(size_t bytes) const {
  if (min_bytes_per_second_ <= 0) {
    return Unlimited();
  }
  return std::min(TimeAtMinimumRate(bytes) + std::max(left_, Duration::zero()), Unlimited());
}

void SendPace::Sent(size_t bytes, Duration took) {
  if (min_bytes_per_second_ <= 0) {
    return;
  }
  // Both terms are at most a day, so the sum cannot overflow.
  left_ = std::clamp(left_ + TimeAtMinimumRate(bytes) - took, Duration::zero(), slack_);
}

}  // namespace lakeshare::http::internal
