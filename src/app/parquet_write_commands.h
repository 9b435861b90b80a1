// `lakeshare parquet copy | write | gen-checkpoint`: the commands that produce Parquet files with
// the writer of src/parquet (copy a file under other writer options, write JSON lines in the
// canonical form, generate a Delta-checkpoint-shaped benchmark file).
#pragma once

namespace CLI {
class App;
}

namespace lakeshare::app {

/// Register the writing commands under the `parquet` subcommand of `root`, which
/// AddParquetCommands must have created first.
void AddParquetWriteCommands(CLI::App& root);

}  // namespace lakeshare::app
