// Fuzz target: any request to the OAuth token endpoint (issue 12), through the real router and
// OAuthServer over a real SQLite metastore (one per process, in a temp folder) that holds one
// OAUTH_CLIENT_CREDENTIALS client with the secret "fuzz-secret" and a registered public key. The
// input's first line is the Authorization header value (may be empty), the rest is the form
// body. Every input must get a 200 or a 4xx: a crash, a hang or a 5xx is a finding (the target
// aborts on 5xx).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "auth/jwk.h"
#include "auth/oauth_server.h"
#include "catalog/catalog.h"
#include "common/fuzz_support.h"
#include "http/request.h"
#include "http/router.h"
#include "sharing/oauth_endpoints.h"

namespace {

using namespace lakeshare;

constexpr char kTarget[] = "oauth_token_fuzz";

struct TokenEndpoint {
  fuzz::TempDir dir{"lakeshare-oauth-fuzz"};
  std::unique_ptr<catalog::Catalog> catalog;
  std::unique_ptr<auth::OAuthServer> server;
  http::Router router;

  TokenEndpoint() {
    catalog =
        Must(catalog::OpenCatalog((dir.path() / "metastore.db").string()), "open the metastore");
    catalog::RecipientInfo client;
    client.name = "client";
    client.authentication_type = "OAUTH_CLIENT_CREDENTIALS";
    Must(catalog->CreateRecipient(client), "create the client");
    Must(catalog->AddRecipientToken("client", "fuzz-secret", std::nullopt, "fuzz"), "secret");
    auto key = Must(auth::SigningKey::Generate(auth::JwsAlgorithm::kES256, "k1"), "key");
    Must(catalog->SetRecipientClientKeys("client",
                                         R"({"keys":[)" + key.PublicKey().ToJwkJson() + "]}"),
         "client keys");
    server = Must(auth::OAuthServer::Create(*catalog), "create the OAuth server");
    Must(sharing::RegisterOAuthEndpoints(router, *server, {"/delta-sharing", ""}), "routes");
  }
  template <typename T>
  static T Must(Result<T> r, const char* what) {
    return fuzz::Must(std::move(r), kTarget, what);
  }
  static void Must(const Status& s, const char* what) { fuzz::Must(s, kTarget, what); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static TokenEndpoint* endpoint = new TokenEndpoint();  // lives for the process, like a server
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto [line, body] = fuzz::SplitFirstLine(input);
  std::string authorization(line);
  std::vector<http::Field> headers = {{"Host", "share.example.com"},
                                      {"Content-Type", "application/x-www-form-urlencoded"}};
  if (!authorization.empty()) headers.emplace_back("Authorization", authorization);
  auto request = http::Request::Create("POST", "/delta-sharing/oauth/token", headers,
                                       std::move(body), "127.0.0.1");
  if (!request) return 0;
  http::Response response = endpoint->router.Dispatch(*request);
  fuzz::AbortOnServerError(kTarget, "POST /delta-sharing/oauth/token", response.status(),
                           response.body());
  return 0;
}
