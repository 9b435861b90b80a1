#include "http/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <list>
#include <string>
#include <unordered_map>

#include "common/mutex.h"

namespace lakeshare::http {
namespace {

constexpr size_t kShards = 16;

}  // namespace

struct RateLimiter::Shard {
  struct Bucket {
    std::string key;
    double tokens = 0;
    int64_t last_ms = 0;  // monotonic
  };
  Mutex mu;
  size_t capacity = 1;
  std::list<Bucket> lru LS_GUARDED_BY(mu);  // most recently used first
  // Views into `lru`.
  std::unordered_map<std::string_view, std::list<Bucket>::iterator> index LS_GUARDED_BY(mu);
  uint64_t evicted LS_GUARDED_BY(mu) = 0;
};

RateLimiter::RateLimiter(RateLimit limit, size_t max_keys, const Clock* clock)
    : limit_(limit),
      clock_(ClockOr(clock)),
      shard_count_(kShards),
      shards_(std::make_unique<Shard[]>(kShards)) {
  limit_.burst = std::max(1.0, limit_.burst);
  for (size_t i = 0; i < shard_count_; ++i) {
    shards_[i].capacity = std::max<size_t>(1, max_keys / shard_count_);
  }
}

RateLimiter::~RateLimiter() = default;

RateLimiter::Decision RateLimiter::Take(std::string_view key) {
  if (!limit_.enabled()) {
    return {};
  }
  Shard& shard = shards_[std::hash<std::string_view>{}(key) % shard_count_];
  int64_t now = clock_.MonotonicMs();
  MutexLock lock(shard.mu);
  auto found = shard.index.find(key);
  Shard::Bucket* bucket;
  if (found != shard.index.end()) {
    shard.lru.splice(shard.lru.begin(), shard.lru, found->second);
    bucket = &*found->second;
    double elapsed = static_cast<double>(std::max<int64_t>(0, now - bucket->last_ms)) / 1e3;
    bucket->tokens = std::min(limit_.burst, bucket->tokens + elapsed * limit_.per_second);
    bucket->last_ms = now;
  } else {
    if (shard.index.size() >= shard.capacity) {
      shard.index.erase(shard.lru.back().key);
      shard.lru.pop_back();
      ++shard.evicted;
    }
    shard.lru.push_front(Shard::Bucket{std::string(key), limit_.burst, now});
    bucket = &shard.lru.front();
    shard.index.emplace(bucket->key, shard.lru.begin());
  }
  if (bucket->tokens >= 1) {
    bucket->tokens -= 1;
    return {};
  }
  double wait = (1 - bucket->tokens) / limit_.per_second;
  auto seconds = static_cast<int64_t>(std::ceil(wait));
  return Decision{false, std::chrono::seconds(std::max<int64_t>(1, seconds))};
}

size_t RateLimiter::size() const {
  size_t total = 0;
  for (size_t i = 0; i < shard_count_; ++i) {
    MutexLock lock(shards_[i].mu);
    total += shards_[i].index.size();
  }
  return total;
}

uint64_t RateLimiter::evicted() const {
  uint64_t total = 0;
  for (size_t i = 0; i < shard_count_; ++i) {
    MutexLock lock(shards_[i].mu);
    total += shards_[i].evicted;
  }
  return total;
}

}  // namespace lakeshare::http
