#include "common/error_context.h"

#include <gtest/gtest.h>

namespace lakeshare {
namespace {

TEST(WithContextTest, PrefixesTheMessageAndKeepsCodeAndResource) {
  const Error e = WithContext(
      Error(ErrorCode::kNotFound, "no such share 's'", ResourceKind::kShare), "Failed to read 'x'");
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_EQ(e.resource, ResourceKind::kShare);
  EXPECT_EQ(e.message, "Failed to read 'x': no such share 's'");
}

TEST(WithContextTest, NestsOutermostFirst) {
  Error e(ErrorCode::kUnavailable, "connection refused");
  e = WithContext(WithContext(std::move(e), "Failed to list _delta_log"), "Failed to load 't'");
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  EXPECT_EQ(e.resource, ResourceKind::kNone);
  EXPECT_EQ(e.message, "Failed to load 't': Failed to list _delta_log: connection refused");
  EXPECT_EQ(WithContext(Error(ErrorCode::kCorrupt, ""), "a").message, "a: ");
}

}  // namespace
}  // namespace lakeshare
