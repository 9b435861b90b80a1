// RateLimiter: token buckets keyed by a string (a client address, a recipient), in a table of
// bounded size. Each key gets a bucket of `burst` tokens refilled at `per_second`; a request takes
// one token and is refused when none is left, with the seconds until one will be there.
//
// Memory is bounded whatever the number of keys: the table holds at most `max_keys` buckets
// (about 150 bytes each), split in shards with their own lock; a new key in a full shard evicts
// the shard's least recently used bucket. An evicted key starts again with a full bucket, which
// is what a bucket left alone for burst/per_second seconds holds anyway, so eviction only ever
// lets through what an attacker with that many distinct keys could send anyway.
//
// Thread-safe. Refills are timed by the monotonic reading of an injected Clock
// (common/clock.h), so tests move time instead of sleeping.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "common/clock.h"

namespace lakeshare::http {

struct RateLimit {
  /// Sustained requests per second; 0 turns the limit off.
  double per_second = 0;
  /// Requests allowed at once after a quiet period (bucket size); at least 1.
  double burst = 0;

  bool enabled() const { return per_second > 0; }
};

class RateLimiter {
 public:
  /// `max_keys`: buckets kept at most (at least one per shard). `clock`: null is SystemClock();
  /// it must outlive the limiter.
  RateLimiter(RateLimit limit, size_t max_keys, const Clock* clock = nullptr);
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  struct Decision {
    bool allowed = true;
    /// When refused: whole seconds until a token is back (at least 1).
    std::chrono::seconds retry_after{0};
  };

  /// Take one token from `key`'s bucket.
  Decision Take(std::string_view key);

  const RateLimit& limit() const { return limit_; }
  /// Buckets currently kept.
  size_t size() const;
  /// Buckets evicted so far to make room.
  uint64_t evicted() const;

 private:
  struct Shard;
  RateLimit limit_;
  const Clock& clock_;
  size_t shard_count_;
  std::unique_ptr<Shard[]> shards_;
};

}  // namespace lakeshare::http
