#include "app/materialize_setup.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <filesystem>

#include "common/log.h"
#include "storage/location.h"

namespace lakeshare::app {

namespace {

// One JSON line per file built or failed (an info line of the server's log); reuses are counted only.
void LogEvent(const materialize::MaterializeEvent& e) {
  using Kind = materialize::MaterializeEvent::Kind;
  if (e.kind == Kind::kReused) return;
  nlohmann::json line{{"event", e.kind == Kind::kBuilt ? "materialized" : "materialize_failed"},
                      {"recipient", e.for_whom},
                      {"source", e.source_path},
                      {"cache_path", e.cache_path},
                      {"rows_read", e.rows_read},
                      {"rows_written", e.rows_written},
                      {"bytes", e.bytes},
                      {"ms", e.millis}};
  if (e.kind == Kind::kFailed) line["error"] = e.error;
  LogInfo("{}", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

void AddMaterializeFlags(CLI::App& serve, MaterializeFlags& flags) {
  serve.add_option("--materialize-cache", flags.cache,
                   "Folder or s3:// URI where files rewritten for partners are kept (deletion "
                   "vectors applied and column mapping resolved for parquet-format clients; row "
                   "filters, columns and masks); default: DIR/materialized with --data-dir, none "
                   "with --config");
  serve.add_option("--materialize-wait-ms", flags.wait_ms,
                   "How long a query waits for its files to be rewritten before it is answered "
                   "503 with Retry-After, or with a queryId to poll when the client sent "
                   "asyncquery=true; polls wait as long (default 30000)")
      ->check(CLI::Range(int64_t{0}, int64_t{600'000}));
  serve.add_option("--materialize-cache-max-bytes", flags.max_bytes,
                   "Bound of the materialization cache; least recently used files not in use "
                   "(their URLs expired) are deleted to stay within it (default 10 GiB)")
      ->check(CLI::Range(int64_t{1} << 20, int64_t{1} << 50));
  serve.add_option("--materialize-threads", flags.threads,
                   "Workers rewriting files (default 2)")
      ->check(CLI::Range(1, 64));
}

Result<std::shared_ptr<materialize::Materializer>> OpenMaterializer(
    const MaterializeFlags& flags, const std::string& default_location,
    const storage::StoreOptions& store_options, int64_t url_expiry_seconds,
    const Clock* clock, http::MetricsRegistry& metrics) {
  const std::string& where = flags.cache.empty() ? default_location : flags.cache;
  if (where.empty()) return std::shared_ptr<materialize::Materializer>();
  auto location = storage::ParseLocation(where);
  if (!location) {
    return InvalidArgument("--materialize-cache '{}': {}", where, location.error().message);
  }
  if (location->scheme == storage::LocationScheme::kFile) {
    std::error_code ec;
    std::filesystem::create_directories(location->path, ec);
    if (ec) {
      return Errorf(ErrorCode::kUnavailable,
                    "cannot create the materialization cache '{}': {}; choose another "
                    "--materialize-cache",
                    location->path, ec.message());
    }
    ::chmod(location->path.c_str(), 0700);
  }
  LS_ASSIGN_OR_RETURN(auto store, storage::OpenObjectStore(location->Uri(), store_options));
  materialize::MaterializerOptions options;
  options.cache = std::shared_ptr<storage::ObjectStore>(std::move(store));
  options.threads = flags.threads;
  options.max_bytes = flags.max_bytes;
  options.in_use_for = std::chrono::seconds(url_expiry_seconds);
  options.clock = clock;
  auto& built = metrics.AddCounter("lakeshare_materialized_files_total",
                                   "Files rewritten by the materialization engine, by outcome "
                                   "(built, reused from the cache store, failed)",
                                   {"outcome"});
  auto& bytes = metrics.AddCounter("lakeshare_materialized_bytes_total",
                                   "Bytes of the files the materialization engine wrote");
  auto& eviction_failures = metrics.AddCounter(
      "lakeshare_materialize_eviction_failures_total",
      "Evicted files of the materialization cache whose delete failed (they stay in the cache "
      "store and count against its bound; a request needing their room is answered 503)");
  options.on_event = [&built, &bytes, &eviction_failures](const materialize::MaterializeEvent& e) {
    using Kind = materialize::MaterializeEvent::Kind;
    if (e.kind == Kind::kEvictionFailed) {
      eviction_failures.Inc({});
      LogWarning("materialization cache: deleting evicted entry '{}' ({} bytes) failed: {}; it "
                 "stays and counts against --materialize-cache-max-bytes; check the cache "
                 "store's permissions or reachability",
                 e.cache_path, e.bytes, e.error);
      return;
    }
    built.Inc({e.kind == Kind::kBuilt ? "built" : e.kind == Kind::kReused ? "reused" : "failed"});
    if (e.kind == Kind::kBuilt) bytes.Inc({}, static_cast<double>(e.bytes));
    LogEvent(e);
  };
  LS_ASSIGN_OR_RETURN(auto m, materialize::Materializer::Create(std::move(options)));
  return std::shared_ptr<materialize::Materializer>(std::move(m));
}

}  // namespace lakeshare::app
