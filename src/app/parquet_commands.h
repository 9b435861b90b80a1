// `lakeshare parquet ...`: inspect Parquet files by hand (schema, row groups, rows as JSON lines).
#pragma once

namespace CLI {
class App;
}

namespace lakeshare::app {

/// Register `parquet schema` and `parquet cat` under `root`.
void AddParquetCommands(CLI::App& root);

}  // namespace lakeshare::app
