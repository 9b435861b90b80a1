#include "app/table_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "delta/delta_test_util.h"
#include "delta/table_writer.h"
#include "storage/local_object_store.h"
#include "storage/storage_test_util.h"

namespace lakeshare::app {
namespace {

using storage::testing_util::WriteFile;
using ::testing::HasSubstr;

// The metaData of a table with no columns, id "t".
std::string EmptyTableMetadata(const std::map<std::string, std::string>& configuration = {}) {
  return delta::testing::MetadataLine(delta::testing::SchemaString({}), {}, configuration, "t");
}

// Sets an environment variable for a test's scope and restores what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, /*overwrite=*/1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class TableChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    table_ = dir_.path().string() + "/table";
    Commit(0, {delta::testing::ProtocolLine(), EmptyTableMetadata()});
  }
  // Write a commit of the local table through the project's Delta writer.
  void Commit(delta::Version version, const std::vector<std::string>& lines) {
    auto store = storage::LocalObjectStore::Open(table_);
    ASSERT_TRUE(store) << store.error().message;
    Status status = delta::TableWriter(std::move(*store)).Commit(version, lines);
    ASSERT_TRUE(status) << status.error().message;
  }
  TempDir dir_;
  std::string table_;
};

TEST_F(TableChecksTest, ADeltaTableIsActive) {
  for (const std::string& location : {table_, "file://" + table_, "file:" + table_ + "/"}) {
    EXPECT_EQ(ReadTableSource(location).status, "ACTIVE") << location;
  }
}

// Issue 10, item 5: a location that is not valid (registered before the rules) or holds no
// table is shown as such, never as ACTIVE.
TEST_F(TableChecksTest, BadLocationsAreNotFound) {
  for (const std::string& location : std::vector<std::string>{
           "file://evil.example/etc",
           std::string("/tmp/a\0b", 8),
           "file:///x/%zz",
           "file://" + table_ + "/%2e%2e/table",
           "gs://bucket/t",
           dir_.path().string() + "/missing",
           dir_.path().string(),
       }) {
    EXPECT_EQ(ReadTableSource(location).status, "SOURCE_NOT_FOUND") << location;
  }
}

TEST_F(TableChecksTest, TheChangeDataFeedIsReadWithTheStatus) {
  EXPECT_EQ(ReadTableSource(table_).change_data_feed, std::optional<bool>(false));
  Commit(1, {EmptyTableMetadata({{"delta.enableChangeDataFeed", "true"}})});
  TableSource source = ReadTableSource(table_);
  EXPECT_EQ(source.status, "ACTIVE");
  EXPECT_EQ(source.change_data_feed, std::optional<bool>(true));
  EXPECT_EQ(ReadTableSource(dir_.path().string() + "/missing").change_data_feed, std::nullopt);
}

TEST_F(TableChecksTest, OnlyPartitionColumnsLimitARecipientsRows) {
  catalog::TableInfo table;
  table.catalog_name = "c";
  table.schema_name = "s";
  table.name = "t";
  table.storage_location = table_;
  Status status = CheckPartitionColumns(table, {"country"});
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status.error().message,
              HasSubstr("'country' is not a partition column of table 'c.s.t' (its partition "
                        "columns: none)"));
  EXPECT_TRUE(CheckPartitionColumns(table, {}));
  table.storage_location = dir_.path().string() + "/missing";
  EXPECT_THAT(CheckPartitionColumns(table, {"country"}).error().message,
              HasSubstr("cannot read the Delta log of table 'c.s.t'"));
}

TEST_F(TableChecksTest, ATableThatBreaksLaterChangesItsStatus) {
  ASSERT_EQ(ReadTableSource(table_).status, "ACTIVE");
  // A malformed commit, written by hand on purpose: the writer only writes valid actions.
  ASSERT_TRUE(WriteFile(table_ + "/_delta_log/00000000000000000001.json", "{not json\n"));
  EXPECT_EQ(ReadTableSource(table_).status, "SOURCE_NOT_SHAREABLE");
  std::filesystem::remove_all(table_);
  EXPECT_EQ(ReadTableSource(table_).status, "SOURCE_NOT_FOUND");
}

TEST_F(TableChecksTest, AnUnreachableStoreIsUnavailableNotNotFound) {
  storage::StoreOptions options;
  options.use_environment = false;
  options.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  options.max_attempts = 1;
  options.connect_timeout_ms = 2000;
  EXPECT_EQ(ReadTableSource("s3://bucket/table", options).status, "SOURCE_UNAVAILABLE");
}

// A store that cannot be reached while a share's partitions are checked is an outage (503, retry
// later), not a bad request: it used to come back as kInvalidArgument, a 400 that told the admin
// to change a request that was fine.
TEST_F(TableChecksTest, AnUnreachableStoreDuringThePartitionCheckStaysUnavailable) {
  // CheckPartitionColumns reads the store as the server does, from the environment.
  ScopedEnv endpoint("AWS_ENDPOINT_URL", "http://127.0.0.1:1");  // nothing listens on port 1
  ScopedEnv key("AWS_ACCESS_KEY_ID", "key");
  ScopedEnv secret("AWS_SECRET_ACCESS_KEY", "secret");
  ScopedEnv region("AWS_REGION", "us-east-1");
  catalog::TableInfo table;
  table.catalog_name = "c";
  table.schema_name = "s";
  table.name = "t";
  table.storage_location = "s3://bucket/table";
  Status status = CheckPartitionColumns(table, {"country"});
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable) << status.error().message;
  EXPECT_THAT(status.error().message,
              HasSubstr("cannot read the Delta log of table 'c.s.t' at 's3://bucket/table' to "
                        "check its partition columns: "));
}

}  // namespace
}  // namespace lakeshare::app
