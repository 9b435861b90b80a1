#include "catalog/audit_aggregator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace lakeshare::catalog {
namespace {

using ::testing::HasSubstr;

AuditEvent Refusal(std::string ip, int64_t time_ms, int64_t status = 401,
                   std::string action = "deltaSharingListShares") {
  AuditEvent e;
  e.time_ms = time_ms;
  e.action = std::move(action);
  e.source_ip = std::move(ip);
  e.status_code = status;
  e.user_agent = "flood/1.0";
  return e;
}

TEST(RefusalAggregatorTest, OnlyAnonymousRefusalsAreAggregated) {
  AuditEvent ok = Refusal("10.0.0.1", 1, 200);
  EXPECT_FALSE(RefusalAggregator::IsAnonymousRefusal(ok));
  AuditEvent by_recipient = Refusal("10.0.0.1", 1, 403);
  by_recipient.recipient = "acme";
  EXPECT_FALSE(RefusalAggregator::IsAnonymousRefusal(by_recipient));
  AuditEvent by_principal = Refusal("10.0.0.1", 1, 404);
  by_principal.principal = "alice";
  EXPECT_FALSE(RefusalAggregator::IsAnonymousRefusal(by_principal));
  EXPECT_TRUE(RefusalAggregator::IsAnonymousRefusal(Refusal("10.0.0.1", 1, 401)));
  EXPECT_TRUE(RefusalAggregator::IsAnonymousRefusal(Refusal("10.0.0.1", 1, 429)));
}

TEST(RefusalAggregatorTest, TheFirstOfEachKindPerAddressAndMinuteIsKeptTheRestCounted) {
  RefusalAggregator aggregator;
  const int64_t t0 = 1'700'000'080'000;  // 40 s into a minute
  EXPECT_TRUE(aggregator.Add(Refusal("10.0.0.1", t0)));
  EXPECT_TRUE(aggregator.Add(Refusal("10.0.0.2", t0)));
  for (int i = 1; i <= 1000; ++i) {
    // The first unknown route (i == 10) is a new kind: recorded as it is.
    EXPECT_EQ(aggregator.Add(Refusal("10.0.0.1", t0 + i, i % 10 == 0 ? 404 : 401,
                                     i % 10 == 0 ? "unknownRoute" : "deltaSharingListShares")),
              i == 10);
  }
  EXPECT_EQ(aggregator.counted(), 999u);
  EXPECT_TRUE(aggregator.TakeClosed(t0 + 19'999).empty());  // the minute has not ended
  std::vector<AuditEvent> closed = aggregator.TakeClosed(t0 + 20'000);
  ASSERT_EQ(closed.size(), 1u);  // 10.0.0.2 had nothing beyond its first event
  const AuditEvent& e = closed[0];
  EXPECT_EQ(e.action, kAggregatedRefusalsAction);
  EXPECT_EQ(e.source_ip, "10.0.0.1");
  EXPECT_EQ(e.status_code, 401);
  EXPECT_EQ(e.time_ms, t0 + 1000);
  EXPECT_EQ(e.user_agent, "flood/1.0");
  EXPECT_THAT(e.params_json, HasSubstr("\"count\":\"999\""));
  EXPECT_THAT(e.params_json, HasSubstr("\"statuses\":\"401:900,404:99\""));
  EXPECT_THAT(e.params_json,
              HasSubstr("\"actions\":\"deltaSharingListShares:900,unknownRoute:99\""));
  EXPECT_THAT(e.error, HasSubstr("999 further refusals"));
  EXPECT_FALSE(RefusalAggregator::IsAnonymousRefusal(e));  // never aggregated again
  EXPECT_EQ(aggregator.groups(), 0u);
  // The next minute starts again with a recorded first event.
  EXPECT_TRUE(aggregator.Add(Refusal("10.0.0.1", t0 + 20'000)));
}

TEST(RefusalAggregatorTest, PastMaxAddressesTheRestShareOneGroup) {
  RefusalAggregator aggregator({.window_ms = 60'000, .max_addresses = 100});
  int recorded = 0;
  for (int i = 0; i < 100'000; ++i) {
    recorded +=
        aggregator.Add(Refusal("10.1." + std::to_string(i / 256) + "." + std::to_string(i % 256),
                               60'000 + i % 1000))
            ? 1
            : 0;
  }
  EXPECT_EQ(recorded, 101);  // the first of each address, and the first of the shared group
  EXPECT_LE(aggregator.groups(), 101u);
  std::vector<AuditEvent> closed = aggregator.TakeClosed(INT64_MAX);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].source_ip, "*");
  EXPECT_THAT(closed[0].params_json, HasSubstr("\"count\":\"99899\""));
}

TEST(RefusalAggregatorTest, SixteenKindsAreRecordedAndSixteenActionsTalliedThenOther) {
  RefusalAggregator aggregator;
  EXPECT_TRUE(aggregator.Add(Refusal("10.0.0.1", 0)));
  int recorded = 0;
  for (int i = 0; i < 40; ++i) {
    recorded += aggregator.Add(Refusal("10.0.0.1", 1, 405, "action" + std::to_string(i))) ? 1 : 0;
  }
  // 16 kinds recorded as they are (the first event's and action0..14), then 25 counted: 16
  // named, 9 under "other".
  EXPECT_EQ(recorded, static_cast<int>(kMaxKindsRecorded) - 1);
  EXPECT_EQ(aggregator.counted(), 25u);
  std::vector<AuditEvent> closed = aggregator.TakeClosed(INT64_MAX);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_THAT(closed[0].params_json, HasSubstr("other:9"));
}

TEST(RefusalAggregatorTest, AZeroWindowRecordsEveryRefusal) {
  RefusalAggregator aggregator({.window_ms = 0, .max_addresses = 10});
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(aggregator.Add(Refusal("10.0.0.1", i)));
  }
  EXPECT_TRUE(aggregator.TakeClosed(INT64_MAX).empty());
}

}  // namespace
}  // namespace lakeshare::catalog
