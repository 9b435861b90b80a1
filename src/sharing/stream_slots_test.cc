#include "sharing/stream_slots.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace lakeshare::sharing {
namespace {

TEST(StreamSlotsTest, EachKeyHoldsAtMostItsSlotsUntilOneIsGivenBack) {
  StreamSlots slots(2);
  auto a1 = slots.TryTake("a");
  auto a2 = slots.TryTake("a");
  ASSERT_NE(a1, nullptr);
  ASSERT_NE(a2, nullptr);
  EXPECT_EQ(slots.TryTake("a"), nullptr);
  EXPECT_NE(slots.TryTake("b"), nullptr);  // another key has its own (given back at once)
  EXPECT_EQ(slots.Held("a"), 2);
  EXPECT_EQ(slots.Held("b"), 0);
  a1.reset();
  EXPECT_EQ(slots.Held("a"), 1);
  EXPECT_NE(slots.TryTake("a"), nullptr);
}

TEST(StreamSlotsTest, ZeroIsUnboundedAndSlotsMayOutliveTheirSlots) {
  std::vector<std::shared_ptr<const StreamSlots::Slot>> held;
  {
    StreamSlots slots(0);
    for (int i = 0; i < 100; ++i) held.push_back(slots.TryTake("a"));
    EXPECT_EQ(slots.Held("a"), 100);
    EXPECT_NE(held.back(), nullptr);
  }
  held.clear();  // given back to a state the slots keep alive
}

// Two StreamSlots (snapshot and change streams) share one server-wide Total: a key under its
// own bound is still refused, with kTotal, once the Total is reached, and gets a slot again when
// any key gives one back. The gauge follows the held slots, the counter the refusals by limit.
TEST(StreamSlotsTest, ATotalBoundsTheSlotsOfEveryKeyAndEverySharer) {
  http::MetricsRegistry metrics;
  http::Gauge& held = metrics.AddGauge("held", "held");
  http::Counter& refused = metrics.AddCounter("refused", "refused", {"limit"});
  auto total = std::make_shared<StreamSlots::Total>(3, StreamSlotMetrics{&held, &refused});
  StreamSlots snapshots(2, total);
  StreamSlots changes(1, total);
  auto a = snapshots.TryTake("a");
  auto b = snapshots.TryTake("b");
  auto c = changes.TryTake("c");
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(total->held(), 3);
  EXPECT_EQ(held.Value({}), 3);
  StreamSlots::Refusal why = StreamSlots::Refusal::kNone;
  EXPECT_EQ(snapshots.TryTake("d", &why), nullptr);
  EXPECT_EQ(why, StreamSlots::Refusal::kTotal);
  EXPECT_EQ(snapshots.Held("d"), 0);  // a refusal by the total leaves the key's count as it was
  EXPECT_EQ(changes.TryTake("c", &why), nullptr);
  EXPECT_EQ(why, StreamSlots::Refusal::kPerKey);  // the key's own bound is named first
  EXPECT_EQ(refused.Value({"total"}), 1);
  EXPECT_EQ(refused.Value({"per_key"}), 1);
  c.reset();  // any key's slot makes room for any other
  auto d = snapshots.TryTake("d", &why);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(why, StreamSlots::Refusal::kNone);
  EXPECT_EQ(snapshots.Held("d"), 1);
  a.reset();
  b.reset();
  d.reset();
  EXPECT_EQ(total->held(), 0);
  EXPECT_EQ(held.Value({}), 0);
}

TEST(StreamSlotsTest, ATotalOfZeroIsUnboundedAndSlotsMayOutliveIt) {
  std::vector<std::shared_ptr<const StreamSlots::Slot>> held;
  {
    StreamSlots slots(0, std::make_shared<StreamSlots::Total>(0));
    for (int i = 0; i < 100; ++i) held.push_back(slots.TryTake(std::to_string(i % 3)));
    EXPECT_EQ(slots.total()->held(), 100);
    EXPECT_NE(held.back(), nullptr);
  }
  held.clear();  // given back to a Total the slots keep alive
}

}  // namespace
}  // namespace lakeshare::sharing
