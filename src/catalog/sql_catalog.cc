#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "catalog/sql_catalog_internal.h"
#include "common/strings.h"

namespace lakeshare::catalog {
namespace {

constexpr int64_t kNoLimit = int64_t{1} << 62;
constexpr std::string_view kMetastoreId = "metastore";

int64_t ToInt(const std::optional<std::string>& v) {
  return v ? std::strtoll(v->c_str(), nullptr, 10) : 0;
}
std::optional<int64_t> ToOptInt(const std::optional<std::string>& v) {
  if (!v) {
    return std::nullopt;
  }
  return std::strtoll(v->c_str(), nullptr, 10);
}
std::string ToStr(const std::optional<std::string>& v) { return v.value_or(std::string()); }
SqlValue OptVal(std::optional<int64_t> v) { return v ? SqlValue(*v) : SqlValue(nullptr); }
SqlValue Text(std::string_view s) { return SqlValue(std::string(s)); }
std::string Key(std::string_view name) { return ToLower(name); }

std::string JoinLines(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) {
      out += '\n';
    }
    out += items[i];
  }
  return out;
}
std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> out;
  if (text.empty()) {
    return out;
  }
  for (std::string_view part : Split(text, '\n')) {
    out.emplace_back(part);
  }
  return out;
}

// ---- Paging: an opaque token carries the last name key (or audit position) of a page. ----

struct PageBounds {
  std::string after;  // return keys strictly greater than this
  int64_t max = 0;    // 0 = no limit
};

Result<PageBounds> ParsePage(const PageRequest& page) {
  if (page.max_results < 0) {
    return InvalidArgument("max_results must not be negative, got {}", page.max_results);
  }
  PageBounds bounds;
  bounds.max = page.max_results;
  if (!page.page_token.empty()) {
    std::optional<std::string> decoded = Base64Decode(page.page_token);
    if (!decoded || decoded->empty() || (*decoded)[0] != 'n') {
      return InvalidArgument("Invalid page_token");
    }
    bounds.after = decoded->substr(1);
  }
  return bounds;
}

std::string MakePageToken(std::string_view key) {
  return Base64Encode(std::string("n") + std::string(key));
}

int64_t SqlLimit(const PageBounds& b) { return b.max == 0 ? kNoLimit : b.max + 1; }

/// Trim a page fetched with SqlLimit() and compute its next token from column 0 (the key).
template <typename T, typename Fn>
Listing<T> FinishPage(SqlRows rows, const PageBounds& b, Fn&& convert) {
  Listing<T> out;
  bool more = b.max > 0 && static_cast<int64_t>(rows.size()) > b.max;
  if (more) {
    rows.resize(static_cast<size_t>(b.max));
    out.next_page_token = MakePageToken(ToStr(rows.back()[0]));
  }
  out.items.reserve(rows.size());
  for (const SqlRow& row : rows) {
    out.items.push_back(convert(row));
  }
  return out;
}

// ---- Row conversions (column 0 is always the name key). ----

constexpr std::string_view kPrincipalCols =
    "name_key, id, name, is_admin, comment, created_at, updated_at";
Principal ToPrincipal(const SqlRow& r) {
  return Principal{ToStr(r[1]), ToStr(r[2]), ToInt(r[3]) != 0,
                   ToStr(r[4]), ToInt(r[5]), ToInt(r[6])};
}

constexpr std::string_view kCatalogCols =
    "c.name_key, c.id, c.name, c.owner, c.comment, c.created_at, c.updated_at";
CatalogInfo ToCatalog(const SqlRow& r) {
  return CatalogInfo{ToStr(r[1]), ToStr(r[2]), ToStr(r[3]), ToStr(r[4]), ToInt(r[5]), ToInt(r[6])};
}

constexpr std::string_view kSchemaSelect =
    "SELECT s.name_key, s.id, c.name, s.name, s.owner, s.comment, s.created_at, s.updated_at "
    "FROM schemas s JOIN catalogs c ON s.catalog_id = c.id ";
SchemaInfo ToSchema(const SqlRow& r) {
  return SchemaInfo{ToStr(r[1]), ToStr(r[2]), ToStr(r[3]), ToStr(r[4]),
                    ToStr(r[5]), ToInt(r[6]), ToInt(r[7])};
}

constexpr std::string_view kTableSelect =
    "SELECT t.name_key, t.id, c.name, s.name, t.name, t.storage_location, t.owner, t.comment, "
    "t.created_at, t.updated_at FROM delta_tables t JOIN schemas s ON t.schema_id = s.id "
    "JOIN catalogs c ON s.catalog_id = c.id ";
TableInfo ToTable(const SqlRow& r) {
  return TableInfo{ToStr(r[1]), ToStr(r[2]), ToStr(r[3]), ToStr(r[4]), ToStr(r[5]),
                   ToStr(r[6]), ToStr(r[7]), ToInt(r[8]), ToInt(r[9])};
}

constexpr std::string_view kShareCols =
    "name_key, id, name, owner, comment, created_at, created_by, updated_at, updated_by";
ShareInfo ToShare(const SqlRow& r) {
  ShareInfo s;
  s.id = ToStr(r[1]);
  s.name = ToStr(r[2]);
  s.owner = ToStr(r[3]);
  s.comment = ToStr(r[4]);
  s.created_at = ToInt(r[5]);
  s.created_by = ToStr(r[6]);
  s.updated_at = ToInt(r[7]);
  s.updated_by = ToStr(r[8]);
  return s;
}

constexpr std::string_view kObjectCols =
    "name, shared_as, comment, history_status, cdf_enabled, start_version, partitions, status, "
    "added_at, added_by";
SharedDataObject ToObject(const SqlRow& r, size_t at = 0) {
  SharedDataObject o;
  o.name = ToStr(r[at]);
  o.shared_as = ToStr(r[at + 1]);
  o.comment = ToStr(r[at + 2]);
  o.history_data_sharing_status = ToStr(r[at + 3]);
  o.cdf_enabled = ToInt(r[at + 4]) != 0;
  o.start_version = ToOptInt(r[at + 5]);
  o.partitions_json = ToStr(r[at + 6]);
  o.status = ToStr(r[at + 7]);
  o.added_at = ToInt(r[at + 8]);
  o.added_by = ToStr(r[at + 9]);
  return o;
}

/// "a, b" -> "x.a, x.b": a column list of one table qualified for a join.
std::string Qualified(std::string_view table, std::string_view cols) {
  std::string out;
  for (std::string_view col : Split(cols, ',')) {
    col.remove_prefix(std::min(col.find_first_not_of(' '), col.size()));
    out += out.empty() ? "" : ", ";
    out += table;
    out += '.';
    out += col;
  }
  return out;
}

/// Batched lookups bind a list of keys. The list is cut into chunks of at most 64 and each chunk
/// is padded to a power of two by repeating its last key, so that a connection prepares at most
/// seven shapes of each statement whatever the number of keys.
constexpr size_t kMaxBatch = 64;
std::vector<std::vector<SqlValue>> KeyBatches(const std::vector<std::vector<std::string>>& keys) {
  std::vector<std::vector<SqlValue>> out;
  for (size_t at = 0; at < keys.size(); at += kMaxBatch) {
    const size_t n = std::min(kMaxBatch, keys.size() - at);
    size_t padded = 1;
    while (padded < n) {
      padded *= 2;
    }
    std::vector<SqlValue> batch;
    for (size_t i = 0; i < padded; ++i) {
      for (const std::string& part : keys[at + std::min(i, n - 1)]) {
        batch.emplace_back(part);
      }
    }
    out.push_back(std::move(batch));
  }
  return out;
}

/// "(?, ?), (?, ?)" for `rows` rows of `width` placeholders.
std::string PlaceholderRows(size_t rows, size_t width) {
  std::string row = "(";
  for (size_t i = 0; i < width; ++i) {
    row += i == 0 ? "?" : ", ?";
  }
  row += ')';
  std::string out;
  for (size_t i = 0; i < rows; ++i) {
    out += i == 0 ? "" : ", ";
    out += row;
  }
  return out;
}

constexpr std::string_view kRecipientCols =
    "r.name_key, r.id, r.name, r.authentication_type, r.owner, r.comment, r.ip_access_list, "
    "r.expiration_time, r.created_at, r.created_by, r.updated_at, r.updated_by";
constexpr size_t kRecipientColCount = 12;
RecipientInfo ToRecipient(const SqlRow& r, size_t o = 0) {
  RecipientInfo x;
  x.id = ToStr(r[o + 1]);
  x.name = ToStr(r[o + 2]);
  x.authentication_type = ToStr(r[o + 3]);
  x.owner = ToStr(r[o + 4]);
  x.comment = ToStr(r[o + 5]);
  x.ip_access_list = SplitLines(ToStr(r[o + 6]));
  x.expiration_time = ToOptInt(r[o + 7]);
  x.created_at = ToInt(r[o + 8]);
  x.created_by = ToStr(r[o + 9]);
  x.updated_at = ToInt(r[o + 10]);
  x.updated_by = ToStr(r[o + 11]);
  return x;
}

constexpr std::string_view kTokenCols =
    "t.id, r.name, t.created_at, t.created_by, t.expires_at, t.revoked_at";
RecipientToken ToToken(const SqlRow& r, size_t o = 0) {
  return RecipientToken{ToStr(r[o]),     ToStr(r[o + 1]),    ToInt(r[o + 2]),
                        ToStr(r[o + 3]), ToOptInt(r[o + 4]), ToOptInt(r[o + 5])};
}

constexpr std::string_view kAuditCols =
    "id, time_ms, request_id, action, principal, recipient, source_ip, user_agent, params, "
    "status_code, error, volume";
AuditEvent ToAudit(const SqlRow& r) {
  return AuditEvent{ToInt(r[0]), ToInt(r[1]), ToStr(r[2]), ToStr(r[3]), ToStr(r[4]),  ToStr(r[5]),
                    ToStr(r[6]), ToStr(r[7]), ToStr(r[8]), ToInt(r[9]), ToStr(r[10]), ToStr(r[11])};
}

bool IsHistoryStatus(std::string_view s) { return s == "ENABLED" || s == "DISABLED"; }
bool IsObjectStatus(std::string_view s) { return s == "ACTIVE" || s == "PERMISSION_DENIED"; }

/// Split "a.b.c" into exactly `parts` valid names.
Result<std::vector<std::string>> SplitFullName(std::string_view what, std::string_view full,
                                               size_t parts) {
  std::vector<std::string> out;
  for (std::string_view p : Split(full, '.')) {
    out.emplace_back(p);
  }
  if (out.size() != parts) {
    return InvalidArgument("Invalid {} name '{}': expected {} dot-separated parts", what, full,
                           parts);
  }
  for (const std::string& p : out) {
    LS_RETURN_IF_ERROR(ValidateName(what, p, /*allow_dot=*/false));
  }
  return out;
}

bool PrivilegeAllowedOn(SecurableType type, Privilege p) {
  switch (type) {
    case SecurableType::kMetastore:
      return p == Privilege::kCreateCatalog || p == Privilege::kCreateShare ||
             p == Privilege::kCreateRecipient || p == Privilege::kUseShare ||
             p == Privilege::kUseRecipient || p == Privilege::kSetSharePermission;
    case SecurableType::kCatalog:
      return p == Privilege::kUseCatalog || p == Privilege::kUseSchema || p == Privilege::kSelect;
    case SecurableType::kSchema:
      return p == Privilege::kUseSchema || p == Privilege::kSelect;
    case SecurableType::kTable:
    case SecurableType::kShare:
      return p == Privilege::kSelect;
  }
  return false;
}

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

class SqlCatalog final : public Catalog {
 public:
  explicit SqlCatalog(std::unique_ptr<SqlDatabase> db) : db_(std::move(db)) {
    clock_ = [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
          .count();
    };
  }

  Status Migrate() {
    return db_->Run(TxKind::kMigration, [&](SqlConn& c) -> Status {
      LS_RETURN_IF_ERROR(
          c.Exec("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY, "
                 "applied_at BIGINT NOT NULL)",
                 {}));
      LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query("SELECT MAX(version) FROM schema_version", {}));
      int64_t current = rows.empty() ? 0 : ToInt(rows[0][0]);
      const auto& migrations = Migrations();
      if (current > static_cast<int64_t>(migrations.size())) {
        return Errorf(ErrorCode::kUnsupported,
                      "Metastore schema version {} is newer than this build knows ({})", current,
                      migrations.size());
      }
      for (size_t v = static_cast<size_t>(current); v < migrations.size(); ++v) {
        for (std::string_view stmt : migrations[v]) {
          LS_RETURN_IF_ERROR(c.Exec(Substitute(stmt, *db_), {}));
        }
        LS_RETURN_IF_ERROR(c.Exec("INSERT INTO schema_version (version, applied_at) VALUES (?, ?)",
                                  {static_cast<int64_t>(v + 1), Now()}));
      }
      return OkStatus();
    });
  }

  void SetClockForTest(std::function<int64_t()> now_ms) override { clock_ = std::move(now_ms); }

  // ---- Settings ----

  Result<MetastoreSettings> GetSettings() override {
    MetastoreSettings out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(out, ReadSettings(c));
      return OkStatus();
    }));
    return out;
  }

  Result<MetastoreSettings> UpdateSettings(const MetastoreSettingsUpdate& u) override {
    if (u.recipient_token_lifetime_seconds && *u.recipient_token_lifetime_seconds < 0) {
      return InvalidArgument(
          "delta_sharing_recipient_token_lifetime_in_seconds must not be "
          "negative");
    }
    MetastoreSettings out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      if (u.organization_name) {
        LS_RETURN_IF_ERROR(PutSetting(c, "organization_name", *u.organization_name));
      }
      if (u.recipient_token_lifetime_seconds) {
        LS_RETURN_IF_ERROR(PutSetting(c, "recipient_token_lifetime_seconds",
                                      std::to_string(*u.recipient_token_lifetime_seconds)));
      }
      LS_ASSIGN_OR_RETURN(out, ReadSettings(c));
      return OkStatus();
    }));
    return out;
  }

  Result<std::string> GetOrCreateServerSecret(std::string_view name,
                                              std::string_view candidate) override {
    if (name.empty() || candidate.empty()) {
      return InvalidArgument("a server secret needs a name and a non-empty value");
    }
    // Kept in the settings table under a prefix ReadSettings ignores.
    std::string key = "secret." + std::string(name);
    std::string out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_RETURN_IF_ERROR(c.Exec("INSERT INTO settings (setting, value) VALUES (?, ?) ON CONFLICT "
                                "(setting) DO NOTHING",
                                {Text(key), Text(candidate)})
                             .map([](int64_t) {}));
      LS_ASSIGN_OR_RETURN(SqlRows rows,
                          c.Query("SELECT value FROM settings WHERE setting = ?", {Text(key)}));
      if (rows.empty()) {
        return Errorf(ErrorCode::kInternal, "server secret '{}' vanished after insert", name);
      }
      out = ToStr(rows[0][0]);
      return OkStatus();
    }));
    return out;
  }

  // ---- Principals ----

  Result<Principal> CreatePrincipal(const Principal& in) override {
    LS_RETURN_IF_ERROR(ValidateName("principal", in.name, /*allow_dot=*/true));
    Principal out = in;
    out.id = NewUuid();
    out.created_at = out.updated_at = Now();
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_RETURN_IF_ERROR(CheckAbsent(c, "principals", "Principal", out.name));
      return c
          .Exec(
              "INSERT INTO principals (id, name, name_key, is_admin, comment, created_at, "
              "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
              {out.id, out.name, Key(out.name), int64_t{out.is_admin ? 1 : 0}, out.comment,
               out.created_at, out.updated_at})
          .map([](int64_t) {});
    }));
    return out;
  }

  Result<Principal> GetPrincipal(std::string_view name) override {
    Principal out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(out, ReadPrincipal(c, name));
      return OkStatus();
    }));
    return out;
  }

  Result<Listing<Principal>> ListPrincipals(const PageRequest& page) override {
    LS_ASSIGN_OR_RETURN(PageBounds b, ParsePage(page));
    Listing<Principal> out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(SqlRows rows,
                          c.Query(std::string("SELECT ") + std::string(kPrincipalCols) +
                                      " FROM principals WHERE name_key > ? ORDER BY name_key "
                                      "LIMIT ?",
                                  {b.after, SqlLimit(b)}));
      out = FinishPage<Principal>(std::move(rows), b, ToPrincipal);
      return OkStatus();
    }));
    return out;
  }

  Result<Principal> UpdatePrincipal(std::string_view name, const PrincipalUpdate& u) override {
    if (u.new_name) {
      LS_RETURN_IF_ERROR(ValidateName("principal", *u.new_name, /*allow_dot=*/true));
    }
    Principal out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(out, ReadPrincipal(c, name));
      if (u.new_name && Key(*u.new_name) != Key(out.name)) {
        LS_RETURN_IF_ERROR(CheckAbsent(c, "principals", "Principal", *u.new_name));
      }
      if (u.new_name) {
        out.name = *u.new_name;
      }
      if (u.is_admin) {
        out.is_admin = *u.is_admin;
      }
      if (u.comment) {
        out.comment = *u.comment;
      }
      out.updated_at = Now();
      return c
          .Exec(
              "UPDATE principals SET name = ?, name_key = ?, is_admin = ?, comment = ?, "
              "updated_at = ? WHERE id = ?",
              {out.name, Key(out.name), int64_t{out.is_admin ? 1 : 0}, out.comment, out.updated_at,
               out.id})
          .map([](int64_t) {});
    }));
    return out;
  }

  Status DeletePrincipal(std::string_view name) override {
    return db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(Principal p, ReadPrincipal(c, name));
      LS_RETURN_IF_ERROR(
          c.Exec("DELETE FROM grants WHERE grantee_type = 'PRINCIPAL' AND grantee_id = ?", {p.id}));
      return c.Exec("DELETE FROM principals WHERE id = ?", {p.id}).map([](int64_t) {});
    });
  }

  Result<PrincipalToken> AddPrincipalToken(std::string_view principal, std::string_view token,
                                           std::optional<int64_t> expires_at,
                                           std::string_view comment) override {
    if (token.empty()) {
      return InvalidArgument("An API token must not be empty");
    }
    PrincipalToken out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(Principal p, ReadPrincipal(c, principal));
      out =
          PrincipalToken{NewUuid(), p.name, std::string(comment), Now(), expires_at, std::nullopt};
      return c
          .Exec(
              "INSERT INTO principal_tokens (id, principal_id, token_hash, comment, created_at, "
              "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
              {out.id, p.id, HashToken(token), out.comment, out.created_at, OptVal(expires_at)})
          .map([](int64_t) {});
    }));
    return out;
  }

  Result<std::vector<PrincipalToken>> ListPrincipalTokens(std::string_view principal) override {
    std::vector<PrincipalToken> out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      out.clear();
      LS_ASSIGN_OR_RETURN(Principal p, ReadPrincipal(c, principal));
      LS_ASSIGN_OR_RETURN(SqlRows rows,
                          c.Query("SELECT id, comment, created_at, expires_at, revoked_at FROM "
                                  "principal_tokens WHERE principal_id = ? ORDER BY created_at, id",
                                  {p.id}));
      for (const SqlRow& r : rows) {
        out.push_back(PrincipalToken{ToStr(r[0]), p.name, ToStr(r[1]), ToInt(r[2]), ToOptInt(r[3]),
                                     ToOptInt(r[4])});
      }
      return OkStatus();
    }));
    return out;
  }

  Status RevokePrincipalToken(std::string_view token_id) override {
    return db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(int64_t n, c.Exec("UPDATE principal_tokens SET revoked_at = ? WHERE id "
                                            "= ? AND revoked_at IS NULL",
                                            {Now(), Text(token_id)}));
      if (n == 0) {
        LS_ASSIGN_OR_RETURN(
            SqlRows rows, c.Query("SELECT 1 FROM principal_tokens WHERE id = ?", {Text(token_id)}));
        if (rows.empty()) {
          return NotFound("API token '{}' does not exist", token_id);
        }
      }
      return OkStatus();
    });
  }

  Result<Principal> AuthenticatePrincipal(std::string_view token) override {
    Principal out;
    int64_t now = Now();
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(
          SqlRows rows,
          c.Query("SELECT p.name_key, p.id, p.name, p.is_admin, p.comment, p.created_at, "
                  "p.updated_at FROM principal_tokens t JOIN principals p ON t.principal_id = p.id "
                  "WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR "
                  "t.expires_at > ?)",
                  {HashToken(token), now}));
      if (rows.empty()) {
        return MakeError(ErrorCode::kUnauthenticated, "Invalid or expired API token");
      }
      out = ToPrincipal(rows[0]);
      return OkStatus();
    }));
    return out;
  }

  // ---- Catalogs ----

  Result<CatalogInfo> CreateCatalog(const CatalogInfo& in) override {
    LS_RETURN_IF_ERROR(ValidateName("catalog", in.name, /*allow_dot=*/false));
    CatalogInfo out = in;
    out.id = NewUuid();
    out.created_at = out.updated_at = Now();
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_RETURN_IF_ERROR(CheckAbsent(c, "catalogs", "Catalog", out.name));
      return c
          .Exec(
              "INSERT INTO catalogs (id, name, name_key, owner, comment, created_at, "
              "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
              {out.id, out.name, Key(out.name), out.owner, out.comment, out.created_at,
               out.updated_at})
          .map([](int64_t) {});
    }));
    return out;
  }

  Result<CatalogInfo> GetCatalog(std::string_view name) override {
    CatalogInfo out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(out, ReadCatalog(c, name));
      return OkStatus();
    }));
    return out;
  }

  Result<Listing<CatalogInfo>> ListCatalogs(const PageRequest& page) override {
    LS_ASSIGN_OR_RETURN(PageBounds b, ParsePage(page));
    Listing<CatalogInfo> out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(SqlRows rows,
                          c.Query(std::string("SELECT ") + std::string(kCatalogCols) +
                                      " FROM catalogs c WHERE c.name_key > ? ORDER BY c.name_key "
                                      "LIMIT ?",
                                  {b.after, SqlLimit(b)}));
      out = FinishPage<CatalogInfo>(std::move(rows), b, ToCatalog);
      return OkStatus();
    }));
    return out;
  }

  Result<CatalogInfo> UpdateCatalog(std::string_view name, const ObjectUpdate& u) override {
    if (u.new_name) {
      LS_RETURN_IF_ERROR(ValidateName("catalog", *u.new_name, /*allow_dot=*/false));
    }
    CatalogInfo out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(out, ReadCatalog(c, name));
      if (u.new_name && Key(*u.new_name) != Key(out.name)) {
        LS_RETURN_IF_ERROR(CheckAbsent(c, "catalogs", "Catalog", *u.new_name));
      }
      ApplyUpdate(u, out.name, out.owner, out.comment);
      out.updated_at = Now();
      return c
          .Exec(
              "UPDATE catalogs SET name = ?, name_key = ?, owner = ?, comment = ?, "
              "updated_at = ? WHERE id = ?",
              {out.name, Key(out.name), out.owner, out.comment, out.updated_at, out.id})
          .map([](int64_t) {});
    }));
    return out;
  }

  Status DeleteCatalog(std::string_view name, bool force) override {
    return db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(CatalogInfo cat, ReadCatalog(c, name));
      LS_ASSIGN_OR_RETURN(SqlRows rows,
                          c.Query("SELECT 1 FROM schemas WHERE catalog_id = ? LIMIT 1", {cat.id}));
      if (!rows.empty() && !force) {
        return InvalidArgument("Catalog '{}' is not empty; delete its schemas or use force",
                               cat.name);
      }
      LS_RETURN_IF_ERROR(c.Exec(
          "DELETE FROM grants WHERE securable_type = 'TABLE' AND securable_id IN (SELECT t.id "
          "FROM delta_tables t JOIN schemas s ON t.schema_id = s.id WHERE s.catalog_id = ?)",
          {cat.id}));
      LS_RETURN_IF_ERROR(c.Exec(
          "DELETE FROM grants WHERE securable_type = 'SCHEMA' AND securable_id IN (SELECT id "
          "FROM schemas WHERE catalog_id = ?)",
          {cat.id}));
      LS_RETURN_IF_ERROR(c.Exec(
          "DELETE FROM grants WHERE securable_type = 'CATALOG' AND securable_id = ?", {cat.id}));
      return c.Exec("DELETE FROM catalogs WHERE id = ?", {cat.id}).map([](int64_t) {});
    });
  }

  // ---- Schemas ----

  Result<SchemaInfo> CreateSchema(const SchemaInfo& in) override {
    LS_RETURN_IF_ERROR(ValidateName("schema", in.name, /*allow_dot=*/false));
    SchemaInfo out = in;
    out.id = NewUuid();
    out.created_at = out.updated_at = Now();
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(CatalogInfo cat, ReadCatalog(c, in.catalog_name));
      out.catalog_name = cat.name;
      LS_ASSIGN_OR_RETURN(SqlRows rows,
                          c.Query("SELECT 1 FROM schemas WHERE catalog_id = ? AND name_key = ?",
                                  {cat.id, Key(out.name)}));
      if (!rows.empty()) {
        return Errorf(ErrorCode::kAlreadyExists, "Schema '{}.{}' already exists", cat.name,
                      out.name);
      }
      return c
          .Exec(
              "INSERT INTO schemas (id, catalog_id, name, name_key, owner, comment, created_at, "
              "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
              {out.id, cat.id, out.name, Key(out.name), out.owner, out.comment, out.created_at,
               out.updated_at})
          .map([](int64_t) {});
    }));
    return out;
  }

  Result<SchemaInfo> GetSchema(std::string_view catalog, std::string_view name) override {
    SchemaInfo out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(out, ReadSchema(c, catalog, name));
      return OkStatus();
    }));
    return out;
  }

  Result<Listing<SchemaInfo>> ListSchemas(std::string_view catalog,
                                          const PageRequest& page) override {
    LS_ASSIGN_OR_RETURN(PageBounds b, ParsePage(page));
    Listing<SchemaInfo> out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(CatalogInfo cat, ReadCatalog(c, catalog));
      LS_ASSIGN_OR_RETURN(
          SqlRows rows,
          c.Query(std::string(kSchemaSelect) + "WHERE s.catalog_id = ? AND s.name_key > ? ORDER BY "
                                               "s.name_key LIMIT ?",
                  {cat.id, b.after, SqlLimit(b)}));
      out = FinishPage<SchemaInfo>(std::move(rows), b, ToSchema);
      return OkStatus();
    }));
    return out;
  }

  Result<SchemaInfo> UpdateSchema(std::string_view catalog, std::string_view name,
                                  const ObjectUpdate& u) override {
    if (u.new_name) {
      LS_RETURN_IF_ERROR(ValidateName("schema", *u.new_name, /*allow_dot=*/false));
    }
    SchemaInfo out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(out, ReadSchema(c, catalog, name));
      if (u.new_name && Key(*u.new_name) != Key(out.name)) {
        auto existing = ReadSchema(c, catalog, *u.new_name);
        if (existing) {
          return Errorf(ErrorCode::kAlreadyExists, "Schema '{}.{}' already exists",
                        out.catalog_name, *u.new_name);
        }
      }
      ApplyUpdate(u, out.name, out.owner, out.comment);
      out.updated_at = Now();
      return c
          .Exec(
              "UPDATE schemas SET name = ?, name_key = ?, owner = ?, comment = ?, "
              "updated_at = ? WHERE id = ?",
              {out.name, Key(out.name), out.owner, out.comment, out.updated_at, out.id})
          .map([](int64_t) {});
    }));
    return out;
  }

  Status DeleteSchema(std::string_view catalog, std::string_view name, bool force) override {
    return db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(SchemaInfo s, ReadSchema(c, catalog, name));
      LS_ASSIGN_OR_RETURN(
          SqlRows rows, c.Query("SELECT 1 FROM delta_tables WHERE schema_id = ? LIMIT 1", {s.id}));
      if (!rows.empty() && !force) {
        return InvalidArgument("Schema '{}' is not empty; delete its tables or use force",
                               s.full_name());
      }
      LS_RETURN_IF_ERROR(
          c.Exec("DELETE FROM grants WHERE securable_type = 'TABLE' AND securable_id IN (SELECT id "
                 "FROM delta_tables WHERE schema_id = ?)",
                 {s.id}));
      LS_RETURN_IF_ERROR(c.Exec(
          "DELETE FROM grants WHERE securable_type = 'SCHEMA' AND securable_id = ?", {s.id}));
      return c.Exec("DELETE FROM schemas WHERE id = ?", {s.id}).map([](int64_t) {});
    });
  }

  // ---- Tables ----

  Result<TableInfo> CreateTable(const TableInfo& in) override {
    LS_RETURN_IF_ERROR(ValidateName("table", in.name, /*allow_dot=*/false));
    if (in.storage_location.empty()) {
      return InvalidArgument("Table '{}' needs a storage_location", in.name);
    }
    TableInfo out = in;
    out.id = NewUuid();
    out.created_at = out.updated_at = Now();
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(SchemaInfo s, ReadSchema(c, in.catalog_name, in.schema_name));
      out.catalog_name = s.catalog_name;
      out.schema_name = s.name;
      LS_ASSIGN_OR_RETURN(SqlRows rows,
                          c.Query("SELECT 1 FROM delta_tables WHERE schema_id = ? AND name_key = ?",
                                  {s.id, Key(out.name)}));
      if (!rows.empty()) {
        return Errorf(ErrorCode::kAlreadyExists, "Table '{}' already exists", out.full_name());
      }
      return c
          .Exec(
              "INSERT INTO delta_tables (id, schema_id, name, name_key, storage_location, owner, "
              "comment, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {out.id, s.id, out.name, Key(out.name), out.storage_location, out.owner, out.comment,
               out.created_at, out.updated_at})
          .map([](int64_t) {});
    }));
    return out;
  }

  Result<TableInfo> GetTable(std::string_view full_name) override {
    TableInfo out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(out, ReadTable(c, full_name));
      return OkStatus();
    }));
    return out;
  }

  Result<Listing<TableInfo>> ListTables(std::string_view catalog, std::string_view schema,
                                        const PageRequest& page) override {
    LS_ASSIGN_OR_RETURN(PageBounds b, ParsePage(page));
    Listing<TableInfo> out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(SchemaInfo s, ReadSchema(c, catalog, schema));
      LS_ASSIGN_OR_RETURN(
          SqlRows rows,
          c.Query(std::string(kTableSelect) + "WHERE t.schema_id = ? AND t.name_key > ? ORDER BY "
                                              "t.name_key LIMIT ?",
                  {s.id, b.after, SqlLimit(b)}));
      out = FinishPage<TableInfo>(std::move(rows), b, ToTable);
      return OkStatus();
    }));
    return out;
  }

  Result<TableInfo> UpdateTable(std::string_view full_name, const TableUpdate& u) override {
    if (u.new_name) {
      LS_RETURN_IF_ERROR(ValidateName("table", *u.new_name, /*allow_dot=*/false));
    }
    if (u.storage_location && u.storage_location->empty()) {
      return InvalidArgument("storage_location must not be empty");
    }
    TableInfo out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(out, ReadTable(c, full_name));
      if (u.new_name && Key(*u.new_name) != Key(out.name)) {
        std::string other = out.catalog_name + "." + out.schema_name + "." + *u.new_name;
        if (ReadTable(c, other)) {
          return Errorf(ErrorCode::kAlreadyExists, "Table '{}' already exists", other);
        }
      }
      ApplyUpdate(ObjectUpdate{u.new_name, u.owner, u.comment}, out.name, out.owner, out.comment);
      if (u.storage_location) {
        out.storage_location = *u.storage_location;
      }
      out.updated_at = Now();
      return c
          .Exec(
              "UPDATE delta_tables SET name = ?, name_key = ?, storage_location = ?, owner = ?, "
              "comment = ?, updated_at = ? WHERE id = ?",
              {out.name, Key(out.name), out.storage_location, out.owner, out.comment,
               out.updated_at, out.id})
          .map([](int64_t) {});
    }));
    return out;
  }

  Status DeleteTable(std::string_view full_name) override {
    return db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(TableInfo t, ReadTable(c, full_name));
      LS_RETURN_IF_ERROR(
          c.Exec("DELETE FROM grants WHERE securable_type = 'TABLE' AND securable_id = ?", {t.id}));
      return c.Exec("DELETE FROM delta_tables WHERE id = ?", {t.id}).map([](int64_t) {});
    });
  }

  // ---- Shares ----

  Result<ShareInfo> CreateShare(const ShareInfo& in) override {
    LS_RETURN_IF_ERROR(ValidateName("share", in.name, /*allow_dot=*/true));
    ShareInfo out = in;
    out.objects.clear();
    out.id = NewUuid();
    out.created_at = out.updated_at = Now();
    out.updated_by = out.created_by;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_RETURN_IF_ERROR(CheckAbsent(c, "shares", "Share", out.name));
      return c
          .Exec(
              "INSERT INTO shares (id, name, name_key, owner, comment, created_at, created_by, "
              "updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {out.id, out.name, Key(out.name), out.owner, out.comment, out.created_at,
               out.created_by, out.updated_at, out.updated_by})
          .map([](int64_t) {});
    }));
    return out;
  }

  Result<ShareInfo> GetShare(std::string_view name, bool include_shared_data) override {
    ShareInfo out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(out, ReadShare(c, name, include_shared_data));
      return OkStatus();
    }));
    return out;
  }

  Result<std::vector<ShareContents>> GetSharesWithTables(
      const std::vector<std::string>& names) override {
    std::vector<std::vector<std::string>> share_keys;
    std::set<std::string> seen_shares;
    for (const std::string& name : names) {
      if (seen_shares.insert(Key(name)).second) {
        share_keys.push_back({Key(name)});
      }
    }
    std::vector<ShareContents> out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      out.clear();
      // 1. The shares and their objects, one row per object (one row with NULL object columns
      //    for an empty share).
      constexpr size_t kShareColCount = 9;
      for (const std::vector<SqlValue>& batch : KeyBatches(share_keys)) {
        LS_ASSIGN_OR_RETURN(
            SqlRows rows,
            c.Query("SELECT " + Qualified("s", kShareCols) + ", " + Qualified("o", kObjectCols) +
                        " FROM shares s LEFT JOIN shared_objects o ON o.share_id = s.id WHERE "
                        "s.name_key IN " +
                        PlaceholderRows(1, batch.size()) + " ORDER BY s.name_key, o.name_key",
                    batch));
        for (const SqlRow& row : rows) {
          if (out.empty() || out.back().share.id != ToStr(row[1])) {
            out.push_back(ShareContents{ToShare(row), {}});
          }
          if (row[kShareColCount]) {
            out.back().share.objects.push_back(ToObject(row, kShareColCount));
          }
        }
      }
      // 2. The tables the objects name, looked up by their three name keys.
      std::vector<std::vector<std::string>> table_keys;
      std::set<std::vector<std::string>> seen_tables;
      for (const ShareContents& sc : out) {
        for (const SharedDataObject& o : sc.share.objects) {
          auto parts = SplitFullName("table", o.name, 3);
          if (!parts) {
            continue;  // cannot name a table; the object resolves to nothing
          }
          for (std::string& p : *parts) {
            p = Key(p);
          }
          if (seen_tables.insert(*parts).second) {
            table_keys.push_back(std::move(*parts));
          }
        }
      }
      std::map<std::string, TableInfo> tables;  // by Key(full name)
      for (const std::vector<SqlValue>& batch : KeyBatches(table_keys)) {
        LS_ASSIGN_OR_RETURN(
            SqlRows rows,
            c.Query(std::string(kTableSelect) + "JOIN (VALUES " +
                        PlaceholderRows(batch.size() / 3, 3) +
                        ") AS k ON c.name_key = k.column1 AND s.name_key = k.column2 AND "
                        "t.name_key = k.column3",
                    batch));
        for (const SqlRow& row : rows) {
          TableInfo t = ToTable(row);
          tables.emplace(Key(t.full_name()), std::move(t));
        }
      }
      for (ShareContents& sc : out) {
        sc.tables.clear();
        for (const SharedDataObject& o : sc.share.objects) {
          auto it = tables.find(Key(o.name));
          sc.tables.push_back(it == tables.end() ? std::nullopt
                                                 : std::optional<TableInfo>(it->second));
        }
      }
      return OkStatus();
    }));
    return out;
  }

  Result<Listing<ShareInfo>> ListShares(const PageRequest& page) override {
    LS_ASSIGN_OR_RETURN(PageBounds b, ParsePage(page));
    Listing<ShareInfo> out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(SqlRows rows,
                          c.Query(std::string("SELECT ") + std::string(kShareCols) +
                                      " FROM shares WHERE name_key > ? ORDER BY name_key LIMIT ?",
                                  {b.after, SqlLimit(b)}));
      out = FinishPage<ShareInfo>(std::move(rows), b, ToShare);
      return OkStatus();
    }));
    return out;
  }

  Result<ShareInfo> UpdateShare(std::string_view name, const ObjectUpdate& u,
                                const std::vector<SharedObjectChange>& changes,
                                std::string_view updated_by) override {
    if (u.new_name) {
      LS_RETURN_IF_ERROR(ValidateName("share", *u.new_name, /*allow_dot=*/true));
    }
    ShareInfo out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(out, ReadShare(c, name, /*include_objects=*/false));
      if (u.new_name && Key(*u.new_name) != Key(out.name)) {
        LS_RETURN_IF_ERROR(CheckAbsent(c, "shares", "Share", *u.new_name));
      }
      ApplyUpdate(u, out.name, out.owner, out.comment);
      out.updated_at = Now();
      out.updated_by = std::string(updated_by);
      LS_RETURN_IF_ERROR(
          c.Exec("UPDATE shares SET name = ?, name_key = ?, owner = ?, comment = ?, "
                 "updated_at = ?, updated_by = ? WHERE id = ?",
                 {out.name, Key(out.name), out.owner, out.comment, out.updated_at, out.updated_by,
                  out.id}));
      for (const SharedObjectChange& change : changes) {
        LS_RETURN_IF_ERROR(ApplyObjectChange(c, out, change, updated_by));
      }
      LS_ASSIGN_OR_RETURN(out.objects, ReadObjects(c, out.id));
      return OkStatus();
    }));
    return out;
  }

  Status DeleteShare(std::string_view name) override {
    return db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(ShareInfo s, ReadShare(c, name, false));
      LS_RETURN_IF_ERROR(
          c.Exec("DELETE FROM grants WHERE securable_type = 'SHARE' AND securable_id = ?", {s.id}));
      return c.Exec("DELETE FROM shares WHERE id = ?", {s.id}).map([](int64_t) {});
    });
  }

  // ---- Recipients ----

  Result<RecipientInfo> CreateRecipient(const RecipientInfo& in) override {
    LS_RETURN_IF_ERROR(ValidateName("recipient", in.name, /*allow_dot=*/true));
    LS_RETURN_IF_ERROR(CheckRecipientFields(in.authentication_type, in.ip_access_list));
    RecipientInfo out = in;
    out.id = NewUuid();
    out.created_at = out.updated_at = Now();
    out.updated_by = out.created_by;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_RETURN_IF_ERROR(CheckAbsent(c, "recipients", "Recipient", out.name));
      LS_RETURN_IF_ERROR(
          c.Exec("INSERT INTO recipients (id, name, name_key, authentication_type, owner, comment, "
                 "ip_access_list, expiration_time, created_at, created_by, updated_at, updated_by) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 {out.id, out.name, Key(out.name), out.authentication_type, out.owner, out.comment,
                  JoinLines(out.ip_access_list), OptVal(out.expiration_time), out.created_at,
                  out.created_by, out.updated_at, out.updated_by}));
      return WriteProperties(c, out.id, out.properties);
    }));
    return out;
  }

  Result<RecipientInfo> GetRecipient(std::string_view name) override {
    RecipientInfo out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(out, ReadRecipient(c, name));
      return OkStatus();
    }));
    return out;
  }

  Result<Listing<RecipientInfo>> ListRecipients(const PageRequest& page) override {
    LS_ASSIGN_OR_RETURN(PageBounds b, ParsePage(page));
    Listing<RecipientInfo> out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(SqlRows rows,
                          c.Query(std::string("SELECT ") + std::string(kRecipientCols) +
                                      " FROM recipients r WHERE r.name_key > ? ORDER BY "
                                      "r.name_key LIMIT ?",
                                  {b.after, SqlLimit(b)}));
      out = FinishPage<RecipientInfo>(std::move(rows), b,
                                      [](const SqlRow& r) { return ToRecipient(r); });
      for (RecipientInfo& r : out.items) {
        LS_ASSIGN_OR_RETURN(r.properties, ReadProperties(c, r.id));
      }
      return OkStatus();
    }));
    return out;
  }

  Result<RecipientInfo> UpdateRecipient(std::string_view name, const RecipientUpdate& u) override {
    if (u.new_name) {
      LS_RETURN_IF_ERROR(ValidateName("recipient", *u.new_name, /*allow_dot=*/true));
    }
    if (u.ip_access_list) {
      LS_RETURN_IF_ERROR(CheckRecipientFields("TOKEN", *u.ip_access_list));
    }
    RecipientInfo out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(out, ReadRecipient(c, name));
      if (u.new_name && Key(*u.new_name) != Key(out.name)) {
        LS_RETURN_IF_ERROR(CheckAbsent(c, "recipients", "Recipient", *u.new_name));
      }
      ApplyUpdate(ObjectUpdate{u.new_name, u.owner, u.comment}, out.name, out.owner, out.comment);
      if (u.ip_access_list) {
        out.ip_access_list = *u.ip_access_list;
      }
      if (u.expiration_time) {
        out.expiration_time = *u.expiration_time;
      }
      out.updated_at = Now();
      out.updated_by = u.updated_by;
      LS_RETURN_IF_ERROR(c.Exec(
          "UPDATE recipients SET name = ?, name_key = ?, owner = ?, comment = ?, "
          "ip_access_list = ?, expiration_time = ?, updated_at = ?, updated_by = ? WHERE id = ?",
          {out.name, Key(out.name), out.owner, out.comment, JoinLines(out.ip_access_list),
           OptVal(out.expiration_time), out.updated_at, out.updated_by, out.id}));
      if (u.properties) {
        LS_RETURN_IF_ERROR(
            c.Exec("DELETE FROM recipient_properties WHERE recipient_id = ?", {out.id}));
        LS_RETURN_IF_ERROR(WriteProperties(c, out.id, *u.properties));
        out.properties = *u.properties;
      }
      return OkStatus();
    }));
    return out;
  }

  Status DeleteRecipient(std::string_view name) override {
    return db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, name));
      LS_RETURN_IF_ERROR(
          c.Exec("DELETE FROM grants WHERE grantee_type = 'RECIPIENT' AND grantee_id = ?", {r.id}));
      return c.Exec("DELETE FROM recipients WHERE id = ?", {r.id}).map([](int64_t) {});
    });
  }

  // ---- Recipient tokens ----

  Result<RecipientToken> AddRecipientToken(std::string_view recipient, std::string_view token,
                                           std::optional<int64_t> expires_at,
                                           std::string_view created_by) override {
    if (token.empty()) {
      return InvalidArgument("A recipient token must not be empty");
    }
    RecipientToken out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, recipient));
      LS_ASSIGN_OR_RETURN(out, InsertToken(c, r, token, expires_at, created_by));
      return OkStatus();
    }));
    return out;
  }

  /// UC rotate-token's `existing_token_expire_in_seconds`: 0 (now) or a positive delay.
  static Status CheckExistingExpiry(int64_t existing_expire_in_seconds) {
    if (existing_expire_in_seconds < 0) {
      return InvalidArgument("existing_token_expire_in_seconds must not be negative");
    }
    if (existing_expire_in_seconds > kNoLimit / 1000) {
      return InvalidArgument("existing_token_expire_in_seconds is too large");
    }
    return OkStatus();
  }

  Result<RecipientToken> RotateRecipientToken(std::string_view recipient,
                                              std::string_view new_token,
                                              std::optional<int64_t> new_expires_at,
                                              int64_t existing_expire_in_seconds,
                                              std::string_view created_by) override {
    LS_RETURN_IF_ERROR(CheckExistingExpiry(existing_expire_in_seconds));
    if (new_token.empty()) {
      return InvalidArgument("A recipient token must not be empty");
    }
    RecipientToken out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, recipient));
      LS_RETURN_IF_ERROR(ShortenLiveTokens(c, r.id, Now(), existing_expire_in_seconds));
      LS_ASSIGN_OR_RETURN(out, InsertToken(c, r, new_token, new_expires_at, created_by));
      return OkStatus();
    }));
    return out;
  }

  Status RevokeRecipientTokens(std::string_view recipient) override {
    return db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, recipient));
      return c
          .Exec(
              "UPDATE recipient_tokens SET revoked_at = ? WHERE recipient_id = ? AND "
              "revoked_at IS NULL",
              {Now(), r.id})
          .map([](int64_t) {});
    });
  }

  Result<std::vector<RecipientToken>> ListRecipientTokens(std::string_view recipient) override {
    std::vector<RecipientToken> out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      out.clear();
      LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, recipient));
      LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query(std::string("SELECT ") + std::string(kTokenCols) +
                                                    " FROM recipient_tokens t JOIN recipients r ON "
                                                    "t.recipient_id = r.id WHERE r.id = ? ORDER BY "
                                                    "t.created_at, t.id",
                                                {r.id}));
      for (const SqlRow& row : rows) {
        out.push_back(ToToken(row));
      }
      return OkStatus();
    }));
    return out;
  }

  Result<RecipientAuth> AuthenticateRecipient(std::string_view token) override {
    RecipientAuth out;
    int64_t now = Now();
    // One statement (token, recipient and one row per property): the hot path of every
    // request whose token is not cached.
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kReadOne, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(
          SqlRows rows,
          c.Query(std::string("SELECT ") + std::string(kRecipientCols) + ", " +
                      std::string(kTokenCols) +
                      ", p.prop_key, p.prop_value FROM recipient_tokens t JOIN recipients r ON "
                      "t.recipient_id = r.id LEFT JOIN recipient_properties p ON "
                      "p.recipient_id = r.id WHERE t.token_hash = ?",
                  {HashToken(token)}));
      if (rows.empty()) {
        return MakeError(ErrorCode::kUnauthenticated, "Invalid or expired bearer token");
      }
      out.recipient = ToRecipient(rows[0]);
      out.token = ToToken(rows[0], kRecipientColCount);
      if (!out.token.IsLive(now) ||
          (out.recipient.expiration_time && *out.recipient.expiration_time <= now)) {
        return MakeError(ErrorCode::kUnauthenticated, "Invalid or expired bearer token");
      }
      constexpr size_t kPropAt = kRecipientColCount + 6;
      out.recipient.properties.clear();
      for (const SqlRow& row : rows) {
        if (row[kPropAt]) {
          out.recipient.properties[ToStr(row[kPropAt])] = ToStr(row[kPropAt + 1]);
        }
      }
      return OkStatus();
    }));
    return out;
  }

  // ---- Activation links ----

  Result<ActivationLink> CreateActivationLink(std::string_view recipient,
                                              std::string_view link_token,
                                              int64_t expires_at) override {
    if (link_token.empty()) {
      return InvalidArgument("An activation token must not be empty");
    }
    ActivationLink out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, recipient));
      out = ActivationLink{r.name, Now(), expires_at, std::nullopt};
      return c
          .Exec(
              "INSERT INTO activation_links (token_hash, recipient_id, created_at, expires_at) "
              "VALUES (?, ?, ?, ?)",
              {HashToken(link_token), r.id, out.created_at, out.expires_at})
          .map([](int64_t) {});
    }));
    return out;
  }

  Result<ActivationLink> GetActivationLink(std::string_view link_token) override {
    ActivationLink out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(out, ReadLink(c, link_token));
      return OkStatus();
    }));
    return out;
  }

  Result<Activation> RedeemActivationLink(std::string_view link_token,
                                          std::string_view bearer_token,
                                          std::optional<int64_t> token_expires_at) override {
    if (bearer_token.empty()) {
      return InvalidArgument("A recipient token must not be empty");
    }
    Activation out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      int64_t now = Now();
      std::string hash = HashToken(link_token);
      LS_ASSIGN_OR_RETURN(int64_t n,
                          c.Exec("UPDATE activation_links SET used_at = ? WHERE token_hash = ? "
                                 "AND used_at IS NULL AND expires_at > ?",
                                 {now, hash, now}));
      if (n != 1) {
        LS_ASSIGN_OR_RETURN(ActivationLink link, ReadLink(c, link_token));
        if (link.used_at) {
          return MakeError(ErrorCode::kPermissionDenied,
                           "The activation link was already used; ask the provider for a new one");
        }
        return MakeError(ErrorCode::kPermissionDenied, "The activation link has expired");
      }
      LS_ASSIGN_OR_RETURN(ActivationLink link, ReadLink(c, link_token));
      LS_ASSIGN_OR_RETURN(out.recipient, ReadRecipient(c, link.recipient_name));
      LS_ASSIGN_OR_RETURN(
          out.token, InsertToken(c, out.recipient, bearer_token, token_expires_at, "activation"));
      return OkStatus();
    }));
    return out;
  }

  Result<ActivationLink> RotateRecipientActivation(std::string_view recipient,
                                                   std::string_view link_token,
                                                   int64_t link_expires_at,
                                                   int64_t existing_expire_in_seconds) override {
    LS_RETURN_IF_ERROR(CheckExistingExpiry(existing_expire_in_seconds));
    if (link_token.empty()) {
      return InvalidArgument("An activation token must not be empty");
    }
    ActivationLink out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, recipient));
      int64_t now = Now();
      LS_RETURN_IF_ERROR(ShortenLiveTokens(c, r.id, now, existing_expire_in_seconds));
      LS_ASSIGN_OR_RETURN(int64_t live, CountLiveTokens(c, r.id, now));
      if (live >= 2) {
        return TwoActiveTokensError(r.name);
      }
      LS_RETURN_IF_ERROR(c.Exec(
          "UPDATE activation_links SET expires_at = ? WHERE recipient_id = ? AND used_at IS NULL "
          "AND expires_at > ?",
          {now, r.id, now}));
      out = ActivationLink{r.name, now, link_expires_at, std::nullopt};
      return c
          .Exec(
              "INSERT INTO activation_links (token_hash, recipient_id, created_at, expires_at) "
              "VALUES (?, ?, ?, ?)",
              {HashToken(link_token), r.id, out.created_at, out.expires_at})
          .map([](int64_t) {});
    }));
    return out;
  }

  // ---- Grants ----

  Result<std::vector<PrivilegeAssignment>> UpdatePermissions(
      SecurableType type, std::string_view full_name,
      const std::vector<PermissionsChange>& changes) override {
    for (const PermissionsChange& ch : changes) {
      for (const auto* list : {&ch.add, &ch.remove}) {
        for (Privilege p : *list) {
          if (!PrivilegeAllowedOn(type, p)) {
            return InvalidArgument("Privilege {} does not apply to a {}", PrivilegeName(p),
                                   SecurableTypeName(type));
          }
        }
      }
    }
    std::vector<PrivilegeAssignment> out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(std::string sid, SecurableId(c, type, full_name));
      std::string stype(SecurableTypeName(type));
      std::string gtype = type == SecurableType::kShare ? "RECIPIENT" : "PRINCIPAL";
      for (const PermissionsChange& ch : changes) {
        std::string gid;
        if (type == SecurableType::kShare) {
          LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, ch.principal));
          gid = r.id;
        } else {
          LS_ASSIGN_OR_RETURN(Principal p, ReadPrincipal(c, ch.principal));
          gid = p.id;
        }
        for (Privilege p : ch.add) {
          LS_RETURN_IF_ERROR(
              c.Exec("INSERT INTO grants (securable_type, securable_id, grantee_type, grantee_id, "
                     "privilege) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                     {stype, sid, gtype, gid, Text(PrivilegeName(p))}));
        }
        for (Privilege p : ch.remove) {
          LS_RETURN_IF_ERROR(
              c.Exec("DELETE FROM grants WHERE securable_type = ? AND securable_id = ? AND "
                     "grantee_type = ? AND grantee_id = ? AND privilege = ?",
                     {stype, sid, gtype, gid, Text(PrivilegeName(p))}));
        }
      }
      LS_ASSIGN_OR_RETURN(out, ReadPermissions(c, stype, sid));
      return OkStatus();
    }));
    return out;
  }

  Result<std::vector<PrivilegeAssignment>> GetPermissions(SecurableType type,
                                                          std::string_view full_name) override {
    std::vector<PrivilegeAssignment> out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      LS_ASSIGN_OR_RETURN(std::string sid, SecurableId(c, type, full_name));
      LS_ASSIGN_OR_RETURN(out, ReadPermissions(c, std::string(SecurableTypeName(type)), sid));
      return OkStatus();
    }));
    return out;
  }

  Result<std::vector<ShareGrant>> ListRecipientShareGrants(std::string_view recipient) override {
    std::vector<ShareGrant> out;
    // One statement: the recipient (so that an unknown one is told apart from one without
    // grants) and its share grants.
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kReadOne, [&](SqlConn& c) -> Status {
      out.clear();
      LS_ASSIGN_OR_RETURN(
          SqlRows rows,
          c.Query("SELECT s.name, g.privilege FROM recipients r LEFT JOIN grants g ON "
                  "g.securable_type = 'SHARE' AND g.grantee_type = 'RECIPIENT' AND "
                  "g.grantee_id = r.id LEFT JOIN shares s ON s.id = g.securable_id "
                  "WHERE r.name_key = ? ORDER BY s.name_key",
                  {Key(recipient)}));
      if (rows.empty()) {
        return NotFound("Recipient '{}' does not exist", recipient);
      }
      for (const SqlRow& row : rows) {
        if (!row[0]) {
          continue;  // no grant (or a grant whose share is gone)
        }
        auto p = ParsePrivilege(ToStr(row[1]));
        if (!p) {
          continue;  // written by a newer build
        }
        if (out.empty() || out.back().share_name != ToStr(row[0])) {
          out.push_back(ShareGrant{ToStr(row[0]), {}});
        }
        out.back().privileges.push_back(*p);
      }
      return OkStatus();
    }));
    return out;
  }

  Result<bool> HasPrivilege(std::string_view principal, SecurableType type,
                            std::string_view full_name, Privilege privilege) override {
    bool out = false;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      out = false;
      auto p = ReadPrincipal(c, principal);
      if (!p) {
        return p.error().code == ErrorCode::kNotFound ? OkStatus()
                                                      : Status(tl::unexpected(p.error()));
      }
      if (p->is_admin) {
        out = true;
        return OkStatus();
      }
      // (securable type, id, owner) from the securable up to its catalog.
      std::vector<std::tuple<std::string, std::string, std::string>> chain;
      switch (type) {
        case SecurableType::kMetastore:
          chain.emplace_back("METASTORE", std::string(kMetastoreId), "");
          break;
        case SecurableType::kShare: {
          LS_ASSIGN_OR_RETURN(ShareInfo s, ReadShare(c, full_name, false));
          chain.emplace_back("SHARE", s.id, s.owner);
          break;
        }
        case SecurableType::kCatalog: {
          LS_ASSIGN_OR_RETURN(CatalogInfo cat, ReadCatalog(c, full_name));
          chain.emplace_back("CATALOG", cat.id, cat.owner);
          break;
        }
        case SecurableType::kSchema:
        case SecurableType::kTable: {
          std::string schema_name = std::string(full_name);
          if (type == SecurableType::kTable) {
            LS_ASSIGN_OR_RETURN(TableInfo t, ReadTable(c, full_name));
            chain.emplace_back("TABLE", t.id, t.owner);
            schema_name = t.catalog_name + "." + t.schema_name;
          }
          LS_ASSIGN_OR_RETURN(std::vector<std::string> parts,
                              SplitFullName("schema", schema_name, 2));
          LS_ASSIGN_OR_RETURN(SchemaInfo s, ReadSchema(c, parts[0], parts[1]));
          chain.emplace_back("SCHEMA", s.id, s.owner);
          LS_ASSIGN_OR_RETURN(CatalogInfo cat, ReadCatalog(c, parts[0]));
          chain.emplace_back("CATALOG", cat.id, cat.owner);
          break;
        }
      }
      for (const auto& [stype, sid, owner] : chain) {
        if (!owner.empty() && Key(owner) == Key(p->name)) {
          out = true;
          return OkStatus();
        }
        LS_ASSIGN_OR_RETURN(
            SqlRows rows,
            c.Query("SELECT 1 FROM grants WHERE securable_type = ? AND securable_id = ? AND "
                    "grantee_type = 'PRINCIPAL' AND grantee_id = ? AND privilege = ?",
                    {stype, sid, p->id, Text(PrivilegeName(privilege))}));
        if (!rows.empty()) {
          out = true;
          return OkStatus();
        }
      }
      return OkStatus();
    }));
    return out;
  }

  // ---- Audit ----

  Status AppendAuditEvents(std::span<const AuditEvent> events) override {
    if (events.empty()) {
      return OkStatus();
    }
    return db_->Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
      for (const AuditEvent& e : events) {
        LS_RETURN_IF_ERROR(c.Exec(
            "INSERT INTO audit_events (time_ms, request_id, action, principal, recipient, "
            "source_ip, user_agent, params, status_code, error, volume) VALUES (?, ?, ?, ?, ?, ?, "
            "?, ?, ?, ?, ?)",
            {e.time_ms, e.request_id, e.action, e.principal, e.recipient, e.source_ip, e.user_agent,
             e.params_json, e.status_code, e.error, e.volume_json}));
      }
      return OkStatus();
    });
  }

  Result<Listing<AuditEvent>> QueryAuditEvents(const AuditQuery& q) override {
    if (q.page.max_results < 0) {
      return InvalidArgument("max_results must not be negative, got {}", q.page.max_results);
    }
    std::string sql =
        std::string("SELECT ") + std::string(kAuditCols) + " FROM audit_events WHERE 1 = 1";
    std::vector<SqlValue> params;
    if (q.from_ms) {
      sql += " AND time_ms >= ?";
      params.push_back(*q.from_ms);
    }
    if (q.to_ms) {
      sql += " AND time_ms < ?";
      params.push_back(*q.to_ms);
    }
    for (auto [column, value] : {std::pair<const char*, const std::string*>{"action", &q.action},
                                 {"principal", &q.principal},
                                 {"recipient", &q.recipient}}) {
      if (!value->empty()) {
        sql += std::string(" AND ") + column + " = ?";
        params.push_back(*value);
      }
    }
    if (!q.page.page_token.empty()) {
      std::optional<std::string> decoded = Base64Decode(q.page.page_token);
      int64_t t = 0;
      int64_t id = 0;
      if (!decoded || decoded->size() < 2 || (*decoded)[0] != 'a' ||
          std::sscanf(decoded->c_str() + 1, "%ld:%ld", &t, &id) != 2) {
        return InvalidArgument("Invalid page_token");
      }
      sql += " AND (time_ms > ? OR (time_ms = ? AND id > ?))";
      params.push_back(t);
      params.push_back(t);
      params.push_back(id);
    }
    int64_t max = q.page.max_results;
    sql += " ORDER BY time_ms, id LIMIT ?";
    params.push_back(max == 0 ? kNoLimit : max + 1);
    Listing<AuditEvent> out;
    LS_RETURN_IF_ERROR(db_->Run(TxKind::kRead, [&](SqlConn& c) -> Status {
      out = {};
      LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query(sql, params));
      for (const SqlRow& r : rows) {
        out.items.push_back(ToAudit(r));
      }
      if (max > 0 && static_cast<int64_t>(out.items.size()) > max) {
        out.items.resize(static_cast<size_t>(max));
        const AuditEvent& last = out.items.back();
        out.next_page_token =
            Base64Encode("a" + std::to_string(last.time_ms) + ":" + std::to_string(last.id));
      }
      return OkStatus();
    }));
    return out;
  }

 private:
  int64_t Now() const { return clock_(); }

  static void ApplyUpdate(const ObjectUpdate& u, std::string& name, std::string& owner,
                          std::string& comment) {
    if (u.new_name) {
      name = *u.new_name;
    }
    if (u.owner) {
      owner = *u.owner;
    }
    if (u.comment) {
      comment = *u.comment;
    }
  }

  static Status CheckRecipientFields(std::string_view auth_type,
                                     const std::vector<std::string>& ips) {
    if (auth_type != "TOKEN" && auth_type != "OIDC") {
      return InvalidArgument("authentication_type must be TOKEN or OIDC, got '{}'", auth_type);
    }
    for (const std::string& ip : ips) {
      if (ip.empty() || ip.find_first_of(" \n\t") != std::string::npos) {
        return InvalidArgument("Invalid ip_access_list entry '{}'", ip);
      }
    }
    return OkStatus();
  }

  /// kAlreadyExists when `table` has a row named `name` (case-insensitively).
  static Status CheckAbsent(SqlConn& c, std::string_view table, std::string_view what,
                            std::string_view name) {
    LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query(std::string("SELECT 1 FROM ") + std::string(table) +
                                                  " WHERE name_key = ?",
                                              {Key(name)}));
    if (!rows.empty()) {
      return Errorf(ErrorCode::kAlreadyExists, "{} '{}' already exists", what, name);
    }
    return OkStatus();
  }

  static Result<MetastoreSettings> ReadSettings(SqlConn& c) {
    LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query("SELECT setting, value FROM settings", {}));
    MetastoreSettings s;
    for (const SqlRow& r : rows) {
      if (ToStr(r[0]) == "organization_name") {
        s.organization_name = ToStr(r[1]);
      } else if (ToStr(r[0]) == "recipient_token_lifetime_seconds") {
        s.recipient_token_lifetime_seconds = ToInt(r[1]);
      }
    }
    return s;
  }

  static Status PutSetting(SqlConn& c, std::string_view key, std::string_view value) {
    return c
        .Exec(
            "INSERT INTO settings (setting, value) VALUES (?, ?) ON CONFLICT (setting) DO "
            "UPDATE SET value = excluded.value",
            {Text(key), Text(value)})
        .map([](int64_t) {});
  }

  static Result<Principal> ReadPrincipal(SqlConn& c, std::string_view name) {
    LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query(std::string("SELECT ") + std::string(kPrincipalCols) +
                                                  " FROM principals WHERE name_key = ?",
                                              {Key(name)}));
    if (rows.empty()) {
      return NotFound("Principal '{}' does not exist", name);
    }
    return ToPrincipal(rows[0]);
  }

  static Result<CatalogInfo> ReadCatalog(SqlConn& c, std::string_view name) {
    LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query(std::string("SELECT ") + std::string(kCatalogCols) +
                                                  " FROM catalogs c WHERE c.name_key = ?",
                                              {Key(name)}));
    if (rows.empty()) {
      return NotFound("Catalog '{}' does not exist", name);
    }
    return ToCatalog(rows[0]);
  }

  static Result<SchemaInfo> ReadSchema(SqlConn& c, std::string_view catalog,
                                       std::string_view name) {
    LS_ASSIGN_OR_RETURN(CatalogInfo cat, ReadCatalog(c, catalog));
    LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query(std::string(kSchemaSelect) +
                                                  "WHERE s.catalog_id = ? AND s.name_key = ?",
                                              {cat.id, Key(name)}));
    if (rows.empty()) {
      return NotFound("Schema '{}.{}' does not exist", cat.name, name);
    }
    return ToSchema(rows[0]);
  }

  static Result<TableInfo> ReadTable(SqlConn& c, std::string_view full_name) {
    LS_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitFullName("table", full_name, 3));
    LS_ASSIGN_OR_RETURN(SchemaInfo s, ReadSchema(c, parts[0], parts[1]));
    LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query(std::string(kTableSelect) +
                                                  "WHERE t.schema_id = ? AND t.name_key = ?",
                                              {s.id, Key(parts[2])}));
    if (rows.empty()) {
      return NotFound("Table '{}' does not exist", full_name);
    }
    return ToTable(rows[0]);
  }

  static Result<ShareInfo> ReadShare(SqlConn& c, std::string_view name, bool include_objects) {
    LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query(std::string("SELECT ") + std::string(kShareCols) +
                                                  " FROM shares WHERE name_key = ?",
                                              {Key(name)}));
    if (rows.empty()) {
      return NotFound("Share '{}' does not exist", name);
    }
    ShareInfo s = ToShare(rows[0]);
    if (include_objects) {
      LS_ASSIGN_OR_RETURN(s.objects, ReadObjects(c, s.id));
    }
    return s;
  }

  static Result<std::vector<SharedDataObject>> ReadObjects(SqlConn& c, const std::string& id) {
    LS_ASSIGN_OR_RETURN(SqlRows rows,
                        c.Query(std::string("SELECT ") + std::string(kObjectCols) +
                                    " FROM shared_objects WHERE share_id = ? ORDER BY name_key",
                                {id}));
    std::vector<SharedDataObject> out;
    for (const SqlRow& r : rows) {
      out.push_back(ToObject(r));
    }
    return out;
  }

  Status ApplyObjectChange(SqlConn& c, const ShareInfo& share, const SharedObjectChange& ch,
                           std::string_view by) {
    const SharedDataObject& o = ch.object;
    if (ch.action == SharedObjectChange::Action::kRemove) {
      std::string key = Key(o.name.empty() ? o.shared_as : o.name);
      LS_ASSIGN_OR_RETURN(int64_t n, c.Exec("DELETE FROM shared_objects WHERE share_id = ? AND "
                                            "(name_key = ? OR shared_as_key = ?)",
                                            {share.id, key, key}));
      if (n == 0) {
        return NotFound("Table '{}' is not in share '{}'", o.name.empty() ? o.shared_as : o.name,
                        share.name);
      }
      return OkStatus();
    }
    if (!IsHistoryStatus(o.history_data_sharing_status)) {
      return InvalidArgument("history_data_sharing_status must be ENABLED or DISABLED, got '{}'",
                             o.history_data_sharing_status);
    }
    if (!IsObjectStatus(o.status)) {
      return InvalidArgument("status must be ACTIVE or PERMISSION_DENIED, got '{}'", o.status);
    }
    if (o.start_version && *o.start_version < 0) {
      return InvalidArgument("start_version must not be negative");
    }
    LS_ASSIGN_OR_RETURN(TableInfo table, ReadTable(c, o.name));
    std::string shared_as =
        o.shared_as.empty() ? table.schema_name + "." + table.name : o.shared_as;
    LS_RETURN_IF_ERROR(SplitFullName("shared_as", shared_as, 2));
    if (ch.action == SharedObjectChange::Action::kAdd) {
      LS_ASSIGN_OR_RETURN(SqlRows rows,
                          c.Query("SELECT name FROM shared_objects WHERE share_id = ? AND "
                                  "(name_key = ? OR shared_as_key = ?)",
                                  {share.id, Key(o.name), Key(shared_as)}));
      if (!rows.empty()) {
        return Errorf(ErrorCode::kAlreadyExists, "Share '{}' already holds '{}' (as '{}')",
                      share.name, o.name, shared_as);
      }
      return c
          .Exec(
              "INSERT INTO shared_objects (share_id, name, name_key, shared_as, shared_as_key, "
              "comment, history_status, cdf_enabled, start_version, partitions, status, "
              "added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {share.id, table.full_name(), Key(o.name), shared_as, Key(shared_as), o.comment,
               o.history_data_sharing_status, int64_t{o.cdf_enabled ? 1 : 0},
               OptVal(o.start_version), o.partitions_json, o.status, Now(), Text(by)})
          .map([](int64_t) {});
    }
    // kUpdate: replace the mutable fields of an object already in the share.
    LS_ASSIGN_OR_RETURN(SqlRows clash,
                        c.Query("SELECT 1 FROM shared_objects WHERE share_id = ? AND "
                                "shared_as_key = ? AND name_key <> ?",
                                {share.id, Key(shared_as), Key(o.name)}));
    if (!clash.empty()) {
      return Errorf(ErrorCode::kAlreadyExists, "Share '{}' already exposes a table as '{}'",
                    share.name, shared_as);
    }
    LS_ASSIGN_OR_RETURN(
        int64_t n,
        c.Exec("UPDATE shared_objects SET shared_as = ?, shared_as_key = ?, comment = ?, "
               "history_status = ?, cdf_enabled = ?, start_version = ?, partitions = ?, "
               "status = ? WHERE share_id = ? AND name_key = ?",
               {shared_as, Key(shared_as), o.comment, o.history_data_sharing_status,
                int64_t{o.cdf_enabled ? 1 : 0}, OptVal(o.start_version), o.partitions_json,
                o.status, share.id, Key(o.name)}));
    if (n == 0) {
      return NotFound("Table '{}' is not in share '{}'", o.name, share.name);
    }
    return OkStatus();
  }

  static Result<RecipientInfo> ReadRecipient(SqlConn& c, std::string_view name) {
    LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query(std::string("SELECT ") + std::string(kRecipientCols) +
                                                  " FROM recipients r WHERE r.name_key = ?",
                                              {Key(name)}));
    if (rows.empty()) {
      return NotFound("Recipient '{}' does not exist", name);
    }
    RecipientInfo r = ToRecipient(rows[0]);
    LS_ASSIGN_OR_RETURN(r.properties, ReadProperties(c, r.id));
    return r;
  }

  static Result<std::map<std::string, std::string>> ReadProperties(SqlConn& c,
                                                                   const std::string& id) {
    LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query("SELECT prop_key, prop_value FROM "
                                              "recipient_properties WHERE recipient_id = ?",
                                              {id}));
    std::map<std::string, std::string> out;
    for (const SqlRow& r : rows) {
      out[ToStr(r[0])] = ToStr(r[1]);
    }
    return out;
  }

  static Status WriteProperties(SqlConn& c, const std::string& id,
                                const std::map<std::string, std::string>& props) {
    for (const auto& [k, v] : props) {
      if (k.empty()) {
        return InvalidArgument("A recipient property key must not be empty");
      }
      LS_RETURN_IF_ERROR(
          c.Exec("INSERT INTO recipient_properties (recipient_id, prop_key, "
                 "prop_value) VALUES (?, ?, ?)",
                 {id, k, v}));
    }
    return OkStatus();
  }

  /// UC rotate-token on the live tokens of recipient `id`: they now expire at
  /// min(their expiry, now + seconds); 0 revokes them now ("can only shorten").
  static Status ShortenLiveTokens(SqlConn& c, const std::string& id, int64_t now, int64_t seconds) {
    if (seconds == 0) {
      return c
          .Exec(
              "UPDATE recipient_tokens SET revoked_at = ? WHERE recipient_id = ? AND "
              "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
              {now, id, now})
          .map([](int64_t) {});
    }
    // A token already expiring sooner keeps its expiry.
    int64_t cutoff = now + seconds * 1000;
    return c
        .Exec(
            "UPDATE recipient_tokens SET expires_at = ? WHERE recipient_id = ? AND "
            "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
            {cutoff, id, cutoff})
        .map([](int64_t) {});
  }

  static Result<int64_t> CountLiveTokens(SqlConn& c, const std::string& id, int64_t now) {
    LS_ASSIGN_OR_RETURN(SqlRows rows,
                        c.Query("SELECT COUNT(*) FROM recipient_tokens WHERE recipient_id = ? AND "
                                "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
                                {id, now}));
    return rows.empty() ? 0 : ToInt(rows[0][0]);
  }

  static tl::unexpected<Error> TwoActiveTokensError(std::string_view name) {
    return InvalidArgument(
        "There are already two active tokens for recipient {}; rotate with "
        "existing_token_expire_in_seconds=0 to revoke them, or wait until one expires",
        name);
  }

  /// Insert a token for `r` unless it already has two live ones.
  Result<RecipientToken> InsertToken(SqlConn& c, const RecipientInfo& r, std::string_view token,
                                     std::optional<int64_t> expires_at,
                                     std::string_view created_by) {
    int64_t now = Now();
    LS_ASSIGN_OR_RETURN(int64_t live, CountLiveTokens(c, r.id, now));
    if (live >= 2) {
      return TwoActiveTokensError(r.name);
    }
    RecipientToken t{NewUuid(), r.name, now, std::string(created_by), expires_at, std::nullopt};
    LS_RETURN_IF_ERROR(
        c.Exec("INSERT INTO recipient_tokens (id, recipient_id, token_hash, "
               "created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
               {t.id, r.id, HashToken(token), t.created_at, t.created_by, OptVal(t.expires_at)}));
    return t;
  }

  static Result<ActivationLink> ReadLink(SqlConn& c, std::string_view link_token) {
    LS_ASSIGN_OR_RETURN(SqlRows rows,
                        c.Query("SELECT r.name, l.created_at, l.expires_at, l.used_at FROM "
                                "activation_links l JOIN recipients r ON l.recipient_id = r.id "
                                "WHERE l.token_hash = ?",
                                {HashToken(link_token)}));
    if (rows.empty()) {
      return NotFound("Activation link does not exist");
    }
    return ActivationLink{ToStr(rows[0][0]), ToInt(rows[0][1]), ToInt(rows[0][2]),
                          ToOptInt(rows[0][3])};
  }

  static Result<std::string> SecurableId(SqlConn& c, SecurableType type,
                                         std::string_view full_name) {
    switch (type) {
      case SecurableType::kMetastore:
        return std::string(kMetastoreId);
      case SecurableType::kCatalog: {
        LS_ASSIGN_OR_RETURN(CatalogInfo x, ReadCatalog(c, full_name));
        return x.id;
      }
      case SecurableType::kSchema: {
        LS_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitFullName("schema", full_name, 2));
        LS_ASSIGN_OR_RETURN(SchemaInfo x, ReadSchema(c, parts[0], parts[1]));
        return x.id;
      }
      case SecurableType::kTable: {
        LS_ASSIGN_OR_RETURN(TableInfo x, ReadTable(c, full_name));
        return x.id;
      }
      case SecurableType::kShare: {
        LS_ASSIGN_OR_RETURN(ShareInfo x, ReadShare(c, full_name, false));
        return x.id;
      }
    }
    return InvalidArgument("Unknown securable type");
  }

  static Result<std::vector<PrivilegeAssignment>> ReadPermissions(SqlConn& c,
                                                                  const std::string& stype,
                                                                  const std::string& sid) {
    LS_ASSIGN_OR_RETURN(
        SqlRows rows,
        c.Query("SELECT COALESCE(p.name_key, r.name_key), COALESCE(p.name, r.name), g.privilege "
                "FROM grants g LEFT JOIN principals p ON g.grantee_type = 'PRINCIPAL' AND "
                "p.id = g.grantee_id LEFT JOIN recipients r ON g.grantee_type = 'RECIPIENT' AND "
                "r.id = g.grantee_id WHERE g.securable_type = ? AND g.securable_id = ? "
                "ORDER BY 1",
                {stype, sid}));
    std::vector<PrivilegeAssignment> out;
    for (const SqlRow& row : rows) {
      auto p = ParsePrivilege(ToStr(row[2]));
      if (!row[1] || !p) {
        continue;
      }
      if (out.empty() || out.back().principal != *row[1]) {
        out.push_back(PrivilegeAssignment{*row[1], {}});
      }
      out.back().privileges.push_back(*p);
    }
    for (PrivilegeAssignment& a : out) {
      std::sort(a.privileges.begin(), a.privileges.end());
    }
    return out;
  }

  std::unique_ptr<SqlDatabase> db_;
  std::function<int64_t()> clock_;
};

}  // namespace

Result<std::unique_ptr<Catalog>> OpenSqlCatalog(std::unique_ptr<SqlDatabase> db) {
  auto catalog = std::make_unique<SqlCatalog>(std::move(db));
  LS_RETURN_IF_ERROR(catalog->Migrate());
  return std::unique_ptr<Catalog>(std::move(catalog));
}

}  // namespace lakeshare::catalog
