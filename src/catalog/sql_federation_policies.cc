// Federation policies of OIDC recipients (rows of `federation_policies`, issue 12).
#include "catalog/sql_catalog_impl.h"

namespace lakeshare::catalog {

const EntityTable<FederationPolicy>& PolicyTable() {
  static const auto* const kTable = new EntityTable<FederationPolicy>({
      .resource = ResourceKind::kFederationPolicy,
      .table = "federation_policies",
      .parent_column = "recipient_id",
      .columns = {{"issuer", &FederationPolicy::issuer},
                  {"audiences", &FederationPolicy::audiences},
                  {"subject_claim", &FederationPolicy::subject_claim},
                  {"subject", &FederationPolicy::subject},
                  {"jwks_uri", &FederationPolicy::jwks_uri}},
  });
  return *kTable;
}

namespace {

bool IsPolicyNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

bool IsClaimNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == ':' || c == '/';
}

Status CheckText(std::string_view field, std::string_view value, size_t max) {
  if (value.empty() || value.size() > max) {
    return InvalidArgument("oidc_policy.{} must be 1 to {} characters", field, max);
  }
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgument("oidc_policy.{} must not contain control characters", field);
    }
  }
  return OkStatus();
}

/// The recipient a policy belongs to: it must exist and be an OIDC recipient.
Result<RecipientInfo> ReadOidcRecipient(SqlConn& c, std::string_view name) {
  return ReadRecipientOfType(c, name, kAuthOidc, "federation policies", "OIDC_FEDERATION");
}

}  // namespace

Status ValidateFederationPolicy(const FederationPolicy& p) {
  if (p.name.empty() || p.name.size() > 64 ||
      !std::all_of(p.name.begin(), p.name.end(), IsPolicyNameChar)) {
    return InvalidArgument(
        "The federation policy name '{}' must be 1 to 64 lower-case letters, digits or hyphens",
        p.name);
  }
  LS_RETURN_IF_ERROR(CheckText("issuer", p.issuer, 1024));
  if (p.audiences.empty() || p.audiences.size() > kMaxPolicyAudiences) {
    return InvalidArgument(
        "oidc_policy.audiences must list 1 to {} audiences (the token's 'aud' "
        "must hold one of them)",
        kMaxPolicyAudiences);
  }
  for (const std::string& aud : p.audiences) {
    LS_RETURN_IF_ERROR(CheckText("audiences", aud, 512));
  }
  if (p.subject_claim.empty() || p.subject_claim.size() > 64 ||
      !std::all_of(p.subject_claim.begin(), p.subject_claim.end(), IsClaimNameChar)) {
    return InvalidArgument(
        "oidc_policy.subject_claim must be a claim name such as sub, azp, oid or groups");
  }
  LS_RETURN_IF_ERROR(CheckText("subject", p.subject, 512));
  if (!p.jwks_uri.empty()) {
    LS_RETURN_IF_ERROR(CheckText("jwks_uri", p.jwks_uri, 1024));
  }
  if (p.comment.size() > 4096) {
    return InvalidArgument("The federation policy comment must be at most 4096 characters");
  }
  return OkStatus();
}

Result<FederationPolicy> SqlCatalog::CreateFederationPolicy(std::string_view recipient,
                                                            const FederationPolicy& in) {
  LS_RETURN_IF_ERROR(ValidateFederationPolicy(in));
  FederationPolicy out = in;
  Stamp(out);
  return Transact<FederationPolicy>(TxKind::kWrite, [&](SqlConn& c) -> Result<FederationPolicy> {
    LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadOidcRecipient(c, recipient));
    LS_ASSIGN_OR_RETURN(
        int64_t policies,
        QueryCount(c, "SELECT COUNT(*) FROM federation_policies WHERE recipient_id = ?", {r.id}));
    if (policies >= static_cast<int64_t>(kMaxPoliciesPerRecipient)) {
      return InvalidArgument("Recipient '{}' already has {} federation policies, the most allowed",
                             r.name, kMaxPoliciesPerRecipient);
    }
    LS_ASSIGN_OR_RETURN(
        int64_t naming_issuer,
        QueryCount(c, "SELECT COUNT(*) FROM federation_policies WHERE issuer = ?", {out.issuer}));
    if (naming_issuer >= static_cast<int64_t>(kMaxPoliciesPerIssuer)) {
      return InvalidArgument("{} federation policies already name issuer '{}', the most allowed",
                             kMaxPoliciesPerIssuer, out.issuer);
    }
    LS_RETURN_IF_ERROR(PolicyTable().Insert(c, r.id, out, r.name + "/" + out.name));
    out.recipient_name = r.name;
    return out;
  });
}

Result<FederationPolicy> SqlCatalog::GetFederationPolicy(std::string_view recipient,
                                                         std::string_view name) {
  return Transact<FederationPolicy>(TxKind::kRead, [&](SqlConn& c) -> Result<FederationPolicy> {
    LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, recipient));
    LS_ASSIGN_OR_RETURN(FederationPolicy p,
                        PolicyTable().Get(c, r.id, name, r.name + "/" + std::string(name)));
    p.recipient_name = r.name;
    return p;
  });
}

Result<Listing<FederationPolicy>> SqlCatalog::ListFederationPolicies(std::string_view recipient,
                                                                     const PageRequest& page) {
  std::string recipient_name;
  return ListIn<FederationPolicy>(
      PolicyTable(), page,
      [&](SqlConn& c) -> Result<std::string> {
        LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, recipient));
        recipient_name = r.name;
        return r.id;
      },
      [&](SqlConn&, FederationPolicy& p) {
        p.recipient_name = recipient_name;
        return OkStatus();
      });
}

Status SqlCatalog::DeleteFederationPolicy(std::string_view recipient, std::string_view name) {
  return DeleteIn<FederationPolicy>(PolicyTable(), [&](SqlConn& c) -> Result<FederationPolicy> {
    LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, recipient));
    return PolicyTable().Get(c, r.id, name, r.name + "/" + std::string(name));
  });
}

Result<std::vector<FederatedRecipientPolicy>> SqlCatalog::FindFederationPolicies(
    std::string_view issuer) {
  using Out = std::vector<FederatedRecipientPolicy>;
  static const std::string sql =
      "SELECT " + PolicyTable().ColumnList("p") +
      ", r.id, r.name, r.authentication_type, r.expiration_time "
      "FROM federation_policies p JOIN recipients r ON r.id = "
      "p.recipient_id WHERE p.issuer = ? ORDER BY r.name_key, p.name_key "
      "LIMIT " +
      std::to_string(kMaxPoliciesPerIssuer);
  return Transact<Out>(TxKind::kReadOne, [&](SqlConn& c) -> Result<Out> {
    LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query(sql, {Text(issuer)}));
    Out out;
    out.reserve(rows.size());
    const size_t at = PolicyTable().width();
    for (const SqlRow& row : rows) {
      FederatedRecipientPolicy item;
      LS_ASSIGN_OR_RETURN(item.policy, PolicyTable().FromRow(row));
      item.recipient_id = ToStr(row[at]);
      item.policy.recipient_name = ToStr(row[at + 1]);
      item.authentication_type = ToStr(row[at + 2]);
      LS_ASSIGN_OR_RETURN(item.recipient_expiration_time,
                          ToOptInt(row[at + 3], "recipients.expiration_time"));
      out.push_back(std::move(item));
    }
    return out;
  });
}

}  // namespace lakeshare::catalog
