#include "materialize/engine.h"

#include <openssl/sha.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "common/strings.h"
#include "delta/deletion_vector.h"
#include "parquet/file_reader.h"
#include "storage/random_access_file.h"

namespace lakeshare::materialize {

namespace {

// Transform identity: its kind, the column mapping mode and the projection.
std::string TransformId(const std::string& mode, const std::vector<std::string>& columns,
                        const RowFilter* filter, const std::map<std::string, std::string>& masks) {
  std::string id = "compat/v1/mapping=" + mode + "/columns=";
  for (const auto& c : columns) {
    AppendJsonString(id, c);
    id.push_back(',');
  }
  if (filter != nullptr) id += "/filter=" + filter->resolved();
  for (const auto& [column, kind] : masks) {
    id += "/mask=";
    AppendJsonString(id, column);
    id += ":" + kind;
  }
  return id;
}

struct Job {
  const delta::AddFile* file;
  MaterializedFile* out;
};

}  // namespace

std::string CachePath(std::string_view table_id, std::string_view path, std::string_view dv_id,
                      std::string_view transform_id) {
  std::string input;
  for (std::string_view part : {table_id, path, dv_id, transform_id}) {
    input += std::to_string(part.size());
    input.push_back(':');
    input.append(part);
  }
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  const std::string hex =
      HexEncode(std::string_view(reinterpret_cast<const char*>(digest), sizeof(digest)));
  return hex.substr(0, 2) + "/" + hex + ".parquet";
}

Result<MaterializeSummary> MaterializeSnapshot(const delta::Snapshot& snapshot,
                                               const MaterializeOptions& options) {
  if (!options.cache) return InvalidArgument("materialization needs a cache store");
  const std::string mode = snapshot.features().column_mapping_mode;
  const bool mapped = mode != "none";
  const bool projected = !options.columns.empty() || !options.column_masks.empty();
  const bool filtered = options.row_filter != nullptr;
  const std::string transform = TransformId(mode, options.columns, options.row_filter, options.column_masks);
  MaterializeSummary summary;
  const auto files = snapshot.files().Files();
  summary.files.resize(files.size());
  std::vector<Job> jobs;
  for (size_t i = 0; i < files.size(); ++i) {
    const delta::AddFile& f = *files[i];
    MaterializedFile& m = summary.files[i];
    m.source_path = std::string(f.path());
    m.size = f.size;
    if (f.deletion_vector == nullptr && !mapped && !projected && !filtered) continue;
    m.rewritten = true;
    m.cache_path = CachePath(snapshot.metadata().id, f.path(), f.dv_unique_id(), transform);
    jobs.push_back({&f, &m});
  }
  std::atomic<size_t> next{0};
  std::atomic<int64_t> done{0};
  std::mutex mu;  // guards `first_error`, the summary counters and progress calls
  std::optional<Error> first_error;
  auto work = [&] {
    for (size_t j = next++; j < jobs.size(); j = next++) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error) return;
      }
      auto st = [&]() -> Status {
        Job& job = jobs[j];
        if (auto info = options.cache->Stat(job.out->cache_path)) {  // incremental: reuse
          job.out->reused = true;
          job.out->size = info->size;
          return OkStatus();
        }
        LS_ASSIGN_OR_RETURN(std::string path,
                            storage::ResolveTablePath(*snapshot.store(), job.file->path()));
        std::optional<delta::DeletionVector> dv;
        if (job.file->deletion_vector) {
          LS_ASSIGN_OR_RETURN(dv, delta::LoadDeletionVector(*snapshot.store(),
                                                            job.file->deletion_vector->descriptor));
        }
        LS_ASSIGN_OR_RETURN(auto file, snapshot.store()->OpenFile(path));
        LS_ASSIGN_OR_RETURN(auto reader, parquet::FileReader::Open(std::move(file)));
        RewriteSpec spec;
        spec.deletion_vector = dv ? &*dv : nullptr;
        spec.column_mapping_mode = mode;
        spec.schema_string = snapshot.metadata().schema_string;
        spec.columns = options.columns;
        spec.row_filter = options.row_filter;
        spec.column_masks = options.column_masks;
        // The output is at most about the input's size: reserve it once (growing a 100 MB
        // string by doubling copies it several times over).
        std::string bytes;
        bytes.reserve(static_cast<size_t>(std::max<int64_t>(job.file->size, 0)) + (size_t{1} << 20));
        LS_ASSIGN_OR_RETURN(RewriteResult r,
                            RewriteFile(*reader, spec, std::make_unique<parquet::StringSink>(&bytes),
                                        options.parquet));
        LS_RETURN_IF_ERROR(options.cache->Put(job.out->cache_path, bytes));
        job.out->size = static_cast<int64_t>(bytes.size());
        job.out->stats_json = std::move(r.stats_json);
        std::lock_guard<std::mutex> lock(mu);
        summary.rows_read += r.rows_read;
        summary.rows_written += r.rows_written;
        summary.bytes_written += r.bytes_written;
        return OkStatus();
      }();
      std::lock_guard<std::mutex> lock(mu);
      if (!st) {
        if (!first_error) first_error = st.error();
        return;
      }
      const int64_t n = ++done;
      if (options.progress) options.progress(n, static_cast<int64_t>(jobs.size()), jobs[j].out->source_path);
    }
  };
  const int threads = std::max(1, std::min<int>(options.threads, static_cast<int>(jobs.size())));
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (first_error) return tl::unexpected<Error>(*first_error);
  for (const auto& m : summary.files) {
    summary.rewritten += m.rewritten && !m.reused;
    summary.reused += m.reused;
  }
  return summary;
}

}  // namespace lakeshare::materialize
