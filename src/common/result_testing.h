// Test helper (gtest): that a Result failed, with which code and what its message says, in one
// check that shows the error (or the unexpected success) when it does not hold:
//   EXPECT_TRUE(FailsWith(table.Load(), ErrorCode::kCorrupt, "missing commit 3"));
// Test-only.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "common/result.h"

namespace lakeshare {

/// Holds when `result` is an error of `code` whose message contains `part` (any message when
/// `part` is empty).
template <typename T>
::testing::AssertionResult FailsWith(const Result<T>& result, ErrorCode code,
                                     std::string_view part = {}) {
  if (result) {
    return ::testing::AssertionFailure() << "succeeded; expected " << ErrorCodeName(code);
  }
  const Error& error = result.error();
  if (error.code != code || error.message.find(part) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "failed with " << error.ToString() << "; expected " << ErrorCodeName(code)
           << (part.empty() ? "" : " with a message containing \"") << part
           << (part.empty() ? "" : "\"");
  }
  return ::testing::AssertionSuccess();
}

}  // namespace lakeshare
