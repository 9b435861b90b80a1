// `lakeshare admin schemas create|list|get|update|delete`.

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

void AddSchemaCommands(CLI::App* admin) {
  CLI::App* noun = Noun(admin, "schemas", "Schemas (catalog.schema)");
  const Collection schemas{std::string(kUcPrefix) + "schemas", "schema", "FULL_NAME",
                           "catalog.schema"};
  {
    struct Opts {
      std::string name, catalog, comment;
    };
    auto o = std::make_shared<Opts>();
    auto* c =
        Verb(noun, "create", "Create a schema in a catalog", [o](Api& api, const GlobalOptions& g) {
          Json body = {{"name", o->name}, {"catalog_name", o->catalog}};
          SetIfGiven(body, "comment", o->comment);
          return Done(api.Uc("POST", "schemas", {}, &body), g,
                      fmt::format("schema {}.{} created", o->catalog, o->name));
        });
    c->add_option("NAME", o->name, "Schema name")->required();
    c->add_option("CATALOG", o->catalog, "Catalog it belongs to")->required();
    c->add_option("--comment", o->comment, "Comment");
  }
  {
    auto catalog = std::make_shared<std::string>();
    auto* c = Verb(noun, "list", "List the schemas of a catalog",
                   [catalog](Api& api, const GlobalOptions& g) {
                     return ShowList(ListAll(api, std::string(kUcPrefix) + "schemas",
                                             {{"catalog_name", *catalog}}, "schemas"),
                                     g, "schemas",
                                     {{"FULL NAME", "full_name"},
                                      {"OWNER", "owner"},
                                      {"COMMENT", "comment"},
                                      {"CREATED", "created_at"}});
                   });
    c->add_option("CATALOG", *catalog, "Catalog name")->required();
  }
  GetVerb(noun, "Show a schema", schemas);
  UpdateVerb(noun, "Rename a schema or change its comment or owner", schemas);
  DeleteVerb(noun, "Delete a schema", schemas);
}

}  // namespace lakeshare::admin::cli
