// Commit timestamps and timestamp-based time travel. A commit's time is its in-commit timestamp
// when the table enables them (Delta protocol, *In-Commit Timestamps*: "readers should use the
// inCommitTimestamp as the commit timestamp for operations like time travel"), otherwise the
// modification time of its JSON file, made strictly increasing the way Delta does (a commit
// whose file time is not after its predecessor's counts as one millisecond later).
// Pure functions over an ObjectStore; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "common/result.h"
#include "delta/snapshot.h"

namespace lakeshare::delta {

enum class TimestampBound {
  kLatestAtOrBefore,   // snapshot queries: the version in effect at that instant
  kEarliestAtOrAfter,  // change feed start: the first commit at or after that instant
};

struct CommitTimestamp {
  Version version = 0;
  int64_t timestamp_ms = 0;
  bool in_commit = false;  // from commitInfo.inCommitTimestamp
};

/// Resolve a timestamp to a version. `latest` supplies the table properties (in-commit timestamp
/// enablement). Errors: kInvalidArgument when no commit satisfies the bound (the message names
/// the earliest or latest commit and its time).
Result<Version> VersionAtTimestamp(const Snapshot& latest, int64_t timestamp_ms,
                                   TimestampBound bound);

/// The timestamps of every commit in [from, to] that still has its JSON file.
Result<std::vector<CommitTimestamp>> CommitTimestamps(const Snapshot& latest, Version from,
                                                      Version to);

}  // namespace lakeshare::delta
