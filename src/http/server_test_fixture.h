// Test support for the server's integration tests (server_test.cc, server_streaming_test.cc,
// server_limits_test.cc) and for clients' tests against a real server (admin/cli/client_test.cc):
// a raw-socket HTTP/1.1 client that sees framing and closes exactly, and
// the ServerTest fixture (the real Server on 127.0.0.1:0 with /hello/{name} and POST /echo).
#pragma once

#include <arpa/inet.h>
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/mutex.h"
#include "http/server.h"

namespace lakeshare::http::test {

using namespace std::chrono_literals;

// ---- Raw socket client ----

struct RawResponse {
  int status = 0;
  std::vector<Field> headers;
  std::string body;
  bool chunked = false;
  bool complete = false;  // the body ended as framed (Content-Length reached / last chunk)

  const std::string* Header(std::string_view name) const { return FindHeader(headers, name); }
};

class RawConnection {
 public:
  /// Connect to 127.0.0.1:`port`, from `source` (an address of 127/8) when given.
  explicit RawConnection(uint16_t port, int receive_buffer = 0, const char* source = nullptr) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (source != nullptr) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      inet_pton(AF_INET, source, &local.sin_addr);
      bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof(local));
    }
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

  /// Send `request`, then read the head of its response (the body stays unread); nullopt when
  /// the request could not be sent or no head came back.
  std::optional<RawResponse> SendAndReadHead(std::string_view request) {
    return Send(request) ? ReadHead() : std::nullopt;
  }
  /// Send `request`, then read its whole response (`head_request`: as ReadResponse).
  std::optional<RawResponse> SendAndReadResponse(std::string_view request,
                                                 bool head_request = false) {
    return Send(request) ? ReadResponse(head_request) : std::nullopt;
  }

  /// Bytes received from the socket so far (framing included).
  int64_t received() const { return received_; }
  /// Whether the server has sent bytes this connection has not read yet (they stay unread).
  bool AnswerWaiting() const {
    char byte = 0;
    return !buffer_.empty() || ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 1;
  }

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

inline std::string Get(std::string_view path, std::string_view extra_headers = "") {
  return fmt::format("GET {} HTTP/1.1\r\nHost: test\r\n{}\r\n", path, extra_headers);
}

/// `n` connections to `port` that send `request`, then never read (small receive buffers, so
/// that the server's writes soon wait), returned once the server started answering each of them
/// (its first bytes wait unread): a blocking body then holds its handler thread.
inline std::vector<std::unique_ptr<RawConnection>> StalledReaders(uint16_t port, int n,
                                                                  const std::string& request) {
  std::vector<std::unique_ptr<RawConnection>> stalled;
  for (int i = 0; i < n; ++i) {
    stalled.push_back(std::make_unique<RawConnection>(port, 4096));
    EXPECT_TRUE(stalled.back()->Send(request));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (const auto& connection : stalled) {
    while (!connection->AnswerWaiting() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_TRUE(connection->AnswerWaiting()) << "no answer began within 60 s";
  }
  return stalled;
}

inline int64_t ResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      return std::stoll(line.substr(6)) * 1024;
    }
  }
  return 0;
}

inline int64_t ReadSysctlMax(const char* path, int64_t fallback) {
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
inline std::string FileLine(int64_t i) {
  std::string line = fmt::format(
      "{{\"file\":{{\"url\":\"https://b/part-{:08}.parquet\",\"id\":\"{:08}\",\"size\":{}", i, i,
      1000 + i);
  line.resize(97, ' ');
  line += "}}\n";
  return line;
}

// ---- Fixture ----

/// Lines added from other threads (log sinks, completion hooks), read by the test.
class CollectedLines {
 public:
  void Add(std::string line) LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    lines_.push_back(std::move(line));
  }
  std::vector<std::string> Get() const LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    return lines_;
  }

 private:
  mutable Mutex mu_;
  std::vector<std::string> lines_ LS_GUARDED_BY(mu_);
};

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
    options.log_sink = [this](std::string_view line) { logs_.Add(std::string(line)); };
    server_ = std::make_unique<Server>(std::move(options), router_, metrics_);
    Status started = server_->Start();
    ASSERT_TRUE(started) << started.error().ToString();
    ASSERT_NE(server_->port(), 0);
  }

  std::string Url(std::string_view path) const {
    return fmt::format("http://127.0.0.1:{}{}", server_->port(), path);
  }

  std::vector<std::string> Logs() const { return logs_.Get(); }

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
  CollectedLines logs_;
  std::unique_ptr<Server> server_;  // last: stopped before the router and registry go
};

}  // namespace lakeshare::http::test
