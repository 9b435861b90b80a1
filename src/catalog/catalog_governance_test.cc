// Storage governance of the Catalog (governance.h), run on every backend through CatalogSuite:
// external locations, the table location rules, sealed storage credentials and groups.
#include <algorithm>
#include <tuple>

#include "catalog/catalog_suite_test.h"

// Designated initializers naming only the fields a test cares about are the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace lakeshare::catalog {
namespace {

/// The message of a failed result ("" when it succeeded).
template <typename R>
std::string MessageOf(const R& r) {
  return r ? std::string() : r.error().message;
}

/// Register main.s.<name> at `location`.
Result<TableInfo> Register(Catalog& catalog, const std::string& name, const std::string& location) {
  return catalog.CreateTable({.catalog_name = "main",
                              .schema_name = "s",
                              .name = name,
                              .storage_location = location,
                              .owner = "alice"});
}

TEST_P(CatalogSuite, ExternalLocationsNeverOverlapNorContainTheServersData) {
  auto a = catalog_->CreateExternalLocation(
      {.name = "team-a", .url = "s3://gov/a", .owner = "alice", .comment = "A"});
  ASSERT_OK(a);
  EXPECT_EQ(a->url, "s3://gov/a");
  EXPECT_EQ(a->credential_name, "");
  // Neither inside nor around another location; a shared string prefix is not containment.
  auto inside = catalog_->CreateExternalLocation({.name = "x", .url = "s3://gov/a/b"});
  EXPECT_CODE(inside, ErrorCode::kInvalidArgument);
  EXPECT_NE(MessageOf(inside).find("overlaps external location 'team-a'"), std::string::npos);
  EXPECT_CODE(catalog_->CreateExternalLocation({.name = "x", .url = "s3://gov"}),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->CreateExternalLocation({.name = "x", .url = "s3://gov/a"}),
              ErrorCode::kInvalidArgument);
  ASSERT_OK(catalog_->CreateExternalLocation({.name = "team-ab", .url = "s3://gov/ab"}));
  EXPECT_CODE(catalog_->CreateExternalLocation({.name = "TEAM-A", .url = "s3://other"}),
              ErrorCode::kAlreadyExists);
  // The data directory and the metastore are never inside a location.
  for (const char* url : {"file:///srv", "file:///srv/lakeshare", "file:///srv/lakeshare/data",
                          "file:///srv/lakeshare/meta.db", "file:///"}) {
    auto refused = catalog_->CreateExternalLocation({.name = "data", .url = url});
    EXPECT_CODE(refused, ErrorCode::kInvalidArgument);
    EXPECT_NE(MessageOf(refused).find("overlaps the server's own data"), std::string::npos) << url;
  }
  EXPECT_CODE(catalog_->CreateExternalLocation(
                  {.name = "below", .url = "file:///srv/lakeshare/data/tables"}),
              ErrorCode::kInvalidArgument);
  ASSERT_OK(catalog_->CreateExternalLocation(
      {.name = "beside", .url = "file:///srv/lakeshare/data-exports"}));
  // What the location policy refuses is refused.
  EXPECT_CODE(catalog_->CreateExternalLocation({.name = "up", .url = "s3://gov/../etc"}),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(
      catalog_->CreateExternalLocation({.name = "c", .url = "s3://c", .credential_name = "none"}),
      ErrorCode::kNotFound);

  auto listed = catalog_->ListExternalLocations({.max_results = 3});
  ASSERT_OK(listed);
  ASSERT_EQ(listed->items.size(), 3u);
  EXPECT_EQ(listed->items[0].name, "b");  // the suite's own
  auto rest = catalog_->ListExternalLocations({.page_token = listed->next_page_token});
  ASSERT_OK(rest);
  EXPECT_EQ(rest->items.back().name, "team-ab");

  clock_.Advance(7);
  auto moved = catalog_->UpdateExternalLocation(
      "team-a", {.new_name = "team-a2", .url = "s3://gov/a2", .owner = "bob", .read_only = true});
  ASSERT_OK(moved);
  EXPECT_EQ(moved->id, a->id);
  EXPECT_EQ(moved->url, "s3://gov/a2");
  EXPECT_TRUE(moved->read_only);
  EXPECT_EQ(moved->updated_at, clock_.NowMs());
  EXPECT_CODE(catalog_->UpdateExternalLocation("team-a2", {.url = "s3://gov/ab/c"}),
              ErrorCode::kInvalidArgument);
  ASSERT_OK(catalog_->DeleteExternalLocation("team-a2", false));
  EXPECT_CODE(catalog_->GetExternalLocation("team-a2"), ErrorCode::kNotFound);
}

TEST_P(CatalogSuite, TablesLieInsideALocationAndNeverOverlapAnother) {
  ASSERT_OK(catalog_->CreateCatalog({.name = "main", .owner = "alice"}));
  ASSERT_OK(catalog_->CreateSchema({.catalog_name = "main", .name = "s", .owner = "alice"}));
  ASSERT_OK(catalog_->CreateExternalLocation({.name = "gov", .url = "s3://gov/teams"}));
  auto outside = Register(*catalog_, "t", "s3://elsewhere/t");
  EXPECT_CODE(outside, ErrorCode::kInvalidArgument);
  EXPECT_NE(MessageOf(outside).find("lies inside no external location"), std::string::npos);
  ASSERT_OK(Register(*catalog_, "t", "s3://gov/teams/a/t"));
  // Inside it, around it, or the same folder: refused; a sibling with a longer name is not.
  for (const char* location :
       {"s3://gov/teams/a/t/part", "s3://gov/teams/a", "s3://gov/teams", "s3://gov/teams/a/t"}) {
    auto overlap = Register(*catalog_, "u", location);
    EXPECT_CODE(overlap, ErrorCode::kInvalidArgument);
    EXPECT_NE(MessageOf(overlap).find("LOCATION_OVERLAP"), std::string::npos) << location;
  }
  ASSERT_OK(Register(*catalog_, "t2", "s3://gov/teams/a/t2"));
  EXPECT_CODE(Register(*catalog_, "bad", "s3://gov/teams/../x"), ErrorCode::kInvalidArgument);
  // A move obeys the same rules; staying where it is is no overlap with itself.
  EXPECT_CODE(catalog_->UpdateTable("main.s.t2", {.storage_location = "s3://gov/teams/a/t/x"}),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->UpdateTable("main.s.t2", {.storage_location = "s3://nowhere/t2"}),
              ErrorCode::kInvalidArgument);
  ASSERT_OK(catalog_->UpdateTable("main.s.t2", {.storage_location = "s3://gov/teams/a/t2"}));
  ASSERT_OK(catalog_->UpdateTable("main.s.t2", {.storage_location = "s3://gov/teams/b/t2"}));

  auto found = catalog_->FindExternalLocation("s3://gov/teams/b/t2");
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name, "gov");
  auto none = catalog_->FindExternalLocation("s3://gov/other");
  ASSERT_OK(none);
  EXPECT_FALSE(none->has_value());
  EXPECT_CODE(catalog_->ResolveStorageAccess("s3://gov/other"), ErrorCode::kPermissionDenied);

  // A location keeps its tables: a move leaving one outside or a delete needs force.
  auto narrowed = catalog_->UpdateExternalLocation("gov", {.url = "s3://gov/teams/a"});
  EXPECT_CODE(narrowed, ErrorCode::kInvalidArgument);
  EXPECT_NE(MessageOf(narrowed).find("main.s.t2"), std::string::npos);
  ASSERT_OK(catalog_->UpdateExternalLocation("gov", {.url = "s3://gov"}));
  EXPECT_CODE(catalog_->DeleteExternalLocation("gov", false), ErrorCode::kInvalidArgument);
  ASSERT_OK(catalog_->DeleteExternalLocation("gov", true));
  // Still registered, but served by no one and not to be registered again beside it.
  ASSERT_OK(catalog_->GetTable("main.s.t"));
  EXPECT_CODE(catalog_->ResolveStorageAccess("s3://gov/teams/a/t"), ErrorCode::kPermissionDenied);
}

TEST_P(CatalogSuite, StorageCredentialSecretsAreSealedAndNeverReturned) {
  const std::string secret = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
  const std::string session = "FwoGZXIvYXdzEXAMPLESESSION";
  catalog_->SetSecretKey("server-signing-key");
  auto created = catalog_->CreateStorageCredential({.name = "s3-team",
                                                    .kind = "AWS_ACCESS_KEY",
                                                    .access_key_id = "AKIAEXAMPLE",
                                                    .secret_access_key = secret,
                                                    .session_token = session,
                                                    .owner = "alice"});
  ASSERT_OK(created);
  EXPECT_EQ(created->access_key_id, "AKIAEXAMPLE");
  EXPECT_EQ(created->secret_access_key, "");
  EXPECT_EQ(created->session_token, "");
  auto got = catalog_->GetStorageCredential("S3-TEAM");
  ASSERT_OK(got);
  EXPECT_EQ(got->secret_access_key, "");
  auto listed = catalog_->ListStorageCredentials({});
  ASSERT_OK(listed);
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].secret_access_key, "");
  EXPECT_CODE(catalog_->CreateStorageCredential({.name = "bad", .kind = "AWS_ACCESS_KEY"}),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->CreateStorageCredential({.name = "bad", .kind = "AWS_PROFILE"}),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->CreateStorageCredential(
                  {.name = "bad", .kind = "AWS_PROFILE", .secret_access_key = "x", .profile = "p"}),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->CreateStorageCredential({.name = "bad", .kind = "AZURE"}),
              ErrorCode::kInvalidArgument);
  ASSERT_OK(catalog_->CreateStorageCredential(
      {.name = "profile", .kind = "AWS_PROFILE", .profile = "analytics"}));

  ASSERT_OK(catalog_->CreateExternalLocation(
      {.name = "keyed", .url = "s3://keyed/root", .credential_name = "s3-team"}));
  auto access = catalog_->ResolveStorageAccess("s3://keyed/root/table");
  ASSERT_OK(access);
  EXPECT_EQ(access->location.name, "keyed");
  EXPECT_EQ(access->location.credential_name, "s3-team");
  ASSERT_TRUE(access->credential.has_value());
  EXPECT_EQ(access->credential->secret_access_key, secret);
  EXPECT_EQ(access->credential->session_token, session);
  auto plain = catalog_->ResolveStorageAccess("s3://b/t");
  ASSERT_OK(plain);
  EXPECT_FALSE(plain->credential.has_value());

  // No byte of the secret in the stored metastore.
  std::string dump = GetParam()->dump(location_);
  EXPECT_FALSE(dump.empty());
  EXPECT_EQ(dump.find(secret), std::string::npos);
  EXPECT_EQ(dump.find(session), std::string::npos);
  EXPECT_NE(dump.find("AKIAEXAMPLE"), std::string::npos);  // the dump is readable at all

  // Another server key cannot open it; the right one can.
  auto reopened = OpenCatalog(location_);
  ASSERT_OK(reopened);
  ASSERT_OK((*reopened)->SetLocationPolicy(TestLocationPolicy()));
  (*reopened)->SetSecretKey("another-key");
  auto wrong = (*reopened)->ResolveStorageAccess("s3://keyed/root/table");
  EXPECT_CODE(wrong, ErrorCode::kInternal);
  EXPECT_NE(MessageOf(wrong).find("another server key"), std::string::npos);
  EXPECT_EQ(MessageOf(wrong).find(secret), std::string::npos);
  (*reopened)->SetSecretKey("server-signing-key");
  ASSERT_OK((*reopened)->ResolveStorageAccess("s3://keyed/root/table"));

  // New keys replace the old ones; a credential in use cannot be deleted.
  auto rotated = catalog_->UpdateStorageCredential(
      "s3-team", {.comment = "rotated",
                  .aws = AwsCredential{.kind = "AWS_ACCESS_KEY",
                                       .access_key_id = "AKIANEW",
                                       .secret_access_key = "new-secret"}});
  ASSERT_OK(rotated);
  EXPECT_EQ(rotated->access_key_id, "AKIANEW");
  EXPECT_EQ(rotated->secret_access_key, "");
  auto after = catalog_->ResolveStorageAccess("s3://keyed/root/table");
  ASSERT_OK(after);
  EXPECT_EQ(after->credential->secret_access_key, "new-secret");
  EXPECT_EQ(after->credential->session_token, "");
  auto in_use = catalog_->DeleteStorageCredential("s3-team");
  EXPECT_CODE(in_use, ErrorCode::kInvalidArgument);
  EXPECT_NE(MessageOf(in_use).find("'keyed'"), std::string::npos);
  ASSERT_OK(catalog_->UpdateExternalLocation("keyed", {.credential_name = ""}));
  ASSERT_OK(catalog_->DeleteStorageCredential("s3-team"));
}

TEST_P(CatalogSuite, GroupsHoldPrivilegesAndOwnershipForTheirMembersAtOnce) {
  ASSERT_OK(catalog_->CreatePrincipal({.name = "bob"}));
  ASSERT_OK(catalog_->CreatePrincipal({.name = "carol"}));
  auto team = catalog_->CreateGroup({.name = "Team-A", .comment = "c", .members = {"bob"}});
  ASSERT_OK(team);
  EXPECT_EQ(team->members, (std::vector<std::string>{"bob"}));
  EXPECT_CODE(catalog_->CreateGroup({.name = "x", .members = {"nobody"}}), ErrorCode::kNotFound);
  EXPECT_CODE(catalog_->GetGroup("x"), ErrorCode::kNotFound);
  // One namespace for principals and groups.
  EXPECT_CODE(catalog_->CreateGroup({.name = "BOB"}), ErrorCode::kAlreadyExists);
  EXPECT_CODE(catalog_->CreatePrincipal({.name = "team-a"}), ErrorCode::kAlreadyExists);
  EXPECT_CODE(catalog_->UpdatePrincipal("carol", {.new_name = "TEAM-A"}),
              ErrorCode::kAlreadyExists);

  ASSERT_OK(catalog_->CreateExternalLocation({.name = "loc", .url = "s3://team-a"}));
  auto may = [&](const std::string& who) {
    auto r = catalog_->HasPrivilege(who, SecurableType::kExternalLocation, "loc",
                                    Privilege::kCreateExternalTable);
    return r && *r;
  };
  EXPECT_FALSE(may("bob"));
  ASSERT_OK(catalog_->UpdatePermissions(
      SecurableType::kExternalLocation, "loc",
      {{.principal = "team-a", .add = {Privilege::kCreateExternalTable}}}));
  EXPECT_TRUE(may("bob"));
  EXPECT_FALSE(may("carol"));
  auto grants = catalog_->GetPermissions(SecurableType::kExternalLocation, "loc");
  ASSERT_OK(grants);
  ASSERT_EQ(grants->size(), 1u);
  EXPECT_EQ((*grants)[0].principal, "Team-A");
  EXPECT_CODE(catalog_->UpdatePermissions(SecurableType::kExternalLocation, "loc",
                                          {{.principal = "team-a", .add = {Privilege::kSelect}}}),
              ErrorCode::kInvalidArgument);

  auto bob = catalog_->GetPrincipal("bob");
  ASSERT_OK(bob);
  EXPECT_EQ(bob->groups, (std::vector<std::string>{"Team-A"}));
  ASSERT_OK(catalog_->AddPrincipalToken("bob", "bob-token", std::nullopt, ""));
  auto authenticated = catalog_->AuthenticatePrincipal("bob-token");
  ASSERT_OK(authenticated);
  EXPECT_EQ(authenticated->groups, (std::vector<std::string>{"Team-A"}));

  // Membership changes take effect at once: carol in, bob out.
  auto changed =
      catalog_->UpdateGroup("team-a", {.add_members = {"carol"}, .remove_members = {"bob"}});
  ASSERT_OK(changed);
  EXPECT_EQ(changed->members, (std::vector<std::string>{"carol"}));
  EXPECT_FALSE(may("bob"));
  EXPECT_TRUE(may("carol"));

  // A group owns: its members hold everything on what it owns.
  ASSERT_OK(catalog_->CreateCatalog({.name = "owned", .owner = "team-a"}));
  auto owns =
      catalog_->HasPrivilege("carol", SecurableType::kCatalog, "owned", Privilege::kUseCatalog);
  ASSERT_OK(owns);
  EXPECT_TRUE(*owns);
  auto not_owner =
      catalog_->HasPrivilege("bob", SecurableType::kCatalog, "owned", Privilege::kUseCatalog);
  ASSERT_OK(not_owner);
  EXPECT_FALSE(*not_owner);

  // Deleting a group takes its grants and memberships with it; deleting a member leaves it.
  ASSERT_OK(catalog_->DeletePrincipal("carol"));
  auto left = catalog_->GetGroup("team-a");
  ASSERT_OK(left);
  EXPECT_TRUE(left->members.empty());
  ASSERT_OK(catalog_->DeleteGroup("team-a"));
  auto none = catalog_->GetPermissions(SecurableType::kExternalLocation, "loc");
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
  auto groups = catalog_->ListGroups({});
  ASSERT_OK(groups);
  EXPECT_TRUE(groups->items.empty());
}

TEST_P(CatalogSuite, ALocationPolicyIsNeededForLocations) {
  auto bare = OpenCatalog(location_);
  ASSERT_OK(bare);
  EXPECT_CODE((*bare)->CreateExternalLocation({.name = "x", .url = "s3://x"}),
              ErrorCode::kInternal);
  EXPECT_CODE((*bare)->ResolveStorageAccess("s3://b/t"), ErrorCode::kInternal);
  LocationPolicy broken = TestLocationPolicy();
  broken.protected_locations.push_back("file:///a/../b");
  EXPECT_CODE((*bare)->SetLocationPolicy(broken), ErrorCode::kInvalidArgument);
}

TEST_P(CatalogSuite, UpgradeGivesEveryTableRootALocationOwnedByItsTableOwner) {
  // Tables registered before governance: a metastore opened without a location policy.
  {
    auto legacy = OpenCatalog(location_);
    ASSERT_OK(legacy);
    Catalog& old = **legacy;
    ASSERT_OK(old.CreateCatalog({.name = "main", .owner = "alice"}));
    ASSERT_OK(old.CreateSchema({.catalog_name = "main", .name = "s", .owner = "alice"}));
    for (auto [name, location, owner] :
         {std::tuple{"inner", "s3://legacy/a/inner", "bob"}, {"a", "s3://legacy/a", "alice"},
          {"covered", "s3://b/t", "carol"}, {"data", "file:///srv/lakeshare/data/t", "carol"},
          {"up", "s3://legacy/../etc", "carol"}, {"other", "s3://legacy/other", "dave"}}) {
      ASSERT_OK(old.CreateTable({.catalog_name = "main",
                                 .schema_name = "s",
                                 .name = name,
                                 .storage_location = location,
                                 .owner = owner}));
    }
  }
  auto left_out = catalog_->AdoptTableLocations();
  ASSERT_OK(left_out);
  std::vector<std::string> sorted = *left_out;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<std::string>{"main.s.data", "main.s.up"}));
  // The outer root gets the location (owned by its table's owner); the table inside it and the
  // one inside an existing location need none.
  auto a = catalog_->GetExternalLocation("main.s.a");
  ASSERT_OK(a);
  EXPECT_EQ(a->url, "s3://legacy/a");
  EXPECT_EQ(a->owner, "alice");
  auto other = catalog_->GetExternalLocation("main.s.other");
  ASSERT_OK(other);
  EXPECT_EQ(other->owner, "dave");
  EXPECT_CODE(catalog_->GetExternalLocation("main.s.inner"), ErrorCode::kNotFound);
  EXPECT_CODE(catalog_->GetExternalLocation("main.s.covered"), ErrorCode::kNotFound);
  EXPECT_CODE(catalog_->GetExternalLocation("main.s.data"), ErrorCode::kNotFound);
  auto inner = catalog_->FindExternalLocation("s3://legacy/a/inner");
  ASSERT_OK(inner);
  ASSERT_TRUE(inner->has_value());
  EXPECT_EQ((*inner)->name, "main.s.a");
  // Adopted tables obey the rules from now on; a second run creates nothing more.
  EXPECT_CODE(Register(*catalog_, "over", "s3://legacy/other/x"), ErrorCode::kInvalidArgument);
  auto before = catalog_->ListExternalLocations({});
  ASSERT_OK(before);
  ASSERT_OK(catalog_->AdoptTableLocations());
  auto after = catalog_->ListExternalLocations({});
  ASSERT_OK(after);
  EXPECT_EQ(after->items.size(), before->items.size());
}

// Only an overlap leaves a legacy table out of the adoption: a metastore failure while checking
// where its location would go is the failure, not a table quietly reported as left out.
TEST_P(CatalogSuite, AnOutageWhileAdoptingTableLocationsIsTheOutageNotALeftOutTable) {
  {
    auto legacy = OpenCatalog(location_);
    ASSERT_OK(legacy);
    ASSERT_OK((*legacy)->CreateCatalog({.name = "main", .owner = "alice"}));
    ASSERT_OK((*legacy)->CreateSchema({.catalog_name = "main", .name = "s", .owner = "alice"}));
    ASSERT_OK(Register(**legacy, "t", "s3://legacy/t"));
  }
  auto faulty = OpenCatalog(location_, {.fault_for_test = [](std::string_view sql) {
                              return sql.starts_with("SELECT name FROM external_locations WHERE")
                                         ? std::optional<Error>(Error{ErrorCode::kUnavailable,
                                                                      "The metastore is busy"})
                                         : std::nullopt;
                            }});
  ASSERT_OK(faulty);
  ASSERT_OK((*faulty)->SetLocationPolicy(TestLocationPolicy()));
  EXPECT_CODE((*faulty)->AdoptTableLocations(), ErrorCode::kUnavailable);
  EXPECT_CODE(catalog_->GetExternalLocation("main.s.t"), ErrorCode::kNotFound);

  auto left_out = catalog_->AdoptTableLocations();
  ASSERT_OK(left_out);
  EXPECT_TRUE(left_out->empty());
  ASSERT_OK(catalog_->GetExternalLocation("main.s.t"));
}

}  // namespace
}  // namespace lakeshare::catalog
