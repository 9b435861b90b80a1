#include "sharing/sharing_service.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <any>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "delta/change_feed.h"
#include "delta/data_skipping.h"
#include "delta/history.h"
#include "delta/log_files.h"
#include "delta/predicate.h"
#include "delta/snapshot.h"
#include "delta/snapshot_cache.h"
#include "http/response.h"
#include "sharing/capabilities.h"
#include "sharing/file_urls.h"
#include "sharing/ndjson_lines.h"
#include "sharing/partition_rule.h"
#include "sharing/query_request.h"
#include "sharing/sql_predicate.h"
#include "sharing/tokens.h"

namespace lakeshare::sharing {

namespace {

using OrderedJson = nlohmann::ordered_json;

constexpr std::string_view kCapabilitiesHeader = "delta-sharing-capabilities";
constexpr std::string_view kTableVersionHeader = "Delta-Table-Version";
// About the server's stream chunk (http::ServerOptions::stream_chunk_bytes): one hand-off each.
constexpr size_t kFlushBytes = 256 * 1024;

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// PROTOCOL.md, "File ID Hash Header": "For a given scheme, the server must derive id
// deterministically from the file so the same logical file always receives the same id across
// requests; the exact encoding is implementation-defined". Ours: the hex MD5 (parquet) or SHA-256
// (delta) of the file's storage path relative to the table, as the reference server does.
void AppendFileId(std::string& out, ResponseFormat scheme, std::string_view key) {
  if (scheme == ResponseFormat::kParquet) {
    unsigned char d[16];
    Md5Digest(key, d);
    AppendHex(out, std::string_view(reinterpret_cast<const char*>(d), sizeof(d)));
  } else {
    unsigned char d[32];
    Sha256Digest(key, d);
    AppendHex(out, std::string_view(reinterpret_cast<const char*>(d), sizeof(d)));
  }
}

std::string FileId(ResponseFormat scheme, std::string_view key) {
  std::string id;
  AppendFileId(id, scheme, key);
  return id;
}

// The error of a stream that must stop early on purpose (page full); never reaches a client.
constexpr std::string_view kStopMarker = "\x01page-full";
tl::unexpected<Error> StopSignal() {
  return MakeError(ErrorCode::kResourceExhausted, std::string(kStopMarker));
}
bool IsStopSignal(const Error& e) {
  return e.code == ErrorCode::kResourceExhausted && e.message == kStopMarker;
}

// What a client may see of an error that happens after the response started.
std::string StreamErrorMessage(const Error& e) {
  switch (e.code) {
    case ErrorCode::kCorrupt:
    case ErrorCode::kUnavailable:
    case ErrorCode::kInternal:
      return "Internal error while streaming the response";
    default:
      return e.message;
  }
}

// Buffers lines and hands them to the writer in batches (the buffer itself, not a copy: see
// StreamWriter::Hand); remembers whether anything was handed over (after that, an error can no
// longer become an error reply).
class LineSink {
 public:
  explicit LineSink(http::StreamWriter& writer) : writer_(writer) {
    buffer_.reserve(kFlushBytes + kFlushBytes / 8);
  }
  std::string& buffer() { return buffer_; }
  Status MaybeFlush() {
    if (buffer_.size() < kFlushBytes) return OkStatus();
    return Flush();
  }
  Status Flush() {
    if (buffer_.empty()) return OkStatus();
    handed_ = true;
    return writer_.Hand(buffer_);
  }
  bool handed() const { return handed_; }

 private:
  http::StreamWriter& writer_;
  std::string buffer_;
  bool handed_ = false;
};

// The filters of one request. The share's partition filter is a rule: a file is served only
// when the filter is certainly true for it. The hints are best effort: a file is dropped only
// when they are certainly false for every row.
struct FilterSpec {
  std::optional<delta::Predicate> share_filter;
  std::optional<PartitionRuleMatcher> share_rule;
  std::optional<delta::Predicate> hints;
  std::optional<int64_t> limit;
};

struct Filters {
  const PartitionRuleMatcher* rule = nullptr;  // points into the FilterSpec
  std::unique_ptr<delta::FileFilter> share;
  std::unique_ptr<delta::FileFilter> hints;

  Filters(const FilterSpec& spec, const delta::Metadata& metadata,
          const delta::TableFeatures& features) {
    if (spec.share_filter) {
      share = std::make_unique<delta::FileFilter>(*spec.share_filter, metadata, features);
    }
    if (spec.hints) hints = std::make_unique<delta::FileFilter>(*spec.hints, metadata, features);
    if (spec.share_rule) rule = &*spec.share_rule;
  }
  bool Shared(const delta::AddFile& f) {
    if (rule && !rule->Matches(f.partition_values->values)) return false;
    return !share || share->Evaluate(f) == delta::kMayBeTrue;
  }
  // The hint outcome set (kMayBeTrue alone: the whole file matches).
  uint8_t Hinted(const delta::AddFile& f) { return hints ? hints->Evaluate(f) : delta::kMayBeTrue; }
};

// limitHint, PROTOCOL.md: "The server can use this hint to return only some files by using the
// file stats"; delta/data_skipping.h's rule: files are taken in order until the rows of files
// that match entirely (numRecords minus deleted rows) reach the limit.
struct LimitCounter {
  std::optional<int64_t> limit;
  int64_t rows = 0;
  bool Reached() const { return limit && rows >= *limit; }
  void Count(const delta::AddFile& f, uint8_t outcome) {
    if (!limit || outcome != delta::kMayBeTrue) return;
    if (auto n = delta::NumRecords(f)) rows += std::max<int64_t>(0, *n - f.deleted_rows());
  }
};

std::string FileKey(const delta::AddFile& f) {
  std::string key(f.path());
  key.push_back('\x1f');
  key.append(f.dv_unique_id());
  return key;
}

bool FileLess(const delta::AddFile* a, const delta::AddFile* b) {
  if (a->path() != b->path()) return a->path() < b->path();
  return a->dv_unique_id() < b->dv_unique_id();
}

// ---- audit notes (http/request.h AuditNotes; Databricks action names, reference doc §3) ----

// The Databricks action of a protocol route (pattern relative to the endpoint prefix).
std::string_view ActionOfRoute(std::string_view method, std::string_view route) {
  auto ends = [&](std::string_view suffix) {
    return route.size() >= suffix.size() && route.substr(route.size() - suffix.size()) == suffix;
  };
  if (route.rfind("/files/", 0) == 0) return "deltaSharingDownloadFile";
  if (ends("/tables/{table}/query")) return "deltaSharingQueryTable";
  if (ends("/tables/{table}/changes")) return "deltaSharingQueryTableChanges";
  if (ends("/tables/{table}/metadata")) return "deltaSharingGetTableMetadata";
  if (ends("/tables/{table}/version")) return "deltaSharingGetTableVersion";
  if (ends("/tables/{table}/queries/{queryId}")) return "deltaSharingGetQueryInfo";
  if (ends("/tables/{table}")) return method == "HEAD" ? "deltaSharingGetTableVersion" : "";
  if (ends("/schemas/{schema}/tables")) return "deltaSharingListTables";
  if (ends("/shares/{share}/schemas")) return "deltaSharingListSchemas";
  if (ends("/shares/{share}/all-tables")) return "deltaSharingListAllTables";
  if (ends("/shares/{share}")) return "deltaSharingGetShare";
  if (ends("/shares")) return "deltaSharingListShares";
  return "";
}

// Query parameters that are opaque credentials or cursors: recorded as present, never copied.
bool IsOpaqueParam(std::string_view name) {
  return name == "pageToken" || name == "refreshToken" || name == "signature";
}

// Action, path parameters and query parameters of a protocol request. Idempotent.
void NoteRequest(http::Request& request) {
  if (request.route().empty()) return;
  const std::shared_ptr<http::AuditNotes>& notes = request.audit();
  notes->action = std::string(ActionOfRoute(request.method(), request.route()));
  const bool file = notes->action == "deltaSharingDownloadFile";
  for (const auto& [name, value] : request.path_params()) {
    if (file) {
      // /files/{share id}/{table id}/{path}: the path names provider files; keep it out.
      if (name == "share") notes->params["share_id"] = value;
      if (name == "table") notes->params["table_id"] = value;
      continue;
    }
    notes->params[name == "table" ? "name" : name] = value;
  }
  if (file) return;  // the query carries the URL signature
  constexpr size_t kMaxValue = 256;
  for (const auto& [name, value] : request.query_params()) {
    if (name.size() > 64) continue;
    notes->params[name] = IsOpaqueParam(name) ? "true" : value.substr(0, kMaxValue);
  }
}

// The /query body fields that shape what is served (options, never tokens).
void NoteQueryRequest(http::AuditNotes& notes, const QueryRequest& q) {
  auto put = [&](const char* name, const std::optional<int64_t>& v) {
    if (v) notes.params[name] = std::to_string(*v);
  };
  put("version", q.version);
  put("timestamp", q.timestamp_ms);
  put("startingVersion", q.starting_version);
  put("endingVersion", q.ending_version);
  put("limitHint", q.limit_hint);
  put("maxFiles", q.max_files);
  if (!q.predicate_hints.empty()) notes.params["predicateHints"] = "true";
  if (q.json_predicate_hints) notes.params["jsonPredicateHints"] = "true";
  if (q.page_token) notes.params["pageToken"] = "true";
  if (q.include_refresh_token) notes.params["includeRefreshToken"] = "true";
  if (q.refresh_token) notes.params["refreshToken"] = "true";
  if (q.include_historical_metadata) notes.params["includeHistoricalMetadata"] = "true";
}

// What a served query or change feed returned (response.result of the served event).
struct ServedCounters {
  int64_t add_files = 0;
  int64_t add_bytes = 0;
  int64_t cdc_files = 0;
  int64_t cdc_bytes = 0;
  int64_t remove_files = 0;
  int64_t remove_bytes = 0;
};

}  // namespace

// ------------------------------------------------------------------------------------------------

struct SharingService::Impl {
  std::shared_ptr<const ShareProvider> provider;
  SharingOptions options;
  TokenSigner signer;
  FileUrlSigner url_signer;
  StoreCache stores;
  std::unique_ptr<delta::SnapshotCache> snapshots;
  http::Counter* files_served = nullptr;
  mutable std::mutex base_mu;
  std::string base_url;  // guarded by base_mu

  Impl(std::shared_ptr<const ShareProvider> p, SharingOptions o)
      : provider(std::move(p)),
        options(std::move(o)),
        signer(options.signing_key),
        url_signer(signer),
        stores(options.store_options) {}

  int64_t NowMs() const { return options.clock_ms ? options.clock_ms() : SystemNowMs(); }

  // ---- common pieces ----

  static Result<Recipient> Caller(const http::Request& request) {
    const Recipient* r = std::any_cast<Recipient>(&request.identity());
    if (!r) return MakeError(ErrorCode::kUnauthenticated, "Not authenticated");
    return *r;
  }

  static const std::string& Param(const http::Request& request, std::string_view name) {
    static const std::string kEmpty;
    const std::string* v = request.PathParam(name);
    return v ? *v : kEmpty;
  }

  struct TableContext {
    Recipient recipient;
    TableInfo table;
    std::shared_ptr<const storage::ObjectStore> store;
  };

  Result<TableContext> ResolveTable(const http::Request& request) const {
    TableContext ctx;
    LS_ASSIGN_OR_RETURN(ctx.recipient, Caller(request));
    LS_ASSIGN_OR_RETURN(ctx.table,
                        provider->GetTable(ctx.recipient, Param(request, "share"),
                                           Param(request, "schema"), Param(request, "table")));
    LS_ASSIGN_OR_RETURN(ctx.store, const_cast<StoreCache&>(stores).Get(ctx.table.location));
    return ctx;
  }

  // Errors of the log reader as a client should see them: a missing table is the provider's
  // problem, not the client's, but is still reported as a missing resource.
  Result<std::shared_ptr<const delta::Snapshot>> Latest(const TableContext& ctx) const {
    return snapshots->GetLatest(ctx.table.location);
  }

  Result<std::shared_ptr<const delta::Snapshot>> AtVersion(
      const TableContext& ctx, const std::shared_ptr<const delta::Snapshot>& latest,
      int64_t version) const {
    if (version > latest->version()) {
      return InvalidArgument("Version {} of table '{}' does not exist: the latest version is {}",
                             version, ctx.table.name, latest->version());
    }
    if (version < ctx.table.start_version) {
      return InvalidArgument("Version {} is before the first version shared for table '{}' ({})",
                             version, ctx.table.name, ctx.table.start_version);
    }
    if (version == latest->version()) return latest;
    auto snapshot = snapshots->GetVersion(ctx.table.location, version);
    if (!snapshot && snapshot.error().code == ErrorCode::kNotFound) {
      return InvalidArgument("Version {} of table '{}' is no longer available: {}", version,
                             ctx.table.name, snapshot.error().message);
    }
    return snapshot;
  }

  Status RequireHistory(const TableContext& ctx, std::string_view what) const {
    if (!ctx.table.history_shared) {
      return InvalidArgument(
          "Table '{}' is shared without history: {} is not allowed (ask the provider to share "
          "its history)",
          ctx.table.name, what);
    }
    return OkStatus();
  }

  Result<int64_t> VersionAt(const TableContext& ctx, const delta::Snapshot& latest, int64_t ts_ms,
                            delta::TimestampBound bound) const {
    auto v = delta::VersionAtTimestamp(latest, ts_ms, bound);
    if (!v) {
      Error e = v.error();
      if (e.code == ErrorCode::kNotFound) e.code = ErrorCode::kInvalidArgument;
      return tl::unexpected<Error>(std::move(e));
    }
    if (*v < ctx.table.start_version) {
      return InvalidArgument(
          "The timestamp resolves to version {}, before the first version shared for table '{}' "
          "({})",
          *v, ctx.table.name, ctx.table.start_version);
    }
    return *v;
  }

  std::string BaseUrl(const http::Request& request) const {
    if (!options.public_url.empty()) return options.public_url;
    if (const std::string* host = request.Header("Host")) {
      bool sane = !host->empty() && host->size() < 256;
      for (char c : *host) {
        sane = sane && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                        c == ':' || c == '[' || c == ']' || c == '_');
      }
      if (sane) return std::string(options.tls ? "https://" : "http://") + *host;
    }
    std::lock_guard<std::mutex> lock(base_mu);
    return base_url;
  }

  UrlScope Scope(const http::Request& request, const TableContext& ctx) const {
    UrlScope scope;
    scope.base_url = BaseUrl(request);
    scope.share_id = ctx.table.share_id;
    scope.table_id = ctx.table.id;
    scope.recipient = ctx.recipient.name;
    scope.expiry_seconds = options.url_expiry_seconds;
    scope.expires_s = NowMs() / 1000 + options.url_expiry_seconds;
    return scope;
  }

  // PROTOCOL.md, "responseFormat": "If there's only one responseFormat specified, the server must
  // respect and return in the requested format. If there's a list ... The server may choose to
  // respond in parquet format if the table does not have any advanced features. The server must
  // respond in delta format if the table has advanced features which are not compatible with the
  // parquet format." From a list, parquet is chosen for reader version 1 only, as the reference
  // server does. A parquet-only client is served whenever the table's reader features need nothing
  // from a Parquet reader (delta::CheckParquetServing: v2Checkpoint, timestampNtz, ...), with
  // minReaderVersion 1 and no features, as the reference server answers clients without reader
  // features; `has_dvs`: a file that may be served carries a deletion vector.
  // readerFeatures: the reference server refuses column mapping and deletion vector tables unless
  // the client lists the feature; we do the same.
  static Result<ResponseFormat> ChooseFormat(const Capabilities& caps, const TableInfo& table,
                                             const delta::TableFeatures& features, bool has_dvs) {
    const bool advanced = features.min_reader_version > 1 ||
                          features.column_mapping_mode != "none" ||
                          features.deletion_vectors_enabled;
    ResponseFormat format;
    if (caps.formats.size() == 1) {
      format = caps.formats[0];
    } else {
      format = (!advanced && caps.Accepts(ResponseFormat::kParquet)) ? ResponseFormat::kParquet
                                                                     : ResponseFormat::kDelta;
    }
    const delta::ParquetServing serving = delta::CheckParquetServing(features, has_dvs);
    if (format == ResponseFormat::kParquet && !serving.as_is()) {
      std::vector<std::string> what = serving.rewrite;
      what.insert(what.end(), serving.unknown.begin(), serving.unknown.end());
      return Unsupported(
          "Table '{}' needs {} and cannot be served in the parquet response format; request "
          "'responseformat=delta' in the delta-sharing-capabilities header",
          table.name, fmt::join(what, ", "));
    }
    if (format == ResponseFormat::kDelta) {
      if (features.column_mapping_mode != "none" && !caps.HasReaderFeature("columnmapping")) {
        return Unsupported(
            "Table '{}' uses column mapping; add 'columnmapping' to readerfeatures in the "
            "delta-sharing-capabilities header",
            table.name);
      }
      if ((features.deletion_vectors_enabled || features.HasReaderFeature("deletionVectors")) &&
          !caps.HasReaderFeature("deletionvectors")) {
        return Unsupported(
            "Table '{}' uses deletion vectors; add 'deletionvectors' to readerfeatures in the "
            "delta-sharing-capabilities header",
            table.name);
      }
    }
    return format;
  }

  static void SetDataHeaders(http::Response& r, int64_t version, ResponseFormat format,
                             bool end_stream, const std::optional<ResponseFormat>& fileidhash) {
    r.SetHeader(kTableVersionHeader, std::to_string(version));
    std::string caps = "responseformat=" + std::string(ResponseFormatName(format));
    if (end_stream) caps += ";includeendstreamaction=true";
    r.SetHeader(kCapabilitiesHeader, std::move(caps));
    if (fileidhash) r.SetHeader("fileidhash", std::string(ResponseFormatName(*fileidhash)));
  }

  static MetadataExtras Extras(const TableContext& ctx, const delta::Snapshot& s,
                               std::optional<int64_t> version, bool with_size) {
    MetadataExtras e;
    e.version = version;
    // Sizes of the whole table would reveal partitions hidden by a partition filter.
    if (with_size && !ctx.table.partition_restricted()) {
      e.size = s.files().total_bytes();
      e.num_files = static_cast<int64_t>(s.files().size());
    }
    e.cdf_enabled = ctx.table.cdf_shared && s.features().change_data_feed_enabled;
    return e;
  }

  static void AppendHead(std::string& out, ResponseFormat format, const TableContext& ctx,
                         const delta::Protocol& protocol, const delta::Metadata& metadata,
                         const MetadataExtras& extras) {
    if (format == ResponseFormat::kParquet) {
      AppendParquetProtocol(out);
      AppendParquetMetadata(out, metadata, extras);
    } else {
      AppendDeltaProtocol(out, protocol);
      AppendDeltaMetadata(out, metadata, extras);
    }
    (void)ctx;
  }

  Result<FilterSpec> BuildFilters(const TableContext& ctx, const delta::Snapshot& s,
                                  const QueryRequest* q) const {
    FilterSpec spec;
    if (!ctx.table.partition_filter.empty()) {
      auto p = delta::Predicate::Parse(ctx.table.partition_filter);
      if (!p) {
        return MakeError(ErrorCode::kInternal,
                         fmt::format("The partition filter of table '{}' is invalid: {}",
                                     ctx.table.name, p.error().message));
      }
      for (const std::string& column : p->ReferencedColumns()) {
        bool is_partition = false;
        for (const auto& pc : s.partition_columns()) {
          is_partition = is_partition || ToLower(pc) == ToLower(column);
        }
        if (!is_partition) {
          return MakeError(ErrorCode::kInternal,
                           fmt::format("The partition filter of table '{}' references '{}', which "
                                       "is not a partition column",
                                       ctx.table.name, column));
        }
      }
      spec.share_filter = std::move(*p);
    }
    if (ctx.table.partition_rule) {
      LS_ASSIGN_OR_RETURN(spec.share_rule,
                          PartitionRuleMatcher::Create(*ctx.table.partition_rule, s.metadata()));
    }
    if (!q) return spec;
    // Hints: each valid one is AND-ed; invalid ones are skipped ("BEST EFFORT").
    std::vector<std::string> parts;
    if (q->json_predicate_hints && options.evaluate_json_predicate_hints &&
        delta::Predicate::Parse(*q->json_predicate_hints)) {
      parts.push_back(*q->json_predicate_hints);
    }
    if (!q->predicate_hints.empty() && options.evaluate_predicate_hints) {
      auto columns = PredicateColumns(s.metadata().schema_string);
      for (const std::string& hint : q->predicate_hints) {
        auto tree = SqlHintToJsonPredicate(hint, columns);
        if (tree && delta::Predicate::Parse(*tree)) parts.push_back(std::move(*tree));
      }
    }
    if (parts.size() == 1) {
      spec.hints = *delta::Predicate::Parse(parts[0]);
    } else if (parts.size() > 1) {
      std::string combined = "{\"op\":\"and\",\"children\":[";
      for (size_t i = 0; i < parts.size(); ++i) {
        if (i) combined.push_back(',');
        combined += parts[i];
      }
      combined += "]}";
      if (auto p = delta::Predicate::Parse(combined)) spec.hints = std::move(*p);
    }
    spec.limit = q->limit_hint;
    return spec;
  }

  std::string Binding(const TableContext& ctx, std::string_view what) const {
    std::string b = ctx.recipient.name;
    b.push_back('\0');
    b += ctx.table.share_id;
    b.push_back('\0');
    b += ctx.table.id;
    b.push_back('\0');
    b.append(what);
    return ShortDigest(b);
  }

  // The signed URL and id of a data file and, for the delta format, of its deletion vector file.
  // One per response, reused from file to file (its buffers keep their capacity).
  struct SignedFile {
    std::string_view storage_path;  // the action's path, or path_buffer when it had to be decoded
    std::string path_buffer;
    std::string url;
    int64_t expiration_ms = 0;
    std::string id;
    bool has_dv_url = false;
    std::string dv_url;
    std::string dv_id;
  };

  // The URLs of one response: prepared once for local stores, else signed by the store.
  struct ResponseUrls {
    const storage::ObjectStore& store;
    const UrlScope& scope;
    std::optional<LocalUrlBatch> local;
  };
  ResponseUrls PrepareUrls(const storage::ObjectStore& store, const UrlScope& scope) const {
    return ResponseUrls{store, scope, url_signer.PrepareLocal(store, scope)};
  }

  Status SignUrl(const ResponseUrls& urls, std::string_view storage_path, std::string& url,
                 int64_t& expiration_ms) const {
    url.clear();
    // Containment (storage/object_store.h): no URL names a file outside the table, whichever
    // path (data file, deletion vector, change file) it came from.
    if (!storage::ValidateObjectPath(storage_path)) {
      return Unsupported(
          "The table's Delta log names a file outside the table location; such a table cannot "
          "be shared until its provider repairs it");
    }
    if (urls.local) {
      urls.local->AppendUrl(url, storage_path);
      expiration_ms = urls.local->expiration_ms();
      return OkStatus();
    }
    LS_ASSIGN_OR_RETURN(SignedUrl signed_url,
                        url_signer.Sign(urls.store, urls.scope, storage_path));
    url = std::move(signed_url.url);
    expiration_ms = signed_url.expiration_ms;
    return OkStatus();
  }

  Status SignFile(const ResponseUrls& urls, std::string_view action_path,
                  const delta::DeletionVectorDescriptor* dv, ResponseFormat format,
                  ResponseFormat id_scheme, SignedFile& out) const {
    LS_RETURN_IF_ERROR(ResolveStoragePath(urls, action_path, out));
    out.id.clear();
    AppendFileId(out.id, id_scheme, out.storage_path);
    return SignResolvedFile(urls, dv, format, id_scheme, out);
  }

  // SignFile in two steps, so that the ids of several files can be computed together in
  // between: the storage path first, then (with `out.id` set) the URLs.
  Status ResolveStoragePath(const ResponseUrls& urls, std::string_view action_path,
                            SignedFile& out) const {
    // StoragePathOf decodes the path; most paths have nothing to decode.
    if (action_path.find('%') == std::string_view::npos && !delta::IsAbsoluteUri(action_path)) {
      out.storage_path = action_path;
    } else {
      LS_ASSIGN_OR_RETURN(out.path_buffer, StoragePathOf(urls.store, action_path));
      out.storage_path = out.path_buffer;
    }
    return OkStatus();
  }
  Status SignResolvedFile(const ResponseUrls& urls, const delta::DeletionVectorDescriptor* dv,
                          ResponseFormat format, ResponseFormat id_scheme, SignedFile& out) const {
    LS_RETURN_IF_ERROR(SignUrl(urls, out.storage_path, out.url, out.expiration_ms));
    out.has_dv_url = false;
    out.dv_id.clear();
    if (dv && format == ResponseFormat::kDelta && dv->storage_type != 'i') {
      std::string dv_path;
      if (dv->storage_type == 'u') {
        LS_ASSIGN_OR_RETURN(dv_path, dv->RelativePath());
      } else {
        LS_ASSIGN_OR_RETURN(dv_path, StoragePathOf(urls.store, dv->path_or_inline_dv));
      }
      int64_t dv_expiration_ms = 0;
      LS_RETURN_IF_ERROR(SignUrl(urls, dv_path, out.dv_url, dv_expiration_ms));
      out.has_dv_url = true;
      out.dv_id = FileId(id_scheme, dv->UniqueId());
    }
    return OkStatus();
  }

  // ---- listing endpoints ----

  Result<http::Response> ListShares(http::Request& request) const {
    LS_ASSIGN_OR_RETURN(Recipient r, Caller(request));
    LS_ASSIGN_OR_RETURN(ListParams params, ParseListParams(request, options.list_page_size_limit));
    std::string binding = ShortDigest(r.name + '\0' + "shares");
    LS_ASSIGN_OR_RETURN(ListOptions lo, ListStart(params, "shares", binding));
    LS_ASSIGN_OR_RETURN(auto page, provider->ListShares(r, lo));
    OrderedJson items = OrderedJson::array();
    for (const ShareInfo& s : page.items) {
      OrderedJson item = {{"name", s.name}, {"id", s.id}};
      if (s.comment) item["comment"] = *s.comment;
      items.push_back(std::move(item));
    }
    std::string last = page.items.empty() ? lo.after : ToLower(page.items.back().name);
    return ListReply(std::move(items), page.more, "shares", binding, last);
  }

  Result<http::Response> GetShare(http::Request& request) const {
    LS_ASSIGN_OR_RETURN(Recipient r, Caller(request));
    LS_ASSIGN_OR_RETURN(ShareInfo s, provider->GetShare(r, Param(request, "share")));
    OrderedJson share = {{"name", s.name}, {"id", s.id}};
    if (s.comment) share["comment"] = *s.comment;
    OrderedJson body = {{"share", std::move(share)}};
    return http::Response::Json(body.dump(-1, ' ', false, OrderedJson::error_handler_t::replace));
  }

  Result<http::Response> ListSchemas(http::Request& request) const {
    LS_ASSIGN_OR_RETURN(Recipient r, Caller(request));
    LS_ASSIGN_OR_RETURN(ListParams params, ParseListParams(request, options.list_page_size_limit));
    const std::string& share = Param(request, "share");
    std::string binding = ShortDigest(r.name + '\0' + "schemas" + '\0' + ToLower(share));
    LS_ASSIGN_OR_RETURN(ListOptions lo, ListStart(params, "schemas", binding));
    LS_ASSIGN_OR_RETURN(auto page, provider->ListSchemas(r, share, lo));
    OrderedJson items = OrderedJson::array();
    for (const SchemaInfo& s : page.items) items.push_back({{"name", s.name}, {"share", s.share}});
    std::string last = page.items.empty() ? lo.after : ToLower(page.items.back().name);
    return ListReply(std::move(items), page.more, "schemas", binding, last);
  }

  static OrderedJson TableItem(const TableInfo& t) {
    return {{"name", t.name},
            {"schema", t.schema},
            {"share", t.share},
            {"shareId", t.share_id},
            {"id", t.id}};
  }

  Result<http::Response> ListTables(http::Request& request) const {
    LS_ASSIGN_OR_RETURN(Recipient r, Caller(request));
    LS_ASSIGN_OR_RETURN(ListParams params, ParseListParams(request, options.list_page_size_limit));
    const std::string& share = Param(request, "share");
    const std::string& schema = Param(request, "schema");
    std::string binding =
        ShortDigest(r.name + '\0' + "tables" + '\0' + ToLower(share) + '\0' + ToLower(schema));
    LS_ASSIGN_OR_RETURN(ListOptions lo, ListStart(params, "tables", binding));
    LS_ASSIGN_OR_RETURN(auto page, provider->ListTables(r, share, schema, lo));
    OrderedJson items = OrderedJson::array();
    for (const TableInfo& t : page.items) items.push_back(TableItem(t));
    std::string last = page.items.empty() ? lo.after : ToLower(page.items.back().name);
    return ListReply(std::move(items), page.more, "tables", binding, last);
  }

  Result<http::Response> ListAllTables(http::Request& request) const {
    LS_ASSIGN_OR_RETURN(Recipient r, Caller(request));
    LS_ASSIGN_OR_RETURN(ListParams params, ParseListParams(request, options.list_page_size_limit));
    const std::string& share = Param(request, "share");
    std::string binding = ShortDigest(r.name + '\0' + "all-tables" + '\0' + ToLower(share));
    LS_ASSIGN_OR_RETURN(ListOptions lo, ListStart(params, "all-tables", binding));
    LS_ASSIGN_OR_RETURN(auto page, provider->ListAllTables(r, share, lo));
    OrderedJson items = OrderedJson::array();
    for (const TableInfo& t : page.items) items.push_back(TableItem(t));
    std::string last = page.items.empty() ? lo.after
                                          : ToLower(page.items.back().schema) + '\x1f' +
                                                ToLower(page.items.back().name);
    return ListReply(std::move(items), page.more, "all-tables", binding, last);
  }

  Result<ListOptions> ListStart(const ListParams& params, std::string_view kind,
                                const std::string& binding) const {
    ListOptions lo;
    lo.limit = params.max_results;
    if (params.page_token) {
      LS_ASSIGN_OR_RETURN(PageToken t,
                          DecodePageToken(signer, *params.page_token, kind, binding, NowMs()));
      lo.after = t.after;
    }
    return lo;
  }

  Result<http::Response> ListReply(OrderedJson items, bool more, std::string_view kind,
                                   const std::string& binding, const std::string& last) const {
    OrderedJson body = {{"items", std::move(items)}};
    if (more) {
      PageToken t;
      t.kind = std::string(kind);
      t.binding = binding;
      t.after = last;
      t.expires_ms = NowMs() + options.page_token_ttl_ms;
      body["nextPageToken"] = EncodePageToken(signer, t);
    }
    return http::Response::Json(body.dump(-1, ' ', false, OrderedJson::error_handler_t::replace));
  }

  // ---- /version, HEAD, /metadata ----

  Result<http::Response> TableVersion(http::Request& request) const {
    LS_ASSIGN_OR_RETURN(TableContext ctx, ResolveTable(request));
    LS_ASSIGN_OR_RETURN(std::optional<int64_t> ts, ParseVersionParams(request));
    LS_ASSIGN_OR_RETURN(auto latest, Latest(ctx));
    int64_t version = latest->version();
    if (ts) {
      LS_RETURN_IF_ERROR(RequireHistory(ctx, "'startingTimestamp'"));
      // PROTOCOL.md, "Query Table Version": startingTimestamp gives "the earliest version of the
      // table whose commit timestamp is greater than or equal to" it.
      LS_ASSIGN_OR_RETURN(version,
                          VersionAt(ctx, *latest, *ts, delta::TimestampBound::kEarliestAtOrAfter));
    }
    http::Response r(200);
    r.SetHeader(kTableVersionHeader, std::to_string(version));
    return r;
  }

  Result<http::Response> Metadata(http::Request& request) const {
    LS_ASSIGN_OR_RETURN(TableContext ctx, ResolveTable(request));
    LS_ASSIGN_OR_RETURN(Capabilities caps, ParseCapabilities(request.Header(kCapabilitiesHeader)));
    LS_ASSIGN_OR_RETURN(auto fileidhash, ParseFileIdHash(request.Header("fileidhash")));
    LS_ASSIGN_OR_RETURN(VersionSelector sel, ParseMetadataParams(request));
    LS_ASSIGN_OR_RETURN(auto latest, Latest(ctx));
    std::shared_ptr<const delta::Snapshot> s = latest;
    std::optional<int64_t> version_field;
    if (sel.version || sel.timestamp_ms) {
      LS_RETURN_IF_ERROR(RequireHistory(ctx, sel.version ? "'version'" : "'timestamp'"));
      int64_t v = 0;
      if (sel.version) {
        v = *sel.version;
      } else {
        LS_ASSIGN_OR_RETURN(v, VersionAt(ctx, *latest, *sel.timestamp_ms,
                                         delta::TimestampBound::kLatestAtOrBefore));
      }
      LS_ASSIGN_OR_RETURN(s, AtVersion(ctx, latest, v));
      version_field = s->version();
    }
    LS_ASSIGN_OR_RETURN(ResponseFormat format, ChooseFormat(caps, ctx.table, s->features(),
                                                            delta::HasDeletionVectors(s->files())));
    std::string body;
    AppendHead(body, format, ctx, s->protocol(), s->metadata(),
               Extras(ctx, *s, version_field, /*with_size=*/true));
    http::Response r = http::Response::Text(std::move(body), 200, http::kNdjsonContentType);
    SetDataHeaders(r, s->version(), format, false, fileidhash);
    return r;
  }

  // ---- /query ----

  Result<http::Response> Query(http::Request& request) const;
  Result<http::Response> StreamingQuery(const http::Request& request, const TableContext& ctx,
                                        const Capabilities& caps,
                                        std::optional<ResponseFormat> fileidhash,
                                        const QueryRequest& q,
                                        std::shared_ptr<http::AuditNotes> audit) const;
  Result<http::Response> Changes(http::Request& request) const;

  struct ChangeRange {
    int64_t start = 0;
    int64_t end = 0;
    bool cdf = true;  // /changes: cdc files win; streaming query: add/remove only
    bool historical_metadata = false;
    bool historical_protocol = false;
    std::optional<int64_t> max_files;
    int64_t resume_version = -1;
    int64_t resume_index = 0;
    std::string token_kind;
    std::string binding;
  };
  Result<http::Response> StreamChanges(const http::Request& request, const TableContext& ctx,
                                       std::shared_ptr<const delta::Snapshot> latest,
                                       ResponseFormat format, ResponseFormat id_scheme,
                                       std::optional<ResponseFormat> fileidhash, bool end_stream,
                                       ChangeRange range, std::string head,
                                       std::shared_ptr<http::AuditNotes> audit) const;

  Result<http::Response> ServeFile(http::Request& request) const {
    auto response =
        ServeSignedFile(request, *provider, const_cast<StoreCache&>(stores), url_signer, NowMs());
    // The URL names its recipient; it is known to be genuine once the signature verified.
    const std::string* recipient = request.QueryParam("recipient");
    if (response && recipient) request.audit()->recipient = *recipient;
    return response;
  }
};

Result<http::Response> SharingService::Impl::Query(http::Request& request) const {
  LS_ASSIGN_OR_RETURN(TableContext ctx, ResolveTable(request));
  LS_ASSIGN_OR_RETURN(Capabilities caps, ParseCapabilities(request.Header(kCapabilitiesHeader)));
  LS_ASSIGN_OR_RETURN(auto fileidhash, ParseFileIdHash(request.Header("fileidhash")));
  LS_ASSIGN_OR_RETURN(QueryRequest q, ParseQueryRequest(request.body()));
  std::shared_ptr<http::AuditNotes> audit = request.audit();
  NoteQueryRequest(*audit, q);
  audit->served_action = "deltaSharingQueriedTable";
  if (q.version) LS_RETURN_IF_ERROR(RequireHistory(ctx, "'version'"));
  if (q.timestamp_ms) LS_RETURN_IF_ERROR(RequireHistory(ctx, "'timestamp'"));
  if (q.starting_version) {
    LS_RETURN_IF_ERROR(RequireHistory(ctx, "'startingVersion'"));
    return StreamingQuery(request, ctx, caps, fileidhash, q, audit);
  }
  LS_ASSIGN_OR_RETURN(auto latest, Latest(ctx));
  const int64_t now = NowMs();
  const std::string binding = Binding(ctx, q.Canonical());
  const std::string refresh_binding = Binding(ctx, "refresh");

  // Which snapshot: a page token or refresh token pins one; else version / timestamp / latest.
  std::optional<PageToken> page;
  std::shared_ptr<const delta::Snapshot> s = latest;
  bool time_travel = false;
  if (q.page_token) {
    LS_ASSIGN_OR_RETURN(PageToken t, DecodePageToken(signer, *q.page_token, "query", binding, now));
    if (!q.max_files) return InvalidArgument("'pageToken' requires 'maxFiles'");
    LS_ASSIGN_OR_RETURN(s, AtVersion(ctx, latest, t.version));
    page = std::move(t);
    time_travel = q.version || q.timestamp_ms;
  } else if (q.refresh_token) {
    LS_ASSIGN_OR_RETURN(RefreshToken t,
                        DecodeRefreshToken(signer, *q.refresh_token, refresh_binding, now));
    LS_ASSIGN_OR_RETURN(s, AtVersion(ctx, latest, t.version));
  } else if (q.version) {
    LS_ASSIGN_OR_RETURN(s, AtVersion(ctx, latest, *q.version));
    time_travel = true;
  } else if (q.timestamp_ms) {
    LS_ASSIGN_OR_RETURN(int64_t v, VersionAt(ctx, *latest, *q.timestamp_ms,
                                             delta::TimestampBound::kLatestAtOrBefore));
    LS_ASSIGN_OR_RETURN(s, AtVersion(ctx, latest, v));
    time_travel = true;
  }
  LS_ASSIGN_OR_RETURN(ResponseFormat format, ChooseFormat(caps, ctx.table, s->features(),
                                                            delta::HasDeletionVectors(s->files())));
  ResponseFormat id_scheme = fileidhash.value_or(format);
  LS_ASSIGN_OR_RETURN(FilterSpec filters, BuildFilters(ctx, *s, &q));
  const bool end_stream = caps.include_end_stream_action || q.max_files.has_value() ||
                          q.include_refresh_token || q.refresh_token.has_value();
  std::string refresh_token;
  if (q.include_refresh_token || q.refresh_token) {
    refresh_token = EncodeRefreshToken(
        signer, RefreshToken{refresh_binding, s->version(), now + options.refresh_token_ttl_ms});
  }
  std::optional<int64_t> max_files;
  if (q.max_files) max_files = std::min<int64_t>(*q.max_files, options.query_page_size_limit);

  std::string head;
  AppendHead(head, format, ctx, s->protocol(), s->metadata(),
             Extras(ctx, *s, time_travel ? std::optional<int64_t>(s->version()) : std::nullopt,
                    /*with_size=*/true));

  struct State {
    const Impl* impl;
    std::shared_ptr<const delta::Snapshot> snapshot;
    std::shared_ptr<const storage::ObjectStore> store;
    UrlScope scope;
    ResponseFormat format, id_scheme;
    bool time_travel, end_stream;
    FilterSpec filters;
    std::optional<int64_t> max_files;
    std::string after;
    std::string binding;
    std::string refresh_token;
    std::string head;
    int64_t now;
    std::shared_ptr<http::AuditNotes> audit;  // filled when the stream ends
    bool partition_restricted;
  };
  auto state = std::make_shared<State>(State{this, s, ctx.store, Scope(request, ctx), format,
                                             id_scheme, time_travel, end_stream, std::move(filters),
                                             max_files, page ? page->after : std::string(), binding,
                                             std::move(refresh_token), std::move(head), now,
                                             std::move(audit), ctx.table.partition_restricted()});

  http::Response response = http::Response::Stream(
      http::kNdjsonContentType, [state](http::StreamWriter& writer) -> Status {
        const State& st = *state;
        const delta::Snapshot& snap = *st.snapshot;
        LineSink sink(writer);
        sink.buffer() += st.head;  // keeps the reserved capacity
        std::optional<int64_t> min_expiration;
        int64_t emitted = 0;
        int64_t emitted_bytes = 0;
        std::string stats;
        const ResponseUrls urls = st.impl->PrepareUrls(*st.store, st.scope);
        SignedFile signed_files[kMd5Lanes];
        PartitionValuesJsonCache partition_json;
        auto dv_of = [](const delta::AddFile& f) {
          return f.deletion_vector ? &f.deletion_vector->descriptor : nullptr;
        };
        auto write_line = [&](const delta::AddFile& f, const SignedFile& sf) -> Status {
          std::optional<int64_t> version, timestamp;
          if (st.time_travel) {
            version = snap.version();
            timestamp = snap.timestamp_ms();
          }
          if (st.format == ResponseFormat::kParquet) {
            stats.clear();
            f.AppendStatsLiteral(stats);
            ParquetFileLine line;
            line.url = sf.url;
            line.url_is_plain = urls.local && urls.local->json_plain();
            line.id = sf.id;
            line.partition_values = &f.partition_values->values;
            line.partition_values_json = partition_json.Get(f.partition_values);
            line.size = f.size;
            line.stats_literal = stats;
            line.version = version;
            line.timestamp = timestamp;
            line.expiration_ms = sf.expiration_ms;
            AppendParquetFile(sink.buffer(), line);
          } else {
            DeltaFileWrapper w;
            w.id = sf.id;
            w.deletion_vector_file_id = sf.dv_id;
            w.version = version;
            w.timestamp = timestamp;
            w.expiration_ms = sf.expiration_ms;
            std::optional<std::string_view> dv_url;
            if (sf.has_dv_url) dv_url = sf.dv_url;
            AppendDeltaAddFile(sink.buffer(), f, sf.url, dv_url, w);
          }
          min_expiration = std::min(min_expiration.value_or(sf.expiration_ms), sf.expiration_ms);
          ++emitted;
          emitted_bytes += f.size;
          return sink.MaybeFlush();
        };
        auto emit = [&](const delta::AddFile& f) -> Status {
          SignedFile& sf = signed_files[0];
          LS_RETURN_IF_ERROR(
              st.impl->SignFile(urls, f.path(), dv_of(f), st.format, st.id_scheme, sf));
          return write_line(f, sf);
        };
        // The full response takes its files kMd5Lanes at a time so that their parquet ids (the
        // MD5 of their paths) are hashed side by side (Md5Digests); same lines, same order.
        const delta::AddFile* batch[kMd5Lanes];
        size_t batched = 0;
        auto emit_batch = [&]() -> Status {
          const size_t n = std::exchange(batched, 0);
          if (st.id_scheme != ResponseFormat::kParquet) {
            for (size_t i = 0; i < n; ++i) LS_RETURN_IF_ERROR(emit(*batch[i]));
            return OkStatus();
          }
          std::string_view paths[kMd5Lanes];
          size_t resolved = 0;
          Status failed;
          for (; resolved < n; ++resolved) {
            SignedFile& sf = signed_files[resolved];
            failed = st.impl->ResolveStoragePath(urls, batch[resolved]->path(), sf);
            if (!failed) break;
            paths[resolved] = sf.storage_path;
          }
          unsigned char digests[kMd5Lanes][16];
          Md5Digests(paths, resolved, digests);
          for (size_t i = 0; i < resolved; ++i) {
            SignedFile& sf = signed_files[i];
            sf.id.clear();
            AppendHex(sf.id, std::string_view(reinterpret_cast<const char*>(digests[i]), 16));
            LS_RETURN_IF_ERROR(
                st.impl->SignResolvedFile(urls, dv_of(*batch[i]), st.format, st.id_scheme, sf));
            LS_RETURN_IF_ERROR(write_line(*batch[i], sf));
          }
          return failed;
        };

        Filters filters(st.filters, snap.metadata(), snap.features());
        LimitCounter limit{st.filters.limit};
        EndStreamAction end;
        Status status;
        if (!st.max_files) {
          // One response with every file, in the snapshot's own order, never materialized.
          snap.files().ForEach([&](const delta::AddFile& f) {
            if (limit.Reached()) return false;
            if (!filters.Shared(f)) return true;
            uint8_t outcome = filters.Hinted(f);
            if (!(outcome & delta::kMayBeTrue)) return true;
            batch[batched++] = &f;
            limit.Count(f, outcome);
            if (batched == kMd5Lanes) status = emit_batch();
            return status.has_value();
          });
          if (status && batched > 0) status = emit_batch();
        } else {
          // Pages need an order that does not depend on how the snapshot was built: by
          // (path, deletion vector), resumed after the key in the page token.
          std::vector<std::pair<const delta::AddFile*, uint8_t>> selected;
          snap.files().ForEach([&](const delta::AddFile& f) {
            if (!filters.Shared(f)) return true;
            uint8_t outcome = filters.Hinted(f);
            if (outcome & delta::kMayBeTrue) selected.emplace_back(&f, outcome);
            return true;
          });
          std::sort(selected.begin(), selected.end(),
                    [](const auto& a, const auto& b) { return FileLess(a.first, b.first); });
          size_t taken = 0;
          for (; taken < selected.size() && !limit.Reached(); ++taken) {
            limit.Count(*selected[taken].first, selected[taken].second);
          }
          selected.resize(taken);
          size_t pos = 0;
          if (!st.after.empty()) {
            pos = static_cast<size_t>(std::upper_bound(selected.begin(), selected.end(), st.after,
                                                       [](const std::string& key, const auto& e) {
                                                         return key < FileKey(*e.first);
                                                       }) -
                                      selected.begin());
          }
          size_t stop = std::min(selected.size(), pos + static_cast<size_t>(*st.max_files));
          for (size_t i = pos; i < stop && status; ++i) status = emit(*selected[i].first);
          if (status && stop < selected.size()) {
            PageToken t;
            t.kind = "query";
            t.binding = st.binding;
            t.version = snap.version();
            t.after = FileKey(*selected[stop - 1].first);
            t.expires_ms = st.now + st.impl->options.page_token_ttl_ms;
            end.next_page_token = EncodePageToken(st.impl->signer, t);
          }
        }
        if (st.impl->files_served && emitted > 0) {
          st.impl->files_served->Inc({std::string(ResponseFormatName(st.format))},
                                     static_cast<double>(emitted));
        }
        if (st.audit) {
          auto& r = st.audit->result;
          r["tableVersion"] = std::to_string(snap.version());
          r["activeAddFiles"] = std::to_string(snap.files().size());
          r["numAddFiles"] = std::to_string(emitted);
          r["scannedAddFileSize"] = std::to_string(emitted_bytes);
          r["numRemoveFiles"] = "0";
          if (st.filters.limit) r["limitHint"] = std::to_string(*st.filters.limit);
          r["deltaSharingPartitionFilteringAccessed"] = st.partition_restricted ? "true" : "false";
          r["earlyTermination"] =
              (!status || limit.Reached() || !end.next_page_token.empty()) ? "true" : "false";
        }
        if (!status) {
          if (!sink.handed() || !st.end_stream) return status;
          end = EndStreamAction{};
          end.error_message = StreamErrorMessage(status.error());
          AppendEndStreamAction(sink.buffer(), end);
          return sink.Flush();
        }
        if (st.end_stream) {
          end.refresh_token = st.refresh_token;
          end.min_url_expiration_ms = min_expiration;
          AppendEndStreamAction(sink.buffer(), end);
        }
        return sink.Flush();
      });
  SetDataHeaders(response, s->version(), format, end_stream, fileidhash);
  return response;
}

Result<http::Response> SharingService::Impl::StreamingQuery(
    const http::Request& request, const TableContext& ctx, const Capabilities& caps,
    std::optional<ResponseFormat> fileidhash, const QueryRequest& q,
    std::shared_ptr<http::AuditNotes> audit) const {
  LS_ASSIGN_OR_RETURN(auto latest, Latest(ctx));
  ChangeRange range;
  range.start = *q.starting_version;
  if (range.start < ctx.table.start_version) {
    return InvalidArgument(
        "'startingVersion' {} is before the first version shared for table "
        "'{}' ({})",
        range.start, ctx.table.name, ctx.table.start_version);
  }
  if (range.start > latest->version()) {
    return InvalidArgument("'startingVersion' {} is after the latest version of table '{}' ({})",
                           range.start, ctx.table.name, latest->version());
  }
  if (q.ending_version && *q.ending_version > latest->version()) {
    return InvalidArgument("'endingVersion' {} is after the latest version of table '{}' ({})",
                           *q.ending_version, ctx.table.name, latest->version());
  }
  range.end = q.ending_version.value_or(latest->version());
  range.cdf = false;
  range.historical_metadata = true;  // "including historical metadata if seen in the delta log"
  range.historical_protocol = q.include_historical_protocol;
  range.token_kind = "query";
  range.binding = Binding(ctx, q.Canonical());
  if (q.max_files) range.max_files = std::min<int64_t>(*q.max_files, options.query_page_size_limit);
  if (q.page_token) {
    if (!q.max_files) return InvalidArgument("'pageToken' requires 'maxFiles'");
    LS_ASSIGN_OR_RETURN(PageToken t,
                        DecodePageToken(signer, *q.page_token, "query", range.binding, NowMs()));
    range.resume_version = t.version;
    range.resume_index = t.index;
    if (t.end_version >= 0) range.end = t.end_version;
  }
  LS_ASSIGN_OR_RETURN(ResponseFormat format, ChooseFormat(caps, ctx.table, latest->features(),
                                    latest->features().HasReaderFeature("deletionVectors")));
  // The head lines describe the table at the starting version.
  LS_ASSIGN_OR_RETURN(auto start_snapshot, AtVersion(ctx, latest, range.start));
  std::string head;
  if (format == ResponseFormat::kParquet) {
    AppendParquetProtocol(head);
  } else {
    AppendDeltaProtocol(
        head, start_snapshot->protocol(),
        range.historical_protocol ? std::optional<int64_t>(range.start) : std::nullopt);
  }
  MetadataExtras extras = Extras(ctx, *start_snapshot, range.start, /*with_size=*/false);
  if (format == ResponseFormat::kParquet) {
    AppendParquetMetadata(head, start_snapshot->metadata(), extras);
  } else {
    AppendDeltaMetadata(head, start_snapshot->metadata(), extras);
  }
  const bool end_stream = caps.include_end_stream_action || q.max_files.has_value();
  return StreamChanges(request, ctx, latest, format, fileidhash.value_or(format), fileidhash,
                       end_stream, std::move(range), std::move(head), std::move(audit));
}

Result<http::Response> SharingService::Impl::Changes(http::Request& request) const {
  LS_ASSIGN_OR_RETURN(TableContext ctx, ResolveTable(request));
  LS_ASSIGN_OR_RETURN(Capabilities caps, ParseCapabilities(request.Header(kCapabilitiesHeader)));
  LS_ASSIGN_OR_RETURN(auto fileidhash, ParseFileIdHash(request.Header("fileidhash")));
  LS_ASSIGN_OR_RETURN(ChangesRequest c, ParseChangesRequest(request));
  std::shared_ptr<http::AuditNotes> audit = request.audit();
  audit->served_action = "deltaSharingQueriedTableChanges";
  if (!ctx.table.cdf_shared) {
    return Unsupported("The change data feed of table '{}' is not shared", ctx.table.name);
  }
  LS_ASSIGN_OR_RETURN(auto latest, Latest(ctx));
  ChangeRange range;
  if (c.starting_version) {
    range.start = *c.starting_version;
  } else {
    // "startingTimestamp ... will be converted to a version created greater or equal to this
    // timestamp".
    LS_ASSIGN_OR_RETURN(range.start, VersionAt(ctx, *latest, *c.starting_timestamp_ms,
                                               delta::TimestampBound::kEarliestAtOrAfter));
  }
  if (c.ending_version) {
    range.end = *c.ending_version;
  } else if (c.ending_timestamp_ms) {
    // "endingTimestamp ... will be converted to a version created earlier than or at the
    // timestamp".
    auto v = delta::VersionAtTimestamp(*latest, *c.ending_timestamp_ms,
                                       delta::TimestampBound::kLatestAtOrBefore);
    if (!v) {
      Error e = v.error();
      if (e.code == ErrorCode::kNotFound) e.code = ErrorCode::kInvalidArgument;
      return tl::unexpected<Error>(std::move(e));
    }
    range.end = *v;
  } else {
    range.end = latest->version();
  }
  if (range.start < ctx.table.start_version) {
    return InvalidArgument(
        "The starting version {} is before the first version shared for table "
        "'{}' ({})",
        range.start, ctx.table.name, ctx.table.start_version);
  }
  if (range.start > latest->version()) {
    return InvalidArgument("The starting version {} is after the latest version of table '{}' ({})",
                           range.start, ctx.table.name, latest->version());
  }
  if (range.end > latest->version()) {
    return InvalidArgument("The ending version {} is after the latest version of table '{}' ({})",
                           range.end, ctx.table.name, latest->version());
  }
  if (range.end < range.start) {
    return InvalidArgument("The ending version {} is before the starting version {}", range.end,
                           range.start);
  }
  range.cdf = true;
  range.historical_metadata = c.include_historical_metadata;
  range.historical_protocol = c.include_historical_protocol;
  range.token_kind = "changes";
  range.binding = Binding(ctx, c.Canonical());
  range.max_files = c.max_files;
  if (range.max_files) {
    range.max_files = std::min<int64_t>(*range.max_files, options.query_page_size_limit);
  }
  if (c.page_token) {
    if (!c.max_files) return InvalidArgument("'pageToken' requires 'maxFiles'");
    LS_ASSIGN_OR_RETURN(PageToken t,
                        DecodePageToken(signer, *c.page_token, "changes", range.binding, NowMs()));
    range.resume_version = t.version;
    range.resume_index = t.index;
    if (t.end_version >= 0) range.end = t.end_version;
  }
  LS_ASSIGN_OR_RETURN(ResponseFormat format, ChooseFormat(caps, ctx.table, latest->features(),
                                    latest->features().HasReaderFeature("deletionVectors")));
  // The head metaData: for the start version when historical metadata is asked for, else for
  // the latest version; it always carries its version (the Python client's delta path needs it).
  std::shared_ptr<const delta::Snapshot> head_snapshot = latest;
  if (c.include_historical_metadata) {
    LS_ASSIGN_OR_RETURN(head_snapshot, AtVersion(ctx, latest, range.start));
  }
  std::string head;
  if (format == ResponseFormat::kParquet) {
    AppendParquetProtocol(head);
    AppendParquetMetadata(head, head_snapshot->metadata(),
                          Extras(ctx, *head_snapshot, head_snapshot->version(), false));
  } else {
    AppendDeltaProtocol(head, head_snapshot->protocol(),
                        range.historical_protocol ? std::optional<int64_t>(head_snapshot->version())
                                                  : std::nullopt);
    AppendDeltaMetadata(head, head_snapshot->metadata(),
                        Extras(ctx, *head_snapshot, head_snapshot->version(), false));
  }
  const bool end_stream = caps.include_end_stream_action || c.max_files.has_value();
  return StreamChanges(request, ctx, latest, format, fileidhash.value_or(format), fileidhash,
                       end_stream, std::move(range), std::move(head), std::move(audit));
}

Result<http::Response> SharingService::Impl::StreamChanges(
    const http::Request& request, const TableContext& ctx,
    std::shared_ptr<const delta::Snapshot> latest, ResponseFormat format, ResponseFormat id_scheme,
    std::optional<ResponseFormat> fileidhash, bool end_stream, ChangeRange range, std::string head,
    std::shared_ptr<http::AuditNotes> audit) const {
  LS_ASSIGN_OR_RETURN(FilterSpec filters, BuildFilters(ctx, *latest, nullptr));
  struct State {
    const Impl* impl;
    std::shared_ptr<const delta::Snapshot> latest;
    std::shared_ptr<const storage::ObjectStore> store;
    UrlScope scope;
    ResponseFormat format, id_scheme;
    bool end_stream;
    bool cdf_shared;
    ChangeRange range;
    FilterSpec filters;
    std::string head;
    int64_t now;
    std::shared_ptr<http::AuditNotes> audit;  // filled when the stream ends
    bool partition_restricted;
  };
  const int64_t start = range.start;
  auto state = std::make_shared<State>(
      State{this, std::move(latest), ctx.store, Scope(request, ctx), format, id_scheme, end_stream,
            ctx.table.cdf_shared, std::move(range), std::move(filters), std::move(head), NowMs(),
            std::move(audit), ctx.table.partition_restricted()});
  http::Response response = http::Response::Stream(
      http::kNdjsonContentType, [state](http::StreamWriter& writer) -> Status {
        const State& st = *state;
        const ChangeRange& r = st.range;
        LineSink sink(writer);
        sink.buffer() += st.head;  // keeps the reserved capacity
        Filters filters(st.filters, st.latest->metadata(), st.latest->features());
        std::optional<int64_t> min_expiration;
        int64_t emitted = 0;
        ServedCounters counters;
        EndStreamAction end;
        std::string stats;
        const ResponseUrls urls = st.impl->PrepareUrls(*st.store, st.scope);
        SignedFile sf;

        auto emit = [&](const delta::FileAction& a, int64_t version, int64_t ts) -> Status {
          const delta::DeletionVectorDescriptor* dv =
              a.deletion_vector ? &*a.deletion_vector : nullptr;
          LS_RETURN_IF_ERROR(st.impl->SignFile(urls, a.path, dv, st.format, st.id_scheme, sf));
          const std::string& id = sf.id;
          if (st.format == ResponseFormat::kParquet) {
            stats.clear();
            if (a.type == delta::FileActionType::kAdd && a.stats) AppendJsonString(stats, *a.stats);
            ParquetFileLine line;
            line.wrapper = a.type == delta::FileActionType::kAdd      ? "add"
                           : a.type == delta::FileActionType::kRemove ? "remove"
                                                                      : "cdf";
            line.url = sf.url;
            line.url_is_plain = urls.local && urls.local->json_plain();
            line.id = id;
            line.partition_values = &a.partition_values;
            line.size = a.size.value_or(0);
            line.stats_literal = stats;
            line.version = version;
            line.timestamp = ts;
            line.expiration_ms = sf.expiration_ms;
            AppendParquetFile(sink.buffer(), line);
          } else {
            DeltaFileWrapper w;
            w.id = id;
            w.deletion_vector_file_id = sf.dv_id;
            w.version = version;
            w.timestamp = ts;
            w.expiration_ms = sf.expiration_ms;
            std::optional<std::string_view> dv_url;
            if (sf.has_dv_url) dv_url = sf.dv_url;
            LS_RETURN_IF_ERROR(AppendDeltaFileAction(sink.buffer(), a, sf.url, dv_url, w));
          }
          min_expiration = std::min(min_expiration.value_or(sf.expiration_ms), sf.expiration_ms);
          ++emitted;
          const int64_t size = a.size.value_or(0);
          switch (a.type) {
            case delta::FileActionType::kAdd:
              ++counters.add_files;
              counters.add_bytes += size;
              break;
            case delta::FileActionType::kRemove:
              ++counters.remove_files;
              counters.remove_bytes += size;
              break;
            case delta::FileActionType::kCdc:
              ++counters.cdc_files;
              counters.cdc_bytes += size;
              break;
          }
          return sink.MaybeFlush();
        };
        // delta::FileFilter decides a partition-only predicate once per partitionValues object
        // (it expects the snapshot's interned maps): intern the change actions' maps the same
        // way, one live object per distinct map for the whole stream.
        std::map<delta::StringMap, std::unique_ptr<delta::PartitionValues>> interned;
        auto shared = [&](const delta::FileAction& a) {
          if (filters.rule && !filters.rule->Matches(a.partition_values)) return false;
          if (!filters.share) return true;
          std::unique_ptr<delta::PartitionValues>& pv = interned[a.partition_values];
          if (!pv)
            pv = std::make_unique<delta::PartitionValues>(
                delta::PartitionValues{a.partition_values});
          delta::AddFile f;
          f.path_data = a.path.data();
          f.path_size = static_cast<uint32_t>(a.path.size());
          f.partition_values = pv.get();
          return filters.share->Evaluate(f) == delta::kMayBeTrue;
        };
        auto page_full = [&](int64_t version, int64_t index) -> bool {
          if (!r.max_files || emitted < *r.max_files) return false;
          PageToken t;
          t.kind = r.token_kind;
          t.binding = r.binding;
          t.version = version;
          t.index = index;
          t.end_version = r.end;
          t.expires_ms = st.now + st.impl->options.page_token_ttl_ms;
          end.next_page_token = EncodePageToken(st.impl->signer, t);
          return true;
        };

        delta::ChangeFeedOptions options;
        options.start = r.resume_version >= 0 ? r.resume_version : r.start;
        options.end = r.end;
        options.require_cdf_enabled = r.cdf;
        // A streaming query (startingVersion) reads the data actions of every commit, also of
        // commits that carry cdc files; the change feed reads those cdc files instead.
        options.data_actions_only = !r.cdf;
        Status status =
            delta::ReadChangeFeed(st.store, options, [&](delta::CommitChanges&& c) -> Status {
              const std::vector<delta::FileAction>* actions = &c.actions;
              const bool resumed = c.version == r.resume_version;
              const int64_t first = resumed ? r.resume_index : 0;
              const bool metadata_line = c.metadata && r.historical_metadata && c.version > r.start;
              const bool protocol_line = c.protocol && r.historical_protocol &&
                                         st.format == ResponseFormat::kDelta && c.version > r.start;
              if (first == 0) {
                if ((metadata_line || protocol_line || !actions->empty()) &&
                    page_full(c.version, 0)) {
                  return StopSignal();
                }
                if (protocol_line) AppendDeltaProtocol(sink.buffer(), *c.protocol, c.version);
                if (metadata_line) {
                  MetadataExtras extras;
                  extras.version = c.version;
                  extras.cdf_enabled =
                      st.cdf_shared && c.metadata->ConfigBool("delta.enableChangeDataFeed");
                  if (st.format == ResponseFormat::kParquet) {
                    AppendParquetMetadata(sink.buffer(), *c.metadata, extras);
                  } else {
                    AppendDeltaMetadata(sink.buffer(), *c.metadata, extras);
                  }
                }
              }
              for (size_t i = static_cast<size_t>(first); i < actions->size(); ++i) {
                const delta::FileAction& a = (*actions)[i];
                if (!shared(a)) continue;
                if (page_full(c.version, static_cast<int64_t>(i))) return StopSignal();
                LS_RETURN_IF_ERROR(emit(a, c.version, c.timestamp_ms));
              }
              return sink.MaybeFlush();
            });
        const bool cut = !status && IsStopSignal(status.error());
        if (cut) status = OkStatus();
        if (st.audit) {
          auto& res = st.audit->result;
          res["tableVersion"] = std::to_string(r.end);
          res["numAddFiles"] = std::to_string(counters.add_files);
          res["scannedAddFileSize"] = std::to_string(counters.add_bytes);
          res["numRemoveFiles"] = std::to_string(counters.remove_files);
          res["scannedRemoveFileSize"] = std::to_string(counters.remove_bytes);
          res["numAddCDCFiles"] = std::to_string(counters.cdc_files);
          res["scannedAddCDCFileSize"] = std::to_string(counters.cdc_bytes);
          res["deltaSharingPartitionFilteringAccessed"] =
              st.partition_restricted ? "true" : "false";
          res["earlyTermination"] = (cut || !status) ? "true" : "false";
        }
        if (status && !st.end_stream && !end.next_page_token.empty()) {
          return MakeError(ErrorCode::kInternal, "page cut without an endStreamAction");
        }
        if (st.impl->files_served && emitted > 0) {
          st.impl->files_served->Inc({std::string(ResponseFormatName(st.format))},
                                     static_cast<double>(emitted));
        }
        if (!status) {
          Error e = status.error();
          // "Changes from version X are no longer available" is about the request, not a
          // missing resource.
          if (e.code == ErrorCode::kNotFound) e.code = ErrorCode::kInvalidArgument;
          if (!sink.handed() || !st.end_stream) return tl::unexpected<Error>(std::move(e));
          EndStreamAction failed;
          failed.error_message = StreamErrorMessage(e);
          AppendEndStreamAction(sink.buffer(), failed);
          return sink.Flush();
        }
        if (st.end_stream) {
          end.min_url_expiration_ms = min_expiration;
          AppendEndStreamAction(sink.buffer(), end);
        }
        return sink.Flush();
      });
  SetDataHeaders(response, start, format, end_stream, fileidhash);
  return response;
}

// ------------------------------------------------------------------------------------------------

SharingOptions SharingOptionsFromConfig(const SharingConfig& config) {
  SharingOptions o;
  o.endpoint = config.endpoint;
  o.public_url = config.public_url;
  o.tls = config.ssl;
  o.signing_key = config.signing_key;
  o.url_expiry_seconds = config.presigned_url_timeout_seconds;
  o.query_page_size_limit = config.query_table_page_size_limit;
  o.page_token_ttl_ms = config.query_table_page_token_ttl_ms;
  o.refresh_token_ttl_ms = config.refresh_token_ttl_ms;
  o.evaluate_predicate_hints = config.evaluate_predicate_hints;
  o.evaluate_json_predicate_hints = config.evaluate_json_predicate_hints;
  o.snapshot_cache_bytes = static_cast<size_t>(config.snapshot_cache_bytes);
  o.snapshot_refresh_interval_ms = config.staleness_acceptable ? 10'000 : 0;
  o.store_options.endpoint = config.s3.endpoint;
  o.store_options.region = config.s3.region;
  o.store_options.anonymous = config.s3.anonymous;
  o.store_options.addressing = config.s3.addressing == "path" ? storage::S3Addressing::kPathStyle
                               : config.s3.addressing == "virtual"
                                   ? storage::S3Addressing::kVirtualHosted
                                   : storage::S3Addressing::kAuto;
  return o;
}

SharingService::SharingService(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SharingService::~SharingService() = default;

Result<std::unique_ptr<SharingService>> SharingService::Create(
    std::shared_ptr<const ShareProvider> provider, SharingOptions options,
    http::MetricsRegistry* metrics) {
  if (!provider) return InvalidArgument("SharingService needs a ShareProvider");
  if (!options.endpoint.empty() && options.endpoint[0] != '/') {
    return InvalidArgument("The endpoint must start with '/'");
  }
  if (options.url_expiry_seconds <= 0 || options.url_expiry_seconds > 7 * 24 * 3600) {
    return InvalidArgument("The URL expiry must be between 1 second and 7 days");
  }
  auto impl = std::make_unique<Impl>(std::move(provider), std::move(options));
  delta::SnapshotCacheOptions cache;
  cache.memory_budget_bytes = impl->options.snapshot_cache_bytes;
  cache.refresh_interval_ms = impl->options.snapshot_refresh_interval_ms;
  cache.store_options = impl->options.store_options;
  Impl* raw = impl.get();
  cache.open_store = [raw](const std::string& location) { return raw->stores.Get(location); };
  impl->snapshots = std::make_unique<delta::SnapshotCache>(std::move(cache));
  if (metrics) {
    impl->files_served = &metrics->AddCounter(
        "lakeshare_sharing_files_served_total",
        "Data files announced in table-data responses, by response format", {"format"});
  }
  return std::unique_ptr<SharingService>(new SharingService(std::move(impl)));
}

Status SharingService::Authenticate(http::Request& request) const {
  // The notes are written before the check so that refusals (401, 403) are audited under the
  // action the caller attempted.
  NoteRequest(request);
  auto authenticated =
      impl_->provider->Authenticate(request.Header("Authorization"), request.remote_address());
  if (!authenticated) {
    if (authenticated.error().code == ErrorCode::kPermissionDenied) {
      // A valid token from an address its recipient may not use: the auditor wants to know whose.
      if (auto who = impl_->provider->RefusedRecipient(request.Header("Authorization"))) {
        request.audit()->recipient = *who;
      }
    }
    return tl::unexpected<Error>(authenticated.error());
  }
  Recipient r = std::move(*authenticated);
  if (!r.anonymous) request.audit()->recipient = r.name;
  request.set_principal("recipient:" + r.name);
  request.set_identity(std::move(r));
  return OkStatus();
}

http::Authenticator SharingService::MakeAuthenticator() const {
  return [this](http::Request& request) { return Authenticate(request); };
}

void SharingService::SetBaseUrl(std::string base_url) {
  std::lock_guard<std::mutex> lock(impl_->base_mu);
  impl_->base_url = std::move(base_url);
}

Status SharingService::RegisterRoutes(http::Router& router) {
  const std::string p = impl_->options.endpoint;
  const std::string table = p + "/shares/{share}/schemas/{schema}/tables/{table}";
  http::RouteOptions ci;
  ci.case_insensitive = true;
  Impl* impl = impl_.get();
  auto bind = [impl](Result<http::Response> (Impl::*method)(http::Request&) const) {
    return [impl, method](http::Request& request) {
      NoteRequest(request);
      if (const Recipient* r = std::any_cast<Recipient>(&request.identity())) {
        if (!r->anonymous) request.audit()->recipient = r->name;
      }
      return (impl->*method)(request);
    };
  };
  LS_RETURN_IF_ERROR(router.Handle("GET", p + "/shares", bind(&Impl::ListShares), ci));
  LS_RETURN_IF_ERROR(router.Handle("GET", p + "/shares/{share}", bind(&Impl::GetShare), ci));
  LS_RETURN_IF_ERROR(
      router.Handle("GET", p + "/shares/{share}/schemas", bind(&Impl::ListSchemas), ci));
  LS_RETURN_IF_ERROR(router.Handle("GET", p + "/shares/{share}/schemas/{schema}/tables",
                                   bind(&Impl::ListTables), ci));
  LS_RETURN_IF_ERROR(
      router.Handle("GET", p + "/shares/{share}/all-tables", bind(&Impl::ListAllTables), ci));
  LS_RETURN_IF_ERROR(router.Handle("GET", table + "/version", bind(&Impl::TableVersion), ci));
  // PROTOCOL.md, "Query Table Version": "This method is migrating from HEAD to GET".
  LS_RETURN_IF_ERROR(router.Handle("HEAD", table, bind(&Impl::TableVersion), ci));
  LS_RETURN_IF_ERROR(router.Handle("GET", table + "/metadata", bind(&Impl::Metadata), ci));
  LS_RETURN_IF_ERROR(router.Handle("POST", table + "/query", bind(&Impl::Query), ci));
  LS_RETURN_IF_ERROR(router.Handle("GET", table + "/changes", bind(&Impl::Changes), ci));
  // Asynchronous queries are not offered (asyncquery is never echoed), so no query id exists.
  LS_RETURN_IF_ERROR(router.Handle(
      "POST", table + "/queries/{queryId}",
      [](http::Request& request) -> Result<http::Response> {
        NoteRequest(request);
        return NotFound("Unknown query id: this server answers queries synchronously");
      },
      ci));
  http::RouteOptions files;
  files.authenticate = false;  // the signature is the credential
  files.log_path = false;      // the path names provider files; keep it out of access logs
  LS_RETURN_IF_ERROR(
      router.Handle("GET", "/files/{share}/{table}/{path...}", bind(&Impl::ServeFile), files));
  return OkStatus();
}

}  // namespace lakeshare::sharing
