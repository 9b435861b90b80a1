#include "app/table_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/storage_test_util.h"

namespace lakeshare::app {
namespace {

using ::testing::HasSubstr;
using storage::testing_util::TempDir;
using storage::testing_util::WriteFile;

constexpr char kCommit0[] =
    R"({"protocol":{"minReaderVersion":1,"minWriterVersion":2}})"
    "\n"
    R"({"metaData":{"id":"t","format":{"provider":"parquet","options":{}},)"
    R"("schemaString":"{\"type\":\"struct\",\"fields\":[]}","partitionColumns":[],)"
    R"("configuration":{}}})"
    "\n";

class TableChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = dir_.path() + "/table";
    std::filesystem::create_directories(table_ + "/_delta_log");
    ASSERT_TRUE(WriteFile(table_ + "/_delta_log/00000000000000000000.json", kCommit0));
  }
  TempDir dir_;
  std::string table_;
};

TEST_F(TableChecksTest, ADeltaTableIsAcceptedAndActive) {
  for (const std::string& location : {table_, "file://" + table_, "file:" + table_ + "/"}) {
    EXPECT_TRUE(CheckTableLocation(location)) << location;
    EXPECT_EQ(TableSourceStatus(location), "ACTIVE") << location;
  }
}

// Issue 10, item 5: accepted at registration, then every partner call was a 500.
TEST_F(TableChecksTest, BadLocationsAreRefusedNamingTheProblem) {
  struct Case {
    std::string location;
    std::string why;
  };
  for (const Case& c : std::vector<Case>{
           {"file://evil.example/etc", "remote host"},
           {std::string("/tmp/a\0b", 8), "control character"},
           {"file:///x/%zz", "malformed percent escape"},
           {"file://" + table_ + "/%2e%2e/table", "'..'"},
           {dir_.path() + "/missing", "holds no Delta table"},
           {dir_.path(), "holds no Delta table"},
       }) {
    SCOPED_TRACE(c.location);
    Status status = CheckTableLocation(c.location);
    ASSERT_FALSE(status.has_value());
    EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
    EXPECT_THAT(status.error().message, HasSubstr(c.why));
    EXPECT_EQ(TableSourceStatus(c.location), "SOURCE_NOT_FOUND");
  }
  EXPECT_EQ(CheckTableLocation("gs://bucket/t").error().code, ErrorCode::kUnsupported);
}

TEST_F(TableChecksTest, ATableThatBreaksLaterChangesItsStatus) {
  ASSERT_EQ(TableSourceStatus(table_), "ACTIVE");
  ASSERT_TRUE(WriteFile(table_ + "/_delta_log/00000000000000000001.json", "{not json\n"));
  EXPECT_EQ(TableSourceStatus(table_), "SOURCE_NOT_SHAREABLE");
  std::filesystem::remove_all(table_);
  EXPECT_EQ(TableSourceStatus(table_), "SOURCE_NOT_FOUND");
}

TEST_F(TableChecksTest, AnUnreachableStoreIsUnavailableNotInvalid) {
  storage::StoreOptions options;
  options.use_environment = false;
  options.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  options.max_attempts = 1;
  options.connect_timeout_ms = 2000;
  Status status = CheckTableLocation("s3://bucket/table", options);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(status.error().message, HasSubstr("retry later"));
  EXPECT_EQ(TableSourceStatus("s3://bucket/table", options), "SOURCE_UNAVAILABLE");
}

}  // namespace
}  // namespace lakeshare::app
