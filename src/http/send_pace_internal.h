// SendPace: the minimum average rate at which a client must take a streamed response (internal
// to http/; ServerOptions::min_send_bytes_per_second and send_rate_slack).
//
// A budget of time, counted only while a write waits for the client (time the server spends
// producing the next part is its own): each write of N bytes earns N / rate, the time it takes at
// the minimum rate, and spends what it really took. The budget starts at, and never exceeds, the
// slack: a client may fall behind the minimum pace by at most the slack (after a start that is a
// grace period of that length), and no amount of fast reading earlier buys more. A client that
// reads steadily at the rate or faster keeps its whole slack for as long as the stream lasts; one
// that trickles exhausts it and its next write gets no more than its own share of time, so it is
// cut within the slack plus one part's time at the rate. The peers: Apache mod_reqtimeout's
// MinRate (for request bodies), nginx's send_timeout (per write, as write_timeout here).
// A write's time runs from the async write to its completion handler on the connection's strand,
// so a busy io thread's delay in running that handler is charged to the client too: on an
// overloaded server a client barely above the minimum can be cut (the default minimum is a
// quarter of a 1 Mbit/s link, so a steady client is normally far above it).
//
// Not thread-safe: one connection's strand uses it.
#pragma once

#include <chrono>
#include <cstddef>

namespace lakeshare::http::internal {

class SendPace {
 public:
  using Duration = std::chrono::steady_clock::duration;

  /// `min_bytes_per_second` 0: no minimum (every allowance is Unlimited()).
  SendPace(size_t min_bytes_per_second, std::chrono::milliseconds slack);

  /// A new stream begins: the whole slack is available again.
  void Restart() { left_ = slack_; }
  /// How long a write of `bytes` may take: its own time at the minimum rate plus what is left of
  /// the slack; Unlimited() without a minimum.
  Duration Allowance(size_t bytes) const;
  /// A write of `bytes` finished after `took`.
  void Sent(size_t bytes, Duration took);

  /// Longer than any write may take (a day).
  static constexpr Duration Unlimited() { return std::chrono::hours(24); }

 private:
  /// The time `bytes` take at the minimum rate, at most Unlimited().
  Duration TimeAtMinimumRate(size_t bytes) const;

  double min_bytes_per_second_;
  Duration slack_;
  Duration left_;
};

}  // namespace lakeshare::http::internal
