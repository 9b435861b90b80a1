// `lakeshare admin principals create|list|get|delete` (issue 12): the provider's team members and
// automation (/api/2.1/lakeshare/principals; metastore admins manage them). A principal signs in
// with an API token or, on a server started with --oidc-principal-issuer, with a token of the
// company's identity provider whose configured claim is the principal's name: such staff need
// no API token, so `create` makes none unless --api-token is given (it is then shown once).

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "admin/cli/client.h"
#include "admin/cli/command.h"
#include "admin/cli/nouns_internal.h"
#include "admin/cli/output.h"

namespace lakeshare::admin::cli {
namespace {

constexpr const char* kPrincipals = "/api/2.1/lakeshare/principals";

void AddCreateVerb(CLI::App* noun) {
  struct Opts {
    std::string name, comment;
    bool admin = false;
    bool api_token = false;
  };
  auto o = std::make_shared<Opts>();
  auto* c = Verb(
      noun, "create",
      "Create a principal (a team member or automation); it signs in with the company's "
      "identity provider, or with an API token (--api-token)",
      [o](Api& api, const GlobalOptions& g) -> CallResult<void> {
        Json body = {{"name", o->name}, {"is_admin", o->admin}, {"create_token", o->api_token}};
        SetIfGiven(body, "comment", o->comment);
        CallResult<Json> r = api.Call("POST", kPrincipals, {}, &body);
        if (!r || g.json || !o->api_token) {
          return Done(std::move(r), g, "principal " + o->name + " created");
        }
        std::printf("principal %s created; its API token (shown once, keep it secret) is:\n  %s\n",
                    o->name.c_str(), TerminalSafe(r->value("token_value", "")).c_str());
        return {};
      });
  c->add_option("NAME", o->name,
                "Principal name: the value of the sign-in claim (--oidc-principal-claim) for "
                "staff who sign in with the identity provider")
      ->required();
  c->add_flag("--admin", o->admin, "A metastore admin (may do everything)");
  c->add_option("--comment", o->comment, "Comment");
  c->add_flag("--api-token", o->api_token, "Also create an API token and print it once");
}

}  // namespace

void AddPrincipalCommands(CLI::App* admin) {
  CLI::App* noun = Noun(admin, "principals",
                        "The provider's team members and automation, who call this API (admins)");
  AddCreateVerb(noun);
  const Collection principals{kPrincipals, "principal", "NAME", "Principal name"};
  ListVerb(noun, "List the principals", principals, "principals",
           {{"NAME", "name"}, {"ADMIN", "is_admin"}, {"COMMENT", "comment"}});
  GetVerb(noun, "Show a principal", principals);
  DeleteVerb(noun, "Delete a principal (its API tokens and grants go too)", principals);
}

}  // namespace lakeshare::admin::cli
