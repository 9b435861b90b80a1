#include "common/civil_date.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace lakeshare {
namespace {

std::string Date(int64_t days, ExpandedYearDigits expanded = ExpandedYearDigits::kFour) {
  std::string out;
  AppendDate(out, days, expanded);
  return out;
}

TEST(CivilDateTest, KnownDaysSinceTheEpoch) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2024, 2, 29), 19782);  // date -d 2024-02-29 +%s / 86400
  EXPECT_EQ(Date(0), "1970-01-01");
  EXPECT_EQ(Date(19782), "2024-02-29");
  EXPECT_EQ(Date(-1), "1969-12-31");
}

TEST(CivilDateTest, RoundTripsEveryDayOfFourCenturies) {
  // 1800-01-01 .. 2200-01-01 both ways, so every leap rule (4, 100, 400) is crossed.
  for (int64_t days = DaysFromCivil(1800, 1, 1); days <= DaysFromCivil(2200, 1, 1); ++days) {
    int64_t y;
    unsigned m, d;
    CivilFromDays(days, &y, &m, &d);
    ASSERT_EQ(DaysFromCivil(y, m, d), days) << y << "-" << m << "-" << d;
  }
}

TEST(CivilDateTest, ExpandedYearsHaveASignAndTheAgreedDigits) {
  EXPECT_EQ(Date(DaysFromCivil(10000, 1, 1)), "+10000-01-01");
  EXPECT_EQ(Date(DaysFromCivil(-1, 12, 31)), "-0001-12-31");
  EXPECT_EQ(Date(DaysFromCivil(-1, 12, 31), ExpandedYearDigits::kFive), "-00001-12-31");
  EXPECT_EQ(Date(DaysFromCivil(9999, 12, 31), ExpandedYearDigits::kFive), "9999-12-31");
}

TEST(CivilDateTest, TheInt64EdgeDoesNotOverflow) {
  // A DATE may arrive on an INT64 column: any value formats (UBSan runs this test).
  for (int64_t days : {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    std::string text = Date(days);
    EXPECT_GT(text.size(), 10u) << text;
    EXPECT_EQ(text[0], days < 0 ? '-' : '+') << text;
  }
  EXPECT_EQ(FloorDiv(-1, 86400), -1);
  EXPECT_EQ(FloorDiv(86400, 86400), 1);
  EXPECT_EQ(FloorDiv(std::numeric_limits<int64_t>::min(), 146097),
            std::numeric_limits<int64_t>::min() / 146097 - 1);
}

}  // namespace
}  // namespace lakeshare
