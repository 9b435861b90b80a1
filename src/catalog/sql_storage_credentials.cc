// Storage credentials: how the server reaches an S3 store for the external locations that name
// them. The secret parts (secret access key, session token) are kept only sealed, in
// `sealed_secret` (SecretBox, bound to the credential's id), and never read back into what
// Get/List/Create/Update return; ResolveStorageAccess opens them for the server's own reads.
#include "catalog/sql_catalog_impl.h"
#include "common/strings.h"

namespace lakeshare::catalog {

const EntityTable<StorageCredentialInfo>& StorageCredentialTable() {
  using T = StorageCredentialInfo;
  static const auto* const kTable = new EntityTable<T>({
      .resource = ResourceKind::kStorageCredential,
      .table = "storage_credentials",
      .securable = "STORAGE_CREDENTIAL",
      .dotted_names = true,
      .columns = {{"kind", &T::kind},
                  {"access_key_id", &T::access_key_id},
                  {"profile", &T::profile},
                  {"read_only", &T::read_only}},
  });
  return *kTable;
}

namespace {

/// Printable ASCII without spaces, 1..`max` bytes.
bool IsKeyText(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max) {
    return false;
  }
  for (char ch : s) {
    if (ch <= ' ' || ch > '~') {
      return false;
    }
  }
  return true;
}

Status CheckAwsCredential(const AwsCredential& a) {
  if (a.kind == kAwsAccessKey) {
    if (!IsKeyText(a.access_key_id, 128) || !IsKeyText(a.secret_access_key, 1024)) {
      return InvalidArgument(
          "An AWS access key credential needs access_key_id and secret_access_key (printable, "
          "no spaces)");
    }
    if (!a.session_token.empty() && !IsKeyText(a.session_token, 4096)) {
      return InvalidArgument("session_token must be printable and hold no spaces");
    }
    if (!a.profile.empty()) {
      return InvalidArgument("An AWS access key credential has no profile");
    }
    return OkStatus();
  }
  if (a.kind == kAwsProfile) {
    if (!IsKeyText(a.profile, 128)) {
      return InvalidArgument(
          "An AWS profile credential needs the name of a profile of the server's AWS "
          "configuration (printable, no spaces)");
    }
    if (!a.access_key_id.empty() || !a.secret_access_key.empty() || !a.session_token.empty()) {
      return InvalidArgument("An AWS profile credential holds no keys; the profile does");
    }
    return OkStatus();
  }
  return InvalidArgument("A storage credential is an {} or an {}, got '{}'", kAwsAccessKey,
                         kAwsProfile, a.kind);
}

/// `info` without its secret parts: what every reply shows.
StorageCredentialInfo Redacted(StorageCredentialInfo info) {
  info.secret_access_key.clear();
  info.session_token.clear();
  return info;
}

}  // namespace

Result<StorageCredentialInfo> ReadStorageCredential(SqlConn& c, std::string_view name) {
  return StorageCredentialTable().Get(c, "", name, name);
}

void SqlCatalog::SetSecretKey(std::string_view server_secret) {
  secrets_ = SecretBox(server_secret);
}

std::string SqlCatalog::SealCredential(const AwsCredential& aws, const std::string& id) const {
  return secrets_.Seal(Base64Encode(aws.secret_access_key) + ":" + Base64Encode(aws.session_token),
                       "storage_credentials/" + id);
}

Result<StorageCredentialInfo> SqlCatalog::CreateStorageCredential(const StorageCredentialInfo& in) {
  LS_RETURN_IF_ERROR(StorageCredentialTable().ValidateName(in.name));
  LS_RETURN_IF_ERROR(CheckAwsCredential(in.aws()));
  StorageCredentialInfo out = in;
  Stamp(out);
  out.updated_by = out.created_by;
  return Transact<StorageCredentialInfo>(
      TxKind::kWrite, [&](SqlConn& c) -> Result<StorageCredentialInfo> {
        LS_RETURN_IF_ERROR(StorageCredentialTable().Insert(
            c, "", out, out.name, {{"sealed_secret", SealCredential(out.aws(), out.id)}}));
        return Redacted(out);
      });
}

Result<StorageCredentialInfo> SqlCatalog::GetStorageCredential(std::string_view name) {
  return Transact<StorageCredentialInfo>(
      TxKind::kRead, [&](SqlConn& c) { return ReadStorageCredential(c, name); });
}

Result<Listing<StorageCredentialInfo>> SqlCatalog::ListStorageCredentials(const PageRequest& page) {
  return ListIn(StorageCredentialTable(), page);
}

Result<StorageCredentialInfo> SqlCatalog::UpdateStorageCredential(
    std::string_view name, const StorageCredentialUpdate& u) {
  if (u.aws) {
    LS_RETURN_IF_ERROR(CheckAwsCredential(*u.aws));
  }
  ExtraColumns extra;
  auto read = [&](SqlConn& c) { return ReadStorageCredential(c, name); };
  auto change = [&](SqlConn& c, StorageCredentialInfo& out) -> Status {
    LS_RETURN_IF_ERROR(ApplyObjectUpdate(c, StorageCredentialTable(), "", u, "", out));
    out.read_only = u.read_only.value_or(out.read_only);
    out.updated_by = u.updated_by;
    extra.clear();
    if (u.aws) {
      out.set_aws(*u.aws);
      extra.emplace_back("sealed_secret", SealCredential(*u.aws, out.id));
    }
    return OkStatus();
  };
  LS_ASSIGN_OR_RETURN(
      StorageCredentialInfo out,
      UpdateIn<StorageCredentialInfo>(StorageCredentialTable(), u.new_name, read, change, &extra));
  return Redacted(std::move(out));
}

Status SqlCatalog::DeleteStorageCredential(std::string_view name) {
  auto read = [&](SqlConn& c) { return ReadStorageCredential(c, name); };
  return DeleteIn<StorageCredentialInfo>(
      StorageCredentialTable(), read, [](SqlConn& c, const StorageCredentialInfo& cred) -> Status {
        LS_ASSIGN_OR_RETURN(SqlRows rows,
                            c.Query("SELECT name FROM external_locations WHERE credential_id = ? "
                                    "ORDER BY name_key LIMIT 1",
                                    {cred.id}));
        if (!rows.empty()) {
          return InvalidArgument(
              "Storage credential '{}' is used by external location '{}'; give the location "
              "another credential or delete it first",
              cred.name, ToStr(rows[0][0]));
        }
        return OkStatus();
      });
}

Result<std::string> SqlCatalog::CredentialIdOf(SqlConn& c, std::string_view name) {
  if (name.empty()) {
    return std::string();
  }
  LS_ASSIGN_OR_RETURN(StorageCredentialInfo cred, ReadStorageCredential(c, name));
  return cred.id;
}

Result<StorageAccess> SqlCatalog::ResolveStorageAccess(std::string_view location) {
  LS_ASSIGN_OR_RETURN(std::string key, KeyOfLocation(location));
  return Transact<StorageAccess>(TxKind::kRead, [&](SqlConn& c) -> Result<StorageAccess> {
    LS_ASSIGN_OR_RETURN(std::optional<ExternalLocationInfo> found, FindLocationContaining(c, key));
    if (!found) {
      return MakeError(ErrorCode::kPermissionDenied,
                       "The table's storage location lies inside no external location; an admin "
                       "creates one covering it before it can be served");
    }
    StorageAccess out{std::move(*found), std::nullopt};
    if (out.location.credential_name.empty()) {
      return out;
    }
    const EntityTable<StorageCredentialInfo>& table = StorageCredentialTable();
    LS_ASSIGN_OR_RETURN(SqlRows rows,
                        c.Query("SELECT " + table.ColumnList("") +
                                    ", sealed_secret FROM storage_credentials WHERE name_key = ?",
                                {Key(out.location.credential_name)}));
    if (rows.empty()) {
      return NotFound(ResourceKind::kStorageCredential, "Storage credential '{}' does not exist",
                      out.location.credential_name);
    }
    LS_ASSIGN_OR_RETURN(StorageCredentialInfo cred, table.FromRow(rows[0]));
    LS_ASSIGN_OR_RETURN(std::string secret, secrets_.Open(ToStr(rows[0][table.width()]),
                                                          "storage_credentials/" + cred.id));
    std::vector<std::string_view> parts = Split(secret, ':');
    std::optional<std::string> key_secret = Base64Decode(parts[0]);
    std::optional<std::string> session = parts.size() == 2 ? Base64Decode(parts[1]) : std::nullopt;
    if (parts.size() != 2 || !key_secret || !session) {
      return Errorf(ErrorCode::kInternal, "the secret of storage credential '{}' is damaged",
                    cred.name);
    }
    cred.secret_access_key = std::move(*key_secret);
    cred.session_token = std::move(*session);
    out.credential = cred.aws();
    return out;
  });
}

}  // namespace lakeshare::catalog
