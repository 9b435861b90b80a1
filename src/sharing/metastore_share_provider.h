// MetastoreShareProvider: the ShareProvider of the governance plane (issue 5). It answers data
// questions for an authenticated recipient (auth::RecipientAuthenticator checks its bearer token
// or JWT and IP access list first) from a catalog::Catalog (SQLite or PostgreSQL) through two
// bounded, per-replica caches:
//
//   recipient -> granted shares (SELECT), properties (for per-recipient partitions), IP list
//   share     -> its ACTIVE shared tables, resolved to storage locations
//
// Every entry lives at most `ttl_ms` (default 2 s): a grant removed or a share changed on another
// replica takes effect here within that delay. InvalidateRecipient / InvalidateShare drop entries
// at once (the admin API of the same replica calls them after a grant change, update or delete).
// Signed file URLs carry no bearer token: GetTableById applies the recipient's IP access list
// (auth::RecipientIpGate) itself.
//
// Visibility (Unity Catalog SharedDataObject): schema and table are the two parts of `shared_as`;
// only objects with status ACTIVE whose table exists are visible; `history_data_sharing_status`
// ENABLED shares history (time travel, streaming and the change data feed); `cdf_enabled` shares
// the change data feed; `start_version` is the first readable version; `partitions` become the
// table's enforced partition_rule, with `recipient_property_key` resolved from the recipient's
// properties. Fail closed: a table whose partitions cannot be parsed, or whose every entry names a
// property the recipient lacks, is invisible to that recipient (an entry naming a missing property
// is dropped; the remaining entries still apply). Share ids are the catalog's share ids, table ids
// the catalog's table ids.
//
// Thread-safe. No lock is held across catalog calls. The catalog must outlive the provider.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "common/clock.h"
#include "sharing/share_provider.h"

namespace lakeshare::sharing {

struct MetastoreProviderOptions {
  /// How long a cached recipient or share is used without asking the catalog again. 0 disables
  /// caching (every request reads the catalog).
  int64_t ttl_ms = 2000;
  /// Bounds of the caches (least recently used entries are dropped first).
  size_t max_recipients = 100'000;
  size_t max_shares = 10'000;
  /// The wall clock (cache ages; common/clock.h); null: the system clock. Tests inject a
  /// ManualClock.
  const Clock* clock = nullptr;
  /// Storage governance at serve time (issue 10): a shared table is served only while an
  /// external location contains its root (Catalog::ResolveStorageAccess, checked when a share is
  /// read from the catalog, so within ttl_ms of a location being dropped or narrowed, at once on
  /// the replica whose admin API did it). Otherwise GetTable and GetTableById answer
  /// kPermissionDenied naming the table, never a path. Needs a catalog with a location policy;
  /// false only for tools whose catalog has none (benchmarks).
  bool require_external_location = true;
};

/// Counters of the caches (for /metrics and benchmarks).
struct MetastoreProviderStats {
  int64_t recipient_hits = 0;
  int64_t recipient_misses = 0;
  int64_t share_hits = 0;
  int64_t share_misses = 0;
};

class MetastoreShareProvider final : public ShareProvider {
 public:
  /// `catalog` must outlive the provider.
  MetastoreShareProvider(catalog::Catalog& catalog, MetastoreProviderOptions options = {});
  ~MetastoreShareProvider() override;
  MetastoreShareProvider(const MetastoreShareProvider&) = delete;
  MetastoreShareProvider& operator=(const MetastoreShareProvider&) = delete;

  Result<ListPage<ShareInfo>> ListShares(const Recipient& recipient,
                                         const ListOptions& options) const override;
  Result<ShareInfo> GetShare(const Recipient& recipient, std::string_view share) const override;
  Result<ListPage<SchemaInfo>> ListSchemas(const Recipient& recipient, std::string_view share,
                                           const ListOptions& options) const override;
  Result<ListPage<TableInfo>> ListTables(const Recipient& recipient, std::string_view share,
                                         std::string_view schema,
                                         const ListOptions& options) const override;
  Result<ListPage<TableInfo>> ListAllTables(const Recipient& recipient, std::string_view share,
                                            const ListOptions& options) const override;
  Result<TableInfo> GetTable(const Recipient& recipient, std::string_view share,
                             std::string_view schema, std::string_view table) const override;
  Result<TableInfo> GetTableById(std::string_view recipient_name, std::string_view share_id,
                                 std::string_view table_id,
                                 std::string_view remote_address) const override;

  /// A recipient authentication just read from the metastore
  /// (auth::RecipientAuthOptions::on_recipient_read): unless it is cached, its grants are read
  /// now and kept with it, so the request's data questions need no second read of the recipient.
  Status RememberRecipient(const catalog::RecipientInfo& recipient);

  /// Drop what is cached about recipient `name` (its grants, properties and IP list) now; an
  /// empty name drops everything (every cache). Call after changing grants, IP lists or
  /// properties, and deleting or renaming a recipient (with auth::RecipientAuthenticator's).
  void InvalidateRecipient(std::string_view name);
  /// Drop the cached contents of share `name` now (after an update, rename or delete).
  void InvalidateShare(std::string_view name);

  MetastoreProviderStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lakeshare::sharing
