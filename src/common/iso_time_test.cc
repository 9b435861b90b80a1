#include "common/iso_time.h"

#include <gtest/gtest.h>

namespace lakeshare {
namespace {

TEST(IsoTimeTest, FormatsMillisecondsAsUtc) {
  EXPECT_EQ(FormatIsoMillis(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoMillis(1714557600123), "2024-05-01T10:00:00.123Z");
  EXPECT_EQ(FormatIsoMillis(-1), "1969-12-31T23:59:59.999Z");
}

TEST(IsoTimeTest, ParsesDatesAndTimes) {
  EXPECT_EQ(ParseIsoMillis("2024-05-01"), 1714521600000);
  EXPECT_EQ(ParseIsoMillis("2024-05-01T10:00:00Z"), 1714557600000);
  EXPECT_EQ(ParseIsoMillis("2024-05-01 10:00"), 1714557600000);
  EXPECT_EQ(ParseIsoMillis("2024-05-01T10:00:00.123Z"), 1714557600123);
  EXPECT_EQ(ParseIsoMillis("2024-05-01T12:00:00+02:00"), 1714557600000);
  EXPECT_EQ(ParseIsoMillis("2024-05-01T05:30:00-0430"), 1714557600000);
  EXPECT_EQ(ParseIsoMillis(FormatIsoMillis(1234567890123)), 1234567890123);
}

TEST(IsoTimeTest, RefusesWhatIsNotADateOrTime) {
  for (const char* bad : {"", "2024", "2024-5-1", "2024-02-30", "2024-13-01", "2024-05-01T25:00",
                          "2024-05-01T10", "2024-05-01T10:00:00.", "2024-05-01T10:00:00+1",
                          "2024-05-01X", "yesterday", "2024-05-01T10:00:00+02:"}) {
    EXPECT_FALSE(ParseIsoMillis(bad)) << bad;
  }
}

}  // namespace
}  // namespace lakeshare
