// The lines of table-data responses (application/x-ndjson), in both response formats.
// PROTOCOL.md, "JSON Wrapper Object In Each Line": "It must contain only ONE of the above
// fields." Parquet format ("API Response Actions in Parquet Format"): protocol {minReaderVersion},
// metaData {id, format, schemaString, partitionColumns, ...}, file / add / cdf / remove {url, id,
// partitionValues, size, ...}. Delta format ("API Response Actions in Delta Format"): protocol
// {deltaProtocol}, metaData {deltaMetadata, ...}, file {id, ..., deltaSingleAction} where the
// single action "keeps the action in its delta format and with original values" except that
// "the path field is replaced by pr[e]-signed url". Each Append* writes one line including '\n'.
// Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/file_set.h"

namespace lakeshare::sharing {

/// Extra members of a metaData line.
struct MetadataExtras {
  std::optional<int64_t> version;
  std::optional<int64_t> size;
  std::optional<int64_t> num_files;
  /// Parquet format: advertise {"enableChangeDataFeed":"true"} (the reference server's only
  /// configuration entry, sent when the change data feed is shared and enabled).
  bool cdf_enabled = false;
};

/// {"protocol":{"minReaderVersion":1}}: "Currently it's always 1".
void AppendParquetProtocol(std::string& out);
/// {"protocol":{"deltaProtocol":<original>[,"version":v]}}.
void AppendDeltaProtocol(std::string& out, const delta::Protocol& protocol,
                         std::optional<int64_t> version = std::nullopt);

/// The parquet-format metaData. The schema string keeps only the `comment` of each column's
/// metadata (as the reference server does); configuration is limited to enableChangeDataFeed.
void AppendParquetMetadata(std::string& out, const delta::Metadata& metadata,
                           const MetadataExtras& extras);
/// The delta-format metaData: the original action plus the extras.
void AppendDeltaMetadata(std::string& out, const delta::Metadata& metadata,
                         const MetadataExtras& extras);

/// A file line of the parquet format.
struct ParquetFileLine {
  std::string_view wrapper = "file";  // "file", "add", "cdf" or "remove"
  std::string_view url;
  bool url_is_plain = false;  // true: `url` has no byte that JSON escapes (see IsJsonPlain)
  std::string_view id;
  const delta::StringMap* partition_values = nullptr;  // null: {}
  std::string_view partition_values_json;  // when not empty: the JSON of partition_values
  int64_t size = 0;
  std::string_view stats_literal;  // a JSON string literal ("\"{...}\""), empty when none
  std::optional<int64_t> version;
  std::optional<int64_t> timestamp;
  std::optional<int64_t> expiration_ms;
};
void AppendParquetFile(std::string& out, const ParquetFileLine& line);

/// The partitionValues JSON of interned maps (delta::PartitionValues, alive as long as their
/// snapshot), remembered for up to 1,024 maps: a table has few distinct maps, and a response
/// writes each of them over and over. A map is looked for in the kProbes slots from the one its
/// address hashes to, so a few hundred maps whose addresses collide all stay (a direct-mapped
/// table recomputed colliding maps on every line: half the lines of a 100-partition table).
/// Single-threaded.
class PartitionValuesJsonCache {
 public:
  std::string_view Get(const delta::PartitionValues* values);

 private:
  static constexpr size_t kSlotBits = 10;
  static constexpr size_t kSlots = size_t{1} << kSlotBits;
  static constexpr size_t kProbes = 8;
  struct Slot {
    const delta::PartitionValues* values = nullptr;
    std::string json;
  };
  std::vector<Slot> slots_;
};

/// The wrapper members of a delta-format file line.
struct DeltaFileWrapper {
  std::string_view id;
  std::string_view deletion_vector_file_id;  // empty: absent
  std::optional<int64_t> version;
  std::optional<int64_t> timestamp;
  std::optional<int64_t> expiration_ms;
};

/// {"file":{...,"deltaSingleAction":{"add":{...}}}} for a snapshot file: the add rebuilt from
/// its compact form with `url` as its path and, when `dv_url` is given, its deletion vector
/// rewritten to storageType "p" with the signed URL ("pre-signs the DV file and rewrites
/// deletionVector to storageType p").
void AppendDeltaAddFile(std::string& out, const delta::AddFile& file, std::string_view url,
                        std::optional<std::string_view> dv_url, const DeltaFileWrapper& wrapper);

/// The same for an add / remove / cdc action of the change feed. kCorrupt when the action's
/// JSON text cannot be parsed.
Status AppendDeltaFileAction(std::string& out, const delta::FileAction& action,
                             std::string_view url, std::optional<std::string_view> dv_url,
                             const DeltaFileWrapper& wrapper);

/// {"endStreamAction":{...}} with the members that are set.
struct EndStreamAction {
  std::string next_page_token;
  std::string refresh_token;
  std::optional<int64_t> min_url_expiration_ms;
  std::string error_message;
};
void AppendEndStreamAction(std::string& out, const EndStreamAction& action);

/// Strip column metadata down to `comment`, recursively (structs in arrays and maps too).
/// Returns the input unchanged when it is not a JSON schema, or one outside
/// kTableSchemaJsonLimits (common/json_bounds.h).
std::string StripSchemaMetadata(std::string_view schema_string);

}  // namespace lakeshare::sharing
