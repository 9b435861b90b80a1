#include "sharing/stream_slots.h"

#include <gtest/gtest.h>

#include <memory>
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

}  // namespace
}  // namespace lakeshare::sharing
