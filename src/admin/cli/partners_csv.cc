#include "admin/cli/partners_csv.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

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

Status ValidatePartner(const PartnerSpec& spec) {
  const std::string where = spec.line > 0 ? fmt::format("line {}: ", spec.line) : std::string();
  auto valid_name = [](std::string_view n) {
    if (n.empty()) {
      return false;
    }
    return std::all_of(n.begin(), n.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
  };
  if (!valid_name(spec.partner)) {
    return InvalidArgument(
        "{}partner name '{}' must be letters, digits, '_', '-' or '.' (it becomes the recipient's "
        "name)",
        where, spec.partner);
  }
  if (!valid_name(spec.share)) {
    return InvalidArgument("{}share name '{}' must be letters, digits, '_', '-' or '.'", where,
                           spec.share);
  }
  if (spec.tables.empty()) {
    return InvalidArgument(
        "{}partner '{}' has no tables: name at least one as catalog.schema.table[=LOCATION]", where,
        spec.partner);
  }
  std::set<std::string> keys;
  for (const auto& [k, v] : spec.properties) {
    if (!keys.insert(k).second) {
      return InvalidArgument("{}property '{}' is given twice", where, k);
    }
  }
  for (const PartitionItem& p : spec.partitions) {
    int matches = 0;
    for (const TableItem& t : spec.tables) {
      if (t.name == p.table || t.name.substr(t.name.rfind('.') + 1) == p.table) {
        ++matches;
      }
    }
    if (matches != 1) {
      return InvalidArgument(
          "{}partition filter on '{}' must name exactly one of the partner's tables ({} match); "
          "use the full catalog.schema.table name",
          where, p.table, matches);
    }
    if (p.from_property && !keys.count(p.value)) {
      return InvalidArgument(
          "{}partition filter on '{}.{}' reads property '{}', which partner '{}' does not have; "
          "add it with {}={}",
          where, p.table, p.column, p.value, spec.partner, p.value, "VALUE");
    }
  }
  return OkStatus();
}

Result<std::vector<PartnerSpec>> ParsePartnersCsv(std::string_view text) {
  LS_ASSIGN_OR_RETURN(auto records, ParseCsv(text));
  static const std::set<std::string> kKnown = {
      "partner", "share", "tables", "properties", "comment", "partitions", "ip_access_list"};
  size_t first = 0;
  while (first < records.size() && records[first].size() == 1 && Trim(records[first][0]).empty()) {
    ++first;
  }
  if (first == records.size()) {
    return InvalidArgument(
        "the CSV file is empty: it needs a header line such as "
        "partner,share,tables,properties,ip_access_list,partitions,comment");
  }
  std::map<std::string, size_t> column;
  for (size_t i = 0; i < records[first].size(); ++i) {
    std::string name = ToLower(Trim(records[first][i]));
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
                           fmt::join(records[first], ","));
  }
  std::vector<PartnerSpec> out;
  std::set<std::string> seen;
  for (size_t r = first + 1; r < records.size(); ++r) {
    const auto& rec = records[r];
    if (std::all_of(rec.begin(), rec.end(), [](const std::string& f) { return Trim(f).empty(); })) {
      continue;
    }
    // Lines count physical lines only when no field holds a line break, which is the common
    // case; the record number is exact otherwise.
    const int64_t line = static_cast<int64_t>(r) + 1;
    if (rec.size() > records[first].size()) {
      return InvalidArgument(
          "CSV line {}: {} fields but the header has {}; quote fields that "
          "contain commas",
          line, rec.size(), records[first].size());
    }
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
    for (const std::string& t : SplitList(cell("tables"))) {
      auto item = ParseTableItem(t);
      if (!item) {
        return InvalidArgument("CSV line {}, column tables: {}", line, item.error().message);
      }
      spec.tables.push_back(std::move(*item));
    }
    for (const std::string& p : SplitList(cell("properties"))) {
      auto kv = ParseProperty(p);
      if (!kv) {
        return InvalidArgument("CSV line {}, column properties: {}", line, kv.error().message);
      }
      spec.properties.push_back(std::move(*kv));
    }
    spec.ip_access_list = SplitList(cell("ip_access_list"));
    for (const std::string& p : SplitList(cell("partitions"))) {
      auto item = ParsePartitionItem(p);
      if (!item) {
        return InvalidArgument("CSV line {}, column partitions: {}", line, item.error().message);
      }
      spec.partitions.push_back(std::move(*item));
    }
    LS_RETURN_IF_ERROR(ValidatePartner(spec));
    if (!seen.insert(ToLower(spec.partner)).second) {
      return InvalidArgument("CSV line {}: partner '{}' appears a second time", line, spec.partner);
    }
    out.push_back(std::move(spec));
  }
  if (out.empty()) {
    return InvalidArgument("the CSV file has a header but no partners");
  }
  return out;
}
}  // namespace lakeshare::admin::cli
