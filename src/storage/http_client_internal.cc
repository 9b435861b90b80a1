#include "storage/http_client_internal.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <vector>

#include "common/mutex.h"
#include "common/strings.h"

namespace lakeshare::storage::internal {

namespace {

constexpr size_t kMaxPooledHandles = 16;
constexpr size_t kMaxErrorBodyBytes = 64 * 1024;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct TransferState {
  CURL* curl = nullptr;
  const HttpRequest* request = nullptr;
  HttpResponse* response = nullptr;
  size_t upload_offset = 0;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  size_t n = size * count;
  if (state->request->on_body) {
    long status = 0;
    curl_easy_getinfo(state->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) {
      if (!state->request->on_body(status, std::string_view(data, n))) {
        state->response->stopped = true;
        return 0;  // makes libcurl abort with CURLE_WRITE_ERROR
      }
      return n;
    }
    // Error bodies are small XML documents; keep a bounded prefix for the error code.
    size_t room = kMaxErrorBodyBytes - std::min(kMaxErrorBodyBytes, state->response->body.size());
    state->response->body.append(data, std::min(n, room));
    return n;
  }
  state->response->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    state->response->headers.clear();  // a new response (after 100 Continue)
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return n;
  }
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() &&
         (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
    value.remove_suffix(1);
  }
  state->response->headers.emplace_back(ToLower(line.substr(0, colon)), std::string(value));
  return n;
}

size_t OnUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* state = static_cast<TransferState*>(user);
  std::string_view body = state->request->body;
  size_t n = std::min(size * count, body.size() - state->upload_offset);
  std::memcpy(buffer, body.data() + state->upload_offset, n);
  state->upload_offset += n;
  return n;
}

}  // namespace

const std::string* HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) {
      return &value;
    }
  }
  return nullptr;
}

std::string_view UrlOrigin(std::string_view url) {
  size_t scheme_end = url.find("://");
  size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  size_t end = url.find_first_of("/?#", start);
  return url.substr(0, end);
}

struct HttpClient::Pool {
  Mutex mu;
  std::vector<CURL*> idle LS_GUARDED_BY(mu);

  ~Pool() {
    for (CURL* handle : idle) curl_easy_cleanup(handle);
  }
  CURL* Acquire() {
    {
      MutexLock lock(mu);
      if (!idle.empty()) {
        CURL* handle = idle.back();
        idle.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }
  void Release(CURL* handle) {
    {
      MutexLock lock(mu);
      if (idle.size() < kMaxPooledHandles) {
        idle.push_back(handle);
        return;
      }
    }
    curl_easy_cleanup(handle);
  }
};

HttpClient::HttpClient(HttpClientOptions options)
    : options_(std::move(options)), pool_(std::make_unique<Pool>()) {
  GlobalInitOnce();
}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) const {
  CURL* curl = pool_->Acquire();
  if (curl == nullptr) {
    return Errorf(ErrorCode::kInternal, "Failed to create an HTTP handle");
  }
  struct Releaser {
    Pool* pool;
    CURL* curl;
    curl_slist* headers = nullptr;
    ~Releaser() {
      curl_slist_free_all(headers);
      curl_easy_reset(curl);  // keeps the connection cache; drops every option
      pool->Release(curl);
    }
  } releaser{pool_.get(), curl};

  HttpResponse response;
  TransferState state;
  state.curl = curl;
  state.request = &request;
  state.response = &response;
  char error_buffer[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout_ms));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "lakeshare/0.1");
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, nullptr);  // byte ranges must stay raw
  if (!options_.ca_bundle.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_bundle.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &state);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &state);

  if (request.method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (request.method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &OnUpload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &state);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  } else if (request.method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }

  for (const auto& [name, value] : request.headers) {
    std::string line = name + ": " + value;
    curl_slist* next = curl_slist_append(releaser.headers, line.c_str());
    if (next == nullptr) {
      return Errorf(ErrorCode::kInternal, "Out of memory building HTTP headers");
    }
    releaser.headers = next;
  }
  // No "Expect: 100-continue" round trip on uploads.
  releaser.headers = curl_slist_append(releaser.headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, releaser.headers);

  CURLcode code = curl_easy_perform(curl);
  if (code == CURLE_WRITE_ERROR && response.stopped) {
    code = CURLE_OK;  // stopped on purpose by on_body
  }
  if (code != CURLE_OK) {
    std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    // libcurl's messages name host and port, not the URL; drop anything that looks otherwise.
    if (detail.find('?') != std::string::npos || detail.find("X-Amz") != std::string::npos) {
      detail = curl_easy_strerror(code);
    }
    return Errorf(ErrorCode::kUnavailable, "HTTP {} to {} failed: {}", request.method,
                  UrlOrigin(request.url), detail);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace lakeshare::storage::internal
