// Micro benchmarks of the hot decoding loops. Run: build/src/parquet/parquet_decode_benchmark
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "parquet/encoding_internal.h"

namespace lakeshare::parquet {
namespace {

void BM_UnpackBits(benchmark::State& state) {
  const int width = static_cast<int>(state.range(0));
  const size_t n = 1 << 16;
  std::vector<uint8_t> packed(n * static_cast<size_t>(width) / 8 + 8);
  std::mt19937 rng(42);
  for (auto& b : packed) b = static_cast<uint8_t>(rng());
  std::vector<uint32_t> out(n);
  for (auto _ : state) {
    UnpackBits(packed.data(), packed.size(), 0, width, out.data(), n);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_UnpackBits)->Arg(1)->Arg(3)->Arg(8)->Arg(12)->Arg(20);

void BM_RleRuns(benchmark::State& state) {
  // Definition levels of a mostly-present optional column: long runs of 1 with a few 0s.
  std::vector<uint8_t> data;
  for (int i = 0; i < 1000; ++i) {
    data.push_back(static_cast<uint8_t>((100 << 1) & 0x7f) | 0x80);
    data.push_back(static_cast<uint8_t>((100 << 1) >> 7));
    data.push_back(1);
    data.push_back(1 << 1);
    data.push_back(0);
  }
  const size_t n = 1000 * 101;
  std::vector<int16_t> out(n);
  for (auto _ : state) {
    RleBitPackedDecoder dec(data.data(), data.size(), 1);
    benchmark::DoNotOptimize(dec.Decode(out.data(), n));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}
BENCHMARK(BM_RleRuns);

}  // namespace
}  // namespace lakeshare::parquet

BENCHMARK_MAIN();
