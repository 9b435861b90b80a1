#include "sharing/sql_predicate.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace lakeshare::sharing {
namespace {

const char* kSchema =
    R"({"type":"struct","fields":[{"name":"date","type":"date","nullable":true,"metadata":{}},
    {"name":"Country","type":"string","nullable":true,"metadata":{}},
    {"name":"n","type":"integer","nullable":true,"metadata":{}},
    {"name":"raw","type":"binary","nullable":true,"metadata":{}}]})";

nlohmann::json Tree(std::string_view sql) {
  auto r = SqlHintToJsonPredicate(sql, PredicateColumns(kSchema));
  EXPECT_TRUE(r) << sql << ": " << r.error().message;
  return r ? nlohmann::json::parse(*r) : nlohmann::json();
}

TEST(SqlPredicateTest, ComparisonBecomesTypedTree) {
  auto t = Tree("date >= '2021-01-01'");
  EXPECT_EQ(t["op"], "greaterThanOrEqual");
  EXPECT_EQ(t["children"][0]["name"], "date");
  EXPECT_EQ(t["children"][0]["valueType"], "date");
  EXPECT_EQ(t["children"][1]["value"], "2021-01-01");
  EXPECT_TRUE(delta::Predicate::Parse(t.dump()));
}

TEST(SqlPredicateTest, ConstantOnTheLeftIsMirrored) {
  auto t = Tree("'foo' < country");
  EXPECT_EQ(t["op"], "greaterThan");
  EXPECT_EQ(t["children"][0]["name"], "Country");
  EXPECT_EQ(Tree("123 <= n")["op"], "greaterThanOrEqual");
}

TEST(SqlPredicateTest, NotEqualAndNullChecks) {
  EXPECT_EQ(Tree("country <> 'US'")["op"], "not");
  EXPECT_EQ(Tree("n IS NULL")["op"], "isNull");
  auto t = Tree("n is not null");
  EXPECT_EQ(t["op"], "not");
  EXPECT_EQ(t["children"][0]["op"], "isNull");
  EXPECT_EQ(Tree("`n` = 5")["children"][1]["value"], "5");
  EXPECT_EQ(Tree("country = 'it''s'")["children"][1]["value"], "it's");
}

TEST(SqlPredicateTest, UnsupportedHintsAreRefused) {
  auto cols = PredicateColumns(kSchema);
  for (const char* sql :
       {"", "date", "date > ", "a = b", "1 = 2", "missing = 1", "raw = 'x'", "n = 'abc'",
        "date = '2021-13-45'", "n = 1 AND n = 2", "n IS 5", "country = 'open"}) {
    EXPECT_FALSE(SqlHintToJsonPredicate(sql, cols)) << sql;
  }
}

TEST(SqlPredicateTest, QuotesAreDoubledToEscapeAndMustClose) {
  EXPECT_EQ(Tree("`n` = 5")["children"][0]["name"], "n");
  EXPECT_EQ(Tree("country = '''quoted'''")["children"][1]["value"], "'quoted'");
  auto cols = PredicateColumns(kSchema);
  auto open_name = SqlHintToJsonPredicate("`n = 5", cols);
  ASSERT_FALSE(open_name);
  EXPECT_EQ(open_name.error().message,
            "Unsupported predicate hint: unterminated `quoted` column name");
  auto open_string = SqlHintToJsonPredicate("country = 'it''", cols);
  ASSERT_FALSE(open_string);
  EXPECT_EQ(open_string.error().message, "Unsupported predicate hint: unterminated string literal");
  EXPECT_EQ(open_string.error().code, ErrorCode::kMalformedRequest);
}

}  // namespace
}  // namespace lakeshare::sharing
