// SqlCatalog: the one implementation of Catalog over a SqlDatabase (SQLite or PostgreSQL). Its
// methods are defined one file per entity: sql_settings.cc, sql_principals.cc, sql_catalogs.cc,
// sql_schemas.cc, sql_tables.cc, sql_shares.cc, sql_recipients.cc, sql_recipient_tokens.cc,
// sql_federation_policies.cc, sql_oauth_clients.cc, sql_grants.cc, sql_audit.cc; sql_catalog.cc
// holds the migrations and opening. The per-entity CRUD is written once in EntityTable
// (sql_entity_internal.h); the descriptions and readers below are what the files share.
// Thread-safety as in catalog.h.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/sql_entity_internal.h"

namespace lakeshare::catalog {

// ---- How each entity is stored, and how a file reads another's objects by name. ----

const EntityTable<Principal>& PrincipalTable();
const EntityTable<CatalogInfo>& CatalogTable();
const EntityTable<SchemaInfo>& SchemaTable();  // parent: catalog id
const EntityTable<TableInfo>& TableTable();    // parent: schema id
const EntityTable<ShareInfo>& ShareTable();
const EntityTable<RecipientInfo>& RecipientTable();

Result<Principal> ReadPrincipal(SqlConn& c, std::string_view name);
Result<CatalogInfo> ReadCatalog(SqlConn& c, std::string_view name);
Result<SchemaInfo> ReadSchema(SqlConn& c, std::string_view catalog, std::string_view name);
/// A schema by "catalog.schema".
Result<SchemaInfo> ReadSchemaByFullName(SqlConn& c, std::string_view full_name);
/// A table by "catalog.schema.table".
Result<TableInfo> ReadTable(SqlConn& c, std::string_view full_name);
/// The tables named by `full_names`, keyed by Key(full name); names that are no table are left
/// out. A fixed number of statements whatever the number of names.
Result<std::map<std::string, TableInfo>> ReadTablesByName(
    SqlConn& c, const std::vector<std::string>& full_names);
Result<ShareInfo> ReadShare(SqlConn& c, std::string_view name, bool include_objects);
/// The recipient with its properties.
Result<RecipientInfo> ReadRecipient(SqlConn& c, std::string_view name);
/// Delete every grant held by the grantee `id` of type `grantee_type` ("PRINCIPAL", ...).
Status DeleteGrantsTo(SqlConn& c, std::string_view grantee_type, const std::string& id);

class SqlCatalog final : public Catalog {
 public:
  explicit SqlCatalog(std::unique_ptr<SqlDatabase> db);

  /// Bring the schema to this build's version (sql_catalog.cc).
  Status Migrate();
  void SetClockForTest(std::function<int64_t()> now_ms) override;

  Result<MetastoreSettings> GetSettings() override;
  Result<MetastoreSettings> UpdateSettings(const MetastoreSettingsUpdate& update) override;
  Result<std::string> GetOrCreateServerSecret(std::string_view name,
                                              std::string_view candidate) override;

  Result<Principal> CreatePrincipal(const Principal& principal) override;
  Result<Principal> GetPrincipal(std::string_view name) override;
  Result<Listing<Principal>> ListPrincipals(const PageRequest& page) override;
  Result<Principal> UpdatePrincipal(std::string_view name, const PrincipalUpdate& update) override;
  Status DeletePrincipal(std::string_view name) override;
  Result<PrincipalToken> AddPrincipalToken(std::string_view principal, std::string_view token,
                                           std::optional<int64_t> expires_at,
                                           std::string_view comment) override;
  Result<std::vector<PrincipalToken>> ListPrincipalTokens(std::string_view principal) override;
  Status RevokePrincipalToken(std::string_view token_id) override;
  Result<Principal> AuthenticatePrincipal(std::string_view token) override;

  Result<CatalogInfo> CreateCatalog(const CatalogInfo& info) override;
  Result<CatalogInfo> GetCatalog(std::string_view name) override;
  Result<Listing<CatalogInfo>> ListCatalogs(const PageRequest& page) override;
  Result<CatalogInfo> UpdateCatalog(std::string_view name, const ObjectUpdate& update) override;
  Status DeleteCatalog(std::string_view name, bool force) override;

  Result<SchemaInfo> CreateSchema(const SchemaInfo& info) override;
  Result<SchemaInfo> GetSchema(std::string_view catalog, std::string_view name) override;
  Result<Listing<SchemaInfo>> ListSchemas(std::string_view catalog,
                                          const PageRequest& page) override;
  Result<SchemaInfo> UpdateSchema(std::string_view catalog, std::string_view name,
                                  const ObjectUpdate& update) override;
  Status DeleteSchema(std::string_view catalog, std::string_view name, bool force) override;

  Result<TableInfo> CreateTable(const TableInfo& info) override;
  Result<TableInfo> GetTable(std::string_view full_name) override;
  Result<Listing<TableInfo>> ListTables(std::string_view catalog, std::string_view schema,
                                        const PageRequest& page) override;
  Result<TableInfo> UpdateTable(std::string_view full_name, const TableUpdate& update) override;
  Status DeleteTable(std::string_view full_name) override;

  Result<ShareInfo> CreateShare(const ShareInfo& info) override;
  Result<ShareInfo> GetShare(std::string_view name, bool include_shared_data) override;
  Result<std::vector<ShareContents>> GetSharesWithTables(
      const std::vector<std::string>& names) override;
  Result<Listing<ShareInfo>> ListShares(const PageRequest& page) override;
  Result<ShareInfo> UpdateShare(std::string_view name, const ObjectUpdate& update,
                                const std::vector<SharedObjectChange>& changes,
                                std::string_view updated_by) override;
  Status DeleteShare(std::string_view name) override;

  Result<RecipientInfo> CreateRecipient(const RecipientInfo& info) override;
  Result<RecipientInfo> GetRecipient(std::string_view name) override;
  Result<Listing<RecipientInfo>> ListRecipients(const PageRequest& page) override;
  Result<RecipientInfo> UpdateRecipient(std::string_view name,
                                        const RecipientUpdate& update) override;
  Status DeleteRecipient(std::string_view name) override;

  Result<RecipientToken> AddRecipientToken(std::string_view recipient, std::string_view token,
                                           std::optional<int64_t> expires_at,
                                           std::string_view created_by) override;
  Result<RecipientToken> RotateRecipientToken(std::string_view recipient,
                                              std::string_view new_token,
                                              std::optional<int64_t> new_expires_at,
                                              int64_t existing_expire_in_seconds,
                                              std::string_view created_by) override;
  Status RevokeRecipientTokens(std::string_view recipient) override;
  Result<std::vector<RecipientToken>> ListRecipientTokens(std::string_view recipient) override;
  Result<RecipientAuth> AuthenticateRecipient(std::string_view token) override;

  Result<ActivationLink> CreateActivationLink(std::string_view recipient,
                                              std::string_view link_token,
                                              int64_t expires_at) override;
  Result<ActivationLink> GetActivationLink(std::string_view link_token) override;
  Result<std::vector<ActivationLink>> ListPendingActivationLinks(
      std::string_view recipient) override;
  Result<Activation> RedeemActivationLink(std::string_view link_token,
                                          std::string_view bearer_token,
                                          std::optional<int64_t> token_expires_at) override;
  Result<ActivationLink> RotateRecipientActivation(std::string_view recipient,
                                                   std::string_view link_token,
                                                   int64_t link_expires_at,
                                                   int64_t existing_expire_in_seconds) override;

  Result<FederationPolicy> CreateFederationPolicy(std::string_view recipient,
                                                  const FederationPolicy& policy) override;
  Result<FederationPolicy> GetFederationPolicy(std::string_view recipient,
                                               std::string_view name) override;
  Result<Listing<FederationPolicy>> ListFederationPolicies(std::string_view recipient,
                                                          const PageRequest& page) override;
  Status DeleteFederationPolicy(std::string_view recipient, std::string_view name) override;
  Result<std::vector<FederatedRecipientPolicy>> FindFederationPolicies(
      std::string_view issuer) override;

  Result<RecipientInfo> GetRecipientById(std::string_view id) override;
  Status SetRecipientClientKeys(std::string_view recipient, std::string_view jwks) override;
  Result<std::string> GetRecipientClientKeys(std::string_view recipient) override;

  Result<std::vector<PrivilegeAssignment>> UpdatePermissions(
      SecurableType type, std::string_view full_name,
      const std::vector<PermissionsChange>& changes) override;
  Result<std::vector<PrivilegeAssignment>> GetPermissions(SecurableType type,
                                                          std::string_view full_name) override;
  Result<std::vector<ShareGrant>> ListRecipientShareGrants(std::string_view recipient) override;
  Result<bool> HasPrivilege(std::string_view principal, SecurableType type,
                            std::string_view full_name, Privilege privilege) override;

  Status AppendAuditEvents(std::span<const AuditEvent> events) override;
  Result<Listing<AuditEvent>> QueryAuditEvents(const AuditQuery& query) override;
  Result<int64_t> DeleteAuditEvents(std::span<const int64_t> ids) override;

 private:
  int64_t Now() const { return clock_(); }

  /// Run `fn` in one transaction of `kind` (every transaction of the catalog goes through here).
  Status Run(TxKind kind, const std::function<Status(SqlConn&)>& fn);
  /// Run `fn` (SqlConn& -> Result<T>) in one transaction of `kind` and return its value.
  template <typename T, typename Fn>
  Result<T> Transact(TxKind kind, Fn&& fn) {
    T out{};
    LS_RETURN_IF_ERROR(Run(kind, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(out, fn(c));
      return OkStatus();
    }));
    return out;
  }
  /// One page of the objects of `table`. A child table (schemas, tables) names its parent's id
  /// with `parent_id` (run in the same transaction) and fills what a row does not hold (e.g. the
  /// catalog name) with `fill`; both are null for a top-level table.
  template <typename T>
  Result<Listing<T>> ListIn(const EntityTable<T>& table, const PageRequest& page,
                            const std::function<Result<std::string>(SqlConn&)>& parent_id = {},
                            const std::function<void(T&)>& fill = {}) {
    LS_ASSIGN_OR_RETURN(PageBounds b, ParsePage(page));
    return Transact<Listing<T>>(TxKind::kRead, [&](SqlConn& c) -> Result<Listing<T>> {
      std::string parent;
      if (parent_id) {
        LS_ASSIGN_OR_RETURN(parent, parent_id(c));
      }
      LS_ASSIGN_OR_RETURN(Listing<T> out, table.List(c, parent, b));
      for (T& item : out.items) {
        if (fill) {
          fill(item);
        }
      }
      return out;
    });
  }

  /// Give `obj` a fresh id, and created_at = updated_at = now.
  template <typename T>
  void Stamp(T& obj) const {
    obj.id = NewUuid();
    obj.created_at = obj.updated_at = Now();
  }
  /// Create the top-level object `obj` (name checked, id and times stamped); `also` (may be
  /// null) writes what belongs with it in the same transaction.
  template <typename T>
  Result<T> CreateTopLevel(const EntityTable<T>& table, T obj,
                           const std::function<Status(SqlConn&, const T&)>& also = {}) {
    LS_RETURN_IF_ERROR(table.ValidateName(obj.name));
    Stamp(obj);
    return Transact<T>(TxKind::kWrite, [&](SqlConn& c) -> Result<T> {
      LS_RETURN_IF_ERROR(table.Insert(c, "", obj, obj.name));
      if (also) {
        LS_RETURN_IF_ERROR(also(c, obj));
      }
      return obj;
    });
  }

  /// Update an object: read it with `read`, change it with `change`, stamp updated_at and write
  /// it back, in one transaction; `new_name`, when set, is checked first.
  template <typename T>
  Result<T> UpdateIn(const EntityTable<T>& table, const std::optional<std::string>& new_name,
                     const std::function<Result<T>(SqlConn&)>& read,
                     const std::function<Status(SqlConn&, T&)>& change) {
    if (new_name) {
      LS_RETURN_IF_ERROR(table.ValidateName(*new_name));
    }
    return Transact<T>(TxKind::kWrite, [&](SqlConn& c) -> Result<T> {
      LS_ASSIGN_OR_RETURN(T out, read(c));
      LS_RETURN_IF_ERROR(change(c, out));
      out.updated_at = Now();
      LS_RETURN_IF_ERROR(table.Update(c, out));
      return out;
    });
  }
  /// Delete the object `read` finds, after `before` (may be null) ran on it, in one transaction.
  template <typename T>
  Status DeleteIn(const EntityTable<T>& table, const std::function<Result<T>(SqlConn&)>& read,
                  const std::function<Status(SqlConn&, const T&)>& before = {}) {
    return Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(T obj, read(c));
      if (before) {
        LS_RETURN_IF_ERROR(before(c, obj));
      }
      return table.Delete(c, obj.id);
    });
  }

  // sql_recipient_tokens.cc: add a token, after shortening the live ones when rotating.
  Result<RecipientToken> RotateOrAdd(std::string_view recipient, std::string_view token,
                                     std::optional<int64_t> expires_at,
                                     std::optional<int64_t> existing_expire_in_seconds,
                                     std::string_view created_by);
  Result<RecipientToken> InsertToken(SqlConn& c, const RecipientInfo& r, std::string_view token,
                                     std::optional<int64_t> expires_at,
                                     std::string_view created_by);

  std::unique_ptr<SqlDatabase> db_;
  std::function<int64_t()> clock_;
};

}  // namespace lakeshare::catalog
