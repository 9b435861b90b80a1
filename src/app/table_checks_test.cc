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

#include "catalog/catalog.h"
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
  // Write a commit of the local table (at `table_`, or `at`) through the project's Delta writer.
  void Commit(delta::Version version, const std::vector<std::string>& lines) {
    CommitAt(table_, version, lines);
  }
  void CommitAt(const std::string& at, delta::Version version,
                const std::vector<std::string>& lines) {
    auto store = storage::LocalObjectStore::Open(at);
    ASSERT_TRUE(store) << store.error().message;
    Status status = delta::TableWriter(std::move(*store)).Commit(version, lines);
    ASSERT_TRUE(status) << status.error().message;
  }
  TempDir dir_;
  std::string table_;
};

TEST_F(TableChecksTest, ADeltaTableIsActive) {
  for (const std::string& location : {table_, "file://" + table_, "file:" + table_ + "/"}) {
    EXPECT_EQ(ReadTableSource(TableStore(location)).status, "ACTIVE") << location;
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
    EXPECT_EQ(ReadTableSource(TableStore(location)).status, "SOURCE_NOT_FOUND") << location;
  }
}

TEST_F(TableChecksTest, TheChangeDataFeedIsReadWithTheStatus) {
  EXPECT_EQ(ReadTableSource(TableStore(table_)).change_data_feed, std::optional<bool>(false));
  Commit(1, {EmptyTableMetadata({{"delta.enableChangeDataFeed", "true"}})});
  TableSource source = ReadTableSource(TableStore(table_));
  EXPECT_EQ(source.status, "ACTIVE");
  EXPECT_EQ(source.change_data_feed, std::optional<bool>(true));
  EXPECT_EQ(ReadTableSource(TableStore(dir_.path().string() + "/missing")).change_data_feed,
            std::nullopt);
}

TEST_F(TableChecksTest, OnlyPartitionColumnsLimitARecipientsRows) {
  catalog::TableInfo table;
  table.catalog_name = "c";
  table.schema_name = "s";
  table.name = "t";
  table.storage_location = table_;
  Status status = CheckPartitionColumns(table, {"country"}, TableStore(table.storage_location));
  ASSERT_FALSE(status.has_value());
  EXPECT_THAT(status.error().message,
              HasSubstr("'country' is not a partition column of table 'c.s.t' (its partition "
                        "columns: none)"));
  EXPECT_TRUE(CheckPartitionColumns(table, {}, TableStore(table.storage_location)));
  table.storage_location = dir_.path().string() + "/missing";
  EXPECT_THAT(
      CheckPartitionColumns(table, {"country"}, TableStore(table.storage_location)).error().message,
      HasSubstr("cannot read the Delta log of table 'c.s.t'"));
}

TEST_F(TableChecksTest, ATableThatBreaksLaterChangesItsStatus) {
  ASSERT_EQ(ReadTableSource(TableStore(table_)).status, "ACTIVE");
  // A malformed commit, written by hand on purpose: the writer only writes valid actions.
  ASSERT_TRUE(WriteFile(table_ + "/_delta_log/00000000000000000001.json", "{not json\n"));
  EXPECT_EQ(ReadTableSource(TableStore(table_)).status, "SOURCE_NOT_SHAREABLE");
  std::filesystem::remove_all(table_);
  EXPECT_EQ(ReadTableSource(TableStore(table_)).status, "SOURCE_NOT_FOUND");
}

TEST_F(TableChecksTest, AnUnreachableStoreIsUnavailableNotNotFound) {
  storage::StoreOptions options;
  options.use_environment = false;
  options.endpoint = "http://127.0.0.1:1";  // nothing listens on port 1
  options.max_attempts = 1;
  options.connect_timeout_ms = 2000;
  EXPECT_EQ(ReadTableSource(TableStore("s3://bucket/table", options)).status, "SOURCE_UNAVAILABLE");
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
  Status status = CheckPartitionColumns(table, {"country"}, TableStore(table.storage_location));
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable) << status.error().message;
  EXPECT_THAT(status.error().message,
              HasSubstr("cannot read the Delta log of table 'c.s.t' at 's3://bucket/table' to "
                        "check its partition columns: "));
}

// Checks open a table's store as serving does: with the credential of the external location
// containing it. Before, they read with the server's environment keys alone, so a table behind a
// credentialed location could not be shared with `partitions` where the server had no keys.
TEST_F(TableChecksTest, ServedTableStoreUsesTheCredentialOfTheTablesLocation) {
  auto opened = catalog::OpenCatalog((dir_.path() / "meta.db").string());
  ASSERT_TRUE(opened) << opened.error().message;
  catalog::Catalog& metastore = **opened;
  catalog::LocationPolicy policy;
  policy.canonicalize = [](std::string_view l) -> Result<std::string> { return std::string(l); };
  ASSERT_TRUE(metastore.SetLocationPolicy(policy));
  metastore.SetSecretKey("server-signing-key");
  catalog::StorageCredentialInfo keys;
  keys.name = "keys";
  keys.kind = "AWS_ACCESS_KEY";
  keys.access_key_id = "AKIDTEAM";
  keys.secret_access_key = "team-secret";
  keys.session_token = "team-session";
  ASSERT_TRUE(metastore.CreateStorageCredential(keys));
  catalog::StorageCredentialInfo named;
  named.name = "named";
  named.kind = "AWS_PROFILE";
  named.profile = "analytics";
  ASSERT_TRUE(metastore.CreateStorageCredential(named));
  for (const auto& [name, credential] : std::vector<std::pair<std::string, std::string>>{
           {"keyed", "keys"}, {"profiled", "named"}, {"plain", ""}}) {
    catalog::ExternalLocationInfo location;
    location.name = name;
    location.url = "s3://lake/" + name;
    location.credential_name = credential;
    ASSERT_TRUE(metastore.CreateExternalLocation(location)) << name;
  }
  auto options_of = [&](const std::string& location) {
    catalog::TableInfo table;
    table.storage_location = location;
    return ServedTableStore(metastore, table);
  };

  auto keyed = options_of("s3://lake/keyed/orders");
  ASSERT_TRUE(keyed) << keyed.error().message;
  EXPECT_EQ(keyed->options.credentials.access_key_id, "AKIDTEAM");
  EXPECT_EQ(keyed->options.credentials.secret_access_key, "team-secret");
  EXPECT_EQ(keyed->options.credentials.session_token, "team-session");
  EXPECT_EQ(keyed->options.profile, "");
  auto profiled = options_of("s3://lake/profiled/orders");
  ASSERT_TRUE(profiled) << profiled.error().message;
  EXPECT_EQ(profiled->options.profile, "analytics");
  EXPECT_TRUE(profiled->options.credentials.empty());
  for (const std::string location : {"s3://lake/plain/orders", "s3://elsewhere/orders"}) {
    auto own = options_of(location);  // the server's own credentials
    ASSERT_TRUE(own) << location << ": " << own.error().message;
    EXPECT_TRUE(own->options.credentials.empty()) << location;
    EXPECT_EQ(own->options.profile, "") << location;
  }
  // A credential sealed with another server key is not read around with the server's keys: a
  // 400 that says what to do (not the catalog's kInternal, a 500 hiding its message).
  metastore.SetSecretKey("another-key");
  auto sealed = options_of("s3://lake/keyed/orders");
  ASSERT_FALSE(sealed);
  EXPECT_EQ(sealed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(sealed.error().message,
              HasSubstr("cannot open the storage credential of the external location"));
  EXPECT_THAT(sealed.error().message, HasSubstr("another server key"));
  EXPECT_EQ(sealed.error().message.find("team-secret"), std::string::npos);
}

// A local table is checked where it is served: at the folder its registration was checked
// against, following no link on that path. Before, a team that swapped its registered table
// folder for a link to another team's table had the checks read through the link (serving
// already refused it): the share update's partition check accepted the other table's partition
// column, and the share showed that table's status and change data feed flag.
TEST_F(TableChecksTest, ALocalTableIsCheckedAtItsRegisteredFolderFollowingNoLink) {
  const std::string other = dir_.path().string() + "/team-a/secret";
  CommitAt(other, 0,
           {delta::testing::ProtocolLine(),
            delta::testing::MetadataLine(delta::testing::SchemaString({{"region", "string"}}),
                                         {"region"}, {{"delta.enableChangeDataFeed", "true"}},
                                         "secret")});
  const std::string mine = dir_.path().string() + "/team-b/orders";
  CommitAt(mine, 0, {delta::testing::ProtocolLine(), EmptyTableMetadata()});
  auto opened = catalog::OpenCatalog((dir_.path() / "meta.db").string());
  ASSERT_TRUE(opened) << opened.error().message;
  catalog::LocationPolicy policy;
  policy.canonicalize = [](std::string_view l) -> Result<std::string> { return std::string(l); };
  ASSERT_TRUE((*opened)->SetLocationPolicy(policy));
  catalog::TableInfo table;
  table.catalog_name = "c";
  table.schema_name = "s";
  table.name = "orders";
  table.storage_location = mine;
  table.location_key = "file://" + mine + "/";  // registered while it was a folder
  auto store = ServedTableStore(**opened, table);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_TRUE(store->options.local_root_without_symlinks);
  ASSERT_EQ(ReadTableSource(*store).status, "ACTIVE");
  EXPECT_TRUE(CheckPartitionColumns(table, {}, *store));

  std::filesystem::remove_all(mine);
  std::filesystem::create_directory_symlink(other, mine);
  TableSource source = ReadTableSource(*store);
  EXPECT_EQ(source.status, "SOURCE_NOT_FOUND");
  EXPECT_EQ(source.change_data_feed, std::nullopt);
  Status status = CheckPartitionColumns(table, {"region"}, *store);
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(status.error().message, HasSubstr("cannot read the Delta log of table 'c.s.orders'"));
  // What the link leads to, read as registered (following links): what the checks saw before.
  EXPECT_EQ(ReadTableSource(TableStore(mine)).change_data_feed, std::optional<bool>(true));
}

}  // namespace
}  // namespace lakeshare::app
