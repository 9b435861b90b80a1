#include "storage/sigv4.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "common/strings.h"

namespace lakeshare::storage {
namespace {

// The worked examples of the Amazon S3 API Reference, "Signature Calculations for the
// Authorization Header: Transferring Payload in a Single Chunk (AWS Signature Version 4)" and
// "Authenticating Requests: Using Query Parameters (AWS Signature Version 4)", all signed with
// these documented example credentials at 20130524T000000Z in us-east-1.
const AwsCredentials kExampleCredentials{"AKIAIOSFODNN7EXAMPLE",
                                         "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};

SystemTime ExampleTime() {
  // 2013-05-24T00:00:00Z
  return SystemTime(std::chrono::seconds(1369353600));
}

/// A request to the examples' bucket.
SigV4Request ExampleRequest(std::string method, std::string path, HeaderList headers = {}) {
  SigV4Request request;
  request.method = std::move(method);
  request.host = "examplebucket.s3.amazonaws.com";
  request.path = std::move(path);
  request.headers = std::move(headers);
  return request;
}

/// The examples' signer, in us-east-1.
const SigV4Signer& ExampleSigner() {
  static const SigV4Signer signer(kExampleCredentials, "us-east-1");
  return signer;
}

TEST(SigV4Test, TimestampIsIso8601BasicUtc) {
  EXPECT_EQ(SigV4Timestamp(ExampleTime()), "20130524T000000Z");
  EXPECT_EQ(SigV4Timestamp(ExampleTime() + std::chrono::milliseconds(86399999)),
            "20130524T235959Z");
}

TEST(SigV4Test, UriEncodeKeepsUnreservedAndOptionallySlash) {
  EXPECT_EQ(UriEncode("AZaz09-._~", true), "AZaz09-._~");
  EXPECT_EQ(UriEncode("a b/c+d=e", false), "a%20b/c%2Bd%3De");
  EXPECT_EQ(UriEncode("a b/c+d=e", true), "a%20b%2Fc%2Bd%3De");
  EXPECT_EQ(UriEncode("caf\xc3\xa9*", true), "caf%C3%A9%2A");
  EXPECT_EQ(UriEncode("100%", true), "100%25");
}

TEST(SigV4Test, CanonicalUriEncodesEachSegmentOnceAndKeepsSlashes) {
  EXPECT_EQ(CanonicalUri(""), "/");
  EXPECT_EQ(CanonicalUri("/"), "/");
  EXPECT_EQ(CanonicalUri("/examplebucket/my photo%20.jpg"), "/examplebucket/my%20photo%2520.jpg");
  // S3 never normalizes: dot segments and doubled slashes are part of the key.
  EXPECT_EQ(CanonicalUri("/b/./a//c"), "/b/./a//c");
}

TEST(SigV4Test, CanonicalQueryStringIsSortedByEncodedNameThenValue) {
  EXPECT_EQ(CanonicalQueryString({}), "");
  EXPECT_EQ(CanonicalQueryString({{"prefix", "J"}, {"max-keys", "2"}}), "max-keys=2&prefix=J");
  EXPECT_EQ(CanonicalQueryString({{"b", "2"}, {"a", "z"}, {"b", "1"}, {"acl", ""}}),
            "a=z&acl=&b=1&b=2");
  EXPECT_EQ(CanonicalQueryString({{"continuation-token", "1/2+3="}}),
            "continuation-token=1%2F2%2B3%3D");
}

TEST(SigV4Test, SigningKeyMatchesTheDocumentedDerivation) {
  // AWS General Reference, "Examples of how to derive a signing key for Signature Version 4".
  auto key = DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1",
                              "iam");
  ASSERT_TRUE(key.has_value()) << key.error().ToString();
  EXPECT_EQ(HexEncode(*key), "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(SigV4Test, Sha256OfEmptyPayload) { EXPECT_EQ(Sha256Hex(""), kEmptyPayloadSha256); }

// Example: GET Object, with a Range header.
TEST(SigV4Test, AwsExampleGetObject) {
  SigV4Request request = ExampleRequest("GET", "/test.txt", {{"Range", "bytes=0-9"}});
  auto signed_request = ExampleSigner().Sign(request, ExampleTime());
  ASSERT_TRUE(signed_request.has_value()) << signed_request.error().ToString();
  EXPECT_EQ(signed_request->canonical_request,
            "GET\n"
            "/test.txt\n"
            "\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "range:bytes=0-9\n"
            "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n"
            "\n"
            "host;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signed_request->string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(signed_request->signature,
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_THAT(signed_request->headers,
              testing::Contains(testing::Pair(
                  "authorization",
                  "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
                  "aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
                  "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")));
  EXPECT_THAT(signed_request->headers,
              testing::Contains(testing::Pair("x-amz-date", "20130524T000000Z")));
}

// Example: PUT Object, with a Date header, a storage class and a signed payload.
TEST(SigV4Test, AwsExamplePutObject) {
  SigV4Request request = ExampleRequest("PUT", "/test$file.text",
                                        {{"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                                         {"x-amz-storage-class", "REDUCED_REDUNDANCY"}});
  request.payload_sha256 = Sha256Hex("Welcome to Amazon S3.");
  auto signed_request = ExampleSigner().Sign(request, ExampleTime());
  ASSERT_TRUE(signed_request.has_value()) << signed_request.error().ToString();
  EXPECT_EQ(signed_request->canonical_request,
            "PUT\n"
            "/test%24file.text\n"
            "\n"
            "date:Fri, 24 May 2013 00:00:00 GMT\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
            "x-amz-date:20130524T000000Z\n"
            "x-amz-storage-class:REDUCED_REDUNDANCY\n"
            "\n"
            "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(signed_request->signature,
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

// The two examples of GET on the bucket with a query: GET Bucket Lifecycle (a sub-resource
// parameter with an empty value) and Get Bucket (List Objects) with max-keys and prefix.
TEST(SigV4Test, AwsExamplesOfBucketQueries) {
  struct Example {
    std::string name;
    QueryList query;
    std::string signature;
  };
  const Example examples[] = {
      {"lifecycle",
       {{"lifecycle", ""}},
       "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"},
      {"list objects",
       {{"max-keys", "2"}, {"prefix", "J"}},
       "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"},
  };
  for (const Example& example : examples) {
    SCOPED_TRACE(example.name);
    SigV4Request request = ExampleRequest("GET", "/");
    request.query = example.query;
    auto signed_request = ExampleSigner().Sign(request, ExampleTime());
    ASSERT_TRUE(signed_request.has_value()) << signed_request.error().ToString();
    EXPECT_EQ(signed_request->signature, example.signature);
  }
}

// Example of "Authenticating Requests: Using Query Parameters": a URL for GET /test.txt valid 24
// hours.
TEST(SigV4Test, AwsExamplePresignedUrl) {
  auto presigned =
      ExampleSigner().Presign(ExampleRequest("GET", "/test.txt"), ExampleTime(), 86400);
  ASSERT_TRUE(presigned.has_value()) << presigned.error().ToString();
  EXPECT_EQ(presigned->canonical_request,
            "GET\n"
            "/test.txt\n"
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
            "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
            "X-Amz-SignedHeaders=host\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "\n"
            "host\n"
            "UNSIGNED-PAYLOAD");
  EXPECT_EQ(presigned->string_to_sign,
            "AWS4-HMAC-SHA256\n"
            "20130524T000000Z\n"
            "20130524/us-east-1/s3/aws4_request\n"
            "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
  EXPECT_EQ(presigned->signature,
            "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  EXPECT_EQ(presigned->query,
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2F"
            "us-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
            "X-Amz-SignedHeaders=host&X-Amz-Signature="
            "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(SigV4Test, SessionTokenIsSignedAsHeaderAndAsQueryParameter) {
  AwsCredentials credentials = kExampleCredentials;
  credentials.session_token = "token/with+chars=";
  SigV4Signer signer(credentials, "eu-west-1");
  SigV4Request request;
  request.host = "examplebucket.s3.eu-west-1.amazonaws.com";
  request.path = "/a b.txt";
  auto signed_request = signer.Sign(request, ExampleTime());
  ASSERT_TRUE(signed_request.has_value());
  EXPECT_THAT(signed_request->headers,
              testing::Contains(testing::Pair("x-amz-security-token", "token/with+chars=")));
  EXPECT_THAT(signed_request->canonical_request,
              testing::HasSubstr("x-amz-security-token:token/with+chars=\n"));
  auto presigned = signer.Presign(request, ExampleTime(), 60);
  ASSERT_TRUE(presigned.has_value());
  EXPECT_THAT(presigned->query,
              testing::HasSubstr("&X-Amz-Security-Token=token%2Fwith%2Bchars%3D&"));
}

TEST(SigV4Test, CallerHeadersAreTrimmedAndReplacedBySignerHeaders) {
  SigV4Signer signer(kExampleCredentials, "us-east-1");
  SigV4Request request;
  request.host = "h";
  request.headers = {{"X-Amz-Date", "19990101T000000Z"},
                     {"Authorization", "stale"},
                     {"X-Custom", "  a   b  "},
                     {"x-custom", "c"}};
  auto signed_request = signer.Sign(request, ExampleTime());
  ASSERT_TRUE(signed_request.has_value());
  EXPECT_THAT(signed_request->canonical_request, testing::HasSubstr("x-custom:a b,c\n"));
  EXPECT_THAT(signed_request->canonical_request,
              testing::HasSubstr("x-amz-date:20130524T000000Z\n"));
  EXPECT_THAT(signed_request->canonical_request, testing::Not(testing::HasSubstr("19990101")));
  EXPECT_THAT(signed_request->canonical_request, testing::Not(testing::HasSubstr("stale")));
}

TEST(SigV4Test, RejectsMissingCredentialsAndBadLifetimes) {
  SigV4Signer anonymous(AwsCredentials{}, "us-east-1");
  SigV4Request request;
  request.host = "h";
  EXPECT_EQ(anonymous.Sign(request, ExampleTime()).error().code, ErrorCode::kInvalidArgument);
  SigV4Signer signer(kExampleCredentials, "us-east-1");
  EXPECT_EQ(signer.Presign(request, ExampleTime(), 0).error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(signer.Presign(request, ExampleTime(), kMaxPresignExpiresSeconds + 1).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(signer.Presign(request, ExampleTime(), kMaxPresignExpiresSeconds).has_value());
}

}  // namespace
}  // namespace lakeshare::storage
