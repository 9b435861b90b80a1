#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "materialize/row_filter.h"
#include "sharing/served_view_internal.h"

namespace lakeshare::sharing {
namespace {

// A metaData whose top-level columns are (name, type, physical name; empty: no column mapping).
struct Field {
  std::string name;
  std::string type;
  std::string physical;
};
delta::Metadata MetadataOf(const std::vector<Field>& fields,
                           std::vector<std::string> partition_columns = {}) {
  std::string schema = R"({"type":"struct","fields":[)";
  for (size_t i = 0; i < fields.size(); ++i) {
    const Field& f = fields[i];
    if (i) schema += ",";
    schema += R"({"name":")" + f.name + R"(","type":")" + f.type + R"(","nullable":true,)";
    schema += f.physical.empty()
                  ? R"("metadata":{}})"
                  : R"("metadata":{"delta.columnMapping.physicalName":")" + f.physical + R"("}})";
  }
  delta::Metadata m;
  m.schema_string = schema + "]}";
  m.partition_columns = std::move(partition_columns);
  return m;
}

std::shared_ptr<const materialize::RowFilter> FilterOn(const std::string& column) {
  auto f = materialize::RowFilter::Resolve(
      R"({"op":"equal","children":[{"op":"column","name":")" + column +
          R"(","valueType":"string"},{"op":"literal","value":"x","valueType":"string"}]})",
      {});
  EXPECT_TRUE(f) << f.error().message;
  return std::make_shared<const materialize::RowFilter>(std::move(*f));
}

// At v1 `contact` (col-1) holds phone numbers and `email` (col-2) email addresses; at v2 RENAME
// contact TO phone, RENAME email TO contact. The provider, looking at v2, means col-2.
const delta::Metadata kV1 = MetadataOf(
    {{"id", "long", "col-0"}, {"contact", "string", "col-1"}, {"email", "string", "col-2"}});
const delta::Metadata kV2 = MetadataOf(
    {{"id", "long", "col-0"}, {"phone", "string", "col-1"}, {"contact", "string", "col-2"}});

TEST(ServedViewTest, ARenamedAndReusedNameMeansTheColumnTheProviderSawAtTheLatestVersion) {
  RecipientView view;
  view.columns = {"id", "Contact"};
  view.column_masks = {{"contact", "hash"}};
  view.row_filter = FilterOn("contact");
  auto at_v1 = ServedView(view, "t", kV2, kV1, 1);
  ASSERT_TRUE(at_v1) << at_v1.error().message;
  EXPECT_EQ(at_v1->columns, (std::vector<std::string>{"id", "email"}));
  // col-2 by identity, and the `contact` of v1 by its name (masks fail closed).
  EXPECT_EQ(at_v1->column_masks,
            (std::map<std::string, std::string>{{"contact", "hash"}, {"email", "hash"}}));
  ASSERT_NE(at_v1->row_filter, nullptr);
  EXPECT_EQ(at_v1->row_filter->Columns(), std::vector<std::string>{"email"});
  // At the latest version the view is as the provider wrote it (the same filter object).
  auto at_v2 = ServedView(view, "t", kV2, kV2, 2);
  ASSERT_TRUE(at_v2) << at_v2.error().message;
  EXPECT_EQ(at_v2->columns, (std::vector<std::string>{"id", "contact"}));
  EXPECT_EQ(at_v2->column_masks, (std::map<std::string, std::string>{{"contact", "hash"}}));
  EXPECT_EQ(at_v2->row_filter, view.row_filter);
}

TEST(ServedNamesTest, NamesTheLatestVersionsColumnsAsTheServedVersionCallsThem) {
  auto at_v1 = ServedNames({"Contact", "phone", "id"}, "t", kV2, kV1, 1);
  ASSERT_TRUE(at_v1) << at_v1.error().message;
  EXPECT_EQ(*at_v1, (std::map<std::string, std::optional<std::string>>{
                        {"Contact", "email"}, {"phone", "contact"}, {"id", "id"}}));
  // A column the served version lacks maps to nothing; one the latest lacks is refused.
  const delta::Metadata v0 = MetadataOf({{"id", "long", "col-0"}});
  auto at_v0 = ServedNames({"contact"}, "t", kV2, v0, 0);
  ASSERT_TRUE(at_v0) << at_v0.error().message;
  EXPECT_EQ(*at_v0, (std::map<std::string, std::optional<std::string>>{{"contact", std::nullopt}}));
  auto gone = ServedNames({"email"}, "t", kV2, kV1, 1);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kUnsupported);
}

// Column mapping enabled on an existing table: its columns keep their names as physical names,
// so the version from before the upgrade calls the column by its physical name.
TEST(ServedViewTest, AVersionFromBeforeColumnMappingWasEnabledIsMatchedByPhysicalName) {
  const delta::Metadata plain = MetadataOf({{"id", "long", ""}, {"email", "string", ""}});
  const delta::Metadata mapped = MetadataOf({{"id", "long", "id"}, {"contact", "string", "email"}});
  RecipientView view;
  view.column_masks = {{"contact", "null"}};
  auto old = ServedView(view, "t", mapped, plain, 0);
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_EQ(old->column_masks, (std::map<std::string, std::string>{{"email", "null"}}));
}

TEST(ServedViewTest, WithoutColumnMappingNamesAreIdentities) {
  const delta::Metadata v0 = MetadataOf({{"id", "long", ""}, {"email", "string", ""}});
  const delta::Metadata v1 =
      MetadataOf({{"id", "long", ""}, {"email", "string", ""}, {"phone", "string", ""}});
  RecipientView view;
  view.columns = {"id", "phone"};
  view.column_masks = {{"email", "hash"}, {"phone", "hash"}};
  auto latest = ServedView(view, "t", v1, v1, 1);
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->columns, view.columns);
  EXPECT_EQ(latest->column_masks, view.column_masks);
  // `phone` did not exist at v0: nothing to serve or mask.
  auto old = ServedView(view, "t", v1, v0, 0);
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_EQ(old->columns, std::vector<std::string>{"id"});
  EXPECT_EQ(old->column_masks, (std::map<std::string, std::string>{{"email", "hash"}}));
  // A view without restrictions is the view.
  auto whole = ServedView(RecipientView(), "t", v1, v0, 0);
  ASSERT_TRUE(whole);
  EXPECT_TRUE(whole->columns.empty() && whole->column_masks.empty() && !whole->row_filter);
}

// Under column mapping DROP COLUMN contact, ADD COLUMN contact gives the new column a new
// physical name: the old `contact` (col-1) is no column of the latest version, yet the provider
// masked `contact` while it was live. It is masked by its name; a column list or a row filter
// still means only the latest column (col-5), which the old version lacks.
TEST(ServedViewTest, AMaskedNameIsMaskedAtAVersionWhereItIsAnotherColumn) {
  const delta::Metadata old_v = MetadataOf({{"id", "long", "col-0"}, {"contact", "string", "col-1"}});
  const delta::Metadata now = MetadataOf({{"id", "long", "col-0"}, {"contact", "string", "col-5"}});
  RecipientView view;
  view.column_masks = {{"Contact", "hash"}};
  auto masked = ServedView(view, "t", now, old_v, 0);
  ASSERT_TRUE(masked) << masked.error().message;
  EXPECT_EQ(masked->column_masks, (std::map<std::string, std::string>{{"contact", "hash"}}));
  // The same after column mapping was removed and enabled again (old physical names differ).
  const delta::Metadata plain = MetadataOf({{"id", "long", ""}, {"contact", "string", ""}});
  auto unmapped = ServedView(view, "t", now, plain, 0);
  ASSERT_TRUE(unmapped) << unmapped.error().message;
  EXPECT_EQ(unmapped->column_masks, (std::map<std::string, std::string>{{"contact", "hash"}}));
  // A column list is an intersection by identity: the old `contact` is not served.
  view.columns = {"id", "contact"};
  auto listed = ServedView(view, "t", now, old_v, 0);
  ASSERT_TRUE(listed) << listed.error().message;
  EXPECT_EQ(listed->columns, std::vector<std::string>{"id"});
  // A mask that cannot apply to the old column's type refuses rather than serves it raw.
  const delta::Metadata typed = MetadataOf({{"id", "long", "col-0"}, {"contact", "long", "col-1"}});
  RecipientView hashed;
  hashed.column_masks = {{"contact", "hash"}};
  auto refused = ServedView(hashed, "t", now, typed, 0);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(refused.error().message.find("ask the provider"), std::string::npos);
  // A row filter on a column the served version lacks by identity is refused (a name is not
  // enough to choose rows).
  RecipientView filtered;
  filtered.row_filter = FilterOn("contact");
  EXPECT_FALSE(ServedView(filtered, "t", now, old_v, 0));
}

// Where identity cannot be decided or the view cannot be honoured, nothing is served.
TEST(ServedViewTest, RefusesWhatItCannotDecide) {
  struct Case {
    const char* what;
    RecipientView view;
    delta::Metadata latest;
    delta::Metadata served;
  };
  RecipientView gone_column;
  gone_column.columns = {"fax"};
  RecipientView gone_mask;
  gone_mask.column_masks = {{"fax", "hash"}};
  RecipientView masked;
  masked.column_masks = {{"contact", "hash"}};
  RecipientView filtered;
  filtered.row_filter = FilterOn("contact");
  RecipientView listed;
  listed.columns = {"contact"};
  RecipientView hashed_partition;
  hashed_partition.column_masks = {{"year", "hash"}};
  const delta::Metadata twice = MetadataOf({{"a", "string", "col-1"}, {"b", "string", "col-1"}});
  const delta::Metadata before = MetadataOf({{"id", "long", "col-0"}});
  const delta::Metadata partitioned = MetadataOf({{"year", "integer", ""}}, {"year"});
  const std::vector<Case> cases = {
      {"a listed column the latest version lacks", gone_column, kV2, kV1},
      {"a masked column the latest version lacks", gone_mask, kV2, kV1},
      {"a physical column named twice at the served version", masked, kV2, twice},
      {"a physical column named twice at the latest version", masked, twice, kV1},
      {"a filter on a column the served version lacks", filtered, kV2, before},
      {"a column list none of whose columns existed then", listed, kV2, before},
      {"a hash mask on a partition column that is no string", hashed_partition, partitioned,
       partitioned},
  };
  for (const Case& c : cases) {
    auto got = ServedView(c.view, "t", c.latest, c.served, 1);
    ASSERT_FALSE(got) << c.what;
    EXPECT_EQ(got.error().code, ErrorCode::kUnsupported) << c.what;
    EXPECT_NE(got.error().message.find("ask the provider"), std::string::npos) << c.what;
  }
  // A mask on a column the served version lacks is simply absent there.
  auto absent = ServedView(masked, "t", kV2, before, 0);
  ASSERT_TRUE(absent) << absent.error().message;
  EXPECT_TRUE(absent->column_masks.empty());
}

}  // namespace
}  // namespace lakeshare::sharing
