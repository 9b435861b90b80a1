// The materialization engine of `lakeshare serve` (issue 11): the flags that place and bound its
// cache, and the Materializer built from them, with its progress lines in the server's log
// (one JSON line per file built or failed) and its counters on /metrics. RunPlatform and RunServe
// hand the result to the sharing service (SharingOptions::materializer).
//
// Thread-safe once built.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "http/metrics.h"
#include "materialize/materializer.h"
#include "storage/object_store.h"

namespace CLI {
class App;
}

namespace lakeshare::app {

struct MaterializeFlags {
  std::string cache;       // --materialize-cache DIR|URI
  int64_t wait_ms = 30'000;  // --materialize-wait-ms
  int threads = 2;         // --materialize-threads
  int64_t max_bytes = int64_t{10} << 30;  // --materialize-cache-max-bytes
};

/// Register the --materialize-* options of `serve` into `flags`.
void AddMaterializeFlags(CLI::App& serve, MaterializeFlags& flags);

/// The materializer on flags.cache, or on `default_location` when it is empty; null when both are
/// empty (the reference-server mode without --materialize-cache: files needing a rewrite are
/// refused, as the reference server does). A local folder is created (mode 0700). Entries are in
/// use (never evicted) for `url_expiry_seconds` after they were last handed out. `clock` is the
/// server's (SharingOptions::clock; null: the system clock).
Result<std::shared_ptr<materialize::Materializer>> OpenMaterializer(
    const MaterializeFlags& flags, const std::string& default_location,
    const storage::StoreOptions& store_options, int64_t url_expiry_seconds,
    const Clock* clock, http::MetricsRegistry& metrics);

}  // namespace lakeshare::app
