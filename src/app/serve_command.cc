#include "app/serve_command.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "http/metrics.h"
#include "http/router.h"
#include "http/server.h"
#include "sharing/server_config.h"
#include "sharing/sharing_service.h"
#include "sharing/yaml_share_provider.h"

namespace lakeshare::app {

namespace {

int Fail(const Error& e) {
  std::fprintf(stderr, "error: %s\n", e.message.c_str());
  return e.code == ErrorCode::kInvalidArgument || e.code == ErrorCode::kNotFound ? 2 : 1;
}

std::string HostForUrl(const std::string& host) {
  if (host.find(':') != std::string::npos && host.front() != '[') return "[" + host + "]";
  return host;
}

int RunServe(const std::string& config_path, const std::string& listen_override) {
  // Before any thread exists, so that only WaitForShutdownSignal sees SIGTERM/SIGINT.
  http::BlockShutdownSignals();
  auto config = sharing::LoadSharingConfig(config_path);
  if (!config) return Fail(config.error());
  for (const std::string& w : config->warnings) {
    std::fprintf(stderr, "warning: %s: %s\n", config_path.c_str(), w.c_str());
  }
  if (config->open_access()) {
    std::fprintf(stderr,
                 "warning: no authorization.bearerToken and no recipients: every request is "
                 "accepted and sees every share\n");
  }
  if (config->signing_key.empty()) {
    std::fprintf(stderr,
                 "note: no signingKey configured; page tokens and file URLs are signed with a "
                 "random key and stop working when the server restarts\n");
  }
  auto provider = sharing::YamlShareProvider::Create(*config);
  if (!provider) return Fail(provider.error());
  http::MetricsRegistry metrics;
  auto service = sharing::SharingService::Create(
      std::shared_ptr<const sharing::ShareProvider>(std::move(*provider)),
      sharing::SharingOptionsFromConfig(*config), &metrics);
  if (!service) return Fail(service.error());

  http::Router router;
  if (auto st = (*service)->RegisterRoutes(router); !st) return Fail(st.error());
  router.SetAuthenticator((*service)->MakeAuthenticator());

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
  http::Server server(options, router, metrics);
  if (auto st = server.Start(); !st) return Fail(st.error());

  std::string host = options.listen.substr(0, options.listen.rfind(':'));
  if (host.empty() || host == "0.0.0.0" || host == "[::]") host = "127.0.0.1";
  std::string base = std::string(config->ssl ? "https://" : "http://") + host + ":" +
                     std::to_string(server.port());
  (*service)->SetBaseUrl(base);
  std::printf("listening on %s%s\n", base.c_str(), config->endpoint.c_str());
  std::fflush(stdout);

  int signal = http::WaitForShutdownSignal();
  std::fprintf(stderr, "signal %d: stopping\n", signal);
  server.Stop();
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& root) {
  auto* serve = root.add_subcommand("serve", "Run the Delta Sharing server");
  auto* config = new std::string;
  auto* listen = new std::string;
  serve->add_option("--config", *config, "Server configuration (delta-sharing-server.yaml)")
      ->required();
  serve->add_option("--listen", *listen,
                    "HOST:PORT to listen on (default: host and port of the configuration; port 0 "
                    "picks a free port)");
  serve->callback([=] { std::exit(RunServe(*config, *listen)); });
}

}  // namespace lakeshare::app
