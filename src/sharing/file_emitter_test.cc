// The emitter's byte counts (scannedAddFileSize, the audit's result) over sizes from a provider's
// log, which may be any int64.
#include <gtest/gtest.h>

#include <limits>

#include "sharing/file_emitter_internal.h"

namespace lakeshare::sharing {
namespace {

TEST(ServedCountersTest, ByteCountsSaturateAndIgnoreNegativeSizes) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  int64_t bytes = 0;
  ServedCounters::AddBytes(bytes, 10);
  EXPECT_EQ(bytes, 10);
  ServedCounters::AddBytes(bytes, -5);
  ServedCounters::AddBytes(bytes, std::numeric_limits<int64_t>::min());
  EXPECT_EQ(bytes, 10);
  ServedCounters::AddBytes(bytes, int64_t{1} << 62);
  ServedCounters::AddBytes(bytes, int64_t{1} << 62);  // overflowed before
  EXPECT_EQ(bytes, kMax);
  ServedCounters::AddBytes(bytes, kMax);
  EXPECT_EQ(bytes, kMax);
}

}  // namespace
}  // namespace lakeshare::sharing
