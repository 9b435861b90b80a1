// YamlShareProvider: the ShareProvider of a static configuration file (server_config.h), the
// reference server's model plus per-recipient tokens:
// - `authorization.bearerToken` is one token that sees every share (reference server);
// - each `recipients[]` entry has its own token and sees only the shares granted to it;
// - with neither, every request is accepted as an anonymous caller that sees every share.
// Tokens are matched by SHA-256 digest with CRYPTO_memcmp against every configured digest (no
// early exit), so timing reveals neither which token nor how much of it matched.
// The file holds the tokens beside the shares, so the provider is also the auth::Authenticator
// of the server it configures (auth/authenticator.h). Immutable after construction; thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "auth/authenticator.h"
#include "sharing/server_config.h"
#include "sharing/share_provider.h"

namespace lakeshare::sharing {

class YamlShareProvider final : public ShareProvider, public auth::Authenticator {
 public:
  /// Build the provider from a parsed configuration (ids are filled in from the names where the
  /// file gives none). kInvalidArgument when two tables of one share end up with the same id.
  static Result<std::unique_ptr<YamlShareProvider>> Create(const SharingConfig& config);

  /// The YAML file has no IP access lists: the remote address is not checked.
  Result<auth::Identity> Authenticate(const auth::Credentials& credentials) const override;
  Result<ListPage<ShareInfo>> ListShares(const Recipient& recipient,
                                         const ListOptions& options) const override;
  Result<ShareInfo> GetShare(const Recipient& recipient, std::string_view share) const override;
  Result<ListPage<SchemaInfo>> ListSchemas(const Recipient& recipient, std::string_view share,
                                           const ListOptions& options) const override;
  Result<ListPage<TableInfo>> ListTables(const Recipient& recipient, std::string_view share,
                                         std::string_view schema,
                                         const ListOptions& options) const override;
  Result<ListPage<TableInfo>> ListAllTables(const Recipient& recipient, std::string_view share,
                                            const ListOptions& options) const override;
  Result<TableInfo> GetTable(const Recipient& recipient, std::string_view share,
                             std::string_view schema, std::string_view table) const override;
  Result<TableInfo> GetTableById(std::string_view recipient_name, std::string_view share_id,
                                 std::string_view table_id,
                                 std::string_view remote_address) const override;

 private:
  struct Schema {
    std::string name;
    std::map<std::string, TableInfo> tables;  // by lower-cased name
  };
  struct Share {
    ShareInfo info;
    std::map<std::string, Schema> schemas;  // by lower-cased name
  };
  struct Grantee {
    std::string name;
    TokenDigest digest{};
    bool all_shares = false;
    std::vector<std::string> shares;  // lower-cased
  };

  YamlShareProvider() = default;
  bool Sees(const Recipient& recipient, const std::string& share_key) const;
  const Share* FindShare(const Recipient& recipient, std::string_view share) const;
  const Grantee* FindGrantee(std::string_view name) const;

  std::map<std::string, Share> shares_;  // by lower-cased name
  struct TableKey {
    std::string share, schema, table;  // lower-cased names
  };
  std::map<std::string, TableKey> table_ids_;  // "share id/table id" -> names
  std::vector<Grantee> grantees_;
  bool has_global_token_ = false;
  TokenDigest global_digest_{};
  bool open_access_ = false;
};

}  // namespace lakeshare::sharing
