// `lakeshare admin external-locations create|list|get|update|delete|grant|revoke` (issue 10,
// storage governance): where tables may be registered from, and who may register there
// (CREATE_EXTERNAL_TABLE).

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "admin/cli/client.h"
#include "admin/cli/command.h"
#include "admin/cli/nouns_internal.h"
#include "admin/cli/output.h"

namespace lakeshare::admin::cli {
namespace {

std::string LocationPath(const std::string& name) {
  return "external-locations/" + EncodePathSegment(name);
}

/// `grant` / `revoke`: CREATE_EXTERNAL_TABLE on a location for a principal or group.
void AddGrantVerb(CLI::App* noun, const char* verb, bool add) {
  struct Opts {
    std::string name, principal;
  };
  auto o = std::make_shared<Opts>();
  auto* c =
      Verb(noun, verb,
           add ? "Let a principal or group register tables inside a location"
               : "Stop a principal or group registering tables inside a location",
           [o, add](Api& api, const GlobalOptions& g) {
             Json change = {{"principal", o->principal}};
             change[add ? "add" : "remove"] = Json::array({"CREATE_EXTERNAL_TABLE"});
             Json body = {{"changes", Json::array({change})}};
             return ShowObject(
                 api.Uc("PATCH", "permissions/external_location/" + EncodePathSegment(o->name), {},
                        &body),
                 g);
           });
  c->add_option("NAME", o->name, "External location name")->required();
  c->add_option("PRINCIPAL", o->principal, "Principal or group name")->required();
}

}  // namespace

void AddExternalLocationCommands(CLI::App* admin) {
  CLI::App* noun = Noun(admin, "external-locations",
                        "Storage prefixes tables may be registered under (metastore admins)");
  {
    struct Opts {
      std::string name, url, credential, comment, owner;
      bool read_only = false;
    };
    auto o = std::make_shared<Opts>();
    auto* c =
        Verb(noun, "create", "Declare an external location", [o](Api& api, const GlobalOptions& g) {
          Json body = {{"name", o->name}, {"url", o->url}};
          SetIfGiven(body, "credential_name", o->credential);
          SetIfGiven(body, "comment", o->comment);
          SetIfGiven(body, "owner", o->owner);
          if (o->read_only) body["read_only"] = true;
          return Done(api.Uc("POST", "external-locations", {}, &body), g,
                      fmt::format("external location {} created", o->name));
        });
    c->add_option("NAME", o->name, "External location name")->required();
    c->add_option("URL", o->url, "file:///path, /path or s3://bucket/prefix")->required();
    c->add_option("--credential", o->credential, "Storage credential it reads with (S3)");
    c->add_option("--comment", o->comment, "Comment");
    c->add_option("--owner", o->owner, "Owner (principal or group); default: you");
    c->add_flag("--read-only", o->read_only, "Mark it read-only");
  }
  const Collection locations{std::string(kUcPrefix) + "external-locations", "external location",
                             "NAME", "External location name"};
  ListVerb(noun, "List the external locations you may see", locations, "external_locations",
           {{"NAME", "name"},
            {"URL", "url"},
            {"CREDENTIAL", "credential_name"},
            {"OWNER", "owner"},
            {"CREATED", "created_at"}});
  GetVerb(noun, "Show an external location", locations);
  {
    auto name = std::make_shared<std::string>();
    auto url = std::make_shared<std::string>();
    auto flags = std::make_shared<UpdateFlags>();
    auto* c =
        Verb(noun, "update", "Rename, move or re-own an external location",
             [name, url, flags](Api& api, const GlobalOptions& g) -> CallResult<void> {
               Json body = flags->Body();
               SetIfGiven(body, "url", *url);
               if (auto st = NeedChanges(body, "--url, --new-name, --comment, --owner"); !st) {
                 return st;
               }
               return ShowObject(api.Uc("PATCH", LocationPath(*name), {}, &body), g);
             });
    c->add_option("NAME", *name, "External location name")->required();
    c->add_option("--url", *url, "New url (must still hold every table registered inside)");
    flags->Add(c);
  }
  DeleteVerb(noun, "Delete an external location (none of its tables left)", locations);
  AddGrantVerb(noun, "grant", true);
  AddGrantVerb(noun, "revoke", false);
}

}  // namespace lakeshare::admin::cli
