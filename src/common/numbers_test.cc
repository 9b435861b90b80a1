#include "common/numbers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace lakeshare {
namespace {

TEST(NumbersTest, ParseIntegerTakesTheWholeTextWithinItsType) {
  EXPECT_EQ(ParseInteger<int64_t>("0"), 0);
  EXPECT_EQ(ParseInteger<int64_t>("-17"), -17);
  EXPECT_EQ(ParseInteger<int64_t>("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(ParseInteger<int64_t>("-9223372036854775808"), INT64_MIN);
  EXPECT_EQ(ParseInteger<int>("32"), 32);
  EXPECT_EQ(ParseInteger<uint32_t>("4294967295"), UINT32_MAX);
  EXPECT_EQ(ParseInteger<int64_t>("007"), 7);
}

TEST(NumbersTest, ParseIntegerRefusesAnythingButDigitsAndNeverClamps) {
  for (const char* bad :
       {"", "-", "+1", " 1", "1 ", "1\n", "12abc", "1.0", "1e3", "0x10", "--1",
        "9223372036854775808", "-9223372036854775809", "99999999999999999999999"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(ParseInteger<int64_t>(bad), std::nullopt);
  }
  EXPECT_EQ(ParseInteger<int>("2147483648"), std::nullopt);
  EXPECT_EQ(ParseInteger<uint32_t>("-1"), std::nullopt);
  EXPECT_EQ(ParseInteger<uint32_t>("4294967296"), std::nullopt);
  // A NUL inside the text is text after the digits, not an end.
  constexpr char kDigitsNulDigit[] = {'1', '2', '\0', '3'};
  EXPECT_EQ(ParseInteger<int64_t>(std::string_view(kDigitsNulDigit, 4)), std::nullopt);
}

TEST(NumbersTest, ParseDoubleTakesTheWholeTextOrNothing) {
  EXPECT_EQ(ParseDouble("1.5"), 1.5);
  EXPECT_EQ(ParseDouble("-2e3"), -2000.0);
  EXPECT_EQ(ParseDouble("7"), 7.0);
  EXPECT_EQ(ParseDouble("inf"), INFINITY);
  ASSERT_TRUE(ParseDouble("nan").has_value());
  EXPECT_TRUE(std::isnan(*ParseDouble("nan")));
  for (const char* bad : {"", "+1", " 1", "1 ", "1.5x", "1e999", "-1e999", "0x1p3", ".", "e5"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(ParseDouble(bad), std::nullopt);
  }
}

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
