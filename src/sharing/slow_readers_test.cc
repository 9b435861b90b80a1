// Partners that do not read their responses must not hold the server's handler threads: the
// NDJSON bodies of a snapshot /query and of the change feed (/changes, /query with
// startingVersion) are pulled a part at a time, on a handler thread only once the previous part
// was sent (http::Response::Pulled); the memory open streams keep is bounded per recipient
// (StreamSlots). A real server on loopback, few handler threads, a table whose responses fill
// the socket buffers many times over.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "delta/table_writer.h"
#include "http/client.h"
#include "http/metrics.h"
#include "http/server.h"
#include "http/server_test_fixture.h"
#include "sharing/sharing_test_util.h"

// Designated initializers leave the catalog structs' other fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace lakeshare::sharing::testing {
namespace {

using namespace std::chrono_literals;
using http::test::RawConnection;

constexpr char kQuery[] = "/delta-sharing/shares/s/schemas/main/tables/big/query";
constexpr char kChanges[] =
    "/delta-sharing/shares/s/schemas/main/tables/big/changes?startingVersion=0";
constexpr int kFiles = 20'000;  // their lines are about 8 MB

// The bounds SlowReadersTest::Serve sets.
struct Limits {
  int snapshot_streams_per_recipient = 8;
  int max_streams = 512;
  std::chrono::milliseconds write_timeout = 60s;  // cuts a client that stopped reading
};

class SlowReadersTest : public ::testing::Test {
 protected:
  // One table of kFiles files in one commit, change data feed on (the files need not exist to
  // be announced), shared to alice, bob and carol.
  void SetUp() override {
    ASSERT_TRUE(bed_.Open());
    auto created = CreateAnnouncedTable(bed_, "big", kFiles);
    ASSERT_TRUE(created) << created.error().message;
    ASSERT_TRUE(bed_.Share("s", {{.name = "main.s.big",
                                  .shared_as = "main.big",
                                  .history_data_sharing_status = "ENABLED",
                                  .cdf_enabled = true}}));
    for (const char* name : {"alice", "bob", "carol"}) {
      auto token = bed_.Recipient(name, {"s"});
      ASSERT_TRUE(token) << token.error().message;
      tokens_.push_back(*token);
    }
    alice_ = tokens_[0];
  }

  void Serve(int handler_threads, Limits limits = {}) {
    SharingOptions options;
    options.snapshot_streams_per_recipient = limits.snapshot_streams_per_recipient;
    options.max_streams = limits.max_streams;
    options.public_url = "http://localhost";
    options.signing_key = "slow-readers-test-signing-key-0123456789";
    auto service = bed_.Serve(options, router_, &metrics_);
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
    server_ = std::make_unique<http::Server>(
        http::ServerOptions{.handler_threads = handler_threads,
                            .write_timeout = limits.write_timeout,
                            .log_sink = [](std::string_view) {}},
        router_, metrics_);
    ASSERT_TRUE(server_->Start());
    base_ = fmt::format("http://127.0.0.1:{}", server_->port());
  }

  void TearDown() override {
    stalled_.clear();
    if (server_) server_->Stop(5s);
  }

  /// Open `n` connections that ask for `request` and never read.
  void Stall(int n, const std::string& request) {
    for (auto& connection : http::test::StalledReaders(server_->port(), n, request)) {
      stalled_.push_back(std::move(connection));
    }
  }

  /// GET /shares must be answered while the stalled streams are open.
  void ExpectOthersAnswered() {
    Result<http::ClientResponse> shares =
        client_.Send({.url = base_ + "/delta-sharing/shares",
                      .headers = {{"Authorization", alice_}},
                      .timeout_ms = 10'000});
    ASSERT_TRUE(shares) << shares.error().ToString();
    EXPECT_EQ(shares->status, 200);
  }

  /// Every stalled connection got a 200 head of a chunked body, and is still open, never read
  /// past it.
  void ExpectStillStreaming() {
    for (auto& connection : stalled_) {
      std::optional<http::test::RawResponse> head = connection->ReadHead();
      ASSERT_TRUE(head);
      EXPECT_EQ(head->status, 200);
      EXPECT_TRUE(head->chunked);
    }
  }

  /// How many stalled connections got a 200 head; each other one must be a 429 with
  /// Retry-After whose body holds `message`.
  int StreamingAndRefused(const std::string& message) {
    int streaming = 0;
    for (auto& connection : stalled_) {
      std::optional<http::test::RawResponse> head = connection->ReadHead();
      EXPECT_TRUE(head);
      if (!head) continue;
      if (head->status == 200) {
        ++streaming;
        continue;
      }
      EXPECT_EQ(head->status, 429);
      EXPECT_EQ(http::test::HeaderOf(*head, "Retry-After"), "5");
      connection->ReadBody(*head, false);
      EXPECT_THAT(head->body, ::testing::HasSubstr("RESOURCE_EXHAUSTED"));
      EXPECT_THAT(head->body, ::testing::HasSubstr(message));
    }
    return streaming;
  }

  /// The stalled streams closed, `request` is answered (not 429) once their slots are back.
  Result<http::ClientResponse> AfterTheStallsGo(http::ClientRequest request) {
    stalled_.clear();
    request.headers.emplace_back("Authorization", alice_);
    request.timeout_ms = 60'000;
    Result<http::ClientResponse> answer = Result<http::ClientResponse>();
    for (int i = 0; i < 100; ++i) {
      answer = client_.Send(request);
      if (!answer || answer->status != 429) break;
      std::this_thread::sleep_for(100ms);
    }
    return answer;
  }

  /// `method` `target` with the JSON `body` as the recipient of `token`, read to the end.
  Result<http::ClientResponse> Call(const std::string& token, const std::string& method,
                                    const std::string& target, const std::string& body = "") {
    return client_.Send({.method = method,
                         .url = base_ + target,
                         .headers = {{"Authorization", token}, {"Content-Type", "application/json"}},
                         .body = body,
                         .timeout_ms = 60'000});
  }

  /// `answer` is a 200 with every file of the table, after the two head lines.
  static void ExpectEveryFile(const Result<http::ClientResponse>& answer) {
    ASSERT_TRUE(answer) << answer.error().ToString();
    EXPECT_EQ(answer->status, 200);
    EXPECT_EQ(std::count(answer->body.begin(), answer->body.end(), '\n'), 2 + kFiles);
  }

  /// Wait until the metric `name` (no labels) is `value`; false after a minute.
  bool WaitForMetric(const std::string& name, double value) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (MetricValue(name) != value) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }

  /// The value of `name`'s series with no labels, or of `name{label}` (as rendered), -1 when
  /// /metrics has none.
  double MetricValue(const std::string& series) {
    const std::string text = metrics_.Render();
    size_t at = text.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
  }

  std::string Request(const std::string& method, const std::string& target,
                      const std::string& body = "") {
    return RequestOf(alice_, method, target, body);
  }

  /// A request with the bearer token `token` (one of tokens_).
  static std::string RequestOf(const std::string& token, const std::string& method,
                               const std::string& target, const std::string& body = "") {
    return fmt::format(
        "{} {} HTTP/1.1\r\nHost: test\r\nAuthorization: {}\r\nContent-Type: "
        "application/json\r\nContent-Length: {}\r\n\r\n{}",
        method, target, token, body.size(), body);
  }

  SharingTestBed bed_;
  std::vector<std::string> tokens_;  // of alice, bob and carol
  std::string alice_;
  http::Router router_;
  http::MetricsRegistry metrics_;  // outlives the service, whose stream slots report to it
  std::unique_ptr<SharingService> service_;
  std::unique_ptr<http::Server> server_;
  std::string base_;
  http::Client client_;
  std::vector<std::unique_ptr<RawConnection>> stalled_;
};

TEST_F(SlowReadersTest, QueryStreamsThatAreNotReadHoldNoHandlerThread) {
  ASSERT_NO_FATAL_FAILURE(Serve(2));
  ASSERT_NO_FATAL_FAILURE(Stall(4, Request("POST", kQuery, "{}")));
  ASSERT_NO_FATAL_FAILURE(ExpectOthersAnswered());
  ASSERT_NO_FATAL_FAILURE(ExpectStillStreaming());
  // A reader that reads gets every file.
  ExpectEveryFile(Call(alice_, "POST", kQuery, "{}"));
}

// A snapshot stream that is not read holds no thread but memory (its snapshot, a pointer per
// file, its buffers): a recipient streams at most SharingOptions::snapshot_streams_per_recipient
// of them at once, the next get a 429; the slot is given back when the stream goes.
TEST_F(SlowReadersTest, ARecipientHoldsAtMostItsSnapshotStreams) {
  ASSERT_NO_FATAL_FAILURE(Serve(2, {.snapshot_streams_per_recipient = 2}));
  ASSERT_NO_FATAL_FAILURE(Stall(3, Request("POST", kQuery, "{}")));
  ASSERT_NO_FATAL_FAILURE(ExpectOthersAnswered());
  EXPECT_EQ(StreamingAndRefused("2 query responses in progress"), 2);
  Result<http::ClientResponse> query = AfterTheStallsGo(
      {.method = "POST", .url = base_ + kQuery, .headers = {{"Content-Type", "application/json"}},
       .body = "{}"});
  ASSERT_TRUE(query) << query.error().ToString();
  EXPECT_EQ(query->status, 200);
}

// Change streams are pulled: several partners, each with as many change streams as it may hold
// (a /changes and a /query with startingVersion), none of them read, hold no handler thread.
TEST_F(SlowReadersTest, ChangeStreamsOfSeveralPartnersThatAreNotReadHoldNoHandlerThread) {
  ASSERT_NO_FATAL_FAILURE(Serve(2));
  for (const std::string& token : tokens_) {
    ASSERT_NO_FATAL_FAILURE(Stall(1, RequestOf(token, "GET", kChanges)));
    ASSERT_NO_FATAL_FAILURE(Stall(1, RequestOf(token, "POST", kQuery, R"({"startingVersion":0})")));
  }
  ASSERT_NO_FATAL_FAILURE(ExpectOthersAnswered());
  ASSERT_NO_FATAL_FAILURE(ExpectStillStreaming());
  // Once they are gone, a reader that reads gets every change, after the two head lines.
  ExpectEveryFile(AfterTheStallsGo({.url = base_ + kChanges}));
}

// A change stream that is not read holds no thread but memory (the commit it is in, its
// buffers): a recipient streams at most SharingOptions::change_streams_per_recipient (2) of them
// at once, the next get a 429.
TEST_F(SlowReadersTest, ARecipientHoldsAtMostTwoChangeStreams) {
  ASSERT_NO_FATAL_FAILURE(Serve(3));
  ASSERT_NO_FATAL_FAILURE(Stall(2, Request("GET", kChanges)));
  ASSERT_NO_FATAL_FAILURE(Stall(2, Request("POST", kQuery, R"({"startingVersion":0})")));
  ASSERT_NO_FATAL_FAILURE(ExpectOthersAnswered());
  EXPECT_EQ(StreamingAndRefused("retry"), 2);
  // Once the streams are gone, their slots are free again.
  Result<http::ClientResponse> changes = AfterTheStallsGo({.url = base_ + kChanges});
  ASSERT_TRUE(changes) << changes.error().ToString();
  EXPECT_EQ(changes->status, 200);
}

// The per-recipient bounds leave the server open to many recipients' stalled streams: all of
// them, snapshot and change feed, count in SharingOptions::max_streams. Past it, any recipient
// gets a 503 with Retry-After and a message saying to retry; the slots come back when the stalled
// clients go.
TEST_F(SlowReadersTest, TheServerHoldsAtMostMaxStreamsOfAllRecipients) {
  ASSERT_NO_FATAL_FAILURE(Serve(2, {.max_streams = 3}));
  ASSERT_NO_FATAL_FAILURE(Stall(1, RequestOf(tokens_[0], "POST", kQuery, "{}")));
  ASSERT_NO_FATAL_FAILURE(Stall(1, RequestOf(tokens_[1], "GET", kChanges)));
  ASSERT_NO_FATAL_FAILURE(Stall(1, RequestOf(tokens_[2], "POST", kQuery, "{}")));
  ASSERT_NO_FATAL_FAILURE(ExpectStillStreaming());
  EXPECT_EQ(MetricValue("lakeshare_sharing_streams_held"), 3);
  ASSERT_NO_FATAL_FAILURE(ExpectOthersAnswered());  // what does not stream is still served
  struct Refused {
    std::string token, method, target, body;
  };
  for (const Refused& r : {Refused{tokens_[0], "POST", kQuery, "{}"},
                           Refused{tokens_[1], "GET", kChanges, ""},
                           Refused{tokens_[2], "POST", kQuery, R"({"startingVersion":0})"}}) {
    Result<http::ClientResponse> refused = Call(r.token, r.method, r.target, r.body);
    ASSERT_TRUE(refused) << refused.error().ToString();
    EXPECT_EQ(refused->status, 503) << r.target;
    EXPECT_EQ(http::test::HeaderOf(*refused, "Retry-After"), "5");
    EXPECT_THAT(refused->body, ::testing::HasSubstr("TEMPORARILY_UNAVAILABLE"));
    EXPECT_THAT(refused->body,
                ::testing::HasSubstr("The server is streaming 3 responses at once, the most it "
                                     "serves at a time; retry in a few seconds"));
  }
  EXPECT_EQ(MetricValue(R"(lakeshare_sharing_streams_refused_total{limit="total"})"), 3);
  stalled_.clear();  // the stalled clients close: their slots come back
  ASSERT_TRUE(WaitForMetric("lakeshare_sharing_streams_held", 0));
  ExpectEveryFile(Call(alice_, "GET", kChanges));
}

// A client that stops reading is cut by the server once a write makes no progress for
// write_timeout; its slot comes back with it, without the client doing anything.
TEST_F(SlowReadersTest, StalledClientsAreCutAndTheirSlotsComeBack) {
  ASSERT_NO_FATAL_FAILURE(Serve(2, {.max_streams = 3, .write_timeout = 1s}));
  for (const std::string& token : tokens_) {
    ASSERT_NO_FATAL_FAILURE(Stall(1, RequestOf(token, "POST", kQuery, "{}")));
  }
  // Each is cut when its socket buffers are full and a part waits for write_timeout.
  ASSERT_TRUE(WaitForMetric("lakeshare_http_write_timeouts_total", 3));
  ASSERT_TRUE(WaitForMetric("lakeshare_sharing_streams_held", 0));
  for (auto& connection : stalled_) {
    std::optional<http::test::RawResponse> head = connection->ReadHead();
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200);
    connection->ReadBody(*head, false, [](std::string_view) {});
    EXPECT_FALSE(head->complete);  // cut: no last chunk
  }
  ExpectEveryFile(Call(alice_, "POST", kQuery, "{}"));
}

}  // namespace
}  // namespace lakeshare::sharing::testing
