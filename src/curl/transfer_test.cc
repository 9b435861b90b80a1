#include "curl/transfer.h"

#include <gtest/gtest.h>

namespace lakeshare::curl {
namespace {

TEST(UrlOriginTest, KeepsSchemeHostAndPortOnlyAndNeverTheUserinfo) {
  struct Case {
    const char* url;
    const char* origin;
  };
  const Case cases[] = {
      {"https://bucket.s3.amazonaws.com/k?X-Amz-Signature=abc", "https://bucket.s3.amazonaws.com"},
      {"http://127.0.0.1:9000?token=secret", "http://127.0.0.1:9000"},
      {"http://idp.example#frag", "http://idp.example"},
      {"host/path", "host"},
      // user:password@host is a credential: it never reaches an error message.
      {"https://alice:s3cret@idp.example:8443/jwks?x=1", "https://idp.example:8443"},
      {"http://token@127.0.0.1:9000", "http://127.0.0.1:9000"},
      {"http://a@b:c@host/p", "http://host"},
      {"http://host/path@x", "http://host"},
  };
  for (const Case& c : cases) EXPECT_EQ(UrlOrigin(c.url), c.origin) << c.url;
}

TEST(PerformTest, ARefusedConnectionIsUnavailableWithoutTheQuery) {
  EasyHandle handle;
  ASSERT_TRUE(handle.valid());
  Request request;
  // Port 1 on loopback: nothing listens there in a test environment.
  request.url = "http://127.0.0.1:1/bucket/key?X-Amz-Signature=secret&token=hidden";
  TransferOptions options;
  options.connect_timeout_ms = 2'000;
  auto result = Perform(handle, request, options);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(result.error().message.find("HTTP GET to http://127.0.0.1:1 failed"), std::string::npos)
      << result.error().message;
  EXPECT_EQ(result.error().message.find("secret"), std::string::npos) << result.error().message;
  EXPECT_EQ(result.error().message.find("hidden"), std::string::npos) << result.error().message;
}

TEST(PerformTest, OnlyHttpAndHttpsAreSpoken) {
  EasyHandle handle;
  Request request;
  request.url = "file:///etc/passwd";
  auto result = Perform(handle, request, TransferOptions{});
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
}

TEST(EasyPoolTest, ReusesReleasedHandlesUpToItsBound) {
  EasyPool pool(1);
  std::unique_ptr<EasyHandle> a = pool.Acquire();
  std::unique_ptr<EasyHandle> b = pool.Acquire();
  EasyHandle* first = a.get();
  EXPECT_NE(a.get(), b.get());
  pool.Release(std::move(a));
  pool.Release(std::move(b));  // over the bound: dropped
  std::unique_ptr<EasyHandle> again = pool.Acquire();
  EXPECT_EQ(again.get(), first);
}

}  // namespace
}  // namespace lakeshare::curl
