// `lakeshare admin catalogs create|list|get|update|delete`.

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

void AddCatalogCommands(CLI::App* admin) {
  CLI::App* noun = Noun(admin, "catalogs", "Catalogs (the top level of table names)");
  const Collection catalogs{std::string(kUcPrefix) + "catalogs", "catalog", "NAME", "Catalog name"};
  {
    auto o = std::make_shared<std::pair<std::string, std::string>>();
    auto* c = Verb(noun, "create", "Create a catalog", [o](Api& api, const GlobalOptions& g) {
      Json body = {{"name", o->first}};
      if (!o->second.empty()) {
        body["comment"] = o->second;
      }
      return Done(api.Uc("POST", "catalogs", {}, &body), g,
                  fmt::format("catalog {} created", o->first));
    });
    c->add_option("NAME", o->first, "Catalog name")->required();
    c->add_option("--comment", o->second, "Comment");
  }
  ListVerb(
      noun, "List catalogs", catalogs, "catalogs",
      {{"NAME", "name"}, {"OWNER", "owner"}, {"COMMENT", "comment"}, {"CREATED", "created_at"}});
  GetVerb(noun, "Show a catalog", catalogs);
  UpdateVerb(noun, "Rename a catalog or change its comment or owner", catalogs);
  {
    auto name = std::make_shared<std::string>();
    auto force = std::make_shared<bool>(false);
    auto* c =
        Verb(noun, "delete", "Delete a catalog", [name, force](Api& api, const GlobalOptions& g) {
          std::vector<http::Field> q;
          if (*force) {
            q.emplace_back("force", "true");
          }
          return Done(api.Uc("DELETE", "catalogs/" + EncodePathSegment(*name), q), g,
                      fmt::format("catalog {} deleted", *name));
        });
    c->add_option("NAME", *name, "Catalog name")->required();
    c->add_flag("--force", *force, "Delete even if it holds schemas");
  }
}

}  // namespace lakeshare::admin::cli
