// Names of the files in a table's `_delta_log/` folder: commits, the three checkpoint naming
// schemes, log compaction files, checksums and `_last_checkpoint`. Parsing is strict (20-digit
// versions, 10-digit part numbers) so that stray files never pass for log entries. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "delta/actions.h"

namespace lakeshare::delta {

inline constexpr std::string_view kLogDir = "_delta_log/";
inline constexpr std::string_view kSidecarDir = "_delta_log/_sidecars/";
inline constexpr std::string_view kLastCheckpointPath = "_delta_log/_last_checkpoint";

enum class LogFileKind : uint8_t {
  kCommit,               // NNNNNNNNNNNNNNNNNNNN.json
  kClassicCheckpoint,    // N.checkpoint.parquet
  kMultiPartCheckpoint,  // N.checkpoint.OOOOOOOOOO.PPPPPPPPPP.parquet
  kUuidCheckpoint,       // N.checkpoint.<uuid>.json|parquet (v2)
  kCompaction,           // X.Y.compacted.json
  kChecksum,             // N.crc
};

struct LogFileName {
  LogFileKind kind = LogFileKind::kCommit;
  Version version = 0;      // the commit/checkpoint version; X for compactions
  Version end_version = 0;  // Y for compactions
  int32_t part = 0;         // multi-part: 1-based part number
  int32_t num_parts = 0;    // multi-part: number of parts
  bool is_json = false;     // UUID checkpoint format
};

/// Parse a file name (no folder) inside `_delta_log/`; nullopt for anything else.
std::optional<LogFileName> ParseLogFileName(std::string_view name);

/// "_delta_log/00000000000000000042.json"
std::string CommitPath(Version version);
/// "00000000000000000042" (20 digits)
std::string VersionPrefix(Version version);

}  // namespace lakeshare::delta
