// ManagementService: the Unity-Catalog-shaped management REST API of the governance plane
// (issue 5, "Management API" and "Recipient lifecycle"; docs/management-api.md lists every route,
// body, reply and error). It registers on an http::Router:
//
//   /api/2.1/unity-catalog/{catalogs,schemas,tables,shares,recipients,permissions,...}
//   /api/2.1/unity-catalog/public/data_sharing_activation{_info}/{token}  (no authentication)
//   /api/2.1/lakeshare/{principals,audit}                                   (Lakeshare extensions)
//
// and answers in Unity Catalog's shapes: snake_case JSON, `max_results`/`page_token` paging,
// errors as HTTP status + {"error_code": "...", "message": "..."}. Callers authenticate with
// `Authorization: Bearer <principal API token>` (Authenticate); ownership and privileges follow
// Unity Catalog, so each team sees and changes only what it owns or was granted: objects a caller
// may not see answer exactly like objects that do not exist.
//
// Secrets: activation links and API tokens are returned once (create / rotate replies, the one
// download) and stored only as hashes by the catalog; audit notes never carry them.
//
// Thread-safety: after Create, every method and every registered handler is safe to call
// concurrently (state lives in the catalog). `catalog` and the callbacks must outlive the service
// and the router it registered on.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "auth/idp_fetch.h"
#include "auth/principal_jwt.h"
#include "catalog/catalog.h"
#include "common/clock.h"
#include "common/result.h"
#include "http/request.h"
#include "http/router.h"

namespace lakeshare::admin {

struct ManagementOptions {
  std::string sharing_endpoint = "/delta-sharing";  // protocol prefix, for the profile `endpoint`
  std::string public_url;  // "scheme://host:port"; empty: http:// + the request's Host header
  int64_t activation_link_ttl_seconds = int64_t{72} * 3600;
  /// Called (synchronously) after any change that can narrow what a recipient may do: token
  /// rotation/revocation, recipient delete/update (ip list, expiration, properties, rename),
  /// share permission changes, share updates/deletes (argument: recipient name, or "" = all).
  std::function<void(const std::string& recipient)> on_access_changed;
  /// Where "now" comes from (activation-link and token expiry). Null: the system clock.
  const Clock* clock = nullptr;
  /// Checks, when a table is added to a share or its sharing options change, that the columns
  /// its `partitions` name are partition columns of the table (the admin layer cannot read Delta
  /// logs; app/ supplies this from src/delta). Returns kInvalidArgument naming the column, or
  /// the reason the table's log cannot be read. Null: no check.
  std::function<Status(const catalog::TableInfo& table, const std::vector<std::string>& columns)>
      check_partition_columns;
  /// What the sharing server finds at a shared table's location, from its Delta log (app/
  /// supplies it from src/delta; metadata only). Shares show it per table: `status` (Unity
  /// Catalog's SharedDataObject status) and `changes_served`. Null: status as stored, no
  /// `changes_served`. Registration does not read the store (as in Unity Catalog's API, a table
  /// may be registered before its first commit); this status is where a wrong path shows.
  struct SharedTableSource {
    /// "ACTIVE", or why partners cannot read it: "SOURCE_NOT_FOUND", "PERMISSION_DENIED",
    /// "SOURCE_UNAVAILABLE", "SOURCE_NOT_SHAREABLE".
    std::string status;
    /// delta.enableChangeDataFeed; unset when the log cannot be read.
    std::optional<bool> change_data_feed;
  };
  /// Called for several tables at once from a few threads: it must be thread-safe.
  std::function<SharedTableSource(const catalog::TableInfo& table)> shared_table_source;
  /// Federation (issue 12): how the identity-provider URLs of federation policies (issuer,
  /// jwks_uri) are checked when a policy is created (https; plain http to loopback only with
  /// --oidc-allow-loopback-http), and how the profile template discovers an issuer's
  /// token_endpoint. `idp_fetcher` null: auth::FetchIdpDocument with `idp_fetch`, unbounded;
  /// `lakeshare serve` passes one that holds a place of the callers blocked on identity
  /// providers (auth::JwksCache::FetchDocument), so slow issuers cannot hold every thread.
  auth::IdpFetchOptions idp_fetch;
  std::function<Result<std::string>(const std::string& url)> idp_fetcher;
  /// Provider sign-in (issue 12): when set, a bearer value of JWT shape is a token of the
  /// company's identity provider naming an existing principal (auth/principal_jwt.h); null: only
  /// principal API tokens. Must outlive the service.
  const auth::PrincipalJwtAuthenticator* principal_jwt = nullptr;
};

class ManagementService {
 public:
  /// `catalog` must outlive the service. kInvalidArgument for unusable options (a public_url
  /// that is not http(s)://host[:port], a sharing_endpoint not starting with '/', a TTL <= 0).
  static Result<std::unique_ptr<ManagementService>> Create(catalog::Catalog* catalog,
                                                           ManagementOptions options);
  ~ManagementService();
  ManagementService(const ManagementService&) = delete;
  ManagementService& operator=(const ManagementService&) = delete;

  /// Register every /api/2.1/unity-catalog/... route, GET /api/2.1/lakeshare/audit, the
  /// principal routes under /api/2.1/lakeshare/principals, and the public activation routes
  /// (RouteOptions{.authenticate = false, .log_path = false}).
  Status RegisterRoutes(http::Router& router);

  /// Authenticate a management request through auth::PrincipalAuthenticator
  /// (auth/principal_authenticator.h): `Authorization: Bearer <principal API token>` via
  /// Catalog::AuthenticatePrincipal, or `Bearer <JWT>` via options.principal_jwt when set; sets
  /// request.set_principal(name) and identity (the catalog::Principal). Missing/unknown token,
  /// a refused JWT -> kUnauthenticated with the reason; an unreachable IdP -> kUnavailable.
  Status Authenticate(http::Request& request) const;
  /// The management API's route group (issue 13): Authenticate, and Unity Catalog's error shape
  /// (UcErrorResponse, {"error_code", "message"}) also for refusals before a handler runs (401,
  /// 404 for an unknown path, 405 + Allow).
  /// app/ mounts it at "/api"; the service must outlive the router.
  http::RouteGroup RouteGroup() const;

 private:
  class Impl;
  explicit ManagementService(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lakeshare::admin
