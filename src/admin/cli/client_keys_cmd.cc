// `lakeshare admin client-keys set|get|delete` (issue 12): the public keys an
// OAUTH_CLIENT_CREDENTIALS recipient signs its private-key JWT client assertions with.

#include <CLI/CLI.hpp>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "admin/cli/client.h"
#include "admin/cli/command.h"
#include "admin/cli/nouns_internal.h"
#include "admin/cli/output.h"

namespace lakeshare::admin::cli {
namespace {

/// The largest key file read (the server accepts at most 64 KiB of keys).
constexpr size_t kMaxKeyFileBytes = 256 * 1024;

std::string KeysPath(const std::string& recipient) {
  return "/api/2.1/lakeshare/recipients/" + EncodePathSegment(recipient) + "/client-keys";
}

/// A JWK Set or a single JWK from `path`, as the `jwks` of the request.
CallResult<Json> ReadKeys(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return tl::unexpected(UsageError(fmt::format("cannot read the key file '{}'", path)));
  }
  std::optional<std::string> text = ReadAtMost(in, kMaxKeyFileBytes);
  if (!text) {
    return tl::unexpected(UsageError(fmt::format("the key file '{}' is larger than {} bytes",
                                                 path, kMaxKeyFileBytes)));
  }
  Json doc = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    return tl::unexpected(UsageError(fmt::format(
        "the key file '{}' is not a JSON object: give a JWK Set {{\"keys\": [...]}} or one "
        "public JWK",
        path)));
  }
  if (doc.contains("keys")) {
    return doc;
  }
  return Json{{"keys", Json::array({doc})}};
}

}  // namespace

void AddClientKeyCommands(CLI::App* admin) {
  CLI::App* noun = Noun(
      admin, "client-keys",
      "Public keys of OAUTH_CLIENT_CREDENTIALS recipients (private-key JWT client authentication)");
  {
    auto o = std::make_shared<std::pair<std::string, std::string>>();
    auto* c = Verb(noun, "set", "Replace a recipient's public keys with those of a JWK file",
                   [o](Api& api, const GlobalOptions& g) -> CallResult<void> {
                     auto keys = ReadKeys(o->second);
                     if (!keys) {
                       return tl::unexpected(keys.error());
                     }
                     Json body = {{"jwks", *keys}};
                     return Done(api.Call("PUT", KeysPath(o->first), {}, &body), g,
                                 fmt::format("client keys of recipient {} set", o->first));
                   });
    c->add_option("RECIPIENT", o->first, "An OAUTH_CLIENT_CREDENTIALS recipient")->required();
    c->add_option("JWK_FILE", o->second, "A JWK Set {\"keys\": [...]} or one public JWK (JSON)")
        ->required();
  }
  {
    auto recipient = std::make_shared<std::string>();
    auto* c = Verb(noun, "get", "Show a recipient's public keys",
                   [recipient](Api& api, const GlobalOptions&) -> CallResult<void> {
                     auto r = api.Call("GET", KeysPath(*recipient));
                     if (!r) {
                       return tl::unexpected(r.error());
                     }
                     PrintJson(*r);  // keys are JSON, with or without --json
                     return {};
                   });
    c->add_option("RECIPIENT", *recipient, "An OAUTH_CLIENT_CREDENTIALS recipient")->required();
  }
  {
    auto recipient = std::make_shared<std::string>();
    auto* c = Verb(noun, "delete",
                   "Remove a recipient's public keys (its assertions stop within the "
                   "revocation delay)",
                   [recipient](Api& api, const GlobalOptions& g) {
                     return Done(api.Call("DELETE", KeysPath(*recipient)), g,
                                 fmt::format("client keys of recipient {} removed", *recipient));
                   });
    c->add_option("RECIPIENT", *recipient, "An OAUTH_CLIENT_CREDENTIALS recipient")->required();
  }
}

}  // namespace lakeshare::admin::cli
