// Snapshot loads with a limit on the longest line of a JSON commit or V2 JSON checkpoint other
// than kMaxJsonLineBytes (action_reader_internal.h): tests and the snapshot cache's tests refuse a
// long line with a few KiB instead of writing and reading hundreds of MiB. Thread-safe like
// Snapshot::Load. Also the snapshot cache's test-only view of its entries (HoldersForTest), and
// the check of a replayed state that the change feed's first commit passes too.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "delta/snapshot.h"
#include "storage/object_store.h"

namespace lakeshare::delta {

/// Snapshot::Load, refusing (kCorrupt) a JSON line longer than `max_json_line_bytes`.
Result<std::shared_ptr<const Snapshot>> LoadSnapshot(
    std::shared_ptr<const storage::ObjectStore> store, const SnapshotOptions& options,
    size_t max_json_line_bytes);

/// What a snapshot of `version` requires of the state replayed up to it: a protocol and a
/// metadata (else kCorrupt), and with `check_protocol` a protocol this reader supports.
Status CheckStateComplete(const std::optional<Protocol>& protocol,
                          const std::optional<Metadata>& metadata, Version version,
                          bool check_protocol);

class SnapshotCache;

/// How many requests hold the entry of `location`'s latest snapshot in `cache` now (loading it or
/// waiting for its load); 0 when there is no entry. For tests that wait for a request to join a
/// load. Thread-safe.
long HoldersForTest(const SnapshotCache& cache, const std::string& location);

}  // namespace lakeshare::delta
