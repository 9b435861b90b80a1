#include "materialize/ledger.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace lakeshare::materialize {
namespace {

using nlohmann::json;
using Outcome = Ledger::Outcome;

TEST(LedgerTest, OneEntryPerFileKeepingTheStrongestOutcome) {
  Ledger l({{"table", "sh.s.t"}, {"tableVersion", "3"}});
  l.Record("k1", "a.parquet", Outcome::kBuilt, 100, 10, 4);
  l.Record("k1", "a.parquet", Outcome::kCached, 100, 0, 4);  // the stream's Get after Prepare
  l.Record("k2", "b.parquet", Outcome::kCached, 50, 0, 2);
  l.Record("k2", "b.parquet", Outcome::kReused, 50, 0, 2);
  l.Record("k3", "c.parquet", Outcome::kBuilt, 70, 7, 7);
  l.Record("k3", "c.parquet", Outcome::kFailed, 0, 0, 0, "disk full");
  EXPECT_EQ(l.files(), 3u);
  json s = json::parse(l.SummaryJson());
  EXPECT_EQ(s["table"], "sh.s.t");
  EXPECT_EQ(s["tableVersion"], "3");
  EXPECT_EQ(s["files"], 3);
  EXPECT_EQ(s["built"], 1);
  EXPECT_EQ(s["reused"], 1);
  EXPECT_EQ(s["cached"], 0);
  EXPECT_EQ(s["failed"], 1);
  EXPECT_EQ(s["bytesWritten"], 100);
  EXPECT_EQ(s["bytesServed"], 150);
  EXPECT_EQ(s["rowsRead"], 10);
  EXPECT_EQ(s["rowsWritten"], 6);
  ASSERT_EQ(s["listed"].size(), 3u);
  EXPECT_EQ(s["listed"][0]["path"], "c.parquet");  // failures first
  EXPECT_EQ(s["listed"][0]["outcome"], "failed");
  EXPECT_EQ(s["listed"][0]["error"], "disk full");
  EXPECT_EQ(s["listed"][1]["outcome"], "built");
  EXPECT_EQ(s["unlisted"], 0);
}

TEST(LedgerTest, TenThousandFilesMakeOneBoundedSummary) {
  Ledger l({}, 100);
  for (int i = 0; i < 10'000; ++i) {
    l.Record("key" + std::to_string(i), "part-" + std::to_string(i) + ".parquet",
             i == 9'999 ? Outcome::kFailed : Outcome::kCached, 1000, 0, 10,
             std::string(5000, 'x'));
  }
  l.NotePending(3);
  const std::string text = l.SummaryJson();
  EXPECT_LT(text.size(), 20'000u);
  json s = json::parse(text);
  EXPECT_EQ(s["files"], 10'000);
  EXPECT_EQ(s["cached"], 9'999);
  EXPECT_EQ(s["failed"], 1);
  EXPECT_EQ(s["pending"], 3);
  EXPECT_EQ(s["listed"].size(), 100u);
  EXPECT_EQ(s["unlisted"], 9'900);
  EXPECT_EQ(s["listed"][0]["path"], "part-9999.parquet");  // the failure survives the cut
  EXPECT_LE(s["listed"][0]["error"].get<std::string>().size(), 300u);
}

}  // namespace
}  // namespace lakeshare::materialize
