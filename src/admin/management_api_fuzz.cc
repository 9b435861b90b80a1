// Fuzz target: any request to the management API, as the metastore admin, through the real
// router, authentication and handlers over a real SQLite metastore (one per process, in a temp
// folder; objects created by earlier inputs stay, as on a live server). The input's first line is
// "METHOD PATH" below /api/2.1/ (e.g. "POST unity-catalog/shares?x=1"), the rest is the body.
// Bad input must get a 4xx: a crash, a hang or a 5xx reply is a finding (the target aborts on 5xx).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "admin/management_service.h"
#include "admin/test_location_policy.h"
#include "catalog/catalog.h"
#include "common/fuzz_support.h"
#include "http/request.h"
#include "http/router.h"

namespace {

using namespace lakeshare;

constexpr char kTarget[] = "management_api_fuzz";

struct Platform {
  fuzz::TempDir dir{"lakeshare-management-fuzz"};
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<admin::ManagementService> service;
  http::Router router;

  Platform() {
    catalog = fuzz::Must(catalog::OpenCatalog((dir.path() / "metastore.db").string()), kTarget,
                         "open the metastore");
    // The fuzz folder is the server's data.
    fuzz::Must(catalog->SetLocationPolicy(admin::test::TestLocationPolicy(dir.path().string())),
               kTarget, "set the location policy");
    catalog::Principal admin;
    admin.name = "admin";
    admin.is_admin = true;
    fuzz::Must(catalog->CreatePrincipal(admin), kTarget, "create the admin");
    fuzz::Must(catalog->AddPrincipalToken("admin", "fuzz-admin-token", std::nullopt, ""), kTarget,
               "add the admin token");
    admin::ManagementOptions options;
    options.public_url = "https://share.example.com";
    service = fuzz::Must(admin::ManagementService::Create(catalog.get(), options), kTarget,
                         "create the service");
    router.SetAuthenticator(
        [svc = service.get()](http::Request& r) { return svc->Authenticate(r); });
    fuzz::Must(service->RegisterRoutes(router), kTarget, "register the routes");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Platform* platform = new Platform();  // lives for the process, like a server
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto [line, body] = fuzz::SplitFirstLine(input);
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) return 0;
  std::string method(line.substr(0, space));
  std::string target = "/api/2.1/" + std::string(line.substr(space + 1));
  auto request = http::Request::Create(method, target,
                                       {{"Host", "share.example.com"},
                                        {"Authorization", "Bearer fuzz-admin-token"},
                                        {"Content-Type", "application/json"}},
                                       std::move(body), "127.0.0.1");
  if (!request) return 0;  // the HTTP layer refuses it before any handler
  http::Response response = platform->router.Dispatch(*request);
  fuzz::AbortOnServerError(kTarget, method + " " + target, response.status(), response.body());
  return 0;
}
