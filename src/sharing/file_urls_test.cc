#include "sharing/file_urls.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "common/temp_dir.h"
#include "http/string_stream_writer.h"
#include "sharing/sharing_test_util.h"
#include "sharing/yaml_share_provider.h"

namespace lakeshare::sharing {
namespace {

namespace fs = std::filesystem;

class FileUrlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / "t" / "p=a b");
    std::ofstream(dir_.path() / "t" / "p=a b" / "f.parquet") << "0123456789";
    std::ofstream(dir_.path() / "secret.txt") << "outside";
    auto provider = testing::YamlProviderOf(
        "version: 1\nshares:\n- name: s\n  schemas:\n  - name: d\n"
        "    tables:\n    - {name: t, location: '" +
        (dir_.path() / "t").string() + "'}\n");
    ASSERT_TRUE(provider) << provider.error().message;
    provider_ = std::move(*provider);
    table_ = *provider_->GetTable(Recipient{"anonymous", true}, "s", "d", "t");
    store_ = *stores_.Get(table_.location);
  }

  UrlScope Scope(int64_t expires_s) {
    return UrlScope{"http://h:1", table_.share_id, table_.id, "anonymous", "", expires_s, 3600, ""};
  }

  Result<http::Response> Get(const std::string& url, std::vector<http::Field> headers = {},
                             int64_t now_ms = 1000) {
    std::string target = url.substr(std::string("http://h:1").size());
    auto request = http::Request::Create("GET", target, std::move(headers));
    EXPECT_TRUE(request) << request.error().message;
    // The router would match /files/{share}/{table}/{path...}.
    auto segs = request->path_segments();
    std::string rest;
    for (size_t i = 3; i < segs.size(); ++i) rest += (i > 3 ? "/" : "") + segs[i];
    request->SetRouteForTest("/files/{share}/{table}/{path...}",
                             {{"share", segs[1]}, {"table", segs[2]}, {"path", rest}});
    return ServeSignedFile(*request, *provider_, stores_, signer_, now_ms);
  }

  TempDir dir_{"lakeshare-file-urls-test"};
  StoreCache stores_{storage::StoreOptions{}};
  std::unique_ptr<YamlShareProvider> provider_;
  TableInfo table_;
  std::shared_ptr<const storage::ObjectStore> store_;
  HmacSigner secret_{"0123456789abcdef0123"};
  FileUrlSigner signer_{secret_};
};

TEST_F(FileUrlsTest, SignedUrlServesTheFileWithRanges) {
  auto url = signer_.Sign(*store_, Scope(100), "p=a b/f.parquet");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->expiration_ms, 100000);
  EXPECT_NE(url->url.find("/p=a%20b/f.parquet?expires=100&"), std::string::npos) << url->url;
  auto whole = Get(url->url);
  ASSERT_TRUE(whole) << whole.error().message;
  EXPECT_EQ(whole->status(), 200);
  EXPECT_EQ(whole->body(), "0123456789");
  ASSERT_NE(whole->Header("ETag"), nullptr);
  auto part = Get(url->url, {{"Range", "bytes=2-4"}});
  EXPECT_EQ(part->status(), 206);
  EXPECT_EQ(part->body(), "234");
  EXPECT_EQ(*part->Header("Content-Range"), "bytes 2-4/10");
  EXPECT_EQ(Get(url->url, {{"Range", "bytes=-3"}})->body(), "789");
  EXPECT_EQ(Get(url->url, {{"Range", "bytes=8-"}})->body(), "89");
  EXPECT_EQ(Get(url->url, {{"Range", "bytes=10-"}})->status(), 416);
  EXPECT_EQ(Get(url->url, {{"Range", "bytes=0-1,3-4"}})->status(), 200);
  EXPECT_EQ(Get(url->url, {{"If-None-Match", *whole->Header("ETag")}})->status(), 304);
}

// RFC 9110 §14.1.2-3 for each form of a single byte range of the 10-byte file "0123456789".
// "bytes=0-18446744073709551615" (a last-pos past int64) used to be ignored (200, the whole file)
// where a last-pos past the end is clamped (206); a suffix-length or first-pos past int64 too.
// Two positions past int64 were both read as INT64_MAX: "last < first" between them was missed.
TEST_F(FileUrlsTest, RangesFollowRfc9110) {
  auto url = signer_.Sign(*store_, Scope(100), "p=a b/f.parquet");
  ASSERT_TRUE(url) << url.error().message;
  struct Case {
    const char* range;
    int status;
    const char* body;           // for 200 and 206
    const char* content_range;  // for 206 and 416
  };
  const Case cases[] = {
      {"bytes=0-18446744073709551615", 206, "0123456789", "bytes 0-9/10"},
      {"bytes=3-99999999999999999999999", 206, "3456789", "bytes 3-9/10"},
      {"bytes=0-9223372036854775807", 206, "0123456789", "bytes 0-9/10"},
      {"bytes=-18446744073709551616", 206, "0123456789", "bytes 0-9/10"},  // longer: all of it
      {"bytes=-11", 206, "0123456789", "bytes 0-9/10"},
      {"bytes=18446744073709551616-", 416, "", "bytes */10"},  // first-pos past the end
      {"bytes=18446744073709551616-18446744073709551617", 416, "", "bytes */10"},
      {"bytes=10-20", 416, "", "bytes */10"},
      {"bytes=-0", 416, "", "bytes */10"},  // a suffix-length of 0 is unsatisfiable
      {"bytes=9-", 206, "9", "bytes 9-9/10"},
      {"bytes=0-0", 206, "0", "bytes 0-0/10"},
      {"BYTES=1-2", 206, "12", "bytes 1-2/10"},   // the unit is case-insensitive
      {"bytes=5-4", 200, "0123456789", nullptr},  // last-pos < first-pos: invalid, ignored
      {"bytes=18446744073709551616-5", 200, "0123456789", nullptr},
      // Both past int64: compared as numbers, not both as INT64_MAX (this one answered 416).
      {"bytes=18446744073709551617-18446744073709551616", 200, "0123456789", nullptr},
      {"bytes=0018446744073709551616-18446744073709551616", 416, "", "bytes */10"},
      {"bytes=007-0009", 206, "789", "bytes 7-9/10"},
      {"bytes=0-1,3-4", 200, "0123456789", nullptr},  // several ranges: the whole file
      {"bytes=+1-2", 200, "0123456789", nullptr},     // not 1*DIGIT
      {"bytes=1-+2", 200, "0123456789", nullptr},
      {"bytes=--1", 200, "0123456789", nullptr},
      {"bytes=1", 200, "0123456789", nullptr},
      {"bytes=-", 200, "0123456789", nullptr},
      {"items=1-2", 200, "0123456789", nullptr},
  };
  for (const Case& c : cases) {
    auto r = Get(url->url, {{"Range", c.range}});
    ASSERT_TRUE(r) << c.range;
    EXPECT_EQ(r->status(), c.status) << c.range;
    if (c.status != 416) {
      EXPECT_EQ(r->body(), c.body) << c.range;
    }
    const std::string* content_range = r->Header("Content-Range");
    if (c.content_range == nullptr) {
      EXPECT_EQ(content_range, nullptr) << c.range;
    } else {
      ASSERT_NE(content_range, nullptr) << c.range;
      EXPECT_EQ(*content_range, c.content_range) << c.range;
    }
  }
}

TEST_F(FileUrlsTest, UrlsHaveTheirDocumentedShapeAndMac) {
  UrlScope scope{"http://h:1", "S", "T", "a b&c", "", 100, 3600, ""};
  const std::string path = "p=a b/f%\xC3\xA9~.parquet";
  using namespace std::string_literals;
  // The URL Sign gives for `scope` has `query` (before the signature) and the MAC of `mac_tail`
  // after the recipient; a batch of the same scope appends the same URL.
  auto expect_url = [&](const std::string& query, const std::string& mac_tail) {
    SCOPED_TRACE(query);
    auto url = signer_.Sign(*store_, scope, path);
    ASSERT_TRUE(url) << url.error().message;
    const std::string mac =
        secret_.Mac("file", "S\0T\0"s + path + "\0"s + "100" + "\0"s + "a b&c" + "\0"s + mac_tail);
    EXPECT_EQ(url->url, "http://h:1/files/S/T/p=a%20b/f%25%C3%A9~.parquet?expires=100" + query +
                            "&signature=" + Base64UrlEncode(mac));
    EXPECT_EQ(url->expiration_ms, 100000);
    std::optional<LocalUrlBatch> batch = signer_.PrepareLocal(*store_, scope);
    ASSERT_TRUE(batch);
    std::string appended = "x";
    batch->AppendUrl(appended, path);
    EXPECT_EQ(appended, "x" + url->url);
  };
  expect_url("&recipient=a%20b%26c", "");
  // With the recipient's id (a metastore recipient): in the URL and under the MAC.
  scope.recipient_id = "0f1e2d3c-id";
  expect_url("&recipient=a%20b%26c&rid=0f1e2d3c-id", "0f1e2d3c-id");
  // With the terms of a restricted table: in the URL and under the MAC, after the id.
  scope.terms = "t3rms_-";
  expect_url("&recipient=a%20b%26c&rid=0f1e2d3c-id&terms=t3rms_-", "0f1e2d3c-id\0"s + "t3rms_-");
}

// Terms name what restricts a table (FileUrlSigner::Terms): none for an unrestricted one, and a
// different digest for each change of a partition filter or rule, or of the view.
TEST_F(FileUrlsTest, TermsTellEveryRestrictionApart) {
  TableInfo t = table_;
  EXPECT_EQ(signer_.Terms(t), "");
  std::set<std::string> seen;
  auto add = [&](const TableInfo& table) {
    const std::string terms = signer_.Terms(table);
    EXPECT_FALSE(terms.empty());
    EXPECT_TRUE(seen.insert(terms).second) << terms;
    EXPECT_EQ(signer_.Terms(table), terms);  // the same terms, the same digest
  };
  t.partition_filter = R"({"op":"isNull","children":[{"op":"column","name":"p"}]})";
  add(t);
  t.partition_filter.clear();
  t.partition_rule = std::vector<PartitionClause>{{{"p", PartitionCondition::Op::kEqual, "a"}}};
  add(t);
  (*t.partition_rule)[0][0].value = "b";
  add(t);
  (*t.partition_rule)[0][0].op = PartitionCondition::Op::kLike;
  add(t);
  (*t.partition_rule)[0][0].value = std::nullopt;
  add(t);
  t.partition_rule.reset();
  t.view.columns = {"id"};
  add(t);
  t.view.columns.clear();
  t.view.column_masks = {{"p", "hash"}};
  add(t);
  t.view.column_masks = {{"p", "null"}};
  add(t);
}

// The body of a pulled response (http::Response::Pieces), pulled part by part as the server does.
std::string PulledBody(http::Response& response) {
  http::ChunkSource pull = response.TakePulled();
  std::string out, part;
  for (bool more = true; more;) {
    part.clear();
    Result<bool> pulled = pull(part);
    EXPECT_TRUE(pulled);
    if (!pulled) break;
    more = *pulled;
    out += part;
  }
  return out;
}

TEST_F(FileUrlsTest, LargeFilesStreamWithTheirContentLength) {
  std::string content;
  for (int i = 0; i < 700'000; ++i) content += std::to_string(i % 10) + "abcdefghi"[i % 9];
  std::ofstream(dir_.path() / "t" / "big.parquet", std::ios::binary) << content;
  auto url = signer_.Sign(*store_, Scope(100), "big.parquet");
  ASSERT_TRUE(url) << url.error().message;
  auto whole = Get(url->url);
  ASSERT_TRUE(whole) << whole.error().message;
  ASSERT_TRUE(whole->is_streaming());
  EXPECT_EQ(whole->content_length(), static_cast<int64_t>(content.size()));
  EXPECT_EQ(PulledBody(*whole), content);
  // A range past the in-memory limit streams exactly its bytes, announced up front.
  auto part = Get(url->url, {{"Range", "bytes=100-"}});
  ASSERT_TRUE(part);
  EXPECT_EQ(part->status(), 206);
  EXPECT_EQ(part->content_length(), static_cast<int64_t>(content.size() - 100));
  EXPECT_EQ(PulledBody(*part), content.substr(100));
}

TEST_F(FileUrlsTest, ExpiredOrAlteredUrlsAreRefused) {
  auto url = signer_.Sign(*store_, Scope(100), "p=a b/f.parquet");
  EXPECT_EQ(Get(url->url, {}, 100000).error().code, ErrorCode::kPermissionDenied);
  std::string other = url->url;
  other.replace(other.find("expires=100"), 11, "expires=999");
  EXPECT_EQ(Get(other).error().code, ErrorCode::kPermissionDenied);
  std::string path = url->url;
  path.replace(path.find("f.parquet"), 9, "g.parquet");
  EXPECT_EQ(Get(path).error().code, ErrorCode::kPermissionDenied);
  std::string who = url->url;
  who.replace(who.find("recipient=anonymous"), 19, "recipient=anonymouz");
  EXPECT_EQ(Get(who).error().code, ErrorCode::kPermissionDenied);
  // A recipient id added to a URL signed without one (or changed, or dropped) breaks the MAC.
  std::string with_id = url->url;
  with_id.insert(with_id.find("&signature="), "&rid=x");
  EXPECT_EQ(Get(with_id).error().code, ErrorCode::kPermissionDenied);
}

// The YAML provider has no recipient ids: a URL signed with one (for a metastore recipient) does
// not name the provider's recipient, whose id is empty, and is refused after its MAC verified.
TEST_F(FileUrlsTest, UrlsForAnotherRecipientIdAreRefused) {
  UrlScope scope = Scope(100);
  scope.recipient_id = "id-of-an-earlier-recipient";
  auto url = signer_.Sign(*store_, scope, "p=a b/f.parquet");
  ASSERT_TRUE(url) << url.error().message;
  auto refused = Get(url->url);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kNotFound);
  url = signer_.Sign(*store_, Scope(100), "p=a b/f.parquet");
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(Get(url->url)->status(), 200);
}

TEST_F(FileUrlsTest, PathsOutsideTheTableCannotBeNamed) {
  // Even a correctly signed URL for "../secret.txt" is refused.
  auto url = signer_.Sign(*store_, Scope(100), "../secret.txt");
  ASSERT_TRUE(url);
  auto r = Get(url->url);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().code, ErrorCode::kInternal);
}

// A log's file whose name no filesystem holds is a missing file (404), not a store to retry (503).
TEST_F(FileUrlsTest, AFileNameTooLongForTheFilesystemIsNotFound) {
  auto url = signer_.Sign(*store_, Scope(100), "p=a b/" + std::string(300, 'f') + ".parquet");
  ASSERT_TRUE(url);
  auto r = Get(url->url);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound) << r.error().message;
}

TEST(StoragePathTest, AbsolutePathsOnlyInsideTheTable) {
  auto store = storage::OpenObjectStore("/tmp/lakeshare-t");
  ASSERT_TRUE(store);
  EXPECT_EQ(*StoragePathOf(**store, "a%20b/c.parquet"), "a b/c.parquet");
  EXPECT_EQ(*StoragePathOf(**store, "file:///tmp/lakeshare-t/x.parquet"), "x.parquet");
  EXPECT_EQ(*StoragePathOf(**store, "file:/tmp/lakeshare-t/x.parquet"), "x.parquet");
  EXPECT_EQ(StoragePathOf(**store, "file:///tmp/other/x.parquet").error().code,
            ErrorCode::kUnsupported);
  EXPECT_EQ(StoragePathOf(**store, "s3://b/x.parquet").error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(StoragePathOf(**store, "../x.parquet").error().code, ErrorCode::kUnsupported);
  EXPECT_EQ(StoragePathOf(**store, "%2e%2e/x.parquet").error().code, ErrorCode::kUnsupported);
}

// Issue 10, item 5: a location registered before locations were checked, or a table deleted
// since, is a 404 that says so (never a 500), and never names the location.
TEST(TableSourceTest, BrokenTablesAreNotFoundOrDeniedNeverInternal) {
  StoreCache stores{storage::StoreOptions{}};
  for (const char* location : {"file://evil.example/etc", "file:///x/%zz", "gs://b/t"}) {
    auto store = stores.Get(location);
    ASSERT_FALSE(store) << location;
    EXPECT_EQ(store.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(store.error().message.find("evil"), std::string::npos);
  }
  Error missing = TableSourceError("sales", Error{ErrorCode::kNotFound, "No Delta log in /srv/x"});
  EXPECT_EQ(missing.code, ErrorCode::kNotFound);
  EXPECT_NE(missing.message.find("Table 'sales' is not available"), std::string::npos);
  EXPECT_EQ(missing.message.find("/srv/x"), std::string::npos);
  Error denied =
      TableSourceError("sales", Error{ErrorCode::kPermissionDenied, "AccessDenied on /srv/x"});
  EXPECT_EQ(denied.code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(denied.message.find("/srv/x"), std::string::npos);
  EXPECT_EQ(TableSourceError("sales", Error{ErrorCode::kUnavailable, "down"}).code,
            ErrorCode::kUnavailable);
  EXPECT_EQ(TableSourceError("sales", Error{ErrorCode::kUnsupported, "feature x"}).message,
            "feature x");
}

}  // namespace
}  // namespace lakeshare::sharing
