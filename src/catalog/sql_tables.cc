// Tables: EXTERNAL Delta tables registered by location, named within their schema (the row holds
// the schema's id; TableInfo carries the catalog and schema names).
#include <set>

#include "catalog/sql_catalog_impl.h"

namespace lakeshare::catalog {

const EntityTable<TableInfo>& TableTable() {
  static const auto* const kTable = new EntityTable<TableInfo>({
      .resource = ResourceKind::kTable,
      .table = "delta_tables",
      .parent_column = "schema_id",
      .securable = "TABLE",
      .columns = {{"storage_location", &TableInfo::storage_location}},
  });
  return *kTable;
}

namespace {

void PlaceIn(const SchemaInfo& s, TableInfo& t) {
  t.catalog_name = s.catalog_name;
  t.schema_name = s.name;
}

/// The table "catalog.schema.table"; its schema goes to `*schema`.
Result<TableInfo> ReadTableIn(SqlConn& c, std::string_view full_name, SchemaInfo* schema) {
  LS_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitFullName("table", full_name, 3));
  LS_ASSIGN_OR_RETURN(*schema, ReadSchema(c, parts[0], parts[1]));
  LS_ASSIGN_OR_RETURN(TableInfo t, TableTable().Get(c, schema->id, parts[2], full_name));
  PlaceIn(*schema, t);
  // The folder its registration checked: what a check of the table opens, as serving does.
  LS_ASSIGN_OR_RETURN(SqlRows keys,
                      c.Query("SELECT location_key FROM delta_tables WHERE id = ?", {t.id}));
  if (!keys.empty()) t.location_key = ToStr(keys.front()[0]);
  return t;
}

}  // namespace

Result<TableInfo> ReadTable(SqlConn& c, std::string_view full_name) {
  SchemaInfo schema;
  return ReadTableIn(c, full_name, &schema);
}

Result<std::map<std::string, TableInfo>> ReadTablesByName(
    SqlConn& c, const std::vector<std::string>& full_names) {
  // Looked up by their three name keys, in batches. The names are stored ones (a share's
  // objects), so no name rule: a table shared before a rule stays served.
  std::vector<std::vector<std::string>> keys;
  std::set<std::vector<std::string>> seen;
  for (const std::string& name : full_names) {
    std::optional<std::vector<std::string>> parts = SplitStoredFullName(name, 3);
    if (!parts) {
      continue;  // cannot name a table
    }
    for (std::string& p : *parts) {
      p = Key(p);
    }
    if (seen.insert(*parts).second) {
      keys.push_back(std::move(*parts));
    }
  }
  const EntityTable<TableInfo>& table = TableTable();
  std::map<std::string, TableInfo> out;
  for (const std::vector<SqlValue>& batch : KeyBatches(keys)) {
    LS_ASSIGN_OR_RETURN(
        SqlRows rows,
        c.Query("SELECT " + table.ColumnList("t") +
                    ", c.name, s.name, t.location_key FROM delta_tables t JOIN schemas s ON "
                    "t.schema_id = s.id "
                    "JOIN catalogs c ON s.catalog_id = c.id JOIN (VALUES " +
                    PlaceholderRows(batch.size() / 3, 3) +
                    ") AS k ON c.name_key = k.column1 AND s.name_key = k.column2 AND "
                    "t.name_key = k.column3",
                batch));
    for (const SqlRow& row : rows) {
      LS_ASSIGN_OR_RETURN(TableInfo t, table.FromRow(row));
      t.catalog_name = ToStr(row[table.width()]);
      t.schema_name = ToStr(row[table.width() + 1]);
      t.location_key = ToStr(row[table.width() + 2]);
      out.emplace(Key(t.full_name()), std::move(t));
    }
  }
  return out;
}

namespace {

/// The location rules of a table at `key` (governance.h): inside an external location, no
/// overlap with another table (but `table_id`).
Status CheckTablePlace(SqlConn& c, const std::string& key, const std::string& table_id,
                       std::string_view shown) {
  LS_ASSIGN_OR_RETURN(std::optional<ExternalLocationInfo> location, FindLocationContaining(c, key));
  if (!location) {
    return InvalidArgument(
        "storage_location '{}' lies inside no external location; a metastore admin creates one "
        "(external-locations) and grants CREATE_EXTERNAL_TABLE on it",
        shown);
  }
  return CheckNoTableOverlap(c, key, table_id, shown);
}

}  // namespace

Result<TableInfo> SqlCatalog::CreateTable(const TableInfo& in) {
  LS_RETURN_IF_ERROR(TableTable().ValidateName(in.name));
  if (in.storage_location.empty()) {
    return InvalidArgument("Table '{}' needs a storage_location", in.name);
  }
  LS_ASSIGN_OR_RETURN(std::string key, LegacyKeyOfLocation(in.storage_location));
  TableInfo out = in;
  Stamp(out);
  return Transact<TableInfo>(TxKind::kWrite, [&](SqlConn& c) -> Result<TableInfo> {
    LS_ASSIGN_OR_RETURN(SchemaInfo s, ReadSchema(c, in.catalog_name, in.schema_name));
    PlaceIn(s, out);
    LS_RETURN_IF_ERROR(TableTable().CheckAbsent(c, s.id, out.name, out.full_name()));
    if (!key.empty()) {
      LS_RETURN_IF_ERROR(CheckTablePlace(c, key, out.id, out.storage_location));
    }
    LS_RETURN_IF_ERROR(TableTable().Insert(c, s.id, out, out.full_name(), {{"location_key", key}}));
    return out;
  });
}

Result<TableInfo> SqlCatalog::GetTable(std::string_view full_name) {
  return Transact<TableInfo>(TxKind::kRead, [&](SqlConn& c) { return ReadTable(c, full_name); });
}

Result<Listing<TableInfo>> SqlCatalog::ListTables(std::string_view catalog, std::string_view schema,
                                                  const PageRequest& page) {
  SchemaInfo s;
  return ListIn<TableInfo>(
      TableTable(), page,
      [&](SqlConn& c) -> Result<std::string> {
        LS_ASSIGN_OR_RETURN(s, ReadSchema(c, catalog, schema));
        return s.id;
      },
      [&](SqlConn&, TableInfo& t) {
        PlaceIn(s, t);
        return OkStatus();
      });
}

Result<TableInfo> SqlCatalog::UpdateTable(std::string_view full_name, const TableUpdate& u) {
  if (u.storage_location && u.storage_location->empty()) {
    return InvalidArgument("storage_location must not be empty");
  }
  ExtraColumns extra;
  if (u.storage_location) {
    LS_ASSIGN_OR_RETURN(std::string key, LegacyKeyOfLocation(*u.storage_location));
    extra.emplace_back("location_key", key);
  }
  SchemaInfo s;
  auto read = [&](SqlConn& c) { return ReadTableIn(c, full_name, &s); };
  auto change = [&](SqlConn& c, TableInfo& out) -> Status {
    if (u.storage_location) {
      const std::string& key = std::get<std::string>(extra[0].second);
      if (!key.empty()) {
        LS_RETURN_IF_ERROR(CheckTablePlace(c, key, out.id, *u.storage_location));
      }
      out.storage_location = *u.storage_location;
    }
    return ApplyObjectUpdate(c, TableTable(), s.id, u, s.full_name() + ".", out);
  };
  return UpdateIn<TableInfo>(TableTable(), u.new_name, read, change, &extra);
}

Status SqlCatalog::DeleteTable(std::string_view full_name) {
  return DeleteIn<TableInfo>(TableTable(), [&](SqlConn& c) { return ReadTable(c, full_name); });
}

}  // namespace lakeshare::catalog
