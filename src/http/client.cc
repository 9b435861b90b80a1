#include "http/client.h"

#include <curl/curl.h>

#include <mutex>

namespace lakeshare::http {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

/// "scheme://host[:port]" of a URL: what error messages may show (queries carry secrets).
std::string_view Origin(std::string_view url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  return url.substr(0, end);
}

struct Transfer {
  const BodyCallback* on_body = nullptr;
  ClientResponse* response = nullptr;
  int64_t max_body_bytes = -1;
  int64_t received = 0;
  bool too_large = false;
  bool aborted = false;
  const std::function<bool(std::string_view)>* allow_peer = nullptr;
  std::string refused_peer;
};

// CURLOPT_PREREQFUNCTION: the connection is up, the request not yet sent.
int OnConnected(void* user, char* primary_ip, char* /*local_ip*/, int /*primary_port*/,
                int /*local_port*/) {
  auto* transfer = static_cast<Transfer*>(user);
  if ((*transfer->allow_peer)(primary_ip)) return CURL_PREREQFUNC_OK;
  transfer->refused_peer = primary_ip;
  return CURL_PREREQFUNC_ABORT;
}

size_t OnData(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t n = size * count;
  transfer->received += static_cast<int64_t>(n);
  if (transfer->max_body_bytes >= 0 && transfer->received > transfer->max_body_bytes) {
    transfer->too_large = true;
    return 0;
  }
  if (transfer->on_body != nullptr) {
    if (!(*transfer->on_body)(std::string_view(data, n))) {
      transfer->aborted = true;
      return 0;
    }
  } else {
    transfer->response->body.append(data, n);
  }
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
    line.remove_suffix(1);
  }
  if (line.rfind("HTTP/", 0) == 0) {
    transfer->response->headers.clear();  // a new response head (after 100 Continue)
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return n;
  }
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
    value.remove_prefix(1);
  }
  transfer->response->headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  return n;
}

}  // namespace

struct Client::Handle {
  Handle() : easy(curl_easy_init()) {}
  ~Handle() {
    if (easy != nullptr) {
      curl_easy_cleanup(easy);
    }
  }
  CURL* easy;
};

const std::string* ClientResponse::Header(std::string_view name) const {
  for (const Field& field : headers) {
    if (EqualsIgnoreCase(field.first, name)) {
      return &field.second;
    }
  }
  return nullptr;
}

Client::Client(ClientOptions options) : options_(std::move(options)) {
  GlobalInitOnce();
  handle_ = std::make_unique<Handle>();
}

Client::~Client() = default;

Result<ClientResponse> Client::Send(const ClientRequest& request) { return Send(request, nullptr); }

Result<ClientResponse> Client::Send(const ClientRequest& request, const BodyCallback& on_body) {
  CURL* easy = handle_->easy;
  if (easy == nullptr) {
    return MakeError(ErrorCode::kInternal, "curl_easy_init failed");
  }
  curl_easy_reset(easy);  // keeps the connection cache: keep-alive survives
  ClientResponse response;
  Transfer transfer;
  transfer.on_body = on_body ? &on_body : nullptr;
  transfer.response = &response;
  transfer.max_body_bytes = options_.max_body_bytes;

  curl_slist* headers = nullptr;
  for (const Field& field : request.headers) {
    std::string line = field.first + ": " + field.second;
    headers = curl_slist_append(headers, line.c_str());
  }
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_guard(headers, curl_slist_free_all);
  std::string range;
  if (request.range) {
    range = std::to_string(request.range->first) + "-" +
            (request.range->last ? std::to_string(*request.range->last) : "");
  }
  int64_t timeout = request.timeout_ms >= 0 ? request.timeout_ms : options_.timeout_ms;

  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout));
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, OnData);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  if (!options_.ca_file.empty()) {
    curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str());
  }
  if (options_.insecure_skip_verify) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!range.empty()) {
    curl_easy_setopt(easy, CURLOPT_RANGE, range.c_str());
  }
  if (options_.allow_peer) {
    transfer.allow_peer = &options_.allow_peer;
    curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, OnConnected);
    curl_easy_setopt(easy, CURLOPT_PREREQDATA, &transfer);
  }
  if (request.method == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else {
    if (request.method == "POST") {
      curl_easy_setopt(easy, CURLOPT_POST, 1L);
    } else {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (request.method == "POST" || !request.body.empty()) {
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
  }

  CURLcode code = curl_easy_perform(easy);
  long connects = 0;
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
  connections_opened_ += connects;
  if (code != CURLE_OK) {
    if (transfer.too_large) {
      return MakeError(ErrorCode::kResourceExhausted,
                       fmt::format("Response body from {} exceeds {} bytes", Origin(request.url),
                                   options_.max_body_bytes));
    }
    if (!transfer.refused_peer.empty()) {
      return MakeError(ErrorCode::kUnavailable,
                       fmt::format("{} resolved to {}, an address this client may not reach",
                                   Origin(request.url), transfer.refused_peer));
    }
    if (transfer.aborted) {
      return MakeError(ErrorCode::kUnavailable,
                       fmt::format("Transfer from {} aborted by the caller", Origin(request.url)));
    }
    // Not curl's error buffer: it may quote the URL, query included.
    return MakeError(ErrorCode::kUnavailable,
                     fmt::format("{} {} failed: {}", request.method, Origin(request.url),
                                 curl_easy_strerror(code)));
  }
  long status = 0;
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

Result<ClientResponse> Client::Get(std::string url, std::vector<Field> headers) {
  ClientRequest request;
  request.url = std::move(url);
  request.headers = std::move(headers);
  return Send(request);
}

Result<ClientResponse> Client::Head(std::string url, std::vector<Field> headers) {
  ClientRequest request;
  request.method = "HEAD";
  request.url = std::move(url);
  request.headers = std::move(headers);
  return Send(request);
}

Result<ClientResponse> Client::Post(std::string url, std::string body, std::vector<Field> headers) {
  ClientRequest request;
  request.method = "POST";
  request.url = std::move(url);
  request.body = std::move(body);
  request.headers = std::move(headers);
  return Send(request);
}

}  // namespace lakeshare::http
