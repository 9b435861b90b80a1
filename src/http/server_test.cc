// Integration tests: the real Server on 127.0.0.1:0, driven by http::Client and by raw sockets.
// No timing assertions: waits exist only to give a broken implementation the chance to show
// itself (e.g. a producer running ahead), and every check is about behaviour.
#include "http/server.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "http/client.h"
#include "http/error_response.h"

namespace lakeshare::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

// ---- Raw socket client ----

struct RawResponse {
  int status = 0;
  std::vector<Field> headers;
  std::string body;
  bool chunked = false;
  bool complete = false;  // the body ended as framed (Content-Length reached / last chunk)

  const std::string* Header(std::string_view name) const {
    for (const Field& field : headers) {
      if (EqualsIgnoreCase(field.first, name)) {
        return &field.second;
      }
    }
    return nullptr;
  }
};

class RawConnection {
 public:
  explicit RawConnection(uint16_t port, int receive_buffer = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    // A safety net so a broken server fails the test instead of hanging it.
    timeval timeout{60, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    if (receive_buffer > 0) {
      // Fixing the buffer turns off autotuning, so the bytes in flight are bounded.
      setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) {
      close(fd_);
    }
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) {
        return false;
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  /// Read more bytes into the buffer; false at EOF, reset or the safety timeout.
  bool Fill() {
    char chunk[65536];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) {
      last_errno_ = n == 0 ? 0 : errno;
      return false;
    }
    received_ += n;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  /// True when the server closed the connection (EOF or reset), false on the safety timeout.
  bool WaitClosed() {
    while (Fill()) {
      buffer_.clear();
    }
    return last_errno_ != EAGAIN && last_errno_ != EWOULDBLOCK;
  }

  std::optional<RawResponse> ReadHead() {
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) {
        return std::nullopt;
      }
    }
    RawResponse response;
    std::string head = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.size() < 12) {
      return std::nullopt;
    }
    response.status = std::stoi(status_line.substr(9, 3));
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t next = head.find("\r\n", pos);
      if (next == std::string::npos) {
        next = head.size();
      }
      std::string line = head.substr(pos, next - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(' '));
        response.headers.emplace_back(line.substr(0, colon), value);
      }
      pos = next + 2;
    }
    const std::string* te = response.Header("Transfer-Encoding");
    response.chunked = te != nullptr && *te == "chunked";
    return response;
  }

  /// Read the body of `response` (head already read). `on_data` gets body bytes as they are
  /// de-chunked; when set, the body is not kept.
  void ReadBody(RawResponse& response, bool head_request,
                const std::function<void(std::string_view)>& on_data = nullptr) {
    auto deliver = [&](std::string_view data) {
      if (on_data) {
        on_data(data);
      } else {
        response.body.append(data);
      }
    };
    if (head_request || response.status == 204 || response.status == 304) {
      response.complete = true;
      return;
    }
    if (response.chunked) {
      while (true) {
        size_t line_end;
        while ((line_end = buffer_.find("\r\n")) == std::string::npos) {
          if (!Fill()) {
            return;  // truncated
          }
        }
        size_t size = std::stoul(buffer_.substr(0, line_end), nullptr, 16);
        buffer_.erase(0, line_end + 2);
        if (size == 0) {
          while (buffer_.size() < 2) {
            if (!Fill()) {
              return;
            }
          }
          buffer_.erase(0, 2);
          response.complete = true;
          return;
        }
        size_t left = size;
        while (left > 0) {
          if (buffer_.empty() && !Fill()) {
            return;
          }
          size_t take = std::min(left, buffer_.size());
          deliver(std::string_view(buffer_).substr(0, take));
          buffer_.erase(0, take);
          left -= take;
        }
        while (buffer_.size() < 2) {
          if (!Fill()) {
            return;
          }
        }
        buffer_.erase(0, 2);
      }
    }
    const std::string* length = response.Header("Content-Length");
    if (length != nullptr) {
      size_t want = std::stoul(*length);
      while (buffer_.size() < want) {
        if (!Fill()) {
          return;
        }
      }
      deliver(std::string_view(buffer_).substr(0, want));
      buffer_.erase(0, want);
      response.complete = true;
      return;
    }
    while (Fill()) {
    }
    deliver(buffer_);
    buffer_.clear();
    response.complete = true;  // delimited by close
  }

  std::optional<RawResponse> ReadResponse(bool head_request = false) {
    std::optional<RawResponse> response = ReadHead();
    if (response) {
      ReadBody(*response, head_request);
    }
    return response;
  }

  /// Bytes received from the socket so far (framing included).
  int64_t received() const { return received_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
  int last_errno_ = 0;
  int64_t received_ = 0;
};

/// A header's value, or "<missing>", so a failing check reports instead of crashing.
template <typename R>
std::string HeaderOf(const R& response, std::string_view name) {
  const std::string* value = response.Header(name);
  return value == nullptr ? "<missing>" : *value;
}

std::string Get(std::string_view path, std::string_view extra_headers = "") {
  return fmt::format("GET {} HTTP/1.1\r\nHost: test\r\n{}\r\n", path, extra_headers);
}

int64_t ResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stoll(line.substr(6)) * 1024;
    }
  }
  return 0;
}

int64_t ReadSysctlMax(const char* path, int64_t fallback) {
  std::ifstream file(path);
  int64_t min = 0;
  int64_t def = 0;
  int64_t max = 0;
  if (file >> min >> def >> max) {
    return max;
  }
  return fallback;
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

/// A fixed-size NDJSON line (100 bytes with its '\n'), like an `add` action.
std::string FileLine(int64_t i) {
  std::string line = fmt::format(
      "{{\"file\":{{\"url\":\"https://b/part-{:08}.parquet\",\"id\":\"{:08}\",\"size\":{}", i, i,
      1000 + i);
  line.resize(97, ' ');
  line += "}}\n";
  return line;
}

// ---- Fixture ----

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(router_.Handle("GET", "/hello/{name}", [](Request& request) -> Result<Response> {
      return Response::Json(fmt::format("{{\"hello\":\"{}\"}}", *request.PathParam("name")));
    }));
    ASSERT_TRUE(router_.Handle("POST", "/echo", [](Request& request) -> Result<Response> {
      return Response::Text(request.body());
    }));
  }

  void TearDown() override {
    if (server_) {
      server_->Stop(5s);
    }
  }

  void StartServer(ServerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    if (options.io_threads == 0) {
      options.io_threads = 2;
    }
    if (options.handler_threads == 0) {
      options.handler_threads = 8;
    }
    options.log_sink = [this](std::string_view line) {
      std::lock_guard<std::mutex> lock(log_mu_);
      logs_.emplace_back(line);
    };
    server_ = std::make_unique<Server>(std::move(options), router_, metrics_);
    Status started = server_->Start();
    ASSERT_TRUE(started) << started.error().ToString();
    ASSERT_NE(server_->port(), 0);
  }

  std::string Url(std::string_view path) const {
    return fmt::format("http://127.0.0.1:{}{}", server_->port(), path);
  }

  std::vector<std::string> Logs() {
    std::lock_guard<std::mutex> lock(log_mu_);
    return logs_;
  }

  std::string LogsContaining(std::string_view needle) {
    std::string out;
    for (const std::string& line : Logs()) {
      if (line.find(needle) != std::string::npos) {
        out += line + "\n";
      }
    }
    return out;
  }

  Router router_;
  MetricsRegistry metrics_;
  std::mutex log_mu_;
  std::vector<std::string> logs_;
  std::unique_ptr<Server> server_;  // last: stopped before the router and registry go
};

// ---- Basics ----

TEST_F(ServerTest, AnswersOnAFreePortWithTheClient) {
  StartServer();
  Client client;
  Result<ClientResponse> response = client.Get(Url("/hello/world"));
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "{\"hello\":\"world\"}");
  EXPECT_EQ(HeaderOf(*response, "content-type"), "application/json; charset=utf-8");
  EXPECT_NE(response->Header("X-Request-Id"), nullptr);
  EXPECT_NE(response->Header("Date"), nullptr);
}

TEST_F(ServerTest, ListensOnIpv6LoopbackWhenTheMachineHasIt) {
  std::vector<std::string> seen;
  std::mutex mu;
  router_.AddCompletionHook([&](const Completion& completion) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(completion.request.remote_address());
  });
  Server server(ServerOptions{.listen = "[::1]:0",
                              .io_threads = 1,
                              .handler_threads = 2,
                              .log_sink = [](std::string_view) {}},
                router_, metrics_);
  Status started = server.Start();
  if (!started) {
    GTEST_SKIP() << "no IPv6 loopback: " << started.error().ToString();
  }
  Client client;
  Result<ClientResponse> response =
      client.Get(fmt::format("http://[::1]:{}/hello/six", server.port()));
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->status, 200);
  server.Stop(5s);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_THAT(seen, ::testing::ElementsAre("::1"));
}

TEST_F(ServerTest, TheClientSendsHeadersRangesAndCustomMethods) {
  ASSERT_TRUE(router_.Handle("GET", "/headers", [](Request& request) -> Result<Response> {
    const std::string* range = request.Header("Range");
    const std::string* custom = request.Header("X-Custom");
    return Response::Text(fmt::format("{}|{}", range ? *range : "-", custom ? *custom : "-"));
  }));
  ASSERT_TRUE(router_.Handle("DELETE", "/headers", [](Request& request) -> Result<Response> {
    return Response::Text("deleted " + request.body(), 202);
  }));
  StartServer();
  Client client;
  ClientRequest request{.url = Url("/headers"),
                        .headers = {{"X-Custom", "yes"}},
                        .range = ByteRange{.first = 2, .last = 5}};
  EXPECT_EQ(client.Send(request)->body, "bytes=2-5|yes");
  request.range = ByteRange{.first = 7};
  EXPECT_EQ(client.Send(request)->body, "bytes=7-|yes");
  ClientRequest remove{.method = "DELETE", .url = Url("/headers"), .body = "it"};
  Result<ClientResponse> removed = client.Send(remove);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->status, 202);
  EXPECT_EQ(removed->body, "deleted it");

  Client limited(ClientOptions{.max_body_bytes = 4});
  Result<ClientResponse> too_big = limited.Get(Url("/hello/long-name"));
  ASSERT_FALSE(too_big);
  EXPECT_EQ(too_big.error().code, ErrorCode::kResourceExhausted);

  Result<ClientResponse> refused = client.Get("http://127.0.0.1:1/x?token=SECRET");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(refused.error().message, Not(HasSubstr("SECRET")));
}

TEST_F(ServerTest, BindingATakenPortFails) {
  StartServer();
  Server second(ServerOptions{.listen = fmt::format("127.0.0.1:{}", server_->port()),
                              .log_sink = [](std::string_view) {}},
                router_, metrics_);
  Status status = second.Start();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  Server bad(ServerOptions{.listen = "nonsense", .log_sink = [](std::string_view) {}}, router_,
             metrics_);
  EXPECT_EQ(bad.Start().error().code, ErrorCode::kInvalidArgument);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServer();
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.connected());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(connection.Send(Get(fmt::format("/hello/n{}", i))));
    std::optional<RawResponse> response = connection.ReadResponse();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, fmt::format("{{\"hello\":\"n{}\"}}", i));
  }
  // Pipelined: both requests in one write, answered in order.
  ASSERT_TRUE(connection.Send(Get("/hello/p1") + Get("/hello/p2")));
  EXPECT_EQ(connection.ReadResponse()->body, "{\"hello\":\"p1\"}");
  EXPECT_EQ(connection.ReadResponse()->body, "{\"hello\":\"p2\"}");

  // The curl client reuses its connection too.
  Client client;
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(client.Get(Url("/hello/c"))->status, 200);
  }
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(ServerTest, ConnectionCloseAndHttp10AreHonoured) {
  StartServer();
  RawConnection closing(server_->port());
  ASSERT_TRUE(closing.Send(Get("/hello/x", "Connection: close\r\n")));
  std::optional<RawResponse> response = closing.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(HeaderOf(*response, "Connection"), "close");
  EXPECT_TRUE(closing.WaitClosed());

  RawConnection old(server_->port());
  ASSERT_TRUE(old.Send("GET /hello/old HTTP/1.0\r\n\r\n"));
  response = old.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "{\"hello\":\"old\"}");
  EXPECT_TRUE(old.WaitClosed());
}

TEST_F(ServerTest, HeadAnswersHeadersOnly) {
  StartServer();
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send("HEAD /hello/abc HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::optional<RawResponse> head = connection.ReadResponse(/*head_request=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(HeaderOf(*head, "Content-Length"), "15");  // {"hello":"abc"}
  // No body bytes leaked: the next response parses cleanly.
  ASSERT_TRUE(connection.Send(Get("/hello/after")));
  std::optional<RawResponse> next = connection.ReadResponse();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "{\"hello\":\"after\"}");

  Client client;
  Result<ClientResponse> missing = client.Head(Url("/nope"));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->body, "");
}

TEST_F(ServerTest, UnknownRoutesAndWrongMethodsGetJsonErrors) {
  StartServer();
  Client client;
  Result<ClientResponse> missing = client.Get(Url("/no/such/thing"));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_THAT(missing->body, HasSubstr("\"errorCode\":\"RESOURCE_DOES_NOT_EXIST\""));
  Result<ClientResponse> wrong = client.Post(Url("/hello/x"), "{}");
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(HeaderOf(*wrong, "Allow"), "GET, HEAD");
  Result<ClientResponse> bad_escape = client.Get(Url("/hello/%zz"));
  ASSERT_TRUE(bad_escape);
  EXPECT_EQ(bad_escape->status, 400);
  EXPECT_THAT(bad_escape->body, HasSubstr("MALFORMED_REQUEST"));
}

TEST_F(ServerTest, PostBodiesArriveWithContentLengthChunkedAndExpectContinue) {
  StartServer();
  Client client;
  std::string body(200'000, 'b');
  Result<ClientResponse> echoed = client.Post(Url("/echo"), body);
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->status, 200);
  EXPECT_EQ(echoed->body, body);

  RawConnection chunked(server_->port());
  ASSERT_TRUE(
      chunked.Send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
  EXPECT_EQ(chunked.ReadResponse()->body, "hello world");

  RawConnection expecting(server_->port());
  ASSERT_TRUE(expecting.Send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  std::optional<RawResponse> interim = expecting.ReadHead();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(expecting.Send("ping"));
  EXPECT_EQ(expecting.ReadResponse()->body, "ping");
}

// ---- Limits, timeouts, malformed input ----

TEST_F(ServerTest, OversizedHeadersGet431AndTheConnectionCloses) {
  StartServer(ServerOptions{.max_header_bytes = 1024});
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send(Get("/hello/x", "X-Big: " + std::string(4000, 'h') + "\r\n")));
  std::optional<RawResponse> response = connection.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431);
  EXPECT_THAT(response->body, HasSubstr("\"errorCode\":\"MALFORMED_REQUEST\""));
  EXPECT_TRUE(connection.WaitClosed());
  EXPECT_EQ(Client().Get(Url("/hello/still"))->status, 200);
}

TEST_F(ServerTest, OversizedBodiesGet413AndTheConnectionCloses) {
  StartServer(ServerOptions{.max_body_bytes = 1000});
  // Announced too big: refused before the body is read.
  RawConnection announced(server_->port());
  ASSERT_TRUE(announced.Send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n"));
  std::optional<RawResponse> response = announced.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_THAT(response->body, HasSubstr("Request body exceeds 1000 bytes"));
  EXPECT_TRUE(announced.WaitClosed());

  // Chunked: refused once it grows past the limit.
  RawConnection chunked(server_->port());
  std::string request = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 20; ++i) {
    request += "64\r\n" + std::string(100, 'x') + "\r\n";
  }
  ASSERT_TRUE(chunked.Send(request));
  response = chunked.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_TRUE(chunked.WaitClosed());

  Client client;
  Result<ClientResponse> small = client.Post(Url("/echo"), std::string(1000, 's'));
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 200);
}

TEST_F(ServerTest, SlowClientsAreCutOffByTheReadTimeout) {
  StartServer(ServerOptions{.read_timeout = 300ms, .idle_timeout = 60s});
  // Slowloris: a byte at a time keeps arriving, but the request never completes in time.
  RawConnection slow(server_->port());
  std::string request = Get("/hello/slow");
  bool closed = false;
  for (size_t i = 0; i < request.size() - 2; ++i) {
    if (!slow.Send(request.substr(i, 1))) {
      closed = true;
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  if (!closed) {
    EXPECT_TRUE(slow.WaitClosed());
  }
  // A stalled partial request is closed too, and the server keeps serving.
  RawConnection stalled(server_->port());
  ASSERT_TRUE(stalled.Send("GET /hello/x HTTP/1.1\r\nHost:"));
  EXPECT_TRUE(stalled.WaitClosed());
  EXPECT_EQ(Client().Get(Url("/hello/fine"))->status, 200);
}

TEST_F(ServerTest, IdleKeepAliveConnectionsAreClosed) {
  StartServer(ServerOptions{.idle_timeout = 200ms});
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send(Get("/hello/x")));
  ASSERT_EQ(connection.ReadResponse()->status, 200);
  EXPECT_TRUE(connection.WaitClosed());
}

TEST_F(ServerTest, MalformedHttpGets400AndOthersAreStillServed) {
  StartServer();
  RawConnection healthy(server_->port());
  ASSERT_TRUE(healthy.Send(Get("/hello/before")));
  ASSERT_EQ(healthy.ReadResponse()->status, 200);

  for (std::string_view garbage :
       {"GARBAGE\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "GET /hello/x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"}) {
    SCOPED_TRACE(std::string(garbage));
    RawConnection bad(server_->port());
    ASSERT_TRUE(bad.Send(garbage));
    std::optional<RawResponse> response = bad.ReadResponse();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 400);
    EXPECT_THAT(response->body, HasSubstr("\"errorCode\":\"MALFORMED_REQUEST\""));
    EXPECT_EQ(HeaderOf(*response, "Connection"), "close");
    EXPECT_TRUE(bad.WaitClosed());
  }
  ASSERT_TRUE(healthy.Send(Get("/hello/after")));
  EXPECT_EQ(healthy.ReadResponse()->body, "{\"hello\":\"after\"}");
  // Refusals are logged like any exchange, with the peer.
  EXPECT_THAT(LogsContaining("\"status\":400"), HasSubstr("\"remote\":\"127.0.0.1\""));
}

TEST_F(ServerTest, AThrowingHandlerGets500AndTheServerLives) {
  ASSERT_TRUE(router_.Handle("GET", "/throw", [](Request&) -> Result<Response> {
    throw std::runtime_error("boom at /srv/secret/path");
  }));
  StartServer();
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send(Get("/throw")));
  std::optional<RawResponse> response = connection.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
  EXPECT_THAT(response->body, HasSubstr("\"errorCode\":\"INTERNAL_ERROR\""));
  EXPECT_THAT(response->body, Not(HasSubstr("secret")));
  const std::string* id = response->Header("X-Request-Id");
  ASSERT_NE(id, nullptr);
  EXPECT_THAT(response->body, HasSubstr(*id));
  // The detail is in the log, under the request id.
  std::string logged = LogsContaining(*id);
  EXPECT_THAT(logged, HasSubstr("boom at /srv/secret/path"));
  // Same connection, next request.
  ASSERT_TRUE(connection.Send(Get("/hello/alive")));
  EXPECT_EQ(connection.ReadResponse()->status, 200);
}

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
  ASSERT_TRUE(connection.Send(Get("/stream")));
  std::optional<RawResponse> response = connection.ReadHead();
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
  ASSERT_TRUE(old.Send("GET /lines/50000 HTTP/1.0\r\n\r\n"));
  std::optional<RawResponse> raw = old.ReadResponse();
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
  ASSERT_TRUE(connection.Send(Get("/fails")));
  std::optional<RawResponse> response = connection.ReadHead();
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
  ASSERT_TRUE(connection.Send(Get("/sized/3000000")));
  std::optional<RawResponse> big = connection.ReadResponse();
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 200);
  EXPECT_FALSE(big->chunked);
  EXPECT_EQ(HeaderOf(*big, "Content-Length"), "3000000");
  EXPECT_EQ(HeaderOf(*big, "Content-Type"), "application/octet-stream");
  EXPECT_TRUE(big->complete);
  EXPECT_TRUE(big->body == Pattern(0, 3'000'000)) << "body differs from what was written";

  // HEAD announces the length and does not run the producer.
  int runs_before = runs.load();
  ASSERT_TRUE(connection.Send("HEAD /sized/5000000 HTTP/1.1\r\nHost: t\r\n\r\n"));
  std::optional<RawResponse> head = connection.ReadResponse(/*head_request=*/true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(HeaderOf(*head, "Content-Length"), "5000000");
  EXPECT_EQ(head->Header("Transfer-Encoding"), nullptr);
  EXPECT_EQ(runs.load(), runs_before);

  // A body that fits one chunk, and an empty one, on the same kept-alive connection.
  ASSERT_TRUE(connection.Send(Get("/sized/10")));
  std::optional<RawResponse> small = connection.ReadResponse();
  ASSERT_TRUE(small);
  EXPECT_EQ(HeaderOf(*small, "Content-Length"), "10");
  EXPECT_EQ(small->body, Pattern(0, 10));
  ASSERT_TRUE(connection.Send(Get("/sized/0")));
  std::optional<RawResponse> empty = connection.ReadResponse();
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 200);
  EXPECT_EQ(HeaderOf(*empty, "Content-Length"), "0");
  EXPECT_EQ(empty->body, "");

  // HTTP/1.0 gets the Content-Length too, so the body does not depend on the close.
  RawConnection old(server_->port());
  ASSERT_TRUE(old.Send("GET /sized/200000 HTTP/1.0\r\n\r\n"));
  std::optional<RawResponse> raw = old.ReadResponse();
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
  ASSERT_TRUE(over.Send(Get("/wrong/950000/1200000")));
  std::optional<RawResponse> response = over.ReadHead();
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
  ASSERT_TRUE(under.Send(Get("/wrong/1000000/500000")));
  response = under.ReadHead();
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
  ASSERT_TRUE(connection.Send(Get("/endless")));
  ASSERT_TRUE(connection.ReadHead());
  // We never read again: the producer's Write must eventually fail.
  Status status = outcome.get_future().get();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
}

// ---- Shutdown ----

TEST_F(ServerTest, StopLetsAnInFlightStreamFinishAndRefusesNewConnections) {
  std::promise<void> first_line_sent;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ASSERT_TRUE(router_.Handle("GET", "/slow", [&](Request&) -> Result<Response> {
    return Response::Stream(kNdjsonContentType, [&](StreamWriter& writer) -> Status {
      LS_RETURN_IF_ERROR(writer.Write("{\"line\":0}\n"));
      LS_RETURN_IF_ERROR(writer.Flush());
      first_line_sent.set_value();
      released.wait();
      for (int i = 1; i < 50; ++i) {
        LS_RETURN_IF_ERROR(writer.Write(fmt::format("{{\"line\":{}}}\n", i)));
        LS_RETURN_IF_ERROR(writer.Flush());
        std::this_thread::sleep_for(5ms);
      }
      return OkStatus();
    });
  }));
  StartServer();
  uint16_t port = server_->port();

  RawConnection idle(port);  // keep-alive, between requests
  ASSERT_TRUE(idle.Send(Get("/hello/idle")));
  ASSERT_EQ(idle.ReadResponse()->status, 200);

  RawConnection streaming(port);
  ASSERT_TRUE(streaming.Send(Get("/slow")));
  std::optional<RawResponse> response = streaming.ReadHead();
  ASSERT_TRUE(response);
  first_line_sent.get_future().wait();

  std::thread stopper([this] { server_->Stop(60s); });
  // New connections are refused once the acceptor is closed.
  bool refused = false;
  for (int i = 0; i < 1000 && !refused; ++i) {
    RawConnection attempt(port);
    refused = !attempt.connected();
    if (!refused) {
      std::this_thread::sleep_for(10ms);
    }
  }
  EXPECT_TRUE(refused);
  EXPECT_TRUE(idle.WaitClosed()) << "idle keep-alive connections are closed at once";

  release.set_value();
  streaming.ReadBody(*response, false);
  stopper.join();
  EXPECT_TRUE(response->complete);
  EXPECT_EQ(std::count(response->body.begin(), response->body.end(), '\n'), 50);
  EXPECT_TRUE(streaming.WaitClosed()) << "draining: no keep-alive after the stream";
}

TEST_F(ServerTest, StopCutsStreamsThatOutliveTheGracePeriod) {
  std::promise<void> started;
  std::atomic<bool> saw_error{false};
  ASSERT_TRUE(router_.Handle("GET", "/forever", [&](Request&) -> Result<Response> {
    return Response::Stream(kNdjsonContentType, [&](StreamWriter& writer) -> Status {
      LS_RETURN_IF_ERROR(writer.Write("{}\n"));
      LS_RETURN_IF_ERROR(writer.Flush());
      started.set_value();
      while (true) {
        Status status = writer.Write("{}\n");
        if (status) {
          status = writer.Flush();
        }
        if (!status) {
          saw_error = true;
          return status;
        }
        std::this_thread::sleep_for(5ms);
      }
    });
  }));
  StartServer();
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send(Get("/forever")));
  std::optional<RawResponse> response = connection.ReadHead();
  ASSERT_TRUE(response);
  started.get_future().wait();
  std::thread reader([&] { connection.ReadBody(*response, false); });
  server_->Stop(200ms);  // returns: the producer saw its writes fail
  reader.join();
  EXPECT_TRUE(saw_error);
  EXPECT_FALSE(response->complete);
  server_.reset();
}

// ---- Concurrency ----

TEST_F(ServerTest, ServesManyConcurrentKeepAliveClients) {
  StartServer(ServerOptions{.io_threads = 2, .handler_threads = 8});
  constexpr int kClients = 64;
  constexpr int kRequests = 100;
  std::atomic<int> ok{0};
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      Client client;
      for (int r = 0; r < kRequests; ++r) {
        std::string name = fmt::format("c{}r{}", c, r);
        Result<ClientResponse> response = client.Get(Url("/hello/" + name));
        if (response && response->status == 200 &&
            response->body == "{\"hello\":\"" + name + "\"}") {
          ++ok;
        } else {
          ++wrong;
        }
      }
      if (client.connections_opened() != 1) {
        ++wrong;
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(ok.load(), kClients * kRequests);
  EXPECT_EQ(wrong.load(), 0);
  server_->Stop(5s);  // every exchange is recorded once Stop returns
  Counter& requests =
      metrics_.AddCounter("lakeshare_http_requests_total", "", {"method", "route", "status"});
  EXPECT_EQ(requests.Value({"GET", "/hello/{name}", "200"}), kClients * kRequests);
}

// ---- Operations: health, readiness, metrics, logs ----

TEST_F(ServerTest, ServesHealthReadinessAndMetrics) {
  std::atomic<bool> ready{false};
  StartServer(ServerOptions{.readiness = [&ready] { return ready.load(); }});
  Client client;
  EXPECT_EQ(client.Get(Url("/healthz"))->status, 200);
  EXPECT_EQ(client.Get(Url("/readyz"))->status, 503);
  ready = true;
  EXPECT_EQ(client.Get(Url("/readyz"))->status, 200);
  ASSERT_EQ(client.Get(Url("/hello/m"))->status, 200);
  ASSERT_EQ(client.Get(Url("/missing"))->status, 404);
  Result<ClientResponse> metrics = client.Get(Url("/metrics"));
  ASSERT_TRUE(metrics);
  EXPECT_EQ(HeaderOf(*metrics, "Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(metrics->body,
              HasSubstr("lakeshare_http_requests_total{method=\"GET\",route=\"/hello/{name}\","
                        "status=\"200\"} 1\n"));
  EXPECT_THAT(metrics->body,
              HasSubstr("lakeshare_http_requests_total{method=\"GET\",route=\"unmatched\","
                        "status=\"404\"} 1\n"));
  EXPECT_THAT(metrics->body,
              HasSubstr("lakeshare_http_request_duration_seconds_count{method=\"GET\","
                        "route=\"/hello/{name}\",status=\"200\"} 1\n"));
  EXPECT_THAT(metrics->body, HasSubstr("# TYPE lakeshare_http_connections_open gauge"));
}

TEST_F(ServerTest, AccessLogIsJsonAndNeverShowsSecrets) {
  router_.SetAuthenticator([](Request& request) -> Status {
    const std::string* header = request.Header("Authorization");
    if (header == nullptr || *header != "Bearer s3cr3t-t0ken") {
      return MakeError(ErrorCode::kUnauthenticated, "Invalid bearer token");
    }
    request.set_principal("recipient:acme");
    return OkStatus();
  });
  std::vector<std::string> audited;
  std::mutex audit_mu;
  router_.AddCompletionHook([&](const Completion& completion) {
    std::lock_guard<std::mutex> lock(audit_mu);
    audited.push_back(fmt::format("{} {} {}", completion.request.principal(), completion.status,
                                  completion.request.route()));
  });
  StartServer();
  Client client;
  Result<ClientResponse> response =
      client.Get(Url("/hello/x?maxResults=5&pageToken=PAGE-SECRET&token=T-SECRET"),
                 {{"Authorization", "Bearer s3cr3t-t0ken"},
                  {"X-Request-Id", "trace-1"},
                  {"User-Agent", "delta-sharing/1.1"}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(HeaderOf(*response, "X-Request-Id"), "trace-1");
  Result<ClientResponse> denied =
      client.Get(Url("/hello/y"), {{"Authorization", "Bearer wrong-token"}});
  ASSERT_TRUE(denied);
  EXPECT_EQ(denied->status, 401);

  std::string line = LogsContaining("trace-1");
  ASSERT_FALSE(line.empty());
  EXPECT_THAT(line, HasSubstr("\"event\":\"http_request\""));
  EXPECT_THAT(line, HasSubstr("\"status\":200"));
  EXPECT_THAT(line, HasSubstr("\"route\":\"/hello/{name}\""));
  EXPECT_THAT(line, HasSubstr("\"principal\":\"recipient:acme\""));
  EXPECT_THAT(line, HasSubstr("\"remote\":\"127.0.0.1\""));
  EXPECT_THAT(line, HasSubstr("maxResults=5"));
  EXPECT_THAT(line, HasSubstr("\"user_agent\":\"delta-sharing/1.1\""));
  for (const std::string& log : Logs()) {
    EXPECT_THAT(log, Not(HasSubstr("s3cr3t")));
    EXPECT_THAT(log, Not(HasSubstr("wrong-token")));
    EXPECT_THAT(log, Not(HasSubstr("SECRET")));
    EXPECT_EQ(log.front(), '{');
    EXPECT_EQ(log.back(), '}');
  }
  server_->Stop(5s);  // completion hooks have all run once Stop returns
  std::lock_guard<std::mutex> lock(audit_mu);
  EXPECT_THAT(audited,
              ::testing::ElementsAre("recipient:acme 200 /hello/{name}", " 401 /hello/{name}"));
}

// ---- TLS ----

bool WriteSelfSignedCertificate(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* certificate = X509_new();
  if (key == nullptr || certificate == nullptr) {
    return false;
  }
  X509_set_version(certificate, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(certificate), 1);
  X509_gmtime_adj(X509_getm_notBefore(certificate), -3600);
  X509_gmtime_adj(X509_getm_notAfter(certificate), 3600);
  X509_set_pubkey(certificate, key);
  X509_NAME* name = X509_get_subject_name(certificate);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(certificate, name);
  bool ok = X509_sign(certificate, key, EVP_sha256()) > 0;
  FILE* key_file = std::fopen(key_path.c_str(), "w");
  FILE* cert_file = std::fopen(cert_path.c_str(), "w");
  ok = ok && key_file != nullptr && cert_file != nullptr &&
       PEM_write_PrivateKey(key_file, key, nullptr, nullptr, 0, nullptr, nullptr) == 1 &&
       PEM_write_X509(cert_file, certificate) == 1;
  if (key_file != nullptr) {
    std::fclose(key_file);
  }
  if (cert_file != nullptr) {
    std::fclose(cert_file);
  }
  X509_free(certificate);
  EVP_PKEY_free(key);
  return ok;
}

TEST_F(ServerTest, ServesHttpsWithCertificateFiles) {
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / fmt::format("lakeshare_tls_{}", getpid());
  std::filesystem::create_directories(dir);
  std::string cert = (dir / "cert.pem").string();
  std::string key = (dir / "key.pem").string();
  ASSERT_TRUE(WriteSelfSignedCertificate(cert, key));
  ASSERT_TRUE(router_.Handle("GET", "/lines", [](Request&) -> Result<Response> {
    auto next = std::make_shared<int>(0);
    return Response::Ndjson([next]() -> Result<std::optional<std::string>> {
      if (*next >= 20000) {
        return std::optional<std::string>();
      }
      return std::optional<std::string>(FileLine((*next)++).substr(0, 99));
    });
  }));
  StartServer(ServerOptions{.tls_cert_file = cert, .tls_key_file = key});
  std::string base = fmt::format("https://127.0.0.1:{}", server_->port());

  Client client(ClientOptions{.insecure_skip_verify = true});
  Result<ClientResponse> response = client.Get(base + "/hello/tls");
  ASSERT_TRUE(response) << response.error().ToString();
  EXPECT_EQ(response->body, "{\"hello\":\"tls\"}");
  Result<ClientResponse> streamed = client.Get(base + "/lines");
  ASSERT_TRUE(streamed) << streamed.error().ToString();
  EXPECT_EQ(streamed->body.size(), 20000u * 100);
  EXPECT_EQ(client.connections_opened(), 1);

  // Plain HTTP to the TLS port is not served.
  Client plain;
  Result<ClientResponse> refused =
      plain.Get(fmt::format("http://127.0.0.1:{}/hello/x", server_->port()));
  EXPECT_TRUE(!refused || refused->status != 200);

  Server bad(ServerOptions{.tls_cert_file = cert,
                           .tls_key_file = cert + ".missing",
                           .log_sink = [](std::string_view) {}},
             router_, metrics_);
  EXPECT_EQ(bad.Start().error().code, ErrorCode::kInvalidArgument);
  std::filesystem::remove_all(dir);
}

// ---- Signals ----

TEST(ShutdownSignalTest, WaitReturnsTheDeliveredSignal) {
  BlockShutdownSignals();
  raise(SIGTERM);  // thread-directed, so it stays pending for the blocked thread
  EXPECT_EQ(WaitForShutdownSignal(), SIGTERM);
  raise(SIGINT);
  EXPECT_EQ(WaitForShutdownSignal(), SIGINT);
}

}  // namespace
}  // namespace lakeshare::http
