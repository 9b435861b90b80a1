// Principals (metastore users) and their API tokens (only the SHA-256 hash of a token is kept).
#include "catalog/sql_catalog_impl.h"

namespace lakeshare::catalog {

const EntityTable<Principal>& PrincipalTable() {
  static const auto* const kTable = new EntityTable<Principal>({
      .resource = ResourceKind::kPrincipal,
      .table = "principals",
      .dotted_names = true,
      .columns = {{"is_admin", &Principal::is_admin}},
  });
  return *kTable;
}

Result<Principal> ReadPrincipal(SqlConn& c, std::string_view name) {
  return PrincipalTable().Get(c, "", name, name);
}

Result<Principal> SqlCatalog::CreatePrincipal(const Principal& in) {
  Principal out = in;
  out.groups.clear();
  return CreateTopLevel<Principal>(PrincipalTable(), std::move(out),
                                   [](SqlConn& c, const Principal& p) {
                                     return GroupTable().CheckAbsent(c, "", p.name, p.name);
                                   });
}

Result<Principal> SqlCatalog::GetPrincipal(std::string_view name) {
  return Transact<Principal>(TxKind::kRead, [&](SqlConn& c) -> Result<Principal> {
    LS_ASSIGN_OR_RETURN(Principal p, ReadPrincipal(c, name));
    LS_ASSIGN_OR_RETURN(p.groups, ReadGroupsOf(c, p.id));
    return p;
  });
}

Result<Listing<Principal>> SqlCatalog::ListPrincipals(const PageRequest& page) {
  return ListIn(PrincipalTable(), page);
}

Result<Principal> SqlCatalog::UpdatePrincipal(std::string_view name, const PrincipalUpdate& u) {
  return UpdateIn<Principal>(
      PrincipalTable(), u.new_name, [&](SqlConn& c) { return ReadPrincipal(c, name); },
      [&](SqlConn& c, Principal& out) -> Status {
        if (u.new_name && Key(*u.new_name) != Key(out.name)) {
          LS_RETURN_IF_ERROR(GroupTable().CheckAbsent(c, "", *u.new_name, *u.new_name));
        }
        LS_RETURN_IF_ERROR(PrincipalTable().Rename(c, "", u.new_name, "", out));
        out.is_admin = u.is_admin.value_or(out.is_admin);
        out.comment = u.comment.value_or(out.comment);
        return OkStatus();
      });
}

Status SqlCatalog::DeletePrincipal(std::string_view name) {
  return DeleteIn<Principal>(
      PrincipalTable(), [&](SqlConn& c) { return ReadPrincipal(c, name); },
      [](SqlConn& c, const Principal& p) { return DeleteGrantsTo(c, "PRINCIPAL", p.id); });
}

Result<PrincipalToken> SqlCatalog::AddPrincipalToken(std::string_view principal,
                                                     std::string_view token,
                                                     std::optional<int64_t> expires_at,
                                                     std::string_view comment) {
  if (token.empty()) {
    return InvalidArgument("An API token must not be empty");
  }
  return InsertPrincipalToken(principal, HashToken(token), expires_at, comment);
}

Result<PrincipalToken> SqlCatalog::AddChosenPrincipalToken(std::string_view principal,
                                                           std::string_view token,
                                                           std::string_view comment) {
  if (token.empty()) {
    return InvalidArgument("An API token must not be empty");
  }
  std::string stored = HashChosenToken(token);
  LS_ASSIGN_OR_RETURN(PrincipalToken out,
                      InsertPrincipalToken(principal, stored, std::nullopt, comment));
  MutexLock lock(verified_chosen_mu_);
  verified_chosen_.insert(HashToken(token) + stored);
  return out;
}

Result<PrincipalToken> SqlCatalog::InsertPrincipalToken(std::string_view principal,
                                                        std::string stored_hash,
                                                        std::optional<int64_t> expires_at,
                                                        std::string_view comment) {
  return Transact<PrincipalToken>(TxKind::kWrite, [&](SqlConn& c) -> Result<PrincipalToken> {
    LS_ASSIGN_OR_RETURN(Principal p, ReadPrincipal(c, principal));
    PrincipalToken out{NewUuid(), p.name, std::string(comment), Now(), expires_at, std::nullopt};
    LS_RETURN_IF_ERROR(
        c.Exec("INSERT INTO principal_tokens (id, principal_id, token_hash, comment, created_at, "
               "expires_at) VALUES (?, ?, ?, ?, ?, ?)",
               {out.id, p.id, stored_hash, out.comment, out.created_at, OptVal(expires_at)}));
    return out;
  });
}

Result<std::vector<PrincipalToken>> SqlCatalog::ListPrincipalTokens(std::string_view principal) {
  using Tokens = std::vector<PrincipalToken>;
  return Transact<Tokens>(TxKind::kRead, [&](SqlConn& c) -> Result<Tokens> {
    LS_ASSIGN_OR_RETURN(Principal p, ReadPrincipal(c, principal));
    LS_ASSIGN_OR_RETURN(SqlRows rows,
                        c.Query("SELECT id, comment, created_at, expires_at, revoked_at FROM "
                                "principal_tokens WHERE principal_id = ? ORDER BY created_at, id",
                                {p.id}));
    Tokens out;
    for (const SqlRow& r : rows) {
      LS_ASSIGN_OR_RETURN(int64_t created_at, ToInt(r[2], "principal_tokens.created_at"));
      LS_ASSIGN_OR_RETURN(std::optional<int64_t> expires_at,
                          ToOptInt(r[3], "principal_tokens.expires_at"));
      LS_ASSIGN_OR_RETURN(std::optional<int64_t> revoked_at,
                          ToOptInt(r[4], "principal_tokens.revoked_at"));
      out.push_back(
          PrincipalToken{ToStr(r[0]), p.name, ToStr(r[1]), created_at, expires_at, revoked_at});
    }
    return out;
  });
}

Status SqlCatalog::RevokePrincipalToken(std::string_view token_id) {
  return Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
    LS_ASSIGN_OR_RETURN(int64_t n, c.Exec("UPDATE principal_tokens SET revoked_at = ? WHERE id "
                                          "= ? AND revoked_at IS NULL",
                                          {Now(), Text(token_id)}));
    if (n == 0) {
      LS_ASSIGN_OR_RETURN(SqlRows rows,
                          c.Query("SELECT 1 FROM principal_tokens WHERE id = ?", {Text(token_id)}));
      if (rows.empty()) {
        return NotFound(ResourceKind::kPrincipalToken, "API token '{}' does not exist", token_id);
      }
    }
    return OkStatus();
  });
}

Result<Principal> SqlCatalog::AuthenticatePrincipal(std::string_view token) {
  const int64_t now = Now();
  const std::string fast = HashToken(token);
  // The principal of a generated token, or the live chosen tokens (few: the bootstrap admin's)
  // whose hint byte matches, to be verified outside the transaction (the slow hash holds no
  // connection).
  struct Found {
    std::optional<Principal> principal;
    std::vector<std::pair<std::string, Principal>> candidates;
  };
  LS_ASSIGN_OR_RETURN(Found found, Transact<Found>(TxKind::kRead, [&](SqlConn& c) -> Result<Found> {
    Found f;
    LS_ASSIGN_OR_RETURN(
        SqlRows rows,
        c.Query("SELECT " + PrincipalTable().ColumnList("p") +
                    " FROM principal_tokens t JOIN principals p ON t.principal_id = p.id "
                    "WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR "
                    "t.expires_at > ?)",
                {fast, now}));
    if (!rows.empty()) {
      LS_ASSIGN_OR_RETURN(Principal p, PrincipalTable().FromRow(rows[0]));
      LS_ASSIGN_OR_RETURN(p.groups, ReadGroupsOf(c, p.id));
      f.principal = std::move(p);
      return f;
    }
    // Chosen tokens cannot be looked up by hash: each has its own salt (HashChosenToken).
    LS_ASSIGN_OR_RETURN(
        rows, c.Query("SELECT t.token_hash, " + PrincipalTable().ColumnList("p") +
                          " FROM principal_tokens t JOIN principals p ON t.principal_id = p.id "
                          "WHERE t.token_hash LIKE ? AND t.revoked_at IS NULL AND (t.expires_at "
                          "IS NULL OR t.expires_at > ?)",
                      {std::string(kChosenTokenPrefix) + "%", now}));
    for (const SqlRow& r : rows) {
      std::string stored = ToStr(r[0]);
      if (ChosenTokenHintMatches(stored, token)) {
        LS_ASSIGN_OR_RETURN(Principal p, PrincipalTable().FromRow(r, 1));
        LS_ASSIGN_OR_RETURN(p.groups, ReadGroupsOf(c, p.id));
        f.candidates.emplace_back(std::move(stored), std::move(p));
      }
    }
    return f;
  }));
  if (found.principal) return std::move(*found.principal);
  for (auto& [stored, principal] : found.candidates) {
    if (ChosenTokenVerified(fast, stored, token)) return std::move(principal);
  }
  return MakeError(ErrorCode::kUnauthenticated, "Invalid or expired API token");
}

bool SqlCatalog::ChosenTokenVerified(const std::string& fast, const std::string& stored,
                                     std::string_view token) {
  {
    MutexLock lock(verified_chosen_mu_);
    if (verified_chosen_.count(fast + stored) > 0) return true;
  }
  if (!VerifyChosenToken(stored, token)) return false;
  MutexLock lock(verified_chosen_mu_);
  if (verified_chosen_.size() >= 64) verified_chosen_.clear();
  verified_chosen_.insert(fast + stored);
  return true;
}

}  // namespace lakeshare::catalog
