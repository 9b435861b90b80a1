#include "delta/table_features.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/strings.h"

namespace lakeshare::delta {

namespace {

// Reader features whose log semantics this reader implements. Data-type features
// (timestampNtz, variant, geospatial) need nothing from the log reader beyond passing files
// through; the sharing layer decides which clients may receive such tables.
constexpr std::string_view kSupportedReaderFeatures[] = {
    "columnMapping",        // partition values and stats resolved by physical names
    "deletionVectors",      // (path, dvId) keys, DV descriptors passed through
    "timestampNtz",         // partition values and stats parsed without zone
    "v2Checkpoint",         // UUID-named checkpoints, sidecars, checkpointMetadata
    "vacuumProtocolCheck",  // "readers don't need to understand or change anything new"
    "typeWidening",         // stats compared in the predicate's type
    "typeWidening-preview",
    "variantType",  // no stats skipping on variant columns
    "variantType-preview",  "variantShredding-preview",
    "geospatial",  // no stats skipping on geometry/geography columns
};

// Writer-only features that some writers also list under readerFeatures; reading ignores them.
constexpr std::string_view kWriterOnlyFeatures[] = {
    "appendOnly",
    "invariants",
    "checkConstraints",
    "generatedColumns",
    "allowColumnDefaults",
    "changeDataFeed",
    "identityColumns",
    "rowTracking",
    "domainMetadata",
    "icebergCompatV1",
    "icebergCompatV2",
    "icebergCompatV3",
    "clustering",
    "inCommitTimestamp",
    "materializePartitionColumns",
    "icebergWriterCompatV1",
    "liquid",
};

bool Contains(const std::vector<std::string>& list, std::string_view name) {
  for (const auto& s : list) {
    if (s == name) {
      return true;
    }
  }
  return false;
}

}  // namespace

bool TableFeatures::HasReaderFeature(std::string_view name) const {
  return Contains(reader_features, name);
}

bool IsSupportedReaderFeature(std::string_view name) {
  for (auto f : kSupportedReaderFeatures) {
    if (f == name) {
      return true;
    }
  }
  for (auto f : kWriterOnlyFeatures) {
    if (f == name) {
      return true;
    }
  }
  return false;
}

TableFeatures ComputeTableFeatures(const Protocol& protocol, const Metadata& metadata) {
  TableFeatures t;
  t.min_reader_version = protocol.min_reader_version;
  t.min_writer_version = protocol.min_writer_version;
  if (protocol.min_reader_version >= 3 && protocol.reader_features) {
    t.reader_features = *protocol.reader_features;
  } else if (protocol.min_reader_version == 2) {
    t.reader_features = {"columnMapping"};
  }
  if (protocol.writer_features) {
    t.writer_features = *protocol.writer_features;
  }
  // Delta protocol, *Column Mapping*: "The table property should only be honored if the table's
  // protocol has reader and writer versions and/or table features that support the
  // columnMapping table feature."
  if (t.HasReaderFeature("columnMapping")) {
    std::string mode = ToLower(metadata.Config("delta.columnMapping.mode").value_or("none"));
    if (mode == "id" || mode == "name") {
      t.column_mapping_mode = mode;
    }
  }
  t.deletion_vectors_enabled = metadata.ConfigBool("delta.enableDeletionVectors");
  t.change_data_feed_enabled = metadata.ConfigBool("delta.enableChangeDataFeed");
  // *In-Commit Timestamps*: "The feature inCommitTimestamp must exist in the table protocol's
  // writerFeatures. The table property delta.enableInCommitTimestamps must be set to true."
  t.in_commit_timestamps_enabled = metadata.ConfigBool("delta.enableInCommitTimestamps") &&
                                   (Contains(t.writer_features, "inCommitTimestamp") ||
                                    Contains(t.writer_features, "inCommitTimestamp-preview"));
  t.v2_checkpoints = t.HasReaderFeature("v2Checkpoint");
  return t;
}

Status CheckReadable(const Protocol& protocol) {
  if (protocol.min_reader_version > kMaxReaderVersion) {
    return Unsupported(
        "Unsupported Delta table: it requires reader version {}, this server implements reader "
        "versions up to {}",
        protocol.min_reader_version, kMaxReaderVersion);
  }
  if (protocol.min_reader_version == 3 && protocol.reader_features) {
    std::vector<std::string> missing;
    for (const auto& f : *protocol.reader_features) {
      if (!IsSupportedReaderFeature(f)) {
        missing.push_back(f);
      }
    }
    if (!missing.empty()) {
      return Unsupported("Unsupported Delta table: reader feature(s) not supported: {}",
                         fmt::join(missing, ", "));
    }
  }
  return OkStatus();
}

}  // namespace lakeshare::delta
