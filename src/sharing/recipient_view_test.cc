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
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "auth/recipient_authenticator.h"
#include "common/mutex.h"
#include "common/strings.h"
#include "delta/table_writer.h"
#include "http/router.h"
#include "http/string_stream_writer.h"
#include "materialize/materializer.h"
#include "parquet/json_shredder.h"
#include "sharing/metastore_share_provider.h"
#include "sharing/sharing_service.h"
#include "sharing/sharing_test_util.h"
#include "storage/local_object_store.h"
#include "storage/location.h"

namespace lakeshare::sharing {
namespace {

namespace fs = std::filesystem;
using parquet::PhysicalType;
using testing::Reply;

class RecipientViewTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(bed_.Open());
    WriteTable();
    ASSERT_TRUE(bed_.Share("partners"));
    // As the management API stores `row_filter`, `columns` and `column_masks`.
    nlohmann::json filter = {
        {"op", "equal"},
        {"children",
         {{{"op", "column"}, {"name", "country"}, {"valueType", "string"}},
          {{"op", "recipientProperty"}, {"name", "country"}, {"valueType", "string"}}}}};
    nlohmann::json view = {{"row_filter", filter.dump()}, {"columns", {"id", "country"}}};
    catalog::SharedDataObject o{.name = "main.s.events"};
    o.recipient_view_json = view.dump();
    ASSERT_TRUE(bed_.Share("partners", {std::move(o)}));
    auto cache = storage::LocalObjectStore::Open((bed_.dir() / "cache").string());
    ASSERT_TRUE(cache);
    materialize::MaterializerOptions mo;
    mo.cache = std::shared_ptr<storage::ObjectStore>(std::move(*cache));
    // Workers report each file built (or failed) before the request waiting for it learns of
    // it: a closed gate keeps that work pending for as long as a test needs.
    mo.on_event = [this](const materialize::MaterializeEvent&) {
      MutexLock lock(gate_mu_);
      while (!gate_open_) gate_cv_.Wait(gate_mu_);
    };
    auto m = materialize::Materializer::Create(std::move(mo));
    ASSERT_TRUE(m);
    SharingOptions options;
    options.public_url = "http://localhost";
    options.signing_key = "recipient-view-test-signing-key-0123456789";
    options.materializer = std::shared_ptr<materialize::Materializer>(std::move(*m));
    auto service = bed_.Serve(options, router_);
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
    // A second replica of the server (same metastore, key and cache) that does not wait for
    // rewrites: its answers go pending at once.
    options.materialize_wait = std::chrono::milliseconds(0);
    auto fast = bed_.Serve(options, fast_router_);
    ASSERT_TRUE(fast) << fast.error().message;
    fast_service_ = std::move(*fast);
  }
  void TearDown() override {
    OpenGate();
    fast_service_.reset();
    service_.reset();
  }

  // Two files: DE x6 + FR x4, then FR x5; every row has a secret `note`.
  void WriteTable() {
    auto created = bed_.CreateTable("events");
    ASSERT_TRUE(created) << created.error().message;
    delta::TableWriter& writer = *created;
    std::vector<std::string> lines;
    delta::Protocol p;
    delta::Metadata m =
        testing::MetadataOf("events", {{"id", "long"}, {"country", "string"}, {"note", "string"}});
    lines.push_back(delta::ProtocolActionLine(p));
    lines.push_back(delta::MetadataActionLine(m));
    int id = 0;
    for (const auto& countries :
         {std::vector<std::string>{"DE", "DE", "DE", "DE", "DE", "DE", "FR", "FR", "FR", "FR"},
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
    auto header = bed_.Recipient(name, {"partners"}, std::move(props));
    EXPECT_TRUE(header) << header.error().message;
    return header ? *header : std::string();
  }

  // Share `table` (history shared) with a hash mask on `contact` to a new partner: its answers to
  // /query at the latest version and at version 0.
  std::pair<Reply, Reply> MaskedContactQueries(const std::string& table) {
    nlohmann::json view = {{"column_masks", {{"contact", "hash"}}}};
    catalog::SharedDataObject o{.name = "main.s." + table, .history_data_sharing_status = "ENABLED"};
    o.recipient_view_json = view.dump();
    EXPECT_TRUE(bed_.Share(table + "-share", {std::move(o)}));
    auto header = bed_.Recipient(table + "-partner", {table + "-share"});
    EXPECT_TRUE(header) << header.error().message;
    if (!header) return {};
    auto query = [&](const std::string& body) {
      return testing::Call(router_, "POST",
                           "/delta-sharing/shares/" + table + "-share/schemas/s/tables/" + table +
                               "/query",
                           {{"Authorization", *header}}, body);
    };
    return {query("{}"), query(R"({"version": 0})")};
  }

  struct Answer {
    int status = 0;
    int64_t rows = 0;  // numRecords of the files announced
    int64_t files = 0;
    std::string schema;  // of the metaData line
  };
  Answer Query(const std::string& header) {
    Reply r = Call(router_, header, "/query", "{}");
    Answer a;
    a.status = r.status;
    for (const auto& j : r.lines) {
      if (j.contains("file")) {
        ++a.files;
        a.rows += nlohmann::json::parse(j["file"]["stats"].get<std::string>())["numRecords"]
                      .get<int64_t>();
      }
      if (j.contains("metaData")) a.schema = j["metaData"]["schemaString"].get<std::string>();
    }
    return a;
  }

  void CloseGate() {
    MutexLock lock(gate_mu_);
    gate_open_ = false;
  }
  void OpenGate() {
    {
      MutexLock lock(gate_mu_);
      gate_open_ = true;
    }
    gate_cv_.SignalAll();
  }

  // A POST to the shared table's `path` (/query, /queries/{id}).
  Reply Call(http::Router& router, const std::string& auth, const std::string& path,
             const std::string& body, const testing::Headers& headers = {}) {
    testing::Headers all = {{"Authorization", auth}};
    all.insert(all.end(), headers.begin(), headers.end());
    return testing::Call(
        router, "POST", "/delta-sharing/shares/partners/schemas/s/tables/events" + path, all, body);
  }

  testing::SharingTestBed bed_;
  Mutex gate_mu_;
  CondVar gate_cv_;
  bool gate_open_ LS_GUARDED_BY(gate_mu_) = true;
  http::Router router_;
  http::Router fast_router_;
  std::unique_ptr<SharingService> service_;
  std::unique_ptr<SharingService> fast_service_;
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

// The schema of (id long, `second` string) under column mapping, with these physical names.
std::string MappedSchema(const std::string& second, const std::string& physical_id,
                         const std::string& physical_second) {
  return R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,)"
         R"("metadata":{"delta.columnMapping.id":1,"delta.columnMapping.physicalName":")" +
         physical_id + R"("}},{"name":")" + second +
         R"(","type":"string","nullable":true,)"
         R"("metadata":{"delta.columnMapping.id":2,"delta.columnMapping.physicalName":")" +
         physical_second + R"("}}]})";
}

// Column masks name columns, and under column mapping a column can be renamed: a share masking
// `contact` served version 0, where the same column (physical name col-2) was still called
// `email`, unmasked to any partner asking for {"version": 0}. A mask naming no column of the
// version served is refused (it may be that column under an older name).
TEST_F(RecipientViewTest, AMaskedColumnIsNeverServedUnmaskedUnderAnOlderName) {
  auto created = bed_.CreateTable("renamed");
  ASSERT_TRUE(created) << created.error().message;
  delta::TableWriter& writer = *created;
  auto schema_of = [](const std::string& second) { return MappedSchema(second, "col-1", "col-2"); };
  delta::Protocol p;
  p.min_reader_version = 2;
  p.min_writer_version = 5;
  delta::Metadata m = testing::MetadataOf("renamed", {{"id", "long"}});
  m.schema_string = schema_of("email");
  m.configuration = {{"delta.columnMapping.mode", "name"},
                     {"delta.columnMapping.maxColumnId", "2"}};
  auto file_schema = parquet::WriterSchema::Make(
      {parquet::Primitive("col-1", PhysicalType::kInt64),
       parquet::Primitive("col-2", PhysicalType::kByteArray, parquet::StringType())},
      "spark_schema");
  ASSERT_TRUE(file_schema);
  parquet::RowShredder shredder(file_schema->schema());
  ASSERT_TRUE(shredder.AddJsonLine(R"({"col-1":1,"col-2":"alice@example.com"})"));
  auto add =
      writer.WriteDataFile("part-0.parquet", std::move(*file_schema), {shredder.TakeColumns()});
  ASSERT_TRUE(add) << add.error().message;
  ASSERT_TRUE(writer.Commit(0, {delta::ProtocolActionLine(p), delta::MetadataActionLine(m),
                                delta::FileActionLine(*add)}));
  m.schema_string = schema_of("contact");  // ALTER TABLE RENAME COLUMN email TO contact
  ASSERT_TRUE(writer.Commit(1, {delta::MetadataActionLine(m)}));

  auto [latest, old] = MaskedContactQueries("renamed");
  EXPECT_EQ(latest.status, 200) << latest.body;
  EXPECT_EQ(old.status, 400) << old.body;
  EXPECT_EQ(old.Json()["errorCode"], "UNSUPPORTED_OPERATION") << old.body;
}

// Column mapping can be enabled on an existing table (its columns keep their names as physical
// names) and a column renamed afterwards: the version from before the upgrade has no column
// mapping, yet its `email` is the `contact` the share masks. The check does not depend on the
// version's mode: a mask naming no column of the version served is refused whatever the mode.
TEST_F(RecipientViewTest, AMaskedColumnIsNeverServedUnmaskedFromBeforeColumnMappingWasEnabled) {
  auto created = bed_.CreateTable("upgraded");
  ASSERT_TRUE(created) << created.error().message;
  delta::TableWriter& writer = *created;
  delta::Metadata m = testing::MetadataOf("upgraded", {{"id", "long"}, {"email", "string"}});
  auto file_schema = parquet::WriterSchema::Make(
      {parquet::Primitive("id", PhysicalType::kInt64),
       parquet::Primitive("email", PhysicalType::kByteArray, parquet::StringType())},
      "spark_schema");
  ASSERT_TRUE(file_schema);
  parquet::RowShredder shredder(file_schema->schema());
  ASSERT_TRUE(shredder.AddJsonLine(R"({"id":1,"email":"alice@example.com"})"));
  auto add =
      writer.WriteDataFile("part-0.parquet", std::move(*file_schema), {shredder.TakeColumns()});
  ASSERT_TRUE(add) << add.error().message;
  delta::Protocol plain;
  plain.min_reader_version = 1;
  plain.min_writer_version = 2;
  ASSERT_TRUE(writer.Commit(0, {delta::ProtocolActionLine(plain), delta::MetadataActionLine(m),
                                delta::FileActionLine(*add)}));
  // ALTER TABLE SET TBLPROPERTIES delta.columnMapping.mode = name, then RENAME COLUMN email TO
  // contact: the physical names stay the old names.
  delta::Protocol mapped;
  mapped.min_reader_version = 2;
  mapped.min_writer_version = 5;
  m.schema_string = MappedSchema("contact", "id", "email");
  m.configuration = {{"delta.columnMapping.mode", "name"},
                     {"delta.columnMapping.maxColumnId", "2"}};
  ASSERT_TRUE(writer.Commit(1, {delta::ProtocolActionLine(mapped), delta::MetadataActionLine(m)}));

  auto [latest, old] = MaskedContactQueries("upgraded");
  EXPECT_EQ(latest.status, 200) << latest.body;
  EXPECT_EQ(old.status, 400) << old.body;
  EXPECT_EQ(old.Json()["errorCode"], "UNSUPPORTED_OPERATION") << old.body;
  EXPECT_EQ(old.body.find("alice@example.com"), std::string::npos) << old.body;
}

// Asynchronous queries (PROTOCOL.md "asyncQuery", "Get Query Info"): a table whose files must be
// rewritten for its recipients, asked with asyncquery=true.
constexpr char kAsync[] = "asyncquery=true";

TEST_F(RecipientViewTest, AnAsyncQueryGoesPendingThenAnyReplicaAnswersItsPolls) {
  const std::string de = Recipient("acme-de", {{"country", "DE"}});
  const std::string fr = Recipient("acme-fr", {{"country", "FR"}});
  const std::vector<std::pair<std::string, std::string>> async = {
      {"delta-sharing-capabilities", kAsync}};
  CloseGate();
  Reply submitted = Call(fast_router_, de, "/query", R"({"idempotencyKey":"k-1"})", async);
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  ASSERT_EQ(submitted.lines.size(), 1u) << submitted.body;
  const nlohmann::json& status = submitted.lines[0]["queryStatus"];
  ASSERT_TRUE(status.is_object()) << submitted.body;
  EXPECT_EQ(status["status"], "pending");
  const std::string id = status["queryId"].get<std::string>();
  EXPECT_NE(submitted.headers["delta-sharing-capabilities"].find("asyncquery=true"),
            std::string::npos);
  EXPECT_EQ(submitted.headers["delta-table-version"], "0");
  // A retry of the submission (same key, same parameters) gets the same id; the Spark client's
  // spelling of the key is the same key.
  Reply again = Call(fast_router_, de, "/query", R"({"idempotency_key":"k-1"})", async);
  ASSERT_EQ(again.lines.size(), 1u) << again.body;
  EXPECT_EQ(again.lines[0]["queryStatus"]["queryId"], id);
  Reply other_key = Call(fast_router_, de, "/query", R"({"idempotencyKey":"k-2"})", async);
  ASSERT_EQ(other_key.lines.size(), 1u) << other_key.body;
  EXPECT_NE(other_key.lines[0]["queryStatus"]["queryId"], id);
  // Without asyncquery: the bounded wait, then a retryable 503 that names the way out.
  Reply busy = Call(fast_router_, de, "/query", "{}");
  EXPECT_EQ(busy.status, 503);
  EXPECT_EQ(busy.headers["retry-after"], "5");
  EXPECT_NE(busy.body.find("asyncquery=true"), std::string::npos) << busy.body;
  // Polls while the work goes on: pending, with the same id.
  Reply poll = Call(fast_router_, de, "/queries/" + id, "{\"queryId\":\"" + id + "\"}");
  ASSERT_EQ(poll.status, 200) << poll.body;
  ASSERT_EQ(poll.lines.size(), 1u) << poll.body;
  EXPECT_EQ(poll.lines[0]["queryStatus"]["status"], "pending");
  EXPECT_EQ(poll.lines[0]["queryStatus"]["queryId"], id);
  // The audit records the submission and each poll as protocol requests, the id as a digest
  // (the same on both), and nothing as served while pending.
  EXPECT_EQ(submitted.audit->action, "deltaSharingQueryTable");
  EXPECT_EQ(submitted.audit->recipient, "acme-de");
  EXPECT_EQ(submitted.audit->params["idempotencyKey"], "true");
  EXPECT_EQ(submitted.audit->result["queryStatus"], "pending");
  EXPECT_TRUE(submitted.audit->served_action.empty());
  EXPECT_EQ(poll.audit->action, "deltaSharingGetQueryInfo");
  EXPECT_EQ(poll.audit->recipient, "acme-de");
  EXPECT_EQ(poll.audit->params["queryId"], submitted.audit->result["queryId"]);
  EXPECT_LT(poll.audit->params["queryId"].size(), 64u);
  EXPECT_TRUE(poll.audit->served_action.empty());
  // Another recipient, another table's route, a tampered or unknown id: 404, never 403.
  EXPECT_EQ(Call(fast_router_, fr, "/queries/" + id, "{}").status, 404);
  std::string tampered = id;
  tampered[4] = tampered[4] == 'A' ? 'B' : 'A';
  EXPECT_EQ(Call(fast_router_, de, "/queries/" + tampered, "{}").status, 404);
  EXPECT_EQ(Call(fast_router_, de, "/queries/not-an-id", "{}").status, 404);
  EXPECT_EQ(Call(fast_router_, de, "/queries/" + std::string(5000, 'A'), "{}").status, 404);
  // A poll may not change the query.
  EXPECT_EQ(Call(fast_router_, de, "/queries/" + id, R"({"version":0})").status, 400);
  EXPECT_EQ(Call(fast_router_, de, "/queries/" + id, R"({"queryId":"another"})").status, 400);
  OpenGate();
  // The other replica, which waits for the work, answers the poll with the files.
  Reply done = Call(router_, de, "/queries/" + id, "{}");
  ASSERT_EQ(done.status, 200) << done.body;
  ASSERT_GE(done.lines.size(), 2u) << done.body;
  EXPECT_TRUE(done.lines[0].contains("protocol")) << done.body;
  EXPECT_TRUE(done.lines[1].contains("metaData")) << done.body;
  EXPECT_EQ(done.headers["delta-table-version"], "0");
  int64_t rows = 0;
  for (const auto& line : done.lines) {
    if (!line.contains("file")) continue;
    rows += nlohmann::json::parse(line["file"]["stats"].get<std::string>())["numRecords"]
                .get<int64_t>();
    EXPECT_NE(line["file"]["url"].get<std::string>().find("/materialized/"), std::string::npos);
  }
  EXPECT_EQ(rows, 6);  // DE's rows only
  EXPECT_EQ(done.audit->action, "deltaSharingGetQueryInfo");
  EXPECT_EQ(done.audit->served_action, "deltaSharingQueriedTable");
  EXPECT_EQ(done.audit->result["numAddFiles"], "1");
  // Pages through the poll route, as the Spark client asks for them.
  Reply first = Call(router_, de, "/queries/" + id, R"({"maxFiles":1})");
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_TRUE(first.lines.back().contains("endStreamAction")) << first.body;
  // Once done, a resubmission is answered at once, without a queryId.
  Reply sync = Call(router_, de, "/query", R"({"idempotencyKey":"k-1"})", async);
  ASSERT_EQ(sync.status, 200);
  EXPECT_TRUE(sync.lines[0].contains("protocol")) << sync.body;
}

TEST_F(RecipientViewTest, AFailedRewriteIsAFailedQueryStatusThatSaysWhatToDo) {
  const std::string fr = Recipient("acme-fr", {{"country", "FR"}});
  const std::vector<std::pair<std::string, std::string>> async = {
      {"delta-sharing-capabilities", kAsync}};
  // A data file the log names is gone: its rewrite fails.
  for (const auto& e : fs::directory_iterator(bed_.dir() / "events")) {
    if (e.path().extension() == ".parquet") {
      fs::remove(e.path());
      break;
    }
  }
  CloseGate();
  Reply submitted = Call(fast_router_, fr, "/query", R"({"idempotencyKey":"k"})", async);
  ASSERT_EQ(submitted.lines.size(), 1u) << submitted.body;
  const std::string id = submitted.lines[0]["queryStatus"]["queryId"].get<std::string>();
  OpenGate();
  Reply poll = Call(router_, fr, "/queries/" + id, "{}");
  ASSERT_EQ(poll.status, 200) << poll.body;
  ASSERT_EQ(poll.lines.size(), 1u) << poll.body;
  EXPECT_EQ(poll.lines[0]["queryStatus"]["status"], "failed");
  EXPECT_EQ(poll.lines[0]["queryStatus"]["queryId"], id);
  EXPECT_NE(poll.lines[0]["queryStatus"]["errorMessage"].get<std::string>().find("provider"),
            std::string::npos)
      << poll.body;
}

TEST_F(RecipientViewTest, WithoutPendingWorkAnAsyncQueryIsAnsweredAtOnce) {
  const std::string de = Recipient("acme-de", {{"country", "DE"}});
  Reply warm = Call(router_, de, "/query", "{}");  // the files get rewritten and cached
  ASSERT_EQ(warm.status, 200);
  Reply r = Call(fast_router_, de, "/query", R"({"idempotencyKey":"k"})",
                 {{"delta-sharing-capabilities", kAsync}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.lines[0].contains("protocol")) << r.body;
  EXPECT_EQ(r.headers["delta-sharing-capabilities"].find("asyncquery"), std::string::npos);
  // A key longer than the bound: 400 before anything runs.
  EXPECT_EQ(
      Call(fast_router_, de, "/query", "{\"idempotencyKey\":\"" + std::string(300, 'k') + "\"}",
           {{"delta-sharing-capabilities", kAsync}})
          .status,
      400);
}

}  // namespace
}  // namespace lakeshare::sharing
