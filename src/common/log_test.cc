#include "common/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace lakeshare {
namespace {

using ::testing::ElementsAre;

TEST(LogTest, LinesCarryTheirLevelAsPrefixAndInfoLinesNone) {
  LogCaptureForTest capture;
  LogInfo("signal {}: stopping", 15);
  LogNote("no signingKey configured");
  LogWarning("table '{}' lies in no external location", "c.s.t");
  LogError("audit: {}", "disk full");
  LogFatal("RAND_bytes failed");
  EXPECT_THAT(capture.texts(), ElementsAre("signal 15: stopping", "note: no signingKey configured",
                                           "warning: table 'c.s.t' lies in no external location",
                                           "error: audit: disk full", "fatal: RAND_bytes failed"));
  ASSERT_EQ(capture.lines().size(), 5u);
  EXPECT_EQ(capture.lines()[2].level, LogLevel::kWarning);
}

TEST(LogTest, ANewlineInAMessageCannotStartAForgedLine) {
  LogCaptureForTest capture;
  LogWarning("name {}", "x\nerror: forged");
  EXPECT_THAT(capture.texts(), ElementsAre("warning: name x\\nerror: forged"));
}

TEST(LogTest, ACarriageReturnOrOtherControlCannotRewriteALine) {
  LogCaptureForTest capture;
  LogWarning("name {}", "x\rerror: forged\t\x1b[2K\x7f");
  EXPECT_THAT(capture.texts(), ElementsAre("warning: name x\\rerror: forged\\t\\x1b[2K\\x7f"));
}

TEST(LogTest, TheNewestCaptureWinsAndEndingItRestoresThePrevious) {
  LogCaptureForTest outer;
  LogInfo("one");
  {
    LogCaptureForTest inner;
    LogInfo("two");
    EXPECT_THAT(inner.texts(), ElementsAre("two"));
  }
  LogInfo("three");
  EXPECT_THAT(outer.texts(), ElementsAre("one", "three"));
}

TEST(LogTest, LinesFromManyThreadsStayWhole) {
  LogCaptureForTest capture;
  constexpr int kThreads = 4;
  constexpr int kLines = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLines; ++i) LogInfo("thread {} line {}", t, i);
    });
  }
  for (std::thread& t : threads) t.join();
  std::vector<std::string> texts = capture.texts();
  ASSERT_EQ(texts.size(), static_cast<size_t>(kThreads * kLines));
  std::vector<int> next(kThreads, 0);
  for (const std::string& text : texts) {
    int t = -1;
    int i = -1;
    ASSERT_EQ(std::sscanf(text.c_str(), "thread %d line %d", &t, &i), 2) << text;
    ASSERT_GE(t, 0);
    ASSERT_LT(t, kThreads);
    EXPECT_EQ(i, next[t]++) << "lines of one thread keep their order";
  }
}

}  // namespace
}  // namespace lakeshare
