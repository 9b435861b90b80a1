// Response: what a handler answers. Either a whole body held in memory (JSON documents, small
// files), a pulled body the server asks for a part at a time (Pulled, Pieces, Ndjson: NDJSON of
// a million lines, files), or a streamed body produced by a callback that writes chunks as it
// goes; bodies of unknown length go out with HTTP/1.1 chunked transfer encoding. The server owns
// framing: Content-Length, Transfer-Encoding and Connection set by a handler are ignored.
//
// Pulled contract (ChunkSource, Pulled/Pieces/Ndjson):
// - The source runs on a handler thread, called for the next part only once the previous one
//   was sent: no thread waits while a client is slow to read, so slow readers cannot hold every
//   handler thread. Calls never overlap; each part goes out as one chunk.
// - A source failing on its first call gets a normal error reply with the mapped status (nothing
//   was sent); failing later has its connection closed without the final empty chunk (or short
//   of its Content-Length), so the client sees a truncated body, never a valid-looking end.
// - A body whose first part is also its last goes out whole, with Content-Length.
// - A HEAD request gets the headers without the source running; a connection that fails or a
//   server that stops calls the source no more (it is destroyed with the response).
//
// Streaming contract (BodyProducer):
// - The producer runs on a handler thread after the handler returned, and may block there.
// - StreamWriter::Write blocks while the connection has a full chunk in flight and another one
//   buffered (backpressure): a producer can never run more than about two chunks ahead of what
//   the socket accepted, so memory stays bounded whatever the size of the body.
// - Nothing is sent before the first chunk fills up or Flush() is called. A producer that fails
//   (returns an Error) before that gets a normal error reply with the mapped status; one that fails
//   after the headers went out has its connection closed without the final empty chunk, so the
//   client sees a truncated stream, never a valid-looking end.
// - Once Write returns an error (client gone, write timeout, server stopping), stop and return it.
// - A sized stream must write exactly its declared length: a Write going past it fails with
//   kInternal, and a producer returning success short of it counts as failed (the client sees a
//   body shorter than its Content-Length, never a wrong one). A HEAD request gets the
//   Content-Length without the producer running.
// Response values are thread-compatible; a StreamWriter is used by its producer's thread only.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "http/request.h"

namespace lakeshare::http {

inline constexpr std::string_view kJsonContentType = "application/json; charset=utf-8";
inline constexpr std::string_view kNdjsonContentType = "application/x-ndjson; charset=utf-8";

/// The sink a BodyProducer writes the response body to.
class StreamWriter {
 public:
  virtual ~StreamWriter() = default;
  /// Append `data` to the body; blocks while the connection is two chunks behind. kUnavailable
  /// once the connection is gone: the producer must stop then.
  virtual Status Write(std::string_view data) = 0;
  /// Write(data), then leave `data` empty for reuse. A buffer of a chunk or more is taken over
  /// without a copy when nothing is pending (`data` gets a spare buffer in exchange).
  virtual Status Hand(std::string& data) {
    Status status = Write(data);
    data.clear();
    return status;
  }
  /// Send what is buffered now (headers included, if not sent yet), e.g. after lines a client
  /// may act on before the rest arrives.
  virtual Status Flush() = 0;
};

/// Writes the whole streamed body; return an Error to abort (see the contract above).
using BodyProducer = std::function<Status(StreamWriter& writer)>;

/// Fills `out` (handed over empty, perhaps with capacity to reuse) with the next part of a
/// pulled body: true when more follows, false when this part is the last (it may be empty), or
/// an Error that aborts the response (see the pulled contract above).
using ChunkSource = std::function<Result<bool>(std::string& out)>;

/// Reads the `size` bytes at `offset` of a pulled body into `out` (replacing what it holds).
using PieceReader = std::function<Status(int64_t offset, int64_t size, std::string& out)>;

/// A lazy line source for NDJSON: the next line without its '\n', nullopt at the end, or an
/// Error that aborts the response.
using NextLine = std::function<Result<std::optional<std::string>>()>;

class Response {
 public:
  Response() = default;
  explicit Response(int status) : status_(status) {}

  /// A JSON document (`body` must already be JSON).
  static Response Json(std::string body, int status = 200);
  static Response Text(std::string body, int status = 200,
                       std::string_view content_type = "text/plain; charset=utf-8");
  /// A streamed body (see the contract in the file comment).
  static Response Stream(std::string_view content_type, BodyProducer producer, int status = 200);
  /// A streamed body of exactly `length` bytes, sent with Content-Length instead of chunked
  /// encoding (see the contract in the file comment).
  static Response SizedStream(std::string_view content_type, int64_t length, BodyProducer producer,
                              int status = 200);
  /// A body of unknown length pulled a part at a time from `next`, sent chunked (see the pulled
  /// contract in the file comment).
  static Response Pulled(std::string_view content_type, ChunkSource next, int status = 200);
  /// A body of exactly `length` bytes pulled piece by piece (kPieceBytes each) from `read` (a
  /// file), sent with Content-Length (see the pulled contract in the file comment). A piece of
  /// another size than asked for aborts the response. A HEAD request gets the Content-Length.
  static Response Pieces(std::string_view content_type, int64_t length, PieceReader read,
                         int status = 200);
  /// An NDJSON body pulled from `next` (lines joined into parts of about kNdjsonPartBytes).
  static Response Ndjson(NextLine next, int status = 200);

  /// The piece of a Pieces body: one read and one socket write each. 1 MiB, as the /files
  /// producer read before bodies were pulled: with 256 KiB pieces the hand-offs between the
  /// handler pool and the network cost 16% of a 256 MiB download (bench/31_file_download.sh).
  static constexpr int64_t kPieceBytes = int64_t{1} << 20;
  /// About the part of an Ndjson body (the stream chunk of ServerOptions).
  static constexpr size_t kNdjsonPartBytes = 256 * 1024;

  int status() const { return status_; }
  void set_status(int status) { status_ = status; }

  /// Replace every header named `name` (case-insensitive) by one with `value`.
  void SetHeader(std::string_view name, std::string value);
  /// Add a header, keeping others of the same name.
  void AddHeader(std::string name, std::string value);
  void RemoveHeader(std::string_view name);
  /// The first value of header `name` (case-insensitive), or null.
  const std::string* Header(std::string_view name) const;
  const std::vector<Field>& headers() const { return headers_; }

  const std::string& body() const { return body_; }
  void set_body(std::string body) { body_ = std::move(body); }
  std::string TakeBody() { return std::move(body_); }

  bool is_streaming() const { return static_cast<bool>(producer_); }
  bool has_pulled() const { return static_cast<bool>(pulled_); }
  /// The source of a pulled body (the server's way to send it); the producer then stays valid
  /// but shares the source's state, so use one or the other.
  ChunkSource TakePulled() { return std::exchange(pulled_, nullptr); }
  /// Writes the whole streamed body; for a pulled body, one Write per part, so that in-process
  /// callers and tests read every kind of streamed body the same way.
  const BodyProducer& producer() const { return producer_; }
  BodyProducer TakeProducer() { return std::exchange(producer_, nullptr); }
  /// The declared length of a streamed body (SizedStream); nullopt: chunked.
  std::optional<int64_t> content_length() const { return content_length_; }
  void set_content_length(std::optional<int64_t> length) { content_length_ = length; }

  /// The Error this reply was made from (see error_response.h); logged with the request, never
  /// sent beyond the mapped body.
  const std::optional<Error>& error() const { return error_; }
  void set_error(Error error) { error_ = std::move(error); }

 private:
  int status_ = 200;
  std::vector<Field> headers_;
  std::string body_;
  BodyProducer producer_;
  ChunkSource pulled_;
  std::optional<int64_t> content_length_;
  std::optional<Error> error_;
};

}  // namespace lakeshare::http
