#include "delta/table_features.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "common/strings.h"

namespace lakeshare::delta {

namespace {

// Every table feature this server knows, ONE row each: whether the log reader implements it (so a
// table listing it in readerFeatures can be read), and what a client that reads the data files as
// they are (the sharing protocol's parquet response format) needs for it. Delta protocol, *Table
// Features*: "to read a table, readers must implement and respect all features listed in
// readerFeatures". Writer-only features that some writers also list under readerFeatures change
// nothing for a reader.
struct FeatureRule {
  std::string_view name;
  ParquetNeed parquet;
};

constexpr FeatureRule kFeatureRules[] = {
    // Rewrite: the files as they are read wrong. *Column Mapping*: "readers must resolve columns
    // ... by their physical names" (or field ids); a Parquet reader sees the physical names.
    {"columnMapping", ParquetNeed::kRewrite},
    // *Deletion Vectors*: "these records *must not* be returned in the output"; a Parquet reader
    // returns every row of the file.
    {"deletionVectors", ParquetNeed::kRewrite},
    // Data types the files carry as they are; the client must know the type, nothing is rewritten.
    // *Timestamp without timezone*: INT64 timestamps with isAdjustedToUTC=false.
    {"timestampNtz", ParquetNeed::kDataType},
    // *Type Widening*: older files hold the narrower type; readers upcast (pandas/Arrow do).
    {"typeWidening", ParquetNeed::kDataType},
    {"typeWidening-preview", ParquetNeed::kDataType},
    // *Variant Data Type*: a struct of two binary fields (value, metadata).
    {"variantType", ParquetNeed::kDataType},
    {"variantType-preview", ParquetNeed::kDataType},
    {"variantShredding-preview", ParquetNeed::kDataType},
    {"geospatial", ParquetNeed::kDataType},
    // Log only: nothing in the data files changes.
    // *V2 Checkpoint*: UUID-named checkpoints, sidecars, checkpointMetadata.
    {"v2Checkpoint", ParquetNeed::kNothing},
    // *VACUUM Protocol Check*: "readers don't need to understand or change anything new".
    {"vacuumProtocolCheck", ParquetNeed::kNothing},
    // Writer-only features (listed under readerFeatures by some writers).
    {"appendOnly", ParquetNeed::kNothing},
    {"invariants", ParquetNeed::kNothing},
    {"checkConstraints", ParquetNeed::kNothing},
    {"generatedColumns", ParquetNeed::kNothing},
    {"allowColumnDefaults", ParquetNeed::kNothing},
    {"changeDataFeed", ParquetNeed::kNothing},
    {"identityColumns", ParquetNeed::kNothing},
    {"rowTracking", ParquetNeed::kNothing},
    {"domainMetadata", ParquetNeed::kNothing},
    {"icebergCompatV1", ParquetNeed::kNothing},
    {"icebergCompatV2", ParquetNeed::kNothing},
    {"icebergCompatV3", ParquetNeed::kNothing},
    {"clustering", ParquetNeed::kNothing},
    {"inCommitTimestamp", ParquetNeed::kNothing},
    {"materializePartitionColumns", ParquetNeed::kNothing},
    {"icebergWriterCompatV1", ParquetNeed::kNothing},
    {"liquid", ParquetNeed::kNothing},
};

const FeatureRule* FindRule(std::string_view name) {
  for (const FeatureRule& r : kFeatureRules) {
    if (r.name == name) {
      return &r;
    }
  }
  return nullptr;
}

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

bool IsSupportedReaderFeature(std::string_view name) { return FindRule(name) != nullptr; }

ParquetNeed ParquetNeedOf(std::string_view name) {
  const FeatureRule* r = FindRule(name);
  return r ? r->parquet : ParquetNeed::kUnknown;
}

std::string_view ParquetNeedName(ParquetNeed need) {
  switch (need) {
    case ParquetNeed::kNothing:
      return "nothing";
    case ParquetNeed::kDataType:
      return "data type";
    case ParquetNeed::kRewrite:
      return "rewrite";
    case ParquetNeed::kUnknown:
      break;
  }
  return "unknown";
}

ParquetServing CheckParquetServing(const TableFeatures& features, bool has_deletion_vectors) {
  ParquetServing out;
  for (const std::string& f : features.reader_features) {
    switch (ParquetNeedOf(f)) {
      case ParquetNeed::kNothing:
      case ParquetNeed::kDataType:
        break;
      case ParquetNeed::kRewrite:
        // A supported feature is not an active one (*Active Features*): column mapping is active
        // with mode id or name, deletion vectors when a file of this snapshot carries one.
        if ((f == "columnMapping" && features.column_mapping_mode != "none") ||
            (f == "deletionVectors" && has_deletion_vectors)) {
          out.rewrite.push_back(f);
        }
        break;
      case ParquetNeed::kUnknown:
        out.unknown.push_back(f);
        break;
    }
  }
  // A table above the highest reader version is never served.
  if (features.min_reader_version > kMaxReaderVersion) {
    out.unknown.push_back(fmt::format("reader version {}", features.min_reader_version));
  }
  return out;
}

bool HasDeletionVectors(const FileSet& files) {
  bool found = false;
  files.ForEach([&](const AddFile& f) {
    found = f.deletion_vector != nullptr;
    return !found;
  });
  return found;
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
