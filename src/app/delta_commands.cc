#include "app/delta_commands.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/numbers.h"
#include "common/strings.h"
#include "delta/change_feed.h"
#include "delta/data_skipping.h"
#include "delta/history.h"
#include "delta/snapshot.h"
#include "delta/time_util.h"
#include "materialize/engine.h"
#include "storage/object_store.h"

namespace lakeshare::app {

namespace {

[[noreturn]] void FailDeltaCommand(const Error& e) {
  std::fprintf(stderr, "error: %s\n", e.message.c_str());
  std::exit(e.code == ErrorCode::kNotFound || e.code == ErrorCode::kInvalidArgument ||
                    e.code == ErrorCode::kMalformedRequest
                ? 2
                : 1);
}

template <typename T>
T OrFail(Result<T> r) {
  if (!r) {
    FailDeltaCommand(r.error());
  }
  return std::move(*r);
}

void Write(std::string& out, bool force = false) {
  if (force || out.size() > (1 << 16)) {
    std::fwrite(out.data(), 1, out.size(), stdout);
    out.clear();
  }
}

std::shared_ptr<const storage::ObjectStore> OpenTable(const std::string& table) {
  auto store = storage::OpenObjectStore(table);
  if (!store) {
    FailDeltaCommand(store.error());
  }
  return std::shared_ptr<const storage::ObjectStore>(std::move(*store));
}

// Milliseconds since the epoch from "1700000000000" or an ISO-8601 date/time.
int64_t ParseTimestampArg(const std::string& text) {
  if (std::optional<int64_t> ms = ParseInteger<int64_t>(text)) {
    return *ms;
  }
  auto micros = delta::ParseTimestampMicros(text);
  if (!micros) {
    FailDeltaCommand(
        Error{ErrorCode::kInvalidArgument,
              fmt::format("'{}' is not a timestamp (milliseconds since the epoch or ISO-8601 such "
                          "as 2024-01-31T10:00:00Z)",
                          text)});
  }
  return *micros >= 0 ? *micros / 1000 : -((-*micros + 999) / 1000);
}

std::shared_ptr<const delta::Snapshot> LoadAt(std::shared_ptr<const storage::ObjectStore> store,
                                              std::optional<int64_t> version,
                                              const std::string& timestamp, bool check_protocol) {
  delta::SnapshotOptions options;
  options.check_protocol = check_protocol;
  if (!timestamp.empty()) {
    int64_t ts = ParseTimestampArg(timestamp);
    auto latest = OrFail(delta::Snapshot::Load(store, options));
    version =
        OrFail(delta::VersionAtTimestamp(*latest, ts, delta::TimestampBound::kLatestAtOrBefore));
    if (*version == latest->version()) {
      return latest;
    }
  }
  options.version = version;
  return OrFail(delta::Snapshot::Load(store, options));
}

int RunFiles(const std::string& table, std::optional<int64_t> version, const std::string& timestamp,
             const std::string& predicate, std::optional<int64_t> limit_hint) {
  auto snapshot = LoadAt(OpenTable(table), version, timestamp, /*check_protocol=*/true);
  delta::FileQuery query;
  query.json_predicate = predicate;
  query.limit_hint = limit_hint;
  delta::FileSelection selection = delta::SelectFiles(*snapshot, query);
  if (!selection.predicate_error.empty()) {
    std::fprintf(stderr, "warning: predicate ignored (no pruning): %s\n",
                 selection.predicate_error.c_str());
  }
  std::string out;
  for (const delta::AddFile* f : selection.files) {
    out += "{\"add\":";
    f->AppendJson(out);
    out += "}\n";
    Write(out);
  }
  Write(out, true);
  if (!predicate.empty() || limit_hint) {
    std::fprintf(stderr, "version %lld: %zu of %zu files selected (%lld pruned by predicate%s)\n",
                 static_cast<long long>(snapshot->version()), selection.files.size(),
                 snapshot->files().size(), static_cast<long long>(selection.files_pruned),
                 selection.limit_applied ? ", cut by limit hint" : "");
  }
  return 0;
}

int RunChanges(const std::string& table, std::optional<int64_t> from, std::optional<int64_t> to,
               const std::string& from_ts, const std::string& to_ts, bool raw) {
  auto store = OpenTable(table);
  if (!from_ts.empty() || !to_ts.empty()) {
    auto latest = OrFail(delta::Snapshot::Load(store));
    if (!from_ts.empty()) {
      from = OrFail(delta::VersionAtTimestamp(*latest, ParseTimestampArg(from_ts),
                                              delta::TimestampBound::kEarliestAtOrAfter));
    }
    if (!to_ts.empty()) {
      to = OrFail(delta::VersionAtTimestamp(*latest, ParseTimestampArg(to_ts),
                                            delta::TimestampBound::kLatestAtOrBefore));
    }
  }
  if (!from) {
    FailDeltaCommand(Error{ErrorCode::kInvalidArgument, "--from or --from-timestamp is required"});
  }
  delta::ChangeFeedOptions options;
  options.start = *from;
  options.end = to;
  options.require_cdf_enabled = !raw;
  std::string out;
  Status st = delta::ReadChangeFeed(store, options, [&](delta::CommitChanges&& c) {
    auto suffix = fmt::format(",\"version\":{},\"timestamp\":{}}}\n", c.version, c.timestamp_ms);
    if (c.protocol) {
      out += "{\"protocol\":" + c.protocol->json + suffix;
    }
    if (c.metadata) {
      out += "{\"metaData\":" + c.metadata->json + suffix;
    }
    for (const auto& a : c.actions) {
      out += "{\"";
      out += delta::FileActionTypeName(a.type);
      out += "\":";
      out += a.json;
      out += suffix;
      Write(out);
    }
    Write(out);
    return OkStatus();
  });
  Write(out, true);
  if (!st) {
    FailDeltaCommand(st.error());
  }
  return 0;
}

int RunDescribe(const std::string& table, std::optional<int64_t> version,
                const std::string& timestamp, bool json) {
  // Describe even tables this server cannot serve: the protocol is what the user wants to see.
  auto snapshot = LoadAt(OpenTable(table), version, timestamp, /*check_protocol=*/false);
  const auto& s = *snapshot;
  Status readable = s.CheckReadable();
  const auto& features = s.features();
  if (json) {
    std::string out =
        fmt::format("{{\"version\":{},\"timestamp\":{},\"protocol\":{},\"metaData\":{}",
                    s.version(), s.timestamp_ms(), s.protocol().json, s.metadata().json);
    out += ",\"partitionColumns\":[";
    for (size_t i = 0; i < s.partition_columns().size(); ++i) {
      if (i) {
        out += ",";
      }
      AppendJsonString(out, s.partition_columns()[i]);
    }
    out += fmt::format("],\"numFiles\":{},\"sizeInBytes\":{}", s.files().size(),
                       s.files().total_bytes());
    out += ",\"readerFeatures\":[";
    for (size_t i = 0; i < features.reader_features.size(); ++i) {
      if (i) {
        out += ",";
      }
      AppendJsonString(out, features.reader_features[i]);
    }
    out += "],\"columnMappingMode\":";
    AppendJsonString(out, features.column_mapping_mode);
    out += fmt::format(",\"changeDataFeed\":{},\"deletionVectors\":{},\"inCommitTimestamps\":{}",
                       features.change_data_feed_enabled, features.deletion_vectors_enabled,
                       features.in_commit_timestamps_enabled);
    out += ",\"checkpoint\":";
    if (s.segment().checkpoint) {
      out += fmt::format("{{\"version\":{},\"kind\":\"{}\"}}", s.segment().checkpoint->version,
                         delta::CheckpointKindName(s.segment().checkpoint->kind));
    } else {
      out += "null";
    }
    out += ",\"readable\":";
    out += readable ? "true" : "false";
    if (!readable) {
      out += ",\"unsupported\":";
      AppendJsonString(out, readable.error().message);
    }
    out += "}\n";
    std::fputs(out.c_str(), stdout);
    return 0;
  }
  std::printf("version:            %lld\n", static_cast<long long>(s.version()));
  std::printf("timestamp:          %s (%lld)%s\n", FormatIsoMillis(s.timestamp_ms()).c_str(),
              static_cast<long long>(s.timestamp_ms()),
              features.in_commit_timestamps_enabled ? " in-commit" : "");
  std::printf("table id:           %s\n", s.metadata().id.c_str());
  if (s.metadata().name) {
    std::printf("name:               %s\n", s.metadata().name->c_str());
  }
  if (s.metadata().description) {
    std::printf("description:        %s\n", s.metadata().description->c_str());
  }
  std::printf("protocol:           %s\n", s.protocol().json.c_str());
  const std::string parts = Join(s.partition_columns(), ", ");
  std::printf("partition columns:  %s\n", parts.empty() ? "(none)" : parts.c_str());
  std::printf("files:              %zu (%lld bytes)\n", s.files().size(),
              static_cast<long long>(s.files().total_bytes()));
  const std::string rf = Join(features.reader_features, ", ");
  std::printf("reader features:    %s\n", rf.empty() ? "(none)" : rf.c_str());
  std::printf("column mapping:     %s\n", features.column_mapping_mode.c_str());
  std::printf("change data feed:   %s\n", features.change_data_feed_enabled ? "on" : "off");
  if (s.segment().checkpoint) {
    std::printf("checkpoint:         %lld (%s)\n",
                static_cast<long long>(s.segment().checkpoint->version),
                std::string(delta::CheckpointKindName(s.segment().checkpoint->kind)).c_str());
  }
  std::string config;
  for (const auto& [k, v] : s.metadata().configuration) {
    config += fmt::format("\n  {} = {}", k, v.value_or("null"));
  }
  std::printf("configuration:      %s\n", config.empty() ? "(none)" : config.c_str());
  std::printf("schema:             %s\n", s.metadata().schema_string.c_str());
  if (!readable) {
    std::printf("readable:           no: %s\n", readable.error().message.c_str());
  }
  return 0;
}

int RunMaterialize(const std::string& table, std::optional<int64_t> version,
                   const std::string& cache_dir, const std::string& columns, int threads) {
  auto snapshot = LoadAt(OpenTable(table), version, "", /*check_protocol=*/true);
  std::error_code ec;
  std::filesystem::create_directories(cache_dir, ec);
  if (ec) {
    FailDeltaCommand(MakeError(ErrorCode::kUnavailable,
                               fmt::format("cannot create '{}': {}; choose another --cache folder",
                                           cache_dir, ec.message()))
                         .value());
  }
  auto cache = storage::OpenObjectStore(cache_dir, storage::StoreOptions());
  if (!cache) {
    FailDeltaCommand(cache.error());
  }
  materialize::MaterializeOptions options;
  options.cache = std::shared_ptr<storage::ObjectStore>(std::move(*cache));
  options.threads = threads;
  for (std::string_view c : Split(columns, ',')) {
    if (!c.empty()) options.columns.emplace_back(c);
  }
  options.progress = [](int64_t done, int64_t total, const std::string& path) {
    std::fprintf(stderr, "materialize: %lld/%lld %s\n", static_cast<long long>(done),
                 static_cast<long long>(total), path.c_str());
  };
  auto summary = materialize::MaterializeSnapshot(*snapshot, options);
  if (!summary) {
    FailDeltaCommand(summary.error());
  }
  std::printf(
      "{\"version\":%lld,\"files\":%zu,\"rewritten\":%lld,\"reused\":%lld,\"rowsRead\":%lld,"
      "\"rowsWritten\":%lld,\"bytesWritten\":%lld}\n",
      static_cast<long long>(snapshot->version()), summary->files.size(),
      static_cast<long long>(summary->rewritten), static_cast<long long>(summary->reused),
      static_cast<long long>(summary->rows_read), static_cast<long long>(summary->rows_written),
      static_cast<long long>(summary->bytes_written));
  return 0;
}

}  // namespace

void AddDeltaCommands(CLI::App& root) {
  auto* delta = root.add_subcommand("delta", "Inspect Delta tables");
  delta->require_subcommand(1);

  auto* files = delta->add_subcommand("files", "Print the active files as {\"add\": {...}} lines");
  auto* f_table = new std::string;
  auto* f_version = new std::optional<int64_t>;
  auto* f_timestamp = new std::string;
  auto* f_predicate = new std::string;
  auto* f_limit = new std::optional<int64_t>;
  files->add_option("table", *f_table, "Table location (path, file:// or s3:// URI)")->required();
  auto* fv = files->add_option("--version", *f_version, "Table version (time travel)");
  files
      ->add_option("--timestamp", *f_timestamp,
                   "Latest version committed at or before this time (ms or ISO-8601)")
      ->excludes(fv);
  files->add_option("--predicate", *f_predicate,
                    "Delta Sharing JSON predicate (jsonPredicateHints)");
  files->add_option("--limit-hint", *f_limit, "Rows the reader needs (limitHint)");
  files->callback(
      [=] { std::exit(RunFiles(*f_table, *f_version, *f_timestamp, *f_predicate, *f_limit)); });

  auto* changes = delta->add_subcommand("changes", "Print the change data feed as JSON lines");
  auto* c_table = new std::string;
  auto* c_from = new std::optional<int64_t>;
  auto* c_to = new std::optional<int64_t>;
  auto* c_from_ts = new std::string;
  auto* c_to_ts = new std::string;
  auto* c_raw = new bool(false);
  changes->add_option("table", *c_table, "Table location")->required();
  changes->add_option("--from", *c_from, "First version (inclusive)");
  changes->add_option("--to", *c_to, "Last version (inclusive); the latest by default");
  changes->add_option("--from-timestamp", *c_from_ts, "First commit at or after this time");
  changes->add_option("--to-timestamp", *c_to_ts, "Last commit at or before this time");
  changes->add_flag("--ignore-cdf-setting", *c_raw,
                    "Read changes even where delta.enableChangeDataFeed is off");
  changes->callback(
      [=] { std::exit(RunChanges(*c_table, *c_from, *c_to, *c_from_ts, *c_to_ts, *c_raw)); });

  auto* describe = delta->add_subcommand("describe", "Describe a table version");
  auto* d_table = new std::string;
  auto* d_version = new std::optional<int64_t>;
  auto* d_timestamp = new std::string;
  auto* d_json = new bool(false);
  describe->add_option("table", *d_table, "Table location")->required();
  auto* dv = describe->add_option("--version", *d_version, "Table version");
  describe->add_option("--timestamp", *d_timestamp, "Version at or before this time")->excludes(dv);
  describe->add_flag("--json", *d_json, "Print one JSON object");
  describe->callback([=] { std::exit(RunDescribe(*d_table, *d_version, *d_timestamp, *d_json)); });

  auto* mat = delta->add_subcommand(
      "materialize",
      "Rewrite the files a Parquet-only client would read wrong (deletion vectors applied, "
      "column-mapped names made logical) into a cache folder; prints a JSON summary");
  auto* m_table = new std::string;
  auto* m_version = new std::optional<int64_t>;
  auto* m_cache = new std::string;
  auto* m_columns = new std::string;
  auto* m_threads = new int(2);
  mat->add_option("table", *m_table, "Table location")->required();
  mat->add_option("--version", *m_version, "Table version (the latest by default)");
  mat->add_option("--cache", *m_cache, "Folder for the rewritten files")->required();
  mat->add_option("--columns", *m_columns, "Top-level columns to keep, comma-separated");
  mat->add_option("--threads", *m_threads, "Files rewritten at once (default 2)")
      ->check(CLI::Range(1, 64));
  mat->callback([=] {
    std::exit(RunMaterialize(*m_table, *m_version, *m_cache, *m_columns, *m_threads));
  });
}

}  // namespace lakeshare::app
