#include "app/usage_error.h"

#include <gtest/gtest.h>

namespace lakeshare::app {
namespace {

TEST(UsageErrorTest, AValueAfterAMistypedOptionIsHidden) {
  EXPECT_EQ(DescribeUnexpectedWords({"--tokn", "adm-0123456789abcdef"}), "--tokn <value>");
}

TEST(UsageErrorTest, AValueJoinedByAnEqualsSignIsHidden) {
  EXPECT_EQ(DescribeUnexpectedWords({"--signing-keyy=topsecret"}), "--signing-keyy=<value>");
}

TEST(UsageErrorTest, ALongOrUnusualBareWordIsHidden) {
  EXPECT_EQ(DescribeUnexpectedWords({"adm-5f0c2b7e9d1a4c3b8e6f0a2d"}), "<value>");
  EXPECT_EQ(DescribeUnexpectedWords({"s3://key:secret@bucket"}), "<value>");
}

TEST(UsageErrorTest, AShortPlainWordStaysSoTheMessageSaysWhatWasWrong) {
  EXPECT_EQ(DescribeUnexpectedWords({"lst"}), "lst");
  EXPECT_EQ(DescribeUnexpectedWords({"extra", "--json", "-x"}), "extra --json -x");
}

TEST(UsageErrorTest, OnlyTheWordRightAfterAnOptionCountsAsItsValue) {
  EXPECT_EQ(DescribeUnexpectedWords({"--tokn", "abc", "lst"}), "--tokn <value> lst");
}

}  // namespace
}  // namespace lakeshare::app
