// Hints on partition columns of every type, sent as a partner writes them: SQL predicateHints
// (quotes doubled, unicode, date and timestamp literals in several spellings, decimals, signs)
// and jsonPredicateHints. Hints are best effort, but one must never drop a file whose partition
// values match it; one that cannot match prunes the file (so the hints are evaluated at all).
// Over a real SQLite metastore and a local Delta table, through the http Router.
// Designated initializers leave the catalog structs' other fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "delta/table_writer.h"
#include "http/router.h"
#include "sharing/sharing_service.h"
#include "sharing/sharing_test_util.h"

namespace lakeshare::sharing {
namespace {

using nlohmann::json;

class TypedHintsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(bed_.Open());
    auto writer = bed_.CreateTable("t");
    ASSERT_TRUE(writer) << writer.error().message;
    const std::vector<std::pair<std::string, std::string>> columns = {
        {"id", "long"},           {"d", "date"},   {"ts", "timestamp"}, {"tsn", "timestamp_ntz"},
        {"dec", "decimal(10,2)"}, {"s", "string"}, {"b", "boolean"},    {"f", "double"},
        {"i", "integer"}};
    delta::Metadata m = testing::MetadataOf("t", columns);
    m.partition_columns = {"d", "ts", "tsn", "dec", "s", "b", "f", "i"};
    json add = {{"add",
                 {{"path", "f1.parquet"},
                  {"size", 10},
                  {"modificationTime", 1},
                  {"dataChange", true},
                  {"partitionValues",
                   {{"d", "2024-01-31"},
                    {"ts", "2024-01-31 10:00:00"},
                    {"tsn", "2024-01-31 10:00:00.5"},
                    {"dec", "1.50"},
                    {"s", "O'Brien \xC3\xA9"},
                    {"b", "true"},
                    {"f", "-0.0"},
                    {"i", "-7"}}},
                  {"stats", R"({"numRecords":1,"minValues":{"id":5},"maxValues":{"id":5},)"
                            R"("nullCount":{"id":0}})"}}}};
    ASSERT_TRUE(writer->Commit(0, {delta::ProtocolActionLine(delta::Protocol()),
                                   delta::MetadataActionLine(m), add.dump()}));
    ASSERT_TRUE(bed_.Share("p", {catalog::SharedDataObject{.name = "main.s.t"}}));
    auto header = bed_.Recipient("acme", {"p"});
    ASSERT_TRUE(header) << header.error().message;
    header_ = *header;
    auto service = bed_.Serve(testing::LocalOptions("typed-hints-test-key-0123456789"), router_);
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
  }

  // How many files /query answers with `body`; minus the status when it is not 200.
  int Files(const json& body) {
    testing::Reply r =
        testing::Call(router_, "POST", "/delta-sharing/shares/p/schemas/s/tables/t/query",
                      {{"Authorization", header_}}, body.dump());
    if (r.status != 200) return -r.status;
    int n = 0;
    for (const json& line : r.lines) n += line.contains("file") ? 1 : 0;
    return n;
  }

  testing::SharingTestBed bed_;
  std::string header_;
  http::Router router_;
  std::unique_ptr<SharingService> service_;
};

TEST_F(TypedHintsTest, SqlHintsNeverDropAFileTheyMatch) {
  for (const std::string hint : {"d = '2024-01-31'",
                                 "d >= '2024-01-31'",
                                 "d < '2024-02-01'",
                                 "d <> '2024-01-30'",
                                 "ts = '2024-01-31 10:00:00'",
                                 "ts >= '2024-01-31T10:00:00Z'",
                                 "ts = '2024-01-31T11:00:00+01:00'",
                                 "ts = '2024-01-31 10:00:00.000000'",
                                 "tsn = '2024-01-31 10:00:00.5'",
                                 "tsn > '2024-01-31 10:00:00'",
                                 "dec = 1.5",
                                 "dec = '1.50'",
                                 "dec > 1.49",
                                 "dec < 1.51",
                                 "dec = 1.500",
                                 "s = 'O''Brien \xC3\xA9'",
                                 "s LIKE 'O%'",
                                 "s > 'O'",
                                 "s <> 'x'",
                                 "s IS NOT NULL",
                                 "b = true",
                                 "f = 0",
                                 "f = -0.0",
                                 "f >= 0",
                                 "i = -7",
                                 "i = -07",
                                 "i = '-7'",
                                 "i < 0",
                                 "i <> 7",
                                 "NOT (i = 3)",
                                 "id = 5"}) {
    EXPECT_EQ(Files({{"predicateHints", {hint}}}), 1) << hint;
  }
  for (const std::string hint : {"d = '2024-02-01'", "ts = '2024-01-31 10:00:01'", "s = 'x'",
                                 "b = false", "i = 3", "id = 6"}) {
    EXPECT_EQ(Files({{"predicateHints", {hint}}}), 0) << hint;
  }
}

TEST_F(TypedHintsTest, JsonHintsNeverDropAFileTheyMatch) {
  auto hint = [](const std::string& op, const std::string& column, const std::string& type,
                 const std::string& value) {
    json tree = {{"op", op},
                 {"children",
                  {{{"op", "column"}, {"name", column}, {"valueType", type}},
                   {{"op", "literal"}, {"value", value}, {"valueType", type}}}}};
    return json{{"jsonPredicateHints", tree.dump()}};
  };
  using Hint = std::tuple<std::string, std::string, std::string, std::string>;
  for (const auto& [op, column, type, value] :
       std::vector<Hint>{{"equal", "d", "date", "2024-01-31"},
                         {"greaterThanOrEqual", "d", "date", "2024-01-31"},
                         {"equal", "ts", "timestamp", "2024-01-31T10:00:00Z"},
                         {"lessThan", "ts", "timestamp", "2024-01-31T10:00:01Z"},
                         {"equal", "s", "string", "O'Brien \xC3\xA9"},
                         {"equal", "b", "bool", "true"},
                         {"equal", "f", "double", "0"},
                         {"lessThanOrEqual", "f", "float", "0"},
                         {"equal", "i", "int", "-7"},
                         {"greaterThan", "i", "int", "-8"},
                         {"equal", "id", "long", "5"}}) {
    EXPECT_EQ(Files(hint(op, column, type, value)), 1) << op << " " << column << " " << value;
  }
  EXPECT_EQ(Files(hint("equal", "d", "date", "2024-02-01")), 0);
  EXPECT_EQ(Files(hint("equal", "i", "int", "3")), 0);
}

}  // namespace
}  // namespace lakeshare::sharing
