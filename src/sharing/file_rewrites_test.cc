// The materialization wiring of the sharing service (file_rewrites_internal.h), in process: a
// local deletion-vector table served by a YAML provider through the http Router, to a client
// without a capabilities header (rewritten copies under /materialized/) and to a delta client
// that declares deletionVectors (the original files); a /query whose rewrites outlast the wait
// is a 503 with Retry-After, never a partial listing.
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/temp_dir.h"
#include "delta/delta_test_util.h"
#include "delta/table_writer.h"
#include "http/router.h"
#include "materialize/materializer.h"
#include "parquet/json_shredder.h"
#include "sharing/sharing_service.h"
#include "sharing/sharing_test_util.h"
#include "sharing/yaml_share_provider.h"
#include "storage/local_object_store.h"

namespace lakeshare::sharing {
namespace {

namespace fs = std::filesystem;
using parquet::PhysicalType;

class FileRewritesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir_.path() / "table");
    auto store = storage::LocalObjectStore::Open((dir_.path() / "table").string());
    ASSERT_TRUE(store) << store.error().message;
    std::shared_ptr<storage::ObjectStore> table(std::move(*store));
    delta::TableWriter writer(table);
    auto a = WriteFile(writer, "a.parquet", 0);
    auto b = WriteFile(writer, "b.parquet", 10);
    auto dv = writer.WriteDeletionVector(delta::DeletionVector::FromRows({0, 1, 2}), "zz");
    ASSERT_TRUE(dv) << dv.error().message;
    a.deletion_vector = *dv;
    const std::vector<std::string> dv_feature = {"deletionVectors"};
    ASSERT_TRUE(
        writer.Commit(0, {delta::testing::ProtocolLine(3, 7, dv_feature, dv_feature),
                          delta::testing::MetadataLine(
                              delta::testing::SchemaString({{"id", "long"}}), {}, {}, "dv-table"),
                          delta::FileActionLine(a), delta::FileActionLine(b)}));
    auto provider = testing::YamlProviderOf(
        "version: 1\nshares:\n- name: s\n  schemas:\n  - name: d\n    tables:\n    - name: t\n"
        "      location: " +
        (dir_.path() / "table").string() + "\nauthorization:\n  bearerToken: tok\n");
    ASSERT_TRUE(provider) << provider.error().message;
    std::shared_ptr<const YamlShareProvider> shared(std::move(*provider));
    provider_ = shared;
    auth_ = shared;  // the file's tokens
  }
  void TearDown() override {
    router_.reset();
    service_.reset();
  }

  static delta::FileAction WriteFile(delta::TableWriter& writer, const std::string& path,
                                     int first) {
    auto schema = parquet::WriterSchema::Make({parquet::Primitive("id", PhysicalType::kInt64)},
                                              "spark_schema");
    EXPECT_TRUE(schema);
    parquet::RowShredder shredder(schema->schema());
    for (int i = first; i < first + 10; ++i) {
      EXPECT_TRUE(shredder.AddJsonLine(fmt::format(R"({{"id":{}}})", i)));
    }
    auto add = writer.WriteDataFile(path, std::move(*schema), {shredder.TakeColumns()});
    EXPECT_TRUE(add) << add.error().message;
    return *add;
  }

  // The service with a materializer on dir_/cache; `on_event` sees every build.
  void Start(std::chrono::milliseconds wait,
             std::function<void(const materialize::MaterializeEvent&)> on_event = {}) {
    auto cache = storage::LocalObjectStore::Open((dir_.path() / "cache").string());
    ASSERT_TRUE(cache);
    materialize::MaterializerOptions mo;
    mo.cache = std::shared_ptr<storage::ObjectStore>(std::move(*cache));
    mo.threads = 1;
    mo.on_event = std::move(on_event);
    auto m = materialize::Materializer::Create(std::move(mo));
    ASSERT_TRUE(m) << m.error().message;
    materializer_ = std::shared_ptr<materialize::Materializer>(std::move(*m));
    SharingOptions options;
    options.public_url = "http://localhost";
    options.materializer = materializer_;
    options.materialize_wait = wait;
    ServeWith(std::move(options));
  }

  // The service of `options` over the file's provider and tokens, on a new router.
  void ServeWith(SharingOptions options) {
    router_ = std::make_unique<http::Router>();
    auto service = testing::ServeOn(*router_, provider_, auth_, std::move(options));
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
  }

  // An answer read whole (its NDJSON lines parsed) and the audit's later events, each run once.
  struct Exchange : testing::Reply {
    std::vector<std::pair<std::string, std::string>> later;
  };
  Exchange Send(const std::string& method, const std::string& target,
                testing::Headers headers = {}) {
    headers.emplace_back("Authorization", "Bearer tok");
    Exchange e;
    static_cast<testing::Reply&>(e) =
        testing::Call(*router_, method, target, headers, method == "POST" ? "{}" : "");
    EXPECT_FALSE(e.aborted) << e.body;
    if (e.audit) {
      for (const auto& later : e.audit->later_events) {
        auto event = later();
        if (!event.first.empty()) e.later.push_back(std::move(event));
      }
    }
    return e;
  }

  static constexpr const char* kQuery = "/delta-sharing/shares/s/schemas/d/tables/t/query";
  TempDir dir_{"lakeshare-rewrites-test"};
  std::shared_ptr<const ShareProvider> provider_;
  std::shared_ptr<const auth::Authenticator> auth_;
  std::shared_ptr<materialize::Materializer> materializer_;
  std::unique_ptr<SharingService> service_;
  std::unique_ptr<http::Router> router_;
};

TEST_F(FileRewritesTest, ParquetClientsGetRewrittenCopiesAndDeltaClientsTheOriginals) {
  Start(std::chrono::minutes(5));
  Exchange e = Send("POST", kQuery);
  ASSERT_EQ(e.status, 200) << e.body;
  const auto& lines = e.lines;
  ASSERT_EQ(lines.size(), 4u) << e.body;
  EXPECT_EQ(lines[0], nlohmann::json::parse(R"({"protocol":{"minReaderVersion":1}})"));
  int rewritten = 0, original = 0;
  for (size_t i = 2; i < lines.size(); ++i) {
    const auto& f = lines[i]["file"];
    const std::string url = f["url"].get<std::string>();
    const auto stats = nlohmann::json::parse(f["stats"].get<std::string>());
    if (url.find("/materialized/") != std::string::npos) {
      ++rewritten;
      EXPECT_EQ(stats["numRecords"], 7);  // a.parquet without its 3 deleted rows
      // The copy is served by the same signed-URL route; its bytes are the announced size.
      Exchange got = Send("GET", url.substr(std::string("http://localhost").size()));
      ASSERT_EQ(got.status, 200) << got.body;
      EXPECT_EQ(static_cast<int64_t>(got.body.size()), f["size"].get<int64_t>());
      EXPECT_EQ(got.body.substr(0, 4), "PAR1");
      // Another cache path under the same signature is refused.
      std::string altered = url;
      altered[altered.find(".parquet") - 1] ^= 1;
      EXPECT_EQ(Send("GET", altered.substr(std::string("http://localhost").size())).status, 403);
    } else {
      ++original;
      EXPECT_NE(url.find("/files/"), std::string::npos) << url;
      EXPECT_EQ(stats["numRecords"], 10);  // b.parquet, no deletion vector: as it is
    }
  }
  EXPECT_EQ(rewritten, 1);
  EXPECT_EQ(original, 1);
  EXPECT_EQ(materializer_->stats().builds, 1);
  // The audit learns which file was rewritten, how and for whom (one event, bounded).
  ASSERT_EQ(e.later.size(), 1u);
  EXPECT_EQ(e.later[0].first, "deltaSharingMaterializedFiles");
  auto audit = nlohmann::json::parse(e.later[0].second);
  EXPECT_EQ(audit["table"], "t");
  EXPECT_EQ(audit["tableVersion"], "0");
  EXPECT_EQ(audit["transform"], "compatibility");
  EXPECT_EQ(audit["transformDigest"].get<std::string>().size(), 32u);
  EXPECT_EQ(audit["files"], 1);
  EXPECT_EQ(audit["built"], 1);
  EXPECT_EQ(audit["rowsWritten"], 7);
  ASSERT_EQ(audit["listed"].size(), 1u);
  EXPECT_EQ(audit["listed"][0]["path"], "a.parquet");
  EXPECT_EQ(audit["listed"][0]["outcome"], "built");
  // The same query again: served from the cache, and recorded so.
  Exchange again = Send("POST", kQuery);
  ASSERT_EQ(again.later.size(), 1u);
  auto cached = nlohmann::json::parse(again.later[0].second);
  EXPECT_EQ(cached["cached"], 1);
  EXPECT_EQ(cached["built"], 0);
  EXPECT_EQ(cached["transformDigest"], audit["transformDigest"]);

  // A delta client that declares deletion vectors: the original files, the DV passed on.
  Exchange d = Send("POST", kQuery,
                    {{"delta-sharing-capabilities",
                      "responseformat=delta;readerfeatures=deletionvectors"}});
  ASSERT_EQ(d.status, 200) << d.body;
  const auto& dlines = d.lines;
  ASSERT_EQ(dlines.size(), 4u);
  int with_dv = 0;
  for (size_t i = 2; i < dlines.size(); ++i) {
    const auto& add = dlines[i]["file"]["deltaSingleAction"]["add"];
    EXPECT_EQ(add["path"].get<std::string>().find("/materialized/"), std::string::npos);
    with_dv += add.contains("deletionVector") ? 1 : 0;
  }
  EXPECT_EQ(with_dv, 1);
  EXPECT_EQ(materializer_->stats().builds, 1);  // nothing rewritten for it
}

TEST_F(FileRewritesTest, AQueryWhoseRewritesOutlastTheWaitIsA503WithRetryAfter) {
  // The build of the first file is held until the test lets it finish.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  // Released on every path out of the test, so the worker never blocks the teardown.
  struct Guard {
    std::promise<void>& p;
    bool done = false;
    void Release() {
      if (!done) p.set_value();
      done = true;
    }
    ~Guard() { Release(); }
  } guard{release};
  Start(std::chrono::milliseconds(0),
        [released](const materialize::MaterializeEvent&) { released.wait(); });
  Exchange busy = Send("POST", kQuery);
  EXPECT_EQ(busy.status, 503) << busy.body;
  EXPECT_EQ(busy.Header("retry-after"), "5");
  auto j = nlohmann::json::parse(busy.body, nullptr, /*allow_exceptions=*/false);
  EXPECT_EQ(j["errorCode"], "TEMPORARILY_UNAVAILABLE");
  EXPECT_NE(busy.body.find("0 of 1 ready"), std::string::npos) << busy.body;
  ASSERT_EQ(busy.later.size(), 1u);  // the 503 is audited with what is still pending
  EXPECT_EQ(nlohmann::json::parse(busy.later[0].second)["pending"], 1);
  guard.Release();
  // The work went on: once it is done, the retry is answered from the cache.
  for (int i = 0; i < 600 && materializer_->stats().builds == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(materializer_->stats().builds, 1);
  Exchange ok = Send("POST", kQuery);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_NE(ok.body.find("/materialized/"), std::string::npos);
  EXPECT_EQ(materializer_->stats().builds, 1);
  ASSERT_EQ(ok.later.size(), 1u);
  EXPECT_EQ(nlohmann::json::parse(ok.later[0].second)["cached"], 1);
}

TEST_F(FileRewritesTest, AFailedRewriteIsAuditedWithItsFileAndError) {
  Start(std::chrono::minutes(5));
  fs::remove(dir_.path() / "table" / "a.parquet");  // the deletion-vector file, to be rewritten
  Exchange e = Send("POST", kQuery);
  EXPECT_GE(e.status, 400) << e.body;
  EXPECT_LT(e.status, 600) << e.body;
  ASSERT_EQ(e.later.size(), 1u);
  auto audit = nlohmann::json::parse(e.later[0].second);
  EXPECT_EQ(audit["failed"], 1);
  EXPECT_EQ(audit["listed"][0]["path"], "a.parquet");
  EXPECT_EQ(audit["listed"][0]["outcome"], "failed");
  EXPECT_FALSE(audit["listed"][0]["error"].get<std::string>().empty());
}

TEST_F(FileRewritesTest, WithoutACacheParquetClientsAreToldToAskForTheDeltaFormat) {
  SharingOptions options;
  options.public_url = "http://localhost";
  ASSERT_NO_FATAL_FAILURE(ServeWith(options));
  Exchange e = Send("POST", kQuery);
  EXPECT_EQ(e.status, 400) << e.body;
  EXPECT_NE(e.body.find("responseformat=delta"), std::string::npos) << e.body;
  // And /materialized routes serve nothing.
  EXPECT_EQ(Send("GET", "/materialized/s/t/00/x.parquet?expires=1&recipient=r&signature=x").status,
            404);
}

}  // namespace
}  // namespace lakeshare::sharing
