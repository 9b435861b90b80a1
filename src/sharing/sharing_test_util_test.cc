// The test metastores' location policy (sharing_test_util.h) compares locations as storage's one
// parser spells them and protects nothing; announced-file lines are add actions of their range.

#include "sharing/sharing_test_util.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace lakeshare::sharing::testing {
namespace {

TEST(SharingTestLocationPolicyTest, SpellsLocationsAsStorageParsesThem) {
  const catalog::LocationPolicy policy = TestLocationPolicy();
  EXPECT_TRUE(policy.protected_locations.empty());
  struct Case {
    std::string_view location;
    std::string_view canonical;
  };
  for (const Case& c : {Case{"/a/./b/", "file:///a/b"}, Case{"file:/a/b", "file:///a/b"},
                        Case{"s3://bucket/t1/", "s3://bucket/t1"}}) {
    Result<std::string> r = policy.canonicalize(c.location);
    ASSERT_TRUE(r) << c.location << ": " << r.error().message;
    EXPECT_EQ(*r, c.canonical);
  }
  EXPECT_FALSE(policy.canonicalize("ftp://host/t"));
}

TEST(AppendAnnouncedFilesTest, AppendsOneAddLinePerFileOfTheRange) {
  std::vector<std::string> lines = {"kept"};
  AppendAnnouncedFiles(lines, 7, 9);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "kept");
  for (int i = 0; i < 2; ++i) {
    nlohmann::json add = nlohmann::json::parse(lines[1 + i])["add"];
    EXPECT_EQ(add["path"], "part-0000" + std::to_string(7 + i) + "-" + std::string(39, '0') +
                               std::to_string(7 + i) + ".parquet");
    EXPECT_EQ(add["size"], 1007 + i);
    EXPECT_EQ(add["dataChange"], true);
    EXPECT_EQ(add["stats"], R"({"numRecords":10})");
  }
  AppendAnnouncedFiles(lines, 5, 5);
  EXPECT_EQ(lines.size(), 3u);
}

TEST(SchemaStringOfTest, WritesColumnMappingMetadataOnlyForFieldsWithAPhysicalName) {
  const nlohmann::json schema =
      nlohmann::json::parse(SchemaStringOf({{"id", "long", ""}, {"contact", "string", "col-2"}}));
  EXPECT_EQ(schema["type"], "struct");
  ASSERT_EQ(schema["fields"].size(), 2u);
  EXPECT_EQ(schema["fields"][0], (nlohmann::json{{"name", "id"},
                                                 {"type", "long"},
                                                 {"nullable", true},
                                                 {"metadata", nlohmann::json::object()}}));
  EXPECT_EQ(schema["fields"][1]["metadata"],
            (nlohmann::json{{"delta.columnMapping.id", 2},
                            {"delta.columnMapping.physicalName", "col-2"}}));
  const MappedTable t = MappedTableOf("t-id", "{}", 7);
  EXPECT_EQ(t.protocol.min_reader_version, 2);
  EXPECT_EQ(t.metadata.Config("delta.columnMapping.maxColumnId"), "7");
}

}  // namespace
}  // namespace lakeshare::sharing::testing
