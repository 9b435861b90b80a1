// Storage credentials (issue 10, storage governance): /api/2.1/unity-catalog/storage-credentials.
// How the server reaches an S3 store, so that teams never hold cloud keys: an admin (or a holder
// of CREATE_STORAGE_CREDENTIAL on the metastore) stores the keys once, external locations name
// the credential. Body and reply in Unity Catalog's StorageCredentialInfo shape with the AWS
// kinds Lakeshare reads with:
//   "aws_access_key": {"access_key_id", "secret_access_key", "session_token"?}
//   "aws_profile":    {"profile_name"}  (a profile of the server's own AWS configuration)
// Secrets are write-only: never in a reply, an audit event or a log line.

#include <memory>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"

namespace lakeshare::admin::internal {
namespace {

using catalog::Privilege;

Json StorageCredentialJson(const catalog::StorageCredentialInfo& c) {
  Json out = StampedObjectJson(c);
  out["read_only"] = c.read_only;
  out["metastore_id"] = std::string(kMetastoreId);
  if (c.kind == catalog::kAwsAccessKey) {
    out["aws_access_key"] = Json{{"access_key_id", c.access_key_id}};
  } else if (c.kind == catalog::kAwsProfile) {
    out["aws_profile"] = Json{{"profile_name", c.profile}};
  }
  return out;
}

/// The AWS part of a body: exactly one of aws_access_key / aws_profile; nullopt when neither is
/// given and `required` is false.
Result<std::optional<catalog::AwsCredential>> ParseAws(const Json& body, bool required) {
  LS_ASSIGN_OR_RETURN(const Json* keys, OptObject(body, "aws_access_key"));
  LS_ASSIGN_OR_RETURN(const Json* profile, OptObject(body, "aws_profile"));
  if ((keys != nullptr) == (profile != nullptr)) {
    if (keys == nullptr && !required) {
      return std::optional<catalog::AwsCredential>();
    }
    return InvalidArgument(
        "Give exactly one of 'aws_access_key' {{access_key_id, secret_access_key, "
        "session_token}} or 'aws_profile' {{profile_name}}");
  }
  catalog::AwsCredential aws;
  if (keys != nullptr) {
    aws.kind = std::string(catalog::kAwsAccessKey);
    LS_ASSIGN_OR_RETURN(aws.access_key_id, ReqString(*keys, "access_key_id"));
    LS_ASSIGN_OR_RETURN(aws.secret_access_key, ReqString(*keys, "secret_access_key"));
    LS_ASSIGN_OR_RETURN(auto token, OptString(*keys, "session_token", 4096));
    aws.session_token = token.value_or("");
  } else {
    aws.kind = std::string(catalog::kAwsProfile);
    LS_ASSIGN_OR_RETURN(aws.profile, ReqString(*profile, "profile_name"));
  }
  return std::optional<catalog::AwsCredential>(std::move(aws));
}

class StorageCredentialsApi final : public ApiBase {
 public:
  using ApiBase::ApiBase;

  void AddRoutes(RouteList& routes) override {
    routes.AddCollection(
        UcPath("/storage-credentials"), "name", "StorageCredential", this,
        {&StorageCredentialsApi::Create, &StorageCredentialsApi::List, &StorageCredentialsApi::Get,
         &StorageCredentialsApi::Update, &StorageCredentialsApi::Delete});
  }

 private:
  Result<http::Response> Create(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::StorageCredentialInfo info;
    LS_ASSIGN_OR_RETURN(info.name, NotedReqString(request, body, "name"));
    LS_ASSIGN_OR_RETURN(CommentAndOwner asked, ReadCommentAndOwner(body));
    LS_ASSIGN_OR_RETURN(auto read_only, OptBool(body, "read_only"));
    LS_ASSIGN_OR_RETURN(auto aws, ParseAws(body, /*required=*/true));
    LS_RETURN_IF_ERROR(RequireMeta(caller, Privilege::kCreateStorageCredential,
                                   "Creating storage credentials needs CREATE_STORAGE_CREDENTIAL "
                                   "on the metastore; ask a metastore admin"));
    info.set_aws(*aws);
    Param(request, "kind", info.kind);
    LS_RETURN_IF_ERROR(SetCommentAndOwner(caller, asked, info));
    info.read_only = read_only.value_or(false);
    info.created_by = caller.name;
    LS_ASSIGN_OR_RETURN(catalog::StorageCredentialInfo out,
                        catalog_->CreateStorageCredential(info));
    return JsonReply(StorageCredentialJson(out));
  }

  Result<http::Response> List(http::Request& request, const Caller& caller) {
    LS_ASSIGN_OR_RETURN(Paging paging, ParsePaging(request));
    auto listing = ListVisible<catalog::StorageCredentialInfo>(
        paging, [&](const catalog::PageRequest& p) { return catalog_->ListStorageCredentials(p); },
        [&](const catalog::StorageCredentialInfo& c) -> Result<bool> {
          return caller.is_admin || Owns(caller, c.owner);
        });
    return ListReply("storage_credentials", listing,
                     [](const auto& c) { return StorageCredentialJson(c); });
  }

  Result<http::Response> Get(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(catalog::StorageCredentialInfo c, VisibleStorageCredential(caller, name));
    return JsonReply(StorageCredentialJson(c));
  }

  Result<http::Response> Update(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(Json body, ParseBody(request.body()));
    catalog::StorageCredentialUpdate update;
    LS_RETURN_IF_ERROR(ReadNameOwnerComment(request, body, update));
    LS_ASSIGN_OR_RETURN(update.read_only, OptBool(body, "read_only"));
    LS_ASSIGN_OR_RETURN(update.aws, ParseAws(body, /*required=*/false));
    update.updated_by = caller.name;
    LS_ASSIGN_OR_RETURN(catalog::StorageCredentialInfo c, VisibleStorageCredential(caller, name));
    LS_RETURN_IF_ERROR(CheckNewOwner(request, update.owner));
    if (update.aws) {
      Param(request, "kind", update.aws->kind);
    }
    if (update.aws && update.aws->kind == catalog::kAwsProfile) {
      // A profile names keys of the server's own configuration, which only whoever may create
      // credentials may hand out; an owner without that right rotates keys it holds itself.
      LS_RETURN_IF_ERROR(RequireMeta(
          caller, Privilege::kCreateStorageCredential,
          fmt::format("Naming a profile of the server's AWS configuration in storage credential "
                      "'{}' needs CREATE_STORAGE_CREDENTIAL on the metastore, as creating one "
                      "does; ask a metastore admin",
                      c.name)));
    }
    LS_ASSIGN_OR_RETURN(catalog::StorageCredentialInfo out,
                        catalog_->UpdateStorageCredential(c.name, update));
    if (update.aws) {
      AccessChanged("");
    }
    return JsonReply(StorageCredentialJson(out));
  }

  Result<http::Response> Delete(http::Request& request, const Caller& caller) {
    const std::string& name = NotedPathParam(request, "name");
    LS_ASSIGN_OR_RETURN(catalog::StorageCredentialInfo c, VisibleStorageCredential(caller, name));
    LS_RETURN_IF_ERROR(catalog_->DeleteStorageCredential(c.name));
    return JsonReply(Json::object());
  }
};

}  // namespace

const ApiFactory kStorageCredentialsApi = MakeApi<StorageCredentialsApi>;

}  // namespace lakeshare::admin::internal
