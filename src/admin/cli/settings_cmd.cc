// `lakeshare admin settings get|set`: the metastore settings, among them the organisation name
// the activation page shows partners as the sender ("Shared by ...").

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "admin/cli/client.h"
#include "admin/cli/command.h"
#include "admin/cli/nouns_internal.h"
#include "admin/cli/output.h"

namespace lakeshare::admin::cli {
namespace {

constexpr const char* kSummaryPath = "metastore_summary";
// Lakeshare serves one metastore, named "metastore" (GET metastore_summary shows its id).
constexpr const char* kMetastorePath = "metastores/metastore";

}  // namespace

CallResult<std::string> OrganizationName(Api& api) {
  auto summary = api.Uc("GET", kSummaryPath);
  if (!summary) {
    return tl::unexpected(summary.error());
  }
  const Json* name = Lookup(*summary, "delta_sharing_organization_name");
  return name && name->is_string() ? name->get<std::string>() : std::string();
}

CallResult<Json> SetOrganizationName(Api& api, const std::string& name) {
  if (name.empty()) {
    return tl::unexpected(UsageError(
        "--organization-name must not be empty: partners see it as the sender of their link"));
  }
  Json body = {{"delta_sharing_organization_name", name}};
  return api.Uc("PATCH", kMetastorePath, {}, &body);
}

void AddSettingsCommands(CLI::App* admin) {
  CLI::App* noun = Noun(admin, "settings",
                        "Server settings: the organisation name partners see, the token lifetime");
  Verb(noun, "get", "Show the settings",
       [](Api& api, const GlobalOptions& g) { return ShowObject(api.Uc("GET", kSummaryPath), g); });
  struct Opts {
    std::string organization_name;
    int64_t token_lifetime = -1;
  };
  auto o = std::make_shared<Opts>();
  auto* set = Verb(
      noun, "set", "Change settings (only the ones given)",
      [o](Api& api, const GlobalOptions& g) -> CallResult<void> {
        Json body = Json::object();
        SetIfGiven(body, "delta_sharing_organization_name", o->organization_name);
        if (o->token_lifetime >= 0) {
          body["delta_sharing_recipient_token_lifetime_in_seconds"] = o->token_lifetime;
        }
        if (auto st = NeedChanges(body, "--organization-name, --token-lifetime-seconds"); !st) {
          return st;
        }
        return ShowObject(api.Uc("PATCH", kMetastorePath, {}, &body), g);
      });
  set->add_option("--organization-name", o->organization_name,
                  "Your organisation as partners see it on the activation page (\"Shared by\")");
  set->add_option("--token-lifetime-seconds", o->token_lifetime,
                  "Lifetime of tokens issued on activation (0: they do not expire)")
      ->check(CLI::NonNegativeNumber);
}

}  // namespace lakeshare::admin::cli
