#include "materialize/engine.h"

#include <algorithm>

#include "common/mutex.h"
#include "common/parallel.h"
#include "common/thread_annotations.h"

namespace lakeshare::materialize {

namespace {

struct Job {
  const delta::AddFile* file;
  MaterializedFile* out;
};

// What the workers share: the first error, the files done and the totals of what they built.
struct EngineWorkState {
  Mutex mu;  // also serialises the progress calls
  std::optional<Error> first_error LS_GUARDED_BY(mu);
  int64_t done LS_GUARDED_BY(mu) = 0;
  BuildStats totals LS_GUARDED_BY(mu);
};

// The job's file from the cache when it is there (incremental: reused), else rewritten into it;
// `stats` counts what a rewrite read and wrote.
Status RewriteOrReuse(const delta::Snapshot& snapshot, const Transform& transform,
                      const MaterializeOptions& options, const Job& job, BuildStats* stats) {
  LS_ASSIGN_OR_RETURN(std::optional<CachedFile> cached,
                      ReadCacheEntry(*options.cache, job.out->cache_path));
  if (cached) {
    job.out->reused = true;
    job.out->size = cached->size;
    job.out->stats_json = std::move(cached->stats_json);
    return OkStatus();
  }
  SourceFile source;
  source.path = std::string(job.file->path());
  source.size = job.file->size;
  if (job.file->deletion_vector) source.deletion_vector = job.file->deletion_vector->descriptor;
  if (job.file->partition_values != nullptr) {
    source.partition_values = job.file->partition_values->values;
  }
  LS_ASSIGN_OR_RETURN(CachedFile built,
                      BuildCacheEntry(*snapshot.store(), source, transform, *options.cache,
                                      job.out->cache_path, options.parquet, stats));
  job.out->size = built.size;
  job.out->stats_json = std::move(built.stats_json);
  return OkStatus();
}

}  // namespace

Result<MaterializeSummary> MaterializeSnapshot(const delta::Snapshot& snapshot,
                                               const MaterializeOptions& options) {
  if (!options.cache) return InvalidArgument("materialization needs a cache store");
  Transform transform;
  transform.column_mapping_mode = snapshot.features().column_mapping_mode;
  transform.schema_string = snapshot.metadata().schema_string;
  transform.columns = options.columns;
  transform.partition_columns = snapshot.metadata().partition_columns;
  if (options.row_filter != nullptr) {
    transform.row_filter = std::make_shared<const RowFilter>(*options.row_filter);
  }
  transform.column_masks = options.column_masks;
  transform.mask_key = options.mask_key;
  const std::string transform_id = transform.Identity();
  const std::string table_key = TableKey(*snapshot.store(), snapshot.metadata().id);
  MaterializeSummary summary;
  const auto files = snapshot.files().Files();
  summary.files.resize(files.size());
  std::vector<Job> jobs;
  for (size_t i = 0; i < files.size(); ++i) {
    const delta::AddFile& f = *files[i];
    MaterializedFile& m = summary.files[i];
    m.source_path = std::string(f.path());
    m.size = f.size;
    if (f.deletion_vector == nullptr && !transform.RewritesEveryFile()) continue;
    m.rewritten = true;
    m.cache_path = CachePath(table_key, f.path(), f.dv_unique_id(), transform_id);
    jobs.push_back({&f, &m});
  }
  EngineWorkState shared;
  // Workers skip the files left once one failed; the first error is the answer.
  ParallelFor(jobs.size(), static_cast<size_t>(std::max(1, options.threads)), [&](size_t j) {
    {
      MutexLock lock(shared.mu);
      if (shared.first_error) return;
    }
    BuildStats stats;
    const Status st = RewriteOrReuse(snapshot, transform, options, jobs[j], &stats);
    MutexLock lock(shared.mu);
    if (!st) {
      if (!shared.first_error) shared.first_error = st.error();
      return;
    }
    shared.totals.rows_read += stats.rows_read;
    shared.totals.rows_written += stats.rows_written;
    shared.totals.bytes_written += stats.bytes_written;
    ++shared.done;
    if (options.progress) {
      options.progress(shared.done, static_cast<int64_t>(jobs.size()), jobs[j].out->source_path);
    }
  });
  MutexLock lock(shared.mu);  // the workers are done; the analysis wants it held
  if (shared.first_error) return tl::unexpected<Error>(*shared.first_error);
  summary.rows_read = shared.totals.rows_read;
  summary.rows_written = shared.totals.rows_written;
  summary.bytes_written = shared.totals.bytes_written;
  for (const auto& m : summary.files) {
    summary.rewritten += m.rewritten && !m.reused;
    summary.reused += m.reused;
  }
  return summary;
}

}  // namespace lakeshare::materialize
