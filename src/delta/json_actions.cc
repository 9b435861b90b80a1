// Newline-delimited JSON action parsing with simdjson on-demand (one document per line, no copy
// of the file; strings are only materialised for the fields we keep): lines, blocks and files
// here, the fields of add/remove/cdc in json_file_actions.cc. The rare, small actions
// (protocol, metaData, txn, ...) are parsed with nlohmann in json_small_actions.cc.
#include <simdjson.h>

#include <algorithm>
#include <cstring>

#include "common/error_context.h"
#include "common/strings.h"
#include "delta/json_action_parser_internal.h"

namespace lakeshare::delta {

namespace internal {

Status JsonActionParser::ParseLine(const char* line, size_t len, size_t capacity,
                                   ActionSink& sink) {
  ondemand::document doc;
  if (auto e = parser_.iterate(line, len, capacity).get(doc)) {
    return CorruptError("{}", simdjson::error_message(e));
  }
  ondemand::object top;
  if (auto e = doc.get_object().get(top)) {
    return CorruptError("{}", simdjson::error_message(e));
  }
  return ProcessAction(top, sink);
}

namespace {

// The top-level key of an action line, recognised from its raw bytes for the common ones.
enum class TopKey { kAdd, kRemove, kCdc, kOther };

TopKey ClassifyTopKey(const char* raw) {
  // `raw` follows the opening quote; the padding makes reading 8 bytes safe.
  if (std::memcmp(raw, "add\"", 4) == 0) {
    return TopKey::kAdd;
  }
  if (std::memcmp(raw, "remove\"", 7) == 0) {
    return TopKey::kRemove;
  }
  if (std::memcmp(raw, "cdc\"", 4) == 0) {
    return TopKey::kCdc;
  }
  return TopKey::kOther;
}

}  // namespace

Status JsonActionParser::ProcessAction(ondemand::object top, ActionSink& sink) {
  if (!unescaped_.empty()) {
    unescaped_.clear();
  }
  for (auto field_result : top) {
    ondemand::field field;
    if (auto e = std::move(field_result).get(field)) {
      return CorruptError("{}", simdjson::error_message(e));
    }
    const TopKey top_key = ClassifyTopKey(field.key().raw());
    std::string_view key = top_key == TopKey::kAdd      ? std::string_view("add")
                           : top_key == TopKey::kRemove ? std::string_view("remove")
                           : top_key == TopKey::kCdc    ? std::string_view("cdc")
                                                        : std::string_view();
    if (top_key == TopKey::kOther && !KeyOf(field, &key)) {
      return CorruptError("malformed key");
    }
    ondemand::value v = field.value();
    ondemand::json_type t;
    if (auto e = v.type().get(t)) {
      return CorruptError("{}", simdjson::error_message(e));
    }
    if (t == ondemand::json_type::null) {
      continue;
    }
    if (top_key != TopKey::kOther) {
      LS_RETURN_IF_ERROR(HandleFileAction(key, v, sink));
      continue;
    }
    static constexpr std::string_view kKnown[] = {"protocol",          "metaData",       "txn",
                                                  "commitInfo",        "domainMetadata", "sidecar",
                                                  "checkpointMetadata"};
    bool known = false;
    for (auto k : kKnown) {
      known |= key == k;
    }
    if (!known) {
      continue;  // "Clients must ignore such unrecognized fields" (and actions)
    }
    std::string_view raw;
    if (auto e = RawValue(v, &raw)) {
      return CorruptError("{}", simdjson::error_message(e));
    }
    LS_RETURN_IF_ERROR(ParseSmallAction(key, raw, sink));
  }
  return OkStatus();
}

Status JsonActionParser::ParseLines(const char* data, size_t size, int64_t block_offset,
                                    int64_t* error_offset, ActionSink& sink) {
  // Document streams over slices of about kSlice bytes (ending at a newline): simdjson indexes
  // a slice in one stage-1 pass (a per-line iterate() pays a stage-1 set-up per line), and the
  // slice and its index stay in cache while the actions are walked. A slice is one batch, so no
  // worker thread is started. Errors carry their byte offset; callers turn it into a line.
  constexpr size_t kSlice = size_t{1} << 15;
  for (size_t start = 0; start < size;) {
    size_t end = size;
    if (size - start > kSlice) {
      const void* nl = std::memchr(data + start + kSlice, '\n', size - start - kSlice);
      end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - data) + 1 : size;
    }
    const char* slice = data + start;
    const size_t len = end - start;
    const int64_t slice_offset = block_offset + static_cast<int64_t>(start);
    *error_offset = slice_offset;
    ondemand::document_stream stream;
    if (auto e = parser_.iterate_many(slice, len, std::max<size_t>(len, 4096)).get(stream)) {
      return CorruptError("{}", simdjson::error_message(e));
    }
    for (auto it = stream.begin(); it != stream.end(); ++it) {
      ondemand::document_reference doc;
      ondemand::object top;
      simdjson::error_code e = (*it).get(doc);
      if (!e) {
        e = doc.get_object().get(top);
      }
      if (e) {
        *error_offset = slice_offset + static_cast<int64_t>(it.current_index());
        return CorruptError("{}", simdjson::error_message(e));
      }
      Status st = ProcessAction(top, sink);
      if (!st) {
        *error_offset = slice_offset + static_cast<int64_t>(it.current_index());
        return st;
      }
    }
    if (stream.truncated_bytes() > 0) {
      *error_offset = slice_offset + static_cast<int64_t>(len - stream.truncated_bytes());
      return CorruptError("incomplete JSON document");
    }
    start = end;
  }
  return OkStatus();
}

namespace {

Error WithLine(const Error& e, std::string_view name, int64_t line) {
  return WithContext(e, fmt::format("Failed to read '{}' line {}", name, line));
}

int64_t CountLines(const char* data, size_t size) {
  int64_t n = 0;
  for (const char* p = data;
       (p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(data + size - p))));
       ++p) {
    ++n;
  }
  return n;
}

}  // namespace

Status JsonActionParser::Parse(const PaddedBuffer& buffer, std::string_view name,
                               ActionSink& sink) {
  int64_t error_offset = 0;
  Status st = ParseLines(buffer.data.get(), buffer.size, 0, &error_offset, sink);
  if (!st) {
    return tl::unexpected(WithLine(
        st.error(), name, 1 + CountLines(buffer.data.get(), static_cast<size_t>(error_offset))));
  }
  return OkStatus();
}

Status JsonActionParser::ParseStream(const storage::RandomAccessFile& file, std::string_view name,
                                     int64_t block_size, size_t max_line_bytes, ActionSink& sink) {
  const int64_t size = file.size();
  int64_t offset = 0;
  size_t have = 0;  // unparsed bytes at the start of the buffer
  while (offset < size) {
    const size_t want = static_cast<size_t>(std::min<int64_t>(block_size, size - offset));
    if (stream_.capacity < have + want) {
      // Grow (a line longer than a block, or the first use); never past the longest line and a
      // block (doubling alone took a 512 MiB buffer to refuse a 256 MiB line).
      const size_t most = max_line_bytes > SIZE_MAX - want ? SIZE_MAX : max_line_bytes + want;
      size_t cap = std::max(have + want, std::min(stream_.capacity * 2, most));
      std::unique_ptr<char[]> bigger(new char[cap + simdjson::SIMDJSON_PADDING]);
      if (have) {
        std::memcpy(bigger.get(), stream_.data.get(), have);
      }
      stream_.data = std::move(bigger);
      stream_.capacity = cap;
    }
    char* buf = stream_.data.get();
    LS_RETURN_IF_ERROR(file.ReadAt(offset, static_cast<int64_t>(want), buf + have));
    offset += static_cast<int64_t>(want);
    const size_t partial = have;  // a line's start without its newline, from the blocks before
    have += want;
    std::memset(buf + have, 0, simdjson::SIMDJSON_PADDING);
    // Parse the complete lines; keep a partial last line for the next block.
    size_t complete = have;
    if (offset < size) {
      // Only the new block can hold the newline: the partial line before it has none.
      const void* last = memrchr(buf + partial, '\n', want);
      if (last == nullptr) {
        if (have > max_line_bytes) {
          return CorruptError("Failed to read '{}': a line longer than {} bytes", name,
                              max_line_bytes);
        }
        continue;  // no complete line yet: read more
      }
      complete = static_cast<size_t>(static_cast<const char*>(last) - buf) + 1;
    }
    const int64_t block_offset = offset - static_cast<int64_t>(have);
    int64_t error_offset = 0;
    Status st = ParseLines(buf, complete, block_offset, &error_offset, sink);
    if (!st) {
      // Rare: count the lines before the error by reading the file again.
      int64_t lines = 1;
      std::string chunk;
      for (int64_t pos = 0; pos < error_offset;) {
        int64_t n = std::min<int64_t>(int64_t{1} << 20, error_offset - pos);
        chunk.resize(static_cast<size_t>(n));
        if (!file.ReadAt(pos, n, chunk.data())) {
          break;
        }
        lines += CountLines(chunk.data(), chunk.size());
        pos += n;
      }
      return tl::unexpected(WithLine(st.error(), name, lines));
    }
    if (complete < have) {
      std::memmove(buf, buf + complete, have - complete);
    }
    have -= complete;
  }
  return OkStatus();
}

namespace {

// A sink that only keeps the first commitInfo.
class CommitInfoSink : public ActionSink {
 public:
  Status OnProtocol(Protocol) override { return OkStatus(); }
  Status OnMetadata(Metadata) override { return OkStatus(); }
  Status OnCommitInfo(CommitInfo c) override {
    if (!info) {
      info = std::move(c);
    }
    return OkStatus();
  }
  std::optional<CommitInfo> info;
};

}  // namespace

Result<std::optional<CommitInfo>> JsonActionParser::FirstCommitInfo(const PaddedBuffer& buffer,
                                                                    std::string_view name) {
  // "The commitInfo action must be the first action in the commit" (In-Commit Timestamps).
  const char* data = buffer.data.get();
  const char* end = data + buffer.size;
  const char* nl = static_cast<const char*>(std::memchr(data, '\n', buffer.size));
  const char* line_end = nl ? nl : end;
  std::string_view first(data, static_cast<size_t>(line_end - data));
  if (first.find("\"commitInfo\"") == std::string_view::npos) {
    return std::optional<CommitInfo>();
  }
  CommitInfoSink sink;
  Status st = ParseLine(data, first.size(), buffer.size + simdjson::SIMDJSON_PADDING, sink);
  if (!st) {
    return tl::unexpected(WithLine(st.error(), name, 1));
  }
  return sink.info;
}

}  // namespace internal

using internal::JsonActionParser;

Status ReadPaddedInto(const storage::ObjectStore& store, std::string_view path, PaddedBuffer& b) {
  LS_ASSIGN_OR_RETURN(auto file, store.OpenFile(path));
  const int64_t size = file->size();
  if (size < 0 || size > (int64_t{1} << 34)) {
    return CorruptError("'{}' has an implausible size {}", path, size);
  }
  if (!b.data || b.capacity < static_cast<size_t>(size)) {
    b.capacity = static_cast<size_t>(size);
    b.data.reset(new char[b.capacity + simdjson::SIMDJSON_PADDING]);
  }
  b.size = static_cast<size_t>(size);
  std::memset(b.data.get() + b.size, 0, simdjson::SIMDJSON_PADDING);
  if (size > 0) {
    LS_RETURN_IF_ERROR(file->ReadAt(0, size, b.data.get()));
  }
  return OkStatus();
}

Result<PaddedBuffer> ReadPadded(const storage::ObjectStore& store, std::string_view path) {
  PaddedBuffer b;
  LS_RETURN_IF_ERROR(ReadPaddedInto(store, path, b));
  return b;
}

PaddedBuffer MakePadded(std::string_view bytes) {
  PaddedBuffer b;
  b.size = bytes.size();
  b.capacity = bytes.size();
  b.data.reset(new char[b.size + simdjson::SIMDJSON_PADDING]);
  if (!bytes.empty()) {
    std::memcpy(b.data.get(), bytes.data(), bytes.size());
  }
  std::memset(b.data.get() + b.size, 0, simdjson::SIMDJSON_PADDING);
  return b;
}

Status ParseJsonActions(const PaddedBuffer& buffer, std::string_view name, ActionSink& sink) {
  // One parser per thread: its buffers are reused across files.
  thread_local JsonActionParser parser;
  return parser.Parse(buffer, name, sink);
}

Status ParseJsonActionsFile(const storage::ObjectStore& store, std::string_view path,
                            ActionSink& sink, int64_t* bytes_read, size_t max_line_bytes) {
  auto file = store.OpenFile(path);
  if (!file) {
    return MakeError(
        file.error().code == ErrorCode::kNotFound ? ErrorCode::kCorrupt : file.error().code,
        fmt::format("Failed to read '{}': {}", path, file.error().message));
  }
  if (bytes_read) {
    *bytes_read += (*file)->size();
  }
  thread_local JsonActionParser parser;
  // 256 KiB blocks stay in cache between the read and the parse.
  return parser.ParseStream(**file, path, int64_t{1} << 18, max_line_bytes, sink);
}

namespace {

// The first line of `file` (without its newline), read in blocks that double from 64 KiB.
Result<PaddedBuffer> ReadFirstLine(const storage::RandomAccessFile& file, std::string_view name,
                                   size_t max_line_bytes) {
  const size_t size = static_cast<size_t>(std::max<int64_t>(file.size(), 0));
  PaddedBuffer b;
  size_t block = size_t{64} << 10;
  while (b.size < size) {
    // At most one byte past the longest line: its newline.
    const size_t want = std::min({block, size - b.size, max_line_bytes + 1 - b.size});
    if (b.capacity < b.size + want) {
      const size_t cap = std::max(b.size + want, b.capacity * 2);
      std::unique_ptr<char[]> bigger(new char[cap + simdjson::SIMDJSON_PADDING]);
      if (b.size > 0) {
        std::memcpy(bigger.get(), b.data.get(), b.size);
      }
      b.data = std::move(bigger);
      b.capacity = cap;
    }
    char* fresh = b.data.get() + b.size;
    LS_RETURN_IF_ERROR(
        file.ReadAt(static_cast<int64_t>(b.size), static_cast<int64_t>(want), fresh));
    const void* nl = std::memchr(fresh, '\n', want);
    if (nl != nullptr) {
      b.size = static_cast<size_t>(static_cast<const char*>(nl) - b.data.get());
      break;
    }
    b.size += want;
    if (b.size > max_line_bytes) {
      return CorruptError("Failed to read '{}': a line longer than {} bytes", name, max_line_bytes);
    }
    block *= 2;
  }
  if (!b.data) {
    b.data.reset(new char[simdjson::SIMDJSON_PADDING]);
  }
  std::memset(b.data.get() + b.size, 0, simdjson::SIMDJSON_PADDING);
  return b;
}

}  // namespace

Result<std::optional<CommitInfo>> ReadFirstCommitInfo(const storage::ObjectStore& store,
                                                      std::string_view path,
                                                      size_t max_line_bytes) {
  LS_ASSIGN_OR_RETURN(auto file, store.OpenFile(path));
  LS_ASSIGN_OR_RETURN(PaddedBuffer line, ReadFirstLine(*file, path, max_line_bytes));
  thread_local JsonActionParser parser;
  return parser.FirstCommitInfo(line, path);
}

Result<std::optional<int64_t>> ReadInCommitTimestamp(const storage::ObjectStore& store,
                                                     std::string_view path) {
  LS_ASSIGN_OR_RETURN(std::optional<CommitInfo> info, ReadFirstCommitInfo(store, path));
  if (!info) {
    return std::optional<int64_t>();
  }
  return info->InCommitTimestamp();
}

}  // namespace lakeshare::delta
