#include "common/result.h"

#include <gtest/gtest.h>

#include <string>

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

TEST(ResultTest, MonadicHelpersTakeAndGiveResults) {
  // .and_then with a function returning a Result, .map back into a Result (they return the
  // tl::expected base, which converts implicitly).
  Result<int> tripled = ParsePositive(3).and_then([](int v) -> Result<int> { return 3 * v; });
  EXPECT_EQ(tripled, 9);
  Result<std::string> text = ParsePositive(4).map([](int v) { return std::to_string(v); });
  EXPECT_EQ(*text, "4");
  Status failed = ParsePositive(-2).map([](int) {});
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kInvalidArgument);
}

TEST(ResultTest, ConvertsToAndFromThePlainExpected) {
  tl::expected<int, Error> plain = ParsePositive(5);
  Result<int> back = plain;
  EXPECT_EQ(back, 5);
  Result<Result<int>> nested = ParsePositive(-1);
  ASSERT_TRUE(nested);
  EXPECT_FALSE(*nested);
}

TEST(ResultTest, IgnoreErrorTakesStatusAndResult) {
  // Compiles without a warning under -Werror=unused-result, unlike a bare call (see result.h).
  IgnoreError(Check(0), "a test of the helper");
  IgnoreError(ParsePositive(-1), "a test of the helper");
  EXPECT_TRUE(Check(1));
}

}  // namespace
}  // namespace lakeshare
