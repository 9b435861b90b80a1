// `lakeshare admin federation-policies create|list|get|delete|template` (issue 12): the
// federation policies of an OIDC_FEDERATION recipient (Databricks' recipient federation policy
// API, /api/2.0/data-sharing/recipients/{recipient}/federation-policies) and the profile template
// its partner completes with its own identity provider's client id and secret.

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

std::string PoliciesPath(const std::string& recipient) {
  return "/api/2.0/data-sharing/recipients/" + EncodePathSegment(recipient) +
         "/federation-policies";
}

}  // namespace

void AddFederationPolicyCommands(CLI::App* admin) {
  CLI::App* noun = admin->add_subcommand(
      "federation-policies",
      "Federation policies of OIDC_FEDERATION recipients (which tokens of the partner's own "
      "identity provider are accepted)");
  noun->require_subcommand(1);
  noun->fallthrough();
  {
    struct Opts {
      std::string recipient, name, comment, issuer, subject_claim = "sub", subject, jwks_uri;
      std::vector<std::string> audiences;
    };
    auto o = std::make_shared<Opts>();
    auto* c = Verb(noun, "create", "Add a federation policy to a recipient",
                   [o](Api& api, const GlobalOptions& g) {
                     Json oidc = {{"issuer", o->issuer},
                                  {"audiences", o->audiences},
                                  {"subject_claim", o->subject_claim},
                                  {"subject", o->subject}};
                     if (!o->jwks_uri.empty()) {
                       oidc["jwks_uri"] = o->jwks_uri;
                     }
                     Json body = {{"name", o->name}, {"oidc_policy", oidc}};
                     if (!o->comment.empty()) {
                       body["comment"] = o->comment;
                     }
                     return Done(api.Call("POST", PoliciesPath(o->recipient), {}, &body), g,
                                 fmt::format("federation policy {} of recipient {} created",
                                             o->name, o->recipient));
                   });
    c->add_option("RECIPIENT", o->recipient, "An OIDC_FEDERATION recipient")->required();
    c->add_option("NAME", o->name, "Policy name (lower-case letters, digits, hyphens)")
        ->required();
    c->add_option("--issuer", o->issuer, "The partner IdP's issuer (the tokens' iss), https")
        ->required();
    c->add_option("--audience", o->audiences,
                  "An accepted audience (the tokens' aud must hold one; repeatable)")
        ->required();
    c->add_option("--subject-claim", o->subject_claim,
                  "The claim naming the partner's application or user: sub, azp, oid, groups")
        ->capture_default_str();
    c->add_option("--subject", o->subject, "The value that claim must be (or, a list, contain)")
        ->required();
    c->add_option("--jwks-uri", o->jwks_uri,
                  "The IdP's JWK Set URL, for issuers without OpenID discovery");
    c->add_option("--comment", o->comment, "Comment");
  }
  {
    auto recipient = std::make_shared<std::string>();
    auto* c = Verb(noun, "list", "List a recipient's federation policies",
                   [recipient](Api& api, const GlobalOptions& g) {
                     return ShowList(ListAll(api, PoliciesPath(*recipient), {}, "policies"), g,
                                     "policies",
                                     {{"NAME", "name"},
                                      {"ISSUER", "oidc_policy/issuer"},
                                      {"AUDIENCES", "oidc_policy/audiences"},
                                      {"CLAIM", "oidc_policy/subject_claim"},
                                      {"SUBJECT", "oidc_policy/subject"},
                                      {"CREATED", "create_time"}});
                   });
    c->add_option("RECIPIENT", *recipient, "An OIDC_FEDERATION recipient")->required();
  }
  {
    auto o = std::make_shared<std::pair<std::string, std::string>>();
    auto* c = Verb(noun, "get", "Show a federation policy", [o](Api& api, const GlobalOptions& g) {
      return ShowObject(
          api.Call("GET", PoliciesPath(o->first) + "/" + EncodePathSegment(o->second)), g);
    });
    c->add_option("RECIPIENT", o->first, "An OIDC_FEDERATION recipient")->required();
    c->add_option("NAME", o->second, "Policy name")->required();
  }
  {
    auto o = std::make_shared<std::pair<std::string, std::string>>();
    auto* c = Verb(noun, "delete",
                   "Delete a federation policy (its tokens stop within the revocation delay)",
                   [o](Api& api, const GlobalOptions& g) {
                     return Done(api.Call("DELETE", PoliciesPath(o->first) + "/" +
                                                        EncodePathSegment(o->second)),
                                 g,
                                 fmt::format("federation policy {} of recipient {} deleted",
                                             o->second, o->first));
                   });
    c->add_option("RECIPIENT", o->first, "An OIDC_FEDERATION recipient")->required();
    c->add_option("NAME", o->second, "Policy name")->required();
  }
  {
    struct Opts {
      std::string recipient, policy, scope;
    };
    auto o = std::make_shared<Opts>();
    auto* c = Verb(noun, "template",
                   "Print the profile (config.share) template to hand the partner: this "
                   "server's endpoint and its IdP's token endpoint",
                   [o](Api& api, const GlobalOptions&) -> CallResult<void> {
                     std::vector<http::Field> q;
                     if (!o->policy.empty()) q.emplace_back("policy", o->policy);
                     if (!o->scope.empty()) q.emplace_back("scope", o->scope);
                     auto r = api.Call("GET",
                                       "/api/2.1/lakeshare/recipients/" +
                                           EncodePathSegment(o->recipient) + "/profile-template",
                                       q);
                     if (!r) {
                       return tl::unexpected(r.error());
                     }
                     PrintJson(*r);  // a profile is JSON, with or without --json
                     return {};
                   });
    c->add_option("RECIPIENT", o->recipient, "An OIDC_FEDERATION recipient")->required();
    c->add_option("--policy", o->policy, "Which policy's issuer (default: the first)");
    c->add_option("--scope", o->scope, "The scope the partner requests from its IdP");
  }
}

}  // namespace lakeshare::admin::cli
