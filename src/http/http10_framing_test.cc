// HTTP/1.0 requests and the framing rules that HTTP/1.1 added: a server must not answer an
// HTTP/1.0 request's `Expect: 100-continue` (RFC 9110 §10.1.1), and must treat an HTTP/1.0
// request with Transfer-Encoding as faulty framing and close the connection (RFC 9112 §6.1): a
// proxy in front that frames HTTP/1.0 by Content-Length or by the close would otherwise see a
// different request boundary than the server (request smuggling).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

#include "http/client.h"
#include "http/server_test_fixture.h"

namespace lakeshare::http {
namespace {

using ::testing::HasSubstr;
using namespace lakeshare::http::test;

TEST_F(ServerTest, AnHttp10ExpectationIsIgnored) {
  StartServer();
  RawConnection connection(server_->port());
  ASSERT_TRUE(connection.Send(
      "POST /echo HTTP/1.0\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  ASSERT_TRUE(connection.Send("ping"));
  std::optional<RawResponse> response = connection.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);  // was 100 Continue first, which an HTTP/1.0 client cannot read
  EXPECT_EQ(response->body, "ping");
}

TEST_F(ServerTest, AnHttp10RequestWithTransferEncodingIsRefusedAndTheConnectionCloses) {
  StartServer();
  RawConnection connection(server_->port());
  std::optional<RawResponse> response = connection.SendAndReadResponse(
      "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n"
      "5\r\nhello\r\n0\r\n\r\n"
      "GET /hello/smuggled HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_THAT(response->body, HasSubstr("HTTP/1.0"));
  EXPECT_TRUE(connection.WaitClosed());  // the second request is never answered
  EXPECT_EQ(Client().Get(Url("/hello/still"))->status, 200);
}

// The head alone decides: an HTTP/1.0 request with Transfer-Encoding is refused once its head is
// read, not after a body framed by that very header (which never came here: the connection was
// held until the read timeout and closed without an answer).
TEST_F(ServerTest, AnHttp10TransferEncodingIsRefusedBeforeAnyBody) {
  StartServer();
  RawConnection connection(server_->port());
  std::optional<RawResponse> response =
      connection.SendAndReadResponse("POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_THAT(response->body, HasSubstr("HTTP/1.0"));
  EXPECT_TRUE(connection.WaitClosed());
}

// An ambiguous head that holds back its body is refused at once: no 100 Continue first (the
// client would send a body only to be refused).
TEST_F(ServerTest, AnAmbiguousHeadGetsNoContinue) {
  StartServer();
  RawConnection connection(server_->port());
  std::optional<RawResponse> response = connection.SendAndReadResponse(
      "POST /echo HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nContent-Length: 4\r\n"
      "Expect: 100-continue\r\n\r\n");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);  // was 100, then 400 after the body
  EXPECT_TRUE(connection.WaitClosed());
}

}  // namespace
}  // namespace lakeshare::http
