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

TEST(IsoTimeTest, ClockTimesKeepTheAskedFractionDigits) {
  ClockTime t;
  size_t pos = 1;
  ASSERT_TRUE(ParseClockTime("T10:20:30.1234567Z", &pos, 6, &t));
  EXPECT_EQ(pos, 17u);  // at the zone
  EXPECT_EQ(t.hour, 10);
  EXPECT_EQ(t.minute, 20);
  EXPECT_EQ(t.second, 30);
  EXPECT_EQ(t.fraction, 123456);
  pos = 0;
  ASSERT_TRUE(ParseClockTime("10:20:30.5", &pos, 3, &t));
  EXPECT_EQ(t.fraction, 500);
  pos = 0;
  ASSERT_TRUE(ParseClockTime("23:59", &pos, 3, &t));
  EXPECT_EQ(pos, 5u);
  EXPECT_EQ(t.second, 0);
  EXPECT_EQ(t.fraction, 0);
  for (const char* bad : {"", "10", "10:", "10:2", "1:20", "10:20:", "10:20:3", "10:20:30."}) {
    pos = 0;
    EXPECT_FALSE(ParseClockTime(bad, &pos, 6, &t)) << bad;
    EXPECT_EQ(pos, 0u) << bad;
  }
}

TEST(IsoTimeTest, ZoneOffsetsAreSecondsEastOfUtc) {
  EXPECT_EQ(ParseZoneOffset(""), 0);
  EXPECT_EQ(ParseZoneOffset("Z"), 0);
  EXPECT_EQ(ParseZoneOffset("+02"), 7200);
  EXPECT_EQ(ParseZoneOffset("+02:30"), 9000);
  EXPECT_EQ(ParseZoneOffset("-0430"), -16200);
  for (const char* bad : {"+1", "+02:", "+02:3", "+0230x", "+24:00", "+02:60", "UTC", " Z"}) {
    EXPECT_FALSE(ParseZoneOffset(bad)) << bad;
  }
}

TEST(IsoTimeTest, HttpDatesAreImfFixdates) {
  EXPECT_EQ(ParseHttpDateMillis("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777000);
  EXPECT_EQ(ParseHttpDateMillis("Thu, 29 Feb 2024 12:34:56 GMT"), 1709210096000);
  EXPECT_EQ(ParseHttpDateMillis("Thu, 01 Jan 1970 00:00:00 GMT"), 0);
  for (const char* bad :
       {"", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 06 Nov 1994 08:49:37.5 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994", "Sun, 06 Foo 1994 08:49:37 GMT", "Fri, 30 Feb 2024 00:00:00 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMTx", "Sun,  6 Nov 1994 08:49:37 GMT"}) {
    EXPECT_FALSE(ParseHttpDateMillis(bad)) << bad;
  }
}

}  // namespace
}  // namespace lakeshare
