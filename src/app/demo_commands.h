// `lakeshare demo write DIR`: write the demo partner datasets as Delta tables with the project's
// own Parquet writer, deterministically for a given seed (same seed, same bytes):
//
//   daily_sales   date, country, article_id, brand, units, revenue_eur decimal(12,2), partner_id;
//                 partitioned by date; one commit per day (version 0 = first day) plus a final
//                 correction commit that rewrites one file (remove + add + change data file);
//                 delta.enableChangeDataFeed = true, so the change data feed covers every version.
//   articles      the article dimension (article_id, brand, category, name, price_eur, launched).
//   stock_levels  stock per article and warehouse, partitioned by country.
//
// Every add action carries size, modificationTime, partitionValues, dataChange and stats
// (numRecords, minValues, maxValues, nullCount), so readers can skip files; commits carry
// commitInfo with the commit's timestamp, which is also the commit file's modification time.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace CLI {
class App;
}

namespace lakeshare::app {

/// Register `demo write` under `root`.
void AddDemoCommands(CLI::App& root);

struct DemoOptions {
  uint64_t seed = 7;
  int days = 14;        // daily_sales commits (one per day), before the correction commit
  int articles = 1000;  // rows of articles
  int rows_per_day = 3000;
};

/// Write the three tables under `dir` (created if absent). A table folder that already holds a
/// _delta_log is kInvalidArgument (nothing is overwritten).
Status WriteDemoTables(const std::string& dir, const DemoOptions& options);

}  // namespace lakeshare::app
