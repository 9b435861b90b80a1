// Arguments of `lakeshare admin` commands: table items ("catalog.schema.table[=LOCATION]"),
// partition filters, properties and times. Pure functions, exposed for the unit tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"
#include "common/strings.h"  // Trim, which the verbs use on arguments

namespace lakeshare::admin::cli {

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

/// Parse "catalog.schema.table[=LOCATION]"; each name part is [A-Za-z0-9_-]+.
Result<TableItem> ParseTableItem(std::string_view text);
/// Parse "TABLE:COLUMN=VALUE" or "TABLE:COLUMN=@KEY".
Result<PartitionItem> ParsePartitionItem(std::string_view text);
/// Parse "key=value".
Result<std::pair<std::string, std::string>> ParseProperty(std::string_view text);

/// Milliseconds since the epoch from "1700000000000", an ISO-8601 date or time, or a duration
/// ("90s", "15m", "24h", "7d") back from `now_ms`, or forward from it when `future`.
Result<int64_t> ParseTimeArg(std::string_view text, int64_t now_ms, bool future = false);

}  // namespace lakeshare::admin::cli
