// Recipients and their properties (rows of `recipients` and `recipient_properties`).
#include "catalog/sql_catalog_impl.h"

namespace lakeshare::catalog {

const EntityTable<RecipientInfo>& RecipientTable() {
  static const auto* const kTable = new EntityTable<RecipientInfo>({
      .resource = ResourceKind::kRecipient,
      .table = "recipients",
      .dotted_names = true,
      .columns = {{"authentication_type", &RecipientInfo::authentication_type},
                  {"ip_access_list", &RecipientInfo::ip_access_list},
                  {"expiration_time", &RecipientInfo::expiration_time}},
  });
  return *kTable;
}

namespace {

Status CheckRecipientFields(std::string_view auth_type, const std::vector<std::string>& ips) {
  if (auth_type != kAuthToken && auth_type != kAuthOidc &&
      auth_type != kAuthOAuthClientCredentials) {
    return InvalidArgument("authentication_type must be TOKEN, OIDC or OAUTH_CLIENT_CREDENTIALS, "
                           "got '{}'",
                           auth_type);
  }
  for (const std::string& ip : ips) {
    if (ip.empty() || ip.find_first_of(" \n\t") != std::string::npos) {
      return InvalidArgument("Invalid ip_access_list entry '{}'", ip);
    }
  }
  return OkStatus();
}

Result<std::map<std::string, std::string>> ReadProperties(SqlConn& c, const std::string& id) {
  LS_ASSIGN_OR_RETURN(SqlRows rows, c.Query("SELECT prop_key, prop_value FROM "
                                            "recipient_properties WHERE recipient_id = ?",
                                            {id}));
  std::map<std::string, std::string> out;
  for (const SqlRow& r : rows) {
    out[ToStr(r[0])] = ToStr(r[1]);
  }
  return out;
}

/// Replace the properties of recipient `id`.
Status WriteProperties(SqlConn& c, const std::string& id,
                       const std::map<std::string, std::string>& props) {
  LS_RETURN_IF_ERROR(c.Exec("DELETE FROM recipient_properties WHERE recipient_id = ?", {id}));
  for (const auto& [k, v] : props) {
    if (k.empty()) {
      return InvalidArgument("A recipient property key must not be empty");
    }
    LS_RETURN_IF_ERROR(c.Exec(
        "INSERT INTO recipient_properties (recipient_id, prop_key, prop_value) VALUES (?, ?, ?)",
        {id, k, v}));
  }
  return OkStatus();
}

/// Fill in the properties of a recipient read from its row.
Status FillProperties(SqlConn& c, RecipientInfo& r) {
  LS_ASSIGN_OR_RETURN(r.properties, ReadProperties(c, r.id));
  return OkStatus();
}

}  // namespace

Result<RecipientInfo> ReadRecipient(SqlConn& c, std::string_view name) {
  return RecipientTable().GetFilled(c, name, FillProperties);
}

Result<RecipientInfo> ReadRecipientOfType(SqlConn& c, std::string_view name,
                                          std::string_view type, std::string_view what,
                                          std::string_view type_shown) {
  LS_ASSIGN_OR_RETURN(RecipientInfo r, ReadRecipient(c, name));
  if (r.authentication_type != type) {
    return InvalidArgument(
        "Recipient '{}' authenticates with {}: {} belong to recipients of authentication_type {}",
        r.name, r.authentication_type, what, type_shown);
  }
  return r;
}

Result<RecipientInfo> SqlCatalog::CreateRecipient(const RecipientInfo& in) {
  LS_RETURN_IF_ERROR(RecipientTable().ValidateName(in.name));
  LS_RETURN_IF_ERROR(CheckRecipientFields(in.authentication_type, in.ip_access_list));
  RecipientInfo out = in;
  out.updated_by = out.created_by;
  return CreateTopLevel<RecipientInfo>(
      RecipientTable(), std::move(out),
      [](SqlConn& c, const RecipientInfo& r) { return WriteProperties(c, r.id, r.properties); });
}

Result<RecipientInfo> SqlCatalog::GetRecipient(std::string_view name) {
  return Transact<RecipientInfo>(TxKind::kRead, [&](SqlConn& c) { return ReadRecipient(c, name); });
}

Result<Listing<RecipientInfo>> SqlCatalog::ListRecipients(const PageRequest& page) {
  return ListIn<RecipientInfo>(RecipientTable(), page, {}, FillProperties);
}

Result<RecipientInfo> SqlCatalog::UpdateRecipient(std::string_view name, const RecipientUpdate& u) {
  if (u.ip_access_list) {
    LS_RETURN_IF_ERROR(CheckRecipientFields("TOKEN", *u.ip_access_list));
  }
  auto read = [&](SqlConn& c) { return ReadRecipient(c, name); };
  auto change = [&](SqlConn& c, RecipientInfo& out) -> Status {
    LS_RETURN_IF_ERROR(ApplyObjectUpdate(c, RecipientTable(), "", u, "", out));
    out.ip_access_list = u.ip_access_list.value_or(out.ip_access_list);
    out.expiration_time = u.expiration_time.value_or(out.expiration_time);
    out.updated_by = u.updated_by;
    if (u.properties) {
      out.properties = *u.properties;
      LS_RETURN_IF_ERROR(WriteProperties(c, out.id, out.properties));
    }
    return OkStatus();
  };
  return UpdateIn<RecipientInfo>(RecipientTable(), u.new_name, read, change);
}

Status SqlCatalog::DeleteRecipient(std::string_view name) {
  return DeleteIn<RecipientInfo>(
      RecipientTable(), [&](SqlConn& c) { return ReadRecipient(c, name); },
      [](SqlConn& c, const RecipientInfo& r) { return DeleteGrantsTo(c, "RECIPIENT", r.id); });
}

}  // namespace lakeshare::catalog
