// lakeshare: the single binary. Subcommands are registered by the modules' command files; main
// only parses and dispatches.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "admin/cli/admin_cli.h"
#include "app/delta_commands.h"
#include "app/demo_commands.h"
#include "app/parquet_commands.h"
#include "app/serve_command.h"
#include "app/usage_error.h"

int main(int argc, char** argv) {
  CLI::App app{"Lakeshare: self-hosted Delta Sharing and partner data-sharing platform"};
  app.set_version_flag("--version", "lakeshare 0.1.0");
  app.require_subcommand(1);
  lakeshare::app::AddParquetCommands(app);
  lakeshare::app::AddDeltaCommands(app);
  lakeshare::app::AddServeCommand(app);
  lakeshare::admin::cli::AddAdminCommands(app);
  lakeshare::app::AddDemoCommands(app);
  // A command line the parser rejects is a usage error: exit code 2, like every other 4xx-style
  // refusal of the CLI (--help and --version exit 0).
  try {
    app.parse(argc, argv);
  } catch (const CLI::ExtrasError& e) {
    // CLI11's own message echoes the words; one of them may be a secret typed after a mistyped
    // option name, so say which words were unexpected with their values hidden.
    std::vector<std::string> words = app.remaining(true);
    std::fprintf(stderr,
                 "error: unexpected command-line words: %s\n"
                 "Run with --help for more information.\n",
                 lakeshare::app::DescribeUnexpectedWords(words).c_str());
    return 2;
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return 0;
}
