// Api against a real server on 127.0.0.1:0 that answers as a broken or hostile one would: the CLI
// refuses what no Lakeshare server sends (kManagementReplyJsonLimits) with a clear error and a
// hint, before its parser or printers (which recurse per level) see it.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "admin/cli/client.h"
#include "admin/cli/command.h"
#include "common/json_bounds.h"
#include "http/server_test_fixture.h"

namespace lakeshare::admin::cli {
namespace {

class HostileServerTest : public http::test::ServerTest {
 protected:
  /// Serve `body` with `status` to every GET of .../unity-catalog/reply.
  void Serve(std::string body, int status = 200) {
    ASSERT_TRUE(router_.Handle("GET", "/api/2.1/unity-catalog/reply",
                               [body = std::move(body), status](http::Request&) {
                                 return Result<http::Response>(http::Response::Json(body, status));
                               }));
    StartServer();
  }

  CallResult<Json> Fetch() { return Api(Url(""), "token").Uc("GET", "reply"); }

  /// The answer was refused (status 0: exit code 1) with `expected` in the message.
  void ExpectRefused(const std::string& expected) {
    CallResult<Json> reply = Fetch();
    ASSERT_FALSE(reply) << "read a hostile answer of " << reply->dump().size() << " bytes";
    EXPECT_EQ(reply.error().error_code, kRefusedAnswer);
    EXPECT_EQ(reply.error().status, 0);
    EXPECT_NE(reply.error().message.find(expected), std::string::npos) << reply.error().message;
    GlobalOptions options;
    options.host = "http://h";
    const std::string hint = Hint(reply.error(), Context{}, options);
    EXPECT_NE(hint.find("--host (now http://h)"), std::string::npos) << hint;
    EXPECT_NE(hint.find("https://"), std::string::npos) << hint;
  }
};

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST_F(HostileServerTest, AnAnswerNestedDeeperThanAnyReplyIsRefused) {
  Serve(Nested(100'000));
  ExpectRefused("deeper than 128 levels");
}

TEST_F(HostileServerTest, AnErrorAnswerIsBoundedToo) {
  Serve(Nested(100'000), 500);
  ExpectRefused("deeper than 128 levels");
}

TEST_F(HostileServerTest, AnAnswerWithMoreValuesThanAnyReplyIsRefused) {
  std::string body = "[0";
  for (size_t i = 0; i < kManagementReplyJsonLimits.max_elements; ++i) body += ",0";
  Serve(body + "]");
  ExpectRefused("more than 4000000 values");
}

TEST_F(HostileServerTest, AnAnswerLargerThanAnyReplyIsRefusedUnread) {
  Serve("\"" + std::string(kManagementReplyJsonLimits.max_bytes, 'x') + "\"");
  ExpectRefused("over 67108864 bytes");
}

TEST_F(HostileServerTest, AnAnswerWithinTheBoundsIsRead) {
  Serve("{\"deep\":" + Nested(kManagementReplyJsonLimits.max_depth - 1) + "}");
  CallResult<Json> reply = Fetch();
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_TRUE((*reply)["deep"].is_array());
}

// Leftover of issue 13: an error reply over 64 KiB reached the output of `audit --jsonl` before
// its status was known.
TEST_F(HostileServerTest, AStreamedErrorReplyOfAnySizeNeverReachesTheOutput) {
  const std::string big(200 << 10, 'x');
  Serve("{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"" + big + "\"}", 500);
  std::string written;
  auto sink = [&written](std::string_view data) {
    written.append(data);
    return true;
  };
  CallResult<void> failed = Api(Url(""), "token").Stream("/api/2.1/unity-catalog/reply", {}, sink);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().status, 500);
  EXPECT_EQ(written.size(), 0u);
}

TEST_F(HostileServerTest, AStreamedAnswerOverTheHeldPartIsWrittenWhole) {
  std::string lines;
  for (int i = 0; lines.size() < (300 << 10); ++i) lines += "{\"n\":" + std::to_string(i) + "}\n";
  Serve(lines);
  std::string written;
  auto sink = [&written](std::string_view data) {
    written.append(data);
    return true;
  };
  CallResult<void> ok = Api(Url(""), "token").Stream("/api/2.1/unity-catalog/reply", {}, sink);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(written, lines);
}

}  // namespace
}  // namespace lakeshare::admin::cli
