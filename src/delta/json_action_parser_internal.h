// Internal to src/delta: the newline-delimited JSON action parser (simdjson on-demand, one
// document per line, no copy of the file). JsonActionParser drives lines, blocks and files
// (delta/json_actions.cc) and walks the fields of the file actions add, remove and cdc, the
// ones every commit is full of (delta/json_file_actions.cc); the rare small actions go to
// ParseSmallAction (delta/json_small_actions.cc). Not thread-safe: one parser per thread, whose
// buffers are reused across lines and files.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "delta/action_reader_internal.h"

namespace lakeshare::delta::internal {

namespace ondemand = simdjson::ondemand;

// Raw text of any value (objects and arrays are consumed).
simdjson::error_code RawValue(ondemand::value v, std::string_view* out);

// The fields of an add / remove / cdc action.
struct FileFields {
  std::string_view path;
  bool has_path = false;
  std::vector<std::pair<std::string_view, std::optional<std::string_view>>> partition_values;
  int64_t size = 0;
  bool has_size = false;
  int64_t modification_time = 0;
  bool has_modification_time = false;
  int64_t deletion_timestamp = 0;
  bool has_deletion_timestamp = false;
  bool data_change = false;
  std::string_view stats;
  bool has_stats = false;
  bool stats_escaped = false;
  bool has_dv = false;
  DeletionVectorDescriptor dv;
  std::string extra;  // ",\"key\":raw" members other than the core fields

  void Reset() {
    has_path = has_size = has_modification_time = has_deletion_timestamp = false;
    data_change = has_stats = stats_escaped = has_dv = false;
    partition_values.clear();
    extra.clear();
  }
};

class JsonActionParser {
 public:
  Status Parse(const PaddedBuffer& buffer, std::string_view name, ActionSink& sink);
  Status ParseStream(const storage::RandomAccessFile& file, std::string_view name,
                     int64_t block_size, size_t max_line_bytes, ActionSink& sink);
  /// Parse [data, data + size); SIMDJSON_PADDING bytes after it must be readable.
  Status ParseLines(const char* data, size_t size, int64_t block_offset, int64_t* error_offset,
                    ActionSink& sink);
  Result<std::optional<CommitInfo>> FirstCommitInfo(const PaddedBuffer& buffer,
                                                    std::string_view name);

 private:
  Status ParseLine(const char* line, size_t len, size_t capacity, ActionSink& sink);
  Status ProcessAction(ondemand::object top, ActionSink& sink);
  simdjson::error_code WalkFileAction(ondemand::object obj, FileFields& f, bool collect_extra,
                                      std::string* error);
  simdjson::error_code ReadPartitionValues(ondemand::value& v, FileFields& f);
  simdjson::error_code ReadStats(ondemand::value& v, FileFields& f);
  simdjson::error_code ReadDeletionVector(ondemand::value& v, FileFields& f, bool collect_extra,
                                          std::string* error);
  simdjson::error_code ParseDv(std::string_view raw, DeletionVectorDescriptor& dv,
                               std::string* error);
  Status HandleFileAction(std::string_view key, ondemand::value v, ActionSink& sink);
  Status HandleOwnedFileAction(FileActionType type, std::string_view raw, ActionSink& sink);

  // Keys and strings are taken from the input bytes when they hold no escape (almost always);
  // escaped ones are decoded into `unescaped_`, which lives until the next line.
  bool KeyOf(ondemand::field& field, std::string_view* out);
  bool StringOf(ondemand::value& v, std::string_view* out);
  bool Unescape(std::string_view body, std::string_view* out);

  std::deque<std::string> unescaped_;
  ondemand::parser parser_;
  ondemand::parser owned_parser_;
  ondemand::parser dv_parser_;
  FileFields fields_;
  std::string line_error_;
  PaddedBuffer stream_;  // block buffer of ParseStream, reused
};

}  // namespace lakeshare::delta::internal
