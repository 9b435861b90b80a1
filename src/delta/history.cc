#include "delta/history.h"

#include <charconv>
#include <map>

#include "delta/action_reader_internal.h"
#include "delta/table_properties_internal.h"
#include "delta/time_util.h"

namespace lakeshare::delta {

namespace {

// Commits of the table that can be time-travelled to, with their file times made increasing.
struct Timeline {
  std::vector<CommitRef> commits;
  std::vector<int64_t> file_ms;     // monotonized modification times
  std::optional<Version> ict_from;  // first version with in-commit timestamps
  std::optional<int64_t> ict_enablement_ms;
  std::map<Version, int64_t> ict_cache;
};

Result<Timeline> BuildTimeline(const Snapshot& latest) {
  const auto& store = *latest.store();
  LS_ASSIGN_OR_RETURN(LogListing listing, ListLog(store));
  Timeline t;
  // Only versions that can be reconstructed: from the earliest checkpoint, or from 0.
  Version earliest = 0;
  bool has_zero = !listing.commits.empty() && listing.commits.front().version == 0;
  if (!has_zero && !listing.checkpoints.empty()) {
    earliest = listing.checkpoints.front().version;
  }
  for (const auto& c : listing.commits) {
    if (c.version >= earliest && c.version <= latest.version()) {
      t.commits.push_back(c);
    }
  }
  int64_t prev = INT64_MIN;
  for (const auto& c : t.commits) {
    int64_t ms = c.file.last_modified_ms;
    if (prev != INT64_MIN && ms <= prev) {
      // The provider sets file times: one at INT64_MAX has no "1 ms later" (saturate).
      ms = prev == INT64_MAX ? prev : prev + 1;
    }
    t.file_ms.push_back(ms);
    prev = ms;
  }
  if (latest.features().in_commit_timestamps_enabled) {
    LS_ASSIGN_OR_RETURN(std::optional<int64_t> from,
                        ConfigInt(latest.metadata(), "delta.inCommitTimestampEnablementVersion"));
    t.ict_from = from.value_or(0);
    LS_ASSIGN_OR_RETURN(t.ict_enablement_ms,
                        ConfigInt(latest.metadata(), "delta.inCommitTimestampEnablementTimestamp"));
  }
  return t;
}

Result<int64_t> InCommitTimestamp(const Snapshot& latest, Timeline& t, size_t i) {
  Version v = t.commits[i].version;
  auto it = t.ict_cache.find(v);
  if (it != t.ict_cache.end()) {
    return it->second;
  }
  LS_ASSIGN_OR_RETURN(std::optional<int64_t> ict,
                      ReadInCommitTimestamp(*latest.store(), t.commits[i].file.path));
  if (!ict) {
    // A writer that broke the rule: use the file time rather than refuse to resolve.
    t.ict_cache[v] = t.file_ms[i];
    return t.file_ms[i];
  }
  t.ict_cache[v] = *ict;
  return *ict;
}

bool UsesIct(const Timeline& t, size_t i) {
  return t.ict_from && t.commits[i].version >= *t.ict_from;
}

Result<int64_t> TimeOf(const Snapshot& latest, Timeline& t, size_t i) {
  if (UsesIct(t, i)) {
    return InCommitTimestamp(latest, t, i);
  }
  return t.file_ms[i];
}

}  // namespace

Result<std::vector<CommitTimestamp>> CommitTimestamps(const Snapshot& latest, Version from,
                                                      Version to) {
  LS_ASSIGN_OR_RETURN(Timeline t, BuildTimeline(latest));
  std::vector<CommitTimestamp> out;
  for (size_t i = 0; i < t.commits.size(); ++i) {
    if (t.commits[i].version < from || t.commits[i].version > to) {
      continue;
    }
    LS_ASSIGN_OR_RETURN(int64_t ms, TimeOf(latest, t, i));
    out.push_back(CommitTimestamp{t.commits[i].version, ms, UsesIct(t, i)});
  }
  return out;
}

Result<Version> VersionAtTimestamp(const Snapshot& latest, int64_t ts, TimestampBound bound) {
  LS_ASSIGN_OR_RETURN(Timeline t, BuildTimeline(latest));
  if (t.commits.empty()) {
    return InvalidArgument("The table has no commits that can be resolved by timestamp");
  }
  // *In-Commit Timestamps*: "If timestamp X >= delta.inCommitTimestampEnablementTimestamp, only
  // table versions >= delta.inCommitTimestampEnablementVersion should be considered ...
  // Otherwise, only table versions less than delta.inCommitTimestampEnablementVersion".
  size_t lo = 0, hi = t.commits.size();  // candidate range [lo, hi)
  if (t.ict_from) {
    size_t split = 0;
    while (split < t.commits.size() && t.commits[split].version < *t.ict_from) {
      ++split;
    }
    bool after_enablement = !t.ict_enablement_ms || ts >= *t.ict_enablement_ms;
    if (split > 0 && split < t.commits.size()) {
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
      return t.commits[lo - 1].version;  // before the ICT range
    }
    if (i == lo) {
      LS_ASSIGN_OR_RETURN(int64_t first_ms, TimeOf(latest, t, lo));
      return InvalidArgument(
          "The timestamp {} is before the earliest available table version {} (committed at "
          "{})",
          FormatIsoMillis(ts), t.commits[lo].version, FormatIsoMillis(first_ms));
    }
    return t.commits[i - 1].version;
  }
  LS_ASSIGN_OR_RETURN(size_t i, first_index(false));
  if (i == hi && hi < t.commits.size()) {
    return t.commits[hi].version;  // the ICT range
  }
  if (i == hi) {
    LS_ASSIGN_OR_RETURN(int64_t last_ms, TimeOf(latest, t, hi - 1));
    return InvalidArgument(
        "The timestamp {} is after the latest table version {} (committed at {})",
        FormatIsoMillis(ts), t.commits[hi - 1].version, FormatIsoMillis(last_ms));
  }
  return t.commits[i].version;
}

}  // namespace lakeshare::delta
