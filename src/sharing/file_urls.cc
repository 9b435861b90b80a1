#include "sharing/file_urls.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/numbers.h"
#include "common/strings.h"
#include "delta/actions.h"
#include "storage/random_access_file.h"

namespace lakeshare::sharing {

namespace {

// Files up to this size are read whole; larger ones (and HEAD) stream with a Content-Length.
constexpr int64_t kWholeBodyLimit = 1 << 20;

// Bytes kept as they are by PercentEncode: RFC 3986 unreserved characters, plus '/' and '=' in
// paths (bit 1).
struct PercentTable {
  uint8_t keep[256] = {};
  constexpr PercentTable() {
    for (int c = 0; c < 256; ++c) {
      bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
      keep[c] = unreserved ? 3 : (c == '/' || c == '=') ? 2 : 0;
    }
  }
};
constexpr PercentTable kPercent;

void AppendPercentEncoded(std::string& out, std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const uint8_t mask = keep_slash ? 2 : 1;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // Copy the run of bytes that stay as they are at once.
    size_t j = i;
    while (j < n && (kPercent.keep[p[j]] & mask)) ++j;
    out.append(s.data() + i, j - i);
    if (j == n) break;
    const unsigned char c = p[j];
    const char escape[3] = {'%', kHex[c >> 4], kHex[c & 15]};
    out.append(escape, 3);
    i = j + 1;
  }
}

std::string PercentEncode(std::string_view s, bool keep_slash) {
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  AppendPercentEncoded(out, s, keep_slash);
  return out;
}

std::string_view PurposeOf(UrlRoute route) {
  return route == UrlRoute::kMaterialized ? "materialized" : "file";
}

std::string_view PrefixOf(UrlRoute route) {
  return route == UrlRoute::kMaterialized ? "/materialized/" : "/files/";
}

tl::unexpected<Error> Denied(std::string_view why) {
  return MakeError(ErrorCode::kPermissionDenied, std::string(why));
}

// A first-pos, last-pos or suffix-length of a range-spec (RFC 9110 §14.1.2: 1*DIGIT, no sign, no
// bound on its length): nullopt when it is not digits only; a number past int64 reads as
// INT64_MAX, which a comparison with a file's size treats like the number itself (not one with
// another such number: DigitsLess compares two positions).
std::optional<int64_t> RangePos(std::string_view s) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return ParseInteger<int64_t>(s).value_or(std::numeric_limits<int64_t>::max());
}

// a < b for two 1*DIGIT strings of any length (leading zeros allowed), as numbers.
bool DigitsLess(std::string_view a, std::string_view b) {
  a.remove_prefix(std::min(a.find_first_not_of('0'), a.size()));
  b.remove_prefix(std::min(b.find_first_not_of('0'), b.size()));
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

struct ByteRange {
  int64_t first = 0;
  int64_t length = 0;
};

// RFC 9110 §14.1.2: one range-spec of the "bytes" unit. nullopt: ignore the header (serve
// everything); an empty range: unsatisfiable.
std::optional<std::optional<ByteRange>> ParseRange(std::string_view header, int64_t size) {
  std::string value = ToLower(header);
  std::string_view v = value;
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (v.rfind("bytes=", 0) != 0) return std::nullopt;
  v.remove_prefix(6);
  if (v.find(',') != std::string_view::npos) return std::nullopt;  // several ranges: send all
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  size_t dash = v.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::string_view a = v.substr(0, dash), b = v.substr(dash + 1);
  if (a.empty()) {
    // "The entire representation is used" when it is shorter than the suffix-length; a
    // suffix-length of 0 is unsatisfiable (§14.1.3).
    std::optional<int64_t> suffix = RangePos(b);
    if (!suffix) return std::nullopt;
    if (*suffix == 0 || size == 0) return std::optional<ByteRange>();  // unsatisfiable
    int64_t n = std::min(*suffix, size);
    return std::optional<ByteRange>(ByteRange{size - n, n});
  }
  std::optional<int64_t> first = RangePos(a);
  if (!first) return std::nullopt;
  // "If the last-pos value is absent, or if the value is greater than or equal to the current
  // length of the representation data, the byte range is interpreted as the remainder."
  int64_t last = size - 1;
  if (!b.empty()) {
    std::optional<int64_t> pos = RangePos(b);
    // "A range-spec is invalid if the last-pos value is present and less than the first-pos":
    // the header is ignored.
    if (!pos || DigitsLess(b, a)) return std::nullopt;
    last = std::min(*pos, size - 1);
  }
  if (*first >= size) return std::optional<ByteRange>();  // unsatisfiable (416)
  return std::optional<ByteRange>(ByteRange{*first, last - *first + 1});
}

}  // namespace

std::string EncodeUrlPath(std::string_view path) { return PercentEncode(path, true); }

void AppendEncodedUrlPath(std::string& out, std::string_view path) {
  AppendPercentEncoded(out, path, true);
}

Result<std::shared_ptr<const storage::ObjectStore>> StoreCache::Get(const TableInfo& table) {
  Access access{table.store_keys, table.store_profile, table.root_resolved};
  MutexLock lock(mu_);
  accesses_[table.location] = access;
  return OpenLocked(table.location, access);
}

Result<std::shared_ptr<const storage::ObjectStore>> StoreCache::Get(const std::string& location) {
  MutexLock lock(mu_);
  auto known = accesses_.find(location);
  return OpenLocked(location, known == accesses_.end() ? Access{} : known->second);
}

Result<std::shared_ptr<const storage::ObjectStore>> StoreCache::OpenLocked(
    const std::string& location, const Access& access) {
  auto it = stores_.find(location);
  if (it != stores_.end() && it->second.access == access) return it->second.store;
  storage::StoreOptions options = options_;
  if (!access.keys.empty()) options.credentials = access.keys;
  if (!access.profile.empty()) options.profile = access.profile;
  options.local_root_without_symlinks = access.root_resolved;
  auto store = storage::OpenObjectStore(location, options);
  if (!store) {
    // Locations come from the provider, never from clients; do not echo them back. A location
    // registered before locations were checked (issue 10) is a table that is not there.
    if (store.error().code == ErrorCode::kUnavailable) return tl::unexpected<Error>(store.error());
    return NotFound(
        "The table is not available: its storage location is not valid; ask the provider to "
        "register it again");
  }
  std::shared_ptr<const storage::ObjectStore> shared(std::move(*store));
  stores_[location] = Entry{access, shared};
  return shared;
}

Error TableSourceError(std::string_view table_name, Error error) {
  switch (error.code) {
    case ErrorCode::kNotFound:
      error.message = fmt::format(
          "Table '{}' is not available: there is no Delta table at its storage location any more "
          "(deleted or moved?); ask the provider",
          table_name);
      break;
    case ErrorCode::kPermissionDenied:
      error.message = fmt::format(
          "Table '{}' is not available: the sharing server is not allowed to read its storage; "
          "ask the provider",
          table_name);
      break;
    default:
      break;
  }
  return error;
}

bool IsLocalStore(const storage::ObjectStore& store) { return store.uri().rfind("file:", 0) == 0; }

Result<std::string> StoragePathOf(const storage::ObjectStore& store, std::string_view action_path) {
  // Containment is the store's rule (storage/object_store.h): relative paths decoded once and
  // free of "..", absolute ones only beneath the table's own location.
  return storage::ResolveTablePath(store, action_path);
}

std::string FileUrlSigner::Terms(const TableInfo& table) const {
  const RecipientView& view = table.view;
  if (!table.partition_restricted() && view.row_filter == nullptr && view.columns.empty() &&
      view.column_masks.empty()) {
    return "";
  }
  nlohmann::json rule = nullptr;
  if (table.partition_rule) {
    rule = nlohmann::json::array();
    for (const PartitionClause& clause : *table.partition_rule) {
      nlohmann::json& c = rule.emplace_back(nlohmann::json::array());
      for (const PartitionCondition& cond : clause) {
        c.push_back({cond.column, cond.op == PartitionCondition::Op::kLike ? "like" : "equal",
                     cond.value ? nlohmann::json(*cond.value) : nlohmann::json(nullptr)});
      }
    }
  }
  const nlohmann::json terms = {
      {"partitionFilter", table.partition_filter},
      {"partitionRule", std::move(rule)},
      {"rowFilter", view.row_filter ? nlohmann::json(view.row_filter->resolved()) : nullptr},
      {"columns", view.columns},
      {"masks", view.column_masks}};
  const std::string mac = signer_.Mac(
      "url-terms", terms.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  std::string out;
  AppendBase64Url(out, std::string_view(mac).substr(0, 16));
  return out;
}

std::string FileUrlSigner::MacInput(std::string_view share_id, std::string_view table_id,
                                    std::string_view path, std::string_view expires,
                                    std::string_view recipient, std::string_view recipient_id,
                                    std::string_view terms) const {
  std::string in;
  in.reserve(share_id.size() + table_id.size() + path.size() + expires.size() + recipient.size() +
             recipient_id.size() + terms.size() + 6);
  in.append(share_id);
  in.push_back('\0');
  in.append(table_id);
  in.push_back('\0');
  in.append(path);
  in.push_back('\0');
  in.append(expires);
  in.push_back('\0');
  in.append(recipient);
  in.push_back('\0');
  in.append(recipient_id);
  // Only when present: an unrestricted table's URL is what it always was, so such URLs signed
  // by an earlier release keep verifying (replicas of two releases side by side).
  if (!terms.empty()) {
    in.push_back('\0');
    in.append(terms);
  }
  return in;
}

void LocalUrlBatch::AppendUrl(std::string& out, std::string_view storage_path) const {
  unsigned char mac[PrefixedMac::kSize];
  mac_.Compute({storage_path, mac_suffix_}, mac);
  out.reserve(out.size() + head_.size() + storage_path.size() * 3 + query_.size() + 43);
  out += head_;
  AppendPercentEncoded(out, storage_path, true);
  out += query_;
  AppendBase64Url(out, std::string_view(reinterpret_cast<const char*>(mac), sizeof(mac)));
}

std::optional<LocalUrlBatch> FileUrlSigner::PrepareLocal(const storage::ObjectStore& store,
                                                         const UrlScope& scope,
                                                         UrlRoute route) const {
  if (!IsLocalStore(store)) return std::nullopt;
  std::string expires = std::to_string(scope.expires_s);
  LocalUrlBatch batch;
  batch.expiration_ms_ = scope.expires_s * 1000;
  batch.head_ = scope.base_url + std::string(PrefixOf(route)) + scope.share_id + "/" +
                scope.table_id + "/";
  batch.query_ = "?expires=" + expires + "&recipient=" + PercentEncode(scope.recipient, false);
  if (!scope.recipient_id.empty()) {
    batch.query_ += "&rid=" + PercentEncode(scope.recipient_id, false);
  }
  if (!scope.terms.empty()) batch.query_ += "&terms=" + PercentEncode(scope.terms, false);
  batch.query_ += "&signature=";
  // MacInput(share, table, path, expires, recipient, id, terms), split around the path.
  std::string prefix = MacInput(scope.share_id, scope.table_id, "", "", "", "", "");
  prefix.resize(prefix.size() - 3);  // drop the separators that follow the path
  batch.mac_ = signer_.Prefixed(PurposeOf(route), prefix);
  batch.mac_suffix_ =
      MacInput("", "", "", expires, scope.recipient, scope.recipient_id, scope.terms).substr(2);
  batch.json_plain_ = IsJsonPlain(batch.head_) && IsJsonPlain(batch.query_);
  return batch;
}

Result<SignedUrl> FileUrlSigner::Sign(const storage::ObjectStore& store, const UrlScope& scope,
                                      std::string_view storage_path, UrlRoute route) const {
  SignedUrl out;
  out.expiration_ms = scope.expires_s * 1000;
  if (std::optional<LocalUrlBatch> batch = PrepareLocal(store, scope, route)) {
    batch->AppendUrl(out.url, storage_path);
    return out;
  }
  LS_ASSIGN_OR_RETURN(out.url, store.PresignGet(storage_path, scope.expiry_seconds));
  return out;
}

Status FileUrlSigner::Verify(std::string_view share_id, std::string_view table_id,
                             std::string_view path, std::string_view expires,
                             std::string_view recipient, std::string_view recipient_id,
                             std::string_view terms, std::string_view signature, int64_t now_ms,
                             UrlRoute route) const {
  if (!signer_.Verify(PurposeOf(route),
                      MacInput(share_id, table_id, path, expires, recipient, recipient_id, terms),
                      signature)) {
    return Denied("The signature of this URL does not match (was the URL altered?)");
  }
  std::optional<int64_t> expires_s = ParseInteger<int64_t>(expires);
  if (!expires_s) {
    return Denied("Malformed expiry");
  }
  if (*expires_s * 1000 <= now_ms) {
    return Denied("This URL has expired; query the table again for a fresh one");
  }
  return OkStatus();
}

Result<http::Response> ServeSignedFile(const http::Request& request, const ShareProvider& provider,
                                       StoreCache& stores, const FileUrlSigner& signer,
                                       int64_t now_ms, UrlRoute route,
                                       const storage::ObjectStore* cache) {
  const std::string* share_id = request.PathParam("share");
  const std::string* table_id = request.PathParam("table");
  const std::string* path = request.PathParam("path");
  const std::string* expires = request.QueryParam("expires");
  const std::string* recipient = request.QueryParam("recipient");
  const std::string* signature = request.QueryParam("signature");
  if (!share_id || !table_id || !path || !expires || !recipient || !signature) {
    return Denied("Not a signed file URL (expires, recipient and signature are required)");
  }
  const std::string* rid = request.QueryParam("rid");
  const std::string_view recipient_id = rid ? std::string_view(*rid) : std::string_view();
  const std::string* terms_param = request.QueryParam("terms");
  const std::string_view terms = terms_param ? std::string_view(*terms_param) : std::string_view();
  // The signature first: a forged URL costs no metastore read.
  LS_RETURN_IF_ERROR(signer.Verify(*share_id, *table_id, *path, *expires, *recipient, recipient_id,
                                   terms, *signature, now_ms, route));
  LS_RETURN_IF_ERROR(storage::ValidateObjectPath(*path));
  LS_ASSIGN_OR_RETURN(TableInfo table, provider.GetTableById(*recipient, *share_id, *table_id,
                                                             request.remote_address()));
  if (table.recipient_id != recipient_id) {
    // Signed for an earlier recipient of the same name (deleted, then created again).
    return NotFound("The table of this URL is no longer shared");
  }
  if (signer.Terms(table) != terms) {
    // Issued before the provider changed what the recipient may read of the table (a mask, a
    // row filter, a column list, a partition restriction, or a property one of them reads).
    return NotFound(
        "The terms under which this table is shared with you changed since this URL was issued; "
        "query the table again for current URLs");
  }
  std::shared_ptr<const storage::ObjectStore> table_store;
  const storage::ObjectStore* store = cache;
  if (route == UrlRoute::kTableFile) {
    LS_ASSIGN_OR_RETURN(table_store, stores.Get(table));
    store = table_store.get();
  }
  if (store == nullptr || !IsLocalStore(*store)) return NotFound("No such file");
  auto opened = store->OpenFile(*path);
  auto info = opened ? store->Stat(*path) : Result<storage::ObjectInfo>();
  if (!opened || !info) {
    const Error& e = !opened ? opened.error() : info.error();
    if (e.code == ErrorCode::kNotFound) return NotFound("The file no longer exists");
    return tl::unexpected<Error>(e);
  }
  std::shared_ptr<storage::RandomAccessFile> file = std::move(*opened);
  const int64_t size = file->size();
  std::string etag = fmt::format("\"{:x}-{:x}\"", size, info->last_modified_ms);

  if (const std::string* inm = request.Header("If-None-Match")) {
    if (*inm == etag || *inm == "*") {
      http::Response r(304);
      r.SetHeader("ETag", etag);
      return r;
    }
  }
  std::optional<std::optional<ByteRange>> range;
  if (const std::string* rh = request.Header("Range")) {
    range = ParseRange(*rh, size);
    // RFC 9110 §13.1.5: with If-Range, a range applies only while the representation matches.
    if (const std::string* if_range = request.Header("If-Range"); if_range && *if_range != etag) {
      range.reset();
    }
  }
  if (range && !*range) {
    http::Response r = http::Response::Text("", 416);
    r.SetHeader("Content-Range", fmt::format("bytes */{}", size));
    r.SetHeader("ETag", etag);
    return r;
  }
  int64_t first = 0, length = size;
  int status = 200;
  if (range) {
    first = (*range)->first;
    length = (*range)->length;
    status = 206;
  }
  http::Response response;
  constexpr std::string_view kType = "application/octet-stream";
  if (length <= kWholeBodyLimit && request.method() != "HEAD") {
    // Small files: one read, one write.
    LS_ASSIGN_OR_RETURN(std::string body, file->Read(first, length));
    response = http::Response::Text(std::move(body), status, kType);
  } else {
    // Pulled piece by piece with its Content-Length (clients and proxies see the size up front;
    // HEAD gets it without reading anything): a client slow to read holds no handler thread.
    response = http::Response::Pieces(
        kType, length,
        [file, first](int64_t offset, int64_t n, std::string& out) -> Status {
          out.resize(static_cast<size_t>(n));
          return file->ReadAt(first + offset, n, out.data());
        },
        status);
  }
  response.SetHeader("Accept-Ranges", "bytes");
  response.SetHeader("ETag", etag);
  response.SetHeader("Cache-Control", "private, no-transform");
  if (status == 206) {
    response.SetHeader("Content-Range",
                       fmt::format("bytes {}-{}/{}", first, first + length - 1, size));
  }
  return response;
}

}  // namespace lakeshare::sharing
