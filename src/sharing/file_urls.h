// Giving out data files: every file line carries a URL the client can GET without credentials
// until `expirationTimestamp` (PROTOCOL.md, "File": "url: An https url that a client can use to
// read the file directly ... expirationTimestamp: The unix timestamp corresponding to the
// expiration of the url").
// - Tables on S3 (and S3-compatible stores): SigV4 pre-signed GET URLs from the table's store
//   (storage/object_store.h, PresignGet), custom endpoints and path-style honoured there.
// - Local tables: the server signs its own URLs,
//     {base}/files/{shareId}/{tableId}/{path}?expires={unix s}&recipient={name}[&rid={id}]
//       [&terms={digest}]&signature={mac}
//   where mac = HMAC-SHA256 over (shareId, tableId, path, expires, recipient, id, terms) under
//   the server secret (hmac_signer.h), and serves them itself (ServeSignedFile) with Range and
//   ETag support. `id` is the recipient's stable id (TableInfo::recipient_id; absent when the
//   provider has none); `terms` the digest of what restricts the recipient's reading of the table
//   (FileUrlSigner::Terms; absent when nothing does). A URL stops working when it expires, when
//   any part of it is altered, and when the recipient no longer sees the table, is no longer the
//   one it was signed for (deleted and created again under the same name: another id), or reads
//   it under other terms now (a mask, row filter, column list or partition restriction added,
//   changed or lifted, or a recipient property they read changed); paths are checked by
//   storage::ValidateObjectPath and resolved inside the table's store, so nothing outside the
//   table can be named. Clients treat the URLs as opaque strings.
// StoreCache and FileUrlSigner are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/mutex.h"
#include "common/result.h"
#include "http/request.h"
#include "http/response.h"
#include "sharing/share_provider.h"
#include "sharing/hmac_signer.h"
#include "storage/object_store.h"

namespace lakeshare::sharing {

/// One ObjectStore per table location, opened once and shared (with the snapshot cache too).
class StoreCache {
 public:
  explicit StoreCache(storage::StoreOptions options) : options_(std::move(options)) {}
  /// The store of `table`, opened with its storage credential (TableInfo::store_keys /
  /// store_profile) when it has one, else with the server's options; reopened when the
  /// credential changed. The credential (and TableInfo::root_resolved) is remembered for
  /// Get(location).
  Result<std::shared_ptr<const storage::ObjectStore>> Get(const TableInfo& table);
  /// The store of `location`, with the credential last given for it by Get(table) (the snapshot
  /// cache opens stores by location, after the request resolved its table).
  Result<std::shared_ptr<const storage::ObjectStore>> Get(const std::string& location);

 private:
  struct Access {
    storage::AwsCredentials keys;
    std::string profile;
    bool root_resolved = false;
    bool operator==(const Access& o) const {
      return keys.access_key_id == o.keys.access_key_id &&
             keys.secret_access_key == o.keys.secret_access_key &&
             keys.session_token == o.keys.session_token && profile == o.profile &&
             root_resolved == o.root_resolved;
    }
  };
  struct Entry {
    Access access;
    std::shared_ptr<const storage::ObjectStore> store;
  };
  Result<std::shared_ptr<const storage::ObjectStore>> OpenLocked(const std::string& location,
                                                                 const Access& access)
      LS_REQUIRES(mu_);

  storage::StoreOptions options_;
  Mutex mu_;
  std::map<std::string, Entry> stores_ LS_GUARDED_BY(mu_);
  std::map<std::string, Access> accesses_ LS_GUARDED_BY(mu_);  // by location
};

/// What a partner is told when a shared table's storage fails (issue 10: "a table that breaks
/// later answers partners with a 4xx/503 that says so", never a 500): no Delta table at the
/// location any more, or a location that is not valid, is kNotFound; a store that refuses the
/// server is kPermissionDenied; an unreachable one stays kUnavailable (503). Other errors (an
/// unsupported feature, a corrupt log) are returned unchanged. Messages name the table, never
/// its location.
Error TableSourceError(std::string_view table_name, Error error);

/// True for stores of the local filesystem (the server signs and serves their files itself).
bool IsLocalStore(const storage::ObjectStore& store);

/// The storage path (relative to the table root, decoded) of a file action's `path`:
/// storage::ResolveTablePath. Absolute URIs are accepted only inside the table's location, and
/// relative paths never leave it ("../x"); others are kUnsupported, as the reference server
/// refuses "table containing absolute paths".
Result<std::string> StoragePathOf(const storage::ObjectStore& store, std::string_view action_path);

/// Which files a self-signed URL names: a file of the table (/files/...), or a file the
/// materialization engine rewrote for the recipient (/materialized/..., a path in the server's
/// materialization cache). Each has its own MAC purpose, so a path signed for one route is never
/// accepted by the other, whatever a table's log names.
enum class UrlRoute { kTableFile, kMaterialized };

/// What every URL of one response shares.
struct UrlScope {
  std::string base_url;  // "http://host:port", for self-signed URLs
  std::string share_id;
  std::string table_id;
  std::string recipient;
  std::string recipient_id;       // TableInfo::recipient_id: the URL is bound to it
  int64_t expires_s = 0;          // unix seconds, the same for every URL of the response
  int64_t expiry_seconds = 3600;  // for pre-signed URLs
  std::string terms;              // FileUrlSigner::Terms of the table: the URL is bound to it
};

struct SignedUrl {
  std::string url;
  int64_t expiration_ms = 0;
};

/// The self-signed URLs of one response (local stores), with everything but the path prepared
/// once: AppendUrl(p) writes exactly FileUrlSigner::Sign(store, scope, p).url. Immutable,
/// thread-safe.
class LocalUrlBatch {
 public:
  /// Append the URL of `storage_path` to `out`.
  void AppendUrl(std::string& out, std::string_view storage_path) const;
  int64_t expiration_ms() const { return expiration_ms_; }
  /// True when every URL of the batch is JSON-plain (IsJsonPlain): all but the configured base
  /// URL always is (percent-encoding, digits, base64url).
  bool json_plain() const { return json_plain_; }

 private:
  friend class FileUrlSigner;
  std::string head_;        // {base}/files/{shareId}/{tableId}/
  std::string query_;       // ?expires={s}&recipient={name}[&rid={id}][&terms={t}]&signature=
  std::string mac_suffix_;  // the MAC input after the path: \0{expires}\0{recipient}\0{id}\0{t}
  PrefixedMac mac_;         // has absorbed the MAC input before the path
  int64_t expiration_ms_ = 0;
  bool json_plain_ = false;
};

class FileUrlSigner {
 public:
  /// `signer` must outlive this object.
  explicit FileUrlSigner(const HmacSigner& signer) : signer_(signer) {}

  /// A URL for `storage_path` of the table in `scope`, whose files live in `store` (for
  /// kMaterialized: the materialization cache).
  Result<SignedUrl> Sign(const storage::ObjectStore& store, const UrlScope& scope,
                         std::string_view storage_path,
                         UrlRoute route = UrlRoute::kTableFile) const;
  /// The URLs of `scope` when `store` is local (the server signs them); nullopt when the store
  /// pre-signs them itself (use Sign).
  std::optional<LocalUrlBatch> PrepareLocal(const storage::ObjectStore& store,
                                            const UrlScope& scope,
                                            UrlRoute route = UrlRoute::kTableFile) const;

  /// What a URL of `table` is bound to besides its names: a keyed digest (the filter's literals
  /// are the recipient's property values, not to be guessed from it) of the partition filter and
  /// rule and the view (row filter, columns, masks) resolved for the recipient; "" when none of
  /// them restricts the table, so URLs of unrestricted tables keep their shape.
  std::string Terms(const TableInfo& table) const;

  /// Check the signature of a self-signed URL (constant time) and its expiry:
  /// kPermissionDenied when altered or expired. `recipient_id` and `terms` are the URL's `rid`
  /// and `terms` ("" when it has none).
  Status Verify(std::string_view share_id, std::string_view table_id, std::string_view path,
                std::string_view expires, std::string_view recipient, std::string_view recipient_id,
                std::string_view terms, std::string_view signature, int64_t now_ms,
                UrlRoute route = UrlRoute::kTableFile) const;

 private:
  std::string MacInput(std::string_view share_id, std::string_view table_id, std::string_view path,
                       std::string_view expires, std::string_view recipient,
                       std::string_view recipient_id, std::string_view terms) const;
  const HmacSigner& signer_;
};

/// Serve GET/HEAD {base}/files/{shareId}/{tableId}/{path...} (or, for kMaterialized,
/// {base}/materialized/... from `cache`): verify the URL, ask `provider` whether the recipient
/// still sees the table, is still the one the URL was signed for (TableInfo::recipient_id) and
/// under the same terms (FileUrlSigner::Terms), then answer with the bytes. Single byte ranges
/// (RFC 9110 §14: "bytes=a-b", "bytes=a-", "bytes=-n") get 206 with Content-Range; a range past
/// the end 416; several ranges the whole file. ETag from size and modification time; a matching
/// If-None-Match gets 304.
Result<http::Response> ServeSignedFile(const http::Request& request, const ShareProvider& provider,
                                       StoreCache& stores, const FileUrlSigner& signer,
                                       int64_t now_ms, UrlRoute route = UrlRoute::kTableFile,
                                       const storage::ObjectStore* cache = nullptr);

/// Percent-encode a storage path for a URL path (segments kept, '/' kept).
std::string EncodeUrlPath(std::string_view path);
/// The same, appended to `out`.
void AppendEncodedUrlPath(std::string& out, std::string_view path);

}  // namespace lakeshare::sharing
