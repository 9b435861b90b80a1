// `lakeshare admin`: the command-line client of the management API (docs/cli.md). It mirrors the
// `databricks` CLI nouns and verbs (catalogs, schemas, tables, shares, share-permissions,
// recipients, audit) over HTTP with the curl client, prints aligned tables by default and the
// server's JSON with --json, and adds `onboard`: the five onboarding steps (register tables,
// create share, add tables, create recipient, grant) for one partner or for thousands from a CSV
// file, idempotent and concurrent, with progress on stderr and the activation links written to a
// file of mode 0600.
//
// Exit codes: 0 success; 2 usage errors and refusals by the server (4xx); 1 anything else
// (server unreachable, 5xx). Tokens are never printed; activation links only by the commands
// whose job is to hand them out (recipients create / rotate-token, onboard).
//
// The parsing helpers in `admin` are pure functions, exposed for the unit tests.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace CLI {
class App;
}

namespace lakeshare::app {

/// Register `admin` and its subcommands under `root`.
void AddAdminCommands(CLI::App& root);

namespace admin {

/// A table to register and share: "catalog.schema.table[=LOCATION]". Without a location the
/// table must already be registered.
struct TableItem {
  std::string name;      // catalog.schema.table, lower-cased
  std::string location;  // storage_location; empty: already registered
};

/// A partition filter on one shared table: "TABLE:COLUMN=VALUE" (the partition's value) or
/// "TABLE:COLUMN=@KEY" (the value of the recipient's property KEY: one slice per partner).
/// TABLE is the full name or its last part.
struct PartitionItem {
  std::string table;
  std::string column;
  std::string value;  // a literal value, or the property key when from_property
  bool from_property = false;
};

/// One partner to onboard (one row of the CSV file, or the flags of `onboard`).
struct PartnerSpec {
  int64_t line = 0;     // CSV line (1 = header), 0 for flags
  std::string partner;  // recipient name
  std::string share;    // share name (default: the partner's name)
  std::string comment;
  std::vector<TableItem> tables;
  std::vector<std::pair<std::string, std::string>> properties;
  std::vector<std::string> ip_access_list;
  std::vector<PartitionItem> partitions;
};

/// Parse "catalog.schema.table[=LOCATION]"; each name part is [A-Za-z0-9_-]+.
Result<TableItem> ParseTableItem(std::string_view text);
/// Parse "TABLE:COLUMN=VALUE" or "TABLE:COLUMN=@KEY".
Result<PartitionItem> ParsePartitionItem(std::string_view text);
/// Parse "key=value".
Result<std::pair<std::string, std::string>> ParseProperty(std::string_view text);

/// Split CSV text (RFC 4180: quoted fields with "" escapes and line breaks, CRLF or LF) into
/// records of fields. A blank line is an empty record (callers skip it).
Result<std::vector<std::vector<std::string>>> ParseCsv(std::string_view text);

/// Parse a partners file: a header naming the columns (any order; `partner` required; `share`,
/// `tables`, `properties`, `ip_access_list`, `partitions`, `comment` optional), then one partner
/// per line; list cells are separated by ';'. Errors name the line and the column. A partner
/// named twice is an error.
Result<std::vector<PartnerSpec>> ParsePartnersCsv(std::string_view text);

/// Check a partner's items against each other: names valid, every partition filter naming a
/// table of the partner.
Status ValidatePartner(const PartnerSpec& spec);

/// Milliseconds since the epoch from "1700000000000", an ISO-8601 date or time, or a duration
/// ("90s", "15m", "24h", "7d") back from `now_ms`, or forward from it when `future`.
Result<int64_t> ParseTimeArg(std::string_view text, int64_t now_ms, bool future = false);

/// Render rows under a header as columns aligned with two spaces between them.
std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

/// Percent-encode a path segment (RFC 3986 unreserved characters stay).
std::string EncodePathSegment(std::string_view text);

}  // namespace admin
}  // namespace lakeshare::app
