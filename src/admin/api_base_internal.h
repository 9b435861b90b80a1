// The shared core of the management API's resources (internal to admin/). Each resource
// (catalogs_api.cc, shares_api.cc, ...) is one class deriving from ApiBase: it lists its routes in
// AddRoutes and answers them with member handlers; ApiBase gives it the request context (clock,
// base URL, access-change callback), the Unity Catalog ownership and privilege checks, and paging.
// A new resource is one new file with a factory, declared in api_resources_internal.h and listed
// once in management_service.cc.
//
// Handlers return Result<http::Response>: an Error becomes a Unity Catalog error reply
// (uc_error.h) from its code and resource kind. Objects a caller may not see answer exactly like
// objects that do not exist.
//
// Thread-safety: a resource's state is the catalog's; handlers are safe to call concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "admin/api_internal.h"
#include "admin/management_service.h"
#include "catalog/catalog.h"
#include "common/result.h"
#include "common/strings.h"
#include "http/request.h"
#include "http/response.h"

namespace lakeshare::admin::internal {

inline constexpr std::string_view kUcPrefix = "/api/2.1/unity-catalog";
inline constexpr std::string_view kLakesharePrefix = "/api/2.1/lakeshare";
/// The one metastore's id in replies and in permissions/metastore/{id}.
inline constexpr std::string_view kMetastoreId = "metastore";
/// Most entries of one `updates` / `changes` array.
inline constexpr size_t kMaxUpdates = 100;
/// Far beyond any sane lifetime in seconds, and no overflow once multiplied by 1000.
inline constexpr int64_t kMaxSeconds = int64_t{1} << 40;

/// Who is calling: set by ManagementService::Authenticate as the request identity.
struct Caller {
  std::string name;
  bool is_admin = false;
  std::vector<std::string> groups;  // the groups the caller belongs to (catalog::GroupInfo)
};

/// Whether `owner` (a principal or a group name) is the caller or one of its groups: a group
/// owns for all its members (issue 10, groups).
inline bool Owns(const Caller& caller, std::string_view owner) {
  if (ToLower(owner) == ToLower(caller.name)) {
    return true;
  }
  for (const std::string& group : caller.groups) {
    if (ToLower(owner) == ToLower(group)) {
      return true;
    }
  }
  return false;
}

using ApiHandler = std::function<Result<http::Response>(http::Request&, const Caller&)>;

/// One route of a resource: `action` names it in the audit log; public routes skip
/// authentication and log their pattern instead of their path (they carry secrets).
struct ApiRoute {
  std::string method;
  std::string path;
  std::string action;
  ApiHandler handler;
  bool is_public = false;
};

/// Where a resource lists its routes.
class RouteList {
 public:
  /// Add `handler` of `api` for `method` on `path` (a full pattern, e.g. UcPath("/shares")).
  template <typename Api>
  void Add(std::string_view method, std::string path, std::string_view action, Api* api,
           Result<http::Response> (Api::*handler)(http::Request&, const Caller&),
           bool is_public = false) {
    routes_.push_back(ApiRoute{std::string(method), std::move(path), std::string(action),
                               [api, handler](http::Request& request, const Caller& caller) {
                                 return (api->*handler)(request, caller);
                               },
                               is_public});
  }
  /// The handlers of a collection of named objects, for AddCollection.
  template <typename Api>
  struct Collection {
    using Handler = Result<http::Response> (Api::*)(http::Request&, const Caller&);
    Handler create, list, get, update, remove;
  };
  /// The five routes of the collection at `path` (e.g. UcPath("/shares")): POST (create<Noun>)
  /// and GET (list<Noun>s) on it, GET (get<Noun>), PATCH (update<Noun>) and DELETE
  /// (delete<Noun>) on `path`/{`key`}.
  template <typename Api>
  void AddCollection(const std::string& path, std::string_view key, std::string_view noun, Api* api,
                     const std::type_identity_t<Collection<Api>>& handlers) {
    const std::string n(noun);
    const std::string item = path + "/{" + std::string(key) + "}";
    Add("POST", path, "create" + n, api, handlers.create);
    Add("GET", path, "list" + n + "s", api, handlers.list);
    Add("GET", item, "get" + n, api, handlers.get);
    Add("PATCH", item, "update" + n, api, handlers.update);
    Add("DELETE", item, "delete" + n, api, handlers.remove);
  }
  const std::vector<ApiRoute>& routes() const { return routes_; }

 private:
  std::vector<ApiRoute> routes_;
};

/// "/api/2.1/unity-catalog" + tail; "/api/2.1/lakeshare" + tail.
inline std::string UcPath(std::string_view tail) {
  return std::string(kUcPrefix) + std::string(tail);
}
inline std::string LakesharePath(std::string_view tail) {
  return std::string(kLakesharePrefix) + std::string(tail);
}

/// Note a request parameter for the audit trail (never a secret).
inline void Param(http::Request& request, const std::string& key, std::string value) {
  request.audit()->params[key] = std::move(value);
}

/// The required string `key` of `body` (ReqString), noted for the audit trail.
inline Result<std::string> NotedReqString(http::Request& request, const Json& body,
                                          const std::string& key) {
  LS_ASSIGN_OR_RETURN(std::string value, ReqString(body, key));
  Param(request, key, value);
  return value;
}

/// The path parameter `key` (its route's pattern holds it), noted for the audit trail as
/// `audit_key` (default: `key`).
inline const std::string& NotedPathParam(http::Request& request, std::string_view key,
                                         std::string_view audit_key = {}) {
  const std::string& value = *request.PathParam(key);
  Param(request, std::string(audit_key.empty() ? key : audit_key), value);
  return value;
}

/// The optional `new_name` of an update body, noted for the audit trail as soon as it is read:
/// every resource records an attempted rename alike, whether it then succeeds or is refused.
inline Result<std::optional<std::string>> NotedNewName(http::Request& request, const Json& body) {
  LS_ASSIGN_OR_RETURN(std::optional<std::string> new_name, OptString(body, "new_name", 255));
  if (new_name) {
    Param(request, "new_name", *new_name);
  }
  return new_name;
}

/// Read the `new_name` (noted, NotedNewName), `owner` and `comment` of an update body (in that
/// order) into `update`.
template <typename Update>
Status ReadNameOwnerComment(http::Request& request, const Json& body, Update& update) {
  LS_ASSIGN_OR_RETURN(update.new_name, NotedNewName(request, body));
  LS_ASSIGN_OR_RETURN(update.owner, OptString(body, "owner", 255));
  LS_ASSIGN_OR_RETURN(update.comment, OptString(body, "comment"));
  return {};
}

/// Names compare ignoring ASCII case, as Unity Catalog does.
inline bool SameName(std::string_view a, std::string_view b) { return ToLower(a) == ToLower(b); }

/// Split "a.b" / "a.b.c" into exactly `parts` non-empty names (`what` names the kind in the
/// error).
Result<std::vector<std::string>> SplitName(std::string_view what, std::string_view full,
                                           size_t parts);

/// Local paging over an already filtered, ordered list (grants): the token is the last key.
Result<std::string> DecodeLocalPageToken(const Paging& paging);
std::string EncodeLocalPageToken(std::string_view last_key);

template <typename T, typename Key>
Result<std::pair<std::vector<T>, std::string>> PageOf(std::vector<T> items, const Paging& paging,
                                                      Key&& key) {
  LS_ASSIGN_OR_RETURN(std::string after, DecodeLocalPageToken(paging));
  std::vector<T> out;
  std::string next;
  for (T& item : items) {
    std::string k = ToLower(key(item));
    if (!after.empty() && k <= after) {
      continue;
    }
    if (!paging.all && static_cast<int64_t>(out.size()) == paging.max_results) {
      next = EncodeLocalPageToken(ToLower(key(out.back())));
      break;
    }
    out.push_back(std::move(item));
  }
  return std::make_pair(std::move(out), std::move(next));
}

/// The reply of one page: {"<key>": items, "next_page_token": next} (the token only when more
/// items follow, i.e. when it is not empty).
http::Response PageReply(const char* key, Json items, const std::string& next_page_token);

/// PageReply of `items`, each mapped by `to_json` to Json or to Result<Json>.
template <typename T, typename ToJson>
Result<http::Response> ItemsReply(const char* key, const std::vector<T>& items,
                                  const std::string& next_page_token, ToJson&& to_json) {
  Json out = Json::array();
  for (const T& item : items) {
    if constexpr (std::is_same_v<std::decay_t<decltype(to_json(item))>, Json>) {
      out.push_back(to_json(item));
    } else {
      LS_ASSIGN_OR_RETURN(Json j, to_json(item));
      out.push_back(std::move(j));
    }
  }
  return PageReply(key, std::move(out), next_page_token);
}

/// The reply of a list endpoint: ItemsReply of a Result<catalog::Listing<T>>'s page.
template <typename ListingResult, typename ToJson>
Result<http::Response> ListReply(const char* key, const ListingResult& listing, ToJson&& to_json) {
  if (!listing) {
    return tl::unexpected<Error>(listing.error());
  }
  return ItemsReply(key, listing->items, listing->next_page_token, to_json);
}

/// For a caller who is not a metastore admin, a missing catalog or schema on the way to an object
/// reads as the missing object (`hidden()`): otherwise the catalog's or schema's own "does not
/// exist" would tell who may not see them which ones exist (and their stored spelling).
template <typename T, typename Hidden>
Result<T> HideMissingParents(const Caller& caller, Result<T> found, const Hidden& hidden) {
  if (!found && found.error().code == ErrorCode::kNotFound && !caller.is_admin) {
    return hidden();
  }
  return found;
}

/// What every resource shares: the catalog, the options, and Unity Catalog's rules for who may
/// see and change what.
class ApiBase {
 public:
  /// `catalog` and `options` must outlive the resource.
  ApiBase(catalog::Catalog* catalog, const ManagementOptions* options)
      : catalog_(catalog), options_(*options) {}
  virtual ~ApiBase() = default;
  ApiBase(const ApiBase&) = delete;
  ApiBase& operator=(const ApiBase&) = delete;

  /// List this resource's routes.
  virtual void AddRoutes(RouteList& routes) = 0;

 protected:
  /// Milliseconds since the epoch (ManagementOptions::clock, or the system clock).
  int64_t Now() const;
  /// Tell the sharing side that what `recipient` ("" = anyone) may read can have narrowed.
  void AccessChanged(const std::string& recipient) const;
  /// AccessChanged(recipient), then the empty reply `{}`: how a delete or a revoke answers.
  http::Response AccessChangedReply(const std::string& recipient) const;
  /// "scheme://host[:port]" of this server as the caller reached it (or the public_url).
  std::string BaseUrl(const http::Request& request) const;
  /// The activation page URL of `link`.
  std::string ActivationUrl(const http::Request& request, const std::string& link) const;

  // ---- Ownership and privileges ----

  /// Whether the caller may see an object: true when `owns` (an admin, or the owner of the
  /// object or of what holds it), else whether it holds `privilege` on securable `type` `name`.
  Result<bool> OwnsOrHolds(const Caller& caller, bool owns, catalog::SecurableType type,
                           std::string_view name, catalog::Privilege privilege) const;
  /// Whether the caller holds `privilege` on the metastore (admins hold all).
  Result<bool> HasMeta(const Caller& caller, catalog::Privilege privilege) const;
  Status RequireAdmin(const Caller& caller, std::string_view what) const;
  /// kPermissionDenied with `denied` unless the caller holds `privilege` on the metastore.
  Status RequireMeta(const Caller& caller, catalog::Privilege privilege,
                     std::string_view denied) const;

  /// Whether the caller sees catalog `c`: an admin, its owner, or a holder of USE_CATALOG on it.
  Result<bool> SeesCatalog(const Caller& caller, const catalog::CatalogInfo& c) const;
  /// Catalog `name` when the caller sees it (SeesCatalog); else kNotFound, as if it did not exist.
  Result<catalog::CatalogInfo> VisibleCatalog(const Caller& caller, std::string_view name);
  /// Whether the caller may register tables inside external location `l`, which is also who sees
  /// the location: an admin, its owner, or a holder of CREATE_EXTERNAL_TABLE on it.
  Result<bool> MayCreateTablesIn(const Caller& caller,
                                 const catalog::ExternalLocationInfo& l) const;

  struct SchemaCtx {
    catalog::CatalogInfo catalog;
    catalog::SchemaInfo schema;
    bool owner_in_chain = false;  // the caller owns the schema or its catalog, or is an admin
  };
  Result<SchemaCtx> VisibleSchema(const Caller& caller, std::string_view catalog_name,
                                  std::string_view schema_name);

  struct TableCtx {
    catalog::TableInfo table;
    bool owner_in_chain = false;  // the caller owns the table, its schema or catalog, or is admin
  };
  Result<TableCtx> VisibleTable(const Caller& caller, std::string_view full_name);

  /// kPermissionDenied unless the caller owns the schema or its catalog, or is an admin
  /// (ctx.owner_in_chain): "Only the owner of schema '<name>' (or of its catalog) or a metastore
  /// admin can <what>".
  static Status RequireChainOwner(const SchemaCtx& ctx, std::string_view name,
                                  std::string_view what);
  /// The same for a table: "... table '<name>' (or of its schema or catalog) ...".
  static Status RequireChainOwner(const TableCtx& ctx, std::string_view name,
                                  std::string_view what);

  /// One page of the objects `fetch` lists (shares, recipients; as ListVisible) that the caller
  /// sees by a metastore privilege, as VisibleShare / VisibleRecipient decide for one: all of them
  /// when it holds `privilege` (admins hold all), else those it owns.
  template <typename Info, typename Fetch>
  Result<catalog::Listing<Info>> ListByMetastorePrivilege(const Caller& caller,
                                                          const Paging& paging,
                                                          catalog::Privilege privilege,
                                                          Fetch&& fetch) const {
    LS_ASSIGN_OR_RETURN(bool holds, HasMeta(caller, privilege));
    return ListVisible<Info>(paging, fetch, [&](const Info& object) -> Result<bool> {
      return holds || Owns(caller, object.owner);
    });
  }

  Result<catalog::ShareInfo> VisibleShare(const Caller& caller, std::string_view name,
                                          bool include_objects);
  /// Storage credential `name` when the caller owns it or is an admin; to anyone else it does not
  /// exist (its own routes and the grants on it alike). Never its secrets.
  Result<catalog::StorageCredentialInfo> VisibleStorageCredential(const Caller& caller,
                                                                  std::string_view name);
  Result<catalog::RecipientInfo> VisibleRecipient(const Caller& caller, std::string_view name);
  /// The recipient of the path parameter `name` (noted as `recipient_name` and as the event's
  /// recipient), visible to the caller and of `authentication_type`; else kInvalidArgument:
  /// "`what` belong to <type> recipients".
  Result<catalog::RecipientInfo> PathRecipientOfType(http::Request& request, const Caller& caller,
                                                     std::string_view authentication_type,
                                                     std::string_view what);
  /// kPermissionDenied unless the caller owns `r` or is an admin (`what`: "delete it", ...).
  Status RequireRecipientOwner(const Caller& caller, const catalog::RecipientInfo& r,
                               std::string_view what) const {
    return RequireOwnerOrAdmin(caller, r.owner, "recipient", r.name, what);
  }
  /// kPermissionDenied unless the caller owns the object (`kind` `name`, owned by `owner`) or is
  /// an admin: "Only the owner of <kind> '<name>' or a metastore admin can <what>".
  Status RequireOwnerOrAdmin(const Caller& caller, std::string_view owner, std::string_view kind,
                             std::string_view name, std::string_view what) const;

  /// The owner to store for a new object: the caller, one of its groups, or (admins only) an
  /// existing principal or group.
  Result<std::string> OwnerFor(const Caller& caller, const std::optional<std::string>& owner);
  /// Give a new object the comment asked for and its owner (OwnerFor the one asked).
  template <typename Info>
  Status SetCommentAndOwner(const Caller& caller, const CommentAndOwner& asked, Info& info) {
    LS_ASSIGN_OR_RETURN(info.owner, OwnerFor(caller, asked.owner));
    info.comment = asked.comment;
    return {};
  }
  /// kInvalidArgument when `name` is neither a principal nor a group of this metastore.
  Status CheckPrincipalExists(const std::string& name);
  /// When an update sets `owner`: note it for the audit trail and check that it exists.
  Status CheckNewOwner(http::Request& request, const std::optional<std::string>& owner);

  // ---- Grants (the share's own route and the generic permissions route change them) ----

  /// Parse UC `changes[{principal, add, remove}]`.
  Result<std::vector<catalog::PermissionsChange>> ParseChanges(const Json& body,
                                                               http::Request& request);
  /// Apply a PATCH of share `name`'s permissions; the reply body (empty when
  /// omit_permissions_list).
  Result<Json> ChangeSharePermissions(http::Request& request, const Caller& caller,
                                      const std::string& name, const Json& body);

  catalog::Catalog* catalog_;
  const ManagementOptions& options_;

 private:
  /// `object` (read by name: `noun` `name`) when the caller owns it or holds `privilege` on the
  /// metastore; else kNotFound, as if it did not exist (shares, recipients).
  template <typename Info>
  Result<Info> VisibleByMetastorePrivilege(const Caller& caller, Result<Info> object,
                                           catalog::Privilege privilege, ResourceKind kind,
                                           std::string_view noun, std::string_view name) const;
};

}  // namespace lakeshare::admin::internal
