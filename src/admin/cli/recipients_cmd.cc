// `lakeshare admin recipients ...`: create (prints the activation link), list, get, update,
// delete, rotate-token, share-permissions.

#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "admin/cli/args.h"
#include "admin/cli/client.h"
#include "admin/cli/command.h"
#include "admin/cli/nouns_internal.h"
#include "admin/cli/output.h"

namespace lakeshare::admin::cli {

/// The activation link of a RecipientInfo: the top-level field, else the newest token's.
std::string ActivationUrl(const Json& recipient) {
  if (const Json* url = Lookup(recipient, "activation_url");
      url && url->is_string() && !url->get<std::string>().empty()) {
    return url->get<std::string>();
  }
  std::string best;
  int64_t best_created = -1;
  if (const Json* tokens = Lookup(recipient, "tokens"); tokens && tokens->is_array()) {
    for (const Json& t : *tokens) {
      const Json* url = Lookup(t, "activation_url");
      if (url == nullptr || !url->is_string() || url->get<std::string>().empty()) {
        continue;
      }
      const Json* created = Lookup(t, "created_at");
      int64_t c = created && created->is_number_integer() ? created->get<int64_t>() : 0;
      if (c >= best_created) {
        best_created = c;
        best = url->get<std::string>();
      }
    }
  }
  return best;
}

namespace {

/// "72 hours" (or minutes, for a link living less than an hour).
std::string Lifetime(int64_t ms) {
  if (ms >= 3'600'000) {
    return fmt::format("{} hours", (ms + 1'800'000) / 3'600'000);
  }
  return fmt::format("{} minutes", std::max<int64_t>(1, ms / 60'000));
}

}  // namespace

std::string LinkExpiry(const Json& recipient) {
  std::string expiry;
  if (const Json* tokens = Lookup(recipient, "tokens"); tokens && tokens->is_array()) {
    for (const Json& t : *tokens) {
      const Json* created = Lookup(t, "created_at");
      const Json* expires = Lookup(t, "activation_url_expiration_time");
      if (Lookup(t, "activation_url") && created && expires && created->is_number_integer() &&
          expires->is_number_integer()) {
        expiry = fmt::format("expires in {} (at {})",
                             Lifetime(expires->get<int64_t>() - created->get<int64_t>()),
                             Cell(*expires, "expiration_time"));
      }
    }
  }
  return expiry;
}

namespace {

Json WithoutLinks(Json recipient) {
  recipient.erase("activation_url");
  if (auto it = recipient.find("tokens"); it != recipient.end() && it->is_array()) {
    for (Json& t : *it) {
      t.erase("activation_url");
    }
  }
  return recipient;
}

CallResult<Json> PropertiesJson(const std::vector<std::string>& props) {
  Json map = Json::object();
  for (const std::string& p : props) {
    auto kv = ParseProperty(p);
    if (!kv) {
      return tl::unexpected(UsageError(kv.error().message));
    }
    map[kv->first] = kv->second;
  }
  return map;
}

/// One row per bearer token and per issued, unused activation link.
std::vector<std::vector<std::string>> TokenRows(const Json& r) {
  std::vector<std::vector<std::string>> rows;
  std::set<std::string> links;
  auto str = [](const Json& o, const char* key) {
    const Json* v = Lookup(o, key);
    return v ? Cell(*v, key) : std::string();
  };
  if (const Json* tokens = Lookup(r, "tokens"); tokens && tokens->is_array()) {
    for (const Json& t : *tokens) {
      if (Lookup(t, "activation_url") != nullptr) {  // the link issued by this call
        links.insert(str(t, "id"));
        rows.push_back({str(t, "id"), "activation link, unused", str(t, "created_at"),
                        str(t, "activation_url_expiration_time")});
      } else {
        std::string expires = str(t, "expiration_time");
        rows.push_back({str(t, "id"), "bearer token", str(t, "created_at"),
                        expires.empty() ? "never" : expires});
      }
    }
  }
  if (const Json* pending = Lookup(r, "activation_links"); pending && pending->is_array()) {
    for (const Json& l : *pending) {
      if (links.insert(str(l, "id")).second) {
        rows.push_back({str(l, "id"), "activation link, unused", str(l, "created_at"),
                        str(l, "expiration_time")});
      }
    }
  }
  return rows;
}

void PrintRecipient(const Json& r, bool with_link) {
  PrintObject(WithoutLinks(r), {"tokens", "activation_links"});
  if (auto rows = TokenRows(r); !rows.empty()) {
    std::printf("\n");
    std::fputs(FormatTable({"ID", "KIND", "CREATED", "EXPIRES"}, rows).c_str(), stdout);
  }
  const std::string link = ActivationUrl(r);
  if (with_link && !link.empty()) {
    std::string expiry = LinkExpiry(r);
    if (!expiry.empty()) {
      expiry = " and " + expiry;
    }
    std::printf("\nactivation link (send it to the partner; it works once%s):\n  %s\n",
                expiry.c_str(), TerminalSafe(link).c_str());
  }
}

/// Set `expiration_time` of `body` from --expiration-time (a usage error when unreadable).
CallResult<void> SetExpiration(Json& body, const std::string& expiration, const GlobalOptions& g) {
  if (expiration.empty()) {
    return {};
  }
  auto t = ParseTimeArg(expiration, ClockOr(g.clock).NowMs(), /*future=*/true);
  if (!t) {
    return tl::unexpected(UsageError(t.error().message));
  }
  body["expiration_time"] = *t;
  return {};
}

struct CreateOpts {
  std::string name, comment, expiration, type = "TOKEN";
  std::vector<std::string> ips, props;
};

CallResult<void> CreateRecipient(const CreateOpts& o, Api& api, const GlobalOptions& g) {
  Json body = {{"name", o.name}, {"authentication_type", o.type}};
  SetIfGiven(body, "comment", o.comment);
  if (!o.ips.empty()) {
    body["ip_access_list"] = {{"allowed_ip_addresses", o.ips}};
  }
  if (!o.props.empty()) {
    auto props = PropertiesJson(o.props);
    if (!props) {
      return tl::unexpected(props.error());
    }
    body["properties_kvpairs"] = {{"properties", *props}};
  }
  if (auto st = SetExpiration(body, o.expiration, g); !st) {
    return st;
  }
  return Show(api.Uc("POST", "recipients", {}, &body), g, [&o](const Json& r) {
    std::printf("recipient %s created\n\n", o.name.c_str());
    PrintRecipient(r, true);
  });
}

void AddCreateRecipient(CLI::App* noun) {
  auto o = std::make_shared<CreateOpts>();
  auto* c = Verb(noun, "create", "Create a recipient and print its activation link",
                 [o](Api& api, const GlobalOptions& g) { return CreateRecipient(*o, api, g); });
  c->add_option("NAME", o->name, "Recipient name")->required();
  c->add_option("--type", o->type,
                "TOKEN (a bearer token), OAUTH_CLIENT_CREDENTIALS (a client id and secret for "
                "this server's token endpoint) or OIDC_FEDERATION (the partner's own identity "
                "provider; then add federation-policies)")
      ->check(CLI::IsMember({"TOKEN", "OAUTH_CLIENT_CREDENTIALS", "OIDC_FEDERATION"}))
      ->capture_default_str();
  c->add_option("--comment", o->comment, "Comment");
  c->add_option("--ip", o->ips, "Allowed IP address or CIDR range (repeatable)");
  c->add_option("--property", o->props, "Property KEY=VALUE (repeatable)");
  c->add_option("--expiration-time", o->expiration,
                "When its tokens stop working (ISO-8601, epoch ms, or 90d from now)");
}

CallResult<void> ListRecipients(Api& api, const GlobalOptions& g) {
  auto all = ListAll(api, std::string(kUcPrefix) + "recipients", {}, "recipients");
  if (!all) {
    return tl::unexpected(all.error());
  }
  for (Json& r : *all) {
    r = WithoutLinks(std::move(r));  // a listing never shows links
  }
  return ShowList(std::move(all), g, "recipients",
                  {{"NAME", "name"},
                   {"AUTH", "authentication_type"},
                   {"ACTIVATED", "activated"},
                   {"PROPERTIES", "properties_kvpairs"},
                   {"IP ACCESS LIST", "ip_access_list"},
                   {"CREATED", "created_at"}});
}

CallResult<void> GetRecipient(Api& api, const GlobalOptions& g, const std::string& name) {
  return Show(api.Uc("GET", "recipients/" + EncodePathSegment(name)), g,
              [](const Json& r) { PrintRecipient(r, true); });
}

struct UpdateOpts {
  std::string name, expiration;
  UpdateFlags flags;
  std::vector<std::string> ips, props, remove_props;
  bool clear_ips = false;
};

/// The recipient's properties with --property added and --remove-property removed. The update
/// replaces the whole map: read, modify, write.
CallResult<Json> UpdatedProperties(const UpdateOpts& o, Api& api) {
  auto current = api.Uc("GET", "recipients/" + EncodePathSegment(o.name));
  if (!current) {
    return tl::unexpected(current.error());
  }
  Json map = Json::object();
  if (const Json* p = Lookup(*current, "properties_kvpairs/properties"); p && p->is_object()) {
    map = *p;
  }
  auto add = PropertiesJson(o.props);
  if (!add) {
    return tl::unexpected(add.error());
  }
  for (auto it = add->begin(); it != add->end(); ++it) {
    map[it.key()] = it.value();
  }
  for (const std::string& k : o.remove_props) {
    map.erase(k);
  }
  return map;
}

CallResult<void> UpdateRecipient(const UpdateOpts& o, Api& api, const GlobalOptions& g) {
  Json body = o.flags.Body();
  if (!o.ips.empty() || o.clear_ips) {
    body["ip_access_list"] = {{"allowed_ip_addresses", o.ips}};
  }
  if (!o.props.empty() || !o.remove_props.empty()) {
    auto map = UpdatedProperties(o, api);
    if (!map) {
      return tl::unexpected(map.error());
    }
    body["properties_kvpairs"] = {{"properties", *map}};
  }
  if (auto st = SetExpiration(body, o.expiration, g); !st) {
    return st;
  }
  if (auto st = NeedChanges(body,
                            "--new-name, --comment, --owner, --ip, --clear-ip, "
                            "--property, --remove-property, --expiration-time");
      !st) {
    return st;
  }
  auto r = api.Uc("PATCH", "recipients/" + EncodePathSegment(o.name), {}, &body);
  if (!r) {
    return tl::unexpected(r.error());
  }
  if (g.json) {
    PrintJson(WithoutLinks(*r));
  } else {
    PrintRecipient(*r, false);
  }
  return {};
}

void AddUpdate(CLI::App* noun) {
  auto o = std::make_shared<UpdateOpts>();
  auto* c = Verb(noun, "update",
                 "Change a recipient: name, comment, owner, IP access list, properties, expiration",
                 [o](Api& api, const GlobalOptions& g) { return UpdateRecipient(*o, api, g); });
  c->add_option("NAME", o->name, "Recipient name")->required();
  o->flags.Add(c);
  c->add_option("--ip", o->ips, "Allowed IP address or CIDR (repeatable; replaces the list)");
  c->add_flag("--clear-ip", o->clear_ips, "Remove the IP access list (open to any address)");
  c->add_option("--property", o->props, "Set property KEY=VALUE (repeatable)");
  c->add_option("--remove-property", o->remove_props, "Remove property KEY (repeatable)");
  c->add_option("--expiration-time", o->expiration,
                "When its tokens stop working (ISO-8601, epoch ms, or 90d from now)");
}

CallResult<void> RotateToken(const std::string& name, int64_t seconds, Api& api,
                             const GlobalOptions& g) {
  Json body = {{"existing_token_expire_in_seconds", seconds}};
  return Show(api.Uc("POST", "recipients/" + EncodePathSegment(name) + "/rotate-token", {}, &body),
              g, [&](const Json& r) {
                std::printf("token of recipient %s rotated; the previous token expires in %lld s\n",
                            name.c_str(), static_cast<long long>(seconds));
                const std::string link = ActivationUrl(r);
                if (!link.empty()) {
                  const std::string expiry = LinkExpiry(r);
                  std::printf(
                      "new activation link (send it to the partner; it works once%s):\n  %s\n",
                      expiry.empty() ? "" : (" and " + expiry).c_str(), TerminalSafe(link).c_str());
                }
              });
}

void AddRotateToken(CLI::App* noun) {
  auto name = std::make_shared<std::string>();
  auto seconds = std::make_shared<int64_t>(-1);
  auto* c = Verb(
      noun, "rotate-token",
      "Issue a new token (and activation link); the current one expires within N seconds",
      [name, seconds](Api& api, const GlobalOptions& g) {
        return RotateToken(*name, *seconds, api, g);
      });
  c->add_option("NAME", *name, "Recipient name")->required();
  c->add_option("--existing-token-expire-in-seconds", *seconds,
                "Grace for the current token (0: revoke now; can only shorten)")
      ->required()
      ->check(CLI::NonNegativeNumber);
}

CallResult<void> ListSharePermissions(Api& api, const GlobalOptions& g, const std::string& name) {
  return ShowList(ListAll(api,
                          std::string(kUcPrefix) + "recipients/" + EncodePathSegment(name) +
                              "/share-permissions",
                          {}, "permissions_out"),
                  g, "permissions_out",
                  {{"SHARE", "share_name"}, {"PRIVILEGES", "privilege_assignments"}});
}

}  // namespace

void AddRecipientCommands(CLI::App* admin) {
  CLI::App* noun = Noun(admin, "recipients", "Recipients (one per partner)");
  const Collection recipients{std::string(kUcPrefix) + "recipients", "recipient", "NAME",
                              "Recipient name"};
  AddCreateRecipient(noun);
  Verb(noun, "list", "List recipients", ListRecipients);
  NamedVerb(noun, "get", "Show a recipient and its tokens", recipients.label, recipients.help,
            GetRecipient);
  AddUpdate(noun);
  DeleteVerb(noun, "Delete a recipient (its tokens stop working at once)", recipients);
  AddRotateToken(noun);
  NamedVerb(noun, "share-permissions", "List the shares a recipient may read", "NAME",
            "Recipient name", ListSharePermissions);
}

}  // namespace lakeshare::admin::cli
