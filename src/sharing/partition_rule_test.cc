#include "sharing/partition_rule.h"

#include <gtest/gtest.h>

#include "common/result_testing.h"

namespace lakeshare::sharing {
namespace {

using Op = PartitionCondition::Op;

delta::Metadata TableMetadata() {
  delta::Metadata m;
  m.schema_string = R"({"type":"struct","fields":[)"
                    R"({"name":"country","type":"string","nullable":true,"metadata":{}},)"
                    R"({"name":"partner_id","type":"integer","nullable":true,"metadata":{}},)"
                    R"({"name":"day","type":"date","nullable":true,"metadata":{}},)"
                    R"j({"name":"amount","type":"decimal(10,2)","nullable":true,"metadata":{}},)j"
                    R"({"name":"value","type":"long","nullable":true,"metadata":{}}]})";
  m.partition_columns = {"country", "partner_id", "day", "amount"};
  return m;
}

delta::StringMap Values(std::optional<std::string> country, std::optional<std::string> partner,
                        std::optional<std::string> day = "2024-01-31",
                        std::optional<std::string> amount = "1.50") {
  return {{"country", country}, {"partner_id", partner}, {"day", day}, {"amount", amount}};
}

PartitionRuleMatcher Make(const std::vector<PartitionClause>& rule,
                          const delta::Metadata& metadata = TableMetadata()) {
  auto m = PartitionRuleMatcher::Create(rule, metadata);
  EXPECT_TRUE(m) << m.error().message;
  return *m;
}

TEST(PartitionRuleTest, EqualOnAStringColumnComparesBytesExactly) {
  auto m = Make({{{"country", Op::kEqual, "DE"}}});
  EXPECT_TRUE(m.Matches(Values("DE", "1")));
  EXPECT_FALSE(m.Matches(Values("de", "1")));
  EXPECT_FALSE(m.Matches(Values("DEU", "1")));
  EXPECT_FALSE(m.Matches(Values(std::nullopt, "1")));
}

TEST(PartitionRuleTest, EqualOnAnIntColumnComparesNumbers) {
  auto m = Make({{{"PARTNER_ID", Op::kEqual, "42"}}});
  EXPECT_TRUE(m.Matches(Values("DE", "42")));
  EXPECT_TRUE(m.Matches(Values("DE", "042")));
  EXPECT_FALSE(m.Matches(Values("DE", "420")));
  EXPECT_FALSE(m.Matches(Values("DE", "not-a-number")));
  // A rule value that is not an int never matches, even the same text.
  auto bad = Make({{{"partner_id", Op::kEqual, "x"}}});
  EXPECT_FALSE(bad.Matches(Values("DE", "x")));
}

TEST(PartitionRuleTest, EqualOnADateColumnComparesDays) {
  auto m = Make({{{"day", Op::kEqual, "2024-01-31"}}});
  EXPECT_TRUE(m.Matches(Values("DE", "1", "2024-01-31")));
  EXPECT_FALSE(m.Matches(Values("DE", "1", "2024-02-01")));
  EXPECT_FALSE(m.Matches(Values("DE", "1", "garbage")));
}

TEST(PartitionRuleTest, OtherTypesCompareTheirText) {
  auto m = Make({{{"amount", Op::kEqual, "1.50"}}});
  EXPECT_TRUE(m.Matches(Values("DE", "1", "2024-01-31", "1.50")));
  EXPECT_FALSE(m.Matches(Values("DE", "1", "2024-01-31", "1.5")));
}

TEST(PartitionRuleTest, NullValueMatchesNullOrAbsentPartitionValues) {
  auto m = Make({{{"country", Op::kEqual, std::nullopt}}});
  EXPECT_TRUE(m.Matches(Values(std::nullopt, "1")));
  EXPECT_TRUE(m.Matches({{"partner_id", "1"}}));
  EXPECT_FALSE(m.Matches(Values("DE", "1")));
  auto like_null = Make({{{"country", Op::kLike, std::nullopt}}});
  EXPECT_FALSE(like_null.Matches(Values(std::nullopt, "1")));
}

TEST(PartitionRuleTest, LikeUsesPercentAndUnderscore) {
  auto m = Make({{{"day", Op::kLike, "2024-%"}}});
  EXPECT_TRUE(m.Matches(Values("DE", "1", "2024-01-31")));
  EXPECT_FALSE(m.Matches(Values("DE", "1", "2023-12-31")));
  EXPECT_FALSE(m.Matches(Values("DE", "1", std::nullopt)));
  EXPECT_TRUE(SqlLike("DE", "D_"));
  EXPECT_FALSE(SqlLike("DEU", "D_"));
  EXPECT_TRUE(SqlLike("", "%"));
  EXPECT_TRUE(SqlLike("abcabc", "%b_a%c"));
  EXPECT_FALSE(SqlLike("abc", "%b"));
  EXPECT_TRUE(SqlLike("a%c", "a\\%c"));
  EXPECT_FALSE(SqlLike("abc", "a\\%c"));
  EXPECT_TRUE(SqlLike("M\xC3\xBCnchen", "M_nchen"));  // one UTF-8 character
  EXPECT_FALSE(SqlLike("Abc", "abc"));                // case-sensitive
}

TEST(PartitionRuleTest, ClausesAreOredAndConditionsAnded) {
  auto m = Make({{{"country", Op::kEqual, "DE"}, {"partner_id", Op::kEqual, "7"}},
                 {{"country", Op::kEqual, "FR"}}});
  EXPECT_TRUE(m.Matches(Values("DE", "7")));
  EXPECT_FALSE(m.Matches(Values("DE", "8")));
  EXPECT_TRUE(m.Matches(Values("FR", "8")));
  EXPECT_FALSE(m.Matches(Values("IT", "7")));
}

TEST(PartitionRuleTest, AnEmptyRuleMatchesNothing) {
  auto m = Make({});
  EXPECT_FALSE(m.Matches(Values("DE", "7")));
}

TEST(PartitionRuleTest, ColumnMappingUsesPhysicalNames) {
  delta::Metadata md;
  md.schema_string =
      R"({"type":"struct","fields":[{"name":"country","type":"string","nullable":true,)"
      R"("metadata":{"delta.columnMapping.physicalName":"col-1a2b"}}]})";
  md.partition_columns = {"country"};
  auto m = Make({{{"country", Op::kEqual, "DE"}}}, md);
  EXPECT_TRUE(m.Matches({{"col-1a2b", "DE"}}));
  EXPECT_FALSE(m.Matches({{"country", "DE"}}));
}

TEST(PartitionRuleTest, ANonPartitionColumnIsAConfigurationError) {
  EXPECT_TRUE(
      FailsWith(PartitionRuleMatcher::Create({{{"value", Op::kEqual, "1"}}}, TableMetadata()),
                ErrorCode::kUnsupported, "'value'"));
}

}  // namespace
}  // namespace lakeshare::sharing
