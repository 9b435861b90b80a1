// Conformance of src/delta over every table of the shared corpus (../shared/delta-corpus, archives
// unpacked once under the build tree): for each table and each version, the active files (path,
// deletion vector, size, numRecords), protocol, schema and partition columns equal those of an
// independent backward replay (tests/conformance/delta_replay.py: Python JSON parsing, DuckDB for
// Parquet checkpoints, no log compaction files); incremental refresh from version 0 reaches the
// same latest state; the change feed per commit equals the protocol's rule; and for tables whose
// data files are present the row count through our files (Parquet footers minus deletion vector
// cardinality) equals DuckDB's count(*) minus the same. Tables this reader refuses are listed
// below with the exact error they produce. Skips with a message when the corpus or DuckDB is
// absent. Label: conformance.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>
#include <vector>

#include "delta/change_feed.h"
#include "delta/data_skipping.h"
#include "delta/snapshot.h"
#include "parquet/file_reader.h"
#include "storage/object_store.h"

namespace lakeshare::delta {
namespace {

using Json = nlohmann::json;

// Tables of the corpus this reader refuses, with the exact error (every version).
const std::map<std::string, std::string> kExpectedErrors = {
    {"delta-rs/simple_table_features",
     "Unsupported Delta table: it requires reader version 5, this server implements reader "
     "versions up to 3"},
    {"kernel/crc-malformed", "No Delta table found: _delta_log has no commit or checkpoint files"},
};

struct ReplayResult {
  bool ok = false;
  std::string skip_reason;
  Json doc;
};

ReplayResult RunReplay() {
  ReplayResult r;
  const std::string corpus = LAKESHARE_CORPUS_DIR;
  if (!std::filesystem::is_directory(corpus)) {
    r.skip_reason = "shared Delta corpus not found at " + corpus;
    return r;
  }
  std::string json_text;
  if (const char* cached = std::getenv("LAKESHARE_DELTA_REPLAY_JSON")) {
    std::ifstream in(cached);
    std::stringstream ss;
    ss << in.rdbuf();
    json_text = ss.str();
  } else {
    // ctest runs each TEST in its own process: the replay's output is cached beside the build
    // (recomputed when the script or the corpus changes), under a lock so that parallel ctest
    // processes compute it once.
    namespace fs = std::filesystem;
    const std::string out = std::string(LAKESHARE_BINARY_DIR) + "/delta-replay.json";
    const std::string script =
        std::string(LAKESHARE_SOURCE_DIR) + "/tests/conformance/delta_replay.py";
    int lock = ::open((out + ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (lock >= 0) flock(lock, LOCK_EX);
    std::error_code ec;
    bool fresh = fs::exists(out, ec) && fs::file_size(out, ec) > 0;
    if (fresh) {
      auto built = fs::last_write_time(out, ec);
      for (const auto& dep : {fs::path(script), fs::path(corpus) / "kernel",
                              fs::path(corpus) / "delta-rs", fs::path(corpus)}) {
        if (fs::exists(dep, ec) && fs::last_write_time(dep, ec) > built) fresh = false;
      }
    }
    int code = 0;
    if (!fresh) {
      const std::string cmd = "python3 '" + script + "' --corpus '" + corpus + "' --scratch '" +
                              LAKESHARE_BINARY_DIR + "/corpus-scratch' > '" + out + ".tmp' 2> '" +
                              out + ".log' && mv '" + out + ".tmp' '" + out + "'";
      int status = std::system(cmd.c_str());
      code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    if (lock >= 0) {
      flock(lock, LOCK_UN);
      ::close(lock);
    }
    if (code == 77) {
      r.skip_reason = "independent replay unavailable (corpus or DuckDB missing; see stderr)";
      return r;
    }
    if (code != 0) {
      r.doc =
          Json::object({{"error", "delta_replay.py failed with status " + std::to_string(code)}});
      return r;
    }
    std::ifstream in(out);
    std::stringstream ss;
    ss << in.rdbuf();
    json_text = ss.str();
  }
  r.doc = Json::parse(json_text, nullptr, false);
  r.ok = !r.doc.is_discarded() && r.doc.contains("tables");
  return r;
}

const ReplayResult& Replay() {
  static const ReplayResult r = RunReplay();
  return r;
}

#define SKIP_WITHOUT_REPLAY()                                                         \
  do {                                                                                \
    const auto& rr = Replay();                                                        \
    if (!rr.skip_reason.empty()) GTEST_SKIP() << rr.skip_reason;                      \
    ASSERT_TRUE(rr.ok) << "independent replay produced no result: " << rr.doc.dump(); \
  } while (false)

std::shared_ptr<const storage::ObjectStore> Open(const std::string& path) {
  auto store = storage::OpenObjectStore(path);
  if (!store) {
    return nullptr;
  }
  return std::shared_ptr<const storage::ObjectStore>(std::move(*store));
}

/// The replayed tables that load: not expected to fail, no error in the independent replay.
std::vector<const Json*> LoadableTables() {
  std::vector<const Json*> out;
  for (const auto& t : Replay().doc["tables"]) {
    if (!kExpectedErrors.count(t["name"].get<std::string>()) && !t.contains("error")) {
      out.push_back(&t);
    }
  }
  return out;
}

// Parquet checkpoints read by DuckDB show absent optional fields as nulls.
Json WithoutNulls(const Json& j) {
  Json out = Json::object();
  for (const auto& [k, v] : j.items()) {
    if (!v.is_null()) {
      out[k] = v;
    }
  }
  return out;
}

using FileKey = std::tuple<std::string, std::string, int64_t>;  // path, dv id, size

std::set<FileKey> OurFiles(const Snapshot& s, std::map<FileKey, std::optional<int64_t>>* records) {
  std::set<FileKey> out;
  s.files().ForEach([&](const AddFile& f) {
    FileKey k{std::string(f.path()), std::string(f.dv_unique_id()), f.size};
    out.insert(k);
    if (records) {
      (*records)[k] = NumRecords(f);
    }
    return true;
  });
  return out;
}

std::set<FileKey> TheirFiles(const Json& version,
                             std::map<FileKey, std::optional<int64_t>>* records) {
  std::set<FileKey> out;
  for (const auto& f : version["files"]) {
    FileKey k{f[0].get<std::string>(), f[1].get<std::string>(),
              f[2].is_null() ? 0 : f[2].get<int64_t>()};
    out.insert(k);
    if (records) {
      (*records)[k] = f[3].is_null() ? std::nullopt : std::optional<int64_t>(f[3].get<int64_t>());
    }
  }
  return out;
}

std::string Describe(const std::set<FileKey>& a, const std::set<FileKey>& b) {
  std::string out;
  int shown = 0;
  for (const auto& k : a) {
    if (!b.count(k) && shown++ < 5) {
      out += "\n  only ours: " + std::get<0>(k) + " " + std::get<1>(k);
    }
  }
  for (const auto& k : b) {
    if (!a.count(k) && shown++ < 10) {
      out += "\n  only theirs: " + std::get<0>(k) + " " + std::get<1>(k);
    }
  }
  return out;
}

TEST(DeltaConformanceTest, EveryVersionOfEveryTableMatchesAnIndependentReplay) {
  SKIP_WITHOUT_REPLAY();
  int tables = 0, versions = 0, refused = 0, compacted_versions = 0;
  for (const auto& t : Replay().doc["tables"]) {
    const std::string name = t["name"];
    SCOPED_TRACE(name);
    auto store = Open(t["path"]);
    ASSERT_NE(store, nullptr);
    ++tables;
    auto expected_error = kExpectedErrors.find(name);
    if (t.contains("error") && expected_error == kExpectedErrors.end()) {
      ADD_FAILURE() << "replay: " << t["error"];
      continue;
    }
    if (expected_error != kExpectedErrors.end()) {
      ++refused;
      auto s = Snapshot::Load(store);
      ASSERT_FALSE(s) << "expected an error";
      EXPECT_EQ(s.error().message, expected_error->second);
      for (const auto& [v, _] : t["versions"].items()) {
        SnapshotOptions o;
        o.version = std::stoll(v);
        auto sv = Snapshot::Load(store, o);
        ASSERT_FALSE(sv);
        EXPECT_EQ(sv.error().message, expected_error->second) << "version " << v;
      }
      continue;
    }
    for (const auto& [v, expected] : t["versions"].items()) {
      SCOPED_TRACE("version " + v);
      SnapshotOptions o;
      o.version = std::stoll(v);
      auto s = Snapshot::Load(store, o);
      if (expected.contains("error")) {
        EXPECT_FALSE(s) << "replay says: " << expected["error"];
        if (!s) {
          EXPECT_TRUE(s.error().code == ErrorCode::kNotFound ||
                      s.error().code == ErrorCode::kCorrupt)
              << s.error().ToString();
        }
        continue;
      }
      ASSERT_TRUE(s) << s.error().ToString();
      ++versions;
      std::map<FileKey, std::optional<int64_t>> ours_records, theirs_records;
      auto ours = OurFiles(**s, &ours_records);
      auto theirs = TheirFiles(expected, &theirs_records);
      EXPECT_EQ(ours, theirs) << Describe(ours, theirs);
      for (const auto& [k, n] : theirs_records) {
        if (n && ours_records.count(k)) {
          EXPECT_EQ(ours_records[k], n) << "numRecords of " << std::get<0>(k);
        }
      }
      EXPECT_EQ(WithoutNulls(Json::parse((*s)->protocol().json)),
                WithoutNulls(expected["protocol"]));
      EXPECT_EQ((*s)->metadata().schema_string,
                expected["schema"].is_null() ? "" : expected["schema"].get<std::string>());
      EXPECT_EQ(Json((*s)->metadata().partition_columns), expected["partitions"]);
      // Log compaction files, where the table has them, give the same state.
      o.use_compactions = true;
      auto compacted = Snapshot::Load(store, o);
      ASSERT_TRUE(compacted) << compacted.error().ToString();
      if ((*compacted)->load_stats().compactions_read > 0) {
        ++compacted_versions;
      }
      auto with_compaction = OurFiles(**compacted, nullptr);
      EXPECT_EQ(with_compaction, theirs) << "with compactions" << Describe(with_compaction, theirs);
    }
  }
  std::printf(
      "[ conformance ] %d tables, %d versions matched (%d also through log compaction files), "
      "%d tables refused as listed\n",
      tables, versions, compacted_versions, refused);
  EXPECT_GT(tables, 50);
}

TEST(DeltaConformanceTest, IncrementalRefreshReachesTheLatestState) {
  SKIP_WITHOUT_REPLAY();
  for (const Json* table : LoadableTables()) {
    const Json& t = *table;
    SCOPED_TRACE(t["name"].get<std::string>());
    auto store = Open(t["path"]);
    // The first version that can be loaded, then refresh to the latest.
    std::shared_ptr<const Snapshot> first;
    for (const auto& [v, expected] : t["versions"].items()) {
      if (expected.contains("error")) {
        continue;
      }
      SnapshotOptions o;
      o.version = std::stoll(v);
      auto s = Snapshot::Load(store, o);
      ASSERT_TRUE(s) << s.error().ToString();
      first = *s;
      break;
    }
    ASSERT_NE(first, nullptr);
    auto latest = Snapshot::Refresh(first);
    ASSERT_TRUE(latest) << latest.error().ToString();
    const Json& expected = t["versions"][std::to_string(t["latest"].get<int64_t>())];
    EXPECT_EQ((*latest)->version(), t["latest"].get<int64_t>());
    auto ours = OurFiles(**latest, nullptr);
    auto theirs = TheirFiles(expected, nullptr);
    EXPECT_EQ(ours, theirs) << Describe(ours, theirs);
  }
}

TEST(DeltaConformanceTest, ChangeFeedFollowsTheCdcRulePerCommit) {
  SKIP_WITHOUT_REPLAY();
  int feeds = 0;
  for (const Json* table : LoadableTables()) {
    const Json& t = *table;
    SCOPED_TRACE(t["name"].get<std::string>());
    auto store = Open(t["path"]);
    // Versions with their own commit file, from the first loadable one.
    std::vector<int64_t> commit_versions;
    bool all_cdf = true;
    for (const auto& [v, expected] : t["versions"].items()) {
      if (expected.contains("changes")) {
        commit_versions.push_back(std::stoll(v));
        all_cdf = all_cdf && expected["cdf"].get<bool>();
      }
    }
    std::sort(commit_versions.begin(), commit_versions.end());
    if (commit_versions.empty() ||
        t["versions"][std::to_string(commit_versions[0])].contains("error")) {
      continue;
    }
    ChangeFeedOptions options;
    options.start = commit_versions.front();
    options.end = commit_versions.back();
    options.require_cdf_enabled = false;
    auto raw = ReadChangeFeed(store, options);
    ASSERT_TRUE(raw) << raw.error().ToString();
    ++feeds;
    ASSERT_EQ(raw->size(), commit_versions.size());
    for (const auto& c : *raw) {
      Json ours = Json::array();
      for (const auto& a : c.actions) {
        ours.push_back({FileActionTypeName(a.type), a.path});
      }
      EXPECT_EQ(ours, t["versions"][std::to_string(c.version)]["changes"])
          << "version " << c.version;
    }
    // With the protocol's rule, the feed succeeds exactly when CDF is on for every version.
    options.require_cdf_enabled = true;
    auto strict = ReadChangeFeed(store, options);
    EXPECT_EQ(static_cast<bool>(strict), all_cdf);
    if (!strict) {
      EXPECT_EQ(strict.error().code, ErrorCode::kUnsupported);
    }
  }
  std::printf("[ conformance ] %d change feeds compared\n", feeds);
}

TEST(DeltaConformanceTest, RowCountsThroughOurFilesMatchDuckDb) {
  SKIP_WITHOUT_REPLAY();
  int counted = 0;
  for (const Json* table : LoadableTables()) {
    const Json& t = *table;
    if (!t.contains("rows") || t["rows"].is_null()) {
      continue;
    }
    SCOPED_TRACE(t["name"].get<std::string>());
    auto store = Open(t["path"]);
    auto s = Snapshot::Load(store);
    ASSERT_TRUE(s) << s.error().ToString();
    int64_t rows = 0;
    Status failed = OkStatus();
    (*s)->files().ForEach([&](const AddFile& f) {
      auto path = DecodeActionPath(f.path());
      if (!path) {
        failed = tl::unexpected(path.error());
        return false;
      }
      auto file = store->OpenFile(*path);
      if (!file) {
        failed = tl::unexpected(file.error());
        return false;
      }
      auto reader =
          parquet::FileReader::Open(std::shared_ptr<storage::RandomAccessFile>(std::move(*file)));
      if (!reader) {
        failed = tl::unexpected(reader.error());
        return false;
      }
      rows += (*reader)->num_rows() - f.deleted_rows();
      return true;
    });
    ASSERT_TRUE(failed) << failed.error().ToString();
    EXPECT_EQ(rows, t["rows"].get<int64_t>()) << t["rows_note"];
    ++counted;
  }
  std::printf("[ conformance ] row counts of %d tables matched\n", counted);
  EXPECT_GT(counted, 40);
}

}  // namespace
}  // namespace lakeshare::delta
