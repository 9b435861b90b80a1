#include "admin/cli/args.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>

#include "common/iso_time.h"
#include "common/strings.h"

namespace lakeshare::admin::cli {

namespace {

bool IsNamePart(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<TableItem> ParseTableItem(std::string_view text) {
  text = Trim(text);
  TableItem item;
  std::string_view name = text;
  if (size_t eq = text.find('='); eq != std::string_view::npos) {
    name = Trim(text.substr(0, eq));
    item.location = std::string(Trim(text.substr(eq + 1)));
    if (item.location.empty()) {
      return InvalidArgument("table '{}': the location after '=' is empty", text);
    }
  }
  std::vector<std::string_view> parts = Split(name, '.');
  if (parts.size() != 3 || !IsNamePart(parts[0]) || !IsNamePart(parts[1]) ||
      !IsNamePart(parts[2])) {
    return InvalidArgument(
        "table '{}' is not catalog.schema.table[=LOCATION] (name parts are letters, digits, '_' "
        "and '-'), e.g. main.sales.daily_sales=/data/daily_sales",
        text);
  }
  item.name = ToLower(name);
  return item;
}

Result<PartitionItem> ParsePartitionItem(std::string_view text) {
  text = Trim(text);
  const size_t colon = text.find(':');
  const size_t eq = text.find('=', colon == std::string_view::npos ? 0 : colon);
  if (colon == std::string_view::npos || eq == std::string_view::npos) {
    return InvalidArgument(
        "partition filter '{}' is not TABLE:COLUMN=VALUE or TABLE:COLUMN=@PROPERTY, e.g. "
        "stock_levels:country=@country",
        text);
  }
  PartitionItem p;
  p.table = ToLower(Trim(text.substr(0, colon)));
  p.column = std::string(Trim(text.substr(colon + 1, eq - colon - 1)));
  std::string_view value = Trim(text.substr(eq + 1));
  if (!value.empty() && value.front() == '@') {
    p.from_property = true;
    value.remove_prefix(1);
    if (value.empty()) {
      return InvalidArgument("partition filter '{}': name the recipient property after '@'", text);
    }
  }
  p.value = std::string(value);
  if (p.table.empty() || p.column.empty()) {
    return InvalidArgument("partition filter '{}': the table and the column must not be empty",
                           text);
  }
  return p;
}

Result<std::pair<std::string, std::string>> ParseProperty(std::string_view text) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos || Trim(text.substr(0, eq)).empty()) {
    return InvalidArgument("property '{}' is not KEY=VALUE, e.g. partner_id=P001", text);
  }
  return std::pair<std::string, std::string>(std::string(Trim(text.substr(0, eq))),
                                             std::string(Trim(text.substr(eq + 1))));
}

Result<int64_t> ParseTimeArg(std::string_view text, int64_t now_ms, bool future) {
  text = Trim(text);
  int64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec == std::errc() && p == text.data() + text.size()) {
    return n;
  }
  if (ec == std::errc() && p + 1 == text.data() + text.size() && n >= 0) {
    int64_t unit = 0;
    switch (*p) {
      case 's':
        unit = 1000;
        break;
      case 'm':
        unit = int64_t{60} * 1000;
        break;
      case 'h':
        unit = int64_t{3600} * 1000;
        break;
      case 'd':
        unit = int64_t{86400} * 1000;
        break;
      default:
        break;
    }
    // The duration, and now moved by it, must fit in int64 (past that the arithmetic overflowed:
    // undefined behaviour); a duration that far is no time.
    constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
    if (unit > 0 && n <= kMax / unit) {
      const int64_t span = n * unit;
      if (future ? now_ms <= kMax - span : now_ms >= std::numeric_limits<int64_t>::min() + span) {
        return future ? now_ms + span : now_ms - span;
      }
    }
  }
  if (auto ms = ParseIsoMillis(text)) {
    return *ms;
  }
  return InvalidArgument(
      "'{}' is not a time: give milliseconds since the epoch, an ISO-8601 date or time "
      "(2024-05-01, 2024-05-01T10:00:00Z) or a duration from now (90s, 15m, 24h, 7d)",
      text);
}
}  // namespace lakeshare::admin::cli
