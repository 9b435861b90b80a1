// Delta log actions as value types: protocol, metaData, txn, domainMetadata, commitInfo, and the
// file actions add / remove / cdc (owning form, used for change feeds and commit inspection; the
// snapshot keeps its adds in the compact form of delta/file_set.h). Every action keeps the JSON
// text it had in the log (or, for actions read from Parquet checkpoints, an equivalent text with
// the log's field names), so the sharing layer can re-emit it in the "delta" response format.
// Plain value types, thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace lakeshare::delta {

using Version = int64_t;

/// An ordered string map as it appears in the log (`configuration`, `tags`, `options`).
/// Values may be null (partitionValues) where the log allows it.
using StringMap = std::vector<std::pair<std::string, std::optional<std::string>>>;

/// Look up `key` in a StringMap; nullptr when absent, an empty optional when null.
const std::optional<std::string>* FindInMap(const StringMap& map, std::string_view key);

/// Delta protocol, *Protocol Evolution*: "minReaderVersion ... minWriterVersion ... readerFeatures
/// (exist only when minReaderVersion is set to 3) ... writerFeatures (... set to 7)".
struct Protocol {
  int32_t min_reader_version = 1;
  int32_t min_writer_version = 1;
  std::optional<std::vector<std::string>> reader_features;
  std::optional<std::vector<std::string>> writer_features;
  std::string json;  // the action's object as in the log: {"minReaderVersion":...}

  bool HasReaderFeature(std::string_view name) const;
  bool HasWriterFeature(std::string_view name) const;
  /// Set the versions read from a log; kCorrupt for one outside 0..2147483647, which narrowing
  /// to int32 would wrap (2^32 + 1 would read as reader version 1 and be served).
  Status SetVersions(int64_t min_reader, int64_t min_writer);
  /// Rebuild `json` from the fields (for actions read from Parquet or built in code).
  void RebuildJson();
};

/// Delta protocol, *Change Metadata*.
struct Metadata {
  std::string id;
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::string format_provider = "parquet";
  StringMap format_options;
  std::string schema_string;
  std::vector<std::string> partition_columns;
  std::optional<int64_t> created_time;
  StringMap configuration;
  std::string json;  // the action's object as in the log

  /// The value of a table property, nullopt when absent or null.
  std::optional<std::string> Config(std::string_view key) const;
  /// A boolean table property ("true"/"false", case-insensitive); `fallback` when absent.
  bool ConfigBool(std::string_view key, bool fallback = false) const;
  void RebuildJson();
};

/// Delta protocol, *Transaction Identifiers*.
struct Txn {
  std::string app_id;
  int64_t version = 0;
  std::optional<int64_t> last_updated;
  std::string json;
  void RebuildJson();
};

/// Delta protocol, *Domain Metadata*.
struct DomainMetadata {
  std::string domain;
  std::string configuration;
  bool removed = false;
  std::string json;
  void RebuildJson();
};

/// Delta protocol, *Commit Provenance Information*: free-form; we extract what we use.
struct CommitInfo {
  std::optional<int64_t> timestamp;
  std::optional<std::string> operation;
  std::string json;

  /// The commit's inCommitTimestamp, for a commit of a table that enables in-commit timestamps:
  /// nullopt when absent or null, kCorrupt when present but no whole number up to 2^63.
  Result<std::optional<int64_t>> InCommitTimestamp() const;
  /// Keep the inCommitTimestamp as read: the value (nullopt when absent or null), or
  /// `mistyped` when it is present but no whole number up to 2^63.
  void SetInCommitTimestamp(std::optional<int64_t> value, bool mistyped);

 private:
  // *In-Commit Timestamps*: inCommitTimestamp is a Long that readers use only where the table
  // enables the feature; elsewhere it is free-form data, so a mistyped one is a mark for the
  // readers of such tables, not an error when the commit is read.
  std::optional<int64_t> in_commit_timestamp_;
  bool in_commit_timestamp_mistyped_ = false;
};

/// Delta protocol, *Deletion Vector Descriptor Schema*.
struct DeletionVectorDescriptor {
  char storage_type = 'u';  // 'u' relative (UUID), 'i' inline, 'p' absolute path
  std::string path_or_inline_dv;
  std::optional<int32_t> offset;
  int32_t size_in_bytes = 0;
  int64_t cardinality = 0;

  /// "If `offset` is `None` then `<storageType><pathOrInlineDv>`. Otherwise
  /// `<storageType><pathOrInlineDv>@<offset>`."
  std::string UniqueId() const;
  /// For storage type 'u': the DV file path relative to the table root
  /// ("<random prefix>/deletion_vector_<uuid>.bin"); kCorrupt when the Z85 UUID is malformed,
  /// kInvalidArgument for other storage types.
  Result<std::string> RelativePath() const;
  void AppendJson(std::string& out) const;

  /// "storageType, pathOrInlineDv, sizeInBytes and cardinality are required, offset is
  /// optional": a reader notes each required field it finds and asks MissingField for the name
  /// of the first one absent, "" when none is.
  struct RequiredFields {
    bool storage_type = false;
    bool path_or_inline_dv = false;
    bool size_in_bytes = false;
    bool cardinality = false;
  };
  static std::string_view MissingField(const RequiredFields& found);
};

enum class FileActionType : uint8_t { kAdd, kRemove, kCdc };

std::string_view FileActionTypeName(FileActionType type);  // "add", "remove", "cdc"

/// An add, remove or cdc action in owning form.
struct FileAction {
  FileActionType type = FileActionType::kAdd;
  std::string path;  // as in the log: a URI-encoded relative path or an absolute URI
  StringMap partition_values;
  std::optional<int64_t> size;
  std::optional<int64_t> modification_time;   // add
  std::optional<int64_t> deletion_timestamp;  // remove
  bool data_change = false;
  std::optional<std::string> stats;  // the statistics JSON text (unescaped)
  std::optional<DeletionVectorDescriptor> deletion_vector;
  std::string json;  // the action's object as in the log

  /// The reconciliation key: path and DV unique id ("" without a DV).
  std::string DvId() const { return deletion_vector ? deletion_vector->UniqueId() : std::string(); }
};

/// Append a StringMap as a JSON object.
void AppendStringMapJson(std::string& out, const StringMap& map);

/// Encode bytes as Z85 (ZeroMQ Base85), zero-padded to a multiple of 4 bytes first (as Delta does
/// for inline deletion vectors, whose sizeInBytes tells the unpadded length).
std::string EncodeZ85(std::string_view bytes);

/// Decode a Z85 (ZeroMQ Base85) string; nullopt when the text is not valid Z85 or its length is
/// not a multiple of 5.
std::optional<std::string> DecodeZ85(std::string_view text);

/// Decode percent escapes of an action path (RFC 2396 URI) into a storage path; kCorrupt on a
/// malformed escape. Absolute URIs are returned unchanged apart from decoding.
Result<std::string> DecodeActionPath(std::string_view path);

/// True when an action path is an absolute URI ("s3://...", "file:/...") rather than relative.
bool IsAbsoluteUri(std::string_view path);

}  // namespace lakeshare::delta
