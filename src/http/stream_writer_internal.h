// The hand-off of a streamed body from its producer (on the handler pool) to its connection (on
// the network strand), internal to http/.
//
// The producer fills `pending` on its thread; Flush waits until no chunk is in flight, swaps
// `pending` into StreamState::sending and posts the write to the strand, which clears `in_flight`
// when the socket accepted it. At most one chunk is being written and one is being filled, which
// is what bounds memory and paces the producer by the socket.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/mutex.h"
#include "common/thread_annotations.h"
#include "http/response.h"
#include "http/server_core_internal.h"

namespace lakeshare::http::internal {

/// Shared by a connection and the writer of its current stream.
struct StreamState {
  Mutex mu;
  CondVar cv;
  bool in_flight LS_GUARDED_BY(mu) = false;  // `sending` belongs to the network side while true
  bool failed LS_GUARDED_BY(mu) = false;     // the connection can take no more
  // Handed over by `in_flight` rather than guarded by `mu`: the network side reads it unlocked
  // while it writes the chunk.
  std::string sending;
};

/// The StreamWriter a body producer writes to. Used by one producer thread; `state` and
/// `session` are shared with the connection as described above.
class StreamWriterImpl final : public StreamWriter {
 public:
  /// `length`: the declared body length of a sized stream, nullopt for a chunked one.
  StreamWriterImpl(std::shared_ptr<SessionBase> session, StreamState& state, size_t chunk_bytes,
                   std::optional<int64_t> length);

  Status Write(std::string_view data) override;
  Status Hand(std::string& data) override;
  Status Flush() override;

  /// Wait until no chunk is in flight; false when the connection failed.
  bool WaitIdle();

  bool head_sent() const { return head_sent_; }
  bool failed() const { return failed_; }
  /// Body bytes accepted from the producer so far.
  int64_t written() const { return written_; }
  std::string TakePending() { return std::move(pending_); }

 private:
  std::shared_ptr<SessionBase> session_;
  StreamState& state_;
  size_t chunk_bytes_;
  std::optional<int64_t> length_;
  int64_t written_ = 0;
  std::string pending_;
  bool head_sent_ = false;
  bool failed_ = false;
};

}  // namespace lakeshare::http::internal
