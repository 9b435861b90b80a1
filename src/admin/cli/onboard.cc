#include "admin/cli/onboard.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "admin/cli/command.h"
#include "admin/cli/nouns_internal.h"
#include "admin/cli/output.h"
#include "common/quoted.h"
#include "common/strings.h"

namespace lakeshare::admin::cli {

CallResult<ExistingObjects> ExistingObjects::Load(Api& api, const std::vector<PartnerSpec>& specs) {
  ExistingObjects out;
  std::set<std::string> catalogs, schemas;  // named by the specs
  std::set<std::string> listed;             // catalogs whose schemas were listed
  for (const PartnerSpec& spec : specs) {
    for (const TableItem& t : spec.tables) {
      std::vector<std::string_view> parts = Split(t.name, '.');
      catalogs.insert(ToLower(parts[0]));
      schemas.insert(ToLower(std::string(parts[0]) + "." + std::string(parts[1])));
    }
  }
  auto names = [&](const std::string& path, std::vector<http::Field> query, const char* key,
                   const char* field, std::set<std::string>* into) -> CallResult<void> {
    auto all = ListAll(api, std::string(kUcPrefix) + path, query, key);
    if (!all) {
      return tl::unexpected(all.error());
    }
    for (const Json& item : *all) {
      if (const Json* n = Lookup(item, field); n && n->is_string()) {
        into->insert(ToLower(n->get<std::string>()));
      }
    }
    return {};
  };
  if (auto st = names("catalogs", {}, "catalogs", "name", &out.catalogs); !st) {
    return tl::unexpected(st.error());
  }
  for (const std::string& schema : schemas) {
    const std::string catalog = schema.substr(0, schema.find('.'));
    if (!out.catalogs.count(catalog)) {
      continue;
    }
    if (listed.insert(catalog).second) {
      // One listing per catalog gives all its schemas.
      if (auto st =
              names("schemas", {{"catalog_name", catalog}}, "schemas", "full_name", &out.schemas);
          !st) {
        return tl::unexpected(st.error());
      }
    }
    if (out.schemas.count(schema)) {
      if (auto st = names(
              "tables",
              {{"catalog_name", catalog}, {"schema_name", schema.substr(schema.find('.') + 1)}},
              "tables", "full_name", &out.tables);
          !st) {
        return tl::unexpected(st.error());
      }
    }
  }
  if (auto st = names("shares", {}, "shares", "name", &out.shares); !st) {
    return tl::unexpected(st.error());
  }
  if (auto st = names("recipients", {}, "recipients", "name", &out.recipients); !st) {
    return tl::unexpected(st.error());
  }
  out.loaded = true;
  return out;
}

bool ExistingObjects::Absent(const std::set<std::string>& set, const std::string& name) const {
  return loaded && !set.count(ToLower(name));
}

Onboarder::Onboarder(const OnboardOptions& o, const ExistingObjects& existing)
    : options_(o), existing_(existing) {
  for (int k = 0; k < kKinds; ++k) {
    created_[k] = 0;
    present_[k] = 0;
  }
}

PartnerOutcome Onboarder::Run(Api& api, const PartnerSpec& spec) {
  PartnerOutcome out;
  out.partner = spec.partner;
  out.share = spec.share;
  out.line = spec.line;
  auto fail = [&](std::string step, CallError e) {
    out.status = PartnerOutcome::Status::kFailed;
    out.step = std::move(step);
    out.error = std::move(e);
    return out;
  };
  for (const TableItem& t : spec.tables) {
    if (auto st = EnsureTable(api, t); !st) {
      return fail("register table " + t.name, st.error());
    }
  }
  if (auto st = EnsureShare(api, spec); !st) {
    return fail("share " + spec.share, st.error());
  }
  bool changed = false;
  auto recipient = EnsureRecipient(api, spec, &out, &changed);
  if (!recipient) {
    return fail("recipient " + spec.partner, recipient.error());
  }
  auto granted = EnsureGrant(api, spec, *recipient);
  if (!granted) {
    return fail("grant " + spec.share + " to " + spec.partner, granted.error());
  }
  changed = changed || *granted;
  out.status = changed ? PartnerOutcome::Status::kCreated : PartnerOutcome::Status::kPresent;
  return out;
}

Onboarder::Entry& Onboarder::Get(const std::string& key) {
  MutexLock lock(mu_);
  return entries_.try_emplace(key).first->second;
}

CallResult<void> Onboarder::Ensure(Api& api, Kind kind, bool absent, const std::string& key,
                                   const std::string& path, const std::string& create_path,
                                   const Json& body,
                                   const std::function<CallResult<void>()>& before_create) {
  Entry& entry = Get(key);
  MutexLock lock(entry.mu);
  if (entry.done) {
    return {};
  }
  if (!absent) {
    auto got = api.Uc("GET", path);
    if (got) {
      Count(kind, false);
      entry.done = true;
      return {};
    }
    if (!got.error().not_found()) {
      return tl::unexpected(got.error());
    }
  }
  if (before_create) {
    if (auto st = before_create(); !st) {
      return st;
    }
  }
  auto made = api.Uc("POST", create_path, {}, &body);
  if (!made && !made.error().already_exists()) {
    return tl::unexpected(made.error());
  }
  Count(kind, static_cast<bool>(made));
  entry.done = true;
  return {};
}

CallResult<void> Onboarder::EnsureTable(Api& api, const TableItem& t) {
  std::vector<std::string_view> parts = Split(t.name, '.');
  const std::string catalog(parts[0]);
  const std::string schema = catalog + "." + std::string(parts[1]);
  Entry& entry = Get("table:" + t.name);
  {
    MutexLock lock(entry.mu);
    if (entry.done) {
      return {};
    }
  }
  const bool absent = existing_.Absent(existing_.tables, t.name);
  if (t.location.empty()) {
    MutexLock lock(entry.mu);
    if (entry.done) {  // another worker checked it while this one waited for the lock
      return {};
    }
    auto got = absent ? CallResult<Json>(tl::unexpected(CallError{404, "TABLE_DOES_NOT_EXIST", ""}))
                      : api.Uc("GET", "tables/" + EncodePathSegment(t.name));
    if (!got) {
      if (got.error().not_found()) {
        return tl::unexpected(
            CallError{404, got.error().error_code,
                      fmt::format("table {} is not registered; give its location as {}=LOCATION",
                                  t.name, t.name)});
      }
      return tl::unexpected(got.error());
    }
    Count(kTable, false);
    entry.done = true;
    return {};
  }
  return Ensure(
      api, kTable, absent, "table:" + t.name, "tables/" + EncodePathSegment(t.name), "tables",
      TableBody(t, ""), [&]() -> CallResult<void> {
        if (auto st = Ensure(api, kCatalog, existing_.Absent(existing_.catalogs, catalog),
                             "catalog:" + catalog, "catalogs/" + EncodePathSegment(catalog),
                             "catalogs", Json{{"name", catalog}});
            !st) {
          return st;
        }
        return Ensure(api, kSchema, existing_.Absent(existing_.schemas, schema), "schema:" + schema,
                      "schemas/" + EncodePathSegment(schema), "schemas",
                      Json{{"name", std::string(parts[1])}, {"catalog_name", catalog}});
      });
}

CallResult<void> Onboarder::EnsureShare(Api& api, const PartnerSpec& spec) {
  Entry& entry = Get("share:" + ToLower(spec.share));
  MutexLock lock(entry.mu);
  const std::string path = "shares/" + EncodePathSegment(spec.share);
  if (!entry.done) {
    auto loaded = existing_.Absent(existing_.shares, spec.share)
                      ? CallResult<void>(tl::unexpected(CallError{404, "", ""}))
                      : LoadShareObjects(api, path, entry);
    if (!loaded && loaded.error().not_found()) {
      Json body = {{"name", spec.share}};
      auto made = api.Uc("POST", "shares", {}, &body);
      if (!made && !made.error().already_exists()) {
        return tl::unexpected(made.error());
      }
      Count(kShare, static_cast<bool>(made));
      entry.objects.clear();
      if (!made) {
        loaded = LoadShareObjects(api, path, entry);
      } else {
        loaded = {};
      }
    } else if (loaded) {
      Count(kShare, false);
    }
    if (!loaded) {
      return loaded;
    }
    entry.done = true;
  }
  // Tables not yet in the share, added in one update (at most 100 per call, as UC allows).
  for (int attempt = 0;; ++attempt) {
    Json updates = Json::array();
    std::vector<std::string> adding;
    for (const TableItem& t : spec.tables) {
      if (entry.objects.count(t.name)) {
        continue;
      }
      std::vector<PartitionItem> parts;
      for (const PartitionItem& p : spec.partitions) {
        if (p.table == t.name || t.name.substr(t.name.rfind('.') + 1) == p.table) {
          parts.push_back(p);
        }
      }
      auto partitions = PartitionsJson(parts);
      updates.push_back({{"action", "ADD"},
                         {"data_object", DataObject(t.name, options_.with_history, /*cdf=*/false,
                                                    "", -1, "", *partitions)}});
      adding.push_back(t.name);
      if (updates.size() == 100) {
        break;
      }
    }
    if (updates.empty()) {
      for (const TableItem& t : spec.tables) {
        if (entry.counted.insert(t.name).second) {
          Count(kShareTable, false);
        }
      }
      return {};
    }
    Json body = {{"updates", updates}};
    auto r = api.Uc("PATCH", path, {}, &body);
    if (!r) {
      if (r.error().already_exists() && attempt == 0) {
        // Added by someone else meanwhile: reload and add what is still missing.
        if (auto st = LoadShareObjects(api, path, entry); !st) {
          return st;
        }
        continue;
      }
      return tl::unexpected(r.error());
    }
    for (const std::string& n : adding) {
      entry.objects.insert(n);
      entry.counted.insert(n);
      Count(kShareTable, true);
    }
    if (options_.with_history) {
      NoteTablesWithoutChanges(*r, adding);
    }
  }
}

CallResult<void> Onboarder::LoadShareObjects(Api& api, const std::string& path, Entry& share) {
  auto got = api.Uc("GET", path, {{"include_shared_data", "true"}});
  if (!got) {
    return tl::unexpected(got.error());
  }
  share.objects.clear();
  if (const Json* objects = Lookup(*got, "objects"); objects && objects->is_array()) {
    for (const Json& o : *objects) {
      if (const Json* n = Lookup(o, "name"); n && n->is_string()) {
        share.objects.insert(ToLower(n->get<std::string>()));
      }
    }
  }
  return {};
}

void Onboarder::NoteTablesWithoutChanges(const Json& share, const std::vector<std::string>& added) {
  const Json* objects = Lookup(share, "objects");
  if (objects == nullptr || !objects->is_array()) {
    return;
  }
  MutexLock lock(mu_);
  for (const Json& o : *objects) {
    const Json* name = Lookup(o, "name");
    const Json* served = Lookup(o, "changes_served");
    if (name && name->is_string() && served && served->is_boolean() && !served->get<bool>() &&
        std::find(added.begin(), added.end(), name->get<std::string>()) != added.end()) {
      notes_.push_back(name->get<std::string>());
    }
  }
}

std::vector<std::string> Onboarder::TablesWithoutChanges() {
  MutexLock lock(mu_);
  return notes_;
}

std::string RecipientSettingsLeft(const Json& existing, const PartnerSpec& spec) {
  std::string flags;
  const Json* has = Lookup(existing, "properties_kvpairs/properties");
  for (const auto& [key, value] : spec.properties) {
    // Exact keys: the server resolves `@key` in partition and row filters case-sensitively, so
    // a held `COUNTRY` leaves a `country=@country` filter matching nothing.
    bool held = false;
    if (has != nullptr && has->is_object()) {
      const auto it = has->find(key);
      held = it != has->end() && it->is_string() && it->get<std::string>() == value;
    }
    if (!held) flags += " --property " + ShellQuote(key + "=" + value);
  }
  if (!spec.ip_access_list.empty()) {
    std::set<std::string> held;
    if (const Json* ips = Lookup(existing, "ip_access_list/allowed_ip_addresses");
        ips != nullptr && ips->is_array()) {
      for (const Json& ip : *ips) {
        if (ip.is_string()) held.insert(ip.get<std::string>());
      }
    }
    if (held != std::set<std::string>(spec.ip_access_list.begin(), spec.ip_access_list.end())) {
      for (const std::string& ip : spec.ip_access_list) flags += " --ip " + ShellQuote(ip);
    }
  }
  return flags.empty() ? ""
                       : "lakeshare admin recipients update " + ShellQuote(spec.partner) + flags;
}

CallResult<bool> Onboarder::EnsureRecipient(Api& api, const PartnerSpec& spec, PartnerOutcome* out,
                                            bool* changed) {
  const std::string path = "recipients/" + EncodePathSegment(spec.partner);
  auto got = existing_.Absent(existing_.recipients, spec.partner)
                 ? CallResult<Json>(tl::unexpected(CallError{404, "", ""}))
                 : api.Uc("GET", path);
  if (!got && !got.error().not_found()) {
    return tl::unexpected(got.error());
  }
  if (got) {
    Count(kRecipient, false);
    out->settings_left = RecipientSettingsLeft(*got, spec);
    const Json* activated = Lookup(*got, "activated");
    const bool is_activated = activated && activated->is_boolean() && activated->get<bool>();
    const bool rotate = is_activated ? options_.rotate_activated
                                     : options_.reissue_links || options_.rotate_activated;
    if (rotate) {
      Json body = {{"existing_token_expire_in_seconds",
                    is_activated ? options_.existing_token_expire_in_seconds : 0}};
      auto r = api.Uc("POST", path + "/rotate-token", {}, &body);
      if (!r) {
        return tl::unexpected(r.error());
      }
      out->activation_url = ActivationUrl(*r);
      out->link_expiry = LinkExpiry(*r);
      *changed = true;
    } else if (!is_activated) {
      out->activation_url = ActivationUrl(*got);
      out->unactivated_without_link = out->activation_url.empty();
    }
    return false;
  }
  Json body = {{"name", spec.partner}, {"authentication_type", "TOKEN"}};
  SetIfGiven(body, "comment", spec.comment);
  if (!spec.ip_access_list.empty()) {
    body["ip_access_list"] = {{"allowed_ip_addresses", spec.ip_access_list}};
  }
  if (!spec.properties.empty()) {
    Json map = Json::object();
    for (const auto& [k, v] : spec.properties) {
      map[k] = v;
    }
    body["properties_kvpairs"] = {{"properties", map}};
  }
  auto made = api.Uc("POST", "recipients", {}, &body);
  if (!made) {
    if (made.error().already_exists()) {
      Count(kRecipient, false);  // created by a concurrent run
      return false;
    }
    return tl::unexpected(made.error());
  }
  Count(kRecipient, true);
  out->activation_url = ActivationUrl(*made);
  out->link_expiry = LinkExpiry(*made);
  *changed = true;
  return true;
}

CallResult<bool> Onboarder::EnsureGrant(Api& api, const PartnerSpec& spec, bool recipient_is_new) {
  if (!recipient_is_new) {
    auto perms = ListAll(api,
                         std::string(kUcPrefix) + "recipients/" + EncodePathSegment(spec.partner) +
                             "/share-permissions",
                         {}, "permissions_out");
    if (!perms) {
      return tl::unexpected(perms.error());
    }
    for (const Json& p : *perms) {
      const Json* name = Lookup(p, "share_name");
      if (name && name->is_string() && ToLower(name->get<std::string>()) == ToLower(spec.share)) {
        Count(kGrant, false);
        return false;
      }
    }
  }
  Json body = {{"changes", Json::array({Json{{"principal", spec.partner},
                                             {"add", Json::array({"SELECT"})}}})}};
  auto r = api.Uc("PATCH", "shares/" + EncodePathSegment(spec.share) + "/permissions", {}, &body);
  if (!r) {
    return tl::unexpected(r.error());
  }
  Count(kGrant, true);
  return true;
}
}  // namespace lakeshare::admin::cli
