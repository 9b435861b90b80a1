// `lakeshare delta ...`: inspect Delta tables by hand — active files (with time travel and
// predicate pruning), the change data feed, and a description of a version (protocol, metadata,
// partition columns, file count).
#pragma once

namespace CLI {
class App;
}

namespace lakeshare::app {

/// Register `delta files`, `delta changes` and `delta describe` under `root`.
void AddDeltaCommands(CLI::App& root);

}  // namespace lakeshare::app
