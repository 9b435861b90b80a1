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
#include <tuple>
#include <utility>
#include <vector>

#include "auth/recipient_authenticator.h"
#include "auth/test_gate.h"
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

// A data file of `fields` holding `rows` (JSON objects), written by `writer`; its add action.
delta::FileAction WriteDataFile(delta::TableWriter& writer, const std::string& path,
                                std::vector<parquet::WriterField> fields,
                                const std::vector<std::string>& rows) {
  auto schema = parquet::WriterSchema::Make(std::move(fields), "spark_schema");
  EXPECT_TRUE(schema);
  if (!schema) return {};
  parquet::RowShredder shredder(schema->schema());
  for (const std::string& row : rows) EXPECT_TRUE(shredder.AddJsonLine(row)) << row;
  auto add = writer.WriteDataFile(path, std::move(*schema), {shredder.TakeColumns()});
  EXPECT_TRUE(add) << add.error().message;
  return add ? *add : delta::FileAction();
}

// The bytes of every file a /query or /changes answer announces, fetched at their URLs (a
// rewritten file is short and Snappy leaves its few values readable in its bytes).
std::string AnnouncedFileBytes(const http::Router& router, const Reply& r) {
  std::string bytes;
  for (const auto& line : r.lines) {
    const nlohmann::json* f = nullptr;
    if (line.contains("file")) f = &line["file"];
    if (line.contains("add")) f = &line["add"];
    if (f == nullptr) continue;
    const std::string url = (*f)["url"].get<std::string>();
    Reply got = testing::Call(router, "GET", url.substr(std::string("http://localhost").size()));
    EXPECT_EQ(got.status, 200) << url;
    bytes += got.body;
  }
  return bytes;
}

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
    mo.on_event = [this](const materialize::MaterializeEvent&) { gate_.Pass(); };
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
    gate_.Open();
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
      std::vector<std::string> rows;
      for (const auto& c : countries) {
        rows.push_back(fmt::format(R"({{"id":{},"country":"{}","note":"secret"}})", id++, c));
      }
      lines.push_back(delta::FileActionLine(WriteDataFile(
          writer, fmt::format("part-{}.parquet", id),
          {parquet::Primitive("id", PhysicalType::kInt64),
           parquet::Primitive("country", PhysicalType::kByteArray, parquet::StringType()),
           parquet::Primitive("note", PhysicalType::kByteArray, parquet::StringType())},
          rows)));
    }
    ASSERT_TRUE(writer.Commit(0, lines));
  }

  std::string Recipient(const std::string& name, std::map<std::string, std::string> props) {
    auto header = bed_.Recipient(name, {"partners"}, std::move(props));
    EXPECT_TRUE(header) << header.error().message;
    return header ? *header : std::string();
  }

  // Share `table` (history shared) with a hash mask on `contact` to a new partner: its answers to
  // /query at version 0, then at the latest version, serve files without the address
  // alice@example.com (of `contact` at the latest version). The old version first: its rewrites
  // must not come from the cache of the latest one's.
  void ExpectContactMasked(const std::string& table) {
    nlohmann::json view = {{"column_masks", {{"contact", "hash"}}}};
    catalog::SharedDataObject o{.name = "main.s." + table, .history_data_sharing_status = "ENABLED"};
    o.recipient_view_json = view.dump();
    ASSERT_TRUE(bed_.Share(table + "-share", {std::move(o)}));
    auto header = bed_.Recipient(table + "-partner", {table + "-share"});
    ASSERT_TRUE(header) << header.error().message;
    for (const char* body : {R"({"version": 0})", "{}"}) {
      Reply r = testing::Call(
          router_, "POST",
          "/delta-sharing/shares/" + table + "-share/schemas/s/tables/" + table + "/query",
          {{"Authorization", *header}}, body);
      ASSERT_EQ(r.status, 200) << body << ": " << r.body;
      const std::string bytes = AnnouncedFileBytes(router_, r);
      EXPECT_NE(bytes.find("PAR1"), std::string::npos) << body;
      EXPECT_EQ(bytes.find("alice@example.com"), std::string::npos) << body;
    }
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

  // A POST to the shared table's `path` (/query, /queries/{id}).
  Reply Call(http::Router& router, const std::string& auth, const std::string& path,
             const std::string& body, const testing::Headers& headers = {}) {
    testing::Headers all = {{"Authorization", auth}};
    all.insert(all.end(), headers.begin(), headers.end());
    return testing::Call(
        router, "POST", "/delta-sharing/shares/partners/schemas/s/tables/events" + path, all, body);
  }

  testing::SharingTestBed bed_;
  auth::testing::Gate gate_{true};
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
  return testing::SchemaStringOf(
      {{"id", "long", physical_id}, {second, "string", physical_second}});
}

// Column masks name columns, and under column mapping a column can be renamed: a share masking
// `contact` once served version 0, where the same column (physical name col-2) was still called
// `email`, unmasked to any partner asking for {"version": 0}. The mask follows the column.
TEST_F(RecipientViewTest, AMaskedColumnIsMaskedUnderAnOlderName) {
  auto created = bed_.CreateTable("renamed");
  ASSERT_TRUE(created) << created.error().message;
  delta::TableWriter& writer = *created;
  auto schema_of = [](const std::string& second) { return MappedSchema(second, "col-1", "col-2"); };
  auto [p, m] = testing::MappedTableOf("renamed", schema_of("email"), 2);
  const delta::FileAction add =
      WriteDataFile(writer, "part-0.parquet",
                    {parquet::Primitive("col-1", PhysicalType::kInt64),
                     parquet::Primitive("col-2", PhysicalType::kByteArray, parquet::StringType())},
                    {R"({"col-1":1,"col-2":"alice@example.com"})"});
  ASSERT_TRUE(writer.Commit(
      0, {delta::ProtocolActionLine(p), delta::MetadataActionLine(m), delta::FileActionLine(add)}));
  m.schema_string = schema_of("contact");  // ALTER TABLE RENAME COLUMN email TO contact
  ASSERT_TRUE(writer.Commit(1, {delta::MetadataActionLine(m)}));

  ExpectContactMasked("renamed");
}

// Column mapping enabled on an existing table (its columns keep their names as physical names)
// and a column renamed afterwards: version 0 has no column mapping, yet its `email` is the
// `contact` the share masks, and is served masked.
TEST_F(RecipientViewTest, AMaskedColumnIsMaskedFromBeforeColumnMappingWasEnabled) {
  auto created = bed_.CreateTable("upgraded");
  ASSERT_TRUE(created) << created.error().message;
  delta::TableWriter& writer = *created;
  delta::Metadata m = testing::MetadataOf("upgraded", {{"id", "long"}, {"email", "string"}});
  const delta::FileAction add =
      WriteDataFile(writer, "part-0.parquet",
                    {parquet::Primitive("id", PhysicalType::kInt64),
                     parquet::Primitive("email", PhysicalType::kByteArray, parquet::StringType())},
                    {R"({"id":1,"email":"alice@example.com"})"});
  delta::Protocol plain;
  plain.min_reader_version = 1;
  plain.min_writer_version = 2;
  ASSERT_TRUE(writer.Commit(0, {delta::ProtocolActionLine(plain), delta::MetadataActionLine(m),
                                delta::FileActionLine(add)}));
  // ALTER TABLE SET TBLPROPERTIES delta.columnMapping.mode = name, then RENAME COLUMN email TO
  // contact: the physical names stay the old names.
  const testing::MappedTable mapped =
      testing::MappedTableOf("upgraded", MappedSchema("contact", "id", "email"), 2);
  ASSERT_TRUE(writer.Commit(
      1, {delta::ProtocolActionLine(mapped.protocol), delta::MetadataActionLine(mapped.metadata)}));

  ExpectContactMasked("upgraded");
}

// Under column mapping DROP COLUMN contact, then ADD COLUMN contact: the new column has a new
// physical name (col-5), so the old one (col-2, version 0) is no column of the latest version by
// identity, and a share masking `contact` all along served its values raw at version 0, from
// startingVersion 0 and in the change feed. A masked name stays masked at every version.
TEST_F(RecipientViewTest, AMaskedColumnDroppedAndAddedAgainStaysMaskedAtOlderVersions) {
  constexpr char kOld[] = "old-secret@example.com";
  auto created = bed_.CreateTable("readded");
  ASSERT_TRUE(created) << created.error().message;
  delta::TableWriter& writer = *created;
  auto [p, m] = testing::MappedTableOf("readded", MappedSchema("contact", "col-1", "col-2"), 5);
  const delta::FileAction old_add =
      WriteDataFile(writer, "part-0.parquet",
                    {parquet::Primitive("col-1", PhysicalType::kInt64),
                     parquet::Primitive("col-2", PhysicalType::kByteArray, parquet::StringType())},
                    {fmt::format(R"({{"col-1":1,"col-2":"{}"}})", kOld)});
  ASSERT_TRUE(writer.Commit(0, {delta::ProtocolActionLine(p), delta::MetadataActionLine(m),
                                delta::FileActionLine(old_add)}));
  // ALTER TABLE DROP COLUMN contact
  m.schema_string =
      R"({"type":"struct","fields":[{"name":"id","type":"long","nullable":true,)"
      R"("metadata":{"delta.columnMapping.id":1,"delta.columnMapping.physicalName":"col-1"}}]})";
  ASSERT_TRUE(writer.Commit(1, {delta::MetadataActionLine(m)}));
  // ALTER TABLE ADD COLUMN contact
  m.schema_string = MappedSchema("contact", "col-1", "col-5");
  const delta::FileAction new_add =
      WriteDataFile(writer, "part-1.parquet",
                    {parquet::Primitive("col-1", PhysicalType::kInt64),
                     parquet::Primitive("col-5", PhysicalType::kByteArray, parquet::StringType())},
                    {R"({"col-1":2,"col-5":"new-secret@example.com"})"});
  ASSERT_TRUE(writer.Commit(2, {delta::MetadataActionLine(m), delta::FileActionLine(new_add)}));

  nlohmann::json view = {{"column_masks", {{"contact", "hash"}}}};
  catalog::SharedDataObject o{.name = "main.s.readded", .history_data_sharing_status = "ENABLED"};
  o.recipient_view_json = view.dump();
  ASSERT_TRUE(bed_.Share("readded-share", {std::move(o)}));
  auto header = bed_.Recipient("readded-partner", {"readded-share"});
  ASSERT_TRUE(header) << header.error().message;
  const std::string table = "/delta-sharing/shares/readded-share/schemas/s/tables/readded";
  // The old version first: its rewrites must not come from the cache of another's.
  for (const char* body : {R"({"version": 0})", R"({"startingVersion": 0})", "{}"}) {
    Reply r = testing::Call(router_, "POST", table + "/query", {{"Authorization", *header}}, body);
    ASSERT_EQ(r.status, 200) << body << ": " << r.body;
    const std::string bytes = AnnouncedFileBytes(router_, r);
    EXPECT_NE(bytes.find("PAR1"), std::string::npos) << body;
    EXPECT_EQ(bytes.find(kOld), std::string::npos) << body;
    EXPECT_EQ(bytes.find("new-secret@example.com"), std::string::npos) << body;
  }
  Reply changes = testing::Call(router_, "GET", table + "/changes?startingVersion=0",
                                {{"Authorization", *header}});
  ASSERT_EQ(changes.status, 200) << changes.body;
  const std::string bytes = AnnouncedFileBytes(router_, changes);
  EXPECT_NE(bytes.find("PAR1"), std::string::npos);
  EXPECT_EQ(bytes.find(kOld), std::string::npos);
}

// /metadata and /query decide alike, in ServedView, which masks a column can take: "null" only
// on a column the schema says is nullable, "hash" only on strings and binaries (a decimal may be
// stored as an integer, which the rewriter cannot hash). /metadata used to answer 200 where
// /query refused a "null" mask on a non-nullable column and a "hash" mask on a decimal.
TEST_F(RecipientViewTest, MetadataAndQueryAgreeOnWhichMasksAColumnCanTake) {
  auto created = bed_.CreateTable("typed");
  ASSERT_TRUE(created) << created.error().message;
  delta::Metadata m = testing::MetadataOf("typed", {});
  nlohmann::json schema = nlohmann::json::parse(testing::SchemaStringOf({{"s", "string", ""},
                                                                         {"req", "string", ""},
                                                                         {"n", "long", ""},
                                                                         {"d", "decimal(10,2)", ""},
                                                                         {"bin", "binary", ""}}));
  schema["fields"][1]["nullable"] = false;  // req
  m.schema_string = schema.dump();
  const delta::FileAction add =
      WriteDataFile(*created, "part-0.parquet",
                    {parquet::Primitive("s", PhysicalType::kByteArray, parquet::StringType()),
                     parquet::Primitive("req", PhysicalType::kByteArray, parquet::StringType(),
                                        parquet::Repetition::kRequired),
                     parquet::Primitive("n", PhysicalType::kInt64),
                     parquet::Primitive("d", PhysicalType::kInt64, parquet::DecimalType(10, 2)),
                     parquet::Primitive("bin", PhysicalType::kByteArray)},
                    {R"({"s":"a","req":"b","n":1})"});  // d and bin null
  ASSERT_TRUE(created->Commit(0, {delta::ProtocolActionLine({}), delta::MetadataActionLine(m),
                                  delta::FileActionLine(add)}));
  struct Case {
    const char* kind;
    const char* column;
    int status;  // of both endpoints
  };
  const Case cases[] = {
      {"null", "s", 200}, {"null", "req", 400}, {"null", "n", 200},
      {"null", "d", 200}, {"hash", "s", 200},   {"hash", "req", 200},
      {"hash", "n", 400}, {"hash", "d", 400},   {"hash", "bin", 200},
  };
  int i = 0;
  for (const Case& c : cases) {
    const std::string share = "typed-" + std::to_string(i++);
    nlohmann::json view = {{"column_masks", {{c.column, c.kind}}}};
    catalog::SharedDataObject o{.name = "main.s.typed"};
    o.recipient_view_json = view.dump();
    ASSERT_TRUE(bed_.Share(share, {std::move(o)}));
    auto header = bed_.Recipient(share + "-partner", {share});
    ASSERT_TRUE(header) << header.error().message;
    const std::string table = "/delta-sharing/shares/" + share + "/schemas/s/tables/typed";
    const std::string what = std::string(c.kind) + " on " + c.column;
    Reply metadata =
        testing::Call(router_, "GET", table + "/metadata", {{"Authorization", *header}});
    Reply query =
        testing::Call(router_, "POST", table + "/query", {{"Authorization", *header}}, "{}");
    EXPECT_EQ(metadata.status, c.status) << what << ": " << metadata.body;
    EXPECT_EQ(query.status, c.status) << what << ": " << query.body;
    if (c.status != 200) {
      EXPECT_EQ(metadata.Json()["errorCode"], "UNSUPPORTED_OPERATION") << what;
      EXPECT_EQ(query.Json()["errorCode"], "UNSUPPORTED_OPERATION") << what;
    }
  }
}

// Delta protocol, *Column Mapping*: a column can be renamed and its name reused. At version 0
// `contact` (physical col-1) holds phone numbers and `email` (col-2) addresses; version 1 renames
// contact TO phone and email TO contact. A share naming `contact`, granted looking at the table
// now, means col-2 at every version: /metadata, /query at version 0 and now, and /changes across
// the rename mask, list or filter col-2, never col-1.
class RenamedColumnsTest : public RecipientViewTest {
 protected:
  static constexpr char kPhone[] = "+49-555-0100";
  static constexpr char kEmail[] = "alice@example.com";

  void SetUp() override {
    RecipientViewTest::SetUp();
    auto created = bed_.CreateTable("swapped");
    ASSERT_TRUE(created) << created.error().message;
    delta::TableWriter& writer = *created;
    auto [p, m] = testing::MappedTableOf("swapped", Schema("contact", "email"), 3);
    const delta::FileAction add = WriteDataFile(
        writer, "part-0.parquet",
        {parquet::Primitive("col-0", PhysicalType::kInt64),
         parquet::Primitive("col-1", PhysicalType::kByteArray, parquet::StringType()),
         parquet::Primitive("col-2", PhysicalType::kByteArray, parquet::StringType())},
        {fmt::format(R"({{"col-0":1,"col-1":"{}","col-2":"{}"}})", kPhone, kEmail)});
    ASSERT_TRUE(writer.Commit(0, {delta::ProtocolActionLine(p), delta::MetadataActionLine(m),
                                  delta::FileActionLine(add)}));
    m.schema_string = Schema("phone", "contact");
    ASSERT_TRUE(writer.Commit(1, {delta::MetadataActionLine(m)}));
  }

  // (id long: col-0, `one` string: col-1, `two` string: col-2) under column mapping.
  static std::string Schema(const std::string& one, const std::string& two) {
    return testing::SchemaStringOf(
        {{"id", "long", "col-0"}, {one, "string", "col-1"}, {two, "string", "col-2"}});
  }

  // A share of the table (history and change feed shared) with `view` to a new partner; its
  // "Bearer" header.
  std::string ShareWith(const std::string& name, const nlohmann::json& view) {
    catalog::SharedDataObject o{.name = "main.s.swapped", .history_data_sharing_status = "ENABLED"};
    o.recipient_view_json = view.dump();
    EXPECT_TRUE(bed_.Share(name, {std::move(o)}));
    auto header = bed_.Recipient(name + "-partner", {name});
    EXPECT_TRUE(header) << header.error().message;
    share_ = name;
    return header ? *header : std::string();
  }
  Reply Send(const std::string& header, const std::string& method, const std::string& path,
             const std::string& body = "") {
    return testing::Call(router_, method,
                         "/delta-sharing/shares/" + share_ + "/schemas/s/tables/swapped" + path,
                         {{"Authorization", header}}, body);
  }
  // The field names of the schema of the answer's metaData line.
  static std::vector<std::string> Fields(const Reply& r) {
    std::vector<std::string> out;
    for (const auto& line : r.lines) {
      if (!line.contains("metaData")) continue;
      auto schema = nlohmann::json::parse(line["metaData"]["schemaString"].get<std::string>());
      for (const auto& f : schema["fields"]) out.push_back(f["name"].get<std::string>());
    }
    return out;
  }
  size_t Files(const Reply& r) const {
    size_t n = 0;
    for (const auto& line : r.lines) n += line.contains("file") || line.contains("add") ? 1 : 0;
    return n;
  }

  std::string share_;
};

TEST_F(RenamedColumnsTest, AMaskOnAReusedNameMasksTheProvidersColumnAtEveryVersion) {
  const std::string h = ShareWith("masked", {{"column_masks", {{"contact", "hash"}}}});
  for (const char* body : {R"({"version": 0})", "{}", R"({"startingVersion": 0})"}) {
    Reply r = Send(h, "POST", "/query", body);
    ASSERT_EQ(r.status, 200) << body << ": " << r.body;
    const std::string bytes = AnnouncedFileBytes(router_, r);
    // col-1 is masked where it is called `contact` (by name, failing closed), not where it is
    // called `phone`.
    EXPECT_EQ(bytes.find(kPhone) == std::string::npos, std::string(body) == R"({"version": 0})")
        << body;
    EXPECT_EQ(bytes.find(kEmail), std::string::npos) << body;
  }
  Reply changes = Send(h, "GET", "/changes?startingVersion=0");
  ASSERT_EQ(changes.status, 200) << changes.body;
  EXPECT_EQ(AnnouncedFileBytes(router_, changes).find(kEmail), std::string::npos);
  // /metadata at version 0 agrees with /query there.
  Reply metadata = Send(h, "GET", "/metadata?version=0");
  ASSERT_EQ(metadata.status, 200) << metadata.body;
  EXPECT_EQ(Fields(metadata), (std::vector<std::string>{"id", "contact", "email"}));
}

TEST_F(RenamedColumnsTest, AColumnListOnAReusedNameServesTheProvidersColumnAtEveryVersion) {
  const std::string h = ShareWith("listed", {{"columns", {"id", "contact"}}});
  Reply now = Send(h, "POST", "/query", "{}");
  ASSERT_EQ(now.status, 200) << now.body;
  EXPECT_EQ(Fields(now), (std::vector<std::string>{"id", "contact"}));
  Reply old = Send(h, "POST", "/query", R"({"version": 0})");
  ASSERT_EQ(old.status, 200) << old.body;
  EXPECT_EQ(Fields(old), (std::vector<std::string>{"id", "email"}));  // col-2 as it was called
  for (const Reply* r : {&now, &old}) {
    const std::string bytes = AnnouncedFileBytes(router_, *r);
    EXPECT_NE(bytes.find(kEmail), std::string::npos);
    EXPECT_EQ(bytes.find(kPhone), std::string::npos);  // col-1 was never shared
  }
  Reply metadata = Send(h, "GET", "/metadata?version=0");
  ASSERT_EQ(metadata.status, 200) << metadata.body;
  EXPECT_EQ(Fields(metadata), (std::vector<std::string>{"id", "email"}));
  // The change feed from before the rename: its metaData lines list col-2, never col-1.
  Reply changes = Send(h, "GET", "/changes?startingVersion=0&includeHistoricalMetadata=true");
  ASSERT_EQ(changes.status, 200) << changes.body;
  EXPECT_EQ(Fields(changes), (std::vector<std::string>{"id", "email", "id", "contact"}));
  EXPECT_EQ(AnnouncedFileBytes(router_, changes).find(kPhone), std::string::npos);
}

// A parquet client reads rewrites with logical names, each version's own: the rewrite of the file
// for version 0 (contact, email) must not answer a query of version 1 (phone, contact), whose
// client would read the phone numbers as `contact`.
TEST_F(RenamedColumnsTest, EachVersionGetsARewriteNamedAsThatVersionNamesItsColumns) {
  const std::string h = ShareWith("whole", nlohmann::json::object());
  Reply old = Send(h, "POST", "/query", R"({"version": 0})");
  ASSERT_EQ(old.status, 200) << old.body;
  const std::string old_bytes = AnnouncedFileBytes(router_, old);
  EXPECT_NE(old_bytes.find("email"), std::string::npos);
  EXPECT_EQ(old_bytes.find("phone"), std::string::npos);
  Reply now = Send(h, "POST", "/query", "{}");
  ASSERT_EQ(now.status, 200) << now.body;
  const std::string now_bytes = AnnouncedFileBytes(router_, now);
  EXPECT_NE(now_bytes.find("phone"), std::string::npos);
  EXPECT_EQ(now_bytes.find("email"), std::string::npos);
}

TEST_F(RenamedColumnsTest, ARowFilterOnAReusedNameReadsTheProvidersColumnAtEveryVersion) {
  nlohmann::json filter = {{"op", "equal"},
                           {"children",
                            {{{"op", "column"}, {"name", "contact"}, {"valueType", "string"}},
                             {{"op", "literal"}, {"value", kEmail}, {"valueType", "string"}}}}};
  const std::string h = ShareWith("filtered", {{"row_filter", filter.dump()}});
  for (const char* body : {"{}", R"({"version": 0})"}) {
    Reply r = Send(h, "POST", "/query", body);
    ASSERT_EQ(r.status, 200) << body << ": " << r.body;
    EXPECT_EQ(Files(r), 1u) << body << ": " << r.body;  // its one row has that address in col-2
  }
}

// /metadata and /query decide alike at every version (ServedView): at version 0, before `email`
// was added, a mask on it has nothing to mask (both answer) and a row filter reading it cannot
// choose rows (both refuse).
TEST_F(RecipientViewTest, MetadataAndQueryAgreeOnAVersionFromBeforeAViewColumnExisted) {
  auto created = bed_.CreateTable("grown");
  ASSERT_TRUE(created) << created.error().message;
  delta::TableWriter& writer = *created;
  delta::Metadata m = testing::MetadataOf("grown", {{"id", "long"}});
  auto add = testing::WriteRows(writer, "part-0.parquet", {{1, "a"}});
  ASSERT_TRUE(add) << add.error().message;
  ASSERT_TRUE(writer.Commit(0, {delta::ProtocolActionLine(delta::Protocol()),
                                delta::MetadataActionLine(m), delta::FileActionLine(*add)}));
  m = testing::MetadataOf("grown", {{"id", "long"}, {"email", "string"}});
  ASSERT_TRUE(writer.Commit(1, {delta::MetadataActionLine(m)}));
  nlohmann::json filter = {
      {"op", "isNull"},
      {"children", {{{"op", "column"}, {"name", "email"}, {"valueType", "string"}}}}};
  for (const auto& [share, view, status] :
       std::vector<std::tuple<std::string, nlohmann::json, int>>{
           {"grown-masked", {{"column_masks", {{"email", "hash"}}}}, 200},
           {"grown-filtered", {{"row_filter", filter.dump()}}, 400}}) {
    catalog::SharedDataObject o{.name = "main.s.grown", .history_data_sharing_status = "ENABLED"};
    o.recipient_view_json = view.dump();
    ASSERT_TRUE(bed_.Share(share, {std::move(o)}));
    auto header = bed_.Recipient(share + "-partner", {share});
    ASSERT_TRUE(header) << header.error().message;
    const std::string table = "/delta-sharing/shares/" + share + "/schemas/s/tables/grown";
    Reply metadata =
        testing::Call(router_, "GET", table + "/metadata?version=0", {{"Authorization", *header}});
    Reply query = testing::Call(router_, "POST", table + "/query", {{"Authorization", *header}},
                                R"({"version": 0})");
    EXPECT_EQ(metadata.status, status) << share << ": " << metadata.body;
    EXPECT_EQ(query.status, status) << share << ": " << query.body;
  }
}

// Asynchronous queries (PROTOCOL.md "asyncQuery", "Get Query Info"): a table whose files must be
// rewritten for its recipients, asked with asyncquery=true.
constexpr char kAsync[] = "asyncquery=true";

TEST_F(RecipientViewTest, AnAsyncQueryGoesPendingThenAnyReplicaAnswersItsPolls) {
  const std::string de = Recipient("acme-de", {{"country", "DE"}});
  const std::string fr = Recipient("acme-fr", {{"country", "FR"}});
  const std::vector<std::pair<std::string, std::string>> async = {
      {"delta-sharing-capabilities", kAsync}};
  gate_.Close();
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
  gate_.Open();
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
  gate_.Close();
  Reply submitted = Call(fast_router_, fr, "/query", R"({"idempotencyKey":"k"})", async);
  ASSERT_EQ(submitted.lines.size(), 1u) << submitted.body;
  const std::string id = submitted.lines[0]["queryStatus"]["queryId"].get<std::string>();
  gate_.Open();
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
