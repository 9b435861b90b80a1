// Unit tests of the S3 store that need no S3 service: URL building and pre-signing with a pinned
// clock, and retry and error-mapping behaviour against a scripted HTTP
// server on loopback. The store against a real S3 implementation is tested in
// s3_object_store_integration_test.cc.
#include "storage/s3_object_store.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "common/mutex.h"
#include "common/result_testing.h"

namespace lakeshare::storage {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kAccessKey[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecretKey[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

StoreOptions ExampleOptions() {
  StoreOptions options;
  options.use_environment = false;
  options.credentials = {kAccessKey, kSecretKey, ""};
  options.region = "us-east-1";
  static const ManualClock kExampleDay(1'369'353'600'000);  // 20130524
  options.clock = &kExampleDay;
  return options;
}

TEST(S3ObjectStoreTest, PresignGetReproducesTheAwsDocumentedUrl) {
  StoreOptions options = ExampleOptions();
  options.endpoint = "https://s3.amazonaws.com";
  options.addressing = S3Addressing::kVirtualHosted;
  auto store = S3ObjectStore::Open("s3://examplebucket", options).value();
  EXPECT_EQ(store->ObjectUrl("test.txt"), "https://examplebucket.s3.amazonaws.com/test.txt");
  EXPECT_EQ(store->PresignGet("test.txt", 86400).value(),
            "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&"
            "X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&"
            "X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&"
            "X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(S3ObjectStoreTest, ObjectUrlsIncludeTheStorePrefixAndEncodeKeys) {
  StoreOptions options = ExampleOptions();
  options.endpoint = "http://127.0.0.1:9000";
  auto store = S3ObjectStore::Open("s3://bucket/tables/my table", options).value();
  EXPECT_EQ(store->uri(), "s3://bucket/tables/my%20table");  // canonical (location.h)
  EXPECT_EQ(store->ObjectUrl("part 0+1.parquet"),
            "http://127.0.0.1:9000/bucket/tables/my%20table/part%200%2B1.parquet");
  EXPECT_EQ(store->PresignGet("../x", 60).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store->PresignGet("x", 0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(store->PresignGet("x", 604801).error().code, ErrorCode::kInvalidArgument);
}

TEST(S3ObjectStoreTest, AnonymousStoresCannotPresign) {
  StoreOptions options;
  options.use_environment = false;
  auto store = S3ObjectStore::Open("s3://bucket", options).value();
  EXPECT_EQ(store->PresignGet("x", 60).error().code, ErrorCode::kUnsupported);
}

// ---------------------------------------------------------------------------------------------
// A scripted HTTP/1.1 server on 127.0.0.1: answers each connection with the next canned response
// and records the requests it saw.

class ScriptedServer {
 public:
  struct Reply {
    int status;
    std::string body;
    std::vector<std::string> headers;
  };

  explicit ScriptedServer(std::vector<Reply> replies) : replies_(std::move(replies)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }

  std::string endpoint() const { return fmt::format("http://127.0.0.1:{}", port_); }
  std::vector<std::string> requests() LS_EXCLUDES(mu_) {
    MutexLock lock(mu_);
    return requests_;
  }

 private:
  void Serve() LS_EXCLUDES(mu_) {
    size_t next = 0;
    while (!stop_) {
      int client = ::accept(fd_, nullptr, nullptr);
      if (client < 0) return;
      std::string request;
      char buffer[4096];
      while (request.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(client, buffer, sizeof(buffer));
        if (n <= 0) break;
        request.append(buffer, static_cast<size_t>(n));
      }
      {
        MutexLock lock(mu_);
        requests_.push_back(request);
      }
      Reply reply = next < replies_.size() ? replies_[next] : replies_.back();
      ++next;
      std::string response = fmt::format("HTTP/1.1 {} X\r\nContent-Length: {}\r\n", reply.status,
                                         reply.body.size());
      for (const std::string& header : reply.headers) response += header + "\r\n";
      response += "Connection: close\r\n\r\n" + reply.body;
      size_t sent = 0;
      while (sent < response.size()) {
        ssize_t n = ::send(client, response.data() + sent, response.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
      }
      ::close(client);
    }
  }

  std::vector<Reply> replies_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  Mutex mu_;
  std::vector<std::string> requests_ LS_GUARDED_BY(mu_);
};

std::unique_ptr<S3ObjectStore> StoreFor(const ScriptedServer& server, int attempts = 3) {
  StoreOptions options;
  options.use_environment = false;
  options.endpoint = server.endpoint();
  options.credentials = {kAccessKey, kSecretKey, "SESSIONTOKEN"};
  options.max_attempts = attempts;
  options.retry_base_delay_ms = 1;
  options.retry_max_delay_ms = 5;
  return S3ObjectStore::Open("s3://bucket/root", options).value();
}

TEST(S3ObjectStoreTest, RetriesServerErrorsThenSucceeds) {
  ScriptedServer server({{503, "<Error><Code>SlowDown</Code></Error>", {}},
                         {500, "", {}},
                         {200, "payload", {}}});
  auto store = StoreFor(server);
  auto read = store->Read("a b.json");
  ASSERT_TRUE(read.has_value()) << read.error().ToString();
  EXPECT_EQ(*read, "payload");
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_THAT(requests[0], ::testing::StartsWith("GET /bucket/root/a%20b.json HTTP/1.1\r\n"));
  EXPECT_THAT(requests[0], HasSubstr("x-amz-security-token: SESSIONTOKEN\r\n"));
  EXPECT_THAT(requests[0], HasSubstr("authorization: AWS4-HMAC-SHA256 Credential=" +
                                     std::string(kAccessKey)));
}

TEST(S3ObjectStoreTest, GivesUpAfterTheConfiguredAttempts) {
  ScriptedServer server({{500, "<Error><Code>InternalError</Code></Error>", {}}});
  auto store = StoreFor(server, 2);
  auto read = store->Read("k");
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(read.error().message, HasSubstr("InternalError"));
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST(S3ObjectStoreTest, RetriesThrottlingButNotClientErrors) {
  ScriptedServer throttled({{429, "", {}}, {200, "ok", {}}});
  EXPECT_EQ(StoreFor(throttled)->Read("k").value_or(""), "ok");
  ScriptedServer bad_request({{400, "<Error><Code>InvalidArgument</Code></Error>", {}}});
  auto read = StoreFor(bad_request)->Read("k");
  EXPECT_EQ(read.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(bad_request.requests().size(), 1u);
}

TEST(S3ObjectStoreTest, MapsStatusesToErrorCodesWithoutLeakingSecrets) {
  // A real SignatureDoesNotMatch body echoes the access key and the string to sign.
  const std::string echo = std::string("<Error><Code>SignatureDoesNotMatch</Code><AWSAccessKeyId>") +
                           kAccessKey + "</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256 " +
                           kSecretKey + "</StringToSign></Error>";
  ScriptedServer forbidden({{403, echo, {}}});
  auto denied = StoreFor(forbidden)->Stat("k");
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied);
  auto read_denied = StoreFor(forbidden)->Read("k");
  EXPECT_THAT(read_denied.error().message, HasSubstr("SignatureDoesNotMatch"));
  for (const Error& error : {denied.error(), read_denied.error()}) {
    EXPECT_THAT(error.message, Not(HasSubstr(kAccessKey)));
    EXPECT_THAT(error.message, Not(HasSubstr(kSecretKey)));
    EXPECT_THAT(error.message, Not(HasSubstr("SESSIONTOKEN")));
    EXPECT_THAT(error.message, Not(HasSubstr("X-Amz")));
  }

  ScriptedServer missing({{404, "<Error><Code>NoSuchKey</Code></Error>", {}}});
  auto not_found = StoreFor(missing)->Read("dir/k");
  EXPECT_EQ(not_found.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(not_found.error().message, "Object 'dir/k' does not exist");

  ScriptedServer no_bucket({{404, "<Error><Code>NoSuchBucket</Code></Error>", {}}});
  auto listed = StoreFor(no_bucket)->List("");
  EXPECT_EQ(listed.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(listed.error().message, HasSubstr("bucket does not exist"));

  ScriptedServer moved({{301, "<Error><Code>PermanentRedirect</Code></Error>",
                         {"x-amz-bucket-region: eu-west-1"}}});
  auto redirected = StoreFor(moved)->Read("k");
  EXPECT_EQ(redirected.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(redirected.error().message, HasSubstr("'eu-west-1'"));
}

// A Delta log naming a path whose key would pass S3's 1,024 bytes names no object: not found, and
// S3 is not asked (it answers 400 KeyTooLongError, which read as an outage worth retrying).
TEST(S3ObjectStoreTest, KeysLongerThanS3AllowsAreNotFoundWithoutARequest) {
  ScriptedServer server({{400, "<Error><Code>KeyTooLongError</Code></Error>", {}}});
  auto store = StoreFor(server);
  const std::string path = std::string(1020, 'k');  // "root/" + path: 1,025 bytes
  EXPECT_TRUE(FailsWith(store->Read(path), ErrorCode::kNotFound, "(1020 bytes)"));
  EXPECT_TRUE(FailsWith(store->ReadRange(path, 0, 1), ErrorCode::kNotFound));
  EXPECT_TRUE(FailsWith(store->Stat(path), ErrorCode::kNotFound));
  EXPECT_TRUE(FailsWith(store->OpenFile(path), ErrorCode::kNotFound));
  EXPECT_THAT(server.requests(), ::testing::IsEmpty());
  // 1,024 bytes in all is a key S3 takes: asked.
  EXPECT_TRUE(FailsWith(store->Read(std::string(1019, 'k')), ErrorCode::kUnavailable));
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(S3ObjectStoreTest, NetworkFailuresAreUnavailableAndRetried) {
  int port;
  {
    ScriptedServer closed({{200, "", {}}});
    port = std::stoi(closed.endpoint().substr(closed.endpoint().rfind(':') + 1));
  }
  StoreOptions options;
  options.use_environment = false;
  options.endpoint = fmt::format("http://127.0.0.1:{}", port);
  options.credentials = {kAccessKey, kSecretKey, ""};
  options.max_attempts = 2;
  options.retry_base_delay_ms = 1;
  options.connect_timeout_ms = 1000;
  auto store = S3ObjectStore::Open("s3://bucket", options).value();
  auto read = store->Read("k");
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(read.error().message, HasSubstr("after 2 attempts"));
  EXPECT_THAT(read.error().message, Not(HasSubstr(kSecretKey)));
}

TEST(S3ObjectStoreTest, RangedReadOfAServerIgnoringRangeStillReturnsTheRightBytes) {
  ScriptedServer ignores_range({{200, "0123456789", {}}});
  EXPECT_EQ(StoreFor(ignores_range)->ReadRange("k", 3, 4).value_or(""), "3456");
  // A large object: the transfer stops as soon as the range has arrived.
  std::string large(1 << 20, 'x');
  large.replace(500000, 4, "abcd");
  ScriptedServer big({{200, large, {}}});
  EXPECT_EQ(StoreFor(big)->ReadRange("k", 500000, 4).value_or(""), "abcd");
  ScriptedServer short_object({{200, "0123", {}}});
  EXPECT_EQ(StoreFor(short_object)->ReadRange("k", 2, 4).error().code, ErrorCode::kCorrupt);
  ScriptedServer long_partial({{206, "0123456789", {}}});
  EXPECT_EQ(StoreFor(long_partial)->ReadRange("k", 2, 4).error().code, ErrorCode::kCorrupt);
}

TEST(S3ObjectStoreTest, RejectsTruncatedListingsWithoutAToken) {
  ScriptedServer server({{200,
                          "<ListBucketResult><IsTruncated>true</IsTruncated>"
                          "<Contents><Key>root/a</Key><Size>1</Size></Contents>"
                          "</ListBucketResult>",
                          {}}});
  auto listed = StoreFor(server)->List("");
  ASSERT_FALSE(listed.has_value());
  EXPECT_EQ(listed.error().code, ErrorCode::kCorrupt);
}

TEST(S3ObjectStoreTest, DecodesUrlEncodedListingsAndSkipsFolderMarkers) {
  ScriptedServer server(
      {{200,
        "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
        "<Contents><Key>root/a+b%2Bc%26%C3%BC</Key><Size>3</Size>"
        "<LastModified>2024-02-29T12:34:56.789Z</LastModified></Contents>"
        "<Contents><Key>root/dir/</Key><Size>0</Size></Contents>"
        "<Contents><Key>root/a/../x</Key><Size>0</Size></Contents>"
        // Keys outside the store's prefix, which a compatible store (or anyone between) may
        // send: never objects of the store, even where the rest after the prefix's length
        // would be a valid path ("file/x.json").
        "<Contents><Key>otherfile/x.json</Key><Size>1</Size></Contents>"
        "<Contents><Key>rootfile/x.json</Key><Size>1</Size></Contents>"
        "</ListBucketResult>",
        {}}});
  auto listed = StoreFor(server)->List("");
  ASSERT_TRUE(listed.has_value()) << listed.error().ToString();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].path, "a b+c&\xc3\xbc");
  EXPECT_EQ((*listed)[0].size, 3);
  EXPECT_EQ((*listed)[0].last_modified_ms, 1709210096789);
  auto requests = server.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_THAT(requests[0],
              ::testing::StartsWith("GET /bucket?encoding-type=url&list-type=2&max-keys=1000&"
                                    "prefix=root%2F HTTP/1.1"));
}

TEST(S3ObjectStoreTest, StatParsesHeadResponses) {
  ScriptedServer server({{200, "", {"Last-Modified: Thu, 29 Feb 2024 12:34:56 GMT",
                                    "ETag: \"abc\""}}});
  // The scripted server answers HEAD with a body; libcurl ignores it for HEAD requests.
  auto info = StoreFor(server)->Stat("k");
  ASSERT_TRUE(info.has_value()) << info.error().ToString();
  EXPECT_EQ(info->size, 0);
  EXPECT_EQ(info->last_modified_ms, 1709210096000);
  EXPECT_THAT(server.requests()[0], ::testing::StartsWith("HEAD /bucket/root/k HTTP/1.1"));
}

}  // namespace
}  // namespace lakeshare::storage
