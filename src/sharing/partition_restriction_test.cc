// Partition restrictions (the share's partition_filter, Unity Catalog `partitions`) name partition
// columns as the provider saw them when sharing: at the table's latest version. Under column
// mapping partition columns can be renamed and their names reused (partitionValues are keyed by
// physical name): every version is restricted by the column the latest version calls so, through
// the http Router over a real SQLite metastore and a local Delta table.
// Designated initializers leave the catalog structs' other fields at their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "http/router.h"
#include "sharing/sharing_service.h"
#include "sharing/sharing_test_util.h"

namespace lakeshare::sharing {
namespace {

using testing::Reply;

// The bed's metastore provider, with the share's partition_filter (as a YAML configuration or
// the server's config gives it) set on every table it returns.
class FilteringProvider : public ShareProvider {
 public:
  FilteringProvider(std::shared_ptr<const ShareProvider> inner, std::string filter)
      : inner_(std::move(inner)), filter_(std::move(filter)) {}

  Result<ListPage<ShareInfo>> ListShares(const Recipient& r, const ListOptions& o) const override {
    return inner_->ListShares(r, o);
  }
  Result<ShareInfo> GetShare(const Recipient& r, std::string_view share) const override {
    return inner_->GetShare(r, share);
  }
  Result<ListPage<SchemaInfo>> ListSchemas(const Recipient& r, std::string_view share,
                                           const ListOptions& o) const override {
    return inner_->ListSchemas(r, share, o);
  }
  Result<ListPage<TableInfo>> ListTables(const Recipient& r, std::string_view share,
                                         std::string_view schema,
                                         const ListOptions& o) const override {
    return inner_->ListTables(r, share, schema, o);
  }
  Result<ListPage<TableInfo>> ListAllTables(const Recipient& r, std::string_view share,
                                            const ListOptions& o) const override {
    return inner_->ListAllTables(r, share, o);
  }
  Result<TableInfo> GetTable(const Recipient& r, std::string_view share, std::string_view schema,
                             std::string_view table) const override {
    return Filtered(inner_->GetTable(r, share, schema, table));
  }
  Result<TableInfo> GetTableById(std::string_view recipient, std::string_view share_id,
                                 std::string_view table_id,
                                 std::string_view address) const override {
    return Filtered(inner_->GetTableById(recipient, share_id, table_id, address));
  }

 private:
  Result<TableInfo> Filtered(Result<TableInfo> t) const {
    if (t) t->partition_filter = filter_;
    return t;
  }

  std::shared_ptr<const ShareProvider> inner_;
  std::string filter_;
};

// Version 0: `region` (physical col-1) and `country` (col-2) partition the table; version 1
// renames region TO area and country TO region (both under column mapping, as ALTER TABLE RENAME
// COLUMN does); version 2 adds a file. A restriction to region 'EU' written against the table
// now means col-2 = 'EU' at every version.
class PartitionRestrictionTest : public ::testing::Test {
 protected:
  // Files: col-1 = EU, col-2 = XX (region EU only by its old name: never served); col-1 = US,
  // col-2 = EU (served at version 0); at version 2 col-1 = XX, col-2 = EU (served from then).
  static constexpr char kOldNameOnly[] = "old-name-only.parquet";
  static constexpr char kGranted[] = "granted.parquet";
  static constexpr char kGrantedLater[] = "granted-later.parquet";

  void SetUp() override {
    ASSERT_TRUE(bed_.Open());
    auto created = bed_.CreateTable("zones");
    ASSERT_TRUE(created) << created.error().message;
    delta::TableWriter& writer = *created;
    auto [p, m] = testing::MappedTableOf("zones", Schema("region", "country"), 3);
    m.partition_columns = {"region", "country"};
    auto old_only =
        testing::WriteRows(writer, kOldNameOnly, {{1, "a"}}, {{"col-1", "EU"}, {"col-2", "XX"}});
    auto granted =
        testing::WriteRows(writer, kGranted, {{2, "b"}}, {{"col-1", "US"}, {"col-2", "EU"}});
    auto later =
        testing::WriteRows(writer, kGrantedLater, {{3, "c"}}, {{"col-1", "XX"}, {"col-2", "EU"}});
    for (auto* f : {&old_only, &granted, &later}) ASSERT_TRUE(*f) << f->error().message;
    ASSERT_TRUE(
        writer.Commit(0, {delta::ProtocolActionLine(p), delta::MetadataActionLine(m),
                          delta::FileActionLine(*old_only), delta::FileActionLine(*granted)}));
    m.schema_string = Schema("area", "region");
    m.partition_columns = {"area", "region"};
    ASSERT_TRUE(writer.Commit(1, {delta::MetadataActionLine(m)}));
    ASSERT_TRUE(writer.Commit(2, {delta::FileActionLine(*later)}));
    writer_.emplace(std::move(writer));
  }

  // (id long: id, `one` string: col-1, `two` string: col-2) under column mapping.
  static std::string Schema(const std::string& one, const std::string& two) {
    return testing::SchemaStringOf(
        {{"id", "long", "id"}, {one, "string", "col-1"}, {two, "string", "col-2"}});
  }

  // Share the table (history and change feed shared) with `partitions_json` as its Unity Catalog
  // partitions, and serve it through a provider that adds `partition_filter`.
  void Serve(const std::string& partitions_json, const std::string& partition_filter) {
    catalog::SharedDataObject o{.name = "main.s.zones",
                                .history_data_sharing_status = "ENABLED",
                                .cdf_enabled = true,
                                .partitions_json = partitions_json};
    ASSERT_TRUE(bed_.Share("zones", {std::move(o)}));
    auto header = bed_.Recipient("partner", {"zones"});
    ASSERT_TRUE(header) << header.error().message;
    header_ = *header;
    auto service =
        bed_.Serve(testing::LocalOptions("partition-restriction-test-key-0123456789"), router_,
                   nullptr, std::make_shared<FilteringProvider>(bed_.provider(), partition_filter));
    ASSERT_TRUE(service) << service.error().message;
    service_ = std::move(*service);
  }

  Reply Send(const std::string& method, const std::string& path, const std::string& body = "",
             const std::string& capabilities = "") {
    testing::Headers headers = {{"Authorization", header_}};
    // The parquet format of a column-mapped table needs a materialization cache: delta.
    headers.emplace_back("delta-sharing-capabilities",
                         "responseformat=delta;readerfeatures=columnmapping;" + capabilities);
    return testing::Call(router_, method,
                         "/delta-sharing/shares/zones/schemas/s/tables/zones" + path, headers,
                         body);
  }

  // The file names (the last part of the URL's path) the file lines of a delta-format answer
  // announce.
  static std::set<std::string> Announced(const Reply& r) {
    std::set<std::string> out;
    for (const auto& line : r.lines) {
      if (!line.contains("file")) continue;
      for (const auto& [kind, action] : line["file"]["deltaSingleAction"].items()) {
        std::string url = action["path"].get<std::string>();
        url = url.substr(0, url.find('?'));
        out.insert(url.substr(url.rfind('/') + 1));
      }
    }
    return out;
  }

  // Every kind of request that announces files, with the files each must announce (exactly).
  void ExpectOnlyGrantedFiles() {
    const std::set<std::string> at_v0 = {kGranted};
    const std::set<std::string> now = {kGranted, kGrantedLater};
    struct Case {
      const char* method;
      const char* path;
      const char* body;
      const char* capabilities;
      std::set<std::string> files;
    };
    const std::vector<Case> cases = {
        {"POST", "/query", R"({"version": 0})", "", at_v0},
        {"POST", "/query", R"({"version": 0})", "asyncquery=true", at_v0},
        {"POST", "/query", R"({"version": 0, "maxFiles": 5})", "", at_v0},
        {"POST", "/query", R"({"version": 1})", "", at_v0},
        {"POST", "/query", "{}", "", now},
        {"POST", "/query", R"({"startingVersion": 0})", "", now},
        {"GET", "/changes?startingVersion=0", "", "", now},
    };
    for (const Case& c : cases) {
      Reply r = Send(c.method, c.path, c.body, c.capabilities);
      const std::string what = std::string(c.path) + " " + c.body + " " + c.capabilities;
      ASSERT_EQ(r.status, 200) << what << ": " << r.body;
      EXPECT_EQ(Announced(r), c.files) << what;
    }
  }

  std::optional<delta::TableWriter> writer_;
  testing::SharingTestBed bed_;
  http::Router router_;
  std::unique_ptr<SharingService> service_;
  std::string header_;
};

TEST_F(PartitionRestrictionTest, APartitionRuleRestrictsTheLatestVersionsColumnAtEveryVersion) {
  ASSERT_NO_FATAL_FAILURE(
      Serve(R"([{"values":[{"name":"region","op":"EQUAL","value":"EU"}]}])", ""));
  ExpectOnlyGrantedFiles();
}

TEST_F(PartitionRestrictionTest, APartitionFilterRestrictsTheLatestVersionsColumnAtEveryVersion) {
  ASSERT_NO_FATAL_FAILURE(Serve("", R"({"op":"equal","children":[)"
                                    R"({"op":"column","name":"region","valueType":"string"},)"
                                    R"({"op":"literal","value":"EU","valueType":"string"}]})"));
  ExpectOnlyGrantedFiles();
}

// Version 3 adds a partition column `zone` (col-3) that older versions lack: a restriction on it
// cannot be decided there and serves no file of them, even one matching a missing value (NULL),
// which the latest version's files without a zone do.
TEST_F(PartitionRestrictionTest, ARestrictionOnAColumnAVersionLacksServesNoFileOfIt) {
  auto [p, m] = testing::MappedTableOf("zones",
                                       testing::SchemaStringOf({{"id", "long", "id"},
                                                                {"area", "string", "col-1"},
                                                                {"region", "string", "col-2"},
                                                                {"zone", "string", "col-3"}}),
                                       4);
  m.partition_columns = {"area", "region", "zone"};
  ASSERT_TRUE(writer_->Commit(3, {delta::MetadataActionLine(m)}));
  ASSERT_NO_FATAL_FAILURE(Serve(R"([{"values":[{"name":"zone","op":"EQUAL"}]}])", ""));
  for (const char* body : {R"({"version": 0})", R"({"version": 2, "maxFiles": 5})"}) {
    Reply r = Send("POST", "/query", body);
    ASSERT_EQ(r.status, 200) << body << ": " << r.body;
    EXPECT_EQ(Announced(r), std::set<std::string>()) << body;
  }
  Reply now = Send("POST", "/query", "{}");
  ASSERT_EQ(now.status, 200) << now.body;
  EXPECT_EQ(Announced(now), (std::set<std::string>{kOldNameOnly, kGranted, kGrantedLater}));
}

}  // namespace
}  // namespace lakeshare::sharing
