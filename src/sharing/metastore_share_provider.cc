#include "sharing/metastore_share_provider.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>
#include <vector>

#include "auth/recipient_ip_gate.h"
#include "common/quoted.h"
#include "common/strings.h"
#include "sharing/registered_store.h"
#include "sharing/ttl_cache_internal.h"

namespace lakeshare::sharing {

namespace {

tl::unexpected<Error> ShareNotFound(std::string_view share) {
  return NotFound("Share '{}' does not exist or is not shared with you", share);
}

tl::unexpected<Error> TableNotFound(std::string_view share, std::string_view schema,
                                    std::string_view table) {
  return NotFound("Table {} does not exist or is not shared with you",
                  Quoted(fmt::format("{}.{}.{}", share, schema, table)));
}

/// A table whose root no external location contains any more (dropped or narrowed after it was
/// registered): refused, naming neither its location nor the provider's locations.
tl::unexpected<Error> TableNotGoverned(std::string_view share, std::string_view schema,
                                       std::string_view table) {
  return PermissionDenied(
      "Table '{}.{}.{}' cannot be served now: its storage is no longer inside a location the "
      "provider allows sharing from; ask the provider to restore it",
      share, schema, table);
}

struct RecipientEntry {
  bool exists = false;
  std::string name;
  std::string id;                   // catalog::RecipientInfo::id: what signed file URLs bind to
  std::vector<std::string> shares;  // granted SELECT, canonical names, sorted by lower-cased name
  std::map<std::string, std::string> properties;
  auth::RecipientIpGate ips;  // for signed file URLs
};

// One `partitions[].values[]` condition before the recipient's properties are known.
struct ConditionTemplate {
  std::string column;
  PartitionCondition::Op op = PartitionCondition::Op::kEqual;
  std::optional<std::string> value;
  std::optional<std::string> property_key;
};

struct PartitionsTemplate {
  bool invalid = false;  // unparsable: the table is invisible (fail closed)
  std::optional<std::vector<std::vector<ConditionTemplate>>> clauses;  // nullopt: no filter
};

struct SharedTable {
  std::string key;  // lower(schema) \x1f lower(name)
  TableInfo info;   // without partition_rule
  PartitionsTemplate partitions;
  /// Whether an external location still contains the table's root (storage governance, checked
  /// when the share is read from the catalog): when not, the table is listed but never served.
  bool governed = true;
  std::string recipient_view_json;  // row filter, columns, masks (catalog.h); "" = none
};

// The shared table's row filter, columns and masks for a recipient of `properties`; false when
// they cannot be read (the table is then invisible: fail closed).
bool ResolveView(const std::string& text, const std::map<std::string, std::string>& properties,
                 RecipientView& view) {
  if (text.empty()) {
    return true;
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) {
    return false;
  }
  if (j.contains("row_filter")) {
    if (!j["row_filter"].is_string()) {
      return false;
    }
    auto filter = materialize::RowFilter::Resolve(j["row_filter"].get<std::string>(), properties);
    if (!filter) {
      return false;
    }
    view.row_filter = std::make_shared<const materialize::RowFilter>(std::move(*filter));
  }
  if (j.contains("columns")) {
    for (const auto& c : j["columns"]) {
      if (!c.is_string()) {
        return false;
      }
      view.columns.push_back(c.get<std::string>());
    }
  }
  if (j.contains("column_masks")) {
    for (const auto& [column, kind] : j["column_masks"].items()) {
      if (!kind.is_string()) {
        return false;
      }
      view.column_masks[column] = kind.get<std::string>();
    }
  }
  return true;
}

struct ShareEntry {
  bool exists = false;
  ShareInfo info;
  std::vector<SharedTable> tables;  // sorted by key
};

// Unity Catalog `partitions`: [{"values": [{"name", "op": EQUAL|LIKE, "value" |
// "recipient_property_key"}]}]; "value unset = NULL".
PartitionsTemplate ParsePartitions(std::string_view text) {
  PartitionsTemplate out;
  if (Trim(text, " \t\r\n").empty()) {  // JSON's white space (RFC 8259 §2) only
    return out;
  }
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) {
    out.invalid = true;
    return out;
  }
  if (j.empty()) {
    return out;
  }
  std::vector<std::vector<ConditionTemplate>> clauses;
  for (const auto& entry : j) {
    auto values = entry.is_object() ? entry.find("values") : entry.end();
    if (!entry.is_object() || values == entry.end() || !values->is_array() || values->empty()) {
      out.invalid = true;
      return out;
    }
    std::vector<ConditionTemplate> clause;
    for (const auto& v : *values) {
      if (!v.is_object() || !v.contains("name") || !v["name"].is_string() ||
          v["name"].get<std::string>().empty()) {
        out.invalid = true;
        return out;
      }
      ConditionTemplate c;
      c.column = v["name"].get<std::string>();
      std::string op = v.contains("op") && v["op"].is_string() ? v["op"].get<std::string>() : "";
      op = ToLower(op);
      if (op == "equal") {
        c.op = PartitionCondition::Op::kEqual;
      } else if (op == "like") {
        c.op = PartitionCondition::Op::kLike;
      } else {
        out.invalid = true;
        return out;
      }
      auto key = v.find("recipient_property_key");
      auto value = v.find("value");
      const bool has_value = value != v.end() && !value->is_null();
      if (key != v.end() && !key->is_null()) {
        if (!key->is_string() || has_value) {
          out.invalid = true;
          return out;
        }
        c.property_key = key->get<std::string>();
      } else if (has_value) {
        if (value->is_string()) {
          c.value = value->get<std::string>();
        } else if (value->is_number() || value->is_boolean()) {
          c.value = value->dump();
        } else {
          out.invalid = true;
          return out;
        }
      }
      clause.push_back(std::move(c));
    }
    clauses.push_back(std::move(clause));
  }
  out.clauses = std::move(clauses);
  return out;
}

// The table as recipient `r` sees it; nullopt when it must stay invisible.
std::optional<TableInfo> Resolve(const SharedTable& t, const RecipientEntry& r) {
  const std::map<std::string, std::string>& properties = r.properties;
  if (t.partitions.invalid) {
    return std::nullopt;
  }
  TableInfo info = t.info;
  info.recipient_id = r.id;
  if (!ResolveView(t.recipient_view_json, properties, info.view)) {
    return std::nullopt;
  }
  if (!t.partitions.clauses) {
    return info;
  }
  std::vector<PartitionClause> rule;
  for (const auto& clause : *t.partitions.clauses) {
    PartitionClause resolved;
    bool complete = true;
    for (const ConditionTemplate& c : clause) {
      PartitionCondition pc;
      pc.column = c.column;
      pc.op = c.op;
      if (c.property_key) {
        auto it = properties.find(*c.property_key);
        if (it == properties.end()) {
          complete = false;  // fail closed: an entry naming a missing property matches nothing
          break;
        }
        pc.value = it->second;
      } else {
        pc.value = c.value;
      }
      resolved.push_back(std::move(pc));
    }
    if (complete) {
      rule.push_back(std::move(resolved));
    }
  }
  if (rule.empty()) {
    return std::nullopt;
  }
  info.partition_rule = std::move(rule);
  return info;
}

std::string SchemaOf(const SharedTable& t) { return t.key.substr(0, t.key.find('\x1f')); }

}  // namespace

struct MetastoreShareProvider::Impl {
  catalog::Catalog& catalog;
  MetastoreProviderOptions options;
  TtlCache<std::shared_ptr<const RecipientEntry>> recipients;
  TtlCache<std::shared_ptr<const ShareEntry>> shares;
  std::atomic<int64_t> recipient_hits{0}, recipient_misses{0}, share_hits{0}, share_misses{0};

  Impl(catalog::Catalog& c, MetastoreProviderOptions o)
      : catalog(c),
        options(std::move(o)),
        recipients(options.max_recipients),
        shares(options.max_shares) {}

  int64_t Now() const { return ClockOr(options.clock).NowMs(); }

  Result<std::shared_ptr<const RecipientEntry>> LookupRecipient(std::string_view name,
                                                                int64_t now) {
    if (auto hit = recipients.Get(ToLower(name), now)) {
      ++recipient_hits;
      return *hit;
    }
    return LoadRecipient(name, nullptr, now);
  }

  // Read a recipient's grants (and the recipient itself unless `known` is given) and cache them.
  Result<std::shared_ptr<const RecipientEntry>> LoadRecipient(std::string_view name,
                                                              const catalog::RecipientInfo* known,
                                                              int64_t now) {
    ++recipient_misses;
    std::string key = ToLower(name);
    const uint64_t gen = recipients.generation();
    auto entry = std::make_shared<RecipientEntry>();
    Result<catalog::RecipientInfo> info =
        known ? Result<catalog::RecipientInfo>(*known) : catalog.GetRecipient(name);
    if (!info && info.error().code != ErrorCode::kNotFound) {
      return tl::unexpected<Error>(info.error());
    }
    if (info) {
      auto grants = catalog.ListRecipientShareGrants(name);
      if (!grants && grants.error().code != ErrorCode::kNotFound) {
        return tl::unexpected<Error>(grants.error());
      }
      if (grants) {
        entry->exists = true;
        entry->name = info->name;
        entry->id = info->id;
        entry->properties = std::move(info->properties);
        entry->ips = auth::RecipientIpGate::From(info->ip_access_list);
        for (const catalog::ShareGrant& g : *grants) {
          if (std::find(g.privileges.begin(), g.privileges.end(), catalog::Privilege::kSelect) !=
              g.privileges.end()) {
            entry->shares.push_back(g.share_name);
          }
        }
        std::sort(
            entry->shares.begin(), entry->shares.end(),
            [](const std::string& a, const std::string& b) { return ToLower(a) < ToLower(b); });
      }
    }
    recipients.PutIfGeneration(std::move(key), entry, now + options.ttl_ms, gen);
    return entry;
  }

  using ShareMap = std::map<std::string, std::shared_ptr<const ShareEntry>>;  // by lower name

  Result<std::shared_ptr<const ShareEntry>> LookupShare(std::string_view name, int64_t now) {
    LS_ASSIGN_OR_RETURN(ShareMap found, LookupShares({std::string(name)}, now));
    return found.begin()->second;
  }

  // Every share of `names` (absent ones as an entry that does not exist). The ones not cached
  // are read together in one metastore call with a fixed number of statements, not one call per
  // share and table, and cached.
  Result<ShareMap> LookupShares(const std::vector<std::string>& names, int64_t now) {
    ShareMap found;
    std::vector<std::string> missing;
    for (const std::string& name : names) {
      std::string key = ToLower(name);
      if (auto hit = shares.Get(key, now)) {
        ++share_hits;
        found.emplace(std::move(key), std::move(*hit));
      } else {
        missing.push_back(name);
      }
    }
    if (missing.empty()) {
      return found;
    }
    share_misses += static_cast<int64_t>(missing.size());
    const uint64_t gen = shares.generation();
    LS_ASSIGN_OR_RETURN(std::vector<catalog::ShareContents> contents,
                        catalog.GetSharesWithTables(missing));
    for (const catalog::ShareContents& sc : contents) {
      std::shared_ptr<ShareEntry> entry = BuildShare(sc);
      LS_RETURN_IF_ERROR(CheckGoverned(*entry));
      found.emplace(ToLower(sc.share.name), std::move(entry));
    }
    for (const std::string& name : missing) {
      std::string key = ToLower(name);
      auto [it, inserted] = found.try_emplace(key, std::make_shared<const ShareEntry>());
      shares.PutIfGeneration(std::move(key), it->second, now + options.ttl_ms, gen);
    }
    return found;
  }

  // Storage governance at serve time (issue 10): each table's root must still lie inside an
  // external location (whose credential, if any, opens). One catalog read per table of a share
  // read from the catalog (then cached like the share). Fail closed: a table outside every
  // location, or whose location's credential is gone or damaged, is not served; only an
  // unreachable metastore is an error of the request.
  Status CheckGoverned(ShareEntry& entry) {
    if (!options.require_external_location) {
      return OkStatus();
    }
    for (SharedTable& t : entry.tables) {
      auto access = catalog.ResolveStorageAccess(t.info.location);
      if (!access) {
        if (access.error().code == ErrorCode::kUnavailable) {
          return tl::unexpected<Error>(access.error());
        }
        t.governed = false;
        continue;
      }
      if (const std::optional<catalog::AwsCredential>& c = access->credential) {
        ApplyStoreCredential(*c, t.info.store_keys, t.info.store_profile);
      }
    }
    return OkStatus();
  }

  // A local table is served from the folder its registration was checked against, following no
  // link on that path (registered_store.h). Other locations are kept.
  static void ServeRegisteredFolder(std::string_view key, TableInfo& info) {
    RegisteredRoot root = RegisteredTableRoot(key, info.location);
    info.location = std::move(root.location);
    info.root_resolved = root.without_symlinks;
  }

  static std::shared_ptr<ShareEntry> BuildShare(const catalog::ShareContents& sc) {
    auto entry = std::make_shared<ShareEntry>();
    const catalog::ShareInfo& share = sc.share;
    entry->exists = true;
    entry->info.name = share.name;
    entry->info.id = share.id;
    if (!share.comment.empty()) {
      entry->info.comment = share.comment;
    }
    for (size_t i = 0; i < share.objects.size() && i < sc.tables.size(); ++i) {
      const catalog::SharedDataObject& o = share.objects[i];
      const std::optional<catalog::TableInfo>& table = sc.tables[i];
      if (!table || ToLower(o.status) != "active") {
        continue;  // dropped since it was shared, or not active
      }
      std::vector<std::string_view> parts = Split(o.shared_as, '.');
      if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
        continue;
      }
      SharedTable t;
      t.key = ToLower(parts[0]) + '\x1f' + ToLower(parts[1]);
      t.info.schema = std::string(parts[0]);
      t.info.name = std::string(parts[1]);
      t.info.share = share.name;
      t.info.share_id = share.id;
      t.info.id = table->id;
      t.info.location = table->storage_location;
      ServeRegisteredFolder(table->location_key, t.info);
      t.info.source_name = o.name;
      t.info.history_shared = ToLower(o.history_data_sharing_status) == "enabled";
      // Unity Catalog: sharing WITH HISTORY covers the change data feed too; the older
      // cdf_enabled flag shares it on its own.
      t.info.cdf_shared = t.info.history_shared || o.cdf_enabled;
      t.info.start_version = std::max<int64_t>(0, o.start_version.value_or(0));
      t.partitions = ParsePartitions(o.partitions_json);
      t.recipient_view_json = o.recipient_view_json;
      entry->tables.push_back(std::move(t));
    }
    std::sort(entry->tables.begin(), entry->tables.end(),
              [](const SharedTable& a, const SharedTable& b) { return a.key < b.key; });
    return entry;
  }

  // The share named `share` if `r` holds SELECT on it; null when not.
  Result<std::shared_ptr<const ShareEntry>> GrantedShare(const RecipientEntry& r,
                                                         std::string_view share, int64_t now) {
    const std::string key = ToLower(share);
    bool granted = false;
    for (const std::string& s : r.shares) {
      granted = granted || ToLower(s) == key;
    }
    if (!granted) {
      return std::shared_ptr<const ShareEntry>();
    }
    LS_ASSIGN_OR_RETURN(auto entry, LookupShare(share, now));
    if (!entry->exists) {
      return std::shared_ptr<const ShareEntry>();
    }
    return entry;
  }

  struct View {
    std::shared_ptr<const RecipientEntry> recipient;
    std::shared_ptr<const ShareEntry> share;
  };

  Result<View> VisibleShare(const Recipient& recipient, std::string_view share) {
    const int64_t now = Now();
    View v;
    LS_ASSIGN_OR_RETURN(v.recipient, LookupRecipient(recipient.name, now));
    if (!v.recipient->exists) {
      return ShareNotFound(share);
    }
    LS_ASSIGN_OR_RETURN(v.share, GrantedShare(*v.recipient, share, now));
    if (!v.share) {
      return ShareNotFound(share);
    }
    return v;
  }
};

MetastoreShareProvider::MetastoreShareProvider(catalog::Catalog& catalog,
                                               MetastoreProviderOptions options)
    : impl_(std::make_unique<Impl>(catalog, std::move(options))) {}

MetastoreShareProvider::~MetastoreShareProvider() = default;

Status MetastoreShareProvider::RememberRecipient(const catalog::RecipientInfo& recipient) {
  const int64_t now = impl_->Now();
  if (impl_->options.ttl_ms > 0 && !impl_->recipients.Get(ToLower(recipient.name), now)) {
    LS_RETURN_IF_ERROR(impl_->LoadRecipient(recipient.name, &recipient, now));
  }
  return OkStatus();
}

Result<ListPage<ShareInfo>> MetastoreShareProvider::ListShares(const Recipient& recipient,
                                                               const ListOptions& options) const {
  const int64_t now = impl_->Now();
  LS_ASSIGN_OR_RETURN(auto r, impl_->LookupRecipient(recipient.name, now));
  LS_ASSIGN_OR_RETURN(Impl::ShareMap shares, impl_->LookupShares(r->shares, now));
  ListPage<ShareInfo> page;
  for (const std::string& name : r->shares) {
    if (!options.after.empty() && ToLower(name) <= options.after) {
      continue;
    }
    const auto& share = shares.at(ToLower(name));
    if (!share->exists) {
      continue;
    }
    if (static_cast<int>(page.items.size()) >= options.limit) {
      page.more = true;
      break;
    }
    page.items.push_back(share->info);
  }
  return page;
}

Result<ShareInfo> MetastoreShareProvider::GetShare(const Recipient& recipient,
                                                   std::string_view share) const {
  LS_ASSIGN_OR_RETURN(Impl::View v, impl_->VisibleShare(recipient, share));
  return v.share->info;
}

Result<ListPage<SchemaInfo>> MetastoreShareProvider::ListSchemas(const Recipient& recipient,
                                                                 std::string_view share,
                                                                 const ListOptions& options) const {
  LS_ASSIGN_OR_RETURN(Impl::View v, impl_->VisibleShare(recipient, share));
  ListPage<SchemaInfo> page;
  std::string last;  // lower-cased schema of the last visible table seen
  for (const SharedTable& t : v.share->tables) {
    std::string schema = SchemaOf(t);
    if (schema == last || (!options.after.empty() && schema <= options.after)) {
      continue;
    }
    if (!Resolve(t, *v.recipient)) {
      continue;
    }
    last = schema;
    if (static_cast<int>(page.items.size()) >= options.limit) {
      page.more = true;
      break;
    }
    page.items.push_back(SchemaInfo{t.info.schema, v.share->info.name});
  }
  return page;
}

Result<ListPage<TableInfo>> MetastoreShareProvider::ListTables(const Recipient& recipient,
                                                               std::string_view share,
                                                               std::string_view schema,
                                                               const ListOptions& options) const {
  auto v = impl_->VisibleShare(recipient, share);
  if (!v) {
    if (v.error().code != ErrorCode::kNotFound) {
      return tl::unexpected<Error>(v.error());
    }
    return NotFound("Schema '{}.{}' does not exist or is not shared with you", share, schema);
  }
  const std::string schema_key = ToLower(schema);
  ListPage<TableInfo> page;
  bool schema_seen = false;
  for (const SharedTable& t : v->share->tables) {
    if (SchemaOf(t) != schema_key) {
      continue;
    }
    auto info = Resolve(t, *v->recipient);
    if (!info) {
      continue;
    }
    schema_seen = true;
    if (!options.after.empty() && ToLower(info->name) <= options.after) {
      continue;
    }
    if (static_cast<int>(page.items.size()) >= options.limit) {
      page.more = true;
      break;
    }
    page.items.push_back(std::move(*info));
  }
  if (!schema_seen) {
    return NotFound("Schema '{}.{}' does not exist or is not shared with you", share, schema);
  }
  return page;
}

Result<ListPage<TableInfo>> MetastoreShareProvider::ListAllTables(
    const Recipient& recipient, std::string_view share, const ListOptions& options) const {
  LS_ASSIGN_OR_RETURN(Impl::View v, impl_->VisibleShare(recipient, share));
  ListPage<TableInfo> page;
  for (const SharedTable& t : v.share->tables) {
    if (!options.after.empty() && t.key <= options.after) {
      continue;
    }
    auto info = Resolve(t, *v.recipient);
    if (!info) {
      continue;
    }
    if (static_cast<int>(page.items.size()) >= options.limit) {
      page.more = true;
      break;
    }
    page.items.push_back(std::move(*info));
  }
  return page;
}

Result<TableInfo> MetastoreShareProvider::GetTable(const Recipient& recipient,
                                                   std::string_view share, std::string_view schema,
                                                   std::string_view table) const {
  auto v = impl_->VisibleShare(recipient, share);
  if (!v) {
    if (v.error().code == ErrorCode::kNotFound) {
      return TableNotFound(share, schema, table);
    }
    return tl::unexpected<Error>(v.error());
  }
  const std::string key = ToLower(schema) + '\x1f' + ToLower(table);
  auto it = std::lower_bound(v->share->tables.begin(), v->share->tables.end(), key,
                             [](const SharedTable& t, const std::string& k) { return t.key < k; });
  if (it == v->share->tables.end() || it->key != key) {
    return TableNotFound(share, schema, table);
  }
  auto info = Resolve(*it, *v->recipient);
  if (!info) {
    return TableNotFound(share, schema, table);
  }
  if (!it->governed) {
    return TableNotGoverned(v->share->info.name, info->schema, info->name);
  }
  return std::move(*info);
}

Result<TableInfo> MetastoreShareProvider::GetTableById(std::string_view recipient_name,
                                                       std::string_view share_id,
                                                       std::string_view table_id,
                                                       std::string_view remote_address) const {
  const int64_t now = impl_->Now();
  LS_ASSIGN_OR_RETURN(auto r, impl_->LookupRecipient(recipient_name, now));
  if (!r->exists) {
    return NotFound("The table of this URL is no longer shared");
  }
  LS_RETURN_IF_ERROR(r->ips.Check(remote_address));
  LS_ASSIGN_OR_RETURN(Impl::ShareMap shares, impl_->LookupShares(r->shares, now));
  for (const auto& [key, share] : shares) {
    if (!share->exists || share->info.id != share_id) {
      continue;
    }
    for (const SharedTable& t : share->tables) {
      if (t.info.id != table_id) {
        continue;
      }
      if (auto info = Resolve(t, *r)) {
        if (!t.governed) {
          return TableNotGoverned(share->info.name, info->schema, info->name);
        }
        return std::move(*info);
      }
    }
  }
  return NotFound("The table of this URL is no longer shared");
}

void MetastoreShareProvider::InvalidateRecipient(std::string_view name) {
  if (name.empty()) {
    impl_->recipients.Clear();
    impl_->shares.Clear();
    return;
  }
  impl_->recipients.Erase(ToLower(name));
}

void MetastoreShareProvider::InvalidateShare(std::string_view name) {
  impl_->shares.Erase(ToLower(name));
}

MetastoreProviderStats MetastoreShareProvider::stats() const {
  MetastoreProviderStats s;
  s.recipient_hits = impl_->recipient_hits.load();
  s.recipient_misses = impl_->recipient_misses.load();
  s.share_hits = impl_->share_hits.load();
  s.share_misses = impl_->share_misses.load();
  return s;
}

}  // namespace lakeshare::sharing
