#include "storage/http_client_internal.h"

#include <algorithm>

#include "common/strings.h"
#include "curl/transfer.h"

namespace lakeshare::storage::internal {

namespace {

constexpr size_t kMaxPooledHandles = 16;
constexpr size_t kMaxErrorBodyBytes = 64 * 1024;

}  // namespace

const std::string* HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) {
      return &value;
    }
  }
  return nullptr;
}

std::string UrlOrigin(std::string_view url) { return curl::UrlOrigin(url); }

struct HttpClient::Pool {
  curl::EasyPool handles{kMaxPooledHandles};
  curl::TransferOptions options;
};

HttpClient::HttpClient(HttpClientOptions options)
    : options_(std::move(options)), pool_(std::make_unique<Pool>()) {
  curl::TransferOptions& transfer = pool_->options;
  transfer.connect_timeout_ms = options_.connect_timeout_ms;
  transfer.timeout_ms = options_.request_timeout_ms;
  transfer.ca_file = options_.ca_bundle;
  transfer.path_as_is = true;  // the path is signed as sent
  transfer.user_agent = "lakeshare/0.1";
}

HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::Send(const HttpRequest& request) const {
  curl::Request transfer;
  transfer.method = request.method;
  transfer.url = request.url;
  transfer.headers = &request.headers;
  transfer.body = request.body;
  transfer.body_mode = curl::BodyMode::kUpload;
  std::string error_body;
  if (request.on_body) {
    transfer.on_body = [&request, &error_body](long status, std::string_view chunk) {
      if (status >= 200 && status < 300) return request.on_body(status, chunk);
      // Error bodies are small XML documents; keep a bounded prefix for the error code.
      size_t room = kMaxErrorBodyBytes - std::min(kMaxErrorBodyBytes, error_body.size());
      error_body.append(chunk.substr(0, std::min(chunk.size(), room)));
      return true;
    };
  }
  std::unique_ptr<curl::EasyHandle> handle = pool_->handles.Acquire();
  Result<curl::Response> done = curl::Perform(*handle, transfer, pool_->options);
  pool_->handles.Release(std::move(handle));
  if (!done) return tl::unexpected(std::move(done).error());
  HttpResponse response;
  response.status = done->status;
  response.headers.reserve(done->headers.size());
  for (auto& [name, value] : done->headers) {
    response.headers.emplace_back(ToLower(name), std::move(value));
  }
  response.body = request.on_body ? std::move(error_body) : std::move(done->body);
  response.stopped = done->stopped;
  return response;
}

}  // namespace lakeshare::storage::internal
