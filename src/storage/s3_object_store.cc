#include "storage/s3_object_store.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include "common/iso_time.h"
#include "common/numbers.h"
#include "common/quoted.h"
#include "common/strings.h"
#include "storage/http_client_internal.h"
#include "storage/location.h"
#include "storage/xml_internal.h"

namespace lakeshare::storage {

using internal::HttpClient;
using internal::HttpRequest;
using internal::HttpResponse;
using internal::XmlElement;

namespace {

// ---------------------------------------------------------------------------------------------
// Request plumbing.

struct S3Call {
  std::string method = "GET";
  std::string key;            // full key below the bucket
  bool bucket_level = false;  // a request on the bucket (ListObjectsV2)
  QueryList query;
  HeaderList headers;
  std::string_view body;
  // Streams the response body (see HttpRequest::on_body); null: collect it in the response.
  std::function<bool(long status, std::string_view chunk)> on_body;
  // Called before every attempt, so a streaming consumer can start over.
  std::function<void()> on_attempt;
};

std::string ErrorCodeOf(const HttpResponse& response) {
  if (response.body.empty()) return {};
  auto root = internal::ParseXml(response.body);
  if (!root || root->name != "Error") return {};
  std::optional<std::string_view> code = root->ChildText("Code");
  if (!code) return {};
  // Codes are identifiers; anything else is not echoed into a message.
  for (char c : *code) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '.')) {
      return {};
    }
  }
  return std::string(code->substr(0, 64));
}

bool IsRetryable(const HttpResponse& response) {
  if (response.status == 429 || response.status == 408 ||
      (response.status >= 500 && response.status != 501)) {
    return true;
  }
  return response.status == 400 && ErrorCodeOf(response) == "RequestTimeout";
}

int64_t BackoffMs(int attempt, const StoreOptions& options) {
  // "Full jitter": a uniform delay in [0, min(cap, base * 2^attempt)].
  thread_local std::mt19937_64 rng{std::random_device{}()};
  int64_t ceiling = std::max<int64_t>(0, options.retry_base_delay_ms);
  for (int i = 1; i < attempt && ceiling < options.retry_max_delay_ms; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, std::max<int64_t>(0, options.retry_max_delay_ms));
  if (ceiling <= 0) return 0;
  return std::uniform_int_distribution<int64_t>(0, ceiling)(rng);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The shared client: configuration, connection pool, signer.

struct S3ObjectStore::Client {
  explicit Client(S3Config c)
      : config(std::move(c)),
        http(internal::HttpClientOptions{config.options.connect_timeout_ms,
                                         config.options.request_timeout_ms, config.ca_bundle}) {
    Location root;
    root.scheme = LocationScheme::kS3;
    root.bucket = config.bucket;
    if (!config.prefix.empty()) root.path = config.prefix.substr(0, config.prefix.size() - 1);
    uri = root.Uri();
    if (!config.credentials.empty()) {
      signer.emplace(config.credentials, config.region, "s3");
    }
  }

  std::string Host() const {
    return config.path_style ? config.endpoint_host : config.bucket + "." + config.endpoint_host;
  }

  std::string RawPath(std::string_view key, bool bucket_level) const {
    std::string path = "/";
    if (config.path_style) {
      path += config.bucket;
      if (bucket_level) return path;
      path += "/";
    }
    if (!bucket_level) path += key;
    return path;
  }

  std::string Key(std::string_view path) const { return config.prefix + std::string(path); }

  /// The store's wall clock: signing time and pre-signed URL start.
  SystemTime Now() const {
    return SystemTime(std::chrono::milliseconds(ClockOr(config.options.clock).NowMs()));
  }

  Result<HttpResponse> Execute(const S3Call& call) const {
    const std::string host = Host();
    const std::string raw_path = RawPath(call.key, call.bucket_level);
    std::string url = config.scheme + "://" + host + CanonicalUri(raw_path);
    if (!call.query.empty()) {
      url += "?" + CanonicalQueryString(call.query);
    }
    const std::string payload_hash =
        call.body.empty() ? std::string(kEmptyPayloadSha256) : Sha256Hex(call.body);
    const int attempts = config.options.max_attempts;
    Error last_error{ErrorCode::kUnavailable, "no attempt made"};
    for (int attempt = 0; attempt < attempts; ++attempt) {
      if (attempt > 0) {
        std::this_thread::sleep_for(
            std::chrono::milliseconds(BackoffMs(attempt, config.options)));
      }
      HttpRequest request;
      request.method = call.method;
      request.url = url;
      request.body = call.body;
      request.on_body = call.on_body;
      if (call.on_attempt) call.on_attempt();
      request.headers = call.headers;
      request.headers.emplace_back("Host", host);
      if (signer) {
        SigV4Request to_sign;
        to_sign.method = call.method;
        to_sign.host = host;
        to_sign.path = raw_path;
        to_sign.query = call.query;
        to_sign.headers = call.headers;
        to_sign.payload_sha256 = payload_hash;
        // Signed afresh on every attempt: x-amz-date must be close to the server's clock.
        LS_ASSIGN_OR_RETURN(SigV4Signature signature,
                            signer->Sign(to_sign, Now()));
        for (auto& header : signature.headers) request.headers.push_back(std::move(header));
      }
      Result<HttpResponse> response = http.Send(request);
      if (!response) {
        if (response.error().code != ErrorCode::kUnavailable) return response;
        last_error = std::move(response).error();
        continue;
      }
      if (IsRetryable(*response) && attempt + 1 < attempts) {
        continue;
      }
      return response;
    }
    return Errorf(ErrorCode::kUnavailable, "{} (after {} attempts)", last_error.message,
                  attempts);
  }

  // Map a failed response to an Error whose message names the object relative to the store.
  Error MapError(const HttpResponse& response, std::string_view action,
                 std::string_view path) const {
    std::string code = ErrorCodeOf(response);
    std::string detail = code.empty() ? fmt::format("HTTP {}", response.status)
                                      : fmt::format("HTTP {} {}", response.status, code);
    if (response.status == 404) {
      if (code == "NoSuchBucket") {
        return Error{ErrorCode::kNotFound,
                     fmt::format("Failed to {} '{}': the bucket does not exist ({})", action, path,
                                 detail)};
      }
      return Error{ErrorCode::kNotFound, fmt::format("Object '{}' does not exist", path)};
    }
    if (response.status == 403 || response.status == 401) {
      return Error{ErrorCode::kPermissionDenied,
                   fmt::format("Access denied to {} '{}' ({}){}", action, path, detail,
                               signer ? "" : "; no AWS credentials are configured")};
    }
    if (response.status == 301 || response.status == 307) {
      const std::string* region = response.Header("x-amz-bucket-region");
      return Error{ErrorCode::kUnavailable,
                   fmt::format("Failed to {} '{}': {}; the bucket is in region '{}', not '{}'",
                               action, path, detail, region ? *region : "?", config.region)};
    }
    return Error{ErrorCode::kUnavailable,
                 fmt::format("Failed to {} '{}' in S3: {}", action, path, detail)};
  }

  Result<ObjectInfo> Head(std::string_view path, std::string* etag) const {
    S3Call call;
    call.method = "HEAD";
    call.key = Key(path);
    LS_ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
    if (response.status != 200) {
      return tl::unexpected(MapError(response, "stat", path));
    }
    const std::string* length = response.Header("content-length");
    std::optional<int64_t> size = length ? ParseInteger<int64_t>(*length) : std::nullopt;
    if (!size || *size < 0) {
      return CorruptError("S3 HEAD of '{}' returned no valid Content-Length", path);
    }
    ObjectInfo info{std::string(path), *size, 0};
    if (const std::string* modified = response.Header("last-modified")) {
      info.last_modified_ms = ParseHttpDateMillis(*modified).value_or(0);
    }
    if (etag != nullptr) {
      const std::string* value = response.Header("etag");
      *etag = value ? *value : "";
    }
    return info;
  }

  // GET exactly [offset, offset + length) of `path` into `out`; length > 0. The body streams
  // straight into `out`. A server that ignores Range (200 with the whole object) still works:
  // the bytes before `offset` are skipped and the transfer stops once the range is complete.
  Status GetRange(std::string_view path, int64_t offset, int64_t length, const std::string& etag,
                  char* out) const {
    S3Call call;
    call.key = Key(path);
    call.headers.emplace_back("Range", fmt::format("bytes={}-{}", offset, offset + length - 1));
    if (!etag.empty()) call.headers.emplace_back("If-Match", etag);
    int64_t received = 0;  // bytes of the response body seen so far (reset per attempt)
    int64_t copied = 0;    // bytes of the range written to `out`
    bool overflow = false;
    call.on_body = [&](long status, std::string_view chunk) {
      if (status != 200 && status != 206) {
        return true;  // an error body: HttpClient keeps it (bounded) for the error code
      }
      const int64_t skip = status == 206 ? 0 : offset;
      const int64_t begin = std::max<int64_t>(received, skip);
      const int64_t end = std::min<int64_t>(received + static_cast<int64_t>(chunk.size()),
                                            skip + length);
      if (status == 206 && received + static_cast<int64_t>(chunk.size()) > length) {
        overflow = true;
        return false;
      }
      if (end > begin) {
        std::memcpy(out + (begin - skip), chunk.data() + (begin - received),
                    static_cast<size_t>(end - begin));
        copied = end - skip;
      }
      received += static_cast<int64_t>(chunk.size());
      return copied < length;  // stop a whole-object reply once the range is complete
    };
    call.on_attempt = [&] {
      received = 0;
      copied = 0;
      overflow = false;
    };
    LS_ASSIGN_OR_RETURN(HttpResponse response, Execute(call));
    if (response.status == 206 || response.status == 200) {
      if (overflow || copied != length) {
        return CorruptError(
            "Failed to read '{}': range [{}, +{}) is outside the object (got {} bytes)", path,
            offset, length, overflow ? received : copied);
      }
      return OkStatus();
    }
    if (response.status == 416) {
      return CorruptError("Failed to read '{}': range [{}, +{}) is outside the object", path,
                          offset, length);
    }
    if (response.status == 412) {
      return CorruptError("Failed to read '{}': the object changed while it was being read",
                          path);
    }
    return tl::unexpected(MapError(response, "read", path));
  }

  S3Config config;
  std::string uri;
  HttpClient http;
  std::optional<SigV4Signer> signer;  // absent for anonymous access
};

namespace {

// A RandomAccessFile over one S3 object: ranged GETs pinned to the ETag seen when opened.
class S3File final : public RandomAccessFile {
 public:
  S3File(std::shared_ptr<const S3ObjectStore::Client> client, std::string path, int64_t size,
         std::string etag)
      : client_(std::move(client)), path_(std::move(path)), size_(size), etag_(std::move(etag)) {}

  int64_t size() const override { return size_; }
  const std::string& name() const override { return path_; }
  Status ReadAt(int64_t offset, int64_t length, char* out) const override;

 private:
  std::shared_ptr<const S3ObjectStore::Client> client_;
  std::string path_;
  int64_t size_;
  std::string etag_;
};

// "The name for a key is a sequence of Unicode characters whose UTF-8 encoding is at most 1,024
// bytes long" (Amazon S3, "Naming Amazon S3 objects"). A Delta log may name a longer path: no
// object of the store, so not found without asking S3, which answers 400 KeyTooLongError (a
// HEAD's 400 has no body to tell it apart), else read as an outage worth retrying.
constexpr size_t kMaxKeyBytes = 1024;

Status CheckReadableKey(const S3ObjectStore::Client& client, std::string_view path) {
  LS_RETURN_IF_ERROR(ValidateObjectPath(path));
  if (client.Key(path).size() > kMaxKeyBytes) {
    return NotFound("Object {} does not exist: its key is over {} bytes, the most S3 allows",
                    Quoted(path), kMaxKeyBytes);
  }
  return OkStatus();
}

}  // namespace

S3ObjectStore::S3ObjectStore(std::shared_ptr<Client> client) : client_(std::move(client)) {}
S3ObjectStore::~S3ObjectStore() = default;

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::Open(std::string_view uri,
                                                           const StoreOptions& options) {
  LS_ASSIGN_OR_RETURN(S3Config config, ResolveS3Config(uri, options, ProcessEnvironment()));
  return Open(std::move(config));
}

Result<std::unique_ptr<S3ObjectStore>> S3ObjectStore::Open(S3Config config) {
  config.options.max_attempts = std::max(1, config.options.max_attempts);
  config.options.list_page_size = std::clamp(config.options.list_page_size, 1, 1000);
  return std::unique_ptr<S3ObjectStore>(
      new S3ObjectStore(std::make_shared<Client>(std::move(config))));
}

const std::string& S3ObjectStore::uri() const { return client_->uri; }

std::string S3ObjectStore::ObjectUrl(std::string_view path) const {
  return client_->config.scheme + "://" + client_->Host() +
         CanonicalUri(client_->RawPath(client_->Key(path), false));
}

Result<std::vector<ObjectInfo>> S3ObjectStore::List(std::string_view prefix,
                                                    std::string_view start_after) const {
  LS_RETURN_IF_ERROR(ValidateListPrefix(prefix));
  const S3Config& config = client_->config;
  const std::string full_prefix = config.prefix + std::string(prefix);
  std::vector<ObjectInfo> out;
  std::string token;
  for (int page = 0;; ++page) {
    S3Call call;
    call.bucket_level = true;
    call.query = {{"list-type", "2"},
                  {"max-keys", std::to_string(config.options.list_page_size)},
                  {"encoding-type", "url"}};
    if (!full_prefix.empty()) call.query.emplace_back("prefix", full_prefix);
    if (page == 0 && !start_after.empty()) {
      call.query.emplace_back("start-after", config.prefix + std::string(start_after));
    }
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    LS_ASSIGN_OR_RETURN(HttpResponse response, client_->Execute(call));
    if (response.status != 200) {
      return tl::unexpected(client_->MapError(response, "list", prefix));
    }
    auto root = internal::ParseXml(response.body);
    if (!root || root->name != "ListBucketResult") {
      return CorruptError("Failed to list '{}': S3 returned a malformed listing{}", prefix,
                          root ? "" : " (" + root.error().message + ")");
    }
    const bool url_encoded = root->ChildText("EncodingType").value_or("") == "url";
    for (const XmlElement& entry : root->children) {
      if (entry.name != "Contents") continue;
      std::optional<std::string_view> raw_key = entry.ChildText("Key");
      std::optional<std::string> key;
      if (raw_key) {
        // encoding-type=url: keys come as application/x-www-form-urlencoded ('+' is a space).
        key = url_encoded ? PercentDecode(*raw_key, /*plus_is_space=*/true)
                          : std::optional<std::string>(std::string(*raw_key));
      }
      std::optional<int64_t> size = ParseInteger<int64_t>(entry.ChildText("Size").value_or(""));
      if (!key || !size || *size < 0) {
        return CorruptError("Failed to list '{}': S3 returned an entry without a valid key or "
                            "size",
                            prefix);
      }
      if (!key->starts_with(config.prefix)) continue;
      std::string path = key->substr(config.prefix.size());
      // Folder markers and keys our path rules cannot address are not objects of this store.
      if (path.empty() || path.back() == '/' || !ValidateObjectPath(path) ||
          !std::string_view(path).starts_with(prefix) || path <= start_after) {
        continue;
      }
      int64_t modified =
          ParseIsoMillis(entry.ChildText("LastModified").value_or("")).value_or(0);
      out.push_back(ObjectInfo{std::move(path), *size, modified});
    }
    if (root->ChildText("IsTruncated").value_or("false") != "true") break;
    std::string next(root->ChildText("NextContinuationToken").value_or(""));
    if (next.empty() || next == token) {
      return CorruptError("Failed to list '{}': S3 returned a truncated listing without a new "
                          "continuation token",
                          prefix);
    }
    token = std::move(next);
  }
  // S3 lists in UTF-8 binary order already; some compatible stores do not.
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.path < b.path; });
  return out;
}

Result<std::string> S3ObjectStore::Read(std::string_view path) const {
  LS_RETURN_IF_ERROR(CheckReadableKey(*client_, path));
  S3Call call;
  call.key = client_->Key(path);
  LS_ASSIGN_OR_RETURN(HttpResponse response, client_->Execute(call));
  if (response.status != 200) {
    return tl::unexpected(client_->MapError(response, "read", path));
  }
  return std::move(response.body);
}

Result<std::string> S3ObjectStore::ReadRange(std::string_view path, int64_t offset,
                                             int64_t length) const {
  LS_RETURN_IF_ERROR(CheckReadableKey(*client_, path));
  if (offset < 0 || length < 0) {
    return InvalidArgument("Invalid range [{}, +{}) for '{}'", offset, length, path);
  }
  if (length == 0) {
    LS_ASSIGN_OR_RETURN(ObjectInfo info, client_->Head(path, nullptr));
    if (offset > info.size) {
      return CorruptError("Failed to read '{}': range [{}, +0) is outside the object of {} bytes",
                          path, offset, info.size);
    }
    return std::string();
  }
  std::string out(static_cast<size_t>(length), '\0');
  LS_RETURN_IF_ERROR(client_->GetRange(path, offset, length, "", out.data()));
  return out;
}

Result<ObjectInfo> S3ObjectStore::Stat(std::string_view path) const {
  LS_RETURN_IF_ERROR(CheckReadableKey(*client_, path));
  return client_->Head(path, nullptr);
}

Result<std::unique_ptr<RandomAccessFile>> S3ObjectStore::OpenFile(std::string_view path) const {
  LS_RETURN_IF_ERROR(CheckReadableKey(*client_, path));
  std::string etag;
  LS_ASSIGN_OR_RETURN(ObjectInfo info, client_->Head(path, &etag));
  return std::unique_ptr<RandomAccessFile>(
      new S3File(client_, std::string(path), info.size, std::move(etag)));
}

Status S3File::ReadAt(int64_t offset, int64_t length, char* out) const {
  if (offset < 0 || length < 0 || offset > size_ || length > size_ - offset) {
    return CorruptError("Failed to read '{}': range [{}, +{}) is outside the file of {} bytes",
                        path_, offset, length, size_);
  }
  if (length == 0) {
    return OkStatus();
  }
  return client_->GetRange(path_, offset, length, etag_, out);
}

Status S3ObjectStore::Put(std::string_view path, std::string_view bytes, PutMode mode) {
  LS_RETURN_IF_ERROR(ValidateObjectPath(path));
  S3Call call;
  call.method = "PUT";
  call.key = client_->Key(path);
  call.body = bytes;
  call.headers.emplace_back("Content-Type", "application/octet-stream");
  if (mode == PutMode::kCreateOnly) {
    // S3 conditional writes: "If-None-Match: *" fails with 412 when the key exists.
    call.headers.emplace_back("If-None-Match", "*");
  }
  LS_ASSIGN_OR_RETURN(HttpResponse response, client_->Execute(call));
  if (response.status == 200 || response.status == 201 || response.status == 204) {
    return OkStatus();
  }
  if (response.status == 412 && mode == PutMode::kCreateOnly) {
    return Errorf(ErrorCode::kAlreadyExists, "Object '{}' already exists", path);
  }
  return tl::unexpected(client_->MapError(response, "write", path));
}

Status S3ObjectStore::Delete(std::string_view path) {
  LS_RETURN_IF_ERROR(ValidateObjectPath(path));
  S3Call call;
  call.method = "DELETE";
  call.key = client_->Key(path);
  LS_ASSIGN_OR_RETURN(HttpResponse response, client_->Execute(call));
  if (response.status == 200 || response.status == 204 || response.status == 404) {
    return OkStatus();
  }
  return tl::unexpected(client_->MapError(response, "delete", path));
}

Result<std::string> S3ObjectStore::PresignGet(std::string_view path,
                                              int64_t expires_seconds) const {
  LS_RETURN_IF_ERROR(ValidateObjectPath(path));
  if (!client_->signer) {
    return Unsupported("Cannot pre-sign '{}': no AWS credentials are configured", path);
  }
  SigV4Request request;
  request.method = "GET";
  request.host = client_->Host();
  request.path = client_->RawPath(client_->Key(path), false);
  LS_ASSIGN_OR_RETURN(SigV4Presigned presigned,
                      client_->signer->Presign(request, client_->Now(),
                                               expires_seconds));
  return client_->config.scheme + "://" + request.host + CanonicalUri(request.path) + "?" +
         presigned.query;
}

}  // namespace lakeshare::storage
