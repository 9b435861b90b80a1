// Shares and grants of the Catalog, run on every backend through CatalogSuite: what a share
// holds (tables under aliases, history, partitions), the recipients granted it, and Unity
// Catalog's privilege rules on catalogs, schemas, tables and shares.
#include "catalog/catalog_suite_test.h"

// Designated initializers naming only the fields a test cares about are the point here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lakeshare::catalog {
namespace {

void MakeTable(Catalog& cat, const std::string& c, const std::string& s, const std::string& t) {
  if (!cat.GetCatalog(c)) {
    ASSERT_OK(cat.CreateCatalog(CatalogInfo{.name = c, .owner = "alice"}));
  }
  if (!cat.GetSchema(c, s)) {
    ASSERT_OK(cat.CreateSchema(SchemaInfo{.catalog_name = c, .name = s, .owner = "alice"}));
  }
  ASSERT_OK(cat.CreateTable(TableInfo{.catalog_name = c,
                                      .schema_name = s,
                                      .name = t,
                                      .storage_location = "s3://bucket/" + c + "/" + s + "/" + t,
                                      .owner = "alice"}));
}

TEST_P(CatalogSuite, SharesHoldTablesWithAliasesHistoryAndPartitions) {
  MakeTable(*catalog_, "main", "sales", "daily");
  MakeTable(*catalog_, "main", "sales", "monthly");
  auto share = catalog_->CreateShare(
      {.name = "partners", .owner = "alice", .comment = "c", .created_by = "alice"});
  ASSERT_OK(share);
  EXPECT_EQ(share->id.size(), 36u);
  EXPECT_CODE(catalog_->CreateShare({.name = "PARTNERS"}), ErrorCode::kAlreadyExists);
  EXPECT_CODE(catalog_->CreateShare({.name = "bad name"}), ErrorCode::kInvalidArgument);

  SharedDataObject daily{
      .name = "main.sales.daily",
      .history_data_sharing_status = "ENABLED",
      .cdf_enabled = true,
      .start_version = 3,
      .partitions_json =
          R"([{"values":[{"name":"country","op":"EQUAL","recipient_property_key":"country"}]}])"};
  SharedDataObject monthly{.name = "MAIN.sales.monthly", .shared_as = "reports.monthly"};
  clock_.Advance(10);
  auto updated = catalog_->UpdateShare(
      "partners", {},
      {{SharedObjectChange::Action::kAdd, daily}, {SharedObjectChange::Action::kAdd, monthly}},
      "bob");
  ASSERT_OK(updated);
  ASSERT_EQ(updated->objects.size(), 2u);
  const SharedDataObject& d = updated->objects[0];
  EXPECT_EQ(d.name, "main.sales.daily");
  EXPECT_EQ(d.shared_as, "sales.daily");
  EXPECT_EQ(d.history_data_sharing_status, "ENABLED");
  EXPECT_TRUE(d.cdf_enabled);
  EXPECT_EQ(d.start_version, 3);
  EXPECT_EQ(d.partitions_json, daily.partitions_json);
  EXPECT_EQ(d.status, "ACTIVE");
  EXPECT_EQ(d.added_by, "bob");
  EXPECT_EQ(d.added_at, clock_.NowMs());
  EXPECT_EQ(updated->objects[1].shared_as, "reports.monthly");
  EXPECT_EQ(updated->updated_by, "bob");

  // Atomic: a failing change leaves the share as it was.
  EXPECT_CODE(catalog_->UpdateShare(
                  "partners", {.comment = "changed"},
                  {{SharedObjectChange::Action::kRemove, daily},
                   {SharedObjectChange::Action::kAdd, SharedDataObject{.name = "main.sales.nope"}}},
                  "bob"),
              ErrorCode::kNotFound);
  auto same = catalog_->GetShare("partners", true);
  ASSERT_OK(same);
  EXPECT_EQ(same->objects.size(), 2u);
  EXPECT_EQ(same->comment, "c");

  EXPECT_CODE(
      catalog_->UpdateShare("partners", {}, {{SharedObjectChange::Action::kAdd, daily}}, "bob"),
      ErrorCode::kAlreadyExists);
  MakeTable(*catalog_, "main", "other", "daily");
  EXPECT_CODE(catalog_->UpdateShare(
                  "partners", {},
                  {{SharedObjectChange::Action::kAdd,
                    SharedDataObject{.name = "main.other.daily", .shared_as = "SALES.daily"}}},
                  "bob"),
              ErrorCode::kAlreadyExists);
  EXPECT_CODE(
      catalog_->UpdateShare(
          "partners", {},
          {{SharedObjectChange::Action::kAdd,
            SharedDataObject{.name = "main.other.daily", .history_data_sharing_status = "MAYBE"}}},
          "bob"),
      ErrorCode::kInvalidArgument);

  SharedDataObject daily2 = daily;
  daily2.history_data_sharing_status = "DISABLED";
  daily2.cdf_enabled = false;
  daily2.start_version.reset();
  daily2.shared_as = "sales.day";
  auto changed = catalog_->UpdateShare(
      "partners", {.new_name = "Partners2", .owner = "team-b"},
      {{SharedObjectChange::Action::kUpdate, daily2},
       {SharedObjectChange::Action::kRemove, SharedDataObject{.name = "main.sales.monthly"}}},
      "carol");
  ASSERT_OK(changed);
  EXPECT_EQ(changed->id, share->id);
  EXPECT_EQ(changed->name, "Partners2");
  EXPECT_EQ(changed->owner, "team-b");
  ASSERT_EQ(changed->objects.size(), 1u);
  EXPECT_EQ(changed->objects[0].shared_as, "sales.day");
  EXPECT_FALSE(changed->objects[0].start_version.has_value());
  EXPECT_EQ(changed->objects[0].added_by, "bob");

  auto without = catalog_->GetShare("partners2", false);
  ASSERT_OK(without);
  EXPECT_TRUE(without->objects.empty());
  EXPECT_CODE(catalog_->GetShare("partners", false), ErrorCode::kNotFound);
  EXPECT_CODE(catalog_->UpdateShare("partners2", {},
                                    {{SharedObjectChange::Action::kRemove,
                                      SharedDataObject{.name = "main.sales.monthly"}}},
                                    "bob"),
              ErrorCode::kNotFound);
  ASSERT_OK(catalog_->DeleteShare("partners2"));
  EXPECT_CODE(catalog_->DeleteShare("partners2"), ErrorCode::kNotFound);
}

/// The status of the one object of share `name` as the sharing server reads it.
std::string ServedStatus(Catalog& cat, const std::string& name) {
  auto got = cat.GetSharesWithTables({name});
  if (!got || got->size() != 1 || (*got)[0].share.objects.size() != 1) {
    return "unreadable";
  }
  return (*got)[0].share.objects[0].status;
}

// A team granted SELECT on another team's table shares it, then loses SELECT: the share kept
// serving the table to its recipients. Unity Catalog's rule is that a share's owner keeps SELECT
// for as long as it shares a table; without it the object reads as PERMISSION_DENIED, which the
// sharing server does not serve.
TEST_P(CatalogSuite, ASharedTableWhoseShareOwnerLostSelectReadsAsPermissionDenied) {
  MakeTable(*catalog_, "main", "sales", "daily");  // alice's
  ASSERT_OK(catalog_->CreatePrincipal({.name = "alice"}));
  ASSERT_OK(catalog_->CreatePrincipal({.name = "team"}));
  ASSERT_OK(catalog_->CreatePrincipal({.name = "boss", .is_admin = true}));
  auto grant = [&](SecurableType type, const std::string& on, const std::string& to, bool add) {
    PermissionsChange change{.principal = to};
    (add ? change.add : change.remove).push_back(Privilege::kSelect);
    ASSERT_OK(catalog_->UpdatePermissions(type, on, {change}));
  };
  grant(SecurableType::kTable, "main.sales.daily", "team", true);
  ASSERT_OK(catalog_->CreateShare({.name = "teams", .owner = "team"}));
  ASSERT_OK(catalog_->UpdateShare(
      "teams", {},
      {{SharedObjectChange::Action::kAdd, SharedDataObject{.name = "main.sales.daily"}}}, "team"));
  EXPECT_EQ(ServedStatus(*catalog_, "teams"), "ACTIVE");

  grant(SecurableType::kTable, "main.sales.daily", "team", false);
  EXPECT_EQ(ServedStatus(*catalog_, "teams"), "PERMISSION_DENIED");
  // SELECT through a group, on the catalog: served again.
  ASSERT_OK(catalog_->CreateGroup({.name = "analysts", .members = {"team"}}));
  grant(SecurableType::kCatalog, "main", "analysts", true);
  EXPECT_EQ(ServedStatus(*catalog_, "teams"), "ACTIVE");
  // A share owned by a group needs the group's SELECT.
  ObjectUpdate to_group;
  to_group.owner = "analysts";
  ASSERT_OK(catalog_->UpdateShare("teams", to_group, {}, "team"));
  EXPECT_EQ(ServedStatus(*catalog_, "teams"), "ACTIVE");
  grant(SecurableType::kCatalog, "main", "analysts", false);
  EXPECT_EQ(ServedStatus(*catalog_, "teams"), "PERMISSION_DENIED");
  // The table's owner and admins hold it.
  for (const char* owner : {"ALICE", "boss"}) {
    ObjectUpdate update;
    update.owner = owner;
    ASSERT_OK(catalog_->UpdateShare("teams", update, {}, "team"));
    EXPECT_EQ(ServedStatus(*catalog_, "teams"), "ACTIVE") << owner;
  }
  // What the management API reads of the share is the stored object, unchanged.
  EXPECT_EQ(catalog_->GetShare("teams", true)->objects[0].status, "ACTIVE");
}

TEST_P(CatalogSuite, SharesWithTablesAreReadTogetherWithTheirTables) {
  MakeTable(*catalog_, "main", "sales", "daily");
  MakeTable(*catalog_, "Other", "Stock", "Levels");
  MakeTable(*catalog_, "main", "sales", "gone");
  // 70 shares: more than one batch of keys, and not a power of two.
  std::vector<std::string> names;
  for (int i = 0; i < 70; ++i) {
    std::string name = "s" + std::to_string(i);
    ASSERT_OK(catalog_->CreateShare({.name = name, .owner = "alice"}));
    if (i % 7 == 0) {
      continue;  // an empty share
    }
    std::vector<SharedObjectChange> adds{
        {SharedObjectChange::Action::kAdd, SharedDataObject{.name = "main.sales.daily"}},
        {SharedObjectChange::Action::kAdd,
         SharedDataObject{.name = "other.stock.LEVELS", .shared_as = "stock.levels"}}};
    if (i == 1) {
      adds.push_back(
          {SharedObjectChange::Action::kAdd, SharedDataObject{.name = "main.sales.gone"}});
    }
    ASSERT_OK(catalog_->UpdateShare(name, {}, adds, "alice"));
    names.push_back(i % 2 == 0 ? name : "S" + name.substr(1));  // any case
  }
  ASSERT_OK(catalog_->DeleteTable("main.sales.gone"));
  names.push_back("s0");
  names.push_back("no-such-share");
  names.push_back("s1");  // twice

  auto got = catalog_->GetSharesWithTables(names);
  ASSERT_OK(got);
  std::map<std::string, ShareContents> by_name;
  for (const ShareContents& sc : *got) {
    EXPECT_TRUE(by_name.emplace(sc.share.name, sc).second) << "twice: " << sc.share.name;
  }
  EXPECT_EQ(by_name.size(), 61u);  // 60 with objects + s0; the unknown name is left out
  ASSERT_TRUE(by_name.count("s0"));
  EXPECT_TRUE(by_name["s0"].share.objects.empty());
  EXPECT_TRUE(by_name["s0"].tables.empty());
  ASSERT_TRUE(by_name.count("s1"));
  const ShareContents& s1 = by_name["s1"];
  EXPECT_EQ(s1.share.id, catalog_->GetShare("s1", false)->id);
  ASSERT_EQ(s1.share.objects.size(), 3u);
  ASSERT_EQ(s1.tables.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const SharedDataObject& o = s1.share.objects[i];
    if (o.name == "main.sales.gone") {
      EXPECT_FALSE(s1.tables[i].has_value()) << "a dropped table resolves to nothing";
      continue;
    }
    ASSERT_TRUE(s1.tables[i].has_value()) << o.name;
    auto direct = catalog_->GetTable(o.name);
    ASSERT_OK(direct);
    EXPECT_EQ(s1.tables[i]->id, direct->id);
    EXPECT_EQ(s1.tables[i]->storage_location, direct->storage_location);
    EXPECT_EQ(s1.tables[i]->full_name(), direct->full_name());
    // The folder its registration checked: what serving and the management API's checks open.
    EXPECT_FALSE(direct->location_key.empty()) << o.name;
    EXPECT_EQ(s1.tables[i]->location_key, direct->location_key);
  }
  EXPECT_EQ(by_name["s69"].tables.size(), 2u);
  auto none = catalog_->GetSharesWithTables({"nothing", "at-all"});
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
  auto empty = catalog_->GetSharesWithTables({});
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->empty());
}

// Review of b13fb88 (names must be in NFC): the sharing path split each shared table's stored
// full name by the creation rule, so a table shared before the rule with a name such as "e" +
// U+0301 or U+2126 resolved to nothing and vanished from every partner's listing.
TEST_P(CatalogSuite, ATableSharedBeforeTheNfcRuleStaysServedByItsStoredName) {
  MakeTable(*catalog_, "main", "sales", "cafe");
  MakeTable(*catalog_, "main", "sales", "ohm");
  ASSERT_OK(catalog_->CreateShare({.name = "s", .owner = "alice"}));
  ASSERT_OK(catalog_->UpdateShare(
      "s", {},
      {{SharedObjectChange::Action::kAdd, SharedDataObject{.name = "main.sales.cafe"}},
       {SharedObjectChange::Action::kAdd, SharedDataObject{.name = "main.sales.ohm"}}},
      "alice"));
  // What an older server stored: names the rule refuses now (NFD "e" + U+0301, OHM SIGN).
  const std::pair<std::string, std::string> renames[] = {{"cafe", "cafe\u0301"}, {"ohm", "\u2126"}};
  for (const auto& [old_name, stored] : renames) {
    ASSERT_EQ(GetParam()->exec(location_, "UPDATE delta_tables SET name = '" + stored +
                                              "', name_key = '" + stored + "' WHERE name_key = '" +
                                              old_name + "'"),
              "");
    ASSERT_EQ(GetParam()->exec(location_, "UPDATE shared_objects SET name = 'main.sales." + stored +
                                              "', name_key = 'main.sales." + stored +
                                              "' WHERE name_key = 'main.sales." + old_name + "'"),
              "");
  }
  EXPECT_CODE(catalog_->GetTable("main.sales.cafe\u0301"), ErrorCode::kInvalidArgument);

  auto got = catalog_->GetSharesWithTables({"s"});
  ASSERT_OK(got);
  ASSERT_EQ(got->size(), 1u);
  const ShareContents& sc = (*got)[0];
  ASSERT_EQ(sc.share.objects.size(), 2u);
  ASSERT_EQ(sc.tables.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_TRUE(sc.tables[i].has_value()) << sc.share.objects[i].name;
    EXPECT_EQ(sc.tables[i]->full_name(), sc.share.objects[i].name);
  }
  // The provider can still take one out of the share, by its stored name.
  ASSERT_OK(catalog_->UpdateShare(
      "s", {},
      {{SharedObjectChange::Action::kRemove, SharedDataObject{.name = "main.sales.cafe\u0301"}}},
      "alice"));
  got = catalog_->GetSharesWithTables({"s"});
  ASSERT_OK(got);
  ASSERT_EQ(got->size(), 1u);
  ASSERT_EQ((*got)[0].share.objects.size(), 1u);
  EXPECT_TRUE((*got)[0].tables[0].has_value());
}

TEST_P(CatalogSuite, RecipientShareGrantsListSelectedSharesAndTellUnknownRecipients) {
  ASSERT_OK(catalog_->CreateRecipient({.name = "acme"}));
  ASSERT_OK(catalog_->CreateShare({.name = "b-share", .owner = "alice"}));
  ASSERT_OK(catalog_->CreateShare({.name = "A-share", .owner = "alice"}));
  auto none = catalog_->ListRecipientShareGrants("ACME");
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
  for (const char* share : {"b-share", "A-share"}) {
    ASSERT_OK(catalog_->UpdatePermissions(SecurableType::kShare, share,
                                          {{.principal = "acme", .add = {Privilege::kSelect}}}));
  }
  auto grants = catalog_->ListRecipientShareGrants("acme");
  ASSERT_OK(grants);
  ASSERT_EQ(grants->size(), 2u);
  EXPECT_EQ(grants->at(0).share_name, "A-share");
  EXPECT_EQ(grants->at(1).share_name, "b-share");
  EXPECT_EQ(grants->at(0).privileges, std::vector<Privilege>{Privilege::kSelect});
  EXPECT_CODE(catalog_->ListRecipientShareGrants("nobody"), ErrorCode::kNotFound);
}

TEST_P(CatalogSuite, GrantsFollowUnityCatalogRules) {
  MakeTable(*catalog_, "main", "sales", "daily");
  ASSERT_OK(catalog_->CreatePrincipal({.name = "root", .is_admin = true}));
  ASSERT_OK(catalog_->CreatePrincipal({.name = "team-a"}));
  ASSERT_OK(catalog_->CreatePrincipal({.name = "team-b"}));
  ASSERT_OK(catalog_->CreateShare({.name = "s1", .owner = "team-a"}));
  ASSERT_OK(catalog_->CreateRecipient({.name = "r1"}));
  ASSERT_OK(catalog_->CreateRecipient({.name = "r2"}));

  auto perms = catalog_->UpdatePermissions(SecurableType::kShare, "S1",
                                           {{.principal = "r1", .add = {Privilege::kSelect}},
                                            {.principal = "R2", .add = {Privilege::kSelect}}});
  ASSERT_OK(perms);
  ASSERT_EQ(perms->size(), 2u);
  EXPECT_EQ(perms->at(0).principal, "r1");
  EXPECT_EQ(perms->at(0).privileges, std::vector<Privilege>{Privilege::kSelect});
  // Idempotent add, then remove one.
  perms = catalog_->UpdatePermissions(SecurableType::kShare, "s1",
                                      {{.principal = "r1", .add = {Privilege::kSelect}},
                                       {.principal = "r2", .remove = {Privilege::kSelect}}});
  ASSERT_OK(perms);
  ASSERT_EQ(perms->size(), 1u);
  EXPECT_CODE(catalog_->UpdatePermissions(SecurableType::kShare, "s1",
                                          {{.principal = "r1", .add = {Privilege::kUseShare}}}),
              ErrorCode::kInvalidArgument);
  EXPECT_CODE(catalog_->UpdatePermissions(SecurableType::kShare, "s1",
                                          {{.principal = "ghost", .add = {Privilege::kSelect}}}),
              ErrorCode::kNotFound);
  EXPECT_CODE(catalog_->UpdatePermissions(SecurableType::kShare, "nope", {}), ErrorCode::kNotFound);
  auto grants = catalog_->ListRecipientShareGrants("r1");
  ASSERT_OK(grants);
  ASSERT_EQ(grants->size(), 1u);
  EXPECT_EQ(grants->at(0).share_name, "s1");

  // Metastore privileges for team-b; ownership for team-a.
  ASSERT_OK(catalog_->UpdatePermissions(
      SecurableType::kMetastore, "",
      {{.principal = "team-b",
        .add = {Privilege::kCreateShare, Privilege::kUseShare, Privilege::kSetSharePermission}}}));
  auto mperms = catalog_->GetPermissions(SecurableType::kMetastore, "");
  ASSERT_OK(mperms);
  ASSERT_EQ(mperms->size(), 1u);
  EXPECT_EQ(mperms->at(0).privileges,
            (std::vector<Privilege>{Privilege::kCreateShare, Privilege::kUseShare,
                                    Privilege::kSetSharePermission}));
  auto has = [&](const char* who, SecurableType t, const char* name, Privilege p) {
    auto r = catalog_->HasPrivilege(who, t, name, p);
    EXPECT_TRUE(r) << r.error().ToString();
    return r && *r;
  };
  EXPECT_TRUE(has("team-b", SecurableType::kMetastore, "", Privilege::kCreateShare));
  EXPECT_FALSE(has("team-a", SecurableType::kMetastore, "", Privilege::kCreateShare));
  EXPECT_TRUE(has("root", SecurableType::kMetastore, "", Privilege::kCreateRecipient));
  EXPECT_TRUE(has("team-a", SecurableType::kShare, "s1", Privilege::kSetSharePermission));
  EXPECT_FALSE(has("team-b", SecurableType::kShare, "s1", Privilege::kSelect));
  EXPECT_FALSE(has("nobody", SecurableType::kShare, "s1", Privilege::kSelect));
  EXPECT_FALSE(has("team-b", SecurableType::kTable, "main.sales.daily", Privilege::kSelect));
  ASSERT_OK(catalog_->UpdatePermissions(SecurableType::kSchema, "main.sales",
                                        {{.principal = "team-b", .add = {Privilege::kSelect}}}));
  EXPECT_TRUE(has("team-b", SecurableType::kTable, "main.sales.daily", Privilege::kSelect));
  EXPECT_TRUE(has("alice", SecurableType::kTable, "main.sales.daily", Privilege::kSelect) ==
              false);  // alice owns it but is no principal
  EXPECT_CODE(
      catalog_->UpdatePermissions(SecurableType::kTable, "main.sales.daily",
                                  {{.principal = "team-b", .add = {Privilege::kCreateShare}}}),
      ErrorCode::kInvalidArgument);

  // Deleting the recipient or the share drops their grants.
  ASSERT_OK(catalog_->DeleteRecipient("r1"));
  auto after = catalog_->GetPermissions(SecurableType::kShare, "s1");
  ASSERT_OK(after);
  EXPECT_TRUE(after->empty());
  ASSERT_OK(catalog_->DeletePrincipal("team-b"));
  mperms = catalog_->GetPermissions(SecurableType::kMetastore, "");
  ASSERT_OK(mperms);
  EXPECT_TRUE(mperms->empty());
  EXPECT_EQ(ParsePrivilege("use share"), Privilege::kUseShare);
  EXPECT_EQ(PrivilegeName(Privilege::kSetSharePermission), "SET_SHARE_PERMISSION");
  EXPECT_EQ(ParseSecurableType("share"), SecurableType::kShare);
}

}  // namespace
}  // namespace lakeshare::catalog
