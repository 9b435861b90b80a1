// Integration tests of the connection limits (issue 10, "idle sockets lock everyone out"): the
// real Server on 127.0.0.1:0, raw sockets from distinct addresses of 127/8. No timing
// assertions: timeouts are short so that the tests end quickly, and every check is about what
// happened (closed or served, counters), not how fast.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "http/client.h"
#include "http/server_test_fixture.h"

namespace lakeshare::http {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;
using namespace lakeshare::http::test;

class ServerLimitsTest : public ServerTest {
 protected:
  double CounterValue(const std::string& name, const LabelValues& labels = {},
                      std::vector<std::string> label_names = {}) {
    return metrics_.AddCounter(name, "", std::move(label_names)).Value(labels);
  }

  /// GET `path` on a new connection from `source`; the status, or 0 when none came back.
  int GetFrom(const char* source, std::string_view path) {
    RawConnection connection(server_->port(), 0, source);
    if (!connection.connected() || !connection.Send(Get(path))) {
      return 0;
    }
    std::optional<RawResponse> response = connection.ReadResponse();
    return response ? response->status : 0;
  }
};

TEST_F(ServerLimitsTest, IdleSocketsFromOneAddressDoNotStarveOtherAddresses) {
  StartServer(ServerOptions{.max_connections = 1000, .max_connections_per_address = 20});
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 20; ++i) {
    idle.push_back(std::make_unique<RawConnection>(server_->port(), 0, "127.0.0.2"));
    ASSERT_TRUE(idle.back()->connected());
  }
  // Beyond its 20, the address is refused with a reason and a time to retry.
  for (int i = 0; i < 30; ++i) {
    RawConnection over(server_->port(), 0, "127.0.0.2");
    ASSERT_TRUE(over.connected());
    std::optional<RawResponse> refused = over.ReadResponse();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 429);
    EXPECT_EQ(HeaderOf(*refused, "Retry-After"), "1");
    EXPECT_THAT(refused->body, HasSubstr("\"errorCode\":\"RESOURCE_EXHAUSTED\""));
    EXPECT_TRUE(over.WaitClosed());
  }
  // Every other address is served, the health probe included.
  EXPECT_EQ(GetFrom("127.0.0.3", "/hello/other"), 200);
  EXPECT_EQ(GetFrom("127.0.0.4", "/healthz"), 200);
  EXPECT_EQ(CounterValue("lakeshare_http_connections_refused_total", {"per_address"}, {"reason"}),
            30);
  // Closing idle sockets gives the address its budget back.
  idle.clear();
  bool served = false;
  for (int attempt = 0; attempt < 100 && !served; ++attempt) {
    served = GetFrom("127.0.0.2", "/hello/back") == 200;
    if (!served) {
      std::this_thread::sleep_for(20ms);  // the server sees the closes asynchronously
    }
  }
  EXPECT_TRUE(served);
}

TEST_F(ServerLimitsTest, AConnectionThatSendsNoCompleteHeadIsClosedAfterTheHeadTimeout) {
  StartServer(ServerOptions{.head_timeout = 300ms, .read_timeout = 60s, .idle_timeout = 60s});
  RawConnection silent(server_->port());
  EXPECT_TRUE(silent.WaitClosed());
  // Slowloris: bytes keep coming, the head never completes.
  RawConnection trickle(server_->port());
  std::string request = Get("/hello/slow");
  bool closed = false;
  for (size_t i = 0; i + 2 < request.size() && !closed; ++i) {
    closed = !trickle.Send(request.substr(i, 1));
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_TRUE(closed || trickle.WaitClosed());
  EXPECT_GE(CounterValue("lakeshare_http_head_timeouts_total"), 2);
  // A client that sends its request at once is served.
  EXPECT_EQ(GetFrom("127.0.0.1", "/hello/fine"), 200);
}

TEST_F(ServerLimitsTest, NearMaxConnectionsTheLongestWaitingSocketsMakeRoomForNewClients) {
  StartServer(ServerOptions{.max_connections = 40, .max_connections_per_address = 10});
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (const char* source : {"127.0.0.10", "127.0.0.11", "127.0.0.12", "127.0.0.13"}) {
    for (int i = 0; i < 10; ++i) {
      idle.push_back(std::make_unique<RawConnection>(server_->port(), 0, source));
    }
  }
  // 40 idle sockets would fill the server; new clients are still served.
  for (const char* source : {"127.0.0.20", "127.0.0.21", "127.0.0.22"}) {
    EXPECT_EQ(GetFrom(source, "/healthz"), 200) << source;
    EXPECT_EQ(GetFrom(source, "/hello/new"), 200) << source;
  }
  EXPECT_GE(CounterValue("lakeshare_http_connections_evicted_total"), 1);
  // The first idle socket waited longest: it was closed to make room.
  EXPECT_TRUE(idle.front()->WaitClosed());
  EXPECT_LE(server_->ConnectionCountForTest(), 40u);
}

TEST_F(ServerLimitsTest, AServedKeepAliveConnectionIsEvictedOnlyAfterNeverServedOnes) {
  StartServer(ServerOptions{.max_connections = 20, .max_connections_per_address = 100});
  RawConnection partner(server_->port(), 0, "127.0.0.30");
  ASSERT_EQ(partner.SendAndReadResponse(Get("/hello/first"))->status, 200);
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 25; ++i) {
    idle.push_back(std::make_unique<RawConnection>(server_->port(), 0, "127.0.0.31"));
  }
  EXPECT_EQ(GetFrom("127.0.0.32", "/hello/new"), 200);
  // The partner's idle keep-alive connection outlived the never-served sockets.
  std::optional<RawResponse> again = partner.SendAndReadResponse(Get("/hello/again"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);
}

TEST_F(ServerLimitsTest, HealthIsAnsweredWhileEveryHandlerIsBusy) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ASSERT_TRUE(router_.Handle("GET", "/block", [released](Request&) -> Result<Response> {
    released.wait();
    return Response::Text("done");
  }));
  StartServer(ServerOptions{.handler_threads = 2});
  std::vector<std::unique_ptr<RawConnection>> blocked;
  for (int i = 0; i < 4; ++i) {
    blocked.push_back(std::make_unique<RawConnection>(server_->port()));
    ASSERT_TRUE(blocked.back()->Send(Get("/block")));
  }
  EXPECT_EQ(GetFrom("127.0.0.40", "/healthz"), 200);
  release.set_value();
  for (auto& connection : blocked) {
    std::optional<RawResponse> response = connection->ReadResponse();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->body, "done");
  }
}

TEST_F(ServerLimitsTest, ExemptAddressesCountOnlyTowardTheTotal) {
  StartServer(ServerOptions{
      .max_connections = 1000,
      .max_connections_per_address = 2,
      .connection_limit_exempt = [](std::string_view address) { return address == "127.0.0.50"; }});
  std::vector<std::unique_ptr<RawConnection>> proxy;
  for (int i = 0; i < 10; ++i) {
    proxy.push_back(std::make_unique<RawConnection>(server_->port(), 0, "127.0.0.50"));
  }
  EXPECT_EQ(GetFrom("127.0.0.50", "/hello/proxied"), 200);
  EXPECT_EQ(CounterValue("lakeshare_http_connections_refused_total", {"per_address"}, {"reason"}),
            0);
}

}  // namespace
}  // namespace lakeshare::http
