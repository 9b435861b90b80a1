#include "delta/schema_columns.h"

#include <nlohmann/json.hpp>

namespace lakeshare::delta {

std::optional<std::vector<SchemaColumn>> TopLevelColumns(std::string_view schema_string) {
  using nlohmann::json;
  json schema = json::parse(schema_string, nullptr, /*allow_exceptions=*/false);
  if (!schema.is_object() || !schema.contains("fields") || !schema["fields"].is_array()) {
    return std::nullopt;
  }
  std::vector<SchemaColumn> out;
  for (const json& f : schema["fields"]) {
    if (!f.is_object() || !f.contains("name") || !f["name"].is_string()) continue;
    SchemaColumn c;
    c.name = f["name"].get<std::string>();
    if (f.contains("type") && f["type"].is_string()) c.type = f["type"].get<std::string>();
    c.nullable = f.contains("nullable") && f["nullable"].is_boolean() && f["nullable"].get<bool>();
    const json& md = f.contains("metadata") ? f["metadata"] : json::object();
    if (md.is_object() && md.contains("delta.columnMapping.physicalName") &&
        md["delta.columnMapping.physicalName"].is_string()) {
      c.physical = md["delta.columnMapping.physicalName"].get<std::string>();
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace lakeshare::delta
