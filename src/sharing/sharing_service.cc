#include "sharing/sharing_service.h"

#include <any>
#include <mutex>
#include <utility>

#include "sharing/endpoints_internal.h"
#include "sharing/protocol_audit_internal.h"
#include "sharing/service_core_internal.h"

namespace lakeshare::sharing {

SharingOptions SharingOptionsFromConfig(const SharingConfig& config) {
  SharingOptions o;
  o.endpoint = config.endpoint;
  o.public_url = config.public_url;
  o.tls = config.ssl;
  o.signing_key = config.signing_key;
  o.url_expiry_seconds = config.presigned_url_timeout_seconds;
  o.query_page_size_limit = config.query_table_page_size_limit;
  o.page_token_ttl_ms = config.query_table_page_token_ttl_ms;
  o.refresh_token_ttl_ms = config.refresh_token_ttl_ms;
  o.evaluate_predicate_hints = config.evaluate_predicate_hints;
  o.evaluate_json_predicate_hints = config.evaluate_json_predicate_hints;
  o.snapshot_cache_bytes = static_cast<size_t>(config.snapshot_cache_bytes);
  o.snapshot_refresh_interval_ms = config.staleness_acceptable ? 10'000 : 0;
  o.store_options.endpoint = config.s3.endpoint;
  o.store_options.region = config.s3.region;
  o.store_options.anonymous = config.s3.anonymous;
  o.store_options.addressing = config.s3.addressing == "path" ? storage::S3Addressing::kPathStyle
                               : config.s3.addressing == "virtual"
                                   ? storage::S3Addressing::kVirtualHosted
                                   : storage::S3Addressing::kAuto;
  return o;
}

SharingService::SharingService(std::unique_ptr<ServiceCore> core,
                               std::shared_ptr<const auth::Authenticator> authenticator)
    : core_(std::move(core)), authenticator_(std::move(authenticator)) {}
SharingService::~SharingService() = default;

Result<std::unique_ptr<SharingService>> SharingService::Create(
    std::shared_ptr<const ShareProvider> provider,
    std::shared_ptr<const auth::Authenticator> authenticator, SharingOptions options,
    http::MetricsRegistry* metrics) {
  if (!provider) return InvalidArgument("SharingService needs a ShareProvider");
  if (!authenticator) return InvalidArgument("SharingService needs an authenticator");
  if (!options.endpoint.empty() && options.endpoint[0] != '/') {
    return InvalidArgument("The endpoint must start with '/'");
  }
  if (options.url_expiry_seconds <= 0 || options.url_expiry_seconds > 7 * 24 * 3600) {
    return InvalidArgument("The URL expiry must be between 1 second and 7 days");
  }
  auto core = std::make_unique<ServiceCore>(std::move(provider), std::move(options), metrics);
  delta::SnapshotCacheOptions cache;
  cache.memory_budget_bytes = core->options.snapshot_cache_bytes;
  cache.refresh_interval_ms = core->options.snapshot_refresh_interval_ms;
  cache.store_options = core->options.store_options;
  ServiceCore* raw = core.get();
  cache.open_store = [raw](const std::string& location) { return raw->stores.Get(location); };
  core->snapshots = std::make_unique<delta::SnapshotCache>(std::move(cache));
  if (metrics) {
    core->files_served = &metrics->AddCounter(
        "lakeshare_sharing_files_served_total",
        "Data files announced in table-data responses, by response format", {"format"});
  }
  return std::unique_ptr<SharingService>(
      new SharingService(std::move(core), std::move(authenticator)));
}

Status SharingService::Authenticate(http::Request& request) const {
  // The notes are written before the check so that refusals (401, 403) are audited under the
  // action the caller attempted.
  NoteRequest(request);
  const auth::Credentials credentials{request.Header("Authorization"), request.remote_address()};
  auto authenticated = authenticator_->Authenticate(credentials);
  if (!authenticated) {
    if (authenticated.error().code == ErrorCode::kPermissionDenied) {
      // A valid token from an address its recipient may not use: the auditor wants to know whose.
      if (auto who = authenticator_->RefusedCaller(credentials)) {
        request.audit()->recipient = *who;
      }
    }
    return tl::unexpected<Error>(authenticated.error());
  }
  Recipient r{std::move(authenticated->name), authenticated->anonymous,
              std::move(authenticated->audit_params)};
  if (!r.anonymous) request.audit()->recipient = r.name;
  for (const auto& [name, value] : r.audit_params) request.audit()->params[name] = value;
  request.set_principal("recipient:" + r.name);
  request.set_identity(std::move(r));
  return OkStatus();
}

http::Authenticator SharingService::MakeAuthenticator() const {
  return [this](http::Request& request) { return Authenticate(request); };
}

http::RouteGroup SharingService::RouteGroup() const {
  return {.name = "sharing", .authenticator = MakeAuthenticator(), .error_renderer = nullptr};
}

void SharingService::SetBaseUrl(std::string base_url) {
  MutexLock lock(core_->base_mu);
  core_->base_url = std::move(base_url);
}

Status SharingService::RegisterRoutes(http::Router& router) {
  const std::string p = core_->options.endpoint;
  const std::string table = p + "/shares/{share}/schemas/{schema}/tables/{table}";
  http::RouteOptions ci;
  ci.case_insensitive = true;
  const ServiceCore* core = core_.get();
  auto bind = [core](Endpoint endpoint) {
    return [core, endpoint](http::Request& request) {
      NoteRequest(request);
      if (const Recipient* r = std::any_cast<Recipient>(&request.identity())) {
        if (!r->anonymous) request.audit()->recipient = r->name;
      }
      return endpoint(*core, request);
    };
  };
  LS_RETURN_IF_ERROR(router.Handle("GET", p + "/shares", bind(&ListShares), ci));
  LS_RETURN_IF_ERROR(router.Handle("GET", p + "/shares/{share}", bind(&GetShare), ci));
  LS_RETURN_IF_ERROR(router.Handle("GET", p + "/shares/{share}/schemas", bind(&ListSchemas), ci));
  LS_RETURN_IF_ERROR(
      router.Handle("GET", p + "/shares/{share}/schemas/{schema}/tables", bind(&ListTables), ci));
  LS_RETURN_IF_ERROR(
      router.Handle("GET", p + "/shares/{share}/all-tables", bind(&ListAllTables), ci));
  LS_RETURN_IF_ERROR(router.Handle("GET", table + "/version", bind(&TableVersion), ci));
  // PROTOCOL.md, "Query Table Version": "This method is migrating from HEAD to GET".
  LS_RETURN_IF_ERROR(router.Handle("HEAD", table, bind(&TableVersion), ci));
  LS_RETURN_IF_ERROR(router.Handle("GET", table + "/metadata", bind(&TableMetadata), ci));
  LS_RETURN_IF_ERROR(router.Handle("POST", table + "/query", bind(&QueryTable), ci));
  LS_RETURN_IF_ERROR(router.Handle("GET", table + "/changes", bind(&QueryTableChanges), ci));
  // Polls of asynchronous queries (async_query_endpoint.cc). A queryId carries the query's hints
  // (up to 2 KB, readable): access logs get the route pattern, the audit a digest of the id.
  http::RouteOptions polls = ci;
  polls.log_path = false;
  LS_RETURN_IF_ERROR(
      router.Handle("POST", table + "/queries/{queryId}", bind(&QueryInfo), polls));
  http::RouteOptions files;
  files.authenticate = false;  // the signature is the credential
  files.log_path = false;      // the path names provider files; keep it out of access logs
  LS_RETURN_IF_ERROR(
      router.Handle("GET", "/files/{share}/{table}/{path...}", bind(&ServeFile), files));
  LS_RETURN_IF_ERROR(router.Handle("GET", "/materialized/{share}/{table}/{path...}",
                                   bind(&ServeMaterializedFile), files));
  return OkStatus();
}

}  // namespace lakeshare::sharing
