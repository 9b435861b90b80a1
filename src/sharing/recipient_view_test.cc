// Per-recipient row filters, columns and masks (issue 11) from the metastore to the files: a shared
// table's recipient_view (as the management API stores it) is resolved per recipient by the
// MetastoreShareProvider and enforced by materialized files; over a real SQLite catalog and a
// local Delta table, through the http Router.
// Designated initializers leave the catalog structs' other fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "auth/recipient_authenticator.h"
#include "delta/table_writer.h"
#include "http/router.h"
#include "http/string_stream_writer.h"
#include "materialize/materializer.h"
#include "parquet/json_shredder.h"
#include "sharing/metastore_share_provider.h"
#include "sharing/sharing_service.h"
#include "storage/local_object_store.h"
#include "storage/location.h"

namespace lakeshare::sharing {
namespace {

namespace fs = std::filesystem;
using parquet::PhysicalType;

class RecipientViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() / ("lakeshare-view-test-" + std::to_string(::getpid()) +
                                        "-" + std::to_string(counter++));
    fs::create_directories(dir_ / "events");
    WriteTable();
    auto c = catalog::OpenCatalog((dir_ / "metastore.db").string());
    ASSERT_TRUE(c) << c.error().message;
    catalog_ = std::move(*c);
    // Storage governance as the server sets it up: the table lies under an external location.
    catalog::LocationPolicy policy;
    policy.canonicalize = [](std::string_view l) -> Result<std::string> {
      LS_ASSIGN_OR_RETURN(storage::Location parsed, storage::ParseLocation(l));
      return parsed.Uri();
    };
    ASSERT_TRUE(catalog_->SetLocationPolicy(std::move(policy)));
    ASSERT_TRUE(catalog_->CreateExternalLocation(
        {.name = "local", .url = dir_.string(), .owner = "admin"}));
    ASSERT_TRUE(catalog_->CreateCatalog({.name = "main", .owner = "admin"}));
    ASSERT_TRUE(catalog_->CreateSchema({.catalog_name = "main", .name = "s", .owner = "admin"}));
    ASSERT_TRUE(catalog_->CreateTable({.catalog_name = "main",
                                       .schema_name = "s",
                                       .name = "events",
                                       .storage_location = (dir_ / "events").string(),
                                       .owner = "admin"}));
    ASSERT_TRUE(catalog_->CreateShare({.name = "partners", .owner = "admin"}));
    // As the management API stores `row_filter`, `columns` and `column_masks`.
    nlohmann::json filter = {
        {"op", "equal"},
        {"children",
         {{{"op", "column"}, {"name", "country"}, {"valueType", "string"}},
          {{"op", "recipientProperty"}, {"name", "country"}, {"valueType", "string"}}}}};
    nlohmann::json view = {{"row_filter", filter.dump()}, {"columns", {"id", "country"}}};
    catalog::SharedDataObject o{.name = "main.s.events"};
    o.recipient_view_json = view.dump();
    ASSERT_TRUE(catalog_->UpdateShare(
        "partners", {}, {{catalog::SharedObjectChange::Action::kAdd, std::move(o)}}, "admin"));
    provider_ = std::make_shared<MetastoreShareProvider>(*catalog_, MetastoreProviderOptions{});
    auth_ = std::make_shared<auth::RecipientAuthenticator>(*catalog_);
    auto cache = storage::LocalObjectStore::Open((dir_ / "cache").string());
    ASSERT_TRUE(cache);
    materialize::MaterializerOptions mo;
    mo.cache = std::shared_ptr<storage::ObjectStore>(std::move(*cache));
    auto m = materialize::Materializer::Create(std::move(mo));
    ASSERT_TRUE(m);
    SharingOptions options;
    options.public_url = "http://localhost";
    options.materializer = std::shared_ptr<materialize::Materializer>(std::move(*m));
    auto service = SharingService::Create(provider_, auth_, options);
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
    ASSERT_TRUE(service_->RegisterRoutes(router_));
    router_.SetAuthenticator(service_->MakeAuthenticator());
  }
  void TearDown() override {
    service_.reset();
    auth_.reset();
    provider_.reset();
    catalog_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Two files: DE x6 + FR x4, then FR x5; every row has a secret `note`.
  void WriteTable() {
    auto store = storage::LocalObjectStore::Open((dir_ / "events").string());
    ASSERT_TRUE(store);
    std::shared_ptr<storage::ObjectStore> table(std::move(*store));
    delta::TableWriter writer(table);
    std::vector<std::string> lines;
    delta::Protocol p;
    delta::Metadata m;
    m.id = "events";
    m.schema_string =
        R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,"metadata":{}},)"
        R"({"name":"country","type":"string","nullable":true,"metadata":{}},)"
        R"({"name":"note","type":"string","nullable":true,"metadata":{}}]})";
    lines.push_back(delta::ProtocolActionLine(p));
    lines.push_back(delta::MetadataActionLine(m));
    int id = 0;
    for (const auto& countries : {std::vector<std::string>{"DE", "DE", "DE", "DE", "DE", "DE",
                                                           "FR", "FR", "FR", "FR"},
                                  std::vector<std::string>{"FR", "FR", "FR", "FR", "FR"}}) {
      auto schema = parquet::WriterSchema::Make(
          {parquet::Primitive("id", PhysicalType::kInt64),
           parquet::Primitive("country", PhysicalType::kByteArray, parquet::StringType()),
           parquet::Primitive("note", PhysicalType::kByteArray, parquet::StringType())},
          "spark_schema");
      ASSERT_TRUE(schema);
      parquet::RowShredder shredder(schema->schema());
      for (const auto& c : countries) {
        ASSERT_TRUE(shredder.AddJsonLine(
            fmt::format(R"({{"id":{},"country":"{}","note":"secret"}})", id++, c)));
      }
      auto add = writer.WriteDataFile(fmt::format("part-{}.parquet", id), std::move(*schema),
                                      {shredder.TakeColumns()});
      ASSERT_TRUE(add) << add.error().message;
      lines.push_back(delta::FileActionLine(*add));
    }
    ASSERT_TRUE(writer.Commit(0, lines));
  }

  std::string Recipient(const std::string& name, std::map<std::string, std::string> props) {
    EXPECT_TRUE(catalog_->CreateRecipient({.name = name, .owner = "admin", .properties = props}));
    std::string token = "token-of-" + name + "-0123456789abcdef0123456789abcdef";
    EXPECT_TRUE(catalog_->AddRecipientToken(name, token, std::nullopt, "admin"));
    catalog::PermissionsChange change{.principal = name};
    change.add.push_back(catalog::Privilege::kSelect);
    EXPECT_TRUE(catalog_->UpdatePermissions(catalog::SecurableType::kShare, "partners", {change}));
    return "Bearer " + token;
  }

  struct Answer {
    int status = 0;
    int64_t rows = 0;   // numRecords of the files announced
    int64_t files = 0;
    std::string schema;  // of the metaData line
  };
  Answer Query(const std::string& header) {
    auto request = http::Request::Create("POST", "/delta-sharing/shares/partners/schemas/s/tables/"
                                         "events/query",
                                         {{"Authorization", header}}, "{}", "127.0.0.1");
    EXPECT_TRUE(request);
    http::Response response = router_.Dispatch(*request);
    Answer a;
    a.status = response.status();
    std::string body = response.body();
    if (response.is_streaming()) {
      http::StringStreamWriter w;
      EXPECT_TRUE(response.TakeProducer()(w));
      body = std::move(w.out);
    }
    size_t start = 0;
    while (start < body.size()) {
      size_t end = body.find('\n', start);
      auto j = nlohmann::json::parse(body.substr(start, end - start), nullptr, false);
      if (j.contains("file")) {
        ++a.files;
        a.rows += nlohmann::json::parse(j["file"]["stats"].get<std::string>())["numRecords"]
                      .get<int64_t>();
      }
      if (j.contains("metaData")) a.schema = j["metaData"]["schemaString"].get<std::string>();
      start = end == std::string::npos ? body.size() : end + 1;
    }
    return a;
  }

  fs::path dir_;
  std::unique_ptr<catalog::Catalog> catalog_;
  std::shared_ptr<MetastoreShareProvider> provider_;
  std::shared_ptr<auth::RecipientAuthenticator> auth_;
  std::unique_ptr<SharingService> service_;
  http::Router router_;
};

TEST_F(RecipientViewTest, EachRecipientReadsOnlyItsRowsAndTheListedColumns) {
  const std::string de = Recipient("acme-de", {{"country", "DE"}});
  const std::string fr = Recipient("acme-fr", {{"country", "FR"}});
  const std::string none = Recipient("no-country", {});
  Answer a = Query(de);
  ASSERT_EQ(a.status, 200);
  EXPECT_EQ(a.rows, 6);
  EXPECT_EQ(a.files, 1);  // the FR-only file holds none of its rows: not announced
  EXPECT_NE(a.schema.find("\"country\""), std::string::npos);
  EXPECT_EQ(a.schema.find("note"), std::string::npos) << a.schema;  // not a listed column
  Answer b = Query(fr);
  ASSERT_EQ(b.status, 200);
  EXPECT_EQ(b.rows, 9);
  EXPECT_EQ(b.files, 2);
  // Without the property: nothing, not everything.
  Answer c = Query(none);
  ASSERT_EQ(c.status, 200);
  EXPECT_EQ(c.rows, 0);
  EXPECT_EQ(c.files, 0);
}

}  // namespace
}  // namespace lakeshare::sharing
