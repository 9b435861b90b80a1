// EntityTable's description helpers without a database: the columns every named object gets
// (NamedColumns) and the kind messages name (KindNoun).
#include <gtest/gtest.h>

#include "catalog/federation.h"
#include "catalog/sql_entity_internal.h"

namespace lakeshare::catalog {
namespace {

/// A principal: no owner, no created_by/updated_by, one column of its own.
EntityTable<Principal> TestPrincipalTable() {
  return EntityTable<Principal>({
      .resource = ResourceKind::kPrincipal,
      .table = "principals",
      .columns = {{"is_admin", &Principal::is_admin}},
  });
}

TEST(KindNounTest, SpellsTheResourceKindAsANoun) {
  EXPECT_EQ(KindNoun(ResourceKind::kCatalog), "Catalog");
  EXPECT_EQ(KindNoun(ResourceKind::kStorageCredential), "Storage credential");
  EXPECT_EQ(KindNoun(ResourceKind::kFederationPolicy), "Federation policy");
  EXPECT_EQ(KindNoun(ResourceKind::kNone), "");
  EXPECT_EQ(KindNoun(ResourceKind::kSharedObject), "");
}

TEST(NamedColumnsTest, CommonColumnsFrameTheOwnOnes) {
  const EntityTable<ExternalLocationInfo> locations({
      .resource = ResourceKind::kExternalLocation,
      .table = "external_locations",
      .columns = {{"url", &ExternalLocationInfo::url},
                  {"read_only", &ExternalLocationInfo::read_only}},
  });
  EXPECT_EQ(locations.ColumnList("l"),
            "l.name_key, l.id, l.name, l.owner, l.comment, l.url, l.read_only, l.created_at, "
            "l.updated_at, l.created_by, l.updated_by");
  EXPECT_EQ(locations.width(), 11u);
  EXPECT_EQ(locations.kind(), "External location");
}

TEST(NamedColumnsTest, OnlyTheMembersTheObjectHas) {
  // A principal has no owner and no created_by/updated_by; a policy has created_by only.
  const EntityTable<Principal> principals = TestPrincipalTable();
  EXPECT_EQ(principals.ColumnList(""),
            "name_key, id, name, comment, is_admin, created_at, updated_at");
  const EntityTable<FederationPolicy> policies({
      .resource = ResourceKind::kFederationPolicy,
      .table = "federation_policies",
  });
  EXPECT_EQ(policies.ColumnList(""),
            "name_key, id, name, comment, created_at, updated_at, created_by");
}

TEST(NamedColumnsTest, FromRowReadsTheCellsInColumnListOrder) {
  const EntityTable<Principal> principals = TestPrincipalTable();
  const SqlRow row = {"x", "skipped", "id-1", "Ann", "likes tea", "1", "10", "20"};
  const Principal p = principals.FromRow(row, 1);
  EXPECT_EQ(p.id, "id-1");
  EXPECT_EQ(p.name, "Ann");
  EXPECT_EQ(p.comment, "likes tea");
  EXPECT_TRUE(p.is_admin);
  EXPECT_EQ(p.created_at, 10);
  EXPECT_EQ(p.updated_at, 20);
}

TEST(NamedColumnsTest, ValidationNamesTheKind) {
  const EntityTable<StorageCredentialInfo> credentials({
      .resource = ResourceKind::kStorageCredential,
      .table = "storage_credentials",
  });
  const Status empty = credentials.ValidateName("");
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().message, "The storage credential name must not be empty");
}

}  // namespace
}  // namespace lakeshare::catalog
