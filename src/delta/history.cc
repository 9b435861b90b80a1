#include "delta/history.h"

#include <algorithm>

#include "delta/commit_timeline.h"
#include "delta/table_properties_internal.h"
#include "delta/time_util.h"

namespace lakeshare::delta {

namespace {

// Commits of the table that can be time-travelled to, with their file times made increasing: the
// first `size` of the table's CommitTimeline (those at or before the latest version).
struct Timeline {
  std::shared_ptr<CommitTimeline> source;
  std::shared_ptr<const TimelineCommits> data;
  size_t size = 0;
  std::optional<Version> ict_from;  // first version with in-commit timestamps
  std::optional<int64_t> ict_enablement_ms;

  const CommitRef& commit(size_t i) const { return data->commits[i]; }
};

Result<Timeline> BuildTimeline(const Snapshot& latest) {
  Timeline t;
  // The snapshot's own timeline, kept between requests by the SnapshotCache; else one for this
  // request.
  t.source = latest.timeline() ? latest.timeline() : CommitTimeline::Make();
  LS_ASSIGN_OR_RETURN(t.data, t.source->Commits(*latest.store(), latest.version()));
  const auto& commits = t.data->commits;
  t.size = static_cast<size_t>(
      std::upper_bound(commits.begin(), commits.end(), latest.version(),
                       [](Version v, const CommitRef& c) { return v < c.version; }) -
      commits.begin());
  if (latest.features().in_commit_timestamps_enabled) {
    LS_ASSIGN_OR_RETURN(std::optional<int64_t> from,
                        ConfigInt(latest.metadata(), "delta.inCommitTimestampEnablementVersion"));
    t.ict_from = from.value_or(0);
    LS_ASSIGN_OR_RETURN(t.ict_enablement_ms,
                        ConfigInt(latest.metadata(), "delta.inCommitTimestampEnablementTimestamp"));
  }
  return t;
}

bool UsesIct(const Timeline& t, size_t i) {
  return t.ict_from && t.commit(i).version >= *t.ict_from;
}

Result<int64_t> TimeOf(const Snapshot& latest, const Timeline& t, size_t i) {
  if (!UsesIct(t, i)) {
    return t.data->file_ms[i];
  }
  LS_ASSIGN_OR_RETURN(std::optional<int64_t> ict,
                      t.source->InCommitTimestamp(*latest.store(), t.commit(i)));
  // Without one, a writer broke the rule: use the file time rather than refuse to resolve.
  return ict.value_or(t.data->file_ms[i]);
}

}  // namespace

Result<std::vector<CommitTimestamp>> CommitTimestamps(const Snapshot& latest, Version from,
                                                      Version to) {
  LS_ASSIGN_OR_RETURN(Timeline t, BuildTimeline(latest));
  std::vector<CommitTimestamp> out;
  for (size_t i = 0; i < t.size; ++i) {
    if (t.commit(i).version < from || t.commit(i).version > to) {
      continue;
    }
    LS_ASSIGN_OR_RETURN(int64_t ms, TimeOf(latest, t, i));
    out.push_back(CommitTimestamp{t.commit(i).version, ms, UsesIct(t, i)});
  }
  return out;
}

Result<Version> VersionAtTimestamp(const Snapshot& latest, int64_t ts, TimestampBound bound) {
  LS_ASSIGN_OR_RETURN(Timeline t, BuildTimeline(latest));
  if (t.size == 0) {
    return InvalidArgument("The table has no commits that can be resolved by timestamp");
  }
  // *In-Commit Timestamps*: "If timestamp X >= delta.inCommitTimestampEnablementTimestamp, only
  // table versions >= delta.inCommitTimestampEnablementVersion should be considered ...
  // Otherwise, only table versions less than delta.inCommitTimestampEnablementVersion".
  size_t lo = 0, hi = t.size;  // candidate range [lo, hi)
  if (t.ict_from) {
    size_t split = 0;
    while (split < t.size && t.commit(split).version < *t.ict_from) {
      ++split;
    }
    bool after_enablement = !t.ict_enablement_ms || ts >= *t.ict_enablement_ms;
    if (split > 0 && split < t.size) {
      if (after_enablement) {
        lo = split;
      } else {
        hi = split;
      }
    }
  }
  // Binary search over a range whose times increase: first index with time > ts (or >= ts).
  auto first_index = [&](bool strictly_after) -> Result<size_t> {
    size_t a = lo, b = hi;
    while (a < b) {
      size_t mid = a + (b - a) / 2;
      LS_ASSIGN_OR_RETURN(int64_t ms, TimeOf(latest, t, mid));
      bool right = strictly_after ? ms > ts : ms >= ts;
      if (right) {
        b = mid;
      } else {
        a = mid + 1;
      }
    }
    return a;
  };
  if (bound == TimestampBound::kLatestAtOrBefore) {
    LS_ASSIGN_OR_RETURN(size_t i, first_index(true));
    if (i == lo && lo > 0) {
      return t.commit(lo - 1).version;  // before the ICT range
    }
    if (i == lo) {
      LS_ASSIGN_OR_RETURN(int64_t first_ms, TimeOf(latest, t, lo));
      return InvalidArgument(
          "The timestamp {} is before the earliest available table version {} (committed at "
          "{})",
          FormatIsoMillis(ts), t.commit(lo).version, FormatIsoMillis(first_ms));
    }
    return t.commit(i - 1).version;
  }
  LS_ASSIGN_OR_RETURN(size_t i, first_index(false));
  if (i == hi && hi < t.size) {
    return t.commit(hi).version;  // the ICT range
  }
  if (i == hi) {
    LS_ASSIGN_OR_RETURN(int64_t last_ms, TimeOf(latest, t, hi - 1));
    return InvalidArgument(
        "The timestamp {} is after the latest table version {} (committed at {})",
        FormatIsoMillis(ts), t.commit(hi - 1).version, FormatIsoMillis(last_ms));
  }
  return t.commit(i).version;
}

}  // namespace lakeshare::delta
