#include "common/fuzz_support.h"

#include <gtest/gtest.h>

namespace lakeshare::fuzz {
namespace {

TEST(FuzzSupportTest, AReplyBelow500IsNoFinding) {
  AbortOnServerError("t_fuzz", "GET /x", 200, "");
  AbortOnServerError("t_fuzz", "GET /x", 499, "{}");
}

TEST(FuzzSupportDeathTest, AServerErrorAbortsNamingTheTargetRequestAndReply) {
  EXPECT_DEATH(AbortOnServerError("t_fuzz", "POST /api/x", 500, R"({"error":"boom"})"),
               R"(t_fuzz: POST /api/x answered 500: \{"error":"boom"\})");
  EXPECT_DEATH(AbortOnServerError("t_fuzz", "GET /y", 503, ""), "t_fuzz: GET /y answered 503: ");
}

TEST(FuzzSupportTest, SplitsTheFirstLineFromTheRest) {
  FirstLineAndRest split = SplitFirstLine("GET a\nbody\nmore");
  EXPECT_EQ(split.line, "GET a");
  EXPECT_EQ(split.rest, "body\nmore");
  split = SplitFirstLine("no newline");
  EXPECT_EQ(split.line, "no newline");
  EXPECT_EQ(split.rest, "");
}

}  // namespace
}  // namespace lakeshare::fuzz
