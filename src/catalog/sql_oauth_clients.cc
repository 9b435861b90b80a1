// OAuth clients (issue 12): an OAUTH_CLIENT_CREDENTIALS recipient is an OAuth client whose
// client_id is the recipient's id; its client secrets are its recipient tokens (hashed, rotated
// and revoked like bearer tokens), and its public keys for private-key JWT client authentication
// are a JWK Set kept in `recipient_client_keys`.
#include "catalog/sql_catalog_impl.h"

namespace lakeshare::catalog {

Result<RecipientInfo> SqlCatalog::GetRecipientById(std::string_view id) {
  return Transact<RecipientInfo>(TxKind::kRead, [&](SqlConn& c) -> Result<RecipientInfo> {
    LS_ASSIGN_OR_RETURN(SqlRows rows,
                        c.Query("SELECT name FROM recipients WHERE id = ?", {Text(id)}));
    if (rows.empty()) return NotFound(ResourceKind::kRecipient, "No recipient has the id '{}'", id);
    return ReadRecipient(c, ToStr(rows[0][0]));
  });
}

Status SqlCatalog::SetRecipientClientKeys(std::string_view recipient, std::string_view jwks) {
  if (jwks.size() > kMaxClientKeysBytes) {
    return InvalidArgument("The client's JWK Set is {} bytes; at most {} are accepted", jwks.size(),
                           kMaxClientKeysBytes);
  }
  return Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
    LS_ASSIGN_OR_RETURN(RecipientInfo r,
                        ReadRecipientOfType(c, recipient, kAuthOAuthClientCredentials,
                                            "client keys", kAuthOAuthClientCredentials));
    LS_RETURN_IF_ERROR(
        c.Exec("DELETE FROM recipient_client_keys WHERE recipient_id = ?", {r.id}).map([](auto) {
        }));
    if (jwks.empty()) return OkStatus();
    return c
        .Exec(
            "INSERT INTO recipient_client_keys (recipient_id, jwks, updated_at) "
            "VALUES (?, ?, ?)",
            {r.id, Text(jwks), Now()})
        .map([](auto) {});
  });
}

Result<std::string> SqlCatalog::GetRecipientClientKeys(std::string_view recipient) {
  return Transact<std::string>(TxKind::kRead, [&](SqlConn& c) -> Result<std::string> {
    LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, recipient));
    LS_ASSIGN_OR_RETURN(
        SqlRows rows,
        c.Query("SELECT jwks FROM recipient_client_keys WHERE recipient_id = ?", {r.id}));
    return rows.empty() ? std::string() : ToStr(rows[0][0]);
  });
}

}  // namespace lakeshare::catalog
