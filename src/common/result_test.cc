#include "common/result.h"

#include <gtest/gtest.h>

namespace lakeshare {
namespace {

Result<int> ParsePositive(int v) {
  if (v <= 0) return InvalidArgument("value {} is not positive", v);
  return v;
}

Result<int> Doubled(int v) {
  LS_ASSIGN_OR_RETURN(int x, ParsePositive(v));
  return 2 * x;
}

Status Check(int v) {
  LS_RETURN_IF_ERROR(ParsePositive(v));
  return OkStatus();
}

TEST(ResultTest, AssignOrReturnPassesValuesAndErrors) {
  EXPECT_EQ(*Doubled(21), 42);
  auto bad = Doubled(-1);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.error().message, "value -1 is not positive");
  EXPECT_EQ(bad.error().ToString(), "InvalidArgument: value -1 is not positive");
}

TEST(ResultTest, ReturnIfErrorPropagates) {
  EXPECT_TRUE(Check(1));
  EXPECT_FALSE(Check(0));
}

}  // namespace
}  // namespace lakeshare
