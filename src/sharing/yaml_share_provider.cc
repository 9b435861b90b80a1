#include "sharing/yaml_share_provider.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "auth/secret_token.h"
#include "common/quoted.h"
#include "common/strings.h"

namespace lakeshare::sharing {

namespace {

// Not-found messages never say which of share, schema or table is missing, nor whether it
// exists for someone else: PROTOCOL.md leaves the message free, and a uniform one prevents
// name probing.
tl::unexpected<Error> YamlTableNotFound(std::string_view share, std::string_view schema,
                                        std::string_view table) {
  return NotFound("Table {} does not exist or is not shared with you",
                  Quoted(fmt::format("{}.{}.{}", share, schema, table)));
}

template <typename Map, typename T, typename Fn>
ListPage<T> Page(const Map& map, const ListOptions& options, Fn&& make) {
  ListPage<T> page;
  auto it = options.after.empty() ? map.begin() : map.upper_bound(options.after);
  for (; it != map.end(); ++it) {
    if (static_cast<int>(page.items.size()) >= options.limit) {
      page.more = true;
      break;
    }
    page.items.push_back(make(it->second));
  }
  return page;
}

}  // namespace

Result<std::unique_ptr<YamlShareProvider>> YamlShareProvider::Create(const SharingConfig& config) {
  std::unique_ptr<YamlShareProvider> p(new YamlShareProvider());
  std::map<std::string, std::string> share_ids;  // id -> share name
  for (const ShareConfig& sc : config.shares) {
    Share share;
    share.info.name = sc.name;
    share.info.id = sc.id.empty() ? NameBasedUuid("lakeshare/share", ToLower(sc.name)) : sc.id;
    share.info.comment = sc.comment;
    if (!share_ids.emplace(share.info.id, sc.name).second) {
      return InvalidArgument("Invalid configuration: shares '{}' and '{}' have the same id",
                             share_ids[share.info.id], sc.name);
    }
    std::map<std::string, std::string> table_ids;  // within the share
    for (const SchemaConfig& schc : sc.schemas) {
      Schema schema;
      schema.name = schc.name;
      for (const TableConfig& tc : schc.tables) {
        TableInfo t;
        t.name = tc.name;
        t.schema = schc.name;
        t.share = sc.name;
        t.share_id = share.info.id;
        t.id = tc.id.empty()
                   ? NameBasedUuid("lakeshare/table", ToLower(sc.name) + "." + ToLower(schc.name) +
                                                          "." + ToLower(tc.name))
                   : tc.id;
        t.location = tc.location;
        t.source_name = tc.source_name;
        t.history_shared = tc.history_shared;
        t.cdf_shared = tc.change_data_feed.value_or(tc.history_shared);
        t.start_version = tc.start_version;
        t.partition_filter = tc.partition_filter;
        std::string qualified = schc.name + "." + tc.name;
        if (!table_ids.emplace(t.id, qualified).second) {
          return InvalidArgument(
              "Invalid configuration: tables '{}' and '{}' of share '{}' have the same id",
              table_ids[t.id], qualified, sc.name);
        }
        p->table_ids_[share.info.id + "/" + t.id] =
            TableKey{ToLower(sc.name), ToLower(schc.name), ToLower(tc.name)};
        schema.tables.emplace(ToLower(tc.name), std::move(t));
      }
      share.schemas.emplace(ToLower(schc.name), std::move(schema));
    }
    p->shares_.emplace(ToLower(sc.name), std::move(share));
  }
  for (const RecipientConfig& rc : config.recipients) {
    Grantee g;
    g.name = rc.name;
    g.digest = rc.token_sha256;
    g.all_shares = rc.all_shares;
    for (const auto& s : rc.shares) g.shares.push_back(ToLower(s));
    p->grantees_.push_back(std::move(g));
  }
  if (config.global_token_sha256) {
    p->has_global_token_ = true;
    p->global_digest_ = *config.global_token_sha256;
  }
  p->open_access_ = config.open_access();
  return p;
}

Result<auth::Identity> YamlShareProvider::Authenticate(
    const auth::Credentials& credentials) const {
  if (open_access_) return auth::Identity{"anonymous", /*anonymous=*/true};
  const std::string* authorization = credentials.authorization;
  if (authorization == nullptr) {
    return MakeError(ErrorCode::kUnauthenticated, "Missing bearer token (Authorization header)");
  }
  std::optional<std::string_view> token = auth::BearerToken(authorization);
  if (!token) {
    // BearerToken refuses another scheme and an empty token alike; this reply tells them apart.
    return MakeError(ErrorCode::kUnauthenticated,
                     auth::HasBearerCredentials(*authorization)
                         ? "Empty bearer token"
                         : "The Authorization header must be 'Bearer <token>'");
  }
  TokenDigest digest = DigestToken(*token);
  // Compare against every digest without stopping at the first match.
  int matched = -1;
  bool global = false;
  if (has_global_token_) {
    global = CRYPTO_memcmp(digest.data(), global_digest_.data(), digest.size()) == 0;
  }
  for (size_t i = 0; i < grantees_.size(); ++i) {
    if (CRYPTO_memcmp(digest.data(), grantees_[i].digest.data(), digest.size()) == 0) {
      matched = static_cast<int>(i);
    }
  }
  if (matched >= 0) return auth::Identity{grantees_[static_cast<size_t>(matched)].name, false};
  if (global) return auth::Identity{"default", false};
  return MakeError(ErrorCode::kUnauthenticated, "Invalid or expired bearer token");
}

const YamlShareProvider::Grantee* YamlShareProvider::FindGrantee(std::string_view name) const {
  for (const Grantee& g : grantees_) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

bool YamlShareProvider::Sees(const Recipient& recipient, const std::string& share_key) const {
  if (recipient.anonymous) return open_access_;
  if (const Grantee* g = FindGrantee(recipient.name)) {
    return g->all_shares ||
           std::find(g->shares.begin(), g->shares.end(), share_key) != g->shares.end();
  }
  // The holder of authorization.bearerToken sees every share.
  return has_global_token_ && recipient.name == "default";
}

const YamlShareProvider::Share* YamlShareProvider::FindShare(const Recipient& recipient,
                                                             std::string_view share) const {
  std::string key = ToLower(share);
  auto it = shares_.find(key);
  if (it == shares_.end() || !Sees(recipient, key)) return nullptr;
  return &it->second;
}

Result<ListPage<ShareInfo>> YamlShareProvider::ListShares(const Recipient& recipient,
                                                          const ListOptions& options) const {
  ListPage<ShareInfo> page;
  auto it = options.after.empty() ? shares_.begin() : shares_.upper_bound(options.after);
  for (; it != shares_.end(); ++it) {
    if (!Sees(recipient, it->first)) continue;
    if (static_cast<int>(page.items.size()) >= options.limit) {
      page.more = true;
      break;
    }
    page.items.push_back(it->second.info);
  }
  return page;
}

Result<ShareInfo> YamlShareProvider::GetShare(const Recipient& recipient,
                                              std::string_view share) const {
  const Share* s = FindShare(recipient, share);
  if (!s) return NotFound("Share '{}' does not exist or is not shared with you", share);
  return s->info;
}

Result<ListPage<SchemaInfo>> YamlShareProvider::ListSchemas(const Recipient& recipient,
                                                            std::string_view share,
                                                            const ListOptions& options) const {
  const Share* s = FindShare(recipient, share);
  if (!s) return NotFound("Share '{}' does not exist or is not shared with you", share);
  return Page<decltype(s->schemas), SchemaInfo>(s->schemas, options, [&](const Schema& schema) {
    return SchemaInfo{schema.name, s->info.name};
  });
}

Result<ListPage<TableInfo>> YamlShareProvider::ListTables(const Recipient& recipient,
                                                          std::string_view share,
                                                          std::string_view schema,
                                                          const ListOptions& options) const {
  const Share* s = FindShare(recipient, share);
  auto it = s ? s->schemas.find(ToLower(schema)) : decltype(s->schemas.end()){};
  if (!s || it == s->schemas.end()) {
    return NotFound("Schema '{}.{}' does not exist or is not shared with you", share, schema);
  }
  return Page<decltype(it->second.tables), TableInfo>(it->second.tables, options,
                                                      [](const TableInfo& t) { return t; });
}

Result<ListPage<TableInfo>> YamlShareProvider::ListAllTables(const Recipient& recipient,
                                                             std::string_view share,
                                                             const ListOptions& options) const {
  const Share* s = FindShare(recipient, share);
  if (!s) return NotFound("Share '{}' does not exist or is not shared with you", share);
  ListPage<TableInfo> page;
  for (const auto& [schema_key, schema] : s->schemas) {
    for (const auto& [table_key, table] : schema.tables) {
      std::string key = schema_key + '\x1f' + table_key;
      if (!options.after.empty() && key <= options.after) continue;
      if (static_cast<int>(page.items.size()) >= options.limit) {
        page.more = true;
        return page;
      }
      page.items.push_back(table);
    }
  }
  return page;
}

Result<TableInfo> YamlShareProvider::GetTable(const Recipient& recipient, std::string_view share,
                                              std::string_view schema,
                                              std::string_view table) const {
  const Share* s = FindShare(recipient, share);
  if (!s) return YamlTableNotFound(share, schema, table);
  auto sit = s->schemas.find(ToLower(schema));
  if (sit == s->schemas.end()) return YamlTableNotFound(share, schema, table);
  auto tit = sit->second.tables.find(ToLower(table));
  if (tit == sit->second.tables.end()) return YamlTableNotFound(share, schema, table);
  return tit->second;
}

Result<TableInfo> YamlShareProvider::GetTableById(std::string_view recipient_name,
                                                  std::string_view share_id,
                                                  std::string_view table_id,
                                                  std::string_view /*remote_address*/) const {
  std::string key = std::string(share_id) + "/" + std::string(table_id);
  auto it = table_ids_.find(key);
  if (it == table_ids_.end()) return NotFound("The table of this URL is no longer shared");
  Recipient r;
  r.name = std::string(recipient_name);
  r.anonymous = open_access_ && recipient_name == "anonymous";
  const Share* s = FindShare(r, it->second.share);
  if (!s) return NotFound("The table of this URL is no longer shared");
  return s->schemas.at(it->second.schema).tables.at(it->second.table);
}

}  // namespace lakeshare::sharing
