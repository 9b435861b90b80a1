// Catalogs: the top of the catalog -> schema -> table hierarchy.
#include "catalog/sql_catalog_impl.h"

namespace lakeshare::catalog {

const EntityTable<CatalogInfo>& CatalogTable() {
  static const auto* const kTable = new EntityTable<CatalogInfo>({
      .resource = ResourceKind::kCatalog,
      .table = "catalogs",
      .securable = "CATALOG",
  });
  return *kTable;
}

Result<CatalogInfo> ReadCatalog(SqlConn& c, std::string_view name) {
  return CatalogTable().Get(c, "", name, name);
}

Result<CatalogInfo> SqlCatalog::CreateCatalog(const CatalogInfo& in) {
  return CreateTopLevel(CatalogTable(), in);
}

Result<CatalogInfo> SqlCatalog::GetCatalog(std::string_view name) {
  return Transact<CatalogInfo>(TxKind::kRead, [&](SqlConn& c) { return ReadCatalog(c, name); });
}

Result<Listing<CatalogInfo>> SqlCatalog::ListCatalogs(const PageRequest& page) {
  return ListIn(CatalogTable(), page);
}

Result<CatalogInfo> SqlCatalog::UpdateCatalog(std::string_view name, const ObjectUpdate& u) {
  return UpdateIn<CatalogInfo>(
      CatalogTable(), u.new_name, [&](SqlConn& c) { return ReadCatalog(c, name); },
      [&](SqlConn& c, CatalogInfo& out) {
        return ApplyObjectUpdate(c, CatalogTable(), "", u, "", out);
      });
}

Status SqlCatalog::DeleteCatalog(std::string_view name, bool force) {
  auto read = [&](SqlConn& c) { return ReadCatalog(c, name); };
  return DeleteIn<CatalogInfo>(
      CatalogTable(), read, [&](SqlConn& c, const CatalogInfo& cat) -> Status {
        LS_ASSIGN_OR_RETURN(
            SqlRows rows, c.Query("SELECT 1 FROM schemas WHERE catalog_id = ? LIMIT 1", {cat.id}));
        if (!rows.empty() && !force) {
          return InvalidArgument("Catalog '{}' is not empty; delete its schemas or use force",
                                 cat.name);
        }
        // The schemas and tables go by ON DELETE CASCADE; their grants are deleted here.
        LS_RETURN_IF_ERROR(c.Exec(
            "DELETE FROM grants WHERE securable_type = 'TABLE' AND securable_id IN (SELECT t.id "
            "FROM delta_tables t JOIN schemas s ON t.schema_id = s.id WHERE s.catalog_id = ?)",
            {cat.id}));
        LS_RETURN_IF_ERROR(c.Exec(
            "DELETE FROM grants WHERE securable_type = 'SCHEMA' AND securable_id IN (SELECT id "
            "FROM schemas WHERE catalog_id = ?)",
            {cat.id}));
        return OkStatus();
      });
}

}  // namespace lakeshare::catalog
