#include "admin/management_service.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <map>
#include <optional>
#include <set>
#include <type_traits>
#include <utility>
#include <vector>

#include "admin/api_internal.h"
#include "auth/ip_access_list.h"
#include "auth/secret_token.h"
#include "common/strings.h"

namespace lakeshare::admin {
namespace {

using catalog::Privilege;
using catalog::SecurableType;
using internal::ApiError;
using internal::ApiResult;
using internal::ApiStatus;
using internal::Json;
using internal::Paging;

#define API_RETURN_IF_ERROR(expr)                                                            \
  do {                                                                                       \
    auto&& api_status_ = (expr);                                                             \
    if (!api_status_) {                                                                      \
      return tl::unexpected<ApiError>(internal::ToApiError(std::move(api_status_).error())); \
    }                                                                                        \
  } while (false)

// `lhs` may be a declaration, so it cannot be parenthesized (as in LS_ASSIGN_OR_RETURN).
// NOLINTBEGIN(bugprone-macro-parentheses)
#define API_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)                                 \
  auto tmp = (expr);                                                               \
  if (!tmp) {                                                                      \
    return tl::unexpected<ApiError>(internal::ToApiError(std::move(tmp).error())); \
  }                                                                                \
  lhs = std::move(*tmp)

#define API_ASSIGN_OR_RETURN(lhs, expr) \
  API_ASSIGN_OR_RETURN_IMPL_(LS_CONCAT_(api_result_, __LINE__), lhs, expr)
// NOLINTEND(bugprone-macro-parentheses)

constexpr std::string_view kUc = "/api/2.1/unity-catalog";
constexpr std::string_view kLs = "/api/2.1/lakeshare";
/// The one metastore's id in replies and in permissions/metastore/{id}.
constexpr std::string_view kMetastoreId = "metastore";
constexpr size_t kMaxUpdates = 100;
constexpr size_t kMaxProperties = 100;
constexpr int64_t kMaxTokenLifetimeSeconds = 365LL * 24 * 3600;
constexpr int64_t kMaxSeconds = int64_t{1} << 40;  // far beyond any sane lifetime, no overflow

/// Who is calling: set by Authenticate as the request identity.
struct Caller {
  std::string name;
  bool is_admin = false;
};

bool SameName(std::string_view a, std::string_view b) { return ToLower(a) == ToLower(b); }

void Param(http::Request& request, const std::string& key, std::string value) {
  request.audit()->params[key] = std::move(value);
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) {
      out += ',';
    }
    out += item;
  }
  return out;
}

/// Local paging over an already filtered, ordered list (grants): the token is the last key.
template <typename T, typename Key>
ApiResult<std::pair<std::vector<T>, std::string>> PageOf(std::vector<T> items, const Paging& paging,
                                                         Key&& key) {
  std::string after;
  if (!paging.page_token.empty()) {
    std::optional<std::string> decoded = Base64Decode(paging.page_token);
    if (!decoded || decoded->empty() || (*decoded)[0] != 'g') {
      return internal::InvalidParam("Invalid page_token");
    }
    after = decoded->substr(1);
  }
  std::vector<T> out;
  std::string next;
  for (T& item : items) {
    std::string k = ToLower(key(item));
    if (!after.empty() && k <= after) {
      continue;
    }
    if (!paging.all && static_cast<int64_t>(out.size()) == paging.max_results) {
      next = Base64Encode("g" + ToLower(key(out.back())));
      break;
    }
    out.push_back(std::move(item));
  }
  return std::make_pair(std::move(out), std::move(next));
}

void PutNextToken(Json& out, const std::string& token) {
  if (!token.empty()) {
    out["next_page_token"] = token;
  }
}

/// The reply of a list endpoint: {"<key>": [item, ...], "next_page_token": ...} (the token only
/// when more items follow). `to_json` maps an item to Json or to ApiResult<Json>.
template <typename ListingResult, typename ToJson>
ApiResult<http::Response> ListReply(const char* key, const ListingResult& listing,
                                    ToJson&& to_json) {
  if (!listing) {
    return tl::unexpected<ApiError>(listing.error());
  }
  Json items = Json::array();
  for (const auto& item : listing->items) {
    if constexpr (std::is_same_v<std::decay_t<decltype(to_json(item))>, Json>) {
      items.push_back(to_json(item));
    } else {
      API_ASSIGN_OR_RETURN(Json j, to_json(item));
      items.push_back(std::move(j));
    }
  }
  Json out{{key, std::move(items)}};
  PutNextToken(out, listing->next_page_token);
  return internal::JsonReply(out);
}

/// Check a storage_location: an absolute path or a URI with a scheme Lakeshare reads, no "..".
ApiStatus CheckStorageLocation(std::string_view location) {
  bool uri = false;
  for (std::string_view scheme : {"s3://", "s3a://", "file://"}) {
    if (location.substr(0, scheme.size()) == scheme) {
      uri = true;
    }
  }
  if (!uri && (location.empty() || location[0] != '/')) {
    return internal::InvalidParam(
        "storage_location '{}' must be an absolute path or an s3://, s3a:// or file:// URI",
        location);
  }
  for (std::string_view part : Split(location, '/')) {
    if (part == "..") {
      return internal::InvalidParam("storage_location '{}' must not contain '..'", location);
    }
  }
  return {};
}

/// Split "a.b" / "a.b.c" into exactly `parts` non-empty names.
ApiResult<std::vector<std::string>> SplitName(std::string_view what, std::string_view full,
                                              size_t parts) {
  std::vector<std::string> out;
  for (std::string_view p : Split(full, '.')) {
    out.emplace_back(p);
  }
  if (out.size() != parts ||
      std::any_of(out.begin(), out.end(), [](const std::string& s) { return s.empty(); })) {
    return internal::InvalidParam("Invalid {} name '{}': expected {} dot-separated parts", what,
                                  full, parts);
  }
  return out;
}

}  // namespace

class ManagementService::Impl {
 public:
  using ApiHandler = std::function<ApiResult<http::Response>(http::Request&, const Caller&)>;

  Impl(catalog::Catalog* catalog, ManagementOptions options)
      : catalog_(catalog), options_(std::move(options)) {}

  Status Authenticate(http::Request& request) const {
    // Name the action now, so a request refused here is audited under it too.
    auto action = actions_.find(request.method() + " " + request.route());
    if (action != actions_.end()) {
      request.audit()->action = action->second;
    }
    std::optional<std::string_view> token = auth::BearerToken(request.Header("Authorization"));
    if (!token) {
      return MakeError(ErrorCode::kUnauthenticated,
                       "Missing API token: send 'Authorization: Bearer <token>' with a principal's "
                       "API token");
    }
    LS_ASSIGN_OR_RETURN(catalog::Principal principal, catalog_->AuthenticatePrincipal(*token));
    request.set_principal(principal.name);
    request.set_identity(std::move(principal));
    return OkStatus();
  }

  Status Register(http::Router& router);

 private:
  int64_t Now() const {
    if (options_.clock_ms) {
      return options_.clock_ms();
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  void AccessChanged(const std::string& recipient) const {
    if (options_.on_access_changed) {
      options_.on_access_changed(recipient);
    }
  }

  Status Add(http::Router& router, std::string_view method, std::string_view path,
             const std::string& action, ApiHandler handler, bool is_public = false) {
    auto wrapped = [action, handler = std::move(handler),
                    is_public](http::Request& request) -> Result<http::Response> {
      request.audit()->action = action;
      ApiResult<http::Response> out = [&]() -> ApiResult<http::Response> {
        try {
          Caller caller;
          if (!is_public) {
            const auto* principal = std::any_cast<const catalog::Principal>(&request.identity());
            if (principal == nullptr) {
              return internal::Fail(401, "UNAUTHENTICATED",
                                    "Send 'Authorization: Bearer <token>' with a principal's API "
                                    "token");
            }
            caller = Caller{principal->name, principal->is_admin};
          }
          return handler(request, caller);
        } catch (const std::exception& e) {
          return internal::Fail(500, "INTERNAL_ERROR", e.what());
        }
      }();
      if (!out) {
        return internal::ErrorReply(out.error(), request.request_id());
      }
      return std::move(*out);
    };
    http::RouteOptions route_options;
    if (is_public) {
      route_options.authenticate = false;
      route_options.log_path = false;
    }
    std::string full = std::string(path);
    return router.Handle(method, full, std::move(wrapped), route_options);
  }

  // ---- Privilege helpers ----

  ApiResult<bool> HasMeta(const Caller& caller, Privilege privilege) const {
    if (caller.is_admin) {
      return true;
    }
    API_ASSIGN_OR_RETURN(bool has, catalog_->HasPrivilege(caller.name, SecurableType::kMetastore,
                                                          kMetastoreId, privilege));
    return has;
  }

  ApiStatus RequireAdmin(const Caller& caller, std::string_view what) const {
    if (!caller.is_admin) {
      return internal::Denied("Only a metastore admin can {}", what);
    }
    return {};
  }

  ApiResult<catalog::CatalogInfo> VisibleCatalog(const Caller& caller, std::string_view name) {
    auto info = catalog_->GetCatalog(name);
    if (!info) {
      return tl::unexpected<ApiError>(internal::FromError(info.error()));
    }
    if (caller.is_admin || SameName(info->owner, caller.name)) {
      return *info;
    }
    API_ASSIGN_OR_RETURN(bool use, catalog_->HasPrivilege(caller.name, SecurableType::kCatalog,
                                                          info->name, Privilege::kUseCatalog));
    if (!use) {
      return internal::DoesNotExist("CATALOG", "Catalog '{}' does not exist", name);
    }
    return *info;
  }

  struct SchemaCtx {
    catalog::CatalogInfo catalog;
    catalog::SchemaInfo schema;
    bool owner_in_chain = false;
  };

  ApiResult<SchemaCtx> VisibleSchema(const Caller& caller, std::string_view catalog_name,
                                     std::string_view schema_name) {
    SchemaCtx ctx;
    auto cat = catalog_->GetCatalog(catalog_name);
    if (!cat) {
      return tl::unexpected<ApiError>(internal::FromError(cat.error()));
    }
    ctx.catalog = std::move(*cat);
    auto schema = catalog_->GetSchema(catalog_name, schema_name);
    if (!schema) {
      return tl::unexpected<ApiError>(internal::FromError(schema.error()));
    }
    ctx.schema = std::move(*schema);
    ctx.owner_in_chain = caller.is_admin || SameName(ctx.catalog.owner, caller.name) ||
                         SameName(ctx.schema.owner, caller.name);
    if (!ctx.owner_in_chain) {
      API_ASSIGN_OR_RETURN(bool use,
                           catalog_->HasPrivilege(caller.name, SecurableType::kSchema,
                                                  ctx.schema.full_name(), Privilege::kUseSchema));
      if (!use) {
        return internal::DoesNotExist("SCHEMA", "Schema '{}.{}' does not exist", catalog_name,
                                      schema_name);
      }
    }
    return ctx;
  }

  struct TableCtx {
    catalog::TableInfo table;
    bool owner_in_chain = false;
  };

  ApiResult<TableCtx> VisibleTable(const Caller& caller, std::string_view full_name) {
    API_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitName("table", full_name, 3));
    TableCtx ctx;
    API_ASSIGN_OR_RETURN(ctx.table, catalog_->GetTable(full_name));
    API_ASSIGN_OR_RETURN(bool select, catalog_->HasPrivilege(caller.name, SecurableType::kTable,
                                                             full_name, Privilege::kSelect));
    if (!select && !caller.is_admin) {
      return internal::DoesNotExist("TABLE", "Table '{}' does not exist", full_name);
    }
    ctx.owner_in_chain = caller.is_admin || SameName(ctx.table.owner, caller.name);
    if (!ctx.owner_in_chain) {
      API_ASSIGN_OR_RETURN(catalog::CatalogInfo cat, catalog_->GetCatalog(parts[0]));
      API_ASSIGN_OR_RETURN(catalog::SchemaInfo schema, catalog_->GetSchema(parts[0], parts[1]));
      ctx.owner_in_chain = SameName(cat.owner, caller.name) || SameName(schema.owner, caller.name);
    }
    return ctx;
  }

  ApiResult<catalog::ShareInfo> VisibleShare(const Caller& caller, std::string_view name,
                                             bool include_objects) {
    auto share = catalog_->GetShare(name, include_objects);
    if (!share) {
      return tl::unexpected<ApiError>(internal::FromError(share.error()));
    }
    if (caller.is_admin || SameName(share->owner, caller.name)) {
      return *share;
    }
    API_ASSIGN_OR_RETURN(bool use, HasMeta(caller, Privilege::kUseShare));
    if (!use) {
      return internal::DoesNotExist("SHARE", "Share '{}' does not exist", name);
    }
    return *share;
  }

  ApiResult<catalog::RecipientInfo> VisibleRecipient(const Caller& caller, std::string_view name) {
    auto recipient = catalog_->GetRecipient(name);
    if (!recipient) {
      return tl::unexpected<ApiError>(internal::FromError(recipient.error()));
    }
    if (caller.is_admin || SameName(recipient->owner, caller.name)) {
      return *recipient;
    }
    API_ASSIGN_OR_RETURN(bool use, HasMeta(caller, Privilege::kUseRecipient));
    if (!use) {
      return internal::DoesNotExist("RECIPIENT", "Recipient '{}' does not exist", name);
    }
    return *recipient;
  }

  /// The owner to store for a new object: the caller, or (admins only) an existing principal.
  ApiResult<std::string> OwnerFor(const Caller& caller, const std::optional<std::string>& owner) {
    if (!owner || owner->empty() || SameName(*owner, caller.name)) {
      return caller.name;
    }
    if (!caller.is_admin) {
      return internal::Denied(
          "Only a metastore admin can create an object owned by someone "
          "else; leave 'owner' out to own it yourself");
    }
    API_RETURN_IF_ERROR(CheckPrincipalExists(*owner));
    return *owner;
  }

  ApiStatus CheckPrincipalExists(const std::string& name) {
    auto p = catalog_->GetPrincipal(name);
    if (!p) {
      if (p.error().code == ErrorCode::kNotFound) {
        return internal::InvalidParam("owner '{}' is not a principal of this metastore", name);
      }
      return tl::unexpected<ApiError>(internal::FromError(p.error()));
    }
    return {};
  }

  std::string BaseUrl(const http::Request& request) const {
    if (!options_.public_url.empty()) {
      return options_.public_url;
    }
    const std::string* host = request.Header("Host");
    bool sane = host != nullptr && !host->empty() && host->size() <= 255 &&
                std::all_of(host->begin(), host->end(), [](char c) {
                  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' || c == '[' ||
                         c == ']';
                });
    return "http://" + (sane ? *host : std::string("localhost"));
  }

  std::string ActivationUrl(const http::Request& request, const std::string& link) const {
    return BaseUrl(request) + options_.sharing_endpoint + "/activation/" + link;
  }

  // ---- Handlers: metastore ----

  ApiResult<Json> SummaryJson() {
    API_ASSIGN_OR_RETURN(catalog::MetastoreSettings s, catalog_->GetSettings());
    return Json{
        {"metastore_id", kMetastoreId},
        {"name", kMetastoreId},
        {"delta_sharing_scope", "INTERNAL_AND_EXTERNAL"},
        {"delta_sharing_organization_name", s.organization_name},
        {"delta_sharing_recipient_token_lifetime_in_seconds", s.recipient_token_lifetime_seconds}};
  }

  ApiResult<http::Response> GetSummary(http::Request&, const Caller&) {
    API_ASSIGN_OR_RETURN(Json out, SummaryJson());
    return internal::JsonReply(out);
  }

  ApiResult<http::Response> UpdateMetastore(http::Request& request, const Caller& caller) {
    Param(request, "metastore_id", *request.PathParam("id"));
    API_RETURN_IF_ERROR(RequireAdmin(caller, "change metastore settings"));
    if (*request.PathParam("id") != kMetastoreId) {
      return internal::DoesNotExist("METASTORE",
                                    "Metastore '{}' does not exist; this server's "
                                    "metastore_id is '{}'",
                                    *request.PathParam("id"), kMetastoreId);
    }
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    catalog::MetastoreSettingsUpdate update;
    API_ASSIGN_OR_RETURN(update.organization_name,
                         internal::OptString(body, "delta_sharing_organization_name", 255));
    API_ASSIGN_OR_RETURN(
        update.recipient_token_lifetime_seconds,
        internal::OptInt(body, "delta_sharing_recipient_token_lifetime_in_seconds"));
    if (update.recipient_token_lifetime_seconds &&
        (*update.recipient_token_lifetime_seconds < 0 ||
         *update.recipient_token_lifetime_seconds > kMaxTokenLifetimeSeconds)) {
      return internal::InvalidParam(
          "delta_sharing_recipient_token_lifetime_in_seconds must be between 0 (tokens do not "
          "expire) and {} (one year), got {}",
          kMaxTokenLifetimeSeconds, *update.recipient_token_lifetime_seconds);
    }
    if (update.organization_name) {
      Param(request, "delta_sharing_organization_name", *update.organization_name);
    }
    if (update.recipient_token_lifetime_seconds) {
      Param(request, "delta_sharing_recipient_token_lifetime_in_seconds",
            std::to_string(*update.recipient_token_lifetime_seconds));
    }
    API_RETURN_IF_ERROR(catalog_->UpdateSettings(update));
    API_ASSIGN_OR_RETURN(Json out, SummaryJson());
    return internal::JsonReply(out);
  }

  // ---- Handlers: catalogs ----

  ApiResult<http::Response> CreateCatalog(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    catalog::CatalogInfo info;
    API_ASSIGN_OR_RETURN(info.name, internal::ReqString(body, "name"));
    Param(request, "name", info.name);
    API_ASSIGN_OR_RETURN(auto comment, internal::OptString(body, "comment"));
    API_ASSIGN_OR_RETURN(auto owner, internal::OptString(body, "owner", 255));
    API_ASSIGN_OR_RETURN(bool may, HasMeta(caller, Privilege::kCreateCatalog));
    if (!may) {
      return internal::Denied("Creating a catalog needs CREATE_CATALOG on the metastore");
    }
    API_ASSIGN_OR_RETURN(info.owner, OwnerFor(caller, owner));
    info.comment = comment.value_or("");
    API_ASSIGN_OR_RETURN(catalog::CatalogInfo out, catalog_->CreateCatalog(info));
    return internal::JsonReply(internal::CatalogJson(out));
  }

  ApiResult<http::Response> ListCatalogs(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(Paging paging, internal::ParsePaging(request));
    auto listing = internal::ListVisible<catalog::CatalogInfo>(
        paging, [&](const catalog::PageRequest& p) { return catalog_->ListCatalogs(p); },
        [&](const catalog::CatalogInfo& c) -> ApiResult<bool> {
          if (caller.is_admin || SameName(c.owner, caller.name)) {
            return true;
          }
          API_ASSIGN_OR_RETURN(bool use,
                               catalog_->HasPrivilege(caller.name, SecurableType::kCatalog, c.name,
                                                      Privilege::kUseCatalog));
          return use;
        });
    return ListReply("catalogs", listing, [&](const auto& c) { return internal::CatalogJson(c); });
  }

  ApiResult<http::Response> GetCatalog(http::Request& request, const Caller& caller) {
    const std::string& name = *request.PathParam("name");
    Param(request, "name", name);
    API_ASSIGN_OR_RETURN(catalog::CatalogInfo info, VisibleCatalog(caller, name));
    return internal::JsonReply(internal::CatalogJson(info));
  }

  ApiResult<http::Response> UpdateCatalog(http::Request& request, const Caller& caller) {
    const std::string& name = *request.PathParam("name");
    Param(request, "name", name);
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    catalog::ObjectUpdate update;
    API_ASSIGN_OR_RETURN(update.new_name, internal::OptString(body, "new_name", 255));
    API_ASSIGN_OR_RETURN(update.owner, internal::OptString(body, "owner", 255));
    API_ASSIGN_OR_RETURN(update.comment, internal::OptString(body, "comment"));
    API_ASSIGN_OR_RETURN(catalog::CatalogInfo info, VisibleCatalog(caller, name));
    if (!caller.is_admin && !SameName(info.owner, caller.name)) {
      return internal::Denied("Only the owner of catalog '{}' or a metastore admin can change it",
                              info.name);
    }
    if (update.owner) {
      Param(request, "owner", *update.owner);
      API_RETURN_IF_ERROR(CheckPrincipalExists(*update.owner));
    }
    if (update.new_name) {
      Param(request, "new_name", *update.new_name);
    }
    API_ASSIGN_OR_RETURN(catalog::CatalogInfo out, catalog_->UpdateCatalog(info.name, update));
    if (update.new_name) {
      AccessChanged("");
    }
    return internal::JsonReply(internal::CatalogJson(out));
  }

  ApiResult<http::Response> DeleteCatalog(http::Request& request, const Caller& caller) {
    const std::string& name = *request.PathParam("name");
    Param(request, "name", name);
    API_ASSIGN_OR_RETURN(std::optional<bool> force, internal::QueryBool(request, "force"));
    API_ASSIGN_OR_RETURN(catalog::CatalogInfo info, VisibleCatalog(caller, name));
    if (!caller.is_admin && !SameName(info.owner, caller.name)) {
      return internal::Denied("Only the owner of catalog '{}' or a metastore admin can delete it",
                              info.name);
    }
    API_RETURN_IF_ERROR(catalog_->DeleteCatalog(info.name, force.value_or(false)));
    AccessChanged("");
    return internal::JsonReply(Json::object());
  }

  // ---- Handlers: schemas ----

  ApiResult<http::Response> CreateSchema(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    catalog::SchemaInfo info;
    API_ASSIGN_OR_RETURN(info.name, internal::ReqString(body, "name"));
    API_ASSIGN_OR_RETURN(info.catalog_name, internal::ReqString(body, "catalog_name"));
    Param(request, "name", info.name);
    Param(request, "catalog_name", info.catalog_name);
    API_ASSIGN_OR_RETURN(auto comment, internal::OptString(body, "comment"));
    API_ASSIGN_OR_RETURN(auto owner, internal::OptString(body, "owner", 255));
    API_ASSIGN_OR_RETURN(catalog::CatalogInfo cat, VisibleCatalog(caller, info.catalog_name));
    if (!caller.is_admin && !SameName(cat.owner, caller.name)) {
      return internal::Denied(
          "Only the owner of catalog '{}' or a metastore admin can create "
          "schemas in it",
          cat.name);
    }
    API_ASSIGN_OR_RETURN(info.owner, OwnerFor(caller, owner));
    info.comment = comment.value_or("");
    API_ASSIGN_OR_RETURN(catalog::SchemaInfo out, catalog_->CreateSchema(info));
    return internal::JsonReply(internal::SchemaJson(out));
  }

  ApiResult<http::Response> ListSchemas(http::Request& request, const Caller& caller) {
    const std::string* catalog_name = request.QueryParam("catalog_name");
    if (catalog_name == nullptr || catalog_name->empty()) {
      return internal::InvalidParam("Query parameter 'catalog_name' is required");
    }
    Param(request, "catalog_name", *catalog_name);
    API_ASSIGN_OR_RETURN(Paging paging, internal::ParsePaging(request));
    API_ASSIGN_OR_RETURN(catalog::CatalogInfo cat, VisibleCatalog(caller, *catalog_name));
    bool all_visible = caller.is_admin || SameName(cat.owner, caller.name);
    auto listing = internal::ListVisible<catalog::SchemaInfo>(
        paging, [&](const catalog::PageRequest& p) { return catalog_->ListSchemas(cat.name, p); },
        [&](const catalog::SchemaInfo& s) -> ApiResult<bool> {
          if (all_visible || SameName(s.owner, caller.name)) {
            return true;
          }
          API_ASSIGN_OR_RETURN(
              bool use, catalog_->HasPrivilege(caller.name, SecurableType::kSchema, s.full_name(),
                                               Privilege::kUseSchema));
          return use;
        });
    return ListReply("schemas", listing, [&](const auto& s) { return internal::SchemaJson(s); });
  }

  ApiResult<SchemaCtx> SchemaFromPath(http::Request& request, const Caller& caller) {
    const std::string& full = *request.PathParam("full_name");
    Param(request, "full_name", full);
    API_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitName("schema", full, 2));
    return VisibleSchema(caller, parts[0], parts[1]);
  }

  ApiResult<http::Response> GetSchema(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(SchemaCtx ctx, SchemaFromPath(request, caller));
    return internal::JsonReply(internal::SchemaJson(ctx.schema));
  }

  ApiResult<http::Response> UpdateSchema(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(SchemaCtx ctx, SchemaFromPath(request, caller));
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    catalog::ObjectUpdate update;
    API_ASSIGN_OR_RETURN(update.new_name, internal::OptString(body, "new_name", 255));
    API_ASSIGN_OR_RETURN(update.owner, internal::OptString(body, "owner", 255));
    API_ASSIGN_OR_RETURN(update.comment, internal::OptString(body, "comment"));
    if (!ctx.owner_in_chain) {
      return internal::Denied(
          "Only the owner of schema '{}' (or of its catalog) or a metastore "
          "admin can change it",
          ctx.schema.full_name());
    }
    if (update.owner) {
      Param(request, "owner", *update.owner);
      API_RETURN_IF_ERROR(CheckPrincipalExists(*update.owner));
    }
    API_ASSIGN_OR_RETURN(catalog::SchemaInfo out,
                         catalog_->UpdateSchema(ctx.catalog.name, ctx.schema.name, update));
    if (update.new_name) {
      Param(request, "new_name", *update.new_name);
      AccessChanged("");
    }
    return internal::JsonReply(internal::SchemaJson(out));
  }

  ApiResult<http::Response> DeleteSchema(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(SchemaCtx ctx, SchemaFromPath(request, caller));
    API_ASSIGN_OR_RETURN(std::optional<bool> force, internal::QueryBool(request, "force"));
    if (!ctx.owner_in_chain) {
      return internal::Denied(
          "Only the owner of schema '{}' (or of its catalog) or a metastore "
          "admin can delete it",
          ctx.schema.full_name());
    }
    API_RETURN_IF_ERROR(
        catalog_->DeleteSchema(ctx.catalog.name, ctx.schema.name, force.value_or(false)));
    AccessChanged("");
    return internal::JsonReply(Json::object());
  }

  // ---- Handlers: tables ----

  ApiResult<http::Response> CreateTable(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    catalog::TableInfo info;
    API_ASSIGN_OR_RETURN(info.name, internal::ReqString(body, "name"));
    API_ASSIGN_OR_RETURN(info.catalog_name, internal::ReqString(body, "catalog_name"));
    API_ASSIGN_OR_RETURN(info.schema_name, internal::ReqString(body, "schema_name"));
    API_ASSIGN_OR_RETURN(info.storage_location, internal::ReqString(body, "storage_location"));
    Param(request, "name", info.name);
    Param(request, "catalog_name", info.catalog_name);
    Param(request, "schema_name", info.schema_name);
    Param(request, "storage_location", info.storage_location);
    API_ASSIGN_OR_RETURN(auto table_type, internal::OptString(body, "table_type", 64));
    API_ASSIGN_OR_RETURN(auto format, internal::OptString(body, "data_source_format", 64));
    API_ASSIGN_OR_RETURN(auto comment, internal::OptString(body, "comment"));
    API_ASSIGN_OR_RETURN(auto owner, internal::OptString(body, "owner", 255));
    if (table_type && *table_type != catalog::TableInfo::kTableType) {
      return internal::InvalidParam(
          "table_type '{}' is not supported; Lakeshare registers "
          "EXTERNAL tables",
          *table_type);
    }
    if (format && *format != catalog::TableInfo::kDataSourceFormat) {
      return internal::InvalidParam(
          "data_source_format '{}' is not supported; tables must be "
          "DELTA",
          *format);
    }
    API_RETURN_IF_ERROR(CheckStorageLocation(info.storage_location));
    API_ASSIGN_OR_RETURN(SchemaCtx ctx, VisibleSchema(caller, info.catalog_name, info.schema_name));
    if (!ctx.owner_in_chain) {
      return internal::Denied(
          "Only the owner of schema '{}' (or of its catalog) or a metastore "
          "admin can create tables in it",
          ctx.schema.full_name());
    }
    API_ASSIGN_OR_RETURN(info.owner, OwnerFor(caller, owner));
    info.comment = comment.value_or("");
    API_ASSIGN_OR_RETURN(catalog::TableInfo out, catalog_->CreateTable(info));
    return internal::JsonReply(internal::TableJson(out));
  }

  ApiResult<http::Response> ListTables(http::Request& request, const Caller& caller) {
    const std::string* catalog_name = request.QueryParam("catalog_name");
    const std::string* schema_name = request.QueryParam("schema_name");
    if (catalog_name == nullptr || catalog_name->empty() || schema_name == nullptr ||
        schema_name->empty()) {
      return internal::InvalidParam(
          "Query parameters 'catalog_name' and 'schema_name' are "
          "required");
    }
    Param(request, "catalog_name", *catalog_name);
    Param(request, "schema_name", *schema_name);
    API_ASSIGN_OR_RETURN(Paging paging, internal::ParsePaging(request));
    API_ASSIGN_OR_RETURN(SchemaCtx ctx, VisibleSchema(caller, *catalog_name, *schema_name));
    auto listing = internal::ListVisible<catalog::TableInfo>(
        paging,
        [&](const catalog::PageRequest& p) {
          return catalog_->ListTables(ctx.catalog.name, ctx.schema.name, p);
        },
        [&](const catalog::TableInfo& t) -> ApiResult<bool> {
          if (ctx.owner_in_chain || SameName(t.owner, caller.name)) {
            return true;
          }
          API_ASSIGN_OR_RETURN(
              bool select, catalog_->HasPrivilege(caller.name, SecurableType::kTable, t.full_name(),
                                                  Privilege::kSelect));
          return select;
        });
    return ListReply("tables", listing, [&](const auto& t) { return internal::TableJson(t); });
  }

  ApiResult<TableCtx> TableFromPath(http::Request& request, const Caller& caller) {
    const std::string& full = *request.PathParam("full_name");
    Param(request, "full_name", full);
    return VisibleTable(caller, full);
  }

  ApiResult<http::Response> GetTable(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(TableCtx ctx, TableFromPath(request, caller));
    return internal::JsonReply(internal::TableJson(ctx.table));
  }

  ApiResult<http::Response> UpdateTable(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(TableCtx ctx, TableFromPath(request, caller));
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    catalog::TableUpdate update;
    API_ASSIGN_OR_RETURN(update.new_name, internal::OptString(body, "new_name", 255));
    API_ASSIGN_OR_RETURN(update.owner, internal::OptString(body, "owner", 255));
    API_ASSIGN_OR_RETURN(update.comment, internal::OptString(body, "comment"));
    API_ASSIGN_OR_RETURN(update.storage_location, internal::OptString(body, "storage_location"));
    if (!ctx.owner_in_chain) {
      return internal::Denied(
          "Only the owner of table '{}' (or of its schema or catalog) or a "
          "metastore admin can change it",
          ctx.table.full_name());
    }
    if (update.storage_location) {
      Param(request, "storage_location", *update.storage_location);
      API_RETURN_IF_ERROR(CheckStorageLocation(*update.storage_location));
    }
    if (update.owner) {
      Param(request, "owner", *update.owner);
      API_RETURN_IF_ERROR(CheckPrincipalExists(*update.owner));
    }
    if (update.new_name) {
      Param(request, "new_name", *update.new_name);
    }
    API_ASSIGN_OR_RETURN(catalog::TableInfo out,
                         catalog_->UpdateTable(ctx.table.full_name(), update));
    if (update.new_name || update.storage_location) {
      AccessChanged("");
    }
    return internal::JsonReply(internal::TableJson(out));
  }

  ApiResult<http::Response> DeleteTable(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(TableCtx ctx, TableFromPath(request, caller));
    if (!ctx.owner_in_chain) {
      return internal::Denied(
          "Only the owner of table '{}' (or of its schema or catalog) or a "
          "metastore admin can delete it",
          ctx.table.full_name());
    }
    API_RETURN_IF_ERROR(catalog_->DeleteTable(ctx.table.full_name()));
    AccessChanged("");
    return internal::JsonReply(Json::object());
  }

  // ---- Handlers: shares ----

  ApiResult<http::Response> CreateShare(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    catalog::ShareInfo info;
    API_ASSIGN_OR_RETURN(info.name, internal::ReqString(body, "name"));
    Param(request, "name", info.name);
    API_ASSIGN_OR_RETURN(auto comment, internal::OptString(body, "comment"));
    API_ASSIGN_OR_RETURN(auto owner, internal::OptString(body, "owner", 255));
    API_ASSIGN_OR_RETURN(bool may, HasMeta(caller, Privilege::kCreateShare));
    if (!may) {
      return internal::Denied(
          "Creating a share needs CREATE_SHARE on the metastore; ask a "
          "metastore admin to grant it");
    }
    API_ASSIGN_OR_RETURN(info.owner, OwnerFor(caller, owner));
    info.comment = comment.value_or("");
    info.created_by = caller.name;
    API_ASSIGN_OR_RETURN(catalog::ShareInfo out, catalog_->CreateShare(info));
    return internal::JsonReply(internal::ShareJson(out, /*include_objects=*/true));
  }

  ApiResult<http::Response> ListShares(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(Paging paging, internal::ParsePaging(request));
    API_ASSIGN_OR_RETURN(bool use_share, HasMeta(caller, Privilege::kUseShare));
    auto listing = internal::ListVisible<catalog::ShareInfo>(
        paging, [&](const catalog::PageRequest& p) { return catalog_->ListShares(p); },
        [&](const catalog::ShareInfo& s) -> ApiResult<bool> {
          return use_share || SameName(s.owner, caller.name);
        });
    return ListReply("shares", listing, [&](const auto& s) {
      return internal::ShareJson(s, /*include_objects=*/false);
    });
  }

  ApiResult<http::Response> GetShare(http::Request& request, const Caller& caller) {
    const std::string& name = *request.PathParam("name");
    Param(request, "name", name);
    API_ASSIGN_OR_RETURN(std::optional<bool> include,
                         internal::QueryBool(request, "include_shared_data"));
    if (include) {
      Param(request, "include_shared_data", *include ? "true" : "false");
    }
    API_ASSIGN_OR_RETURN(catalog::ShareInfo share,
                         VisibleShare(caller, name, include.value_or(false)));
    return internal::JsonReply(internal::ShareJson(share, include.value_or(false)));
  }

  ApiResult<http::Response> UpdateShare(http::Request& request, const Caller& caller) {
    const std::string& name = *request.PathParam("name");
    Param(request, "name", name);
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    catalog::ObjectUpdate update;
    API_ASSIGN_OR_RETURN(update.new_name, internal::OptString(body, "new_name", 255));
    API_ASSIGN_OR_RETURN(update.owner, internal::OptString(body, "owner", 255));
    API_ASSIGN_OR_RETURN(update.comment, internal::OptString(body, "comment"));
    API_ASSIGN_OR_RETURN(const Json* updates, internal::OptArray(body, "updates", kMaxUpdates));
    if (updates != nullptr) {
      Param(request, "updates", updates->dump(-1, ' ', false, Json::error_handler_t::replace));
    }
    API_ASSIGN_OR_RETURN(catalog::ShareInfo share, VisibleShare(caller, name, true));
    const bool is_owner = caller.is_admin || SameName(share.owner, caller.name);
    if (update.new_name && SameName(*update.new_name, share.name) &&
        *update.new_name == share.name) {
      update.new_name.reset();
    }
    if (update.new_name) {
      Param(request, "new_name", *update.new_name);
      API_ASSIGN_OR_RETURN(bool create, HasMeta(caller, Privilege::kCreateShare));
      if (!caller.is_admin && !(is_owner && create)) {
        return internal::Denied("Renaming share '{}' needs its ownership and CREATE_SHARE",
                                share.name);
      }
    }
    if (update.owner) {
      Param(request, "owner", *update.owner);
      if (!is_owner) {
        API_ASSIGN_OR_RETURN(bool set, HasMeta(caller, Privilege::kSetSharePermission));
        if (!set) {
          return internal::Denied(
              "Changing the owner of share '{}' needs its ownership, or "
              "USE_SHARE and SET_SHARE_PERMISSION",
              share.name);
        }
      }
      API_RETURN_IF_ERROR(CheckPrincipalExists(*update.owner));
    }
    if ((update.comment || updates != nullptr) && !is_owner) {
      return internal::Denied(
          "Only the owner of share '{}' or a metastore admin can change its "
          "comment or objects",
          share.name);
    }
    std::vector<catalog::SharedObjectChange> changes;
    if (updates != nullptr) {
      API_ASSIGN_OR_RETURN(changes, ParseShareUpdates(*updates, share, caller));
    }
    API_ASSIGN_OR_RETURN(catalog::ShareInfo out,
                         catalog_->UpdateShare(share.name, update, changes, caller.name));
    AccessChanged("");
    return internal::JsonReply(internal::ShareJson(out, /*include_objects=*/true));
  }

  ApiResult<std::vector<catalog::SharedObjectChange>> ParseShareUpdates(
      const Json& updates, const catalog::ShareInfo& share, const Caller& caller) {
    using Action = catalog::SharedObjectChange::Action;
    std::vector<catalog::SharedObjectChange> changes;
    for (size_t i = 0; i < updates.size(); ++i) {
      const Json& u = updates[i];
      if (!u.is_object()) {
        return internal::InvalidParam("updates[{}] must be an object {{action, data_object}}", i);
      }
      API_ASSIGN_OR_RETURN(std::string action_name, internal::ReqString(u, "action"));
      Action action;
      if (action_name == "ADD") {
        action = Action::kAdd;
      } else if (action_name == "REMOVE") {
        action = Action::kRemove;
      } else if (action_name == "UPDATE") {
        action = Action::kUpdate;
      } else {
        return internal::InvalidParam("updates[{}].action must be ADD, REMOVE or UPDATE, got '{}'",
                                      i, action_name);
      }
      API_ASSIGN_OR_RETURN(const Json* data, internal::OptObject(u, "data_object"));
      if (data == nullptr) {
        return internal::InvalidParam("updates[{}].data_object is required", i);
      }
      API_ASSIGN_OR_RETURN(catalog::SharedDataObject object,
                           internal::ParseDataObject(*data, action));
      if (action == Action::kUpdate) {
        // UC UPDATE changes the fields it names; the catalog replaces all of them.
        auto existing = std::find_if(
            share.objects.begin(), share.objects.end(),
            [&](const catalog::SharedDataObject& o) { return SameName(o.name, object.name); });
        if (existing == share.objects.end()) {
          return internal::DoesNotExist("RESOURCE", "Table '{}' is not in share '{}'", object.name,
                                        share.name);
        }
        catalog::SharedDataObject merged = *existing;
        auto has = [&](const char* key) { return data->contains(key) && !(*data)[key].is_null(); };
        if (has("shared_as")) {
          merged.shared_as = object.shared_as;
        }
        if (has("comment")) {
          merged.comment = object.comment;
        }
        if (has("history_data_sharing_status")) {
          merged.history_data_sharing_status = object.history_data_sharing_status;
        }
        if (has("cdf_enabled")) {
          merged.cdf_enabled = object.cdf_enabled;
        }
        if (has("start_version")) {
          merged.start_version = object.start_version;
        }
        if (has("partitions")) {
          merged.partitions_json = object.partitions_json;
        }
        object = std::move(merged);
      }
      if (action != Action::kRemove && !object.partitions_json.empty() &&
          options_.check_partition_columns) {
        API_RETURN_IF_ERROR(CheckPartitionColumns(object, i));
      }
      if (action != Action::kRemove && !caller.is_admin) {
        API_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitName("table", object.name, 3));
        auto table = catalog_->GetTable(object.name);
        if (!table) {
          return tl::unexpected<ApiError>(internal::FromError(table.error()));
        }
        API_ASSIGN_OR_RETURN(bool select, catalog_->HasPrivilege(caller.name, SecurableType::kTable,
                                                                 object.name, Privilege::kSelect));
        if (!select) {
          return internal::Denied("Sharing table '{}' needs SELECT on it (or its ownership)",
                                  object.name);
        }
      }
      changes.push_back(catalog::SharedObjectChange{action, std::move(object)});
    }
    return changes;
  }

  // The columns `object.partitions` names must be partition columns of its table: a filter on
  // any other column could not be enforced, and the partner would get errors, not data.
  ApiStatus CheckPartitionColumns(const catalog::SharedDataObject& object, size_t i) {
    Json partitions = Json::parse(object.partitions_json, nullptr, /*allow_exceptions=*/false);
    std::vector<std::string> columns;
    if (partitions.is_array()) {
      for (const Json& p : partitions) {
        const Json* values = p.is_object() && p.contains("values") ? &p["values"] : nullptr;
        for (size_t j = 0; values != nullptr && values->is_array() && j < values->size(); ++j) {
          const Json& v = (*values)[j];
          if (v.is_object() && v.contains("name") && v["name"].is_string() &&
              std::find(columns.begin(), columns.end(), v["name"].get<std::string>()) ==
                  columns.end()) {
            columns.push_back(v["name"].get<std::string>());
          }
        }
      }
    }
    auto table = catalog_->GetTable(object.name);
    if (!table) {
      return tl::unexpected<ApiError>(internal::FromError(table.error()));
    }
    if (Status st = options_.check_partition_columns(*table, columns); !st) {
      return internal::InvalidParam("updates[{}].data_object.partitions: {}", i,
                                    st.error().message);
    }
    return {};
  }

  ApiResult<http::Response> DeleteShare(http::Request& request, const Caller& caller) {
    const std::string& name = *request.PathParam("name");
    Param(request, "name", name);
    API_ASSIGN_OR_RETURN(catalog::ShareInfo share, VisibleShare(caller, name, false));
    if (!caller.is_admin && !SameName(share.owner, caller.name)) {
      return internal::Denied("Only the owner of share '{}' or a metastore admin can delete it",
                              share.name);
    }
    API_RETURN_IF_ERROR(catalog_->DeleteShare(share.name));
    AccessChanged("");
    return internal::JsonReply(Json::object());
  }

  ApiResult<http::Response> GetSharePermissions(http::Request& request, const Caller& caller) {
    const std::string& name = *request.PathParam("name");
    Param(request, "name", name);
    API_ASSIGN_OR_RETURN(Paging paging, internal::ParsePaging(request));
    API_ASSIGN_OR_RETURN(catalog::ShareInfo share, VisibleShare(caller, name, false));
    API_ASSIGN_OR_RETURN(auto assignments,
                         catalog_->GetPermissions(SecurableType::kShare, share.name));
    API_ASSIGN_OR_RETURN(auto page,
                         PageOf(std::move(assignments), paging,
                                [](const catalog::PrivilegeAssignment& a) { return a.principal; }));
    Json out{{"privilege_assignments", internal::PrivilegeAssignmentsJson(page.first)}};
    PutNextToken(out, page.second);
    return internal::JsonReply(out);
  }

  /// Parse UC `changes[{principal, add, remove}]`.
  ApiResult<std::vector<catalog::PermissionsChange>> ParseChanges(const Json& body,
                                                                  http::Request& request) {
    API_ASSIGN_OR_RETURN(const Json* changes, internal::OptArray(body, "changes", kMaxUpdates));
    if (changes == nullptr) {
      return internal::InvalidParam("Field 'changes' is required: [{{principal, add, remove}}]");
    }
    Param(request, "changes", changes->dump(-1, ' ', false, Json::error_handler_t::replace));
    std::vector<catalog::PermissionsChange> out;
    for (size_t i = 0; i < changes->size(); ++i) {
      const Json& c = (*changes)[i];
      if (!c.is_object()) {
        return internal::InvalidParam("changes[{}] must be an object {{principal, add, remove}}",
                                      i);
      }
      catalog::PermissionsChange change;
      API_ASSIGN_OR_RETURN(change.principal, internal::ReqString(c, "principal"));
      for (auto [key, list] : {std::pair<const char*, std::vector<Privilege>*>{"add", &change.add},
                               {"remove", &change.remove}}) {
        API_ASSIGN_OR_RETURN(auto names, internal::OptStringArray(c, key, 16));
        for (const std::string& n : names.value_or(std::vector<std::string>{})) {
          auto p = catalog::ParsePrivilege(n);
          if (!p) {
            return internal::InvalidParam("changes[{}].{}: unknown privilege '{}'", i, key, n);
          }
          list->push_back(*p);
        }
      }
      out.push_back(std::move(change));
    }
    return out;
  }

  ApiResult<Json> ChangeSharePermissions(http::Request& request, const Caller& caller,
                                         const std::string& name, const Json& body) {
    API_ASSIGN_OR_RETURN(auto changes, ParseChanges(body, request));
    if (changes.size() == 1) {
      request.audit()->recipient = changes[0].principal;
    }
    API_ASSIGN_OR_RETURN(std::optional<bool> omit,
                         internal::OptBool(body, "omit_permissions_list"));
    API_ASSIGN_OR_RETURN(catalog::ShareInfo share, VisibleShare(caller, name, false));
    for (const catalog::PermissionsChange& c : changes) {
      for (const auto* list : {&c.add, &c.remove}) {
        for (Privilege p : *list) {
          if (p != Privilege::kSelect) {
            return internal::InvalidParam("Only SELECT can be granted on a share, got {}",
                                          catalog::PrivilegeName(p));
          }
        }
      }
    }
    if (!caller.is_admin && !SameName(share.owner, caller.name)) {
      API_ASSIGN_OR_RETURN(bool use, HasMeta(caller, Privilege::kUseShare));
      API_ASSIGN_OR_RETURN(bool set, HasMeta(caller, Privilege::kSetSharePermission));
      if (!use || !set) {
        return internal::Denied(
            "Granting on share '{}' needs its ownership, or USE_SHARE and "
            "SET_SHARE_PERMISSION",
            share.name);
      }
    }
    for (const catalog::PermissionsChange& c : changes) {
      if (c.add.empty()) {
        continue;  // revoking needs no right on the recipient
      }
      // A recipient the caller may not see is reported missing, like one that does not exist.
      API_RETURN_IF_ERROR(VisibleRecipient(caller, c.principal));
    }
    API_ASSIGN_OR_RETURN(auto assignments,
                         catalog_->UpdatePermissions(SecurableType::kShare, share.name, changes));
    for (const catalog::PermissionsChange& c : changes) {
      AccessChanged(c.principal);
    }
    if (omit.value_or(false)) {
      return Json::object();
    }
    return Json{{"privilege_assignments", internal::PrivilegeAssignmentsJson(assignments)}};
  }

  ApiResult<http::Response> UpdateSharePermissions(http::Request& request, const Caller& caller) {
    const std::string& name = *request.PathParam("name");
    Param(request, "name", name);
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    API_ASSIGN_OR_RETURN(Json out, ChangeSharePermissions(request, caller, name, body));
    return internal::JsonReply(out);
  }

  // ---- Handlers: recipients ----

  /// RecipientInfo as UC shows it: live tokens' metadata, `activated` once a link was redeemed.
  ApiResult<Json> RecipientJson(const catalog::RecipientInfo& r) {
    Json out{{"id", r.id},
             {"name", r.name},
             {"authentication_type", internal::AuthenticationTypeName(r.authentication_type)},
             {"owner", r.owner},
             {"comment", r.comment},
             {"ip_access_list", Json{{"allowed_ip_addresses", r.ip_access_list}}},
             {"properties_kvpairs", Json{{"properties", r.properties}}},
             {"created_at", r.created_at},
             {"created_by", r.created_by},
             {"updated_at", r.updated_at},
             {"updated_by", r.updated_by}};
    if (r.expiration_time) {
      out["expiration_time"] = *r.expiration_time;
    }
    if (r.authentication_type == "TOKEN") {
      API_ASSIGN_OR_RETURN(std::vector<catalog::RecipientToken> tokens,
                           catalog_->ListRecipientTokens(r.name));
      out["activated"] = !tokens.empty();
      Json live = Json::array();
      int64_t now = Now();
      for (const catalog::RecipientToken& t : tokens) {
        if (!t.IsLive(now)) {
          continue;
        }
        Json token{{"id", t.id}, {"created_at", t.created_at}, {"created_by", t.created_by}};
        if (t.expires_at) {
          token["expiration_time"] = *t.expires_at;
        }
        live.push_back(std::move(token));
      }
      out["tokens"] = std::move(live);
    }
    return out;
  }

  /// Add the one-time activation link to a create / rotate reply.
  void AddActivation(Json& out, const http::Request& request, const std::string& link_token,
                     const catalog::ActivationLink& link, const std::string& created_by) {
    std::string url = ActivationUrl(request, link_token);
    out["activation_url"] = url;
    out["tokens"].push_back(Json{{"activation_url", url},
                                 {"activation_url_expiration_time", link.expires_at},
                                 {"created_at", link.created_at},
                                 {"created_by", created_by}});
  }

  struct RecipientFields {
    std::optional<std::vector<std::string>> ip_access_list;
    std::optional<std::map<std::string, std::string>> properties;
    std::optional<int64_t> expiration_time;
  };

  ApiResult<RecipientFields> ParseRecipientFields(const Json& body, http::Request& request) {
    RecipientFields out;
    API_ASSIGN_OR_RETURN(const Json* ip, internal::OptObject(body, "ip_access_list"));
    if (ip != nullptr) {
      API_ASSIGN_OR_RETURN(auto list, internal::OptStringArray(*ip, "allowed_ip_addresses",
                                                               auth::IpAccessList::kMaxEntries));
      out.ip_access_list = list.value_or(std::vector<std::string>{});
      for (const std::string& entry : *out.ip_access_list) {
        API_RETURN_IF_ERROR(auth::ValidateIpAccessEntry(entry));
      }
      Param(request, "ip_access_list", Join(*out.ip_access_list));
    }
    API_ASSIGN_OR_RETURN(const Json* kv, internal::OptObject(body, "properties_kvpairs"));
    if (kv != nullptr) {
      API_ASSIGN_OR_RETURN(const Json* props, internal::OptObject(*kv, "properties"));
      std::map<std::string, std::string> map;
      if (props != nullptr) {
        if (props->size() > kMaxProperties) {
          return internal::InvalidParam(
              "properties_kvpairs holds {} properties; at most {} are "
              "allowed",
              props->size(), kMaxProperties);
        }
        std::vector<std::string> keys;
        for (const auto& item : props->items()) {
          if (item.key().empty() || item.key().size() > 255) {
            return internal::InvalidParam("A property key must be 1 to 255 bytes");
          }
          if (!item.value().is_string()) {
            return internal::InvalidParam("Property '{}' must be a string", item.key());
          }
          if (item.value().get_ref<const std::string&>().size() > internal::kMaxStringBytes) {
            return internal::InvalidParam("Property '{}' is longer than {} bytes", item.key(),
                                          internal::kMaxStringBytes);
          }
          map.emplace(item.key(), item.value().get<std::string>());
          keys.push_back(item.key());
        }
        Param(request, "properties_kvpairs", Join(keys));
      }
      out.properties = std::move(map);
    }
    API_ASSIGN_OR_RETURN(out.expiration_time, internal::OptInt(body, "expiration_time"));
    if (out.expiration_time) {
      if (*out.expiration_time < 0) {
        return internal::InvalidParam("expiration_time must be epoch milliseconds, got {}",
                                      *out.expiration_time);
      }
      Param(request, "expiration_time", std::to_string(*out.expiration_time));
    }
    return out;
  }

  ApiResult<http::Response> CreateRecipient(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    catalog::RecipientInfo info;
    API_ASSIGN_OR_RETURN(info.name, internal::ReqString(body, "name"));
    Param(request, "name", info.name);
    request.audit()->recipient = info.name;
    API_ASSIGN_OR_RETURN(std::string type, internal::ReqString(body, "authentication_type"));
    Param(request, "authentication_type", type);
    if (type == "TOKEN") {
      info.authentication_type = "TOKEN";
    } else if (type == "OIDC_FEDERATION") {
      info.authentication_type = "OIDC";
    } else {
      return internal::InvalidParam(
          "authentication_type must be TOKEN or OIDC_FEDERATION, got "
          "'{}' (Databricks-to-Databricks sharing is not supported)",
          type);
    }
    API_ASSIGN_OR_RETURN(auto comment, internal::OptString(body, "comment"));
    API_ASSIGN_OR_RETURN(auto owner, internal::OptString(body, "owner", 255));
    API_ASSIGN_OR_RETURN(auto sharing_code, internal::OptString(body, "sharing_code"));
    API_ASSIGN_OR_RETURN(auto global_id,
                         internal::OptString(body, "data_recipient_global_metastore_id"));
    if (sharing_code || global_id) {
      return internal::InvalidParam(
          "sharing_code and data_recipient_global_metastore_id are for "
          "Databricks-to-Databricks sharing, which Lakeshare does not "
          "support; create a TOKEN recipient");
    }
    API_ASSIGN_OR_RETURN(RecipientFields fields, ParseRecipientFields(body, request));
    API_ASSIGN_OR_RETURN(bool may, HasMeta(caller, Privilege::kCreateRecipient));
    if (!may) {
      return internal::Denied(
          "Creating a recipient needs CREATE_RECIPIENT on the metastore; ask "
          "a metastore admin to grant it");
    }
    API_ASSIGN_OR_RETURN(info.owner, OwnerFor(caller, owner));
    info.comment = comment.value_or("");
    info.ip_access_list = fields.ip_access_list.value_or(std::vector<std::string>{});
    info.properties = fields.properties.value_or(std::map<std::string, std::string>{});
    info.expiration_time = fields.expiration_time;
    info.created_by = caller.name;
    API_ASSIGN_OR_RETURN(catalog::RecipientInfo created, catalog_->CreateRecipient(info));
    std::string link_token;
    std::optional<catalog::ActivationLink> link;
    if (created.authentication_type == "TOKEN") {
      link_token = auth::NewSecretToken();
      auto made = catalog_->CreateActivationLink(
          created.name, link_token, Now() + options_.activation_link_ttl_seconds * 1000);
      if (!made) {
        // Do not leave a recipient without a way to activate it.
        (void)catalog_->DeleteRecipient(created.name);
        return tl::unexpected<ApiError>(internal::FromError(made.error()));
      }
      link = *made;
    }
    API_ASSIGN_OR_RETURN(Json out, RecipientJson(created));
    if (link) {
      AddActivation(out, request, link_token, *link, caller.name);
    }
    http::Response response = internal::JsonReply(out);
    response.SetHeader("Cache-Control", "no-store");
    return response;
  }

  ApiResult<http::Response> ListRecipients(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(Paging paging, internal::ParsePaging(request));
    API_ASSIGN_OR_RETURN(bool use, HasMeta(caller, Privilege::kUseRecipient));
    auto listing = internal::ListVisible<catalog::RecipientInfo>(
        paging, [&](const catalog::PageRequest& p) { return catalog_->ListRecipients(p); },
        [&](const catalog::RecipientInfo& r) -> ApiResult<bool> {
          return use || SameName(r.owner, caller.name);
        });
    return ListReply("recipients", listing, [&](const auto& r) { return RecipientJson(r); });
  }

  ApiResult<catalog::RecipientInfo> RecipientFromPath(http::Request& request,
                                                      const Caller& caller) {
    const std::string& name = *request.PathParam("name");
    Param(request, "name", name);
    request.audit()->recipient = name;
    API_ASSIGN_OR_RETURN(catalog::RecipientInfo r, VisibleRecipient(caller, name));
    request.audit()->recipient = r.name;
    return r;
  }

  ApiStatus RequireRecipientOwner(const Caller& caller, const catalog::RecipientInfo& r,
                                  std::string_view what) {
    if (!caller.is_admin && !SameName(r.owner, caller.name)) {
      return internal::Denied("Only the owner of recipient '{}' or a metastore admin can {}",
                              r.name, what);
    }
    return {};
  }

  ApiResult<http::Response> GetRecipient(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(catalog::RecipientInfo r, RecipientFromPath(request, caller));
    API_ASSIGN_OR_RETURN(Json out, RecipientJson(r));
    return internal::JsonReply(out);
  }

  ApiResult<http::Response> UpdateRecipient(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(catalog::RecipientInfo r, RecipientFromPath(request, caller));
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    catalog::RecipientUpdate update;
    API_ASSIGN_OR_RETURN(update.new_name, internal::OptString(body, "new_name", 255));
    API_ASSIGN_OR_RETURN(update.owner, internal::OptString(body, "owner", 255));
    API_ASSIGN_OR_RETURN(update.comment, internal::OptString(body, "comment"));
    API_ASSIGN_OR_RETURN(RecipientFields fields, ParseRecipientFields(body, request));
    API_RETURN_IF_ERROR(RequireRecipientOwner(caller, r, "change it"));
    if (update.owner) {
      Param(request, "owner", *update.owner);
      API_RETURN_IF_ERROR(CheckPrincipalExists(*update.owner));
    }
    if (update.new_name) {
      Param(request, "new_name", *update.new_name);
    }
    update.ip_access_list = fields.ip_access_list;
    update.properties = fields.properties;
    if (fields.expiration_time) {
      // 0 clears the expiration.
      update.expiration_time = *fields.expiration_time == 0
                                   ? std::optional<int64_t>()
                                   : std::optional<int64_t>(*fields.expiration_time);
    }
    update.updated_by = caller.name;
    API_ASSIGN_OR_RETURN(catalog::RecipientInfo out, catalog_->UpdateRecipient(r.name, update));
    AccessChanged(r.name);
    if (!SameName(out.name, r.name)) {
      AccessChanged(out.name);
    }
    API_ASSIGN_OR_RETURN(Json reply, RecipientJson(out));
    return internal::JsonReply(reply);
  }

  ApiResult<http::Response> DeleteRecipient(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(catalog::RecipientInfo r, RecipientFromPath(request, caller));
    API_RETURN_IF_ERROR(RequireRecipientOwner(caller, r, "delete it"));
    API_RETURN_IF_ERROR(catalog_->DeleteRecipient(r.name));
    AccessChanged(r.name);
    return internal::JsonReply(Json::object());
  }

  ApiResult<http::Response> RotateToken(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(catalog::RecipientInfo r, RecipientFromPath(request, caller));
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    API_ASSIGN_OR_RETURN(std::optional<int64_t> seconds,
                         internal::OptInt(body, "existing_token_expire_in_seconds"));
    if (!seconds) {
      return internal::InvalidParam(
          "Field 'existing_token_expire_in_seconds' is required (0 "
          "revokes the current tokens now)");
    }
    Param(request, "existing_token_expire_in_seconds", std::to_string(*seconds));
    if (*seconds < 0 || *seconds > kMaxSeconds) {
      return internal::InvalidParam(
          "existing_token_expire_in_seconds must be between 0 and {}, "
          "got {}",
          kMaxSeconds, *seconds);
    }
    API_RETURN_IF_ERROR(RequireRecipientOwner(caller, r, "rotate its token"));
    if (r.authentication_type != "TOKEN") {
      return internal::InvalidParam(
          "Recipient '{}' uses {} authentication and has no tokens to "
          "rotate",
          r.name, internal::AuthenticationTypeName(r.authentication_type));
    }
    std::string link_token = auth::NewSecretToken();
    auto link = catalog_->RotateRecipientActivation(
        r.name, link_token, Now() + options_.activation_link_ttl_seconds * 1000, *seconds);
    if (!link) {
      return tl::unexpected<ApiError>(internal::FromError(link.error()));
    }
    AccessChanged(r.name);
    API_ASSIGN_OR_RETURN(catalog::RecipientInfo fresh, catalog_->GetRecipient(r.name));
    API_ASSIGN_OR_RETURN(Json out, RecipientJson(fresh));
    AddActivation(out, request, link_token, *link, caller.name);
    http::Response response = internal::JsonReply(out);
    response.SetHeader("Cache-Control", "no-store");
    return response;
  }

  ApiResult<http::Response> RecipientSharePermissions(http::Request& request,
                                                      const Caller& caller) {
    API_ASSIGN_OR_RETURN(catalog::RecipientInfo r, RecipientFromPath(request, caller));
    API_ASSIGN_OR_RETURN(Paging paging, internal::ParsePaging(request));
    API_ASSIGN_OR_RETURN(std::vector<catalog::ShareGrant> grants,
                         catalog_->ListRecipientShareGrants(r.name));
    API_ASSIGN_OR_RETURN(auto page,
                         PageOf(std::move(grants), paging,
                                [](const catalog::ShareGrant& g) { return g.share_name; }));
    Json items = Json::array();
    for (const catalog::ShareGrant& g : page.first) {
      items.push_back(Json{
          {"share_name", g.share_name},
          {"privilege_assignments", internal::PrivilegeAssignmentsJson({{r.name, g.privileges}})}});
    }
    Json out{{"permissions_out", std::move(items)}};
    PutNextToken(out, page.second);
    return internal::JsonReply(out);
  }

  // ---- Handlers: generic permissions ----

  /// Whether the caller may see (`change` false) or change grants on a catalog/schema/table.
  ApiStatus CheckGrantRights(const Caller& caller, SecurableType type, const std::string& name,
                             bool change) {
    switch (type) {
      case SecurableType::kCatalog: {
        API_ASSIGN_OR_RETURN(catalog::CatalogInfo c, VisibleCatalog(caller, name));
        if (change && !caller.is_admin && !SameName(c.owner, caller.name)) {
          return internal::Denied(
              "Only the owner of catalog '{}' or a metastore admin can grant "
              "on it",
              c.name);
        }
        return {};
      }
      case SecurableType::kSchema: {
        API_ASSIGN_OR_RETURN(std::vector<std::string> parts, SplitName("schema", name, 2));
        API_ASSIGN_OR_RETURN(SchemaCtx ctx, VisibleSchema(caller, parts[0], parts[1]));
        if (change && !ctx.owner_in_chain) {
          return internal::Denied(
              "Only the owner of schema '{}' (or of its catalog) or a "
              "metastore admin can grant on it",
              name);
        }
        return {};
      }
      case SecurableType::kTable: {
        API_ASSIGN_OR_RETURN(TableCtx ctx, VisibleTable(caller, name));
        if (change && !ctx.owner_in_chain) {
          return internal::Denied(
              "Only the owner of table '{}' (or of its schema or catalog) or "
              "a metastore admin can grant on it",
              name);
        }
        return {};
      }
      case SecurableType::kMetastore:
        if (change) {
          return RequireAdmin(caller, "grant privileges on the metastore");
        }
        return {};
      case SecurableType::kShare:
        break;
    }
    return {};
  }

  struct SecurablePath {
    SecurableType type;
    std::string name;
  };

  ApiResult<SecurablePath> SecurableFromPath(http::Request& request) {
    const std::string& type_text = *request.PathParam("securable_type");
    const std::string& name = *request.PathParam("full_name");
    Param(request, "securable_type", type_text);
    Param(request, "full_name", name);
    auto type = catalog::ParseSecurableType(type_text);
    if (!type) {
      return internal::InvalidParam(
          "Unknown securable_type '{}'; use metastore, catalog, schema, "
          "table or share",
          type_text);
    }
    if (*type == SecurableType::kMetastore && name != kMetastoreId) {
      return internal::DoesNotExist("METASTORE", "Metastore '{}' does not exist; use '{}'", name,
                                    kMetastoreId);
    }
    return SecurablePath{*type, name};
  }

  ApiResult<http::Response> GetPermissions(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(SecurablePath s, SecurableFromPath(request));
    const std::string* principal = request.QueryParam("principal");
    std::vector<catalog::PrivilegeAssignment> assignments;
    if (s.type == SecurableType::kShare) {
      API_ASSIGN_OR_RETURN(catalog::ShareInfo share, VisibleShare(caller, s.name, false));
      API_ASSIGN_OR_RETURN(assignments, catalog_->GetPermissions(s.type, share.name));
    } else {
      API_RETURN_IF_ERROR(CheckGrantRights(caller, s.type, s.name, /*change=*/false));
      API_ASSIGN_OR_RETURN(assignments, catalog_->GetPermissions(s.type, s.name));
    }
    // Non-admins see only their own metastore privileges.
    bool own_only = s.type == SecurableType::kMetastore && !caller.is_admin;
    std::erase_if(assignments, [&](const catalog::PrivilegeAssignment& a) {
      return (own_only && !SameName(a.principal, caller.name)) ||
             (principal != nullptr && !SameName(a.principal, *principal));
    });
    return internal::JsonReply(
        Json{{"privilege_assignments", internal::PrivilegeAssignmentsJson(assignments)}});
  }

  ApiResult<http::Response> UpdatePermissions(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(SecurablePath s, SecurableFromPath(request));
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    if (s.type == SecurableType::kShare) {
      request.audit()->action = "updateSharePermissions";
      API_ASSIGN_OR_RETURN(Json out, ChangeSharePermissions(request, caller, s.name, body));
      return internal::JsonReply(out);
    }
    API_ASSIGN_OR_RETURN(auto changes, ParseChanges(body, request));
    API_RETURN_IF_ERROR(CheckGrantRights(caller, s.type, s.name, /*change=*/true));
    auto assignments = catalog_->UpdatePermissions(s.type, s.name, changes);
    if (!assignments) {
      if (assignments.error().code == ErrorCode::kNotFound &&
          assignments.error().message.rfind("Principal '", 0) == 0) {
        return internal::DoesNotExist("PRINCIPAL", "{}", assignments.error().message);
      }
      return tl::unexpected<ApiError>(internal::FromError(assignments.error()));
    }
    AccessChanged("");
    return internal::JsonReply(
        Json{{"privilege_assignments", internal::PrivilegeAssignmentsJson(*assignments)}});
  }

  // ---- Handlers: principals (Lakeshare extension) ----

  ApiStatus RequireSelfOrAdmin(const Caller& caller, const std::string& name) {
    if (!caller.is_admin && !SameName(caller.name, name)) {
      // Other principals' existence is not revealed.
      return internal::DoesNotExist("PRINCIPAL", "Principal '{}' does not exist", name);
    }
    return {};
  }

  ApiResult<int64_t> CountAdmins() {
    int64_t admins = 0;
    API_ASSIGN_OR_RETURN(auto all, catalog_->ListPrincipals(catalog::PageRequest{}));
    for (const catalog::Principal& p : all.items) {
      admins += p.is_admin ? 1 : 0;
    }
    return admins;
  }

  /// Mint an API token for `principal`; its value appears only in this reply.
  ApiResult<Json> MintPrincipalToken(const std::string& principal, const Json& body,
                                     const char* comment_key, const char* lifetime_key) {
    API_ASSIGN_OR_RETURN(auto comment, internal::OptString(body, comment_key, 255));
    API_ASSIGN_OR_RETURN(auto lifetime, internal::OptInt(body, lifetime_key));
    std::optional<int64_t> expires_at;
    if (lifetime) {
      if (*lifetime <= 0 || *lifetime > kMaxSeconds) {
        return internal::InvalidParam("{} must be a positive number of seconds, got {}",
                                      lifetime_key, *lifetime);
      }
      expires_at = Now() + *lifetime * 1000;
    }
    std::string value = auth::NewSecretToken();
    API_ASSIGN_OR_RETURN(
        catalog::PrincipalToken token,
        catalog_->AddPrincipalToken(principal, value, expires_at, comment.value_or("")));
    return Json{{"token_value", value}, {"token_info", internal::PrincipalTokenJson(token)}};
  }

  ApiResult<http::Response> CreatePrincipal(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    catalog::Principal p;
    API_ASSIGN_OR_RETURN(p.name, internal::ReqString(body, "name"));
    Param(request, "name", p.name);
    API_ASSIGN_OR_RETURN(auto is_admin, internal::OptBool(body, "is_admin"));
    API_ASSIGN_OR_RETURN(auto comment, internal::OptString(body, "comment"));
    API_ASSIGN_OR_RETURN(auto create_token, internal::OptBool(body, "create_token"));
    API_RETURN_IF_ERROR(RequireAdmin(caller, "create principals"));
    p.is_admin = is_admin.value_or(false);
    p.comment = comment.value_or("");
    Param(request, "is_admin", p.is_admin ? "true" : "false");
    API_ASSIGN_OR_RETURN(catalog::Principal out, catalog_->CreatePrincipal(p));
    Json reply = internal::PrincipalJson(out);
    if (create_token.value_or(true)) {
      auto token = MintPrincipalToken(out.name, body, "token_comment", "token_lifetime_seconds");
      if (!token) {
        (void)catalog_->DeletePrincipal(out.name);
        return tl::unexpected<ApiError>(token.error());
      }
      reply.update(*token);
    }
    http::Response response = internal::JsonReply(reply);
    response.SetHeader("Cache-Control", "no-store");
    return response;
  }

  ApiResult<http::Response> ListPrincipals(http::Request& request, const Caller& caller) {
    API_ASSIGN_OR_RETURN(Paging paging, internal::ParsePaging(request));
    API_RETURN_IF_ERROR(RequireAdmin(caller, "list principals"));
    auto listing = internal::ListVisible<catalog::Principal>(
        paging, [&](const catalog::PageRequest& p) { return catalog_->ListPrincipals(p); },
        [](const catalog::Principal&) -> ApiResult<bool> { return true; });
    return ListReply("principals", listing,
                     [&](const auto& p) { return internal::PrincipalJson(p); });
  }

  ApiResult<http::Response> GetPrincipal(http::Request& request, const Caller& caller) {
    const std::string& name = *request.PathParam("name");
    Param(request, "name", name);
    API_RETURN_IF_ERROR(RequireSelfOrAdmin(caller, name));
    API_ASSIGN_OR_RETURN(catalog::Principal p, catalog_->GetPrincipal(name));
    return internal::JsonReply(internal::PrincipalJson(p));
  }

  ApiResult<http::Response> UpdatePrincipal(http::Request& request, const Caller& caller) {
    const std::string& name = *request.PathParam("name");
    Param(request, "name", name);
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    catalog::PrincipalUpdate update;
    API_ASSIGN_OR_RETURN(update.new_name, internal::OptString(body, "new_name", 255));
    API_ASSIGN_OR_RETURN(update.is_admin, internal::OptBool(body, "is_admin"));
    API_ASSIGN_OR_RETURN(update.comment, internal::OptString(body, "comment"));
    API_RETURN_IF_ERROR(RequireAdmin(caller, "change principals"));
    API_ASSIGN_OR_RETURN(catalog::Principal p, catalog_->GetPrincipal(name));
    if (update.is_admin) {
      Param(request, "is_admin", *update.is_admin ? "true" : "false");
      if (p.is_admin && !*update.is_admin) {
        API_ASSIGN_OR_RETURN(int64_t admins, CountAdmins());
        if (admins <= 1) {
          return internal::InvalidParam(
              "'{}' is the last metastore admin; make another principal "
              "admin first",
              p.name);
        }
      }
    }
    if (update.new_name) {
      Param(request, "new_name", *update.new_name);
    }
    API_ASSIGN_OR_RETURN(catalog::Principal out, catalog_->UpdatePrincipal(p.name, update));
    return internal::JsonReply(internal::PrincipalJson(out));
  }

  ApiResult<http::Response> DeletePrincipal(http::Request& request, const Caller& caller) {
    const std::string& name = *request.PathParam("name");
    Param(request, "name", name);
    API_RETURN_IF_ERROR(RequireAdmin(caller, "delete principals"));
    API_ASSIGN_OR_RETURN(catalog::Principal p, catalog_->GetPrincipal(name));
    if (p.is_admin) {
      API_ASSIGN_OR_RETURN(int64_t admins, CountAdmins());
      if (admins <= 1) {
        return internal::InvalidParam("'{}' is the last metastore admin and cannot be deleted",
                                      p.name);
      }
    }
    API_RETURN_IF_ERROR(catalog_->DeletePrincipal(p.name));
    return internal::JsonReply(Json::object());
  }

  ApiResult<http::Response> CreatePrincipalToken(http::Request& request, const Caller& caller) {
    const std::string& name = *request.PathParam("name");
    Param(request, "name", name);
    API_ASSIGN_OR_RETURN(Json body, internal::ParseBody(request.body()));
    API_RETURN_IF_ERROR(RequireSelfOrAdmin(caller, name));
    API_ASSIGN_OR_RETURN(Json out, MintPrincipalToken(name, body, "comment", "lifetime_seconds"));
    http::Response response = internal::JsonReply(out);
    response.SetHeader("Cache-Control", "no-store");
    return response;
  }

  ApiResult<http::Response> ListPrincipalTokens(http::Request& request, const Caller& caller) {
    const std::string& name = *request.PathParam("name");
    Param(request, "name", name);
    API_RETURN_IF_ERROR(RequireSelfOrAdmin(caller, name));
    API_ASSIGN_OR_RETURN(auto tokens, catalog_->ListPrincipalTokens(name));
    Json items = Json::array();
    for (const catalog::PrincipalToken& t : tokens) {
      items.push_back(internal::PrincipalTokenJson(t));
    }
    return internal::JsonReply(Json{{"token_infos", std::move(items)}});
  }

  ApiResult<http::Response> RevokePrincipalToken(http::Request& request, const Caller& caller) {
    const std::string& name = *request.PathParam("name");
    const std::string& id = *request.PathParam("token_id");
    Param(request, "name", name);
    Param(request, "token_id", id);
    API_RETURN_IF_ERROR(RequireSelfOrAdmin(caller, name));
    API_ASSIGN_OR_RETURN(auto tokens, catalog_->ListPrincipalTokens(name));
    bool owned = std::any_of(tokens.begin(), tokens.end(),
                             [&](const catalog::PrincipalToken& t) { return t.id == id; });
    if (!owned) {
      return internal::DoesNotExist("RESOURCE", "API token '{}' of principal '{}' does not exist",
                                    id, name);
    }
    API_RETURN_IF_ERROR(catalog_->RevokePrincipalToken(id));
    return internal::JsonReply(Json::object());
  }

  // ---- Handlers: audit ----

  ApiResult<http::Response> QueryAudit(http::Request& request, const Caller& caller) {
    API_RETURN_IF_ERROR(RequireAdmin(caller, "read the audit log"));
    catalog::AuditQuery query;
    API_ASSIGN_OR_RETURN(query.from_ms, internal::QueryInt(request, "from_time_ms"));
    API_ASSIGN_OR_RETURN(query.to_ms, internal::QueryInt(request, "to_time_ms"));
    for (auto [key, field] : {std::pair<const char*, std::string*>{"action", &query.action},
                              {"principal", &query.principal},
                              {"recipient", &query.recipient}}) {
      if (const std::string* v = request.QueryParam(key)) {
        *field = *v;
        Param(request, key, *v);
      }
    }
    const std::string* format = request.QueryParam("format");
    bool jsonl = false;
    if (format != nullptr) {
      if (*format == "jsonl") {
        jsonl = true;
      } else if (*format != "json") {
        return internal::InvalidParam("format must be json or jsonl, got '{}'",
                                      format->substr(0, 32));
      }
      Param(request, "format", *format);
    }
    API_ASSIGN_OR_RETURN(Paging paging, internal::ParsePaging(request));
    query.page.page_token = paging.page_token;
    if (jsonl && paging.all) {
      // Export: stream every matching event, a bounded page at a time.
      catalog::Catalog* cat = catalog_;
      auto state = std::make_shared<std::pair<catalog::AuditQuery, bool>>(query, false);
      state->first.page.max_results = 1000;
      auto buffered = std::make_shared<std::vector<std::string>>();
      auto index = std::make_shared<size_t>(0);
      // Validate the first page now so a bad page_token is a 400, not a truncated stream.
      API_ASSIGN_OR_RETURN(auto first, cat->QueryAuditEvents(state->first));
      for (const auto& e : first.items) {
        buffered->push_back(
            internal::AuditEventJson(e).dump(-1, ' ', false, Json::error_handler_t::replace));
      }
      state->first.page.page_token = first.next_page_token;
      state->second = first.next_page_token.empty();
      return http::Response::Ndjson(
          [cat, state, buffered, index]() -> Result<std::optional<std::string>> {
            while (*index >= buffered->size()) {
              if (state->second) {
                return std::optional<std::string>();
              }
              LS_ASSIGN_OR_RETURN(auto page, cat->QueryAuditEvents(state->first));
              buffered->clear();
              *index = 0;
              for (const auto& e : page.items) {
                buffered->push_back(internal::AuditEventJson(e).dump(
                    -1, ' ', false, Json::error_handler_t::replace));
              }
              state->first.page.page_token = page.next_page_token;
              state->second = page.next_page_token.empty();
            }
            return std::optional<std::string>(std::move((*buffered)[(*index)++]));
          });
    }
    query.page.max_results = paging.all ? internal::kDefaultPageSize : paging.max_results;
    API_ASSIGN_OR_RETURN(auto listing, catalog_->QueryAuditEvents(query));
    if (jsonl) {
      std::string body;
      for (const auto& e : listing.items) {
        body += internal::AuditEventJson(e).dump(-1, ' ', false, Json::error_handler_t::replace);
        body += '\n';
      }
      http::Response response =
          http::Response::Text(std::move(body), 200, http::kNdjsonContentType);
      if (!listing.next_page_token.empty()) {
        response.SetHeader("X-Next-Page-Token", listing.next_page_token);
      }
      return response;
    }
    Json events = Json::array();
    for (const auto& e : listing.items) {
      events.push_back(internal::AuditEventJson(e));
    }
    Json out{{"events", std::move(events)}};
    PutNextToken(out, listing.next_page_token);
    return internal::JsonReply(out);
  }

  // ---- Handlers: public activation ----

  struct LinkCtx {
    std::string token;
    catalog::ActivationLink link;
    catalog::RecipientInfo recipient;
  };

  ApiResult<LinkCtx> LinkFromPath(http::Request& request) {
    std::optional<std::string> token =
        internal::ActivationTokenOf(*request.PathParam("activation_url"));
    auto not_found = [] {
      return internal::DoesNotExist("RESOURCE",
                                    "This activation link does not exist; ask your "
                                    "data provider for a new one");
    };
    if (!token) {
      return not_found();
    }
    auto link = catalog_->GetActivationLink(*token);
    if (!link) {
      if (link.error().code == ErrorCode::kNotFound) {
        return not_found();
      }
      return tl::unexpected<ApiError>(internal::FromError(link.error()));
    }
    auto recipient = catalog_->GetRecipient(link->recipient_name);
    if (!recipient) {
      if (recipient.error().code == ErrorCode::kNotFound) {
        return not_found();
      }
      return tl::unexpected<ApiError>(internal::FromError(recipient.error()));
    }
    request.audit()->recipient = recipient->name;
    Param(request, "recipient_name", recipient->name);
    API_ASSIGN_OR_RETURN(auth::IpAccessList ips,
                         auth::IpAccessList::Parse(recipient->ip_access_list));
    if (!ips.Allows(request.remote_address())) {
      return internal::Denied(
          "Your IP address {} is not allowed for this recipient; ask your "
          "data provider to add it to the recipient's IP access list",
          request.remote_address());
    }
    return LinkCtx{std::move(*token), std::move(*link), std::move(*recipient)};
  }

  ApiResult<http::Response> ActivationInfo(http::Request& request, const Caller&) {
    API_ASSIGN_OR_RETURN(LinkCtx ctx, LinkFromPath(request));
    API_ASSIGN_OR_RETURN(catalog::MetastoreSettings settings, catalog_->GetSettings());
    int64_t now = Now();
    bool used = ctx.link.used_at.has_value();
    bool expired = !used && ctx.link.expires_at <= now;
    bool recipient_expired = ctx.recipient.expiration_time && *ctx.recipient.expiration_time <= now;
    Json out{{"recipientName", ctx.recipient.name},
             {"organizationName", settings.organization_name},
             {"shareCredentialsVersion", 1},
             {"activationLinkExpirationTime", ctx.link.expires_at},
             {"used", used},
             {"expired", expired},
             {"downloadable", !used && !expired && !recipient_expired}};
    if (used) {
      out["usedAt"] = *ctx.link.used_at;
    }
    http::Response response = internal::JsonReply(out);
    response.SetHeader("Cache-Control", "no-store");
    return response;
  }

  ApiResult<http::Response> RefuseHead(http::Request&, const Caller&) {
    http::Response response = internal::ErrorReply(
        ApiError{405, "METHOD_NOT_ALLOWED",
                 "HEAD does not download the credential file; use GET or POST once"},
        "");
    response.SetHeader("Allow", "GET, POST");
    return response;
  }

  ApiResult<http::Response> RetrieveToken(http::Request& request, const Caller&) {
    API_ASSIGN_OR_RETURN(LinkCtx ctx, LinkFromPath(request));
    int64_t now = Now();
    if (ctx.link.used_at) {
      return internal::Denied(
          "This activation link was already used to download the credential "
          "file, which can be downloaded only once; ask your data provider "
          "for a new link (rotate-token)");
    }
    if (ctx.link.expires_at <= now) {
      return internal::Denied(
          "This activation link expired at {}; ask your data provider for a "
          "new link (rotate-token)",
          internal::IsoTime(ctx.link.expires_at));
    }
    API_ASSIGN_OR_RETURN(catalog::MetastoreSettings settings, catalog_->GetSettings());
    std::optional<int64_t> expires_at;
    if (settings.recipient_token_lifetime_seconds > 0) {
      expires_at = now + settings.recipient_token_lifetime_seconds * 1000;
    }
    if (ctx.recipient.expiration_time &&
        (!expires_at || *ctx.recipient.expiration_time < *expires_at)) {
      expires_at = ctx.recipient.expiration_time;
    }
    if (expires_at && *expires_at <= now) {
      return internal::Denied("Recipient '{}' has expired; ask your data provider to extend it",
                              ctx.recipient.name);
    }
    std::string bearer = auth::NewSecretToken();
    auto activation = catalog_->RedeemActivationLink(ctx.token, bearer, expires_at);
    if (!activation) {
      if (activation.error().code == ErrorCode::kPermissionDenied) {
        // Lost a race with another download of the same link.
        return internal::Denied(
            "This activation link was already used to download the "
            "credential file; ask your data provider for a new link "
            "(rotate-token)");
      }
      return tl::unexpected<ApiError>(internal::FromError(activation.error()));
    }
    Json profile{{"shareCredentialsVersion", 1},
                 {"endpoint", BaseUrl(request) + options_.sharing_endpoint},
                 {"bearerToken", bearer}};
    if (activation->token.expires_at) {
      profile["expirationTime"] = internal::IsoTime(*activation->token.expires_at);
    }
    http::Response response = internal::JsonReply(profile);
    response.SetHeader("Cache-Control", "no-store");
    response.SetHeader("Content-Disposition", "attachment; filename=\"config.share\"");
    return response;
  }

  catalog::Catalog* catalog_;
  ManagementOptions options_;
  /// "METHOD pattern" -> audit action; written by Register only, before serving.
  std::map<std::string, std::string> actions_;
};

Status ManagementService::Impl::Register(http::Router& router) {
  struct Route {
    const char* method;
    std::string path;
    const char* action;
    ApiResult<http::Response> (Impl::*handler)(http::Request&, const Caller&);
    bool is_public = false;
  };
  const std::string uc(kUc);
  const std::string ls(kLs);
  const std::vector<Route> routes = {
      {"GET", uc + "/metastore_summary", "getMetastoreSummary", &Impl::GetSummary},
      {"PATCH", uc + "/metastores/{id}", "updateMetastore", &Impl::UpdateMetastore},

      {"POST", uc + "/catalogs", "createCatalog", &Impl::CreateCatalog},
      {"GET", uc + "/catalogs", "listCatalogs", &Impl::ListCatalogs},
      {"GET", uc + "/catalogs/{name}", "getCatalog", &Impl::GetCatalog},
      {"PATCH", uc + "/catalogs/{name}", "updateCatalog", &Impl::UpdateCatalog},
      {"DELETE", uc + "/catalogs/{name}", "deleteCatalog", &Impl::DeleteCatalog},

      {"POST", uc + "/schemas", "createSchema", &Impl::CreateSchema},
      {"GET", uc + "/schemas", "listSchemas", &Impl::ListSchemas},
      {"GET", uc + "/schemas/{full_name}", "getSchema", &Impl::GetSchema},
      {"PATCH", uc + "/schemas/{full_name}", "updateSchema", &Impl::UpdateSchema},
      {"DELETE", uc + "/schemas/{full_name}", "deleteSchema", &Impl::DeleteSchema},

      {"POST", uc + "/tables", "createTable", &Impl::CreateTable},
      {"GET", uc + "/tables", "listTables", &Impl::ListTables},
      {"GET", uc + "/tables/{full_name}", "getTable", &Impl::GetTable},
      {"PATCH", uc + "/tables/{full_name}", "updateTable", &Impl::UpdateTable},
      {"DELETE", uc + "/tables/{full_name}", "deleteTable", &Impl::DeleteTable},

      {"POST", uc + "/shares", "createShare", &Impl::CreateShare},
      {"GET", uc + "/shares", "listShares", &Impl::ListShares},
      {"GET", uc + "/shares/{name}", "getShare", &Impl::GetShare},
      {"PATCH", uc + "/shares/{name}", "updateShare", &Impl::UpdateShare},
      {"DELETE", uc + "/shares/{name}", "deleteShare", &Impl::DeleteShare},
      {"GET", uc + "/shares/{name}/permissions", "getSharePermissions", &Impl::GetSharePermissions},
      {"PATCH", uc + "/shares/{name}/permissions", "updateSharePermissions",
       &Impl::UpdateSharePermissions},

      {"POST", uc + "/recipients", "createRecipient", &Impl::CreateRecipient},
      {"GET", uc + "/recipients", "listRecipients", &Impl::ListRecipients},
      {"GET", uc + "/recipients/{name}", "getRecipient", &Impl::GetRecipient},
      {"PATCH", uc + "/recipients/{name}", "updateRecipient", &Impl::UpdateRecipient},
      {"DELETE", uc + "/recipients/{name}", "deleteRecipient", &Impl::DeleteRecipient},
      {"POST", uc + "/recipients/{name}/rotate-token", "rotateRecipientToken", &Impl::RotateToken},
      {"GET", uc + "/recipients/{name}/share-permissions", "getRecipientSharePermissions",
       &Impl::RecipientSharePermissions},

      {"GET", uc + "/permissions/{securable_type}/{full_name}", "getPermissions",
       &Impl::GetPermissions},
      {"PATCH", uc + "/permissions/{securable_type}/{full_name}", "updatePermissions",
       &Impl::UpdatePermissions},

      {"GET", uc + "/public/data_sharing_activation_info/{activation_url...}",
       "getActivationUrlInfo", &Impl::ActivationInfo, true},
      {"GET", uc + "/public/data_sharing_activation/{activation_url...}", "retrieveRecipientToken",
       &Impl::RetrieveToken, true},
      {"POST", uc + "/public/data_sharing_activation/{activation_url...}", "retrieveRecipientToken",
       &Impl::RetrieveToken, true},
      // Without this, HEAD would run the GET route and burn the link with the body dropped
      // (link checkers and mail scanners send HEAD).
      {"HEAD", uc + "/public/data_sharing_activation/{activation_url...}", "retrieveRecipientToken",
       &Impl::RefuseHead, true},

      {"POST", ls + "/principals", "createPrincipal", &Impl::CreatePrincipal},
      {"GET", ls + "/principals", "listPrincipals", &Impl::ListPrincipals},
      {"GET", ls + "/principals/{name}", "getPrincipal", &Impl::GetPrincipal},
      {"PATCH", ls + "/principals/{name}", "updatePrincipal", &Impl::UpdatePrincipal},
      {"DELETE", ls + "/principals/{name}", "deletePrincipal", &Impl::DeletePrincipal},
      {"POST", ls + "/principals/{name}/tokens", "createPrincipalToken",
       &Impl::CreatePrincipalToken},
      {"GET", ls + "/principals/{name}/tokens", "listPrincipalTokens", &Impl::ListPrincipalTokens},
      {"DELETE", ls + "/principals/{name}/tokens/{token_id}", "revokePrincipalToken",
       &Impl::RevokePrincipalToken},

      {"GET", ls + "/audit", "listAuditEvents", &Impl::QueryAudit},
  };
  for (const Route& r : routes) {
    actions_[std::string(r.method) + " " + r.path] = r.action;
    auto handler = r.handler;
    LS_RETURN_IF_ERROR(Add(
        router, r.method, r.path, r.action,
        [this, handler](http::Request& request, const Caller& caller) {
          return (this->*handler)(request, caller);
        },
        r.is_public));
  }
  return OkStatus();
}

ManagementService::ManagementService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ManagementService::~ManagementService() = default;

Result<std::unique_ptr<ManagementService>> ManagementService::Create(catalog::Catalog* catalog,
                                                                     ManagementOptions options) {
  if (catalog == nullptr) {
    return InvalidArgument("ManagementService needs a catalog");
  }
  if (options.sharing_endpoint.empty() || options.sharing_endpoint[0] != '/') {
    return InvalidArgument("sharing_endpoint '{}' must start with '/'", options.sharing_endpoint);
  }
  while (options.sharing_endpoint.size() > 1 && options.sharing_endpoint.back() == '/') {
    options.sharing_endpoint.pop_back();
  }
  if (!options.public_url.empty()) {
    std::string_view url = options.public_url;
    bool scheme = url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
    size_t host_start = url.find("://") + 3;
    if (!scheme || host_start >= url.size() ||
        url.find_first_of("?# ", host_start) != std::string_view::npos) {
      return InvalidArgument("public_url '{}' must look like http(s)://host[:port]",
                             options.public_url);
    }
    while (options.public_url.back() == '/') {
      options.public_url.pop_back();
    }
  }
  if (options.activation_link_ttl_seconds <= 0 ||
      options.activation_link_ttl_seconds > kMaxSeconds) {
    return InvalidArgument("activation_link_ttl_seconds must be positive, got {}",
                           options.activation_link_ttl_seconds);
  }
  return std::unique_ptr<ManagementService>(
      new ManagementService(std::make_unique<Impl>(catalog, std::move(options))));
}

Status ManagementService::RegisterRoutes(http::Router& router) { return impl_->Register(router); }

Status ManagementService::Authenticate(http::Request& request) const {
  return impl_->Authenticate(request);
}

}  // namespace lakeshare::admin
