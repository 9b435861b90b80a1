#include "sharing/response_stream_internal.h"

namespace lakeshare::sharing {

namespace {

// What a client may see of an error that happens after the response started.
std::string StreamErrorMessage(const Error& e) {
  switch (e.code) {
    case ErrorCode::kCorrupt:
    case ErrorCode::kUnavailable:
    case ErrorCode::kInternal:
      return "Internal error while streaming the response";
    default:
      return e.message;
  }
}

}  // namespace

Status PartWriter::Write(std::string_view data) {
  out_->append(data);
  return OkStatus();
}

Status PartWriter::Hand(std::string& data) {
  if (!out_->empty()) {
    out_->append(data);
    data.clear();
    return OkStatus();
  }
  const size_t capacity = data.capacity();
  out_->swap(data);
  data.clear();
  if (data.capacity() < capacity) data.reserve(capacity);
  return OkStatus();
}

Status FinishStream(LineSink& sink, const Status& status, bool end_stream,
                    const EndStreamAction& end) {
  if (!status) {
    if (!sink.handed() || !end_stream) return status;
    EndStreamAction failed;
    failed.error_message = StreamErrorMessage(status.error());
    AppendEndStreamAction(sink.buffer(), failed);
    return sink.Flush();
  }
  if (end_stream) AppendEndStreamAction(sink.buffer(), end);
  return sink.Flush();
}

}  // namespace lakeshare::sharing
