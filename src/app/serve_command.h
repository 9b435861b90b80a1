// `lakeshare serve --config FILE [--listen HOST:PORT]`: run the Delta Sharing server for the
// shares of a configuration file compatible with the reference server's
// delta-sharing-server.yaml (sharing/server_config.h). The profile endpoint of recipients is
// http(s)://HOST:PORT{endpoint}. Prints one line "listening on <url>" to stdout once the port is
// bound (port 0 picks a free one), then serves until SIGTERM or SIGINT and stops gracefully.
#pragma once

namespace CLI {
class App;
}

namespace lakeshare::app {

/// Register `serve` under `root`.
void AddServeCommand(CLI::App& root);

}  // namespace lakeshare::app
