// The top-level columns of a Delta table schema (Delta protocol, *Schema Serialization Format*:
// a struct type whose "fields" each have a name, a type, nullable and metadata), with the
// physical name column mapping gives each (Delta protocol, *Column Mapping*: "the physical name
// ... stored in the metadata of the field as delta.columnMapping.physicalName"). For the layers
// above delta that name columns by their top-level names (views, partition rules, SQL hints).
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lakeshare::delta {

/// A top-level column of a Delta schema.
struct SchemaColumn {
  std::string name;
  /// The type when it is a name ("string", "long", "decimal(10,2)"); empty for a nested type.
  std::string type;
  /// Its delta.columnMapping.physicalName; empty without one.
  std::string physical;
  /// The field's "nullable" (false when it is not a boolean: nothing says it may be null).
  bool nullable = false;
};

/// The top-level columns of a Delta schema, in order (entries without a string name are
/// skipped); nullopt when `schema_string` is not a Delta struct schema.
std::optional<std::vector<SchemaColumn>> TopLevelColumns(std::string_view schema_string);

}  // namespace lakeshare::delta
