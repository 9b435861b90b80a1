// The plumbing of a streamed table-data response (/query, /changes): lines are buffered and
// handed to the http layer in batches (a million-file snapshot is never rendered in memory), and
// the stream ends either with an error reply (nothing sent yet), or, once lines went out, with an
// endStreamAction carrying the error for clients that asked for one. Single-threaded per response.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"
#include "http/response.h"
#include "sharing/ndjson_lines.h"

namespace lakeshare::sharing {

/// About the server's stream chunk (http::ServerOptions::stream_chunk_bytes): one hand-off each.
inline constexpr size_t kFlushBytes = 256 * 1024;

/// Buffers lines and hands them to the writer in batches (the buffer itself, not a copy: see
/// StreamWriter::Hand); remembers whether anything was handed over (after that, an error can no
/// longer become an error reply).
class LineSink {
 public:
  explicit LineSink(http::StreamWriter& writer) : writer_(writer) {
    buffer_.reserve(kFlushBytes + kFlushBytes / 8);
  }
  std::string& buffer() { return buffer_; }
  Status MaybeFlush() {
    if (buffer_.size() < kFlushBytes) return OkStatus();
    return Flush();
  }
  Status Flush() {
    if (buffer_.empty()) return OkStatus();
    handed_ = true;
    return writer_.Hand(buffer_);
  }
  bool handed() const { return handed_; }

 private:
  http::StreamWriter& writer_;
  std::string buffer_;
  bool handed_ = false;
};

/// The StreamWriter behind the LineSink of a pulled body (http::ChunkSource): what the sink
/// hands over goes to the part of the current call, as the buffer itself while the part is
/// empty (the sink gets the part's old buffer, as large as its own was).
class PartWriter final : public http::StreamWriter {
 public:
  /// Writes go to `out` until the next Begin; `out` must outlive them.
  void Begin(std::string& out) { out_ = &out; }
  /// Something was handed over since Begin: the part is ready.
  bool ready() const { return out_ != nullptr && !out_->empty(); }
  Status Write(std::string_view data) override;
  Status Hand(std::string& data) override;
  Status Flush() override { return OkStatus(); }

 private:
  std::string* out_ = nullptr;
};

/// End the stream: on success, `end` (when the client asked for an endStreamAction); on error,
/// the error itself while nothing was sent or no endStreamAction was asked for, else an
/// endStreamAction whose errorMessage says what a client may see of it.
Status FinishStream(LineSink& sink, const Status& status, bool end_stream,
                    const EndStreamAction& end);

}  // namespace lakeshare::sharing
