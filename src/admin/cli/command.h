// The plumbing every `lakeshare admin` command shares: the global options (--host, --token,
// --token-file, --json), the token, one verb = one action run against an Api, and errors reported
// with a hint that says what to do next.
//
// Exit codes: 0 success; 2 usage errors and refusals by the server (4xx); 1 anything else
// (server unreachable, 5xx).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "admin/cli/client.h"
#include "admin/cli/output.h"
#include "common/clock.h"

namespace CLI {
class App;
}

namespace lakeshare::admin::cli {

struct GlobalOptions {
  std::string host = "http://127.0.0.1:8080";
  std::string token;
  std::string token_file;
  bool json = false;
  /// What relative times (`--since 1h`, `--expiration-time 7d`) count from. Null: the system clock.
  const Clock* clock = nullptr;
};

/// The options of this process's command line (filled by CLI11 before any action runs).
GlobalOptions& Globals();

/// What the user ran, for hints: "shares", "get".
struct Context {
  std::string noun;
  std::string verb;
};

/// What to do next about `e`.
std::string Hint(const CallError& e, const Context& ctx, const GlobalOptions& g);
/// `e` as one line: the message, the server's code and the HTTP status.
std::string Describe(const CallError& e);
/// Print "error: ...\nhint: ..." to stderr, shown TerminalSafe; the exit code (2 for 4xx and
/// usage, else 1).
int Report(const CallError& e, const Context& ctx, const GlobalOptions& g);

/// The API token: --token, LAKESHARE_TOKEN, or the first line of --token-file.
CallResult<std::string> ResolveToken(const GlobalOptions& g);

using Action = std::function<CallResult<void>(Api& api, const GlobalOptions& g)>;

/// Resolve the token, run `action` against a fresh Api, report its error: the exit code.
int RunAction(const Context& ctx, const Action& action);

/// Add noun `name` of `admin`: a group of verbs, one of which must follow.
CLI::App* Noun(CLI::App* admin, const std::string& name, const std::string& description);

/// The objects a noun is about: the collection at `path` (absolute, "/api/..."), each object at
/// `path`/NAME. `what` names one in messages ("share"); `label` and `help` describe the NAME
/// argument of the verbs about one ("NAME", "Share name").
struct Collection {
  std::string path;
  std::string what;
  std::string label = "NAME";
  std::string help;

  /// The path of object `name`.
  std::string Item(const std::string& name) const;
};

/// Add subcommand `verb` of `noun` that runs `action` and exits with its code.
CLI::App* Verb(CLI::App* noun, const std::string& verb, const std::string& description,
               const Action& action);

/// What a verb about one named object does with the name.
using NamedAction =
    std::function<CallResult<void>(Api& api, const GlobalOptions& g, const std::string& name)>;

/// Add verb `verb` of `noun` taking one required positional argument `label` ("NAME",
/// described by `help`), handed to `action`.
CLI::App* NamedVerb(CLI::App* noun, const std::string& verb, const std::string& description,
                    const std::string& label, const std::string& help, const NamedAction& action);

/// The `create LABEL [--comment]` verb: POST {"name", "comment" when given} to the collection,
/// then print the line `done(name)`.
CLI::App* CreateVerb(CLI::App* noun, const std::string& description, const Collection& objects,
                     const std::function<std::string(const std::string& name)>& done);
/// The `list` verb: every object of `objects` (paged to the end; `key` names the reply's array)
/// as a table of `columns`.
CLI::App* ListVerb(CLI::App* noun, const std::string& description, const Collection& objects,
                   const std::string& key, const std::vector<Column>& columns);
/// The `get LABEL` verb: show the object.
CLI::App* GetVerb(CLI::App* noun, const std::string& description, const Collection& objects);
/// The `update LABEL [--new-name] [--comment] [--owner]` verb: PATCH the object, print it (a
/// usage error when no flag is given).
CLI::App* UpdateVerb(CLI::App* noun, const std::string& description, const Collection& objects);
/// The `delete LABEL` verb: delete the object, then "<what> NAME deleted".
CLI::App* DeleteVerb(CLI::App* noun, const std::string& description, const Collection& objects);

/// Print `r` as JSON with --json, else as `print` shows it.
CallResult<void> Show(CallResult<Json> r, const GlobalOptions& g,
                      const std::function<void(const Json&)>& print);
/// Print `r` as JSON with --json, else the line `what`.
CallResult<void> Done(CallResult<Json> r, const GlobalOptions& g, const std::string& what);
/// Print an object as "field value" lines (or JSON).
CallResult<void> ShowObject(CallResult<Json> r, const GlobalOptions& g);
/// Print a list as a table of `columns` (or JSON {"<key>": [...]}).
CallResult<void> ShowList(CallResult<Json> r, const GlobalOptions& g, const std::string& key,
                          const std::vector<Column>& columns);

/// Set `body`[`key`] to `value` when it is not empty (an optional flag that was given).
void SetIfGiven(Json& body, const char* key, const std::string& value);

/// Fields for the PATCH of an object, from flags that were given.
struct UpdateFlags {
  std::string new_name;
  std::string comment;
  std::string owner;

  /// Add --new-name, --comment and --owner to `cmd`.
  void Add(CLI::App* cmd);
  Json Body() const;
};

/// A usage error naming `flags` when `body` changes nothing.
CallResult<void> NeedChanges(const Json& body, const std::string& flags);

/// What `in` holds, read to its end, when that is at most `max_bytes`; nullopt when it holds
/// more (reading stops there). How the CLI reads a file it is given (keys, secrets).
std::optional<std::string> ReadAtMost(std::istream& in, size_t max_bytes);

}  // namespace lakeshare::admin::cli
