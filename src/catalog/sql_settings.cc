// Metastore settings and server secrets: rows of the `settings` table. Secrets are kept under the
// prefix "secret.", which ReadSettings ignores, and are never exposed by the management API.
#include "catalog/sql_catalog_impl.h"

namespace lakeshare::catalog {
namespace {

Result<MetastoreSettings> ReadSettings(SqlConn& c) {
  LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query("SELECT setting, value FROM settings", {}));
  MetastoreSettings s;
  for (const SqlRow& r : rows) {
    if (ToStr(r[0]) == "organization_name") {
      s.organization_name = ToStr(r[1]);
    } else if (ToStr(r[0]) == "recipient_token_lifetime_seconds") {
      LS_ASSIGN_OR_RETURN(s.recipient_token_lifetime_seconds,
                          ToInt(r[1], "settings.recipient_token_lifetime_seconds"));
    }
  }
  return s;
}

Status PutSetting(SqlConn& c, std::string_view key, std::string_view value) {
  return c
      .Exec(
          "INSERT INTO settings (setting, value) VALUES (?, ?) ON CONFLICT (setting) DO "
          "UPDATE SET value = excluded.value",
          {Text(key), Text(value)})
      .map([](int64_t) {});
}

}  // namespace

Result<MetastoreSettings> SqlCatalog::GetSettings() {
  return Transact<MetastoreSettings>(TxKind::kRead, ReadSettings);
}

Result<MetastoreSettings> SqlCatalog::UpdateSettings(const MetastoreSettingsUpdate& u) {
  if (u.recipient_token_lifetime_seconds && *u.recipient_token_lifetime_seconds < 0) {
    return InvalidArgument(
        "delta_sharing_recipient_token_lifetime_in_seconds must not be "
        "negative");
  }
  return Transact<MetastoreSettings>(TxKind::kWrite, [&](SqlConn& c) -> Result<MetastoreSettings> {
    if (u.organization_name) {
      LS_RETURN_IF_ERROR(PutSetting(c, "organization_name", *u.organization_name));
    }
    if (u.recipient_token_lifetime_seconds) {
      LS_RETURN_IF_ERROR(PutSetting(c, "recipient_token_lifetime_seconds",
                                    std::to_string(*u.recipient_token_lifetime_seconds)));
    }
    return ReadSettings(c);
  });
}

Result<std::string> SqlCatalog::GetOrCreateServerSecret(std::string_view name,
                                                        std::string_view candidate) {
  if (name.empty() || candidate.empty()) {
    return InvalidArgument("a server secret needs a name and a non-empty value");
  }
  std::string key = "secret." + std::string(name);
  return Transact<std::string>(TxKind::kWrite, [&](SqlConn& c) -> Result<std::string> {
    LS_RETURN_IF_ERROR(
        c.Exec("INSERT INTO settings (setting, value) VALUES (?, ?) ON CONFLICT "
               "(setting) DO NOTHING",
               {Text(key), Text(candidate)}));
    LS_ASSIGN_OR_RETURN(SqlRows rows,
                        c.Query("SELECT value FROM settings WHERE setting = ?", {Text(key)}));
    if (rows.empty()) {
      return Errorf(ErrorCode::kInternal, "server secret '{}' vanished after insert", name);
    }
    return ToStr(rows[0][0]);
  });
}

}  // namespace lakeshare::catalog
