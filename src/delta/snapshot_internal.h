// Snapshot loads with a limit on the longest line of a JSON commit or V2 JSON checkpoint other
// than kMaxJsonLineBytes (action_reader_internal.h): tests and the snapshot cache's tests refuse a
// long line with a few KiB instead of writing and reading hundreds of MiB. Thread-safe like
// Snapshot::Load.
#pragma once

#include <cstddef>
#include <memory>

#include "common/result.h"
#include "delta/snapshot.h"
#include "storage/object_store.h"

namespace lakeshare::delta {

/// Snapshot::Load, refusing (kCorrupt) a JSON line longer than `max_json_line_bytes`.
Result<std::shared_ptr<const Snapshot>> LoadSnapshot(
    std::shared_ptr<const storage::ObjectStore> store, const SnapshotOptions& options,
    size_t max_json_line_bytes);

}  // namespace lakeshare::delta
