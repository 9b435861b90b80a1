#include "common/quoted.h"

#include <gtest/gtest.h>

namespace lakeshare {
namespace {

TEST(QuotedTest, ShortValuesAreQuotedWhole) {
  EXPECT_EQ(Quoted("abc"), "'abc'");
  EXPECT_EQ(Quoted(""), "''");
  EXPECT_EQ(Quoted(std::string(kMaxQuotedBytes, 'x')),
            "'" + std::string(kMaxQuotedBytes, 'x') + "'");
}

TEST(QuotedTest, LongValuesKeepTheirStartAndSayHowLongTheyWere) {
  EXPECT_EQ(Quoted(std::string(1'000'000, 'x')),
            "'" + std::string(kMaxQuotedBytes, 'x') + "...' (1000000 bytes)");
  EXPECT_EQ(Quoted("abcdef", 3), "'abc...' (6 bytes)");
}

TEST(QuotedTest, AMultiByteCharacterIsNeverSplit) {
  // "é" is two bytes (C3 A9): a cut after its first byte keeps neither.
  EXPECT_EQ(Quoted("ab\xC3\xA9z", 3), "'ab...' (5 bytes)");
  EXPECT_EQ(Quoted("ab\xC3\xA9z", 4), "'ab\xC3\xA9...' (5 bytes)");
  // A run of continuation bytes only (not UTF-8) backs off to nothing rather than past the start.
  EXPECT_EQ(Quoted("\x80\x80\x80\x80", 2), "'...' (4 bytes)");
}

TEST(QuotedTest, ShellQuoteLeavesPlainWordsAndQuotesTheRest) {
  EXPECT_EQ(ShellQuote("country=DE"), "country=DE");
  EXPECT_EQ(ShellQuote("203.0.113.0/24"), "203.0.113.0/24");
  EXPECT_EQ(ShellQuote("2001:db8::/48"), "2001:db8::/48");
  EXPECT_EQ(ShellQuote(""), "''");
  EXPECT_EQ(ShellQuote("region=North West"), "'region=North West'");
  EXPECT_EQ(ShellQuote("a$(rm -rf x)`b`;c"), "'a$(rm -rf x)`b`;c'");
  EXPECT_EQ(ShellQuote("it's"), "'it'\\''s'");
}

}  // namespace
}  // namespace lakeshare
