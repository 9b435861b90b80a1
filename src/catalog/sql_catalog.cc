#include <utility>

#include "catalog/sql_catalog_impl.h"

namespace lakeshare::catalog {
namespace {

// Schema migrations: entry i brings the schema to version i + 1. Never edit a released entry;
// append a new one. {ID} and {KEY} are the dialect's auto-increment key and byte-ordered text.
const std::vector<std::vector<std::string_view>>& Migrations() {
  static const auto* const kMigrations = new std::vector<std::vector<std::string_view>>{
      {
          "CREATE TABLE settings (setting TEXT PRIMARY KEY, value TEXT NOT NULL)",
          "CREATE TABLE principals (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
          "name_key {KEY} NOT NULL UNIQUE, is_admin BIGINT NOT NULL, comment TEXT NOT NULL, "
          "created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
          "CREATE TABLE principal_tokens (id TEXT PRIMARY KEY, principal_id TEXT NOT NULL "
          "REFERENCES principals(id) ON DELETE CASCADE, token_hash TEXT NOT NULL UNIQUE, "
          "comment TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT, revoked_at "
          "BIGINT)",
          "CREATE INDEX principal_tokens_principal ON principal_tokens (principal_id)",
          "CREATE TABLE catalogs (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
          "name_key {KEY} NOT NULL UNIQUE, owner TEXT NOT NULL, comment TEXT NOT NULL, "
          "created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)",
          "CREATE TABLE schemas (id TEXT PRIMARY KEY, catalog_id TEXT NOT NULL "
          "REFERENCES catalogs(id) ON DELETE CASCADE, name TEXT NOT NULL, name_key {KEY} NOT NULL, "
          "owner TEXT NOT NULL, comment TEXT NOT NULL, created_at BIGINT NOT NULL, "
          "updated_at BIGINT NOT NULL, UNIQUE (catalog_id, name_key))",
          "CREATE TABLE delta_tables (id TEXT PRIMARY KEY, schema_id TEXT NOT NULL "
          "REFERENCES schemas(id) ON DELETE CASCADE, name TEXT NOT NULL, name_key {KEY} NOT NULL, "
          "storage_location TEXT NOT NULL, owner TEXT NOT NULL, comment TEXT NOT NULL, "
          "created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, UNIQUE (schema_id, name_key))",
          "CREATE TABLE shares (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
          "name_key {KEY} NOT NULL UNIQUE, owner TEXT NOT NULL, comment TEXT NOT NULL, "
          "created_at BIGINT NOT NULL, created_by TEXT NOT NULL, updated_at BIGINT NOT NULL, "
          "updated_by TEXT NOT NULL)",
          "CREATE TABLE shared_objects (share_id TEXT NOT NULL REFERENCES shares(id) "
          "ON DELETE CASCADE, name TEXT NOT NULL, name_key {KEY} NOT NULL, shared_as TEXT NOT "
          "NULL, "
          "shared_as_key {KEY} NOT NULL, comment TEXT NOT NULL, history_status TEXT NOT NULL, "
          "cdf_enabled BIGINT NOT NULL, start_version BIGINT, partitions TEXT NOT NULL, "
          "status TEXT NOT NULL, added_at BIGINT NOT NULL, added_by TEXT NOT NULL, "
          "PRIMARY KEY (share_id, name_key), UNIQUE (share_id, shared_as_key))",
          "CREATE TABLE recipients (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
          "name_key {KEY} NOT NULL UNIQUE, authentication_type TEXT NOT NULL, owner TEXT NOT NULL, "
          "comment TEXT NOT NULL, ip_access_list TEXT NOT NULL, expiration_time BIGINT, "
          "created_at BIGINT NOT NULL, created_by TEXT NOT NULL, updated_at BIGINT NOT NULL, "
          "updated_by TEXT NOT NULL)",
          "CREATE TABLE recipient_properties (recipient_id TEXT NOT NULL REFERENCES recipients(id) "
          "ON DELETE CASCADE, prop_key {KEY} NOT NULL, prop_value TEXT NOT NULL, "
          "PRIMARY KEY (recipient_id, prop_key))",
          "CREATE TABLE recipient_tokens (id TEXT PRIMARY KEY, recipient_id TEXT NOT NULL "
          "REFERENCES recipients(id) ON DELETE CASCADE, token_hash TEXT NOT NULL UNIQUE, "
          "created_at BIGINT NOT NULL, created_by TEXT NOT NULL, expires_at BIGINT, "
          "revoked_at BIGINT)",
          "CREATE INDEX recipient_tokens_recipient ON recipient_tokens (recipient_id)",
          "CREATE TABLE activation_links (token_hash TEXT PRIMARY KEY, recipient_id TEXT NOT NULL "
          "REFERENCES recipients(id) ON DELETE CASCADE, created_at BIGINT NOT NULL, "
          "expires_at BIGINT NOT NULL, used_at BIGINT)",
          "CREATE INDEX activation_links_recipient ON activation_links (recipient_id)",
          "CREATE TABLE grants (securable_type TEXT NOT NULL, securable_id TEXT NOT NULL, "
          "grantee_type TEXT NOT NULL, grantee_id TEXT NOT NULL, privilege TEXT NOT NULL, "
          "PRIMARY KEY (securable_type, securable_id, grantee_type, grantee_id, privilege))",
          "CREATE INDEX grants_grantee ON grants (grantee_type, grantee_id)",
          "CREATE TABLE audit_events (id {ID}, time_ms BIGINT NOT NULL, request_id TEXT NOT NULL, "
          "action TEXT NOT NULL, principal TEXT NOT NULL, recipient TEXT NOT NULL, "
          "source_ip TEXT NOT NULL, user_agent TEXT NOT NULL, params TEXT NOT NULL, "
          "status_code BIGINT NOT NULL, error TEXT NOT NULL, volume TEXT NOT NULL)",
          "CREATE INDEX audit_events_time ON audit_events (time_ms, id)",
          "CREATE INDEX audit_events_action ON audit_events (action, time_ms, id)",
          "CREATE INDEX audit_events_principal ON audit_events (principal, time_ms, id)",
          "CREATE INDEX audit_events_recipient ON audit_events (recipient, time_ms, id)",
      },
      {
          // Version 2: a recipient's share grants by an index that names all three equality columns
          // of the lookup; without table statistics SQLite otherwise scans every share grant
          // through the primary key (50 ms at 100,000 grants instead of 0.1 ms).
          "CREATE INDEX grants_grantee_securable ON grants (grantee_type, grantee_id, "
          "securable_type, securable_id, privilege)",
      },
      {
          // Version 3: federation policies of OIDC recipients (issue 12), found by issuer when a
          // JWT bearer token arrives.
          "CREATE TABLE federation_policies (id TEXT PRIMARY KEY, recipient_id TEXT NOT NULL "
          "REFERENCES recipients(id) ON DELETE CASCADE, name TEXT NOT NULL, "
          "name_key {KEY} NOT NULL, comment TEXT NOT NULL, issuer TEXT NOT NULL, "
          "audiences TEXT NOT NULL, subject_claim TEXT NOT NULL, subject TEXT NOT NULL, "
          "jwks_uri TEXT NOT NULL, created_at BIGINT NOT NULL, created_by TEXT NOT NULL, "
          "updated_at BIGINT NOT NULL, UNIQUE (recipient_id, name_key))",
          "CREATE INDEX federation_policies_issuer ON federation_policies (issuer)",
      },
      {
          // Version 4: the public keys (a JWK Set) an OAuth client recipient authenticates with
          // by private-key JWT (issue 12).
          "CREATE TABLE recipient_client_keys (recipient_id TEXT PRIMARY KEY REFERENCES "
          "recipients(id) ON DELETE CASCADE, jwks TEXT NOT NULL, updated_at BIGINT NOT NULL)",
      },
      {
          // Version 5: storage governance (issue 10). Locations are compared by key (canonical
          // URI ending in '/'); tables registered before it get theirs from
          // Catalog::AdoptTableLocations ('' until then).
          "CREATE TABLE storage_credentials (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
          "name_key {KEY} NOT NULL UNIQUE, kind TEXT NOT NULL, access_key_id TEXT NOT NULL, "
          "sealed_secret TEXT NOT NULL, profile TEXT NOT NULL, owner TEXT NOT NULL, "
          "comment TEXT NOT NULL, read_only BIGINT NOT NULL, created_at BIGINT NOT NULL, "
          "created_by TEXT NOT NULL, updated_at BIGINT NOT NULL, updated_by TEXT NOT NULL)",
          "CREATE TABLE external_locations (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
          "name_key {KEY} NOT NULL UNIQUE, url TEXT NOT NULL, url_key {KEY} NOT NULL UNIQUE, "
          "credential_id TEXT REFERENCES storage_credentials(id), owner TEXT NOT NULL, "
          "comment TEXT NOT NULL, read_only BIGINT NOT NULL, created_at BIGINT NOT NULL, "
          "created_by TEXT NOT NULL, updated_at BIGINT NOT NULL, updated_by TEXT NOT NULL)",
          "CREATE INDEX external_locations_credential ON external_locations (credential_id)",
          "ALTER TABLE delta_tables ADD COLUMN location_key {KEY} NOT NULL DEFAULT ''",
          "CREATE INDEX delta_tables_location ON delta_tables (location_key)",
          "CREATE TABLE principal_groups (id TEXT PRIMARY KEY, name TEXT NOT NULL, "
          "name_key {KEY} NOT NULL UNIQUE, comment TEXT NOT NULL, created_at BIGINT NOT NULL, "
          "created_by TEXT NOT NULL, updated_at BIGINT NOT NULL, updated_by TEXT NOT NULL)",
          "CREATE TABLE group_members (group_id TEXT NOT NULL REFERENCES principal_groups(id) "
          "ON DELETE CASCADE, principal_id TEXT NOT NULL REFERENCES principals(id) ON DELETE "
          "CASCADE, PRIMARY KEY (group_id, principal_id))",
          "CREATE INDEX group_members_principal ON group_members (principal_id)",
      },
      {
          // Version 6: atomic management audit (issue 10 item 6). A management event carries a
          // dedup key (one event per retried request) and whether it was committed with a change.
          "ALTER TABLE audit_events ADD COLUMN dedup_key TEXT",
          "ALTER TABLE audit_events ADD COLUMN changed BIGINT NOT NULL DEFAULT 0",
          "CREATE UNIQUE INDEX audit_events_dedup ON audit_events (dedup_key)",
      },
      {
          // Version 7: a shared table's per-recipient row filter, columns and column masks
          // (issue 11), as JSON text.
          "ALTER TABLE shared_objects ADD COLUMN recipient_view TEXT NOT NULL DEFAULT ''",
      }};
  return *kMigrations;
}

std::string Substitute(std::string_view sql, const SqlDatabase& db) {
  std::string out(sql);
  for (auto [from, to] : {std::pair<std::string_view, std::string_view>{"{ID}", db.AutoIdType()},
                          {"{KEY}", db.KeyTextType()}}) {
    for (size_t pos = out.find(from); pos != std::string::npos; pos = out.find(from, pos)) {
      out.replace(pos, from.size(), to);
      pos += to.size();
    }
  }
  return out;
}

}  // namespace

Status SqlCatalog::Migrate() {
  return db_->Run(TxKind::kMigration, [&](SqlConn& c) -> Status {
    LS_RETURN_IF_ERROR(
        c.Exec("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, "
               "applied_at BIGINT NOT NULL)",
               {}));
    LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query("SELECT MAX(version) FROM schema_version", {}));
    int64_t current = 0;
    if (!rows.empty()) {
      LS_ASSIGN_OR_RETURN(current, ToInt(rows[0][0], "schema_version.version"));
    }
    const auto& migrations = Migrations();
    if (current < 0) {
      // Never written by a build; as a size_t it would skip every migration.
      return Errorf(ErrorCode::kInternal, "Metastore schema version {} is not valid", current);
    }
    if (current > static_cast<int64_t>(migrations.size())) {
      return Errorf(ErrorCode::kUnsupported,
                    "Metastore schema version {} is newer than this build knows ({})", current,
                    migrations.size());
    }
    for (size_t v = static_cast<size_t>(current); v < migrations.size(); ++v) {
      for (std::string_view stmt : migrations[v]) {
        LS_RETURN_IF_ERROR(c.Exec(Substitute(stmt, *db_), {}));
      }
      // The values are made in place from the integers (as in DeleteAuditEvents): a braced list
      // of SqlValue temporaries is what GCC 12 at -O3 took for reading an uninitialised string
      // alternative (-Wmaybe-uninitialized).
      const int64_t row[] = {static_cast<int64_t>(v + 1), Now()};
      LS_RETURN_IF_ERROR(c.Exec("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                                std::vector<SqlValue>(std::begin(row), std::end(row))));
    }
    return OkStatus();
  });
}

namespace {

/// A connection whose statements CatalogOptions::fault_for_test may fail.
class FaultyConn final : public SqlConn {
 public:
  FaultyConn(SqlConn& inner, const CatalogOptions& options) : inner_(inner), options_(options) {}
  Result<SqlRows> Query(std::string_view sql, const std::vector<SqlValue>& params) override {
    if (std::optional<Error> fault = options_.fault_for_test(sql)) {
      return tl::unexpected<Error>(std::move(*fault));
    }
    return inner_.Query(sql, params);
  }
  Result<int64_t> Exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    if (std::optional<Error> fault = options_.fault_for_test(sql)) {
      return tl::unexpected<Error>(std::move(*fault));
    }
    return inner_.Exec(sql, params);
  }

 private:
  SqlConn& inner_;
  const CatalogOptions& options_;
};

/// The database of a catalog opened with CatalogOptions::fault_for_test.
class FaultyDatabase final : public SqlDatabase {
 public:
  FaultyDatabase(std::unique_ptr<SqlDatabase> inner, CatalogOptions options)
      : inner_(std::move(inner)), options_(std::move(options)) {}
  Status Run(TxKind kind, const std::function<Status(SqlConn&)>& fn) override {
    return inner_->Run(kind, [&](SqlConn& conn) {
      FaultyConn faulty(conn, options_);
      return fn(faulty);
    });
  }
  std::string_view AutoIdType() const override { return inner_->AutoIdType(); }
  std::string_view KeyTextType() const override { return inner_->KeyTextType(); }

 private:
  std::unique_ptr<SqlDatabase> inner_;
  const CatalogOptions options_;
};

}  // namespace

Result<std::unique_ptr<Catalog>> OpenSqlCatalog(std::unique_ptr<SqlDatabase> db,
                                                const CatalogOptions& options) {
  if (options.fault_for_test) {
    db = std::make_unique<FaultyDatabase>(std::move(db), options);
  }
  auto catalog = std::make_unique<SqlCatalog>(std::move(db), ClockOr(options.clock));
  LS_RETURN_IF_ERROR(catalog->Migrate());
  return std::unique_ptr<Catalog>(std::move(catalog));
}

}  // namespace lakeshare::catalog
