// External locations and storage credentials through the management API, as a team that owns
// one: what its owner may change, and what stays the metastore's to decide (where the server
// reads, and with which keys).

#include "admin/management_test_fixture.h"

namespace lakeshare::admin::test {
namespace {

// A team that owns a location (given it by an admin, or adopted for its tables' roots on upgrade)
// without CREATE_EXTERNAL_LOCATION used to move it anywhere no other location claims, or detach
// its credential so the server's own keys read it: declaring a location it was never allowed to.
TEST_F(ManagementTest, ALocationsOwnerMovesItOrChangesItsKeysOnlyWithCreateExternalLocation) {
  const std::string team = MakeTeam("team");
  ASSERT_EQ(Call("POST", Uc("/storage-credentials"), "admin-token",
                 Json{{"name", "cred"}, {"aws_profile", Json{{"profile_name", "p"}}}})
                .status,
            200);
  Reply made = Call("POST", Uc("/external-locations"), "admin-token",
                    Json{{"name", "team_lake"},
                         {"url", "s3://bucket/team"},
                         {"credential_name", "cred"},
                         {"owner", "team"}});
  ASSERT_EQ(made.status, 200) << made.raw;

  for (const Json& change :
       {Json{{"url", "s3://elsewhere"}}, Json{{"url", "s3://bucket"}},
        Json{{"url", "s3://bucket/team/narrower"}}, Json{{"credential_name", ""}},
        Json{{"url", "s3://elsewhere"}, {"force", true}}}) {
    Reply refused = Call("PATCH", Uc("/external-locations/team_lake"), team, change);
    EXPECT_EQ(refused.status, 403) << change.dump() << " " << refused.raw;
    EXPECT_EQ(refused.body.value("error_code", ""), "PERMISSION_DENIED") << refused.raw;
    EXPECT_THAT(refused.body.value("message", ""), HasSubstr("CREATE_EXTERNAL_LOCATION"));
  }
  Reply kept = Call("GET", Uc("/external-locations/team_lake"), team);
  ASSERT_EQ(kept.status, 200) << kept.raw;
  EXPECT_EQ(kept.body["url"], "s3://bucket/team");
  EXPECT_EQ(kept.body["credential_name"], "cred");

  // Its owner still manages it otherwise: comment, name, grants.
  Reply comment =
      Call("PATCH", Uc("/external-locations/team_lake"), team, Json{{"comment", "ours"}});
  EXPECT_EQ(comment.status, 200) << comment.raw;
  Reply renamed =
      Call("PATCH", Uc("/external-locations/team_lake"), team, Json{{"new_name", "lake"}});
  EXPECT_EQ(renamed.status, 200) << renamed.raw;
  MakeTeam("other");
  EXPECT_EQ(
      Grant("/permissions/external_location/lake", "other", {"CREATE_EXTERNAL_TABLE"}, team).status,
      200);

  // With the right to declare locations, the owner may move it, as it could create one there.
  ASSERT_EQ(Grant("/permissions/metastore/metastore", "team", {"CREATE_EXTERNAL_LOCATION"}).status,
            200);
  Reply moved =
      Call("PATCH", Uc("/external-locations/lake"), team, Json{{"url", "s3://elsewhere"}});
  EXPECT_EQ(moved.status, 200) << moved.raw;
  EXPECT_EQ(moved.body["url"], "s3://elsewhere");
}

// A profile names keys of the server's own AWS configuration: a team given a credential used to
// switch it to a profile (any of the server's) without CREATE_STORAGE_CREDENTIAL, and every
// location naming the credential was then read and signed with the server's keys. Keys the team
// holds itself it still rotates.
TEST_F(ManagementTest, ACredentialsOwnerNamesTheServersProfilesOnlyWithCreateStorageCredential) {
  const std::string team = MakeTeam("team");
  Reply made = Call("POST", Uc("/storage-credentials"), "admin-token",
                    Json{{"name", "cred"},
                         {"aws_access_key", Json{{"access_key_id", "AKIDTEAM"},
                                                 {"secret_access_key", "team-secret"}}},
                         {"owner", "team"}});
  ASSERT_EQ(made.status, 200) << made.raw;
  for (const char* profile : {"default", "p"}) {
    Reply refused = Call("PATCH", Uc("/storage-credentials/cred"), team,
                         Json{{"aws_profile", Json{{"profile_name", profile}}}});
    EXPECT_EQ(refused.status, 403) << refused.raw;
    EXPECT_EQ(refused.body.value("error_code", ""), "PERMISSION_DENIED") << refused.raw;
    EXPECT_THAT(refused.body.value("message", ""), HasSubstr("CREATE_STORAGE_CREDENTIAL"));
  }
  Reply kept = Call("GET", Uc("/storage-credentials/cred"), team);
  ASSERT_EQ(kept.status, 200) << kept.raw;
  EXPECT_EQ(kept.body["aws_access_key"]["access_key_id"], "AKIDTEAM") << kept.raw;
  EXPECT_FALSE(kept.body.contains("aws_profile")) << kept.raw;

  Reply rotated = Call("PATCH", Uc("/storage-credentials/cred"), team,
                       Json{{"aws_access_key", Json{{"access_key_id", "AKIDNEXT"},
                                                    {"secret_access_key", "next-secret"}}},
                            {"comment", "rotated"}});
  EXPECT_EQ(rotated.status, 200) << rotated.raw;
  EXPECT_EQ(rotated.body["aws_access_key"]["access_key_id"], "AKIDNEXT") << rotated.raw;

  ASSERT_EQ(Grant("/permissions/metastore/metastore", "team", {"CREATE_STORAGE_CREDENTIAL"}).status,
            200);
  Reply profile = Call("PATCH", Uc("/storage-credentials/cred"), team,
                       Json{{"aws_profile", Json{{"profile_name", "p"}}}});
  EXPECT_EQ(profile.status, 200) << profile.raw;
  EXPECT_EQ(profile.body["aws_profile"]["profile_name"], "p") << profile.raw;
}

}  // namespace
}  // namespace lakeshare::admin::test
