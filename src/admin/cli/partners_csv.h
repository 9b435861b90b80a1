// The partners file of `lakeshare admin onboard --csv` (docs/cli.md): RFC 4180 CSV with a header
// naming the columns, one partner per line. Pure functions, exposed for the unit tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "admin/cli/args.h"
#include "common/result.h"

namespace lakeshare::admin::cli {

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

/// Split CSV text (RFC 4180: quoted fields with "" escapes and line breaks, CRLF or LF) into
/// records of fields. A blank line is an empty record (callers skip it).
Result<std::vector<std::vector<std::string>>> ParseCsv(std::string_view text);

/// Parse a partners file: a header naming the columns (any order; `partner` required; `share`,
/// `tables`, `properties`, `ip_access_list`, `partitions`, `comment` optional), then one partner
/// per line; list cells are separated by ';'. The whole file is checked before anything is sent:
/// the error lists every problem of every line (line and column named). A partner named twice is
/// an error.
Result<std::vector<PartnerSpec>> ParsePartnersCsv(std::string_view text);

/// `s` as a CSV cell a spreadsheet reads as text: quoted when it holds a separator, a quote or a
/// line break, and led by an apostrophe inside quotes when it starts as a formula would ('=',
/// '+', '-', '@', a tab or a carriage return: OWASP "CSV injection"). Partner and share names
/// are refused earlier (PartnerProblems); an activation URL comes from the server's answer,
/// which the CLI does not trust.
std::string CsvField(const std::string& s);

/// Every problem of a partner, each prefixed with its CSV line: names valid by the server's rule
/// (catalog::ValidateName), the IP access list parsed as the server parses it
/// (auth::IpAccessList), tables given, every partition filter naming one table of the partner
/// and a property it has. Empty when the partner can be sent.
std::vector<std::string> PartnerProblems(const PartnerSpec& spec);
/// PartnerProblems as one error (its lines joined), or OK.
Status ValidatePartner(const PartnerSpec& spec);

}  // namespace lakeshare::admin::cli
