#include "http/request.h"

#include <gtest/gtest.h>

namespace lakeshare::http {
namespace {

const std::vector<Field> kFields = {
    {"Content-Type", "application/json"}, {"x", "1"}, {"X", "2"}, {"x", "3"}};

TEST(FieldsTest, FindFieldMatchesNamesExactlyAndTakesTheFirst) {
  ASSERT_NE(FindField(kFields, "x"), nullptr);
  EXPECT_EQ(*FindField(kFields, "x"), "1");
  EXPECT_EQ(*FindField(kFields, "X"), "2");
  EXPECT_EQ(FindField(kFields, "content-type"), nullptr);
  EXPECT_EQ(FindField(kFields, ""), nullptr);
  EXPECT_EQ(FindField({}, "x"), nullptr);
}

TEST(FieldsTest, FindHeaderIgnoresCaseAndTakesTheFirst) {
  ASSERT_NE(FindHeader(kFields, "content-type"), nullptr);
  EXPECT_EQ(*FindHeader(kFields, "CONTENT-TYPE"), "application/json");
  EXPECT_EQ(*FindHeader(kFields, "X"), "1");
  EXPECT_EQ(FindHeader(kFields, "Content-Length"), nullptr);
  // The value returned is the field's own string, not a copy.
  EXPECT_EQ(FindHeader(kFields, "x"), &kFields[1].second);
}

}  // namespace
}  // namespace lakeshare::http
