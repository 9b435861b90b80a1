#include "admin/management_service.h"

#include <any>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "admin/api_base_internal.h"
#include "admin/api_resources_internal.h"
#include "admin/uc_error.h"
#include "auth/principal_authenticator.h"

namespace lakeshare::admin {

using internal::ApiBase;
using internal::Caller;

class ManagementService::Impl {
 public:
  Impl(catalog::Catalog* catalog, ManagementOptions options)
      : catalog_(catalog),
        options_(std::move(options)),
        authenticator_(*catalog_, options_.principal_jwt) {}

  Status Authenticate(http::Request& request) const {
    // Name the action now, so a request refused here is audited under it too.
    auto action = actions_.find(request.method() + " " + request.route());
    if (action != actions_.end()) {
      request.audit()->action = action->second;
    }
    LS_ASSIGN_OR_RETURN(auth::Identity who,
                        authenticator_.Authenticate(
                            {request.Header("Authorization"), request.remote_address()}));
    for (auto& [name, value] : who.audit_params) request.audit()->params[name] = value;
    request.set_principal(who.name);
    request.set_identity(*who.principal);  // the catalog::Principal the handlers read
    return OkStatus();
  }

  Status Register(http::Router& router) {
    // Every resource of the API, one line each (api_resources_internal.h).
    const internal::ApiFactory kResources[] = {
        internal::kMetastoreApi,
        internal::kCatalogsApi,
        internal::kSchemasApi,
        internal::kTablesApi,
        internal::kSharesApi,
        internal::kRecipientsApi,
        internal::kPermissionsApi,
        internal::kActivationApi,
        internal::kPrincipalsApi,
        internal::kAuditApi,
        // Issue 12: federation policies and profile templates; OAuth clients' public keys.
        internal::kFederationPoliciesApi,
        internal::kOAuthClientsApi,
        // Issue 10: storage governance.
        internal::kExternalLocationsApi,
        internal::kStorageCredentialsApi,
        internal::kGroupsApi,
    };
    internal::RouteList routes;
    for (internal::ApiFactory factory : kResources) {
      resources_.push_back(factory(catalog_, &options_));
      resources_.back()->AddRoutes(routes);
    }
    for (const internal::ApiRoute& r : routes.routes()) {
      actions_[r.method + " " + r.path] = r.action;
      LS_RETURN_IF_ERROR(Add(router, r));
    }
    return OkStatus();
  }

 private:
  /// Register one route: its audit action, the caller from the request identity, exceptions and
  /// errors as Unity Catalog error replies.
  static Status Add(http::Router& router, const internal::ApiRoute& route) {
    auto wrapped = [action = route.action, handler = route.handler,
                    is_public = route.is_public](http::Request& request) -> Result<http::Response> {
      request.audit()->action = action;
      Result<http::Response> out = [&]() -> Result<http::Response> {
        try {
          Caller caller;
          if (!is_public) {
            const auto* principal = std::any_cast<const catalog::Principal>(&request.identity());
            if (principal == nullptr) {
              return MakeError(ErrorCode::kUnauthenticated,
                               "Send 'Authorization: Bearer <token>' with a principal's API "
                               "token");
            }
            caller = Caller{principal->name, principal->is_admin, principal->groups};
          }
          return handler(request, caller);
        } catch (const std::exception& e) {
          return MakeError(ErrorCode::kInternal, e.what());
        }
      }();
      if (!out) {
        return UcErrorResponse(out.error(), request.request_id());
      }
      return std::move(*out);
    };
    http::RouteOptions route_options;
    if (route.is_public) {
      route_options.authenticate = false;
      route_options.log_path = false;
    }
    return router.Handle(route.method, route.path, std::move(wrapped), route_options);
  }

  catalog::Catalog* catalog_;
  ManagementOptions options_;
  auth::PrincipalAuthenticator authenticator_;  // principal API tokens, staff JWTs
  std::vector<std::unique_ptr<ApiBase>> resources_;
  /// "METHOD pattern" -> audit action; written by Register only, before serving.
  std::map<std::string, std::string> actions_;
};

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
      options.activation_link_ttl_seconds > internal::kMaxSeconds) {
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

http::RouteGroup ManagementService::RouteGroup() const {
  return {.name = "management",
          .authenticator = [this](http::Request& request) { return Authenticate(request); },
          .error_renderer = [](const http::Request& request, const Error& error) {
            return UcErrorResponse(error, request.request_id());
          },
          .status_renderer = [](const http::Request&, int status, std::string_view error_code,
                                std::string_view message) {
            return internal::JsonReply(
                internal::Json{{"error_code", error_code}, {"message", message}}, status);
          }};
}

}  // namespace lakeshare::admin
