// Schemas: named within their catalog (the row holds the catalog's id; SchemaInfo carries its
// name, filled from the catalog the lookup went through).
#include "catalog/sql_catalog_impl.h"

namespace lakeshare::catalog {

const EntityTable<SchemaInfo>& SchemaTable() {
  static const auto* const kTable = new EntityTable<SchemaInfo>({
      .resource = ResourceKind::kSchema,
      .table = "schemas",
      .parent_column = "catalog_id",
      .securable = "SCHEMA",
  });
  return *kTable;
}

namespace {

/// Look the schema up in `cat` (whose id and name it takes).
Result<SchemaInfo> ReadSchemaIn(SqlConn& c, const CatalogInfo& cat, std::string_view name) {
  LS_ASSIGN_OR_RETURN(SchemaInfo s,
                      SchemaTable().Get(c, cat.id, name, cat.name + "." + std::string(name)));
  s.catalog_name = cat.name;
  return s;
}

}  // namespace

Result<SchemaInfo> ReadSchema(SqlConn& c, std::string_view catalog, std::string_view name) {
  LS_ASSIGN_OR_RETURN(CatalogInfo cat, ReadCatalog(c, catalog));
  return ReadSchemaIn(c, cat, name);
}

Result<SchemaInfo> ReadSchemaByFullName(SqlConn& c, std::string_view full_name) {
  LS_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitFullName("schema", full_name, 2));
  return ReadSchema(c, parts[0], parts[1]);
}

Result<SchemaInfo> SqlCatalog::CreateSchema(const SchemaInfo& in) {
  LS_RETURN_IF_ERROR(SchemaTable().ValidateName(in.name));
  SchemaInfo out = in;
  Stamp(out);
  return Transact<SchemaInfo>(TxKind::kWrite, [&](SqlConn& c) -> Result<SchemaInfo> {
    LS_ASSIGN_OR_RETURN(CatalogInfo cat, ReadCatalog(c, in.catalog_name));
    out.catalog_name = cat.name;
    LS_RETURN_IF_ERROR(SchemaTable().Insert(c, cat.id, out, out.full_name()));
    return out;
  });
}

Result<SchemaInfo> SqlCatalog::GetSchema(std::string_view catalog, std::string_view name) {
  return Transact<SchemaInfo>(TxKind::kRead,
                              [&](SqlConn& c) { return ReadSchema(c, catalog, name); });
}

Result<Listing<SchemaInfo>> SqlCatalog::ListSchemas(std::string_view catalog,
                                                    const PageRequest& page) {
  CatalogInfo cat;
  return ListIn<SchemaInfo>(
      SchemaTable(), page,
      [&](SqlConn& c) -> Result<std::string> {
        LS_ASSIGN_OR_RETURN(cat, ReadCatalog(c, catalog));
        return cat.id;
      },
      [&](SqlConn&, SchemaInfo& s) {
        s.catalog_name = cat.name;
        return OkStatus();
      });
}

Result<SchemaInfo> SqlCatalog::UpdateSchema(std::string_view catalog, std::string_view name,
                                            const ObjectUpdate& u) {
  CatalogInfo cat;
  auto read = [&](SqlConn& c) -> Result<SchemaInfo> {
    LS_ASSIGN_OR_RETURN(cat, ReadCatalog(c, catalog));
    return ReadSchemaIn(c, cat, name);
  };
  return UpdateIn<SchemaInfo>(SchemaTable(), u.new_name, read, [&](SqlConn& c, SchemaInfo& out) {
    return ApplyObjectUpdate(c, SchemaTable(), cat.id, u, cat.name + ".", out);
  });
}

Status SqlCatalog::DeleteSchema(std::string_view catalog, std::string_view name, bool force) {
  auto read = [&](SqlConn& c) { return ReadSchema(c, catalog, name); };
  return DeleteIn<SchemaInfo>(SchemaTable(), read, [&](SqlConn& c, const SchemaInfo& s) -> Status {
    LS_ASSIGN_OR_RETURN(SqlRows rows,
                        c.Query("SELECT 1 FROM delta_tables WHERE schema_id = ? LIMIT 1", {s.id}));
    if (!rows.empty() && !force) {
      return InvalidArgument("Schema '{}' is not empty; delete its tables or use force",
                             s.full_name());
    }
    // The tables go by ON DELETE CASCADE; their grants are deleted here.
    LS_RETURN_IF_ERROR(
        c.Exec("DELETE FROM grants WHERE securable_type = 'TABLE' AND securable_id IN (SELECT id "
               "FROM delta_tables WHERE schema_id = ?)",
               {s.id}));
    return OkStatus();
  });
}

}  // namespace lakeshare::catalog
