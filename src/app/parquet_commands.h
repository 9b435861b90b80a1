// `lakeshare parquet ...`: Parquet files by hand. Inspect them (schema, row groups, rows as JSON
// lines, a decode timing: parquet_commands.cc) and produce them with the writer of src/parquet
// (copy a file under other writer options, write JSON lines in the canonical form, generate a
// Delta-checkpoint-shaped benchmark file or a sample of every type: parquet_write_commands.cc).
#pragma once

namespace CLI {
class App;
}

namespace lakeshare::app {

/// Register `parquet` with all its subcommands under `root`.
void AddParquetCommands(CLI::App& root);

/// Register the writing subcommands (copy, write, gen-checkpoint, gen-types) under `parquet`; called
/// by AddParquetCommands.
void AddParquetWriteCommands(CLI::App& parquet);

}  // namespace lakeshare::app
