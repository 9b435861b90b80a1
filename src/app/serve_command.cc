#include "app/serve_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "admin/management_service.h"
#include "app/audit_hooks.h"
#include "app/federation_setup.h"
#include "app/governance_setup.h"
#include "app/materialize_setup.h"
#include "app/serve_limits.h"
#include "app/table_checks.h"
#include "auth/forwarded_for.h"
#include "auth/ip_access_list.h"
#include "auth/recipient_authenticator.h"
#include "auth/secret_token.h"
#include "catalog/audit_log.h"
#include "catalog/catalog.h"
#include "common/clock.h"
#include "common/log.h"
#include "common/strings.h"
#include "delta/snapshot.h"
#include "http/error_response.h"
#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "sharing/metastore_share_provider.h"
#include "sharing/oauth_endpoints.h"
#include "sharing/server_config.h"
#include "sharing/sharing_service.h"
#include "sharing/yaml_share_provider.h"
#include "storage/object_store.h"
#include "web/activation_page.h"

namespace lakeshare::app {

namespace {

int ServeFailed(const Error& e) {
  std::fprintf(stderr, "error: %s\n", e.message.c_str());
  return e.code == ErrorCode::kInvalidArgument || e.code == ErrorCode::kNotFound ? 2 : 1;
}

std::string HostForUrl(const std::string& host) {
  if (host.find(':') != std::string::npos && host.front() != '[') return "[" + host + "]";
  return host;
}

/// Step 0 of the router: behind the operator's trusted proxies (--trusted-proxy), the client is
/// read from X-Forwarded-For (auth/forwarded_for.h); with none, the TCP peer is the client.
Status UseTrustedProxies(http::Router& router, const std::vector<std::string>& proxies) {
  if (proxies.empty()) return OkStatus();
  auto parsed = auth::IpAccessList::Parse(proxies);
  if (!parsed) {
    return InvalidArgument("--trusted-proxy: {}", parsed.error().message);
  }
  auto trusted = std::make_shared<const auth::IpAccessList>(std::move(*parsed));
  router.SetClientAddressResolver([trusted](const http::Request& request) {
    std::vector<std::string_view> forwarded;
    for (const http::Field& field : request.headers()) {
      if (field.first.size() == 15 && ToLower(field.first) == "x-forwarded-for") {
        forwarded.push_back(field.second);
      }
    }
    return auth::ClientAddress(request.remote_address(), forwarded, *trusted);
  });
  return OkStatus();
}

/// "health listener on HOST:PORT" (the bound port), before the "listening on" line.
void PrintHealthListener(const HealthListener* health, const std::string& listen) {
  if (health != nullptr) {
    std::printf("health listener on %s:%u (/healthz, /readyz, /metrics)\n",
                listen.substr(0, listen.rfind(':')).c_str(), static_cast<unsigned>(health->port()));
  }
}

int RunServe(const std::string& config_path, const std::string& listen_override,
             const std::vector<std::string>& trusted_proxies, const MaterializeFlags& mflags,
             const LimitFlags& limits) {
  // Before any thread exists, so that only WaitForShutdownSignal sees SIGTERM/SIGINT.
  http::BlockShutdownSignals();
  auto config = sharing::LoadSharingConfig(config_path);
  if (!config) return ServeFailed(config.error());
  for (const std::string& w : config->warnings) {
    LogWarning("{}: {}", config_path, w);
  }
  if (config->open_access()) {
    LogWarning(
        "no authorization.bearerToken and no recipients: every request is accepted and sees "
        "every share");
  }
  if (config->signing_key.empty()) {
    LogNote(
        "no signingKey configured; page tokens and file URLs are signed with a random key and "
        "stop working when the server restarts");
  }
  auto provider = sharing::YamlShareProvider::Create(*config);
  if (!provider) return ServeFailed(provider.error());
  http::MetricsRegistry metrics;
  sharing::SharingOptions sharing_options = sharing::SharingOptionsFromConfig(*config);
  auto materializer = OpenMaterializer(mflags, "", sharing_options.store_options,
                                       sharing_options.url_expiry_seconds,
                                       sharing_options.clock, metrics);
  if (!materializer) return ServeFailed(materializer.error());
  sharing_options.materializer = *materializer;
  sharing_options.materialize_wait = std::chrono::milliseconds(mflags.wait_ms);
  ApplyStreamLimits(limits, sharing_options);
  // The file holds the tokens beside the shares: the provider is the authenticator too.
  std::shared_ptr<const sharing::YamlShareProvider> yaml(std::move(*provider));
  auto service =
      sharing::SharingService::Create(yaml, yaml, std::move(sharing_options), &metrics);
  if (!service) return ServeFailed(service.error());

  http::Router router;
  if (auto st = (*service)->RegisterRoutes(router); !st) return ServeFailed(st.error());
  router.SetAuthenticator((*service)->MakeAuthenticator());
  if (auto st = UseTrustedProxies(router, trusted_proxies); !st) return ServeFailed(st.error());
  auto request_limits = InstallRequestLimits(limits, router, metrics, nullptr);
  if (!request_limits) return ServeFailed(request_limits.error());

  http::ServerOptions options;
  options.listen = !listen_override.empty()
                       ? listen_override
                       : HostForUrl(config->host) + ":" + std::to_string(config->port);
  options.tls_cert_file = config->ssl_certificate_file;
  options.tls_key_file = config->ssl_key_file;
  options.max_body_bytes = static_cast<size_t>(config->max_request_body_bytes);
  if (config->request_timeout_seconds > 0) {
    options.write_timeout = std::chrono::seconds(config->request_timeout_seconds);
  }
  if (auto st = ApplyConnectionLimits(limits, trusted_proxies, options); !st) {
    return ServeFailed(st.error());
  }
  http::Server server(options, router, metrics);
  if (auto st = server.Start(); !st) return ServeFailed(st.error());
  auto health = HealthListener::Start(limits, options, metrics, nullptr);
  if (!health) return ServeFailed(health.error());

  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "127.0.0.1";
  std::string base = std::string(config->ssl ? "https://" : "http://") + host + ":" +
                     std::to_string(server.port());
  (*service)->SetBaseUrl(base);
  PrintHealthListener(health->get(), limits.health_listen);
  std::printf("listening on %s%s\n", base.c_str(), config->endpoint.c_str());
  std::fflush(stdout);

  int signal = http::WaitForShutdownSignal();
  LogInfo("signal {}: stopping", signal);
  if (*health) (*health)->BeginStop();
  server.Stop();
  return 0;
}

struct PlatformFlags {
  std::string data_dir;
  std::string listen = "127.0.0.1:8080";
  std::string metastore;
  std::string public_url;
  int64_t url_expiry_seconds = 3600;
  int64_t revocation_delay_ms = 2000;
  std::vector<std::string> trusted_proxies;
  std::string tls_cert_file;
  std::string tls_key_file;
  FederationFlags federation;  // --oidc-* (federation_setup.h)
  MaterializeFlags materialize;  // --materialize-* (materialize_setup.h)
  LimitFlags limits;
};

/// Write `content` to `path` with mode 0600 (created exclusively: an existing file is kept).
Status WriteSecretFile(const std::filesystem::path& path, const std::string& content) {
  std::FILE* f = nullptr;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) f = ::fdopen(fd, "w");
  if (f == nullptr) {
    return Errorf(ErrorCode::kUnavailable,
                  "cannot create '{}': {}; check the permissions of the data directory",
                  path.string(), std::strerror(errno));
  }
  bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  ok = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0 && ok;
  ok = std::fclose(f) == 0 && ok;
  if (!ok) return Errorf(ErrorCode::kUnavailable, "cannot write '{}'", path.string());
  return OkStatus();
}

/// The metastore admin of an empty metastore: its token comes from LAKESHARE_ADMIN_TOKEN, or is
/// generated, printed once and written to DIR/admin-token (0600).
Status BootstrapAdmin(catalog::Catalog& catalog, const std::filesystem::path& data_dir) {
  const char* env = std::getenv("LAKESHARE_ADMIN_TOKEN");
  std::string env_token = env != nullptr ? env : "";
  LS_ASSIGN_OR_RETURN(auto principals, catalog.ListPrincipals(catalog::PageRequest{
                                           .max_results = 1, .page_token = {}}));
  if (!principals.items.empty()) {
    if (!env_token.empty() && !catalog.AuthenticatePrincipal(env_token)) {
      LogWarning(
          "LAKESHARE_ADMIN_TOKEN matches no principal of this metastore and is ignored (it is "
          "only used when the metastore is created)");
    }
    return OkStatus();
  }
  if (!env_token.empty() && env_token.size() < 16) {
    return InvalidArgument(
        "LAKESHARE_ADMIN_TOKEN is shorter than 16 characters; use a long random "
        "value (e.g. `openssl rand -base64 32`)");
  }
  catalog::Principal admin;
  admin.name = "admin";
  admin.is_admin = true;
  admin.comment = "metastore admin, created at first start";
  auto created = catalog.CreatePrincipal(admin);
  if (!created) {
    // Another replica created it at the same moment: its token is the one to use.
    if (created.error().code == ErrorCode::kAlreadyExists) return OkStatus();
    return tl::unexpected(created.error());
  }
  std::string token = env_token.empty() ? auth::NewSecretToken() : env_token;
  // A token a person chose may be guessable: stored salted and slow (catalog::HashChosenToken);
  // a generated one has 256 random bits and its SHA-256 is enough (catalog::HashToken).
  LS_RETURN_IF_ERROR((env_token.empty()
                          ? catalog.AddPrincipalToken("admin", token, std::nullopt,
                                                      "bootstrap admin token")
                          : catalog.AddChosenPrincipalToken("admin", token,
                                                            "bootstrap admin token (chosen)"))
                         .map([](auto&&) {}));
  if (env_token.empty()) {
    std::filesystem::path file = data_dir / "admin-token";
    std::filesystem::remove(file);
    LS_RETURN_IF_ERROR(WriteSecretFile(file, token + "\n"));
    std::printf(
        "created the metastore admin; its API token (shown once) is:\n  %s\n"
        "it is also in %s (mode 0600)\n",
        token.c_str(), file.c_str());
  } else {
    std::printf("created the metastore admin with the token from LAKESHARE_ADMIN_TOKEN\n");
  }
  return OkStatus();
}

/// The key signing page tokens and file URLs: LAKESHARE_SIGNING_KEY when set, else one stored in
/// the metastore at its first start, so that every replica on one metastore signs alike (a page
/// token or file URL made by one replica is accepted by the others) and restarts keep URLs valid.
Result<std::string> LoadSigningKey(catalog::Catalog& catalog) {
  if (const char* env = std::getenv("LAKESHARE_SIGNING_KEY"); env != nullptr && *env != '\0') {
    return std::string(env);
  }
  return catalog.GetOrCreateServerSecret("signing_key", auth::NewSecretToken());
}

/// What `serve --data-dir` runs on, built in this order by the steps below.
struct Platform {
  std::filesystem::path data_dir;
  std::string metastore_url;
  std::shared_ptr<catalog::Catalog> catalog;
  std::string signing_key;
  http::MetricsRegistry metrics;
  std::unique_ptr<catalog::AuditLog> audit;
  std::unique_ptr<FederationSetup> federation;
  std::shared_ptr<sharing::MetastoreShareProvider> provider;  // what a recipient sees
  std::shared_ptr<auth::RecipientAuthenticator> recipients;   // who a recipient is
  std::string sharing_endpoint = "/delta-sharing";
  std::unique_ptr<sharing::SharingService> service;
  std::unique_ptr<admin::ManagementService> management;
  http::Router router;
  std::unique_ptr<http::RequestLimits> request_limits;
};

/// The data directory (0700), the metastore with its first admin and storage governance, and
/// the signing key.
Status OpenMetastore(const PlatformFlags& flags, Platform& p) {
  p.data_dir = flags.data_dir;
  std::error_code ec;
  std::filesystem::create_directories(p.data_dir, ec);
  if (ec) {
    return InvalidArgument("cannot create the data directory '{}': {}", flags.data_dir,
                           ec.message());
  }
  ::chmod(p.data_dir.c_str(), 0700);
  p.metastore_url =
      flags.metastore.empty() ? (p.data_dir / "metastore.db").string() : flags.metastore;
  LS_ASSIGN_OR_RETURN(std::unique_ptr<catalog::Catalog> opened,
                      catalog::OpenCatalog(p.metastore_url));
  p.catalog = std::move(opened);
  LS_RETURN_IF_ERROR(BootstrapAdmin(*p.catalog, p.data_dir));
  const bool sqlite_metastore = p.metastore_url.rfind("postgres", 0) != 0;
  LS_RETURN_IF_ERROR(
      SetUpGovernance(*p.catalog, p.data_dir, sqlite_metastore ? p.metastore_url : ""));
  LS_ASSIGN_OR_RETURN(p.signing_key, LoadSigningKey(*p.catalog));
  return OkStatus();
}

/// Who recipients are (auth/) and what they see (sharing/), over one metastore: the provider
/// keeps what authentication just read, and every access change reaches both caches.
Status BuildRecipientSide(const PlatformFlags& flags, Platform& p) {
  LS_ASSIGN_OR_RETURN(p.federation, FederationSetup::Create(*p.catalog, flags.federation,
                                                            flags.revocation_delay_ms));
  sharing::MetastoreProviderOptions provider_options;
  provider_options.ttl_ms = flags.revocation_delay_ms;
  p.provider = std::make_shared<sharing::MetastoreShareProvider>(*p.catalog, provider_options);
  auth::RecipientAuthOptions auth_options;
  auth_options.ttl_ms = flags.revocation_delay_ms;
  auth_options.jwt_recipient = [setup = p.federation.get()](std::string_view token) {
    return setup->Authenticate(token);
  };
  auth_options.on_recipient_read = [provider = p.provider](const catalog::RecipientInfo& r) {
    return provider->RememberRecipient(r);
  };
  p.recipients = std::make_shared<auth::RecipientAuthenticator>(*p.catalog, auth_options);

  sharing::SharingOptions options;
  options.endpoint = p.sharing_endpoint;
  options.public_url = flags.public_url;
  options.signing_key = p.signing_key;
  options.url_expiry_seconds = flags.url_expiry_seconds;
  LS_ASSIGN_OR_RETURN(options.materializer,
                      OpenMaterializer(flags.materialize, (p.data_dir / "materialized").string(),
                                       options.store_options, options.url_expiry_seconds,
                                       options.clock, p.metrics));
  options.materialize_wait = std::chrono::milliseconds(flags.materialize.wait_ms);
  ApplyStreamLimits(flags.limits, options);
  LS_ASSIGN_OR_RETURN(p.service,
                      sharing::SharingService::Create(p.provider, p.recipients, options,
                                                      &p.metrics));
  return OkStatus();
}

/// The management API, which tells both recipient caches about every access change.
Status BuildManagement(const PlatformFlags& flags, Platform& p) {
  admin::ManagementOptions options;
  options.sharing_endpoint = p.sharing_endpoint;
  options.public_url = flags.public_url;
  options.on_access_changed = [provider = p.provider,
                               recipients = p.recipients](const std::string& recipient) {
    recipients->InvalidateRecipient(recipient);
    provider->InvalidateRecipient(recipient);
  };
  // A check opens a table's store where and with what serving opens it.
  options.check_partition_columns = [metastore = p.catalog.get()](
                                        const catalog::TableInfo& table,
                                        const std::vector<std::string>& columns) -> Status {
    LS_ASSIGN_OR_RETURN(TableStore store, ServedTableStore(*metastore, table));
    return CheckPartitionColumns(table, columns, store);
  };
  options.shared_table_source = [metastore = p.catalog.get()](const catalog::TableInfo& table) {
    Result<TableStore> store = ServedTableStore(*metastore, table);
    TableSource source =
        store ? ReadTableSource(*store)
              : TableSource{store.error().code == ErrorCode::kUnavailable ? "SOURCE_UNAVAILABLE"
                                                                          : "PERMISSION_DENIED",
                            std::nullopt};
    return admin::ManagementOptions::SharedTableSource{std::move(source.status),
                                                       source.change_data_feed};
  };
  options.idp_fetch = p.federation->fetch_options();        // policy URLs, templates
  options.idp_fetcher = p.federation->idp_fetcher();        // templates' discovery, bounded
  options.principal_jwt = p.federation->principal_jwt();  // staff sign in (IdP)
  LS_ASSIGN_OR_RETURN(p.management, admin::ManagementService::Create(p.catalog.get(), options));
  return OkStatus();
}

/// Every route, the route groups (the protocol with its recipients and error shape, the
/// management API with its principals and Unity Catalog's shape; the rest, health, public),
/// request limits, the audit and the client address behind trusted proxies.
Status WireRouter(const PlatformFlags& flags, Platform& p) {
  http::Router& router = p.router;
  LS_RETURN_IF_ERROR(p.service->RegisterRoutes(router));
  LS_RETURN_IF_ERROR(p.management->RegisterRoutes(router));
  LS_RETURN_IF_ERROR(sharing::RegisterOAuthEndpoints(router, p.federation->oauth(),
                                                     {p.sharing_endpoint, flags.public_url}));
  web::ActivationPageOptions page_options;
  page_options.sharing_endpoint = p.sharing_endpoint;
  LS_RETURN_IF_ERROR(web::RegisterActivationPage(router, page_options));
  LS_RETURN_IF_ERROR(router.Mount({p.sharing_endpoint}, p.service->RouteGroup()));
  LS_RETURN_IF_ERROR(router.Mount({"/api"}, p.management->RouteGroup()));
  LS_ASSIGN_OR_RETURN(
      p.request_limits,
      InstallRequestLimits(flags.limits, router, p.metrics,
                           [&router](const http::Request& request, const Error& error) {
                             return router.RenderError(request, error);
                           }));
  router.Use(MakeDurableAuditMiddleware(p.audit.get()));
  router.AddCompletionHook(MakeAuditCompletionHook(p.audit.get()));
  return UseTrustedProxies(router, flags.trusted_proxies);
}

/// Listen address, TLS, connection limits, and readiness: ready while the metastore answers
/// (checked at most once a second), so a replica that lost its metastore leaves the load
/// balancer's rotation instead of refusing every partner.
Result<http::ServerOptions> PlatformServerOptions(const PlatformFlags& flags,
                                                  std::shared_ptr<catalog::Catalog> catalog) {
  http::ServerOptions options;
  options.listen = flags.listen;
  options.tls_cert_file = flags.tls_cert_file;
  options.tls_key_file = flags.tls_key_file;
  auto last_check = std::make_shared<std::atomic<int64_t>>(0);
  auto last_ok = std::make_shared<std::atomic<bool>>(true);
  options.readiness = [catalog, last_check, last_ok] {
    int64_t now = SystemClock().MonotonicMs();
    if (now - last_check->load() >= 1000) {
      last_check->store(now);
      last_ok->store(catalog->GetSettings().has_value());
    }
    return last_ok->load();
  };
  LS_RETURN_IF_ERROR(ApplyConnectionLimits(flags.limits, flags.trusted_proxies, options));
  return options;
}

int RunPlatform(const PlatformFlags& flags) {
  http::BlockShutdownSignals();
  Platform p;
  if (auto st = OpenMetastore(flags, p); !st) return ServeFailed(st.error());
  auto audit_options = AuditLogOptionsFrom(flags.limits, p.metrics);
  if (!audit_options) return ServeFailed(audit_options.error());
  p.audit = std::make_unique<catalog::AuditLog>(p.catalog.get(), std::move(*audit_options));
  for (auto step : {BuildRecipientSide, BuildManagement, WireRouter}) {
    if (auto st = step(flags, p); !st) return ServeFailed(st.error());
  }
  auto options = PlatformServerOptions(flags, p.catalog);
  if (!options) return ServeFailed(options.error());
  http::Server server(*options, p.router, p.metrics);
  if (auto st = server.Start(); !st) return ServeFailed(st.error());
  auto health = HealthListener::Start(flags.limits, *options, p.metrics, options->readiness);
  if (!health) return ServeFailed(health.error());

  std::string host = options->listen.substr(0, options->listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "127.0.0.1";
  std::string base = std::string(flags.tls_cert_file.empty() ? "http://" : "https://") + host +
                     ":" + std::to_string(server.port());
  p.service->SetBaseUrl(base);
  std::printf("metastore: %s\n", flags.metastore.empty() ? p.metastore_url.c_str() : "PostgreSQL");
  std::printf("management API: %s/api/2.1/unity-catalog\n", base.c_str());
  PrintHealthListener(health->get(), flags.limits.health_listen);
  std::printf("listening on %s%s\n", base.c_str(), p.sharing_endpoint.c_str());
  std::fflush(stdout);

  int signal = http::WaitForShutdownSignal();
  LogInfo("signal {}: stopping", signal);
  if (*health) (*health)->BeginStop();
  server.Stop();
  p.audit->Stop();
  if (p.audit->dropped() > 0) {
    LogWarning("{} audit events could not be written",
               static_cast<unsigned long long>(p.audit->dropped()));
  }
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& root) {
  auto* serve = root.add_subcommand(
      "serve",
      "Run the platform on a metastore (--data-dir), or a Delta Sharing server for the shares of "
      "a reference-server YAML file (--config)");
  auto* config = new std::string;
  auto* listen = new std::string;
  auto* platform = new PlatformFlags;
  auto* config_option = serve->add_option(
      "--config", *config, "Reference-server configuration (delta-sharing-server.yaml), read-only");
  auto* data_dir_option = serve->add_option(
      "--data-dir", platform->data_dir,
      "Platform data directory: the SQLite metastore (unless --metastore) and admin-token");
  config_option->excludes(data_dir_option);
  serve->add_option("--listen", *listen,
                    "HOST:PORT to listen on (default: 127.0.0.1:8080 with --data-dir, else the "
                    "configuration's host and port; port 0 picks a free port)");
  serve
      ->add_option("--metastore", platform->metastore,
                   "postgresql://USER@HOST:PORT/DB to keep the metastore in PostgreSQL (replicas "
                   "share it); default: DIR/metastore.db (SQLite)")
      ->needs(data_dir_option);
  serve
      ->add_option("--public-url", platform->public_url,
                   "scheme://host:port partners reach this server at (profile endpoint, "
                   "activation links, file URLs, the audience of partners' private-key JWT "
                   "assertions, which need it); default: the request's Host header")
      ->transform(CLI::Validator(
          [](std::string& url) {
            // As the configuration file's publicUrl: "https://x/" names the same server.
            while (!url.empty() && url.back() == '/') url.pop_back();
            return url.starts_with("http://") || url.starts_with("https://")
                       ? std::string()
                       : std::string("must start with http:// or https://");
          },
          "URL", "public URL"))
      ->needs(data_dir_option);
  serve
      ->add_option("--url-expiry-seconds", platform->url_expiry_seconds,
                   "Lifetime of pre-signed file URLs (default 3600)")
      ->needs(data_dir_option);
  serve
      ->add_option("--revocation-delay-ms", platform->revocation_delay_ms,
                   "How long a replica may keep serving from its cache after another replica "
                   "revoked a token or grant (default 2000)")
      ->needs(data_dir_option);
  auto* trusted_proxies = new std::vector<std::string>;
  serve->add_option("--trusted-proxy", *trusted_proxies,
                    "Address or CIDR range of a reverse proxy or load balancer in front of this "
                    "server (repeatable). Requests from it are attributed to the client named in "
                    "X-Forwarded-For (IP access lists, audit); default: trust no proxy");
  auto* tls_cert = serve->add_option("--tls-cert", platform->tls_cert_file,
                                     "PEM certificate chain: serve HTTPS (with --tls-key)");
  auto* tls_key =
      serve->add_option("--tls-key", platform->tls_key_file, "PEM private key of --tls-cert");
  tls_cert->needs(tls_key)->needs(data_dir_option);
  tls_key->needs(tls_cert)->needs(data_dir_option);
  AddFederationFlags(*serve, platform->federation);
  AddMaterializeFlags(*serve, platform->materialize);
  AddLimitFlags(*serve, platform->limits);
  serve->callback([=] {
    if (!platform->data_dir.empty()) {
      if (!listen->empty()) platform->listen = *listen;
      platform->trusted_proxies = *trusted_proxies;
      std::exit(RunPlatform(*platform));
    }
    if (config->empty()) {
      std::fprintf(stderr,
                   "error: give --data-dir DIR (the platform, with its metastore) or --config "
                   "FILE (a reference-server YAML file)\n");
      std::exit(2);
    }
    std::exit(RunServe(*config, *listen, *trusted_proxies, platform->materialize,
                       platform->limits));
  });
}

}  // namespace lakeshare::app
