#include "common/strings.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace lakeshare {
namespace {

TEST(StringsTest, Base64RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 20; ++n) {
    auto enc = Base64Encode(bytes);
    auto dec = Base64Decode(enc);
    ASSERT_TRUE(dec.has_value()) << enc;
    EXPECT_EQ(*dec, bytes);
    bytes.push_back(static_cast<char>(n * 37 + 200));
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_FALSE(Base64Decode("Zm9v!").has_value());
}

TEST(StringsTest, JsonStringEscapesControlAndInvalidUtf8) {
  std::string out;
  AppendJsonString(out, std::string("a\"b\\c\n\x01\xff", 8));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u0001\xEF\xBF\xBD\"");
  out.clear();
  AppendJsonString(out, "h\xC3\xA9llo");
  EXPECT_EQ(out, "\"h\xC3\xA9llo\"");
}

TEST(StringsTest, JsonDoubleIsShortestRoundTrip) {
  std::string out;
  AppendJsonDouble(out, 0.1);
  EXPECT_EQ(out, "0.1");
  out.clear();
  AppendJsonDouble(out, std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(out, "\"NaN\"");
  out.clear();
  AppendJsonDouble(out, -std::numeric_limits<double>::infinity());
  EXPECT_EQ(out, "\"-Infinity\"");
}

TEST(StringsTest, SplitKeepsEmptyFields) {
  auto parts = Split("a,,b", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "");
}

}  // namespace
}  // namespace lakeshare
