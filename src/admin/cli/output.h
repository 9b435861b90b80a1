// What `lakeshare admin` prints: aligned tables of API objects (times as ISO-8601 UTC), objects
// as "field value" lines, or the server's JSON with --json. Writes to stdout; not thread-safe.
// Everything here is shown terminal-safe; the one exception is `audit --jsonl`, which writes the
// server's bytes as they came (audit_cmd.cc), for a file or a pipe (docs/cli.md).
#pragma once

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace lakeshare::admin::cli {

/// Key order as the server sent it.
using Json = nlohmann::ordered_json;

/// `text` as a terminal shows it safely, for anything the CLI prints that a server or a partner
/// may have chosen (cells, error messages, links): control characters (C0, DEL, C1), invisible
/// and text-direction characters (common/names.h) and bytes that are not UTF-8 are written as
/// escapes ("\n", "\x1b", "\u202e", "\xff"), so that no such text can start a line of its own,
/// move the cursor or reorder what the admin reads. Other UTF-8 text is kept.
std::string TerminalSafe(std::string_view text);

/// `json` (a dump) as a terminal shows it safely and still JSON of the same value: DEL, C1
/// controls and the invisible and text-direction characters of common/names.h become "\u"
/// escapes (surrogate pairs beyond U+FFFF). They can stand only inside strings, where such an
/// escape means the same character; the dump already escapes C0 controls.
std::string TerminalSafeJson(std::string_view json);

/// Render rows under a header as columns aligned with two spaces between them; cells are shown
/// TerminalSafe.
std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

/// A value as one table cell; `key` names it, so that times ("created_at", ...) print as
/// ISO-8601.
std::string Cell(const Json& v, std::string_view key = {});

/// The value at a '/'-separated path in `v`, trying alternatives separated by '|'; null when
/// absent or JSON null.
const Json* Lookup(const Json& v, std::string_view paths);

/// A table column: its title and the path of its value (see Lookup).
struct Column {
  std::string title;
  std::string paths;
};

void PrintRows(const Json& items, const std::vector<Column>& columns);
/// Print an object as aligned "key  value" lines; `skip` keys are left out.
void PrintObject(const Json& obj, const std::set<std::string>& skip = {});
void PrintJson(const Json& doc);

}  // namespace lakeshare::admin::cli
