// Catalog: the metastore behind the governance plane (DESIGN.md, issue 5). It holds metastore
// settings, principals and their API tokens, catalogs -> schemas -> EXTERNAL Delta tables, shares
// with their shared data objects, recipients with tokens and activation links, Unity-Catalog-style
// grants, and audit events. Two implementations share one behaviour: SqliteCatalog (embedded
// default) and PostgresCatalog (scale-out); OpenCatalog() picks one from a path or URL.
//
// Secrets: every method taking a token takes the plain token, hashes it with SHA-256 and stores or
// looks up only the hash; plain tokens are never stored. Names are looked up case-insensitively
// (stored as given). Lists are ordered by lower-cased name and paged with an opaque page token.
//
// Thread-safety: every method of a Catalog is safe to call concurrently from many threads (and,
// on PostgreSQL, from many processes); each write is one transaction.
//
// Time: the catalog reads the wall clock only through the Clock of its CatalogOptions (created
// and updated stamps, token, link and recipient expiry); tests hand in a ManualClock.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/federation.h"
#include "catalog/governance.h"
#include "common/clock.h"
#include "common/result.h"

namespace lakeshare::catalog {

/// Ask for one page of a list. max_results 0 means "everything"; negative is kInvalidArgument.
struct PageRequest {
  int64_t max_results = 0;
  std::string page_token;  // empty for the first page; else a previous next_page_token
};

template <typename T>
struct Listing {
  std::vector<T> items;
  std::string next_page_token;  // empty when this was the last page
};

// ---- Settings and principals -------------------------------------------------------------

struct MetastoreSettings {
  std::string organization_name;
  /// delta_sharing_recipient_token_lifetime_in_seconds; 0 = tokens do not expire.
  int64_t recipient_token_lifetime_seconds = 0;
};

struct MetastoreSettingsUpdate {
  std::optional<std::string> organization_name;
  std::optional<int64_t> recipient_token_lifetime_seconds;
};

/// A metastore user: the metastore admin(s) and team members.
struct Principal {
  std::string id;  // stable UUID
  std::string name;
  bool is_admin = false;
  std::string comment;
  int64_t created_at = 0;  // ms since the epoch, UTC
  int64_t updated_at = 0;
  /// The groups the principal belongs to (names, sorted by name key); filled by
  /// GetPrincipal and AuthenticatePrincipal.
  std::vector<std::string> groups;
};

struct PrincipalUpdate {
  std::optional<std::string> new_name;
  std::optional<bool> is_admin;
  std::optional<std::string> comment;
};

/// An API token of a principal; only its SHA-256 hash is kept.
struct PrincipalToken {
  std::string id;
  std::string principal_name;
  std::string comment;
  int64_t created_at = 0;
  std::optional<int64_t> expires_at;
  std::optional<int64_t> revoked_at;
};

// ---- Catalogs, schemas, tables -------------------------------------------------------------

struct CatalogInfo {
  std::string id;
  std::string name;
  std::string owner;
  std::string comment;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct SchemaInfo {
  std::string id;
  std::string catalog_name;
  std::string name;
  std::string owner;
  std::string comment;
  int64_t created_at = 0;
  int64_t updated_at = 0;

  std::string full_name() const { return catalog_name + "." + name; }
};

/// An EXTERNAL Delta table registered by location; its schema and stats come from the log.
struct TableInfo {
  std::string id;
  std::string catalog_name;
  std::string schema_name;
  std::string name;
  std::string storage_location;
  std::string owner;
  std::string comment;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  /// The canonical location the registration rules were checked against (symlinks of a local
  /// path resolved then), with a trailing '/'; "" for a table never checked. Filled by GetTable
  /// and GetSharesWithTables: the sharing server serves exactly that folder, and the management
  /// API's table checks read it (sharing/registered_store.h); listings leave it empty.
  std::string location_key;

  std::string full_name() const { return catalog_name + "." + schema_name + "." + name; }
  static constexpr std::string_view kTableType = "EXTERNAL";
  static constexpr std::string_view kDataSourceFormat = "DELTA";
};

/// Rename / re-own / re-comment a catalog, schema or share; unset fields are kept.
struct ObjectUpdate {
  std::optional<std::string> new_name;
  std::optional<std::string> owner;
  std::optional<std::string> comment;
};

struct TableUpdate {
  std::optional<std::string> new_name;
  std::optional<std::string> owner;
  std::optional<std::string> comment;
  std::optional<std::string> storage_location;
};

// ---- Shares ------------------------------------------------------------------------------

/// A table in a share (Unity Catalog SharedDataObject, data_object_type TABLE).
struct SharedDataObject {
  std::string name;       // "catalog.schema.table"
  std::string shared_as;  // "schema.table"; defaults to the last two parts of name
  std::string comment;
  std::string history_data_sharing_status = "DISABLED";  // ENABLED | DISABLED
  bool cdf_enabled = false;
  std::optional<int64_t> start_version;
  std::string partitions_json;    // UC `partitions` array as JSON text; empty = no filter
  /// Lakeshare extension (issue 11): {"row_filter": "<predicate JSON>", "columns": [...],
  /// "column_masks": {...}} as JSON text, enforced per recipient by materialized files; empty =
  /// the whole table. Validated by the management API; the catalog stores it as it is.
  std::string recipient_view_json;
  std::string status = "ACTIVE";  // ACTIVE | PERMISSION_DENIED
  int64_t added_at = 0;
  std::string added_by;
};

struct ShareInfo {
  std::string id;  // stable UUID
  std::string name;
  std::string owner;
  std::string comment;
  int64_t created_at = 0;
  std::string created_by;
  int64_t updated_at = 0;
  std::string updated_by;
  std::vector<SharedDataObject> objects;  // filled only when asked for
};

/// A share with its objects and the table each object names.
struct ShareContents {
  ShareInfo share;  // with its objects
  /// Parallel to share.objects: the table the object names, nullopt when it was dropped since.
  std::vector<std::optional<TableInfo>> tables;
};

struct SharedObjectChange {
  enum class Action { kAdd, kRemove, kUpdate };
  Action action = Action::kAdd;
  SharedDataObject object;  // for kRemove only `name` (or `shared_as`) matters
};

// ---- Recipients, tokens, activation links --------------------------------------------------

struct RecipientInfo {
  std::string id;  // stable UUID
  std::string name;
  std::string authentication_type = "TOKEN";  // TOKEN | OIDC
  std::string owner;
  std::string comment;
  std::vector<std::string> ip_access_list;        // IPs and CIDR ranges, as given
  std::map<std::string, std::string> properties;  // properties_kvpairs
  std::optional<int64_t> expiration_time;         // ms; tokens stop working after it
  int64_t created_at = 0;
  std::string created_by;
  int64_t updated_at = 0;
  std::string updated_by;
};

struct RecipientUpdate {
  std::optional<std::string> new_name;
  std::optional<std::string> owner;
  std::optional<std::string> comment;
  std::optional<std::vector<std::string>> ip_access_list;
  std::optional<std::map<std::string, std::string>> properties;
  std::optional<std::optional<int64_t>> expiration_time;  // set to nullopt inside to clear
  std::string updated_by;
};

struct RecipientToken {
  std::string id;
  std::string recipient_name;
  int64_t created_at = 0;
  std::string created_by;
  std::optional<int64_t> expires_at;
  std::optional<int64_t> revoked_at;

  /// Whether the token authenticates at `now_ms` (not revoked, not expired).
  bool IsLive(int64_t now_ms) const { return !revoked_at && (!expires_at || *expires_at > now_ms); }
};

struct RecipientAuth {
  RecipientInfo recipient;
  RecipientToken token;
};

struct ActivationLink {
  std::string recipient_name;
  int64_t created_at = 0;
  int64_t expires_at = 0;
  std::optional<int64_t> used_at;
  // "link-" and a prefix of the link's stored hash: names an issued link in listings (never
  // enough to redeem it).
  std::string id;
};

/// A recipient's tokens and pending activation links (Catalog::ListRecipientSecrets).
struct RecipientSecrets {
  std::vector<RecipientToken> tokens;         // as ListRecipientTokens
  std::vector<ActivationLink> pending_links;  // as ListPendingActivationLinks
};

/// The result of redeeming an activation link: the freshly stored bearer token.
struct Activation {
  RecipientInfo recipient;
  RecipientToken token;
};

// ---- Ownership and privileges --------------------------------------------------------------

enum class SecurableType {
  kMetastore,
  kCatalog,
  kSchema,
  kTable,
  kShare,
  kExternalLocation,
  kStorageCredential,
};

enum class Privilege {
  kCreateCatalog,
  kCreateShare,
  kCreateRecipient,
  kUseShare,
  kUseRecipient,
  kSetSharePermission,
  kUseCatalog,
  kUseSchema,
  kSelect,
  kCreateExternalLocation,   // on the metastore or a storage credential
  kCreateStorageCredential,  // on the metastore
  kCreateExternalTable,      // on an external location: register tables inside it
};

std::string_view SecurableTypeName(SecurableType type);
Result<SecurableType> ParseSecurableType(std::string_view text);
std::string_view PrivilegeName(Privilege privilege);  // "CREATE_SHARE", "SELECT", ...
Result<Privilege> ParsePrivilege(std::string_view text);

/// UC `changes[{principal, add, remove}]`. On a SHARE the principal is a recipient name (the
/// only privilege there is SELECT); on every other securable it is a principal or group name.
struct PermissionsChange {
  std::string principal;
  std::vector<Privilege> add;
  std::vector<Privilege> remove;
};

struct PrivilegeAssignment {
  std::string principal;
  std::vector<Privilege> privileges;  // sorted by enum order
};

struct ShareGrant {
  std::string share_name;
  std::vector<Privilege> privileges;
};

// ---- Audit ---------------------------------------------------------------------------------

struct AuditEvent {
  int64_t id = 0;  // assigned on insert, increasing
  int64_t time_ms = 0;
  std::string request_id;
  std::string action;  // e.g. deltaSharingQueryTable, createRecipient
  std::string principal;
  std::string recipient;
  std::string source_ip;
  std::string user_agent;
  std::string params_json;  // request parameters, never secrets
  int64_t status_code = 0;
  std::string error;
  std::string volume_json;  // served-query counters; empty when none
  /// Management requests: at most one event is stored per key (see audit_scope.h); empty: none.
  std::string dedup_key;
};

struct AuditQuery {
  std::optional<int64_t> from_ms;  // inclusive
  std::optional<int64_t> to_ms;    // exclusive
  std::string action;              // empty = any
  std::string principal;           // empty = any
  std::string recipient;           // empty = any
  PageRequest page;                // ordered by (time_ms, id)
  bool newest_first = false;       // descending (time_ms, id): the recent events first
};

// ---- The interface -----------------------------------------------------------------------

class Catalog {
 public:
  virtual ~Catalog() = default;

  // Settings.
  virtual Result<MetastoreSettings> GetSettings() = 0;
  virtual Result<MetastoreSettings> UpdateSettings(const MetastoreSettingsUpdate& update) = 0;
  /// The server secret named `name` (e.g. the key signing page tokens and file URLs, which every
  /// replica must share). When none is stored yet, `candidate` is stored and returned; concurrent
  /// first calls on many replicas all get the one value that won. Never exposed by the
  /// management API.
  virtual Result<std::string> GetOrCreateServerSecret(std::string_view name,
                                                      std::string_view candidate) = 0;

  // Principals and their API tokens.
  virtual Result<Principal> CreatePrincipal(const Principal& principal) = 0;
  virtual Result<Principal> GetPrincipal(std::string_view name) = 0;
  virtual Result<Listing<Principal>> ListPrincipals(const PageRequest& page) = 0;
  virtual Result<Principal> UpdatePrincipal(std::string_view name,
                                            const PrincipalUpdate& update) = 0;
  /// Delete a principal, its tokens and its grants.
  virtual Status DeletePrincipal(std::string_view name) = 0;
  /// Store the hash of `token` as an API token of `principal`.
  virtual Result<PrincipalToken> AddPrincipalToken(std::string_view principal,
                                                   std::string_view token,
                                                   std::optional<int64_t> expires_at,
                                                   std::string_view comment) = 0;
  /// Store a token a person chose (LAKESHARE_ADMIN_TOKEN) as an API token of `principal`,
  /// salted and slow-hashed (HashChosenToken) rather than as the SHA-256 that is enough for
  /// generated tokens. AuthenticatePrincipal accepts it like any other.
  virtual Result<PrincipalToken> AddChosenPrincipalToken(std::string_view principal,
                                                         std::string_view token,
                                                         std::string_view comment) = 0;
  /// Every API token of `principal`, live or not, oldest first.
  virtual Result<std::vector<PrincipalToken>> ListPrincipalTokens(std::string_view principal) = 0;
  virtual Status RevokePrincipalToken(std::string_view token_id) = 0;
  /// The principal owning the live API token `token`; kUnauthenticated otherwise.
  virtual Result<Principal> AuthenticatePrincipal(std::string_view token) = 0;

  // Catalogs, schemas, tables. Creation fills id and times; owner defaults to "".
  virtual Result<CatalogInfo> CreateCatalog(const CatalogInfo& info) = 0;
  virtual Result<CatalogInfo> GetCatalog(std::string_view name) = 0;
  virtual Result<Listing<CatalogInfo>> ListCatalogs(const PageRequest& page) = 0;
  virtual Result<CatalogInfo> UpdateCatalog(std::string_view name, const ObjectUpdate& update) = 0;
  /// Delete a catalog; one holding schemas needs `force` (which deletes them and their tables).
  virtual Status DeleteCatalog(std::string_view name, bool force) = 0;

  virtual Result<SchemaInfo> CreateSchema(const SchemaInfo& info) = 0;
  virtual Result<SchemaInfo> GetSchema(std::string_view catalog, std::string_view name) = 0;
  virtual Result<Listing<SchemaInfo>> ListSchemas(std::string_view catalog,
                                                  const PageRequest& page) = 0;
  virtual Result<SchemaInfo> UpdateSchema(std::string_view catalog, std::string_view name,
                                          const ObjectUpdate& update) = 0;
  virtual Status DeleteSchema(std::string_view catalog, std::string_view name, bool force) = 0;

  /// The storage_location must lie inside an external location and overlap no other table
  /// (kInvalidArgument naming the rule otherwise; see governance.h).
  virtual Result<TableInfo> CreateTable(const TableInfo& info) = 0;
  /// Get a table by "catalog.schema.table".
  virtual Result<TableInfo> GetTable(std::string_view full_name) = 0;
  virtual Result<Listing<TableInfo>> ListTables(std::string_view catalog, std::string_view schema,
                                                const PageRequest& page) = 0;
  virtual Result<TableInfo> UpdateTable(std::string_view full_name, const TableUpdate& update) = 0;
  virtual Status DeleteTable(std::string_view full_name) = 0;

  // Shares. Objects name existing tables (kNotFound otherwise); a name or shared_as may appear
  // once per share (kAlreadyExists).
  virtual Result<ShareInfo> CreateShare(const ShareInfo& info) = 0;
  virtual Result<ShareInfo> GetShare(std::string_view name, bool include_shared_data) = 0;
  /// The shares among `names` that exist (the others are left out), each with its objects and
  /// the table each object names, read in one consistent snapshot with a fixed number of
  /// statements whatever the number of shares: what the sharing server loads to serve a
  /// recipient's shares.
  virtual Result<std::vector<ShareContents>> GetSharesWithTables(
      const std::vector<std::string>& names) = 0;
  virtual Result<Listing<ShareInfo>> ListShares(const PageRequest& page) = 0;
  /// Apply `update` and `changes` atomically; returns the share with its objects.
  virtual Result<ShareInfo> UpdateShare(std::string_view name, const ObjectUpdate& update,
                                        const std::vector<SharedObjectChange>& changes,
                                        std::string_view updated_by) = 0;
  /// Delete a share, its objects and its grants.
  virtual Status DeleteShare(std::string_view name) = 0;

  // Recipients.
  virtual Result<RecipientInfo> CreateRecipient(const RecipientInfo& info) = 0;
  virtual Result<RecipientInfo> GetRecipient(std::string_view name) = 0;
  virtual Result<Listing<RecipientInfo>> ListRecipients(const PageRequest& page) = 0;
  virtual Result<RecipientInfo> UpdateRecipient(std::string_view name,
                                                const RecipientUpdate& update) = 0;
  /// Delete a recipient with its tokens, links and grants: an instant revoke.
  virtual Status DeleteRecipient(std::string_view name) = 0;

  // Recipient tokens: at most two live per recipient (kInvalidArgument beyond).
  virtual Result<RecipientToken> AddRecipientToken(std::string_view recipient,
                                                   std::string_view token,
                                                   std::optional<int64_t> expires_at,
                                                   std::string_view created_by) = 0;
  /// UC rotate-token: live tokens now expire at min(their expiry, now + existing_expire_in_s)
  /// (0 revokes them now), then `new_token` is added. Atomic.
  virtual Result<RecipientToken> RotateRecipientToken(std::string_view recipient,
                                                      std::string_view new_token,
                                                      std::optional<int64_t> new_expires_at,
                                                      int64_t existing_expire_in_seconds,
                                                      std::string_view created_by) = 0;
  /// Revoke every live token of a recipient now.
  virtual Status RevokeRecipientTokens(std::string_view recipient) = 0;
  /// Every token of `recipient`, live or not, oldest first.
  virtual Result<std::vector<RecipientToken>> ListRecipientTokens(std::string_view recipient) = 0;
  /// The recipient of the live bearer token `token` (recipient not expired); else kUnauthenticated.
  virtual Result<RecipientAuth> AuthenticateRecipient(std::string_view token) = 0;

  // Activation links (only the hash of the link token is stored).
  virtual Result<ActivationLink> CreateActivationLink(std::string_view recipient,
                                                      std::string_view link_token,
                                                      int64_t expires_at) = 0;
  /// kNotFound for an unknown link; used or expired links are returned as they are.
  virtual Result<ActivationLink> GetActivationLink(std::string_view link_token) = 0;
  /// The links of `recipient` neither used nor expired, oldest first (kNotFound for an unknown
  /// recipient).
  virtual Result<std::vector<ActivationLink>> ListPendingActivationLinks(
      std::string_view recipient) = 0;
  /// ListRecipientTokens and ListPendingActivationLinks of many recipients at once, by recipient
  /// id, for listings: one transaction with a fixed number of statements per 64 recipients, not
  /// two per recipient. Recipients with neither (and unknown ids) are absent from the map.
  virtual Result<std::map<std::string, RecipientSecrets>> ListRecipientSecrets(
      const std::vector<std::string>& recipient_ids) = 0;
  /// Mark the link used and store `bearer_token` for its recipient, atomically and once: a used
  /// or expired link is kPermissionDenied, an unknown one kNotFound.
  virtual Result<Activation> RedeemActivationLink(std::string_view link_token,
                                                  std::string_view bearer_token,
                                                  std::optional<int64_t> token_expires_at) = 0;
  /// UC rotate-token where the new token is minted when the new link is opened: live tokens now
  /// expire at min(their expiry, now + existing_expire_in_seconds) (0 revokes them now); if two
  /// tokens are still live after that, nothing changes and the result is kInvalidArgument
  /// ("There are already two active tokens for recipient ..."); otherwise every unused link of
  /// the recipient expires now and a new link `link_token` expiring at `link_expires_at` is
  /// stored. Atomic.
  virtual Result<ActivationLink> RotateRecipientActivation(std::string_view recipient,
                                                           std::string_view link_token,
                                                           int64_t link_expires_at,
                                                           int64_t existing_expire_in_seconds) = 0;

  // Federation policies of OIDC recipients (federation.h). Create: kNotFound for an unknown
  // recipient, kInvalidArgument for a recipient of another type, a bad field or one policy too
  // many, kAlreadyExists for a taken name. Deleting the recipient deletes its policies.
  virtual Result<FederationPolicy> CreateFederationPolicy(std::string_view recipient,
                                                          const FederationPolicy& policy) = 0;
  virtual Result<FederationPolicy> GetFederationPolicy(std::string_view recipient,
                                                       std::string_view name) = 0;
  virtual Result<Listing<FederationPolicy>> ListFederationPolicies(std::string_view recipient,
                                                                  const PageRequest& page) = 0;
  virtual Status DeleteFederationPolicy(std::string_view recipient, std::string_view name) = 0;
  /// Every policy whose issuer is exactly `issuer`, with its recipient, in one statement (at most
  /// kMaxPoliciesPerIssuer): what a JWT bearer token is checked against.
  virtual Result<std::vector<FederatedRecipientPolicy>> FindFederationPolicies(
      std::string_view issuer) = 0;

  // OAuth clients (federation.h): OAUTH_CLIENT_CREDENTIALS recipients.
  /// The recipient whose id is `id` (an OAuth client_id); kNotFound otherwise.
  virtual Result<RecipientInfo> GetRecipientById(std::string_view id) = 0;
  /// Replace the client's registered public keys (a JWK Set as text, at most
  /// kMaxClientKeysBytes; empty removes them). kInvalidArgument for a recipient of another type.
  virtual Status SetRecipientClientKeys(std::string_view recipient, std::string_view jwks) = 0;
  /// The client's registered JWK Set, "" when it has none.
  virtual Result<std::string> GetRecipientClientKeys(std::string_view recipient) = 0;

  // Ownership and privileges.
  virtual Result<std::vector<PrivilegeAssignment>> UpdatePermissions(
      SecurableType type, std::string_view full_name,
      const std::vector<PermissionsChange>& changes) = 0;
  virtual Result<std::vector<PrivilegeAssignment>> GetPermissions(SecurableType type,
                                                                  std::string_view full_name) = 0;
  /// Shares granted to a recipient (UC recipients/{name}/share-permissions), by share name.
  virtual Result<std::vector<ShareGrant>> ListRecipientShareGrants(std::string_view recipient) = 0;
  /// Whether `principal` holds `privilege` on the securable: metastore admins and owners hold
  /// everything on what they own; SELECT on a catalog or schema covers its tables.
  virtual Result<bool> HasPrivilege(std::string_view principal, SecurableType type,
                                    std::string_view full_name, Privilege privilege) = 0;

  // Storage governance (governance.h). Names are case-insensitive, lists ordered by name.
  /// Set how locations are compared; call once, before the catalog is shared. kInvalidArgument
  /// when a protected location cannot be canonicalised.
  virtual Status SetLocationPolicy(LocationPolicy policy) = 0;
  /// Seal storage-credential secrets with a key derived from `server_secret` (AES-256-GCM);
  /// call once, before the catalog is shared. Without it secrets are stored in the clear.
  virtual void SetSecretKey(std::string_view server_secret) = 0;

  virtual Result<StorageCredentialInfo> CreateStorageCredential(
      const StorageCredentialInfo& info) = 0;
  virtual Result<StorageCredentialInfo> GetStorageCredential(std::string_view name) = 0;
  virtual Result<Listing<StorageCredentialInfo>> ListStorageCredentials(
      const PageRequest& page) = 0;
  virtual Result<StorageCredentialInfo> UpdateStorageCredential(
      std::string_view name, const StorageCredentialUpdate& update) = 0;
  /// kInvalidArgument while an external location uses it.
  virtual Status DeleteStorageCredential(std::string_view name) = 0;

  /// kInvalidArgument when the url overlaps another external location or a protected location
  /// (contains it or lies inside it); kNotFound for an unknown credential.
  virtual Result<ExternalLocationInfo> CreateExternalLocation(const ExternalLocationInfo& info) = 0;
  virtual Result<ExternalLocationInfo> GetExternalLocation(std::string_view name) = 0;
  virtual Result<Listing<ExternalLocationInfo>> ListExternalLocations(const PageRequest& page) = 0;
  /// A new url obeys the rules of Create and must still contain every table registered under
  /// the old one (unless update.force).
  virtual Result<ExternalLocationInfo> UpdateExternalLocation(
      std::string_view name, const ExternalLocationUpdate& update) = 0;
  /// kInvalidArgument while tables are registered inside it, unless `force` (they then stay
  /// registered but are served by no one until another location covers them).
  virtual Status DeleteExternalLocation(std::string_view name, bool force) = 0;
  /// The external location containing `location`; nullopt when none does.
  virtual Result<std::optional<ExternalLocationInfo>> FindExternalLocation(
      std::string_view location) = 0;
  /// For the server's own reads: the location containing `location` with its credential and
  /// secrets; kPermissionDenied when no external location contains it.
  virtual Result<StorageAccess> ResolveStorageAccess(std::string_view location) = 0;
  /// Upgrade step (idempotent): give every registered table its canonical location and create
  /// an external location, owned by the table's owner and named after the table, for each table
  /// root no location contains yet. Tables whose location cannot be canonicalised or would need
  /// a location containing a protected one are left outside every location (and so are not
  /// served); their full names are returned.
  virtual Result<std::vector<std::string>> AdoptTableLocations() = 0;

  virtual Result<GroupInfo> CreateGroup(const GroupInfo& info) = 0;
  virtual Result<GroupInfo> GetGroup(std::string_view name) = 0;
  virtual Result<Listing<GroupInfo>> ListGroups(const PageRequest& page) = 0;
  /// kNotFound for an unknown member to add.
  virtual Result<GroupInfo> UpdateGroup(std::string_view name, const GroupUpdate& update) = 0;
  /// Delete a group, its memberships and its grants.
  virtual Status DeleteGroup(std::string_view name) = 0;

  // Audit.
  /// Append events; one whose dedup_key is already stored is left out.
  virtual Status AppendAuditEvents(std::span<const AuditEvent> events) = 0;
  /// Replace the outcome (action, recipient, params, status, error) of the event `id` that was
  /// committed with a change (AuditScope) by that of `event`.
  virtual Status FinishAuditEvent(int64_t id, const AuditEvent& event) = 0;
  virtual Result<Listing<AuditEvent>> QueryAuditEvents(const AuditQuery& query) = 0;
  /// Delete the audit events with these ids (retention, catalog/audit_log.h); returns how many
  /// were deleted. Ids that do not exist are skipped.
  virtual Result<int64_t> DeleteAuditEvents(std::span<const int64_t> ids) = 0;
};

struct CatalogOptions {
  /// The wall clock of stamps and expiry (common/clock.h); it must outlive the catalog. Null:
  /// the system clock.
  const Clock* clock = nullptr;
  /// Tests only (a metastore outage): shown each SQL statement before it runs; an Error it
  /// returns is the statement's result instead. Empty: every statement runs.
  std::function<std::optional<Error>(std::string_view sql)> fault_for_test{};
};

/// Open the metastore at `url_or_path`: a SQLite file path or `sqlite://PATH`, or a
/// `postgresql://` / `postgres://` URL. Migrations are applied before it returns.
Result<std::unique_ptr<Catalog>> OpenCatalog(std::string_view url_or_path,
                                             const CatalogOptions& options = {});

/// Hex SHA-256 of a token: the form in which generated tokens are stored. Enough for them: a
/// token of 256 random bits (auth::NewSecretToken) cannot be found from its hash by guessing, so
/// salt and work factor would add cost to every request and no protection.
std::string HashToken(std::string_view token);

/// The stored form of a token a person chose (LAKESHARE_ADMIN_TOKEN), which may be guessable:
/// "pbkdf2-sha256$<iterations>$<salt hex>$<hint hex>$<key hex>" - PBKDF2-HMAC-SHA256 with a
/// random 16-byte salt and kChosenTokenIterations (OWASP's 2023 figure), so a stolen metastore
/// costs an attacker that much work per guess and per token. `hint` is one byte of
/// SHA-256(salt || token): it lets authentication skip the slow hash for all but 1 in 256 wrong
/// tokens (so a flood of bad tokens cannot buy 0.3 s of CPU each), at the price of 8 bits that an
/// offline guesser can test cheaply.
std::string HashChosenToken(std::string_view token);
inline constexpr int kChosenTokenIterations = 600000;
inline constexpr std::string_view kChosenTokenPrefix = "pbkdf2-sha256$";

/// Whether `token` may be the one `stored` (HashChosenToken) was made from: false when the hint
/// byte differs (cheap), so that VerifyChosenToken need not run. False for a malformed record.
bool ChosenTokenHintMatches(std::string_view stored, std::string_view token);

/// Whether `stored` (HashChosenToken) was made from `token` (the slow hash, compared in constant
/// time). False for a malformed record.
bool VerifyChosenToken(std::string_view stored, std::string_view token);

/// Check a securable name by the one rule of common/names.h (ValidateObjectName): 1..255 bytes
/// of UTF-8, no space, '/', control, invisible or bidi character; `allow_dot` false also forbids
/// '.' (schema and table names). kInvalidArgument names `what`.
Status ValidateName(std::string_view what, std::string_view name, bool allow_dot);

}  // namespace lakeshare::catalog
