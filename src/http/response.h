// Response: what a handler answers. Either a whole body held in memory (JSON documents, small
// files) or a streamed body produced by a callback that writes chunks as it goes (NDJSON of a
// million lines), sent with HTTP/1.1 chunked transfer encoding. The server owns framing:
// Content-Length, Transfer-Encoding and Connection set by a handler are ignored.
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
  /// A body of exactly `length` bytes pulled piece by piece from `read` (a file): unlike a
  /// SizedStream, nothing waits while the client is slow to take a piece (a handler thread reads
  /// the next piece once the previous one was sent), so slow readers cannot hold every handler
  /// thread. A failing read before anything was sent gets a normal error reply; after, the
  /// connection is closed. A HEAD request gets the Content-Length without any read.
  static Response Pieces(std::string_view content_type, int64_t length, PieceReader read,
                         int status = 200);
  /// A streamed NDJSON body pulled line by line from `next`.
  static Response Ndjson(NextLine next, int status = 200);

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

  bool is_streaming() const { return static_cast<bool>(producer_) || static_cast<bool>(pieces_); }
  bool has_pieces() const { return static_cast<bool>(pieces_); }
  PieceReader TakePieces() { return std::exchange(pieces_, nullptr); }
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
  PieceReader pieces_;
  std::optional<int64_t> content_length_;
  std::optional<Error> error_;
};

}  // namespace lakeshare::http
