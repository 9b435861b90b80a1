// Protocol versions and table features as the log reader sees them: which reader features a
// snapshot needs (declared by readerFeatures, or implied by reader version 2), which of them this
// reader implements, and the table properties that activate them. The sharing layer uses this to
// choose the "parquet" or "delta" response format and to refuse tables it cannot serve.
// Delta protocol, *Table Features*: "to read a table, readers must implement and respect all
// features listed in readerFeatures". Pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "delta/actions.h"
#include "delta/file_set.h"

namespace lakeshare::delta {

/// Highest reader version this reader implements.
inline constexpr int32_t kMaxReaderVersion = 3;

/// The features and active properties of one snapshot.
struct TableFeatures {
  int32_t min_reader_version = 1;
  int32_t min_writer_version = 1;
  /// Reader features the table requires: readerFeatures for reader version 3; {"columnMapping"}
  /// for reader version 2 (Delta protocol, *Reader Version Requirements*: "Reader Version 2 |
  /// Respect Column Mapping"); empty for version 1.
  std::vector<std::string> reader_features;
  std::vector<std::string> writer_features;
  std::string column_mapping_mode = "none";   // "none", "id" or "name"
  bool deletion_vectors_enabled = false;      // delta.enableDeletionVectors
  bool change_data_feed_enabled = false;      // delta.enableChangeDataFeed
  bool in_commit_timestamps_enabled = false;  // delta.enableInCommitTimestamps
  bool v2_checkpoints = false;                // v2Checkpoint supported

  bool HasReaderFeature(std::string_view name) const;
};

/// Compute the features of a protocol and metadata pair.
TableFeatures ComputeTableFeatures(const Protocol& protocol, const Metadata& metadata);

/// True when this reader implements reader feature `name`.
bool IsSupportedReaderFeature(std::string_view name);

/// What a client that reads the data files as they are (the sharing protocol's parquet response
/// format: no log, no deletion vectors, names as written in the files) needs for a reader feature.
enum class ParquetNeed : uint8_t {
  kNothing,   // the feature lives in the log, or is writer-only: the files read the same
  kDataType,  // the files carry a data type the client must know; served as they are
  kRewrite,   // the files as they are read wrong (deleted rows, physical column names)
  kUnknown,   // a feature this server does not know: never served in the parquet format
};

/// The need of one reader feature (exact Delta name, e.g. "v2Checkpoint"). The rule of every
/// known feature lives in one table in table_features.cc.
ParquetNeed ParquetNeedOf(std::string_view feature);
std::string_view ParquetNeedName(ParquetNeed need);  // "nothing", "data type", ...

/// What a parquet-format answer needs for one snapshot.
struct ParquetServing {
  /// Features in active use whose files must be rewritten: "columnMapping" when the mode is id
  /// or name, "deletionVectors" when a file carries a deletion vector.
  std::vector<std::string> rewrite;
  /// Features (or a reader version) this server does not know.
  std::vector<std::string> unknown;

  /// True when every file can be served as it is, with minReaderVersion 1 and no features.
  bool as_is() const { return rewrite.empty() && unknown.empty(); }
};

/// Decide for a snapshot's features; `has_deletion_vectors`: a file of the snapshot carries one
/// (see HasDeletionVectors).
ParquetServing CheckParquetServing(const TableFeatures& features, bool has_deletion_vectors);

/// True when a file of the set carries a deletion vector (stops at the first).
bool HasDeletionVectors(const FileSet& files);

/// OK when this reader can read the table's log; kUnsupported naming the reader version or every
/// unsupported reader feature otherwise.
Status CheckReadable(const Protocol& protocol);

}  // namespace lakeshare::delta
