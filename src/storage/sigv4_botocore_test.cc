// Cross-checks SigV4Signer and S3ObjectStore::PresignGet against botocore, the signer of the AWS
// CLI and boto3. The expected values are computed at run time by
// src/storage/testdata/botocore_sigv4.py with botocore's clock pinned; the tests skip with a
// message when python3 or botocore is missing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "common/temp_dir.h"
#include "storage/s3_object_store.h"
#include "storage/sigv4.h"
#include "storage/storage_test_util.h"

namespace lakeshare::storage {
namespace {

using testing_util::RunCommand;
using testing_util::ShellQuote;
using testing_util::TestdataPath;
using testing_util::WriteFile;

constexpr char kAccessKey[] = "AKIAIOSFODNN7EXAMPLE";
constexpr char kSecretKey[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kToken[] =
    "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDs+token/with+plus==";

// A request to sign, as an Authorization header (HeaderCases) or as a presigned query
// (PresignCases).
struct SignCase {
  std::string name{};
  std::string method = "GET";
  std::string scheme = "https";
  std::string host{};
  std::string path{};
  QueryList query{};
  HeaderList headers{};
  std::string body{};
  std::string region = "us-east-1";
  std::string token{};
  std::string timestamp = "20130524T000000Z";
  int64_t expires = 86400;
};

struct ClientPresignCase {
  std::string name;
  std::string endpoint;  // empty: AWS
  S3Addressing addressing;
  std::string bucket;
  std::string key;
  std::string region;
  std::string token;
  std::string timestamp;
  int64_t expires;
};

SystemTime ParseTimestamp(const std::string& ts) {
  std::tm tm{};
  strptime(ts.c_str(), "%Y%m%dT%H%M%SZ", &tm);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::vector<SignCase> HeaderCases() {
  std::vector<SignCase> cases;
  cases.push_back({.name = "get_virtual_hosted_with_range",
                   .host = "examplebucket.s3.amazonaws.com",
                   .path = "/test.txt",
                   .headers = {{"Range", "bytes=0-9"}}});
  cases.push_back({.name = "get_path_style_key_with_spaces",
                   .scheme = "http",
                   .host = "127.0.0.1:9000",
                   .path = "/my-bucket/my folder/my file (1).parquet",
                   .region = "us-west-2"});
  cases.push_back({.name = "get_unicode_key",
                   .host = "bucket.s3.eu-central-1.amazonaws.com",
                   .path = "/donn\xc3\xa9" "es/\xe6\x97\xa5\xe6\x9c\xac/\xe3\x83\x95\xe3\x82\xa1.json",
                   .region = "eu-central-1",
                   .timestamp = "20240229T235959Z"});
  cases.push_back({.name = "get_special_characters",
                   .host = "bucket.s3.us-east-1.amazonaws.com",
                   .path = "/a+b=c&d;e:f@g$h,i!j'k(l)m*n~o_p-q.r%s#t?u[v]w{x}y|z^`\"<> end",
                   .headers = {{"Range", "bytes=100-199"}}});
  cases.push_back({.name = "get_with_session_token",
                   .host = "bucket.s3.ap-southeast-2.amazonaws.com",
                   .path = "/table/_delta_log/00000000000000000000.json",
                   .region = "ap-southeast-2",
                   .token = kToken});
  cases.push_back({.name = "list_objects_v2_query",
                   .scheme = "http",
                   .host = "localhost:4566",
                   .path = "/bucket",
                   .query = {{"list-type", "2"},
                             {"prefix", "tables/my table/\xc3\xbc/"},
                             {"start-after", "tables/my table/\xc3\xbc/a+b"},
                             {"continuation-token", "1/2+3=="},
                             {"encoding-type", "url"},
                             {"max-keys", "1000"}}});
  cases.push_back({.name = "put_with_body_and_condition",
                   .method = "PUT",
                   .host = "bucket.s3.us-east-1.amazonaws.com",
                   .path = "/t/_delta_log/00000000000000000001.json",
                   .headers = {{"Content-Type", "application/octet-stream"},
                               {"If-None-Match", "*"}},
                   .body = "{\"commitInfo\":{}}\n"});
  cases.push_back({.name = "head_with_spaced_header_value",
                   .method = "HEAD",
                   .host = "bucket.s3.us-east-1.amazonaws.com",
                   .path = "/x",
                   .headers = {{"X-Amz-Meta-Note", "  a   b  "}}});
  return cases;
}

std::vector<SignCase> PresignCases() {
  std::vector<SignCase> cases;
  cases.push_back({.name = "presign_aws_example",
                   .host = "examplebucket.s3.amazonaws.com",
                   .path = "/test.txt"});
  cases.push_back({.name = "presign_path_style_unicode_with_token",
                   .scheme = "http",
                   .host = "127.0.0.1:9000",
                   .path = "/bucket/part-0000 \xc3\xa9t\xc3\xa9+=&.snappy.parquet",
                   .region = "eu-west-3",
                   .token = kToken,
                   .timestamp = "20251231T235959Z",
                   .expires = 900});
  cases.push_back({.name = "presign_max_lifetime",
                   .host = "bucket.s3.us-east-2.amazonaws.com",
                   .path = "/a/b/c",
                   .region = "us-east-2",
                   .expires = kMaxPresignExpiresSeconds});
  return cases;
}

std::vector<ClientPresignCase> ClientPresignCases() {
  return {
      {"client_path_style_endpoint", "http://127.0.0.1:9000", S3Addressing::kPathStyle, "bucket",
       "tables/t1/part 1+\xc3\xbc?#.parquet", "us-east-1", "", "20130524T000000Z", 3600},
      {"client_virtual_hosted_aws", "", S3Addressing::kVirtualHosted, "examplebucket",
       "dir/my file+\xc3\xbc?#.txt", "eu-west-1", "", "20130524T000000Z", 3600},
      {"client_virtual_hosted_token", "", S3Addressing::kVirtualHosted, "my-bucket",
       "a/b/c!*'();:@&=$,[].json", "ap-northeast-1", kToken, "20240101T120000Z", 600},
      {"client_path_style_https_endpoint", "https://minio.example.com:9443",
       S3Addressing::kPathStyle, "lake", "x/y z", "us-east-1", kToken, "20200202T020202Z", 60},
  };
}

nlohmann::json ToJson(const std::vector<std::pair<std::string, std::string>>& pairs) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [k, v] : pairs) out.push_back({k, v});
  return out;
}

class SigV4BotocoreTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!RunCommand("command -v python3 >/dev/null 2>&1")) {
      skip_reason_ = new std::string("python3 is not installed");
      return;
    }
    nlohmann::json cases = nlohmann::json::array();
    auto add = [&cases](const SignCase& c, std::string_view kind) {
      cases.push_back({{"name", c.name},
                       {"kind", kind},
                       {"method", c.method},
                       {"scheme", c.scheme},
                       {"host", c.host},
                       {"path", c.path},
                       {"query", ToJson(c.query)},
                       {"headers", ToJson(c.headers)},
                       {"body", c.body},
                       {"region", c.region},
                       {"access_key", kAccessKey},
                       {"secret_key", kSecretKey},
                       {"token", c.token},
                       {"timestamp", c.timestamp},
                       {"expires", c.expires}});
    };
    for (const SignCase& c : HeaderCases()) add(c, "header");
    for (const SignCase& c : PresignCases()) add(c, "presign");
    for (const ClientPresignCase& c : ClientPresignCases()) {
      cases.push_back({{"name", c.name},
                       {"kind", "client_presign"},
                       {"endpoint", c.endpoint},
                       {"addressing",
                        c.addressing == S3Addressing::kPathStyle ? "path" : "virtual"},
                       {"bucket", c.bucket},
                       {"key", c.key},
                       {"region", c.region},
                       {"access_key", kAccessKey},
                       {"secret_key", kSecretKey},
                       {"token", c.token},
                       {"timestamp", c.timestamp},
                       {"expires", c.expires}});
    }
    TempDir dir;
    std::string input = dir.path().string() + "/cases.json";
    ASSERT_TRUE(WriteFile(input, cases.dump()));
    auto output = RunCommand("python3 " + ShellQuote(TestdataPath("botocore_sigv4.py")) + " " +
                             ShellQuote(input) + " 2>&1");
    ASSERT_TRUE(output.has_value()) << output.error().ToString();
    expected_ = new nlohmann::json(nlohmann::json::parse(*output));
    if (expected_->contains("__skip__")) {
      skip_reason_ = new std::string(expected_->at("__skip__").get<std::string>());
    }
  }
  static void TearDownTestSuite() {
    delete expected_;
    expected_ = nullptr;
    delete skip_reason_;
    skip_reason_ = nullptr;
  }
  void SetUp() override {
    if (skip_reason_ != nullptr) {
      GTEST_SKIP() << "Skipping botocore cross-checks: " << *skip_reason_;
    }
    ASSERT_NE(expected_, nullptr);
  }

  static const nlohmann::json& Expected(const std::string& name) { return expected_->at(name); }

  static nlohmann::json* expected_;
  static std::string* skip_reason_;
};

nlohmann::json* SigV4BotocoreTest::expected_ = nullptr;
std::string* SigV4BotocoreTest::skip_reason_ = nullptr;

// "origin/path?" followed by the query parameters in sorted order.
std::string SortedUrl(const std::string& url) {
  size_t question = url.find('?');
  if (question == std::string::npos) return url;
  std::vector<std::string_view> params = Split(std::string_view(url).substr(question + 1), '&');
  std::sort(params.begin(), params.end());
  std::string out = url.substr(0, question + 1);
  for (std::string_view p : params) out.append(p).append("&");
  return out;
}

SigV4Request ToRequest(const SignCase& c) {
  SigV4Request request;
  request.method = c.method;
  request.host = c.host;
  request.path = c.path;
  request.query = c.query;
  request.headers = c.headers;
  request.payload_sha256 = Sha256Hex(c.body);
  return request;
}

TEST_F(SigV4BotocoreTest, AuthorizationHeadersMatchBotocore) {
  for (const SignCase& c : HeaderCases()) {
    SCOPED_TRACE(c.name);
    SigV4Signer signer(AwsCredentials{kAccessKey, kSecretKey, c.token}, c.region);
    auto signature = signer.Sign(ToRequest(c), ParseTimestamp(c.timestamp));
    ASSERT_TRUE(signature.has_value()) << signature.error().ToString();
    std::string authorization;
    for (const auto& [name, value] : signature->headers) {
      if (name == "authorization") authorization = value;
    }
    EXPECT_EQ(authorization, Expected(c.name).at("authorization").get<std::string>())
        << "canonical request:\n"
        << signature->canonical_request;
  }
}

TEST_F(SigV4BotocoreTest, PresignedQueriesMatchBotocore) {
  for (const SignCase& c : PresignCases()) {
    SCOPED_TRACE(c.name);
    SigV4Signer signer(AwsCredentials{kAccessKey, kSecretKey, c.token}, c.region);
    SigV4Request request = ToRequest(c);
    request.payload_sha256.clear();
    auto presigned = signer.Presign(request, ParseTimestamp(c.timestamp), c.expires);
    ASSERT_TRUE(presigned.has_value()) << presigned.error().ToString();
    EXPECT_EQ(presigned->signature, Expected(c.name).at("signature").get<std::string>())
        << "canonical request:\n"
        << presigned->canonical_request;
  }
}

TEST_F(SigV4BotocoreTest, StorePresignedUrlsEqualBoto3Urls) {
  for (const ClientPresignCase& c : ClientPresignCases()) {
    SCOPED_TRACE(c.name);
    StoreOptions options;
    options.use_environment = false;
    options.endpoint = c.endpoint;
    options.addressing = c.addressing;
    options.region = c.region;
    options.credentials = AwsCredentials{kAccessKey, kSecretKey, c.token};
    ManualClock clock(std::chrono::duration_cast<std::chrono::milliseconds>(
                          ParseTimestamp(c.timestamp).time_since_epoch())
                          .count());
    options.clock = &clock;
    auto store = S3ObjectStore::Open("s3://" + c.bucket, options);
    ASSERT_TRUE(store.has_value()) << store.error().ToString();
    auto url = (*store)->PresignGet(c.key, c.expires);
    ASSERT_TRUE(url.has_value()) << url.error().ToString();
    // Same origin, path and parameters; botocore does not sort the query of the URL it returns
    // (only the canonical one it signs), so compare parameter sets.
    EXPECT_EQ(SortedUrl(*url), SortedUrl(Expected(c.name).at("url").get<std::string>()));
    EXPECT_THAT(*url, testing::EndsWith("&X-Amz-Signature=" +
                                        Expected(c.name).at("signature").get<std::string>()));
  }
}

}  // namespace
}  // namespace lakeshare::storage
