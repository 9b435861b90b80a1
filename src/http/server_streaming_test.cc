// Integration tests of streamed responses: chunked and sized streams, backpressure, failures.
// No timing assertions: waits exist only to give a broken implementation the chance to show
// itself (e.g. a producer running ahead), and every check is about behaviour.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <thread>

#include "http/client.h"
#include "http/server.h"
#include "http/server_test_fixture.h"

namespace lakeshare::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;
using namespace lakeshare::http::test;

// ---- Streaming ----

TEST_F(ServerTest, StreamsAMillionLinesPacedByTheSocket) {
  constexpr int64_t kLines = 1'000'000;
  std::atomic<int64_t> produced{0};
  ASSERT_TRUE(router_.Handle("GET", "/stream", [&produced](Request&) -> Result<Response> {
    return Response::Stream(kNdjsonContentType, [&produced](StreamWriter& writer) -> Status {
      for (int64_t i = 0; i < kLines; ++i) {
        std::string line = FileLine(i);
        LS_RETURN_IF_ERROR(writer.Write(line));
        produced += static_cast<int64_t>(line.size());
      }
      return OkStatus();
    });
  }));
  StartServer();

  constexpr int kReceiveBuffer = 128 * 1024;
  RawConnection connection(server_->port(), kReceiveBuffer);
  std::optional<RawResponse> response = connection.SendAndReadHead(Get("/stream"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_TRUE(response->chunked);
  EXPECT_EQ(HeaderOf(*response, "Content-Type"), "application/x-ndjson; charset=utf-8");

  // What may be in flight between the producer and us: the server's send buffer (autotuned up
  // to tcp_wmem's max), our fixed receive buffer (the kernel doubles it), two 256 KiB chunks
  // and slack. The body is 100 MB, so a producer that is not paced blows through this.
  const int64_t bound =
      ReadSysctlMax("/proc/sys/net/ipv4/tcp_wmem", 4 << 20) + 2 * kReceiveBuffer + (2 << 20);
  ASSERT_LT(bound * 4, kLines * 100);

  // Stop reading and give the producer every chance to run ahead; it must stall instead.
  int64_t last = -1;
  for (int i = 0; i < 200 && produced.load() != last; ++i) {
    last = produced.load();
    std::this_thread::sleep_for(25ms);
  }
  int64_t consumed = 0;
  EXPECT_LE(produced.load() - consumed, bound) << "producer ran ahead of the socket";

  int64_t lines = 0;
  int64_t baseline_rss = ResidentBytes();
  int64_t peak_rss = baseline_rss;
  int64_t max_ahead = 0;
  int64_t next_sample = 0;
  int64_t line_length = 0;
  bool lines_ok = true;
  connection.ReadBody(*response, false, [&](std::string_view data) {
    consumed += static_cast<int64_t>(data.size());
    max_ahead = std::max(max_ahead, produced.load() - consumed);
    const char* p = data.data();
    const char* end = p + data.size();
    while (p < end) {
      const char* newline = static_cast<const char*>(std::memchr(p, '\n', end - p));
      if (newline == nullptr) {
        line_length += end - p;
        break;
      }
      line_length += newline - p;
      lines_ok = lines_ok && line_length == 99;
      line_length = 0;
      ++lines;
      p = newline + 1;
    }
    if (consumed >= next_sample) {
      peak_rss = std::max(peak_rss, ResidentBytes());
      next_sample = consumed + (4 << 20);
    }
  });
  EXPECT_TRUE(response->complete);
  EXPECT_EQ(lines, kLines);
  EXPECT_TRUE(lines_ok);
  EXPECT_EQ(consumed, kLines * 100);
  EXPECT_LE(max_ahead, bound) << "producer ran ahead of the socket";
  if (!kSanitized) {  // ASan's quarantine keeps freed chunks resident
    EXPECT_LT(peak_rss - baseline_rss, 48 << 20) << "streaming grew memory";
  }

  // Metrics saw the bytes of the body (recorded once the last write completed: Stop waits).
  server_->Stop(5s);
  std::string metrics = metrics_.Render();
  EXPECT_THAT(metrics,
              HasSubstr(fmt::format("lakeshare_http_response_body_bytes_total{{method=\"GET\","
                                    "route=\"/stream\"}} {}",
                                    kLines * 100)));
}

TEST_F(ServerTest, TheClientConsumesAStreamIncrementally) {
  ASSERT_TRUE(router_.Handle("GET", "/lines/{n}", [](Request& request) -> Result<Response> {
    int64_t n = std::stoll(*request.PathParam("n"));
    auto next = std::make_shared<int64_t>(0);
    return Response::Ndjson([n, next]() -> Result<std::optional<std::string>> {
      if (*next >= n) {
        return std::optional<std::string>();
      }
      return std::optional<std::string>(fmt::format("{{\"n\":{}}}", (*next)++));
    });
  }));
  StartServer();
  Client client;
  int64_t lines = 0;
  int64_t bytes = 0;
  Result<ClientResponse> response =
      client.Send(ClientRequest{.url = Url("/lines/100000")}, [&](std::string_view data) {
        bytes += static_cast<int64_t>(data.size());
        lines += std::count(data.begin(), data.end(), '\n');
        return true;
      });
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "");
  EXPECT_EQ(lines, 100000);
  EXPECT_EQ(HeaderOf(*response, "Transfer-Encoding"), "chunked");

  // A small stream fits one chunk and goes out with a Content-Length instead.
  Result<ClientResponse> small = client.Get(Url("/lines/3"));
  ASSERT_TRUE(small);
  EXPECT_EQ(small->body, "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
  EXPECT_EQ(HeaderOf(*small, "Content-Length"), std::to_string(small->body.size()));
  EXPECT_EQ(client.connections_opened(), 1);

  // HTTP/1.0 has no chunked encoding: the body is raw and ends when the server closes.
  RawConnection old(server_->port());
  std::optional<RawResponse> raw = old.SendAndReadResponse("GET /lines/50000 HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(raw);
  EXPECT_FALSE(raw->chunked);
  EXPECT_EQ(raw->Header("Content-Length"), nullptr);
  EXPECT_EQ(std::count(raw->body.begin(), raw->body.end(), '\n'), 50000);
}

TEST_F(ServerTest, AStreamFailingMidwayIsTruncatedNotEnded) {
  ASSERT_TRUE(router_.Handle("GET", "/fails", [](Request&) -> Result<Response> {
    return Response::Stream(kNdjsonContentType, [](StreamWriter& writer) -> Status {
      LS_RETURN_IF_ERROR(writer.Write("{\"protocol\":{}}\n{\"metaData\":{}}\n"));
      LS_RETURN_IF_ERROR(writer.Flush());  // the client has the headers and two lines now
      for (int i = 0; i < 2000; ++i) {
        LS_RETURN_IF_ERROR(writer.Write(FileLine(i)));
      }
      return CorruptError("checkpoint part 3 of 4 is truncated");
    });
  }));
  StartServer();

  RawConnection connection(server_->port());
  std::optional<RawResponse> response = connection.SendAndReadHead(Get("/fails"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  ASSERT_TRUE(response->chunked);
  connection.ReadBody(*response, false);
  EXPECT_FALSE(response->complete) << "a failed stream must not end with the last chunk";
  EXPECT_THAT(response->body, HasSubstr("{\"metaData\":{}}\n"));
  EXPECT_TRUE(connection.WaitClosed());

  // curl sees a transfer error, not a short but valid body.
  Client client;
  Result<ClientResponse> via_client = client.Get(Url("/fails"));
  ASSERT_FALSE(via_client);
  EXPECT_EQ(via_client.error().code, ErrorCode::kUnavailable);

  EXPECT_THAT(LogsContaining("stream_aborted"), HasSubstr("checkpoint part 3 of 4 is truncated"));
  EXPECT_THAT(metrics_.Render(),
              HasSubstr("lakeshare_http_responses_incomplete_total{route=\"/fails\","
                        "outcome=\"stream_aborted\"} 2"));
}

TEST_F(ServerTest, AStreamFailingBeforeItsFirstChunkGetsAProperError) {
  ASSERT_TRUE(router_.Handle("GET", "/early", [](Request&) -> Result<Response> {
    return Response::Stream(kNdjsonContentType, [](StreamWriter& writer) -> Status {
      LS_RETURN_IF_ERROR(writer.Write("{\"protocol\":{}}\n"));  // buffered, not sent
      return NotFound("Table 'x' does not exist");
    });
  }));
  ASSERT_TRUE(router_.Handle("GET", "/throws-late", [](Request&) -> Result<Response> {
    return Response::Stream(kNdjsonContentType, [](StreamWriter& writer) -> Status {
      LS_RETURN_IF_ERROR(writer.Write("{}\n"));
      LS_RETURN_IF_ERROR(writer.Flush());
      throw std::runtime_error("producer bug");
    });
  }));
  StartServer();
  Client client;
  Result<ClientResponse> response = client.Get(Url("/early"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->body,
            "{\"errorCode\":\"RESOURCE_DOES_NOT_EXIST\",\"message\":\"Table 'x' does not "
            "exist\"}");
  EXPECT_FALSE(client.Get(Url("/throws-late")));
  EXPECT_EQ(client.Get(Url("/hello/ok"))->status, 200);
}

/// Byte `i` of the test bodies: a pattern that shows a misplaced or repeated piece.
char PatternByte(int64_t i) { return static_cast<char>('a' + (i * 7 + i / 977) % 26); }

std::string Pattern(int64_t first, int64_t length) {
  std::string out(static_cast<size_t>(length), '\0');
  for (int64_t i = 0; i < length; ++i) {
    out[static_cast<size_t>(i)] = PatternByte(first + i);
  }
  return out;
}

/// A sized stream of `declared` bytes whose producer writes `actual` bytes in 100 kB pieces.
Response PatternStream(int64_t declared, int64_t actual, std::atomic<int>* runs) {
  BodyProducer producer = [actual, runs](StreamWriter& writer) -> Status {
    ++*runs;
    for (int64_t off = 0; off < actual; off += 100'000) {
      LS_RETURN_IF_ERROR(writer.Write(Pattern(off, std::min<int64_t>(100'000, actual - off))));
    }
    return OkStatus();
  };
  return Response::SizedStream("application/octet-stream", declared, std::move(producer));
}

TEST_F(ServerTest, ASizedStreamGoesOutWithContentLengthAndKeepsTheConnection) {
  std::atomic<int> runs{0};
  ASSERT_TRUE(router_.Handle("GET", "/sized/{n}", [&runs](Request& request) -> Result<Response> {
    int64_t n = std::stoll(*request.PathParam("n"));
    return PatternStream(n, n, &runs);
  }));
  StartServer();

  RawConnection connection(server_->port());
  std::optional<RawResponse> big = connection.SendAndReadResponse(Get("/sized/3000000"));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 200);
  EXPECT_FALSE(big->chunked);
  EXPECT_EQ(HeaderOf(*big, "Content-Length"), "3000000");
  EXPECT_EQ(HeaderOf(*big, "Content-Type"), "application/octet-stream");
  EXPECT_TRUE(big->complete);
  EXPECT_TRUE(big->body == Pattern(0, 3'000'000)) << "body differs from what was written";

  // HEAD announces the length and does not run the producer.
  int runs_before = runs.load();
  std::optional<RawResponse> head = connection.SendAndReadResponse(
      "HEAD /sized/5000000 HTTP/1.1\r\nHost: t\r\n\r\n", /*head_request=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(HeaderOf(*head, "Content-Length"), "5000000");
  EXPECT_EQ(head->Header("Transfer-Encoding"), nullptr);
  EXPECT_EQ(runs.load(), runs_before);

  // A body that fits one chunk, and an empty one, on the same kept-alive connection.
  std::optional<RawResponse> small = connection.SendAndReadResponse(Get("/sized/10"));
  ASSERT_TRUE(small);
  EXPECT_EQ(HeaderOf(*small, "Content-Length"), "10");
  EXPECT_EQ(small->body, Pattern(0, 10));
  std::optional<RawResponse> empty = connection.SendAndReadResponse(Get("/sized/0"));
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 200);
  EXPECT_EQ(HeaderOf(*empty, "Content-Length"), "0");
  EXPECT_EQ(empty->body, "");

  // HTTP/1.0 gets the Content-Length too, so the body does not depend on the close.
  RawConnection old(server_->port());
  std::optional<RawResponse> raw = old.SendAndReadResponse("GET /sized/200000 HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(raw);
  EXPECT_EQ(HeaderOf(*raw, "Content-Length"), "200000");
  EXPECT_TRUE(raw->body == Pattern(0, 200'000));

  // curl reads it too, on one connection.
  Client client;
  Result<ClientResponse> via_client = client.Get(Url("/sized/1000000"));
  ASSERT_TRUE(via_client) << via_client.error().ToString();
  EXPECT_EQ(via_client->body.size(), 1'000'000u);
  EXPECT_EQ(HeaderOf(*via_client, "Content-Length"), "1000000");
  ASSERT_TRUE(client.Get(Url("/sized/1000000")));
  EXPECT_EQ(client.connections_opened(), 1);

  server_->Stop(5s);
  EXPECT_THAT(metrics_.Render(),
              HasSubstr(fmt::format("lakeshare_http_response_body_bytes_total{{method=\"GET\","
                                    "route=\"/sized/{{n}}\"}} {}",
                                    3'000'000 + 10 + 200'000 + 2 * 1'000'000)));
}

TEST_F(ServerTest, ASizedStreamOfTheWrongLengthIsCutShortNeverPadded) {
  std::atomic<int> runs{0};
  ASSERT_TRUE(router_.Handle(
      "GET", "/wrong/{declared}/{actual}", [&runs](Request& request) -> Result<Response> {
        return PatternStream(std::stoll(*request.PathParam("declared")),
                             std::stoll(*request.PathParam("actual")), &runs);
      }));
  StartServer();

  // Too much, after the head went out: the write crossing the declared length fails and the
  // connection closes short of it.
  RawConnection over(server_->port());
  std::optional<RawResponse> response = over.SendAndReadHead(Get("/wrong/950000/1200000"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(HeaderOf(*response, "Content-Length"), "950000");
  over.ReadBody(*response, false);
  EXPECT_FALSE(response->complete);
  EXPECT_LE(response->body.size(), 900'000u);
  EXPECT_TRUE(response->body == Pattern(0, static_cast<int64_t>(response->body.size())));
  EXPECT_TRUE(over.WaitClosed());

  // Too little, after the head went out: the same.
  RawConnection under(server_->port());
  response = under.SendAndReadHead(Get("/wrong/1000000/500000"));
  ASSERT_TRUE(response);
  under.ReadBody(*response, false);
  EXPECT_FALSE(response->complete);
  EXPECT_LE(response->body.size(), 500'000u);
  EXPECT_TRUE(under.WaitClosed());
  Client client;
  Result<ClientResponse> via_client = client.Get(Url("/wrong/1000000/500000"));
  ASSERT_FALSE(via_client) << "curl must see a transfer error, not a short valid body";

  // Too little before anything was sent: a proper 500 instead.
  Result<ClientResponse> early = client.Get(Url("/wrong/100/10"));
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 500);
  EXPECT_THAT(early->body, HasSubstr("INTERNAL_ERROR"));
  EXPECT_THAT(early->body, Not(HasSubstr("Content-Length")));  // detail stays in the log

  EXPECT_EQ(client.Get(Url("/hello/ok"))->status, 200);

  server_->Stop(5s);  // every exchange is logged once Stop returns
  std::string aborted = LogsContaining("stream_aborted");
  EXPECT_THAT(aborted, HasSubstr("more than the declared Content-Length of 950000 bytes"));
  EXPECT_THAT(aborted, HasSubstr("wrote 500000 bytes, not the declared Content-Length of 1000000"));
  EXPECT_THAT(LogsContaining("wrote 10 bytes"), HasSubstr("\"status\":500"));
}

TEST_F(ServerTest, AClientThatStopsReadingIsDroppedByTheWriteTimeout) {
  std::promise<Status> outcome;
  ASSERT_TRUE(router_.Handle("GET", "/endless", [&outcome](Request&) -> Result<Response> {
    return Response::Stream(kNdjsonContentType, [&outcome](StreamWriter& writer) -> Status {
      Status status = OkStatus();
      for (int64_t i = 0; status; ++i) {
        status = writer.Write(FileLine(i));
      }
      outcome.set_value(status);
      return status;
    });
  }));
  StartServer(ServerOptions{.write_timeout = 300ms});
  RawConnection connection(server_->port(), 64 * 1024);
  ASSERT_TRUE(connection.SendAndReadHead(Get("/endless")));
  // We never read again: the producer's Write must eventually fail.
  Status status = outcome.get_future().get();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
}

// ---- Pulled chunked bodies (Response::Pulled, Ndjson) ----

/// An NDJSON body of `lines` numbered lines (100 bytes each) that fails with `error` at line
/// `fail_at` (never when negative).
Response NumberedLines(int64_t lines, int64_t fail_at = -1, Error error = {}) {
  auto next = std::make_shared<int64_t>(0);
  return Response::Ndjson([=]() -> Result<std::optional<std::string>> {
    if (*next == fail_at) return tl::unexpected<Error>(error);
    if (*next >= lines) return std::optional<std::string>();
    return std::optional<std::string>(FileLine((*next)++).substr(0, 99));
  });
}

// Clients that do not read hold no handler thread: each part of an NDJSON body is pulled on a
// handler thread only once the previous one was sent, so other requests are still answered.
TEST_F(ServerTest, SlowReadersOfPulledChunkedBodiesHoldNoHandlerThread) {
  constexpr int64_t kLines = 400'000;  // 40 MB, far more than the socket buffers hold
  ASSERT_TRUE(router_.Handle("GET", "/lines", [](Request&) -> Result<Response> {
    return NumberedLines(kLines);
  }));
  StartServer(ServerOptions{.handler_threads = 2, .write_timeout = 60s});
  std::vector<std::unique_ptr<RawConnection>> stalled =
      StalledReaders(server_->port(), 4, Get("/lines"));
  Client client;
  Result<ClientResponse> hello = client.Send({.url = Url("/hello/x"), .timeout_ms = 10'000});
  ASSERT_TRUE(hello) << hello.error().ToString();
  EXPECT_EQ(hello->status, 200);
  for (auto& connection : stalled) {  // still open, never read
    std::optional<RawResponse> head = connection->ReadHead();
    ASSERT_TRUE(head);
    EXPECT_TRUE(head->chunked);
  }

  // A reader that reads gets every line, in order, and the last chunk; HEAD pulls nothing.
  Result<ClientResponse> all = client.Get(Url("/lines"));
  ASSERT_TRUE(all) << all.error().ToString();
  ASSERT_EQ(all->body.size(), static_cast<size_t>(kLines * 100));
  EXPECT_EQ(all->body.substr(0, 100), FileLine(0).substr(0, 99) + "\n");
  EXPECT_EQ(all->body.substr(all->body.size() - 100), FileLine(kLines - 1).substr(0, 99) + "\n");
  Result<ClientResponse> head = client.Send({.method = "HEAD", .url = Url("/lines")});
  ASSERT_TRUE(head);
  EXPECT_EQ(*head->Header("Transfer-Encoding"), "chunked");
}

TEST_F(ServerTest, APulledChunkedBodyFailingBeforeItsFirstPartGetsAnErrorAndAfterIsTruncated) {
  const Error gone{ErrorCode::kNotFound, "Table 'x' does not exist"};
  ASSERT_TRUE(router_.Handle("GET", "/early", [gone](Request&) -> Result<Response> {
    return NumberedLines(100, 10, gone);  // its first part is not full yet
  }));
  ASSERT_TRUE(router_.Handle("GET", "/late", [gone](Request&) -> Result<Response> {
    return NumberedLines(100'000, 50'000, gone);
  }));
  ASSERT_TRUE(router_.Handle("GET", "/short", [](Request&) -> Result<Response> {
    return NumberedLines(3);
  }));
  StartServer();
  Client client;
  Result<ClientResponse> early = client.Get(Url("/early"));
  ASSERT_TRUE(early);
  EXPECT_EQ(early->status, 404);
  EXPECT_THAT(early->body, HasSubstr("Table 'x' does not exist"));
  Result<ClientResponse> whole = client.Get(Url("/short"));  // one part: sent plainly
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->body.size(), 300u);
  EXPECT_EQ(*whole->Header("Content-Length"), "300");

  RawConnection late(server_->port());
  std::optional<RawResponse> response = late.SendAndReadHead(Get("/late"));
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  ASSERT_TRUE(response->chunked);
  late.ReadBody(*response, false);
  EXPECT_FALSE(response->complete) << "a failed stream must not end with the last chunk";
  EXPECT_GE(response->body.size(), Response::kNdjsonPartBytes);
  EXPECT_TRUE(late.WaitClosed());
  EXPECT_THAT(LogsContaining("stream_aborted"), HasSubstr("Table 'x' does not exist"));
}

// A pulled body's client that stops reading is dropped by the write timeout; its source is then
// called no more and released.
TEST_F(ServerTest, APulledBodyWhoseClientStopsReadingIsDroppedByTheWriteTimeout) {
  auto alive = std::make_shared<int>(0);
  std::weak_ptr<int> watch = alive;
  ASSERT_TRUE(router_.Handle("GET", "/endless", [&alive](Request&) -> Result<Response> {
    return Response::Ndjson([held = std::exchange(alive, nullptr), n = int64_t{0}]() mutable
                            -> Result<std::optional<std::string>> {
      return std::optional<std::string>(FileLine(n++).substr(0, 99));
    });
  }));
  StartServer(ServerOptions{.write_timeout = 300ms});
  RawConnection connection(server_->port(), 64 * 1024);
  ASSERT_TRUE(connection.SendAndReadHead(Get("/endless")));
  // We never read again: the connection is closed and the source released.
  for (int i = 0; i < 200 && !watch.expired(); ++i) std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(watch.expired());
}

// A pulled body's source is released before its exchange is recorded, so what its destructor
// notes (the audit result of a /query whose client went away) is in the record.
TEST_F(ServerTest, APulledBodyIsReleasedBeforeItsAbortedExchangeIsRecorded) {
  struct Source {
    explicit Source(std::shared_ptr<std::atomic<bool>> flag) : released(std::move(flag)) {}
    ~Source() { *released = true; }
    std::shared_ptr<std::atomic<bool>> released;
  };
  auto released = std::make_shared<std::atomic<bool>>(false);
  ASSERT_TRUE(router_.Handle("GET", "/endless", [released](Request&) -> Result<Response> {
    auto source = std::make_shared<Source>(released);
    return Response::Pulled(kNdjsonContentType, [source](std::string& out) -> Result<bool> {
      out.assign(64 << 10, 'x');
      return true;
    });
  }));
  std::promise<bool> released_when_recorded;
  std::atomic<bool> recorded{false};
  router_.AddCompletionHook([&](const Completion& completion) {
    if (completion.outcome != Outcome::kComplete && !recorded.exchange(true)) {
      released_when_recorded.set_value(released->load());
    }
  });
  StartServer(ServerOptions{.write_timeout = 300ms});
  RawConnection connection(server_->port(), 4096);
  ASSERT_TRUE(connection.SendAndReadHead(Get("/endless")));
  // Never read again: the write timeout ends the exchange.
  std::future<bool> result = released_when_recorded.get_future();
  ASSERT_EQ(result.wait_for(30s), std::future_status::ready);
  EXPECT_TRUE(result.get());
}

}  // namespace
}  // namespace lakeshare::http
