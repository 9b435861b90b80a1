// Recipient bearer tokens and activation links (only the SHA-256 hash of either is stored): at
// most two live tokens per recipient, Unity Catalog's rotate-token rules, and the one-statement
// token lookup behind every uncached sharing request.
#include "catalog/sql_catalog_impl.h"

#include <map>
#include <set>

namespace lakeshare::catalog {
namespace {

constexpr std::string_view kTokenCols =
    "t.id, r.name, t.created_at, t.created_by, t.expires_at, t.revoked_at";
constexpr size_t kTokenColCount = 6;

Result<RecipientToken> ToToken(const SqlRow& r, size_t o) {
  LS_ASSIGN_OR_RETURN(int64_t created_at, ToInt(r[o + 2], "recipient_tokens.created_at"));
  LS_ASSIGN_OR_RETURN(std::optional<int64_t> expires_at,
                      ToOptInt(r[o + 4], "recipient_tokens.expires_at"));
  LS_ASSIGN_OR_RETURN(std::optional<int64_t> revoked_at,
                      ToOptInt(r[o + 5], "recipient_tokens.revoked_at"));
  return RecipientToken{ToStr(r[o]),     ToStr(r[o + 1]), created_at,
                        ToStr(r[o + 3]), expires_at,      revoked_at};
}

/// UC rotate-token's `existing_token_expire_in_seconds`: 0 (now) or a positive delay.
Status CheckExistingExpiry(int64_t existing_expire_in_seconds) {
  if (existing_expire_in_seconds < 0) {
    return InvalidArgument("existing_token_expire_in_seconds must not be negative");
  }
  if (existing_expire_in_seconds > kNoLimit / 1000) {
    return InvalidArgument("existing_token_expire_in_seconds is too large");
  }
  return OkStatus();
}

Status CheckNotEmpty(std::string_view token, std::string_view what) {
  if (token.empty()) {
    return InvalidArgument("{} must not be empty", what);
  }
  return OkStatus();
}
constexpr std::string_view kRecipientTokenWhat = "A recipient token";
constexpr std::string_view kActivationTokenWhat = "An activation token";

/// UC rotate-token on the live tokens of recipient `id`: they now expire at
/// min(their expiry, now + seconds); 0 revokes them now ("can only shorten").
Status ShortenLiveTokens(SqlConn& c, const std::string& id, int64_t now, int64_t seconds) {
  // A token already expiring sooner keeps its expiry.
  const bool revoke = seconds == 0;
  const int64_t cutoff = revoke ? now : now + seconds * 1000;
  return c
      .Exec(std::string("UPDATE recipient_tokens SET ") + (revoke ? "revoked_at" : "expires_at") +
                " = ? WHERE recipient_id = ? AND revoked_at IS NULL AND (expires_at IS NULL OR "
                "expires_at > ?)",
            {cutoff, id, cutoff})
      .map([](int64_t) {});
}

/// kInvalidArgument when recipient `r` already has two live tokens at `now`.
Status CheckRoomForToken(SqlConn& c, const RecipientInfo& r, int64_t now) {
  LS_ASSIGN_OR_RETURN(int64_t live,
                      QueryCount(c,
                                 "SELECT COUNT(*) FROM recipient_tokens WHERE recipient_id = ? AND "
                                 "revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)",
                                 {r.id, now}));
  if (live >= 2) {
    return InvalidArgument(
        "There are already two active tokens for recipient {}; rotate with "
        "existing_token_expire_in_seconds=0 to revoke them, or wait until one expires",
        r.name);
  }
  return OkStatus();
}

Status InsertLink(SqlConn& c, const RecipientInfo& r, std::string_view link_token,
                  const ActivationLink& link) {
  return c
      .Exec(
          "INSERT INTO activation_links (token_hash, recipient_id, created_at, expires_at) "
          "VALUES (?, ?, ?, ?)",
          {HashToken(link_token), r.id, link.created_at, link.expires_at})
      .map([](int64_t) {});
}

/// The public name of the link whose hash is `token_hash` (64 of its 256 bits).
std::string LinkId(std::string_view token_hash) {
  return "link-" + std::string(token_hash.substr(0, 16));
}

constexpr std::string_view kLinkCols =
    "r.name, l.created_at, l.expires_at, l.used_at, l.token_hash";

Result<ActivationLink> ToLink(const SqlRow& r) {
  LS_ASSIGN_OR_RETURN(int64_t created_at, ToInt(r[1], "activation_links.created_at"));
  LS_ASSIGN_OR_RETURN(int64_t expires_at, ToInt(r[2], "activation_links.expires_at"));
  LS_ASSIGN_OR_RETURN(std::optional<int64_t> used_at, ToOptInt(r[3], "activation_links.used_at"));
  return ActivationLink{ToStr(r[0]), created_at, expires_at, used_at, LinkId(ToStr(r[4]))};
}

Result<ActivationLink> ReadLink(SqlConn& c, std::string_view link_token) {
  LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query("SELECT " + std::string(kLinkCols) +
                                                " FROM activation_links l JOIN recipients r ON "
                                                "l.recipient_id = r.id WHERE l.token_hash = ?",
                                            {HashToken(link_token)}));
  if (rows.empty()) {
    return NotFound(ResourceKind::kActivationLink, "Activation link does not exist");
  }
  return ToLink(rows[0]);
}

}  // namespace

Result<RecipientToken> SqlCatalog::InsertToken(SqlConn& c, const RecipientInfo& r,
                                               std::string_view token,
                                               std::optional<int64_t> expires_at,
                                               std::string_view created_by) {
  int64_t now = Now();
  LS_RETURN_IF_ERROR(CheckRoomForToken(c, r, now));
  RecipientToken t{NewUuid(), r.name, now, std::string(created_by), expires_at, std::nullopt};
  LS_RETURN_IF_ERROR(
      c.Exec("INSERT INTO recipient_tokens (id, recipient_id, token_hash, "
             "created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
             {t.id, r.id, HashToken(token), t.created_at, t.created_by, OptVal(t.expires_at)}));
  return t;
}

Result<RecipientToken> SqlCatalog::AddRecipientToken(std::string_view recipient,
                                                     std::string_view token,
                                                     std::optional<int64_t> expires_at,
                                                     std::string_view created_by) {
  return RotateOrAdd(recipient, token, expires_at, std::nullopt, created_by);
}

Result<RecipientToken> SqlCatalog::RotateRecipientToken(std::string_view recipient,
                                                        std::string_view new_token,
                                                        std::optional<int64_t> new_expires_at,
                                                        int64_t existing_expire_in_seconds,
                                                        std::string_view created_by) {
  LS_RETURN_IF_ERROR(CheckExistingExpiry(existing_expire_in_seconds));
  return RotateOrAdd(recipient, new_token, new_expires_at, existing_expire_in_seconds, created_by);
}

Result<RecipientToken> SqlCatalog::RotateOrAdd(std::string_view recipient, std::string_view token,
                                               std::optional<int64_t> expires_at,
                                               std::optional<int64_t> existing_expire_in_seconds,
                                               std::string_view created_by) {
  LS_RETURN_IF_ERROR(CheckNotEmpty(token, kRecipientTokenWhat));
  return Transact<RecipientToken>(TxKind::kWrite, [&](SqlConn& c) -> Result<RecipientToken> {
    LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, recipient));
    if (existing_expire_in_seconds) {
      LS_RETURN_IF_ERROR(ShortenLiveTokens(c, r.id, Now(), *existing_expire_in_seconds));
    }
    return InsertToken(c, r, token, expires_at, created_by);
  });
}

Status SqlCatalog::RevokeRecipientTokens(std::string_view recipient) {
  return Run(TxKind::kWrite, [&](SqlConn& c) -> Status {
    LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, recipient));
    return c
        .Exec(
            "UPDATE recipient_tokens SET revoked_at = ? WHERE recipient_id = ? AND "
            "revoked_at IS NULL",
            {Now(), r.id})
        .map([](int64_t) {});
  });
}

Result<std::vector<RecipientToken>> SqlCatalog::ListRecipientTokens(std::string_view recipient) {
  using Tokens = std::vector<RecipientToken>;
  return Transact<Tokens>(TxKind::kRead, [&](SqlConn& c) -> Result<Tokens> {
    LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, recipient));
    LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query("SELECT " + std::string(kTokenCols) +
                                                  " FROM recipient_tokens t JOIN recipients r ON "
                                                  "t.recipient_id = r.id WHERE r.id = ? ORDER BY "
                                                  "t.created_at, t.id",
                                              {r.id}));
    Tokens out;
    for (const SqlRow& row : rows) {
      LS_ASSIGN_OR_RETURN(RecipientToken token, ToToken(row, 0));
      out.push_back(std::move(token));
    }
    return out;
  });
}

Result<RecipientAuth> SqlCatalog::AuthenticateRecipient(std::string_view token) {
  const int64_t now = Now();
  const EntityTable<RecipientInfo>& table = RecipientTable();
  // One statement (token, recipient and one row per property): the hot path of every request
  // whose token is not cached.
  return Transact<RecipientAuth>(TxKind::kReadOne, [&](SqlConn& c) -> Result<RecipientAuth> {
    LS_ASSIGN_OR_RETURN(
        SqlRows rows,
        c.Query("SELECT " + table.ColumnList("r") + ", " + std::string(kTokenCols) +
                    ", p.prop_key, p.prop_value FROM recipient_tokens t JOIN recipients r ON "
                    "t.recipient_id = r.id LEFT JOIN recipient_properties p ON "
                    "p.recipient_id = r.id WHERE t.token_hash = ?",
                {HashToken(token)}));
    if (rows.empty()) {
      return MakeError(ErrorCode::kUnauthenticated, "Invalid or expired bearer token");
    }
    LS_ASSIGN_OR_RETURN(RecipientInfo recipient, table.FromRow(rows[0]));
    LS_ASSIGN_OR_RETURN(RecipientToken token, ToToken(rows[0], table.width()));
    RecipientAuth out{std::move(recipient), std::move(token)};
    if (!out.token.IsLive(now) ||
        (out.recipient.expiration_time && *out.recipient.expiration_time <= now)) {
      return MakeError(ErrorCode::kUnauthenticated, "Invalid or expired bearer token");
    }
    const size_t prop_at = table.width() + kTokenColCount;
    for (const SqlRow& row : rows) {
      if (row[prop_at]) {
        out.recipient.properties[ToStr(row[prop_at])] = ToStr(row[prop_at + 1]);
      }
    }
    return out;
  });
}

Result<ActivationLink> SqlCatalog::CreateActivationLink(std::string_view recipient,
                                                        std::string_view link_token,
                                                        int64_t expires_at) {
  LS_RETURN_IF_ERROR(CheckNotEmpty(link_token, kActivationTokenWhat));
  return Transact<ActivationLink>(TxKind::kWrite, [&](SqlConn& c) -> Result<ActivationLink> {
    LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, recipient));
    ActivationLink out{r.name, Now(), expires_at, std::nullopt, LinkId(HashToken(link_token))};
    LS_RETURN_IF_ERROR(InsertLink(c, r, link_token, out));
    return out;
  });
}

Result<ActivationLink> SqlCatalog::GetActivationLink(std::string_view link_token) {
  return Transact<ActivationLink>(TxKind::kRead,
                                  [&](SqlConn& c) { return ReadLink(c, link_token); });
}

Result<std::vector<ActivationLink>> SqlCatalog::ListPendingActivationLinks(
    std::string_view recipient) {
  using Links = std::vector<ActivationLink>;
  return Transact<Links>(TxKind::kRead, [&](SqlConn& c) -> Result<Links> {
    LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, recipient));
    LS_ASSIGN_OR_RETURN(SqlRows rows,
                        c.Query("SELECT " + std::string(kLinkCols) +
                                    " FROM activation_links l JOIN recipients r ON "
                                    "l.recipient_id = r.id WHERE l.recipient_id = ? AND "
                                    "l.used_at IS NULL AND l.expires_at > ? ORDER BY l.created_at",
                                {r.id, Now()}));
    Links out;
    for (const SqlRow& row : rows) {
      LS_ASSIGN_OR_RETURN(ActivationLink link, ToLink(row));
      out.push_back(std::move(link));
    }
    return out;
  });
}

Result<std::map<std::string, RecipientSecrets>> SqlCatalog::ListRecipientSecrets(
    const std::vector<std::string>& recipient_ids) {
  using Out = std::map<std::string, RecipientSecrets>;
  std::vector<std::vector<std::string>> keys;
  std::set<std::string> seen;
  for (const std::string& id : recipient_ids) {
    if (seen.insert(id).second) keys.push_back({id});
  }
  const int64_t now = Now();
  return Transact<Out>(TxKind::kRead, [&](SqlConn& c) -> Result<Out> {
    Out out;
    for (const std::vector<SqlValue>& batch : KeyBatches(keys)) {
      // IN, not a join: a batch repeats its last key (KeyBatches), which must not repeat rows.
      const std::string ids =
          "r.id IN (SELECT k.column1 FROM (VALUES " + PlaceholderRows(batch.size(), 1) + ") AS k)";
      LS_ASSIGN_OR_RETURN(
          SqlRows tokens,
          c.Query("SELECT " + std::string(kTokenCols) +
                      ", r.id FROM recipient_tokens t JOIN recipients r ON t.recipient_id = r.id "
                      "WHERE " + ids + " ORDER BY t.created_at, t.id",
                  batch));
      for (const SqlRow& row : tokens) {
        LS_ASSIGN_OR_RETURN(RecipientToken token, ToToken(row, 0));
        out[ToStr(row[kTokenColCount])].tokens.push_back(std::move(token));
      }
      std::vector<SqlValue> params = batch;
      params.emplace_back(now);
      LS_ASSIGN_OR_RETURN(
          SqlRows links,
          c.Query("SELECT " + std::string(kLinkCols) +
                      ", r.id FROM activation_links l JOIN recipients r ON l.recipient_id = r.id "
                      "WHERE " + ids + " AND l.used_at IS NULL AND l.expires_at > ? ORDER BY "
                      "l.created_at",
                  params));
      for (const SqlRow& row : links) {
        LS_ASSIGN_OR_RETURN(ActivationLink link, ToLink(row));
        out[ToStr(row[5])].pending_links.push_back(std::move(link));
      }
    }
    return out;
  });
}

Result<Activation> SqlCatalog::RedeemActivationLink(std::string_view link_token,
                                                    std::string_view bearer_token,
                                                    std::optional<int64_t> token_expires_at) {
  LS_RETURN_IF_ERROR(CheckNotEmpty(bearer_token, kRecipientTokenWhat));
  return Transact<Activation>(TxKind::kWrite, [&](SqlConn& c) -> Result<Activation> {
    int64_t now = Now();
    LS_ASSIGN_OR_RETURN(int64_t n,
                        c.Exec("UPDATE activation_links SET used_at = ? WHERE token_hash = ? "
                               "AND used_at IS NULL AND expires_at > ?",
                               {now, HashToken(link_token), now}));
    LS_ASSIGN_OR_RETURN(ActivationLink link, ReadLink(c, link_token));
    if (n != 1) {
      if (link.used_at) {
        return MakeError(ErrorCode::kPermissionDenied,
                         "The activation link was already used; ask the provider for a new one");
      }
      return MakeError(ErrorCode::kPermissionDenied, "The activation link has expired");
    }
    Activation out;
    LS_ASSIGN_OR_RETURN(out.recipient, ReadRecipient(c, link.recipient_name));
    LS_ASSIGN_OR_RETURN(
        out.token, InsertToken(c, out.recipient, bearer_token, token_expires_at, "activation"));
    return out;
  });
}

Result<ActivationLink> SqlCatalog::RotateRecipientActivation(std::string_view recipient,
                                                             std::string_view link_token,
                                                             int64_t link_expires_at,
                                                             int64_t existing_expire_in_seconds) {
  LS_RETURN_IF_ERROR(CheckExistingExpiry(existing_expire_in_seconds));
  LS_RETURN_IF_ERROR(CheckNotEmpty(link_token, kActivationTokenWhat));
  return Transact<ActivationLink>(TxKind::kWrite, [&](SqlConn& c) -> Result<ActivationLink> {
    LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, recipient));
    int64_t now = Now();
    LS_RETURN_IF_ERROR(ShortenLiveTokens(c, r.id, now, existing_expire_in_seconds));
    LS_RETURN_IF_ERROR(CheckRoomForToken(c, r, now));
    LS_RETURN_IF_ERROR(c.Exec(
        "UPDATE activation_links SET expires_at = ? WHERE recipient_id = ? AND used_at IS NULL "
        "AND expires_at > ?",
        {now, r.id, now}));
    ActivationLink out{r.name, now, link_expires_at, std::nullopt, LinkId(HashToken(link_token))};
    LS_RETURN_IF_ERROR(InsertLink(c, r, link_token, out));
    return out;
  });
}

}  // namespace lakeshare::catalog
