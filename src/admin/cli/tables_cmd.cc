// `lakeshare admin tables create|list|get|update|delete`: external Delta tables by location.

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "admin/cli/args.h"
#include "admin/cli/client.h"
#include "admin/cli/command.h"
#include "admin/cli/nouns_internal.h"
#include "admin/cli/output.h"
#include "common/strings.h"

namespace lakeshare::admin::cli {

Json TableBody(const TableItem& item, const std::string& comment) {
  std::vector<std::string_view> parts = Split(item.name, '.');
  Json body = {{"name", std::string(parts[2])},        {"catalog_name", std::string(parts[0])},
               {"schema_name", std::string(parts[1])}, {"table_type", "EXTERNAL"},
               {"data_source_format", "DELTA"},        {"storage_location", item.location}};
  SetIfGiven(body, "comment", comment);
  return body;
}

void AddTableCommands(CLI::App* admin) {
  CLI::App* noun = Noun(admin, "tables", "Tables (external Delta tables registered by location)");
  const Collection tables{std::string(kUcPrefix) + "tables", "table", "FULL_NAME",
                          "catalog.schema.table"};
  {
    struct Opts {
      std::string name, location, comment;
    };
    auto o = std::make_shared<Opts>();
    auto* c =
        Verb(noun, "create", "Register a Delta table by its storage location",
             [o](Api& api, const GlobalOptions& g) -> CallResult<void> {
               auto item = ParseTableItem(o->name + "=" + o->location);
               if (!item) {
                 return tl::unexpected(UsageError(item.error().message));
               }
               Json body = TableBody(*item, o->comment);
               return Done(api.Uc("POST", "tables", {}, &body), g,
                           fmt::format("table {} registered at {}", item->name, item->location));
             });
    c->add_option("FULL_NAME", o->name, "catalog.schema.table")->required();
    c->add_option("--storage-location", o->location,
                  "Where the Delta table lives: a local folder or s3://bucket/path")
        ->required();
    c->add_option("--comment", o->comment, "Comment");
  }
  {
    auto o = std::make_shared<std::pair<std::string, std::string>>();
    auto* c =
        Verb(noun, "list", "List the tables of a schema", [o](Api& api, const GlobalOptions& g) {
          return ShowList(
              ListAll(api, std::string(kUcPrefix) + "tables",
                      {{"catalog_name", o->first}, {"schema_name", o->second}}, "tables"),
              g, "tables",
              {{"FULL NAME", "full_name"},
               {"TYPE", "table_type"},
               {"LOCATION", "storage_location"},
               {"CREATED", "created_at"}});
        });
    c->add_option("CATALOG", o->first, "Catalog name")->required();
    c->add_option("SCHEMA", o->second, "Schema name")->required();
  }
  GetVerb(noun, "Show a table", tables);
  {
    auto name = std::make_shared<std::string>();
    auto flags = std::make_shared<UpdateFlags>();
    auto* c = Verb(noun, "update", "Change a table's comment or owner",
                   [name, flags](Api& api, const GlobalOptions& g) -> CallResult<void> {
                     Json body = flags->Body();
                     if (auto st = NeedChanges(body, "--comment, --owner"); !st) {
                       return st;
                     }
                     return ShowObject(
                         api.Uc("PATCH", "tables/" + EncodePathSegment(*name), {}, &body), g);
                   });
    c->add_option("FULL_NAME", *name, "catalog.schema.table")->required();
    c->add_option("--comment", flags->comment, "New comment");
    c->add_option("--owner", flags->owner, "New owner (user or group)");
  }
  DeleteVerb(noun, "Unregister a table (its files stay)", tables);
}

}  // namespace lakeshare::admin::cli
