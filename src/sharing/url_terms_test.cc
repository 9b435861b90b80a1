// A signed file URL outlives the terms it was issued under: a provider that adds a column mask,
// a row filter, a column list or a partition restriction to a recipient's table (or changes the
// recipient property they read) means the recipient's next download to follow them, not the raw
// file an earlier /query named. Over a real SQLite metastore, a local Delta table and the
// materialization engine, through the http Router.
// Designated initializers leave the catalog structs' other fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "delta/table_writer.h"
#include "http/router.h"
#include "materialize/materializer.h"
#include "sharing/sharing_service.h"
#include "sharing/sharing_test_util.h"
#include "storage/local_object_store.h"

namespace lakeshare::sharing {
namespace {

using testing::Reply;

class UrlTermsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(bed_.Open());
    auto writer = bed_.CreateTable("items");
    ASSERT_TRUE(writer) << writer.error().message;
    auto add = testing::WriteRows(*writer, "part-0.parquet", {{1, "alpha"}, {2, "beta"}});
    ASSERT_TRUE(add) << add.error().message;
    delta::Metadata m = testing::MetadataOf("items", {{"id", "long"}, {"name", "string"}});
    ASSERT_TRUE(writer->Commit(0, {delta::ProtocolActionLine(delta::Protocol()),
                                   delta::MetadataActionLine(m), delta::FileActionLine(*add)}));
    ASSERT_TRUE(bed_.Share("terms", {catalog::SharedDataObject{.name = "main.s.items"}}));
    auto header = bed_.Recipient("acme", {"terms"}, {{"item", "alpha"}});
    ASSERT_TRUE(header) << header.error().message;
    header_ = *header;
    auto cache = storage::LocalObjectStore::Open((bed_.dir() / "cache").string());
    ASSERT_TRUE(cache);
    materialize::MaterializerOptions mo;
    mo.cache = std::shared_ptr<storage::ObjectStore>(std::move(*cache));
    auto materializer = materialize::Materializer::Create(std::move(mo));
    ASSERT_TRUE(materializer);
    SharingOptions options = testing::LocalOptions("url-terms-test-signing-key-0123456789");
    options.materializer = std::shared_ptr<materialize::Materializer>(std::move(*materializer));
    auto service = bed_.Serve(options, router_);
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
  }

  // Give the shared table `view` (recipient_view JSON; "" for none) and `partitions` (UC
  // `partitions` JSON; "" for none), as a management API update does, effective at once.
  void SetTerms(const std::string& view, const std::string& partitions = "") {
    catalog::SharedDataObject o{.name = "main.s.items"};
    o.recipient_view_json = view;
    o.partitions_json = partitions;
    ASSERT_TRUE(bed_.catalog().UpdateShare(
        "terms", {}, {{catalog::SharedObjectChange::Action::kUpdate, std::move(o)}}, "admin"));
    bed_.provider()->InvalidateShare("terms");
  }

  // The path and query of the one file URL a /query answers.
  std::string FileUrl() {
    Reply r =
        testing::Call(router_, "POST", "/delta-sharing/shares/terms/schemas/s/tables/items/query",
                      {{"Authorization", header_}}, "{}");
    EXPECT_EQ(r.status, 200) << r.body;
    for (const nlohmann::json& j : r.lines) {
      if (j.contains("file")) {
        return j["file"]["url"].get<std::string>().substr(std::string("http://localhost").size());
      }
    }
    ADD_FAILURE() << "no file line: " << r.body;
    return "";
  }

  int Download(const std::string& url) { return testing::Call(router_, "GET", url).status; }

  testing::SharingTestBed bed_;
  std::string header_;
  http::Router router_;
  std::unique_ptr<SharingService> service_;
};

// Attacker finding: a partner that queried a table before the provider masked a column kept
// downloading the unmasked file from its URL until the URL expired (an hour by default).
TEST_F(UrlTermsTest, ARawFileUrlStopsWhenTheTableIsMaskedForTheRecipient) {
  const std::string raw = FileUrl();
  ASSERT_EQ(raw.rfind("/files/", 0), 0u) << raw;
  EXPECT_EQ(Download(raw), 200);

  SetTerms(R"({"column_masks": {"name": "hash"}})");
  EXPECT_EQ(Download(raw), 404);
  const std::string masked = FileUrl();
  ASSERT_EQ(masked.rfind("/materialized/", 0), 0u) << masked;
  EXPECT_EQ(Download(masked), 200);

  // Lifted again: the terms the raw URL was issued under hold again, and so does the URL.
  SetTerms("");
  EXPECT_EQ(Download(raw), 200);
  EXPECT_EQ(Download(masked), 404);
}

// A rewritten file of one view (its rows and columns) is not the recipient's under another: a
// narrower column list, or a row filter reading a recipient property the provider changed.
TEST_F(UrlTermsTest, AMaterializedFileUrlStopsWhenTheViewOrAPropertyItReadsChanges) {
  const nlohmann::json filter = {
      {"op", "equal"},
      {"children",
       {{{"op", "column"}, {"name", "name"}, {"valueType", "string"}},
        {{"op", "recipientProperty"}, {"name", "item"}, {"valueType", "string"}}}}};
  SetTerms(nlohmann::json{{"row_filter", filter.dump()}}.dump());
  const std::string alpha = FileUrl();
  ASSERT_EQ(alpha.rfind("/materialized/", 0), 0u) << alpha;
  EXPECT_EQ(Download(alpha), 200);

  ASSERT_TRUE(bed_.catalog().UpdateRecipient(
      "acme", {.properties = std::map<std::string, std::string>{{"item", "beta"}}}));
  bed_.provider()->InvalidateRecipient("acme");
  EXPECT_EQ(Download(alpha), 404);

  ASSERT_TRUE(bed_.catalog().UpdateRecipient(
      "acme", {.properties = std::map<std::string, std::string>{{"item", "alpha"}}}));
  bed_.provider()->InvalidateRecipient("acme");
  EXPECT_EQ(Download(alpha), 200);
  SetTerms(nlohmann::json{{"row_filter", filter.dump()}, {"columns", {"id"}}}.dump());
  EXPECT_EQ(Download(alpha), 404);
}

}  // namespace
}  // namespace lakeshare::sharing
