// `lakeshare admin groups create|list|get|add-member|remove-member|delete` (issue 10): groups of
// principals, which hold privileges and ownership together (/api/2.1/lakeshare/groups; metastore
// admins manage them). Membership changes take effect at once.

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "admin/cli/client.h"
#include "admin/cli/command.h"
#include "admin/cli/nouns_internal.h"
#include "admin/cli/output.h"

namespace lakeshare::admin::cli {
namespace {

constexpr const char* kGroups = "/api/2.1/lakeshare/groups";

std::string GroupPath(const std::string& name) {
  return std::string(kGroups) + "/" + EncodePathSegment(name);
}

/// `add-member` / `remove-member`: PATCH the group with add_members / remove_members.
void AddMemberVerb(CLI::App* noun, const char* verb, bool add) {
  struct Opts {
    std::string group;
    std::vector<std::string> principals;
  };
  auto o = std::make_shared<Opts>();
  auto* c = Verb(noun, verb,
                 add ? "Add principals to a group (they hold what it holds at once)"
                     : "Remove principals from a group (they lose what it holds at once)",
                 [o, add](Api& api, const GlobalOptions& g) {
                   Json body = {{add ? "add_members" : "remove_members", o->principals}};
                   return ShowObject(api.Call("PATCH", GroupPath(o->group), {}, &body), g);
                 });
  c->add_option("GROUP", o->group, "Group name")->required();
  c->add_option("PRINCIPAL", o->principals, "Principal names")->required();
}

}  // namespace

void AddGroupCommands(CLI::App* admin) {
  CLI::App* noun = Noun(admin, "groups",
                        "Groups of principals, holding privileges and ownership together (admins)");
  {
    struct Opts {
      std::string name, comment;
      std::vector<std::string> members;
    };
    auto o = std::make_shared<Opts>();
    auto* c = Verb(noun, "create", "Create a group", [o](Api& api, const GlobalOptions& g) {
      Json body = {{"name", o->name}};
      SetIfGiven(body, "comment", o->comment);
      if (!o->members.empty()) body["members"] = o->members;
      return Done(api.Call("POST", kGroups, {}, &body), g,
                  fmt::format("group {} created", o->name));
    });
    c->add_option("NAME", o->name, "Group name (shares one namespace with principals)")->required();
    c->add_option("--comment", o->comment, "Comment");
    c->add_option("--member", o->members, "A principal to add (repeat for more)");
  }
  const Collection groups{kGroups, "group", "NAME", "Group name"};
  ListVerb(noun, "List the groups you may see", groups, "groups",
           {{"NAME", "name"}, {"COMMENT", "comment"}, {"CREATED", "created_at"}});
  GetVerb(noun, "Show a group and its members", groups);
  AddMemberVerb(noun, "add-member", true);
  AddMemberVerb(noun, "remove-member", false);
  DeleteVerb(noun, "Delete a group (its members lose what it held)", groups);
}

}  // namespace lakeshare::admin::cli
