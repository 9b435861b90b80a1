#include <algorithm>

#include "admin/api_base_internal.h"

namespace lakeshare::admin::internal {

using catalog::Privilege;
using catalog::SecurableType;

Result<std::vector<std::string>> SplitName(std::string_view what, std::string_view full,
                                           size_t parts) {
  std::vector<std::string> out;
  for (std::string_view p : Split(full, '.')) {
    out.emplace_back(p);
  }
  if (out.size() != parts ||
      std::any_of(out.begin(), out.end(), [](const std::string& s) { return s.empty(); })) {
    return InvalidArgument("Invalid {} name '{}': expected {} dot-separated parts", what, full,
                           parts);
  }
  return out;
}

Result<std::string> DecodeLocalPageToken(const Paging& paging) {
  if (paging.page_token.empty()) {
    return std::string();
  }
  std::optional<std::string> decoded = Base64Decode(paging.page_token);
  if (!decoded || decoded->empty() || (*decoded)[0] != 'g') {
    return InvalidArgument("Invalid page_token");
  }
  return decoded->substr(1);
}

std::string EncodeLocalPageToken(std::string_view last_key) {
  return Base64Encode("g" + std::string(last_key));
}

http::Response PageReply(const char* key, Json items, const std::string& next_page_token) {
  Json out{{key, std::move(items)}};
  if (!next_page_token.empty()) {
    out["next_page_token"] = next_page_token;
  }
  return JsonReply(out);
}

int64_t ApiBase::Now() const { return ClockOr(options_.clock).NowMs(); }

void ApiBase::AccessChanged(const std::string& recipient) const {
  if (options_.on_access_changed) {
    options_.on_access_changed(recipient);
  }
}
http::Response ApiBase::AccessChangedReply(const std::string& recipient) const {
  AccessChanged(recipient);
  return JsonReply(Json::object());
}
std::string ApiBase::BaseUrl(const http::Request& request) const {
  if (!options_.public_url.empty()) {
    return options_.public_url;
  }
  const std::string* host = request.Header("Host");
  bool sane = host != nullptr && !host->empty() && host->size() <= 255 &&
              std::all_of(host->begin(), host->end(), [](char c) {
                return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
              });
  return "http://" + (sane ? *host : std::string("localhost"));
}

std::string ApiBase::ActivationUrl(const http::Request& request, const std::string& link) const {
  return BaseUrl(request) + options_.sharing_endpoint + "/activation/" + link;
}
Result<bool> ApiBase::OwnsOrHolds(const Caller& caller, bool owns, SecurableType type,
                                  std::string_view name, Privilege privilege) const {
  if (owns) {
    return true;
  }
  return catalog_->HasPrivilege(caller.name, type, name, privilege);
}

Result<bool> ApiBase::HasMeta(const Caller& caller, Privilege privilege) const {
  return OwnsOrHolds(caller, caller.is_admin, SecurableType::kMetastore, kMetastoreId, privilege);
}

Status ApiBase::RequireMeta(const Caller& caller, Privilege privilege,
                            std::string_view denied) const {
  LS_ASSIGN_OR_RETURN(bool may, HasMeta(caller, privilege));
  if (!may) {
    return PermissionDenied("{}", denied);
  }
  return {};
}

Status ApiBase::RequireAdmin(const Caller& caller, std::string_view what) const {
  if (!caller.is_admin) {
    return PermissionDenied("Only a metastore admin can {}", what);
  }
  return {};
}

Result<bool> ApiBase::SeesCatalog(const Caller& caller, const catalog::CatalogInfo& c) const {
  return OwnsOrHolds(caller, caller.is_admin || Owns(caller, c.owner), SecurableType::kCatalog,
                     c.name, Privilege::kUseCatalog);
}

Result<catalog::CatalogInfo> ApiBase::VisibleCatalog(const Caller& caller, std::string_view name) {
  LS_ASSIGN_OR_RETURN(catalog::CatalogInfo info, catalog_->GetCatalog(name));
  LS_ASSIGN_OR_RETURN(bool use, SeesCatalog(caller, info));
  if (!use) {
    return NotFound(ResourceKind::kCatalog, "Catalog '{}' does not exist", name);
  }
  return info;
}

Result<bool> ApiBase::MayCreateTablesIn(const Caller& caller,
                                        const catalog::ExternalLocationInfo& l) const {
  return OwnsOrHolds(caller, caller.is_admin || Owns(caller, l.owner),
                     SecurableType::kExternalLocation, l.name, Privilege::kCreateExternalTable);
}

Result<ApiBase::SchemaCtx> ApiBase::VisibleSchema(const Caller& caller,
                                                  std::string_view catalog_name,
                                                  std::string_view schema_name) {
  auto hidden = [&] {
    return NotFound(ResourceKind::kSchema, "Schema '{}.{}' does not exist", catalog_name,
                    schema_name);
  };
  SchemaCtx ctx;
  LS_ASSIGN_OR_RETURN(ctx.catalog,
                      HideMissingParents(caller, catalog_->GetCatalog(catalog_name), hidden));
  LS_ASSIGN_OR_RETURN(
      ctx.schema,
      HideMissingParents(caller, catalog_->GetSchema(catalog_name, schema_name), hidden));
  ctx.owner_in_chain =
      caller.is_admin || Owns(caller, ctx.catalog.owner) || Owns(caller, ctx.schema.owner);
  LS_ASSIGN_OR_RETURN(bool use, OwnsOrHolds(caller, ctx.owner_in_chain, SecurableType::kSchema,
                                            ctx.schema.full_name(), Privilege::kUseSchema));
  if (!use) {
    return hidden();
  }
  return ctx;
}

Result<ApiBase::TableCtx> ApiBase::VisibleTable(const Caller& caller, std::string_view full_name) {
  LS_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitName("table", full_name, 3));
  auto hidden = [&] {
    return NotFound(ResourceKind::kTable,
                    "Table '{}' does not exist or you hold no SELECT on it; ask its owner for "
                    "SELECT",
                    full_name);
  };
  TableCtx ctx;
  LS_ASSIGN_OR_RETURN(ctx.table, HideMissingParents(caller, catalog_->GetTable(full_name), hidden));
  LS_ASSIGN_OR_RETURN(bool select, catalog_->HasPrivilege(caller.name, SecurableType::kTable,
                                                          full_name, Privilege::kSelect));
  if (!select && !caller.is_admin) {
    return hidden();
  }
  ctx.owner_in_chain = caller.is_admin || Owns(caller, ctx.table.owner);
  if (!ctx.owner_in_chain) {
    LS_ASSIGN_OR_RETURN(catalog::CatalogInfo cat, catalog_->GetCatalog(parts[0]));
    LS_ASSIGN_OR_RETURN(catalog::SchemaInfo schema, catalog_->GetSchema(parts[0], parts[1]));
    ctx.owner_in_chain = Owns(caller, cat.owner) || Owns(caller, schema.owner);
  }
  return ctx;
}

template <typename Info>
Result<Info> ApiBase::VisibleByMetastorePrivilege(const Caller& caller, Result<Info> object,
                                                  Privilege privilege, ResourceKind kind,
                                                  std::string_view noun,
                                                  std::string_view name) const {
  if (!object || caller.is_admin || Owns(caller, object->owner)) {
    return object;
  }
  LS_ASSIGN_OR_RETURN(bool use, HasMeta(caller, privilege));
  if (!use) {
    return NotFound(kind, "{} '{}' does not exist", noun, name);
  }
  return object;
}

Result<catalog::ShareInfo> ApiBase::VisibleShare(const Caller& caller, std::string_view name,
                                                 bool include_objects) {
  return VisibleByMetastorePrivilege(caller, catalog_->GetShare(name, include_objects),
                                     Privilege::kUseShare, ResourceKind::kShare, "Share", name);
}

Result<catalog::StorageCredentialInfo> ApiBase::VisibleStorageCredential(const Caller& caller,
                                                                         std::string_view name) {
  LS_ASSIGN_OR_RETURN(catalog::StorageCredentialInfo c, catalog_->GetStorageCredential(name));
  if (!caller.is_admin && !Owns(caller, c.owner)) {
    return NotFound(ResourceKind::kStorageCredential, "Storage credential '{}' does not exist",
                    name);
  }
  return c;
}

Result<catalog::RecipientInfo> ApiBase::VisibleRecipient(const Caller& caller,
                                                         std::string_view name) {
  return VisibleByMetastorePrivilege(caller, catalog_->GetRecipient(name), Privilege::kUseRecipient,
                                     ResourceKind::kRecipient, "Recipient", name);
}

Result<catalog::RecipientInfo> ApiBase::PathRecipientOfType(http::Request& request,
                                                            const Caller& caller,
                                                            std::string_view authentication_type,
                                                            std::string_view what) {
  const std::string& name = NotedPathParam(request, "name", "recipient_name");
  request.audit()->recipient = name;
  LS_ASSIGN_OR_RETURN(catalog::RecipientInfo r, VisibleRecipient(caller, name));
  request.audit()->recipient = r.name;
  if (r.authentication_type != authentication_type) {
    return InvalidArgument("Recipient '{}' has authentication_type {}: {} belong to {} recipients",
                           r.name, AuthenticationTypeName(r.authentication_type), what,
                           AuthenticationTypeName(authentication_type));
  }
  return r;
}

Status ApiBase::RequireChainOwner(const SchemaCtx& ctx, std::string_view name,
                                  std::string_view what) {
  if (!ctx.owner_in_chain) {
    return PermissionDenied(
        "Only the owner of schema '{}' (or of its catalog) or a metastore admin can {}", name,
        what);
  }
  return {};
}

Status ApiBase::RequireChainOwner(const TableCtx& ctx, std::string_view name,
                                  std::string_view what) {
  if (!ctx.owner_in_chain) {
    return PermissionDenied(
        "Only the owner of table '{}' (or of its schema or catalog) or a metastore admin can {}",
        name, what);
  }
  return {};
}

Status ApiBase::RequireOwnerOrAdmin(const Caller& caller, std::string_view owner,
                                    std::string_view kind, std::string_view name,
                                    std::string_view what) const {
  if (!caller.is_admin && !Owns(caller, owner)) {
    return PermissionDenied("Only the owner of {} '{}' or a metastore admin can {}", kind, name,
                            what);
  }
  return {};
}

/// The owner to store for a new object: the caller, one of its groups, or (admins only) an
/// existing principal or group.
Result<std::string> ApiBase::OwnerFor(const Caller& caller,
                                      const std::optional<std::string>& owner) {
  if (!owner || owner->empty() || SameName(*owner, caller.name)) {
    return caller.name;
  }
  if (!caller.is_admin && !Owns(caller, *owner)) {
    return PermissionDenied(
        "Only a metastore admin can create an object owned by someone "
        "else; leave 'owner' out to own it yourself");
  }
  LS_RETURN_IF_ERROR(CheckPrincipalExists(*owner));
  return *owner;
}

Status ApiBase::CheckNewOwner(http::Request& request, const std::optional<std::string>& owner) {
  if (!owner) {
    return {};
  }
  Param(request, "owner", *owner);
  return CheckPrincipalExists(*owner);
}

Status ApiBase::CheckPrincipalExists(const std::string& name) {
  auto p = catalog_->GetPrincipal(name);
  if (p) {
    return {};
  }
  if (p.error().code != ErrorCode::kNotFound) {
    return tl::unexpected<Error>(p.error());
  }
  auto g = catalog_->GetGroup(name);  // a group owns for its members
  if (!g) {
    if (g.error().code == ErrorCode::kNotFound) {
      return InvalidArgument("owner '{}' is not a principal or group of this metastore", name);
    }
    return tl::unexpected<Error>(g.error());
  }
  return {};
}
/// Parse UC `changes[{principal, add, remove}]`.
Result<std::vector<catalog::PermissionsChange>> ApiBase::ParseChanges(const Json& body,
                                                                      http::Request& request) {
  LS_ASSIGN_OR_RETURN(const Json* changes, OptArray(body, "changes", kMaxUpdates));
  if (changes == nullptr) {
    return InvalidArgument("Field 'changes' is required: [{{principal, add, remove}}]");
  }
  Param(request, "changes", JsonText(*changes));
  std::vector<catalog::PermissionsChange> out;
  for (size_t i = 0; i < changes->size(); ++i) {
    const Json& c = (*changes)[i];
    if (!c.is_object()) {
      return InvalidArgument("changes[{}] must be an object {{principal, add, remove}}", i);
    }
    catalog::PermissionsChange change;
    LS_ASSIGN_OR_RETURN(change.principal, ReqString(c, "principal"));
    for (auto [key, list] : {std::pair<const char*, std::vector<Privilege>*>{"add", &change.add},
                             {"remove", &change.remove}}) {
      LS_ASSIGN_OR_RETURN(auto names, OptStringArray(c, key, 16));
      for (const std::string& n : names.value_or(std::vector<std::string>{})) {
        auto p = catalog::ParsePrivilege(n);
        if (!p) {
          return InvalidArgument("changes[{}].{}: unknown privilege '{}'", i, key, n);
        }
        list->push_back(*p);
      }
    }
    out.push_back(std::move(change));
  }
  return out;
}

Result<Json> ApiBase::ChangeSharePermissions(http::Request& request, const Caller& caller,
                                             const std::string& name, const Json& body) {
  LS_ASSIGN_OR_RETURN(auto changes, ParseChanges(body, request));
  if (changes.size() == 1) {
    request.audit()->recipient = changes[0].principal;
  }
  LS_ASSIGN_OR_RETURN(std::optional<bool> omit, OptBool(body, "omit_permissions_list"));
  LS_ASSIGN_OR_RETURN(catalog::ShareInfo share, VisibleShare(caller, name, false));
  for (const catalog::PermissionsChange& c : changes) {
    for (const auto* list : {&c.add, &c.remove}) {
      for (Privilege p : *list) {
        if (p != Privilege::kSelect) {
          return InvalidArgument("Only SELECT can be granted on a share, got {}",
                                 catalog::PrivilegeName(p));
        }
      }
    }
  }
  if (!caller.is_admin && !Owns(caller, share.owner)) {
    LS_ASSIGN_OR_RETURN(bool use, HasMeta(caller, Privilege::kUseShare));
    LS_ASSIGN_OR_RETURN(bool set, HasMeta(caller, Privilege::kSetSharePermission));
    if (!use || !set) {
      return PermissionDenied(
          "Granting on share '{}' needs its ownership, or USE_SHARE and "
          "SET_SHARE_PERMISSION",
          share.name);
    }
  }
  // A recipient the caller may not see is reported missing, like one that does not exist.
  // Revoking needs no right on it while it holds a grant on this share, which lists it to the
  // caller anyway; any other revoke naming it answers as for a missing one, else revokes would
  // tell which of other teams' recipients exist.
  std::optional<std::vector<catalog::PrivilegeAssignment>> granted;
  for (const catalog::PermissionsChange& c : changes) {
    auto seen = VisibleRecipient(caller, c.principal);
    if (seen || seen.error().code != ErrorCode::kNotFound) {
      LS_RETURN_IF_ERROR(seen);  // visible, or the lookup failed (the metastore down)
      continue;
    }
    if (!c.add.empty()) {
      return tl::unexpected<Error>(seen.error());  // a grant: hidden reads as missing
    }
    if (!granted) {
      LS_ASSIGN_OR_RETURN(granted, catalog_->GetPermissions(SecurableType::kShare, share.name));
    }
    if (std::none_of(granted->begin(), granted->end(), [&](const auto& a) {
          return SameName(a.principal, c.principal);
        })) {
      return tl::unexpected<Error>(seen.error());
    }
  }
  LS_ASSIGN_OR_RETURN(auto assignments,
                      catalog_->UpdatePermissions(SecurableType::kShare, share.name, changes));
  for (const catalog::PermissionsChange& c : changes) {
    AccessChanged(c.principal);
  }
  if (omit.value_or(false)) {
    return Json::object();
  }
  return Json{{"privilege_assignments", PrivilegeAssignmentsJson(assignments)}};
}
}  // namespace lakeshare::admin::internal
