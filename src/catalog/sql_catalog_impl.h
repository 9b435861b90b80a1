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
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/secret_box.h"
#include "catalog/sql_entity_internal.h"
#include "common/mutex.h"
#include "common/thread_annotations.h"

namespace lakeshare::catalog {

// ---- How each entity is stored, and how a file reads another's objects by name. ----

const EntityTable<Principal>& PrincipalTable();
const EntityTable<CatalogInfo>& CatalogTable();
const EntityTable<SchemaInfo>& SchemaTable();  // parent: catalog id
const EntityTable<TableInfo>& TableTable();    // parent: schema id
const EntityTable<ShareInfo>& ShareTable();
const EntityTable<RecipientInfo>& RecipientTable();
const EntityTable<StorageCredentialInfo>& StorageCredentialTable();
const EntityTable<ExternalLocationInfo>& ExternalLocationTable();
const EntityTable<GroupInfo>& GroupTable();
const EntityTable<FederationPolicy>& PolicyTable();  // parent: recipient id

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
/// ReadRecipient, kInvalidArgument unless it authenticates with `type` ("<what> belong to ...").
Result<RecipientInfo> ReadRecipientOfType(SqlConn& c, std::string_view name, std::string_view type,
                                          std::string_view what, std::string_view type_shown);
Result<StorageCredentialInfo> ReadStorageCredential(SqlConn& c, std::string_view name);
Result<ExternalLocationInfo> ReadExternalLocation(SqlConn& c, std::string_view name);
Result<GroupInfo> ReadGroup(SqlConn& c, std::string_view name);
/// The names of the groups principal `id` belongs to, sorted by name key.
Result<std::vector<std::string>> ReadGroupsOf(SqlConn& c, const std::string& principal_id);
/// A principal (with its groups) or a group, resolved once to check many securables.
struct Grantee {
  std::string id;  // "" when the name is neither a principal nor a group
  bool is_principal = false;
  bool is_admin = false;
  std::set<std::string> owner_keys;  // its own name key, and its groups' for a principal
};
Result<Grantee> ResolveGrantee(SqlConn& c, std::string_view name);
/// The schemas and catalogs read while checking many tables in one transaction, by name key.
struct ParentsRead {
  std::map<std::string, SchemaInfo> schemas;
  std::map<std::string, CatalogInfo> catalogs;
};
/// Whether `g` holds `privilege` on table `t`: it owns the table, its schema or its catalog, or
/// was granted the privilege on one of them (an admin always). One grants query per table once
/// its parents are in `parents`.
Result<bool> GranteeHoldsOnTable(SqlConn& c, const Grantee& g, const TableInfo& t,
                                 Privilege privilege, ParentsRead& parents);
/// kAlreadyExists when `name` is taken by a principal or a group (they share one namespace).
Status CheckGranteeNameFree(SqlConn& c, std::string_view name);

// ---- Locations, compared by key: the canonical URI ending in '/', so that "contains" is "is a
// prefix of" (sql_external_locations.cc). ----

/// The key of a canonical location.
std::string LocationKeyOf(std::string canonical);
/// The external location whose key is a prefix of `key` (at most one: locations never overlap).
Result<std::optional<ExternalLocationInfo>> FindLocationContaining(SqlConn& c,
                                                                   const std::string& key);
/// kInvalidArgument when a registered table other than `table_id` overlaps `key`.
Status CheckNoTableOverlap(SqlConn& c, const std::string& key, const std::string& table_id,
                           std::string_view shown);

/// Delete every grant held by the grantee `id` of type `grantee_type` ("PRINCIPAL", ...).
Status DeleteGrantsTo(SqlConn& c, std::string_view grantee_type, const std::string& id);

class SqlCatalog final : public Catalog {
 public:
  SqlCatalog(std::unique_ptr<SqlDatabase> db, const Clock& clock)
      : db_(std::move(db)), clock_(clock) {}

  /// Bring the schema to this build's version (sql_catalog.cc).
  Status Migrate();

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
  Result<PrincipalToken> AddChosenPrincipalToken(std::string_view principal,
                                                 std::string_view token,
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
  Result<std::map<std::string, RecipientSecrets>> ListRecipientSecrets(
      const std::vector<std::string>& recipient_ids) override;
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

  Status SetLocationPolicy(LocationPolicy policy) override;
  void SetSecretKey(std::string_view server_secret) override;
  Result<StorageCredentialInfo> CreateStorageCredential(const StorageCredentialInfo& info) override;
  Result<StorageCredentialInfo> GetStorageCredential(std::string_view name) override;
  Result<Listing<StorageCredentialInfo>> ListStorageCredentials(const PageRequest& page) override;
  Result<StorageCredentialInfo> UpdateStorageCredential(
      std::string_view name, const StorageCredentialUpdate& update) override;
  Status DeleteStorageCredential(std::string_view name) override;
  Result<ExternalLocationInfo> CreateExternalLocation(const ExternalLocationInfo& info) override;
  Result<ExternalLocationInfo> GetExternalLocation(std::string_view name) override;
  Result<Listing<ExternalLocationInfo>> ListExternalLocations(const PageRequest& page) override;
  Result<ExternalLocationInfo> UpdateExternalLocation(
      std::string_view name, const ExternalLocationUpdate& update) override;
  Status DeleteExternalLocation(std::string_view name, bool force) override;
  Result<std::optional<ExternalLocationInfo>> FindExternalLocation(
      std::string_view location) override;
  Result<StorageAccess> ResolveStorageAccess(std::string_view location) override;
  Result<std::vector<std::string>> AdoptTableLocations() override;
  Result<GroupInfo> CreateGroup(const GroupInfo& info) override;
  Result<GroupInfo> GetGroup(std::string_view name) override;
  Result<Listing<GroupInfo>> ListGroups(const PageRequest& page) override;
  Result<GroupInfo> UpdateGroup(std::string_view name, const GroupUpdate& update) override;
  Status DeleteGroup(std::string_view name) override;

  Status AppendAuditEvents(std::span<const AuditEvent> events) override;
  Status FinishAuditEvent(int64_t id, const AuditEvent& event) override;
  Result<Listing<AuditEvent>> QueryAuditEvents(const AuditQuery& query) override;
  Result<int64_t> DeleteAuditEvents(std::span<const int64_t> ids) override;

 private:
  /// The wall clock (ms since the epoch) of stamps and expiry.
  int64_t Now() const { return clock_.NowMs(); }

  /// Run `fn` in one transaction of `kind` (every transaction of the catalog goes through here);
  /// the first write of a request in an AuditScope also commits its event (sql_audit.cc).
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
  /// with `parent_id` (null for a top-level table); `fill` (may be null) fills in what a row does
  /// not hold (the catalog name, a group's members); both run in the same transaction.
  template <typename T>
  Result<Listing<T>> ListIn(const EntityTable<T>& table, const PageRequest& page,
                            const std::function<Result<std::string>(SqlConn&)>& parent_id = {},
                            const std::function<Status(SqlConn&, T&)>& fill = {}) {
    LS_ASSIGN_OR_RETURN(PageBounds b, ParsePage(page));
    return Transact<Listing<T>>(TxKind::kRead, [&](SqlConn& c) -> Result<Listing<T>> {
      std::string parent;
      if (parent_id) {
        LS_ASSIGN_OR_RETURN(parent, parent_id(c));
      }
      LS_ASSIGN_OR_RETURN(Listing<T> out, table.List(c, parent, b));
      for (T& item : out.items) {
        if (fill) {
          LS_RETURN_IF_ERROR(fill(c, item));
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
                           const std::function<Status(SqlConn&, T&)>& also = {}) {
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
  /// `change` may fill `*extra` (when given) with columns to write beside the object's.
  template <typename T>
  Result<T> UpdateIn(const EntityTable<T>& table, const std::optional<std::string>& new_name,
                     const std::function<Result<T>(SqlConn&)>& read,
                     const std::function<Status(SqlConn&, T&)>& change,
                     const ExtraColumns* extra = nullptr) {
    if (new_name) {
      LS_RETURN_IF_ERROR(table.ValidateName(*new_name));
    }
    return Transact<T>(TxKind::kWrite, [&](SqlConn& c) -> Result<T> {
      LS_ASSIGN_OR_RETURN(T out, read(c));
      LS_RETURN_IF_ERROR(change(c, out));
      out.updated_at = Now();
      LS_RETURN_IF_ERROR(table.Update(c, out, extra != nullptr ? *extra : ExtraColumns{}));
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

  /// The key of `location` under the location policy (kInternal without one).
  Result<std::string> KeyOfLocation(std::string_view location) const;
  /// TODO(catalog): interim, until `lakeshare serve` sets the policy together with the external
  /// location API: without a policy, tables are registered as before (key "", no location rules,
  /// adopted at the first start with a policy). Remove with that change.
  Result<std::string> LegacyKeyOfLocation(std::string_view location) const {
    return canonicalize_ ? KeyOfLocation(location) : Result<std::string>(std::string());
  }
  /// kInvalidArgument when the location `key` contains a protected location or lies inside one.
  Status CheckNotProtected(const std::string& key, std::string_view shown) const;
  /// The rules of a new or moved external location: no overlap with another (but `self_id`),
  /// no protected location inside; kInvalidArgument when it breaks one, the metastore's own
  /// error when the check cannot be made.
  Status CheckLocationPlace(SqlConn& c, const std::string& key, const std::string& self_id,
                            std::string_view shown) const;
  /// The id of credential `name` ("" for none), checked to exist.
  static Result<std::string> CredentialIdOf(SqlConn& c, std::string_view name);
  /// The stored form of a credential's secret parts, sealed for row `id`.
  std::string SealCredential(const AwsCredential& aws, const std::string& id) const;

  // sql_principals.cc: tokens stored with HashToken / HashChosenToken.
  Result<PrincipalToken> InsertPrincipalToken(std::string_view principal, std::string stored_hash,
                                              std::optional<int64_t> expires_at,
                                              std::string_view comment);
  /// Whether `stored` (HashChosenToken) was made from `token` (whose HashToken is `fast`):
  /// answered from verified_chosen_ when this process verified it before, else the slow hash.
  bool ChosenTokenVerified(const std::string& fast, const std::string& stored,
                           std::string_view token) LS_EXCLUDES(verified_chosen_mu_);

  std::unique_ptr<SqlDatabase> db_;
  const Clock& clock_;
  std::function<Result<std::string>(std::string_view)> canonicalize_;  // set once, before use
  std::vector<std::string> protected_keys_;                            // set once, before use
  SecretBox secrets_;                                                  // set once, before use
  // Chosen tokens this process has verified, as HashToken(token) + stored record, so the slow
  // hash runs once per token and process, not per request (a SHA-256 in memory is what used to
  // be stored on disk). Bounded: cleared when full.
  Mutex verified_chosen_mu_;
  std::set<std::string> verified_chosen_ LS_GUARDED_BY(verified_chosen_mu_);
};

}  // namespace lakeshare::catalog
