// Integration tests of the minimum send rate of streamed responses (ServerOptions::
// min_send_bytes_per_second, send_rate_slack; send_pace_internal.h): the real Server on
// 127.0.0.1:0 and raw sockets that read at a chosen pace. The slack is short so that the tests
// end in seconds; waits are on state (counters, the body's source released), their timeouts
// only guards, and the steady reader reads at a hundred times the minimum or more, so that no
// stall of a loaded machine (each part may wait seconds) cuts it.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "http/server_test_fixture.h"

namespace lakeshare::http {
namespace {

using namespace std::chrono_literals;
using namespace lakeshare::http::test;

constexpr size_t kPartBytes = 16 * 1024;

class SendRateTest : public ServerTest {
 protected:
  /// GET /body streams `bytes` (unbounded when negative) in parts of kPartBytes, pulled from a
  /// source that takes `held_` (the first request's) and holds it until its stream ends.
  void ServeBody(int64_t bytes) {
    ASSERT_TRUE(router_.Handle("GET", "/body", [this, bytes](Request&) -> Result<Response> {
      return Response::Pulled(kNdjsonContentType, [held = std::exchange(held_, nullptr),
                                                   left = bytes](std::string& out) mutable
                                                  -> Result<bool> {
        size_t size = left < 0 ? kPartBytes : std::min(kPartBytes, static_cast<size_t>(left));
        out.assign(size, 'x');
        left -= left < 0 ? 0 : static_cast<int64_t>(size);
        return left != 0;
      });
    }));
  }

  double CounterValue(const std::string& name) { return metrics_.AddCounter(name, "").Value(); }

  /// Until the counter `name` reaches `value` (60 s at most); whether it did.
  bool WaitForCounter(const std::string& name, double value) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (CounterValue(name) < value && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(10ms);
    }
    return CounterValue(name) >= value;
  }

  std::shared_ptr<int> held_ = std::make_shared<int>(0);
};

// A client that reads a little now and then, each part well within write_timeout, falls behind
// the minimum pace: it is cut once it is send_rate_slack behind, and what its stream held (here
// the source; in sharing/, its stream slot and snapshot) is released.
TEST_F(SendRateTest, ATrickleReaderIsCutAndItsStreamReleased) {
  ASSERT_NO_FATAL_FAILURE(ServeBody(-1));
  std::weak_ptr<int> watch = held_;
  StartServer(ServerOptions{
      .write_timeout = 30s, .min_send_bytes_per_second = 1 << 20, .send_rate_slack = 500ms});
  RawConnection connection(server_->port(), 4096);
  ASSERT_TRUE(connection.SendAndReadHead(Get("/body")));
  // A socket read (a few KiB) every 0.1 s: a part of 16 KiB every second or faster, far within
  // write_timeout, until the server cuts us (what it had written before still arrives).
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (CounterValue("lakeshare_http_send_rate_cuts_total") == 0 &&
         std::chrono::steady_clock::now() < deadline && connection.Fill()) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(WaitForCounter("lakeshare_http_send_rate_cuts_total", 1));
  EXPECT_EQ(CounterValue("lakeshare_http_write_timeouts_total"), 0);
  EXPECT_TRUE(connection.WaitClosed());
  for (int i = 0; i < 1200 && !watch.expired(); ++i) std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(watch.expired()) << "the cut stream's source is still held";
  EXPECT_NE(LogsContaining("connection_lost"), "");
}

// A client that reads steadily faster than the minimum is never cut, however long the stream,
// and the slack is no deadline for the whole stream.
TEST_F(SendRateTest, ASteadyReaderAboveTheMinimumGetsTheWholeBody) {
  constexpr int64_t kBytes = 1 << 20;
  ASSERT_NO_FATAL_FAILURE(ServeBody(kBytes));
  // Each 16 KiB part may take 4 s (at 4 KiB/s) plus what is left of the slack; the stream as a
  // whole (about 2.5 s at the reader's pace) outlasts the slack many times.
  StartServer(ServerOptions{.min_send_bytes_per_second = 4 * 1024, .send_rate_slack = 300ms});
  RawConnection connection(server_->port(), 4096);
  std::optional<RawResponse> response = connection.SendAndReadHead(Get("/body"));
  ASSERT_TRUE(response);
  // At most a socket read (a few KiB) every 10 ms: 400 KiB/s or more, without the stalls.
  int64_t received = 0;
  connection.ReadBody(*response, false, [&received](std::string_view data) {
    received += static_cast<int64_t>(data.size());
    std::this_thread::sleep_for(10ms);
  });
  EXPECT_TRUE(response->complete);
  EXPECT_EQ(received, kBytes);
  EXPECT_EQ(CounterValue("lakeshare_http_send_rate_cuts_total"), 0);
}

// Without a minimum (0) a slow reader is cut by write_timeout only.
TEST_F(SendRateTest, NoMinimumMeansOnlyTheWriteTimeoutCuts) {
  ASSERT_NO_FATAL_FAILURE(ServeBody(-1));
  StartServer(ServerOptions{.write_timeout = 300ms, .min_send_bytes_per_second = 0});
  RawConnection connection(server_->port(), 4096);
  ASSERT_TRUE(connection.SendAndReadHead(Get("/body")));
  ASSERT_TRUE(WaitForCounter("lakeshare_http_write_timeouts_total", 1));  // we never read
  EXPECT_EQ(CounterValue("lakeshare_http_send_rate_cuts_total"), 0);
}

}  // namespace
}  // namespace lakeshare::http
