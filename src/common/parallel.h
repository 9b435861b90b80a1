// ParallelFor: run one function over the indices 0..n-1 on a few threads, for work that waits on
// storage or spreads over cores (share status reads, the onboarding CLI, the materializer's
// file jobs). The calling thread is one of the workers; every worker is joined before it returns.
// Thread-safe as `fn` is: it is called concurrently with distinct indices.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace lakeshare {

/// Calls fn(i) once for each i in [0, n), on at most `max_threads` threads (at least one; no
/// more than n), and returns when every call has returned. `fn` must not throw.
template <typename Fn>
void ParallelFor(size_t n, size_t max_threads, Fn&& fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  const size_t threads = std::clamp<size_t>(max_threads, 1, std::max<size_t>(n, 1));
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
}

}  // namespace lakeshare
