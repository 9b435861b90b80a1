#include "delta/schema_columns.h"

#include <gtest/gtest.h>

namespace lakeshare::delta {
namespace {

TEST(TopLevelColumnsTest, NamesTypesAndPhysicalNames) {
  auto columns = TopLevelColumns(
      R"({"type":"struct","fields":[{"name":"a","type":"long","nullable":true,"metadata":{}},)"
      R"({"name":"b","type":{"type":"array"},"metadata":{"delta.columnMapping.physicalName":"col-b"}},)"
      R"({"type":"string"},"not a field"]})");
  ASSERT_TRUE(columns);
  ASSERT_EQ(columns->size(), 2u);
  EXPECT_EQ((*columns)[0].name, "a");
  EXPECT_EQ((*columns)[0].type, "long");
  EXPECT_EQ((*columns)[0].physical, "");
  EXPECT_TRUE((*columns)[0].nullable);
  EXPECT_EQ((*columns)[1].name, "b");
  EXPECT_EQ((*columns)[1].type, "");  // not a type name
  EXPECT_EQ((*columns)[1].physical, "col-b");
  EXPECT_FALSE((*columns)[1].nullable);  // absent
  EXPECT_FALSE(TopLevelColumns("{not json"));
  EXPECT_FALSE(TopLevelColumns(R"({"type":"struct"})"));
}

}  // namespace
}  // namespace lakeshare::delta
