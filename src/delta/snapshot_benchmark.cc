// delta_snapshot_bench: times snapshot loads for bench/20_delta_log.sh and prints one JSON object.
//   delta_snapshot_bench cold TABLE [REPEAT]     best/median cold Snapshot::Load, files, peak RSS
//   delta_snapshot_bench refresh TABLE [REPEAT]  cold load once, then REPEAT times: write one new
//                                                commit, time Snapshot::Refresh, delete it again
// TABLE must be writable for `refresh` (the bench script passes a scratch copy).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "delta/log_files.h"
#include "delta/snapshot.h"
#include "delta/table_writer.h"
#include "storage/object_store.h"

namespace {

using lakeshare::delta::Snapshot;
using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// User + system CPU time of this process, in ms (robust on a loaded machine).
double CpuMs() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "delta_snapshot_bench: %s\n", what.c_str());
  std::exit(1);
}

// Run `load` once, its wall time added to `times` and its CPU time to `cpu`; exit on its error.
template <typename Load>
std::shared_ptr<const Snapshot> Timed(Load load, std::vector<double>& times,
                                      std::vector<double>& cpu) {
  const double c0 = CpuMs();
  const auto t0 = Clock::now();
  auto s = load();
  const auto t1 = Clock::now();
  cpu.push_back(CpuMs() - c0);
  if (!s) {
    Die(s.error().message);
  }
  times.push_back(Ms(t1 - t0));
  return *s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    Die("usage: delta_snapshot_bench cold|refresh TABLE [REPEAT]");
  }
  const std::string mode = argv[1];
  const std::string table = argv[2];
  const int repeat = argc > 3 ? std::max(1, std::atoi(argv[3])) : 5;
  auto opened = lakeshare::storage::OpenObjectStore(table);
  if (!opened) {
    Die(opened.error().message);
  }
  std::shared_ptr<lakeshare::storage::ObjectStore> store(std::move(*opened));

  std::vector<double> times;
  std::vector<double> cpu;
  std::shared_ptr<const Snapshot> snapshot;
  if (mode == "cold") {
    for (int i = 0; i < repeat; ++i) {
      snapshot.reset();
      snapshot = Timed([&] { return Snapshot::Load(store); }, times, cpu);
    }
  } else if (mode == "refresh") {
    auto s = Snapshot::Load(store);
    if (!s) {
      Die(s.error().message);
    }
    snapshot = *s;
    const std::string next = lakeshare::delta::CommitPath(snapshot->version() + 1);
    lakeshare::delta::FileAction add;
    add.path = "bench/new-file.parquet";
    add.partition_values = {{"partition_col", "part_0"}};
    add.size = 1;
    add.modification_time = 1;
    add.data_change = true;
    const std::string commit =
        lakeshare::delta::CommitInfoActionLine(R"("operation":"WRITE")") + "\n" +
        lakeshare::delta::FileActionLine(add) + "\n";
    for (int i = 0; i < repeat; ++i) {
      if (auto st = store->Put(next, commit); !st) {
        Die(st.error().message);
      }
      auto refreshed = Timed([&] { return Snapshot::Refresh(snapshot); }, times, cpu);
      if (refreshed->version() != snapshot->version() + 1) {
        Die("refresh did not see the new commit");
      }
      if (auto st = store->Delete(next); !st) {
        Die(st.error().message);
      }
    }
  } else {
    Die("unknown mode " + mode);
  }
  std::vector<double> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  std::sort(cpu.begin(), cpu.end());
  std::printf(
      "{\"mode\":\"%s\",\"best_ms\":%.3f,\"median_ms\":%.3f,\"best_cpu_ms\":%.3f,"
      "\"version\":%lld,\"files\":%zu,\"snapshot_bytes\":%zu,\"peak_rss_kb\":%ld,"
      "\"bytes_read\":%lld}\n",
      mode.c_str(), sorted.front(), sorted[sorted.size() / 2], cpu.front(),
      static_cast<long long>(snapshot->version()), snapshot->files().size(),
      snapshot->MemoryUsage(), PeakRssKb(),
      static_cast<long long>(snapshot->load_stats().bytes_read));
  return 0;
}
