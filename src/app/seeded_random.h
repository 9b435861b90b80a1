// SeededRandom: the deterministic generator of the commands that write sample data (`parquet
// write`, `parquet gen-*`, `demo write`). The same seed gives the same bytes on every platform:
// only the engine's raw output is used (the standard's distributions are implementation-defined).
// Not thread-safe; one per writer.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <random>
#include <string>

namespace lakeshare::app {

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : rng_(seed) {}
  uint64_t Next() { return rng_(); }
  uint64_t Below(uint64_t n) { return rng_() % n; }
  /// A value in [lo, hi], both inclusive.
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo + 1)));
  }
  bool Chance(int percent) { return Below(100) < static_cast<uint64_t>(percent); }
  /// A random (version 4, RFC 4122 variant) UUID.
  std::string Uuid() {
    uint64_t a = rng_(), b = rng_();
    a = (a & 0xffffffffffff0fffull) | 0x4000ull;              // version 4
    b = (b & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // RFC 4122 variant
    return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff,
                       a & 0xffff, b >> 48, b & 0xffffffffffffull);
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace lakeshare::app
