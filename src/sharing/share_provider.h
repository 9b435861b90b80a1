// ShareProvider: "who may read what" for the Delta Sharing endpoints. Given the authenticated
// caller (a Recipient: who the request's auth::Authenticator said it is, see auth/authenticator.h)
// it answers which shares, schemas and tables are visible and with which options (history
// shared, change data feed, start version, partition filter, alias, stable ids). The sharing layer never decides visibility
// itself: anything the provider does not return does not exist for the caller (PROTOCOL.md, "List
// Shares": "the API to list shares accessible to a recipient"), and unknown and invisible objects
// look the same (404 RESOURCE_DOES_NOT_EXIST, no name probing).
//
// Names are compared case-insensitively (PROTOCOL.md, "Names": "Object names are
// case-insensitive"); providers return their canonical spelling. Listings are in a stable order,
// ascending by lower-cased name (schema then table for all-tables), and are paged by key: `after`
// is the lower-cased key of the last item of the previous page, so a page token stays meaningful
// when the set changes between pages.
//
// Implementations: yaml_share_provider.h (the reference server's delta-sharing-server.yaml) and
// metastore_share_provider.h (the governance plane's catalog, cached). All methods are thread-safe
// and return values (no references into the provider).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "materialize/row_filter.h"
#include "storage/sigv4.h"

namespace lakeshare::sharing {

/// The authenticated caller (SharingService makes it from the auth::Identity). `name` identifies
/// it in logs, audit, signed URLs and token bindings; it is never a secret.
struct Recipient {
  std::string name;
  /// True for the anonymous caller of a server configured without any token (as the reference
  /// server does when `authorization` is absent).
  bool anonymous = false;
  /// What the audit records about how the caller signed in, beside the recipient (a federated
  /// token's issuer, subject and token id; never the token).
  std::map<std::string, std::string> audit_params{};
};

struct ShareInfo {
  std::string name;
  std::string id;  // stable UUID, unique across the server
  std::optional<std::string> comment;
};

struct SchemaInfo {
  std::string name;
  std::string share;
};

/// One condition of a partition rule (Unity Catalog `partitions[].values[]`), already resolved
/// for the recipient (a `recipient_property_key` has become its value).
struct PartitionCondition {
  enum class Op { kEqual, kLike };
  std::string column;  // a partition column, matched case-insensitively
  Op op = Op::kEqual;
  /// The value in the column's text form ("DE", "42", "2024-01-31"; `%` and `_` are wildcards
  /// for kLike); nullopt is NULL.
  std::optional<std::string> value;
};

/// The conditions of one `partitions[]` entry: all of them must hold (AND).
using PartitionClause = std::vector<PartitionCondition>;

/// Lakeshare extensions of a shared table (issue 11), resolved for one recipient: the rows it
/// reads (the row filter with each recipientProperty leaf replaced by the recipient's value; a
/// recipient lacking a property the filter reads has a filter that keeps no row), the top-level
/// columns it sees (empty: all) and the masks of some of them ("hash" or "null"). They are
/// enforced by rewriting the files the recipient is served (sharing/file_rewrites_internal.h).
struct RecipientView {
  std::shared_ptr<const materialize::RowFilter> row_filter;
  std::vector<std::string> columns;
  std::map<std::string, std::string> column_masks;
};

/// A table as one recipient sees it.
struct TableInfo {
  std::string name;  // the shared name (an alias when it differs from the source table)
  std::string schema;
  std::string share;
  std::string share_id;
  std::string id;  // stable UUID, unique within the share
  /// Where the Delta table lives: a local path, file:// or s3:// URI. Never sent to clients.
  std::string location;
  /// The storage credential of the external location holding the table (metastore provider,
  /// issue 10): S3 keys, or a profile of the server's AWS configuration, its store is opened
  /// (and its URLs signed) with instead of the server's own. Empty: the server's own. Never sent
  /// to clients nor logged.
  storage::AwsCredentials store_keys;
  std::string store_profile;
  /// A local location the metastore resolved when it checked the table's registration: its store
  /// follows no symbolic link on the root's path (StoreOptions::local_root_without_symlinks), so
  /// a folder swapped for a link later (to another team's table) is a missing table.
  bool root_resolved = false;
  /// The provider-side name when the table is shared under an alias (informational).
  std::optional<std::string> source_name;
  /// Time travel (version / timestamp / startingVersion) and, unless cdf_shared says otherwise,
  /// the change data feed. Reference server: `historyShared`.
  bool history_shared = false;
  /// The change data feed (/changes); the reference server ties it to history_shared.
  bool cdf_shared = false;
  /// The earliest version recipients may query (reference server: `startVersion`).
  int64_t start_version = 0;
  /// A jsonPredicateHints-format predicate over partition columns: only files whose partition
  /// values make it true are ever served (enforced, not a hint). Empty for none.
  std::string partition_filter;
  /// Unity Catalog `partitions` resolved for the recipient, enforced like partition_filter
  /// (both apply when both are set): a file is served only when its partition values satisfy at
  /// least one clause (OR across clauses). nullopt: no restriction; an empty list: no file.
  std::optional<std::vector<PartitionClause>> partition_rule;
  /// Row filter, columns and masks (empty: the whole table).
  RecipientView view;
  /// The stable id of the recipient this table was resolved for (metastore provider:
  /// catalog::RecipientInfo::id). Self-signed file URLs are bound to it, so a recipient deleted
  /// and created again under the same name does not inherit the old one's URLs. Empty where the
  /// provider has no ids (a YAML file: its recipients are their names).
  std::string recipient_id;

  /// Whether any partition restriction applies (sizes of the whole table must then not leak).
  bool partition_restricted() const { return !partition_filter.empty() || partition_rule; }
};

/// One page of a listing; `more` is true when items follow the last one returned.
template <typename T>
struct ListPage {
  std::vector<T> items;
  bool more = false;
};

struct ListOptions {
  /// The lower-cased key of the last item already returned (empty: from the start). Keys are the
  /// lower-cased name, and "schema\x1ftable" for ListAllTables.
  std::string after;
  /// At most this many items (0 returns none, `more` still tells whether any exist).
  int limit = 500;
};

class ShareProvider {
 public:
  virtual ~ShareProvider() = default;

  virtual Result<ListPage<ShareInfo>> ListShares(const Recipient& recipient,
                                                 const ListOptions& options) const = 0;
  /// kNotFound when the share does not exist or is not visible to the recipient.
  virtual Result<ShareInfo> GetShare(const Recipient& recipient, std::string_view share) const = 0;
  virtual Result<ListPage<SchemaInfo>> ListSchemas(const Recipient& recipient,
                                                   std::string_view share,
                                                   const ListOptions& options) const = 0;
  virtual Result<ListPage<TableInfo>> ListTables(const Recipient& recipient, std::string_view share,
                                                 std::string_view schema,
                                                 const ListOptions& options) const = 0;
  virtual Result<ListPage<TableInfo>> ListAllTables(const Recipient& recipient,
                                                    std::string_view share,
                                                    const ListOptions& options) const = 0;
  /// kNotFound when any of the three does not exist or is not visible.
  virtual Result<TableInfo> GetTable(const Recipient& recipient, std::string_view share,
                                     std::string_view schema, std::string_view table) const = 0;
  /// The table with these ids if the recipient named `recipient_name` may still read it from
  /// `remote_address` (used to serve signed file URLs, which carry no bearer token), with the
  /// recipient's current id in `recipient_id` (the caller compares it with the URL's). kNotFound
  /// otherwise; kPermissionDenied when the recipient's IP access list refuses the address.
  virtual Result<TableInfo> GetTableById(std::string_view recipient_name, std::string_view share_id,
                                         std::string_view table_id,
                                         std::string_view remote_address) const = 0;
};

/// Check an object name against PROTOCOL.md, "Names": "Object names cannot exceed 255
/// characters. The following special characters are not allowed for all object names: Space,
/// Forward slash, All ASCII control characters (00-1F hex), The DELETE character (7f hex). Table
/// and Schema object names additionally do not allow special character Period". `kind` is
/// "share", "schema" or "table" and names the object in the message.
Status ValidateObjectName(std::string_view kind, std::string_view name);

/// A stable UUID (RFC 9562 version 8, name-based over SHA-256) for `name` in `space`: the same
/// inputs always give the same id, so ids survive restarts and replicas agree.
std::string NameBasedUuid(std::string_view space, std::string_view name);

}  // namespace lakeshare::sharing
