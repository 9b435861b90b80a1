// `lakeshare admin`: the command-line client of the management API (docs/cli.md). It mirrors the
// `databricks` CLI nouns and verbs (catalogs, schemas, tables, shares, share-permissions,
// recipients, audit) over HTTP with the curl client, prints aligned tables by default and the
// server's JSON with --json, and adds `onboard`: the five onboarding steps (register tables,
// create share, add tables, create recipient, grant) for one partner or for thousands from a CSV
// file, idempotent and concurrent, with progress on stderr and the activation links written to a
// file of mode 0600.
//
// One file per noun (catalogs_cmd.cc, shares_cmd.cc, ...); command.h holds the plumbing they
// share, client.h the HTTP client, output.h the printing, args.h and partners_csv.h the parsing.
//
// Exit codes: 0 success; 2 usage errors and refusals by the server (4xx); 1 anything else
// (server unreachable, 5xx). Tokens are never printed; activation links only by the commands
// whose job is to hand them out (recipients create / rotate-token, onboard).
#pragma once

namespace CLI {
class App;
}

namespace lakeshare::admin::cli {

/// Register `admin` and its subcommands under `root`.
void AddAdminCommands(CLI::App& root);

}  // namespace lakeshare::admin::cli
