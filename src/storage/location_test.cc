#include "storage/location.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "storage/memory_object_store.h"
#include "storage/object_store.h"

namespace lakeshare::storage {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string CanonicalOf(std::string_view text) {
  Result<std::string> uri = CanonicalLocationUri(text);
  return uri ? *uri : "error: " + uri.error().message;
}

TEST(ParseLocationTest, EverySpellingOfALocalDirectoryHasOneCanonicalForm) {
  for (const char* text : {"/data/t", "/data/t/", "/data//t", "/data/./t", "file:///data/t",
                           "file:/data/t", "file://localhost/data/t", "FILE://LOCALHOST/data/t/",
                           "file:///data/%74", "file:///data/t/."}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(CanonicalOf(text), "file:///data/t");
  }
  EXPECT_EQ(CanonicalOf("/"), "file:///");
  EXPECT_EQ(CanonicalOf("file:///"), "file:///");
  EXPECT_EQ(CanonicalOf("file:///data/my%20table"), "file:///data/my%20table");
  EXPECT_EQ(CanonicalOf("/data/my table"), "file:///data/my%20table");
  // Plain paths are not URIs: a '%' is a '%'.
  EXPECT_EQ(CanonicalOf("/data/100%"), "file:///data/100%25");
  EXPECT_EQ(ParseLocation("/data/a%2e%2e").value().path, "/data/a%2e%2e");
}

TEST(ParseLocationTest, TheCanonicalUriIsTheParsedLocationsUri) {
  for (const char* text : {"/data/t/", "file:///data/my%20table/", "/", "s3a://b/p/q/",
                           "s3://b"}) {
    SCOPED_TRACE(text);
    Result<std::string> uri = CanonicalLocationUri(text);
    ASSERT_TRUE(uri) << uri.error().message;
    EXPECT_EQ(*uri, ParseLocation(text).value().Uri());
    EXPECT_EQ(CanonicalLocationUri(*uri).value(), *uri);  // canonical already: unchanged
  }
  EXPECT_EQ(CanonicalLocationUri("file:///data/t/").value(), "file:///data/t");
  Result<std::string> refused = CanonicalLocationUri("file:///a/%2e%2e/b");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ParseLocation("file:///a/%2e%2e/b").error().code);
  EXPECT_EQ(refused.error().message, ParseLocation("file:///a/%2e%2e/b").error().message);
}

TEST(ParseLocationTest, RelativePathsResolveAgainstTheWorkingDirectory) {
  Location location = ParseLocation("some/dir").value();
  EXPECT_EQ(location.path, std::filesystem::current_path().string() + "/some/dir");
}

TEST(ParseLocationTest, S3LocationsAreDecodedOnceAndNormalised) {
  for (const char* text : {"s3://bucket/a/b", "s3a://bucket/a/b/", "S3N://bucket/a/b",
                           "s3://bucket/a/%62"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(CanonicalOf(text), "s3://bucket/a/b");
  }
  Location root = ParseLocation("s3://bucket").value();
  EXPECT_EQ(root.bucket, "bucket");
  EXPECT_EQ(root.path, "");
  EXPECT_EQ(root.Uri(), "s3://bucket");
  EXPECT_EQ(ParseLocation("s3://bucket/my%20table").value().path, "my table");
  EXPECT_EQ(ParseLocation("s3://bucket/100%25").value().path, "100%");
}

// Issue 10, items 1 and 5: each of these was accepted, then a 500 or a served file.
TEST(ParseLocationTest, RefusesWhatIsNotALocalDirectoryOrABucketPrefix) {
  struct Case {
    std::string text;
    std::string why;
  };
  const std::vector<Case> cases = {
      {"", "Empty"},
      {"file://evil.example/etc", "remote host"},
      {"file://127.0.0.1/etc", "remote host"},
      {std::string("/data/a\0b", 9), "control character"},
      {"file:///data/a%00b", "control character"},
      {"file:///data/a%0Ab", "control character"},
      {"/data/a\nb", "control character"},
      {"file:///x/%zz", "malformed percent escape"},
      {"file:///x/%2", "malformed percent escape"},
      {"file:///folder/%2e%2e/other", "'..'"},
      {"file:///folder/%2E%2E", "'..'"},
      {"/folder/../other", "'..'"},
      {"file:///folder/..", "'..'"},
      {"s3://bucket/a/%2e%2e/b", "'..'"},
      {"s3://bucket/a/../b", "'..'"},
      {"s3://bucket/a/./b", "'.' segment"},
      {"s3://bucket/a//b", "empty or '.' segment"},
      {"s3://bucket//a", "empty or '.' segment"},
      {"file:relative/path", "not an absolute file URI"},
      {"file:///data/t?x=1", "query or fragment"},
      {"file:///data/t#frag", "query or fragment"},
      {"s3://user:secret@bucket/x", "credentials or a port"},
      {"s3://bucket:9000/x", "credentials or a port"},
      {"s3://bad bucket/x", "invalid bucket"},
      {"s3:///x", "invalid bucket"},
      {"s3:bucket/x", "not an s3:// URI"},
      {"/" + std::string(kMaxLocationBytes, 'a'), "longer than"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto location = ParseLocation(c.text);
    ASSERT_FALSE(location.has_value()) << location->Uri();
    EXPECT_EQ(location.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(location.error().message, HasSubstr(c.why));
    // Messages never carry the control byte itself.
    EXPECT_EQ(location.error().message.find('\0'), std::string::npos);
    EXPECT_EQ(location.error().message.find('\n'), std::string::npos);
  }
  for (const char* text :
       {"gs://bucket/x", "abfss://c@a.dfs.core.windows.net/x", "http://x/y", "c:/data/t"}) {
    EXPECT_EQ(ParseLocation(text).error().code, ErrorCode::kUnsupported) << text;
  }
}

TEST(ParseLocationTest, ContainmentIsBySegmentAndScheme) {
  auto at = [](const char* text) { return ParseLocation(text).value(); };
  EXPECT_TRUE(at("/data/a").Contains(at("/data/a")));
  EXPECT_TRUE(at("/data/a").Contains(at("file:///data/a/b/c")));
  EXPECT_FALSE(at("/data/a").Contains(at("/data/ab")));
  EXPECT_FALSE(at("/data/a").Contains(at("/data")));
  EXPECT_TRUE(at("/").Contains(at("/etc")));
  EXPECT_FALSE(at("/data").Contains(at("s3://data/x")));
  EXPECT_TRUE(at("s3://b").Contains(at("s3://b/x/y")));
  EXPECT_TRUE(at("s3://b/x").Contains(at("s3a://b/x/y")));
  EXPECT_FALSE(at("s3://b/x").Contains(at("s3://b/xy")));
  EXPECT_FALSE(at("s3://b/x").Contains(at("s3://c/x/y")));
  EXPECT_EQ(at("/data/a").RelativePathOf(at("/data/a/b/c")).value(), "b/c");
  EXPECT_EQ(at("/data/a").RelativePathOf(at("/data/a")).value(), "");
  EXPECT_EQ(at("/").RelativePathOf(at("/etc/x")).value(), "etc/x");
  EXPECT_EQ(at("s3://b").RelativePathOf(at("s3://b/x/y")).value(), "x/y");
  EXPECT_FALSE(at("/data/a").RelativePathOf(at("/data/b")).has_value());
}

class ResolveTablePathTest : public ::testing::Test {
 protected:
  // Memory stores that report the root URIs of a local and an S3 table.
  MemoryObjectStore local_{"file:///data/t"};
  MemoryObjectStore s3_{"s3://bucket/tables/t"};
};

TEST_F(ResolveTablePathTest, RelativePathsAreDecodedOnce) {
  EXPECT_EQ(ResolveTablePath(local_, "part-0.parquet").value(), "part-0.parquet");
  EXPECT_EQ(ResolveTablePath(local_, "country=DE/part%200.parquet").value(),
            "country=DE/part 0.parquet");
  EXPECT_EQ(ResolveTablePath(local_, "a%2525b").value(), "a%25b");
}

TEST_F(ResolveTablePathTest, AbsolutePathsInsideTheTableAreRelativised) {
  EXPECT_EQ(ResolveTablePath(local_, "file:/data/t/x/p.parquet").value(), "x/p.parquet");
  EXPECT_EQ(ResolveTablePath(local_, "file:///data/t/my%20file.parquet").value(),
            "my file.parquet");
  EXPECT_EQ(ResolveTablePath(local_, "/data/t/p.parquet").value(), "p.parquet");
  EXPECT_EQ(ResolveTablePath(s3_, "s3a://bucket/tables/t/p.parquet").value(), "p.parquet");
}

// Issue 10, item 1: a log whose add path is "../../secret" or an absolute URI elsewhere.
TEST_F(ResolveTablePathTest, PathsOutsideTheTableAreRefusedAsUnsupported) {
  const std::vector<std::string> attacks = {
      "../../secret",
      "%2e%2e/%2e%2e/secret",
      "x/../../secret",
      "./p.parquet",
      "a//b",
      "part%zz.parquet",
      "a%00b",
      "a%0Ab",
      "file:/data/secret",
      "file:///data/t/../secret",
      "file:///data/t/%2e%2e/secret",
      "file:///data/tt/p.parquet",
      "file:///data/t",
      "file://evil.example/data/t/p.parquet",
      "/etc/shadow",
      "/data/t/../admin-token",
      "s3://bucket/tables/t/p.parquet",
      "c:/data/t/p.parquet",
  };
  for (const std::string& path : attacks) {
    SCOPED_TRACE(path);
    auto resolved = ResolveTablePath(local_, path);
    ASSERT_FALSE(resolved.has_value()) << *resolved;
    EXPECT_EQ(resolved.error().code, ErrorCode::kUnsupported);
    EXPECT_THAT(resolved.error().message, HasSubstr("cannot be shared"));
    EXPECT_THAT(resolved.error().message, Not(HasSubstr("/data")));
  }
  for (const char* path : {"s3://bucket/tables/other/p.parquet", "s3://other/tables/t/p.parquet",
                           "s3://bucket/tables/t/../x", "file:///tables/t/p.parquet"}) {
    EXPECT_EQ(ResolveTablePath(s3_, path).error().code, ErrorCode::kUnsupported) << path;
  }
}

}  // namespace
}  // namespace lakeshare::storage
