#include "common/numbers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace lakeshare {
namespace {

TEST(NumbersTest, WholeDoublesWithinInt64AreConverted) {
  EXPECT_EQ(WholeDoubleToInt64(0.0), 0);
  EXPECT_EQ(WholeDoubleToInt64(1.0), 1);
  EXPECT_EQ(WholeDoubleToInt64(-42.0), -42);
  EXPECT_EQ(WholeDoubleToInt64(-9223372036854775808.0), INT64_MIN);
  // The largest double below 2^63.
  EXPECT_EQ(WholeDoubleToInt64(std::nextafter(9223372036854775808.0, 0.0)),
            INT64_C(9223372036854774784));
}

TEST(NumbersTest, FractionsNonFiniteAndOutOfRangeAreRefused) {
  EXPECT_EQ(WholeDoubleToInt64(1.5), std::nullopt);
  EXPECT_EQ(WholeDoubleToInt64(std::numeric_limits<double>::quiet_NaN()), std::nullopt);
  EXPECT_EQ(WholeDoubleToInt64(std::numeric_limits<double>::infinity()), std::nullopt);
  EXPECT_EQ(WholeDoubleToInt64(-std::numeric_limits<double>::infinity()), std::nullopt);
  EXPECT_EQ(WholeDoubleToInt64(9223372036854775808.0), std::nullopt);  // 2^63
  EXPECT_EQ(WholeDoubleToInt64(4.44444e19), std::nullopt);  // what a fuzzer once sent
  EXPECT_EQ(WholeDoubleToInt64(std::nextafter(-9223372036854775808.0, -1e300)), std::nullopt);
}

TEST(NumbersTest, NonNegativeInt32KeepsItsRangeAndNeverWraps) {
  EXPECT_EQ(NonNegativeInt32(0), 0);
  EXPECT_EQ(NonNegativeInt32(INT32_MAX), INT32_MAX);
  EXPECT_EQ(NonNegativeInt32(int64_t{INT32_MAX} + 1), std::nullopt);
  EXPECT_EQ(NonNegativeInt32((int64_t{1} << 32) + 1), std::nullopt);  // a plain cast gives 1
  EXPECT_EQ(NonNegativeInt32(-1), std::nullopt);
  EXPECT_EQ(NonNegativeInt32(INT64_MIN), std::nullopt);
}

}  // namespace
}  // namespace lakeshare
