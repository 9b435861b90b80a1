#include "admin/cli/partners_csv.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "auth/ip_access_list.h"
#include "catalog/catalog.h"
#include "common/strings.h"

namespace lakeshare::admin::cli {
namespace {

// Split a list cell on ';', trimming items and dropping empty ones.
std::vector<std::string> SplitList(std::string_view cell) {
  std::vector<std::string> out;
  for (std::string_view item : Split(cell, ';')) {
    item = Trim(item);
    if (!item.empty()) {
      out.emplace_back(item);
    }
  }
  return out;
}

}  // namespace

Result<std::vector<std::vector<std::string>>> ParseCsv(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {  // UTF-8 byte order mark (Excel writes one)
    text.remove_prefix(3);
  }
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool in_quotes = false;
  bool field_quoted = false;
  int64_t line = 1;
  int64_t quote_line = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        if (c == '\n') {
          ++line;
        }
        field.push_back(c);
      }
      continue;
    }
    if (c == '"') {
      if (!field.empty() || field_quoted) {
        return InvalidArgument(
            "CSV line {}: a quote inside an unquoted field; quote the whole field and double the "
            "quotes inside (\"a \"\"b\"\"\")",
            line);
      }
      in_quotes = true;
      field_quoted = true;
      quote_line = line;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      field_quoted = false;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
      record.push_back(std::move(field));
      field.clear();
      field_quoted = false;
      records.push_back(std::move(record));
      record.clear();
      ++line;
    } else {
      if (field_quoted) {
        return InvalidArgument("CSV line {}: text after a closing quote", line);
      }
      field.push_back(c);
    }
  }
  if (in_quotes) {
    return InvalidArgument("CSV line {}: a quoted field is never closed", quote_line);
  }
  if (!field.empty() || field_quoted || !record.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

std::vector<std::string> PartnerProblems(const PartnerSpec& spec) {
  const std::string where = spec.line > 0 ? fmt::format("line {}: ", spec.line) : std::string();
  std::vector<std::string> out;
  auto add = [&](const Status& st) {
    if (!st) {
      out.push_back(where + st.error().message);
    }
  };
  // The server's own rules, so that what passes here is not refused after others were created.
  if (auto st = catalog::ValidateName("recipient", spec.partner, /*allow_dot=*/true); !st) {
    out.push_back(
        fmt::format("{}partner: {} (it becomes the recipient's name)", where, st.error().message));
  }
  if (spec.share != spec.partner) {  // a share named after the partner is reported once
    add(catalog::ValidateName("share", spec.share, /*allow_dot=*/true));
  }
  // Both names are written to the links file (--links-out, CSV), which people open in a
  // spreadsheet: a cell that starts with '=', '+', '-' or '@' is read there as a formula
  // (OWASP "CSV injection"), so a partners file cannot plant one.
  for (const auto& [what, name] : {std::pair<const char*, const std::string*>{"partner",
                                                                             &spec.partner},
                                   {"share", &spec.share}}) {
    if (!name->empty() && std::string_view("=+-@").find(name->front()) != std::string_view::npos &&
        (std::string_view(what) == "partner" || spec.share != spec.partner)) {
      out.push_back(fmt::format("{}{}: the name '{}' starts with '{}', which a spreadsheet opening "
                                "the links file reads as a formula; start it with a letter or "
                                "digit",
                                where, what, *name, name->front()));
    }
  }
  if (!spec.ip_access_list.empty()) {
    if (auto ips = auth::IpAccessList::Parse(spec.ip_access_list); !ips) {
      out.push_back(where + "ip_access_list: " + ips.error().message);
    }
  }
  if (spec.tables.empty()) {
    out.push_back(fmt::format(
        "{}partner '{}' has no tables: name at least one as catalog.schema.table[=LOCATION]", where,
        spec.partner));
  }
  std::set<std::string> keys;
  for (const auto& [k, v] : spec.properties) {
    if (!keys.insert(k).second) {
      out.push_back(fmt::format("{}property '{}' is given twice", where, k));
    }
  }
  for (const PartitionItem& p : spec.partitions) {
    int matches = 0;
    for (const TableItem& t : spec.tables) {
      if (t.name == p.table || t.name.substr(t.name.rfind('.') + 1) == p.table) {
        ++matches;
      }
    }
    if (matches != 1 && !spec.tables.empty()) {
      out.push_back(fmt::format(
          "{}partition filter on '{}' must name exactly one of the partner's tables ({} match); "
          "use the full catalog.schema.table name",
          where, p.table, matches));
    }
    if (p.from_property && !keys.count(p.value)) {
      out.push_back(fmt::format(
          "{}partition filter on '{}.{}' reads property '{}', which partner '{}' does not have; "
          "add it with {}=VALUE",
          where, p.table, p.column, p.value, spec.partner, p.value));
    }
  }
  return out;
}

Status ValidatePartner(const PartnerSpec& spec) {
  std::vector<std::string> problems = PartnerProblems(spec);
  if (problems.empty()) {
    return OkStatus();
  }
  return InvalidArgument("{}", fmt::join(problems, "\n"));
}

namespace {

using Columns = std::map<std::string, size_t>;

/// The column of each header name (names checked: known, once, partner present).
Result<Columns> ParseHeader(const std::vector<std::string>& header) {
  static const std::set<std::string> kKnown = {
      "partner", "share", "tables", "properties", "comment", "partitions", "ip_access_list"};
  Columns column;
  for (size_t i = 0; i < header.size(); ++i) {
    std::string name = ToLower(Trim(header[i]));
    if (!kKnown.count(name)) {
      return InvalidArgument(
          "CSV header: unknown column '{}'; the columns are partner (required), share, tables, "
          "properties, ip_access_list, partitions and comment",
          name);
    }
    if (!column.emplace(name, i).second) {
      return InvalidArgument("CSV header: column '{}' appears twice", name);
    }
  }
  if (!column.count("partner")) {
    return InvalidArgument("CSV header: the 'partner' column is required (found: {})",
                           fmt::join(header, ","));
  }
  return column;
}

/// Parses each item of `list` into `out`; an unreadable one becomes a problem naming
/// `column_name`. Whether every item was read.
template <typename T, typename Parse>
bool ParseItems(const std::string& list, Parse parse, int64_t line, const char* column_name,
                std::vector<T>& out, std::vector<std::string>& problems) {
  bool all = true;
  for (const std::string& text : SplitList(list)) {
    auto item = parse(text);
    if (!item) {
      problems.push_back(
          fmt::format("line {}, column {}: {}", line, column_name, item.error().message));
      all = false;
      continue;
    }
    out.push_back(std::move(*item));
  }
  return all;
}

/// The partner of one data row; its problems are appended to `problems`.
PartnerSpec ParseRow(const std::vector<std::string>& rec, const Columns& column, int64_t line,
                     std::vector<std::string>& problems) {
  auto cell = [&](const char* name) -> std::string {
    auto it = column.find(name);
    if (it == column.end() || it->second >= rec.size()) {
      return {};
    }
    return std::string(Trim(rec[it->second]));
  };
  PartnerSpec spec;
  spec.line = line;
  spec.partner = cell("partner");
  spec.share = cell("share");
  if (spec.share.empty()) {
    spec.share = spec.partner;
  }
  spec.comment = cell("comment");
  const bool tables_unreadable =
      !ParseItems(cell("tables"), ParseTableItem, line, "tables", spec.tables, problems);
  ParseItems(cell("properties"), ParseProperty, line, "properties", spec.properties, problems);
  spec.ip_access_list = SplitList(cell("ip_access_list"));
  ParseItems(cell("partitions"), ParsePartitionItem, line, "partitions", spec.partitions,
             problems);
  for (std::string& p : PartnerProblems(spec)) {
    if (tables_unreadable && spec.tables.empty() && p.find("has no tables") != std::string::npos) {
      continue;  // its tables were given, and are reported above
    }
    problems.push_back(std::move(p));
  }
  return spec;
}

}  // namespace

Result<std::vector<PartnerSpec>> ParsePartnersCsv(std::string_view text) {
  LS_ASSIGN_OR_RETURN(auto records, ParseCsv(text));
  size_t first = 0;
  while (first < records.size() && records[first].size() == 1 && Trim(records[first][0]).empty()) {
    ++first;
  }
  if (first == records.size()) {
    return InvalidArgument(
        "the CSV file is empty: it needs a header line such as "
        "partner,share,tables,properties,ip_access_list,partitions,comment");
  }
  LS_ASSIGN_OR_RETURN(Columns column, ParseHeader(records[first]));
  std::vector<PartnerSpec> out;
  std::set<std::string> seen;
  std::vector<std::string> problems;  // every row's, reported together
  for (size_t r = first + 1; r < records.size(); ++r) {
    const auto& rec = records[r];
    if (std::all_of(rec.begin(), rec.end(), [](const std::string& f) { return Trim(f).empty(); })) {
      continue;
    }
    // Lines count physical lines only when no field holds a line break, which is the common
    // case; the record number is exact otherwise.
    const int64_t line = static_cast<int64_t>(r) + 1;
    if (rec.size() > records[first].size()) {
      problems.push_back(
          fmt::format("line {}: {} fields but the header has {}; quote fields that contain commas",
                      line, rec.size(), records[first].size()));
      continue;
    }
    const size_t before = problems.size();
    PartnerSpec spec = ParseRow(rec, column, line, problems);
    if (!seen.insert(ToLower(spec.partner)).second) {
      problems.push_back(
          fmt::format("line {}: partner '{}' appears a second time", line, spec.partner));
    }
    if (problems.size() == before) {
      out.push_back(std::move(spec));
    }
  }
  if (!problems.empty()) {
    return InvalidArgument("{} problem{} in the file, nothing was sent; fix {} and rerun:\n  {}",
                           problems.size(), problems.size() == 1 ? "" : "s",
                           problems.size() == 1 ? "it" : "them all", fmt::join(problems, "\n  "));
  }
  if (out.empty()) {
    return InvalidArgument("the CSV file has a header but no partners");
  }
  return out;
}

std::string CsvField(const std::string& s) {
  const bool formula =
      !s.empty() && std::string_view("=+-@\t\r").find(s.front()) != std::string_view::npos;
  if (!formula && s.find_first_of(",\"\r\n") == std::string::npos) {
    return s;
  }
  std::string out = formula ? "\"'" : "\"";
  for (char c : s) {
    out += c;
    if (c == '"') {
      out += '"';
    }
  }
  return out + "\"";
}

}  // namespace lakeshare::admin::cli
