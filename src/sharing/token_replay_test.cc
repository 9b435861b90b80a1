// Real continuation tokens replayed where they were not issued: a /query page token of one
// partner sent by another, on another table, on the change feed, or after the table was
// registered again under the same name (and a file URL of that table); a listing's token on
// another listing. Each is refused
// (400 INVALID_PARAMETER_VALUE), never a page of what the token was issued for. Over a real
// SQLite metastore and local Delta tables, through the http Router.
// Designated initializers leave the catalog structs' other fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "http/router.h"
#include "sharing/sharing_service.h"
#include "sharing/sharing_test_util.h"

namespace lakeshare::sharing {
namespace {

using testing::Reply;

constexpr char kTables[] = "/delta-sharing/shares/replay/schemas/s/tables/";

class TokenReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(bed_.Open());
    for (const char* table : {"a", "b"}) {
      ASSERT_TRUE(testing::CreateAnnouncedTable(bed_, table, 3));
    }
    catalog::SharedDataObject a{.name = "main.s.a", .history_data_sharing_status = "ENABLED"};
    a.cdf_enabled = true;
    ASSERT_TRUE(bed_.Share("replay", {a, catalog::SharedDataObject{.name = "main.s.b"}}));
    for (const char* partner : {"acme", "bob"}) {
      auto header = bed_.Recipient(partner, {"replay"});
      ASSERT_TRUE(header) << header.error().message;
      headers_[partner] = *header;
    }
    auto service = bed_.Serve(testing::LocalOptions("token-replay-test-key-0123456789"), router_);
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
  }

  // POST /query of `table` with `body` as `partner`.
  Reply Query(const std::string& partner, const std::string& table, const nlohmann::json& body) {
    return testing::Call(router_, "POST", kTables + table + "/query",
                         {{"Authorization", headers_[partner]}}, body.dump());
  }
  Reply Get(const std::string& partner, const std::string& target) {
    return testing::Call(router_, "GET", target, {{"Authorization", headers_[partner]}});
  }

  // The nextPageToken of `r`: of its last line (a listing) or of its endStreamAction (/query).
  static std::string NextToken(const Reply& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    const nlohmann::json* end = r.lines.empty() ? nullptr : &r.lines.back();
    if (end != nullptr && end->contains("endStreamAction")) end = &(*end)["endStreamAction"];
    if (end == nullptr || !end->contains("nextPageToken")) {
      ADD_FAILURE() << "no nextPageToken: " << r.body;
      return "";
    }
    return (*end)["nextPageToken"].get<std::string>();
  }

  static void ExpectRefused(const Reply& r, const std::string& what) {
    EXPECT_EQ(r.status, 400) << what << ": " << r.body;
    EXPECT_NE(r.body.find("INVALID_PARAMETER_VALUE"), std::string::npos) << what << ": " << r.body;
  }

  testing::SharingTestBed bed_;
  std::map<std::string, std::string> headers_;
  http::Router router_;
  std::unique_ptr<SharingService> service_;
};

TEST_F(TokenReplayTest, AQueryPageTokenServesOnlyItsPartnerTableAndRoute) {
  const std::string token = NextToken(Query("acme", "a", {{"maxFiles", 1}}));
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(Query("acme", "a", {{"maxFiles", 1}, {"pageToken", token}}).status, 200);

  ExpectRefused(Query("bob", "a", {{"maxFiles", 1}, {"pageToken", token}}), "another partner");
  ExpectRefused(Query("acme", "b", {{"maxFiles", 1}, {"pageToken", token}}), "another table");
  ExpectRefused(Query("acme", "a", {{"maxFiles", 1}, {"pageToken", token}, {"version", 0}}),
                "other parameters");
  const std::string changes = std::string(kTables) + "a/changes?startingVersion=0";
  EXPECT_EQ(Get("acme", changes).status, 200);
  ExpectRefused(Get("acme", changes + "&pageToken=" + token), "the change feed");
}

TEST_F(TokenReplayTest, AQueryPageTokenAndAFileUrlDieWithTheRegistrationTheyWereIssuedFor) {
  const Reply first = Query("acme", "a", {{"maxFiles", 1}});
  const std::string token = NextToken(first);
  ASSERT_FALSE(token.empty());
  std::string url;
  for (const nlohmann::json& line : first.lines) {
    if (!line.contains("file")) continue;
    url = line["file"]["url"].get<std::string>().substr(std::string("http://localhost").size());
    const std::string path = url.substr(0, url.find('?'));
    std::ofstream(bed_.dir() / "a" / path.substr(path.rfind('/') + 1)) << "bytes";
  }
  ASSERT_EQ(testing::Call(router_, "GET", url).status, 200) << url;
  // The same folder registered again under the same name, and shared again: another table.
  ASSERT_TRUE(bed_.catalog().UpdateShare(
      "replay", {}, {{catalog::SharedObjectChange::Action::kRemove, {.name = "main.s.a"}}},
      "admin"));
  ASSERT_TRUE(bed_.catalog().DeleteTable("main.s.a"));
  ASSERT_TRUE(bed_.catalog().CreateTable({.catalog_name = "main",
                                          .schema_name = "s",
                                          .name = "a",
                                          .storage_location = (bed_.dir() / "a").string(),
                                          .owner = "admin"}));
  ASSERT_TRUE(bed_.Share("replay", {catalog::SharedDataObject{.name = "main.s.a"}}));
  bed_.provider()->InvalidateShare("replay");
  ASSERT_EQ(Query("acme", "a", {{"maxFiles", 1}}).status, 200);
  ExpectRefused(Query("acme", "a", {{"maxFiles", 1}, {"pageToken", token}}), "re-registered");
  EXPECT_EQ(testing::Call(router_, "GET", url).status, 404);
}

TEST_F(TokenReplayTest, AListingTokenServesOnlyItsPartnerAndListing) {
  const std::string tables = "/delta-sharing/shares/replay/schemas/s/tables";
  const std::string token = NextToken(Get("acme", tables + "?maxResults=1"));
  ASSERT_FALSE(token.empty());
  EXPECT_EQ(Get("acme", tables + "?maxResults=1&pageToken=" + token).status, 200);
  ExpectRefused(Get("bob", tables + "?maxResults=1&pageToken=" + token), "another partner");
  ExpectRefused(
      Get("acme", "/delta-sharing/shares/replay/all-tables?maxResults=1&pageToken=" + token),
      "another listing");
}

}  // namespace
}  // namespace lakeshare::sharing
