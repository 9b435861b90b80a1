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
  CreateVerb(noun, "Create a catalog", catalogs,
             [](const std::string& name) { return fmt::format("catalog {} created", name); });
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
