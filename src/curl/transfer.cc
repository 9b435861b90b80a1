#include "curl/transfer.h"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "common/strings.h"

namespace lakeshare::curl {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// A header line's optional white space and its line end.
constexpr std::string_view kHeaderSpace = " \t\r\n";

/// What the callbacks share during one transfer.
struct Transfer {
  CURL* easy = nullptr;
  const Request* request = nullptr;
  const TransferOptions* options = nullptr;
  Response* response = nullptr;
  int64_t received = 0;
  size_t upload_offset = 0;
  bool too_large = false;
  std::string refused_peer;
};

// CURLOPT_PREREQFUNCTION: the connection is up, the request not yet sent.
int OnConnected(void* user, char* primary_ip, char* /*local_ip*/, int /*primary_port*/,
                int /*local_port*/) {
  auto* transfer = static_cast<Transfer*>(user);
  if (transfer->options->allow_peer(primary_ip)) return CURL_PREREQFUNC_OK;
  transfer->refused_peer = primary_ip;
  return CURL_PREREQFUNC_ABORT;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t n = size * count;
  transfer->received += static_cast<int64_t>(n);
  const int64_t limit = transfer->options->max_body_bytes;
  if (limit >= 0 && transfer->received > limit) {
    transfer->too_large = true;
    return 0;  // makes libcurl abort with CURLE_WRITE_ERROR
  }
  if (transfer->request->on_body) {
    long status = 0;
    curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &status);
    if (!transfer->request->on_body(status, std::string_view(data, n))) {
      transfer->response->stopped = true;
      return 0;
    }
    return n;
  }
  transfer->response->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (line.starts_with("HTTP/")) {
    transfer->response->headers.clear();  // a new response head (after 100 Continue)
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return n;  // the blank line that ends the head
  }
  transfer->response->headers.emplace_back(std::string(line.substr(0, colon)),
                                           std::string(Trim(line.substr(colon + 1), kHeaderSpace)));
  return n;
}

size_t OnUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::string_view body = transfer->request->body;
  size_t n = std::min(size * count, body.size() - transfer->upload_offset);
  std::memcpy(buffer, body.data() + transfer->upload_offset, n);
  transfer->upload_offset += n;
  return n;
}

void SetMethodAndBody(CURL* easy, const Request& request, Transfer& transfer) {
  if (request.method == "GET") {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
  } else if (request.body_mode == BodyMode::kUpload && request.method == "PUT") {
    curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(easy, CURLOPT_READFUNCTION, &OnUpload);
    curl_easy_setopt(easy, CURLOPT_READDATA, &transfer);
    curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  } else {
    if (request.method == "POST" && request.body_mode == BodyMode::kFields) {
      curl_easy_setopt(easy, CURLOPT_POST, 1L);
    } else {
      curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, std::string(request.method).c_str());
    }
    if (request.body_mode == BodyMode::kFields &&
        (request.method == "POST" || !request.body.empty())) {
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
  }
}

/// The request headers as libcurl's list; null (and no error) for none.
Result<curl_slist*> HeaderSlist(const Request& request) {
  curl_slist* list = nullptr;
  auto append = [&list](const std::string& line) {
    curl_slist* next = curl_slist_append(list, line.c_str());
    if (next == nullptr) return false;
    list = next;
    return true;
  };
  bool ok = true;
  if (request.headers != nullptr) {
    for (const auto& [name, value] : *request.headers) {
      ok = ok && append(name + ": " + value);
    }
  }
  // Uploads go out at once: no "Expect: 100-continue" round trip.
  if (request.body_mode == BodyMode::kUpload) ok = ok && append("Expect:");
  if (!ok) {
    curl_slist_free_all(list);
    return MakeError(ErrorCode::kInternal, "Out of memory building HTTP headers");
  }
  return list;
}

Error TransportError(const Request& request, const TransferOptions& options,
                     const Transfer& transfer, CURLcode code, const char* error_buffer) {
  const std::string origin = UrlOrigin(request.url);
  if (transfer.too_large) {
    return Error{
        ErrorCode::kResourceExhausted,
        fmt::format("Response body from {} exceeds {} bytes", origin, options.max_body_bytes)};
  }
  if (!transfer.refused_peer.empty()) {
    return Error{ErrorCode::kUnavailable,
                 fmt::format("{} resolved to {}, an address this client may not reach", origin,
                             transfer.refused_peer)};
  }
  std::string detail = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
  // libcurl's messages name host and port, not the URL; drop anything that looks otherwise.
  if (detail.find('?') != std::string::npos || detail.find("X-Amz") != std::string::npos) {
    detail = curl_easy_strerror(code);
  }
  return Error{ErrorCode::kUnavailable,
               fmt::format("HTTP {} to {} failed: {}", request.method, origin, detail)};
}

void* NewEasy() {
  GlobalInitOnce();
  return curl_easy_init();
}

void CleanupEasy(void* easy) {
  if (easy != nullptr) curl_easy_cleanup(static_cast<CURL*>(easy));
}

}  // namespace

std::string UrlOrigin(std::string_view url) {
  size_t scheme_end = url.find("://");
  size_t start = scheme_end == std::string_view::npos ? 0 : scheme_end + 3;
  size_t end = std::min(url.find_first_of("/?#", start), url.size());
  std::string_view authority = url.substr(start, end - start);
  // "user:password@host": the userinfo is a credential, never shown.
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  return std::string(url.substr(0, start)) + std::string(authority);
}

EasyHandle::EasyHandle() : easy_(NewEasy(), &CleanupEasy) {}

std::unique_ptr<EasyHandle> EasyPool::Acquire() {
  {
    MutexLock lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<EasyHandle> handle = std::move(idle_.back());
      idle_.pop_back();
      return handle;
    }
  }
  return std::make_unique<EasyHandle>();
}

void EasyPool::Release(std::unique_ptr<EasyHandle> handle) {
  if (handle == nullptr || !handle->valid()) return;
  MutexLock lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(handle));
}

Result<Response> Perform(EasyHandle& handle, const Request& request,
                         const TransferOptions& options) {
  auto* easy = static_cast<CURL*>(handle.native());
  if (easy == nullptr) {
    return MakeError(ErrorCode::kInternal, "Failed to create an HTTP handle (curl_easy_init)");
  }
  curl_easy_reset(easy);  // drops every option, keeps the connection cache: keep-alive survives
  LS_ASSIGN_OR_RETURN(curl_slist * headers, HeaderSlist(request));
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_guard(headers, curl_slist_free_all);
  const std::string url(request.url);
  Response response;
  Transfer transfer;
  transfer.easy = easy;
  transfer.request = &request;
  transfer.options = &options;
  transfer.response = &response;
  char error_buffer[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_ms));
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout_ms));
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  if (options.path_as_is) curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);
  if (!options.user_agent.empty()) {
    curl_easy_setopt(easy, CURLOPT_USERAGENT, options.user_agent.c_str());
  }
  if (!options.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_file.c_str());
  if (options.insecure_skip_verify) {
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!request.range.empty()) curl_easy_setopt(easy, CURLOPT_RANGE, request.range.c_str());
  if (options.allow_peer) {
    curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &OnConnected);
    curl_easy_setopt(easy, CURLOPT_PREREQDATA, &transfer);
  }
  SetMethodAndBody(easy, request, transfer);

  CURLcode code = curl_easy_perform(easy);
  long connects = 0;
  curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
  handle.connections_opened_ += connects;
  if (code == CURLE_WRITE_ERROR && response.stopped) {
    code = CURLE_OK;  // stopped on purpose by on_body
  }
  if (code != CURLE_OK) {
    return tl::unexpected(TransportError(request, options, transfer, code, error_buffer));
  }
  curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace lakeshare::curl
