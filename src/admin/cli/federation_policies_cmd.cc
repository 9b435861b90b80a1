// `lakeshare admin federation-policies create|list|get|delete|template` (issue 12): the
// federation policies of an OIDC_FEDERATION recipient (Databricks' recipient federation policy
// API, /api/2.0/data-sharing/recipients/{recipient}/federation-policies) and the profile template
// its partner completes with its own identity provider's client id and secret.

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <utility>
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

constexpr const char* kRecipientHelp = "An OIDC_FEDERATION recipient";

void AddCreate(CLI::App* noun) {
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
                   SetIfGiven(oidc, "jwks_uri", o->jwks_uri);
                   Json body = {{"name", o->name}, {"oidc_policy", oidc}};
                   SetIfGiven(body, "comment", o->comment);
                   return Done(api.Call("POST", PoliciesPath(o->recipient), {}, &body), g,
                               fmt::format("federation policy {} of recipient {} created",
                                           o->name, o->recipient));
                 });
  c->add_option("RECIPIENT", o->recipient, kRecipientHelp)->required();
  c->add_option("NAME", o->name, "Policy name (lower-case letters, digits, hyphens)")->required();
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

/// A verb about one policy, `RECIPIENT NAME`: `action` gets the policy's path and the two names.
using PolicyAction = std::function<CallResult<void>(
    Api& api, const GlobalOptions& g, const std::string& path, const std::string& recipient,
    const std::string& name)>;

void PolicyVerb(CLI::App* noun, const std::string& verb, const std::string& description,
                const PolicyAction& action) {
  auto o = std::make_shared<std::pair<std::string, std::string>>();
  auto* c = Verb(noun, verb, description, [o, action](Api& api, const GlobalOptions& g) {
    return action(api, g, PoliciesPath(o->first) + "/" + EncodePathSegment(o->second), o->first,
                  o->second);
  });
  c->add_option("RECIPIENT", o->first, kRecipientHelp)->required();
  c->add_option("NAME", o->second, "Policy name")->required();
}

void AddTemplate(CLI::App* noun) {
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
  c->add_option("RECIPIENT", o->recipient, kRecipientHelp)->required();
  c->add_option("--policy", o->policy, "Which policy's issuer (default: the first)");
  c->add_option("--scope", o->scope, "The scope the partner requests from its IdP");
}

}  // namespace

void AddFederationPolicyCommands(CLI::App* admin) {
  CLI::App* noun =
      Noun(admin, "federation-policies",
           "Federation policies of OIDC_FEDERATION recipients (which tokens of the partner's own "
           "identity provider are accepted)");
  AddCreate(noun);
  NamedVerb(noun, "list", "List a recipient's federation policies", "RECIPIENT", kRecipientHelp,
            [](Api& api, const GlobalOptions& g, const std::string& recipient) {
              return ShowList(ListAll(api, PoliciesPath(recipient), {}, "policies"), g,
                              "policies",
                              {{"NAME", "name"},
                               {"ISSUER", "oidc_policy/issuer"},
                               {"AUDIENCES", "oidc_policy/audiences"},
                               {"CLAIM", "oidc_policy/subject_claim"},
                               {"SUBJECT", "oidc_policy/subject"},
                               {"CREATED", "create_time"}});
            });
  PolicyVerb(noun, "get", "Show a federation policy",
             [](Api& api, const GlobalOptions& g, const std::string& path, const std::string&,
                const std::string&) { return ShowObject(api.Call("GET", path), g); });
  PolicyVerb(noun, "delete",
             "Delete a federation policy (its tokens stop within the revocation delay)",
             [](Api& api, const GlobalOptions& g, const std::string& path,
                const std::string& recipient, const std::string& name) {
               return Done(api.Call("DELETE", path), g,
                           fmt::format("federation policy {} of recipient {} deleted", name,
                                       recipient));
             });
  AddTemplate(noun);
}

}  // namespace lakeshare::admin::cli
