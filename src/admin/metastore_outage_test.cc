// A metastore outage during a permission lookup is reported as the outage (503, 500), never as
// a refusal: an operator then sees the metastore is down, not a permission problem, and nothing
// is allowed for want of an answer. Only "not found" (or an explicit no) means "not allowed".

#include <memory>
#include <optional>

#include "admin/management_test_fixture.h"
#include "common/log.h"

namespace lakeshare::admin::test {
namespace {

/// Fail the reads of storage credentials with `error`.
auto FailCredentialReads(Error error) {
  return [error](std::string_view sql) -> std::optional<Error> {
    if (sql.starts_with("SELECT") && sql.find("FROM storage_credentials") != sql.npos) {
      return error;
    }
    return std::nullopt;
  };
}

class MetastoreOutageTest : public ManagementTest {
 protected:
  /// A team member that may create external locations, and an admin's credential "cred".
  std::string MakeLocationCreator() {
    Reply made = Call("POST", Uc("/storage-credentials"), "admin-token",
                      Json{{"name", "cred"}, {"aws_profile", Json{{"profile_name", "p"}}}});
    EXPECT_EQ(made.status, 200) << made.raw;
    Reply r = Call("POST", "/api/2.1/lakeshare/principals", "admin-token", Json{{"name", "team"}});
    EXPECT_EQ(r.status, 200) << r.raw;
    Reply g = Grant("/permissions/metastore/metastore", "team", {"CREATE_EXTERNAL_LOCATION"});
    EXPECT_EQ(g.status, 200) << g.raw;
    return r.body.value("token_value", "");
  }
};

TEST_F(MetastoreOutageTest, CredentialLookupOutageIsReportedAsTheOutageNotAsARefusal) {
  const std::string team = MakeLocationCreator();
  const Json location{{"name", "lake"}, {"url", "s3://bucket"}, {"credential_name", "cred"}};
  // Not found, or another's: "not yours to use".
  Reply missing = Call("POST", Uc("/external-locations"), team,
                       Json{{"name", "lake"}, {"url", "s3://bucket"}, {"credential_name", "nope"}});
  EXPECT_EQ(missing.status, 403) << missing.raw;
  Reply theirs = Call("POST", Uc("/external-locations"), team, location);
  EXPECT_EQ(theirs.status, 403) << theirs.raw;
  EXPECT_THAT(theirs.body.value("message", ""), HasSubstr("not yours to use"));

  sql_fault_ = FailCredentialReads({ErrorCode::kUnavailable, "The metastore is busy"});
  Reply down = Call("POST", Uc("/external-locations"), team, location);
  EXPECT_EQ(down.status, 503) << down.raw;
  EXPECT_EQ(down.body["error_code"], "TEMPORARILY_UNAVAILABLE") << down.raw;
  EXPECT_THAT(down.raw, Not(HasSubstr("not yours to use")));

  sql_fault_ = FailCredentialReads({ErrorCode::kInternal, "disk I/O error"});
  Reply broken = Call("POST", Uc("/external-locations"), team, location);
  EXPECT_EQ(broken.status, 500) << broken.raw;
  EXPECT_THAT(broken.raw, Not(HasSubstr("not yours to use")));

  // The same on PATCH, for a location the team owns: the lookup's error, not a refusal.
  sql_fault_ = nullptr;
  Reply own =
      Call("POST", Uc("/external-locations"), team, Json{{"name", "lake"}, {"url", "s3://bucket"}});
  ASSERT_EQ(own.status, 200) << own.raw;
  sql_fault_ = FailCredentialReads({ErrorCode::kUnavailable, "The metastore is busy"});
  Reply patch =
      Call("PATCH", Uc("/external-locations/lake"), team, Json{{"credential_name", "cred"}});
  EXPECT_EQ(patch.status, 503) << patch.raw;
}

// Leftover of issue 13: a share's reply silently left out the status and changes_served of
// every table whose lookup failed, so an outage read as "no source reader wired".
TEST_F(MetastoreOutageTest, AnOutageWhileLookingUpASharesTablesIsTheOutageNotAQuietOmission) {
  MakeTables(1);
  ASSERT_EQ(Call("POST", Uc("/shares"), "admin-token", Json{{"name", "h"}}).status, 200);
  const Json add = Json::parse(R"({"updates": [
      {"action": "ADD", "data_object": {"name": "c.s.t1", "data_object_type": "TABLE"}}]})");
  auto fail_table_reads = [](Error error) {
    return [error](std::string_view sql) -> std::optional<Error> {
      if (sql.starts_with("SELECT") && sql.find("FROM delta_tables") != sql.npos) {
        return error;
      }
      return std::nullopt;
    };
  };
  const std::string get = Uc("/shares/h?include_shared_data=true");
  sql_fault_ = fail_table_reads({ErrorCode::kUnavailable, "The metastore is busy"});
  // The update looks the table up first: the outage stops it before anything changes.
  EXPECT_EQ(Call("PATCH", Uc("/shares/h"), "admin-token", add).status, 503);
  sql_fault_ = nullptr;
  ASSERT_EQ(Call("PATCH", Uc("/shares/h"), "admin-token", add).status, 200);

  sql_fault_ = fail_table_reads({ErrorCode::kUnavailable, "The metastore is busy"});
  Reply down = Call("GET", get);
  EXPECT_EQ(down.status, 503) << down.raw;
  EXPECT_EQ(down.body["error_code"], "TEMPORARILY_UNAVAILABLE") << down.raw;
  sql_fault_ = fail_table_reads({ErrorCode::kInternal, "disk I/O error"});
  EXPECT_EQ(Call("GET", get).status, 500);

  sql_fault_ = nullptr;
  Reply up = Call("GET", get);
  ASSERT_EQ(up.status, 200) << up.raw;
  ASSERT_EQ(up.body["objects"].size(), 1u) << up.raw;
  EXPECT_EQ(up.body["objects"][0]["status"], "ACTIVE") << up.raw;
}

// An outage that starts once a share's update is committed (here: at its UPDATE statement) must
// not turn the applied change into an error: the audit would record a failure that took effect,
// and a retried ADD is refused as a duplicate. The reply leaves out the tables' status instead.
TEST_F(MetastoreOutageTest, AnOutageAfterAShareUpdateCommittedDoesNotReportTheUpdateAsFailed) {
  MakeTables(1);
  ASSERT_EQ(Call("POST", Uc("/shares"), "admin-token", Json{{"name", "h"}}).status, 200);
  const Json add = Json::parse(R"({"updates": [
      {"action": "ADD", "data_object": {"name": "c.s.t1", "data_object_type": "TABLE"}}]})");
  ASSERT_EQ(Call("PATCH", Uc("/shares/h"), "admin-token", add).status, 200);

  auto updated = std::make_shared<bool>(false);
  sql_fault_ = [updated](std::string_view sql) -> std::optional<Error> {
    if (sql.starts_with("UPDATE shares ")) {
      *updated = true;
    } else if (*updated && sql.starts_with("SELECT") &&
               sql.find("FROM delta_tables") != sql.npos) {
      return Error{ErrorCode::kUnavailable, "The metastore is busy"};
    }
    return std::nullopt;
  };
  LogCaptureForTest log;
  Reply patched = Call("PATCH", Uc("/shares/h"), "admin-token", Json{{"comment", "for partners"}});
  ASSERT_TRUE(*updated) << "the fault never saw the share's UPDATE";
  EXPECT_EQ(patched.status, 200) << patched.raw;
  EXPECT_EQ(patched.body.value("comment", ""), "for partners") << patched.raw;
  ASSERT_EQ(patched.body["objects"].size(), 1u) << patched.raw;
  // The lookup did fail after the commit (the operator is told), and the reply still says done.
  EXPECT_THAT(log.texts(),
              ::testing::Contains(HasSubstr("its tables' sources could not be looked up")));

  sql_fault_ = nullptr;
  Reply after = Call("GET", Uc("/shares/h?include_shared_data=true"));
  ASSERT_EQ(after.status, 200) << after.raw;
  EXPECT_EQ(after.body.value("comment", ""), "for partners") << after.raw;
  EXPECT_EQ(after.body["objects"][0]["status"], "ACTIVE") << after.raw;
}

}  // namespace
}  // namespace lakeshare::admin::test
