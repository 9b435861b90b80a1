// Fuzz target: any request to the management API, as the metastore admin, through the real
// router, authentication and handlers over a real SQLite metastore (one per process, in a temp
// folder; objects created by earlier inputs stay, as on a live server). The input's first line is
// "METHOD PATH" below /api/2.1/ (e.g. "POST unity-catalog/shares?x=1"), the rest is the body.
// Bad input must get a 4xx: a crash, a hang or a 5xx reply is a finding (the target aborts on 5xx).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "admin/management_service.h"
#include "catalog/catalog.h"
#include "catalog/governance.h"
#include "http/request.h"
#include "http/router.h"
#include "storage/location.h"

namespace {

using namespace lakeshare;

struct Platform {
  std::filesystem::path dir;
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<admin::ManagementService> service;
  http::Router router;

  Platform() {
    char pattern[] = "/tmp/lakeshare-management-fuzz-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) std::abort();
    dir = pattern;
    auto opened = catalog::OpenCatalog((dir / "metastore.db").string());
    if (!opened) Die("open the metastore", opened.error());
    catalog = std::move(*opened);
    // Locations compared as the server compares them (storage's one parser), the fuzz folder
    // being the server's data; without a policy every registration is refused as misconfigured.
    catalog::LocationPolicy policy;
    policy.canonicalize = [](std::string_view l) -> Result<std::string> {
      LS_ASSIGN_OR_RETURN(storage::Location parsed, storage::ParseLocation(l));
      return parsed.Uri();
    };
    policy.protected_locations = {dir.string()};
    if (auto st = catalog->SetLocationPolicy(std::move(policy)); !st) {
      Die("set the location policy", st.error());
    }
    catalog::Principal admin;
    admin.name = "admin";
    admin.is_admin = true;
    if (auto st = catalog->CreatePrincipal(admin); !st) {
      Die("create the admin", st.error());
    }
    if (auto st = catalog->AddPrincipalToken("admin", "fuzz-admin-token", std::nullopt, ""); !st) {
      Die("add the admin token", st.error());
    }
    admin::ManagementOptions options;
    options.public_url = "https://share.example.com";
    auto created = admin::ManagementService::Create(catalog.get(), options);
    if (!created) Die("create the service", created.error());
    service = std::move(*created);
    router.SetAuthenticator([svc = service.get()](http::Request& r) { return svc->Authenticate(r); });
    if (auto st = service->RegisterRoutes(router); !st) Die("register the routes", st.error());
  }
  ~Platform() {
    service.reset();
    catalog.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  [[noreturn]] static void Die(const char* what, const Error& error) {
    std::fprintf(stderr, "management_api_fuzz: cannot %s: %s\n", what, error.ToString().c_str());
    std::abort();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Platform* platform = new Platform();  // lives for the process, like a server
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t eol = input.find('\n');
  std::string_view line = input.substr(0, eol);
  std::string body(eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1));
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return 0;
  std::string method(line.substr(0, space));
  std::string target = "/api/2.1/" + std::string(line.substr(space + 1));
  auto request = http::Request::Create(
      method, target,
      {{"Host", "share.example.com"}, {"Authorization", "Bearer fuzz-admin-token"},
       {"Content-Type", "application/json"}},
      std::move(body), "127.0.0.1");
  if (!request) return 0;  // the HTTP layer refuses it before any handler
  http::Response response = platform->router.Dispatch(*request);
  if (response.status() >= 500) {
    std::fprintf(stderr, "management_api_fuzz: %s %s answered %d: %s\n", method.c_str(),
                 target.c_str(), response.status(), response.body().c_str());
    std::abort();
  }
  return 0;
}
