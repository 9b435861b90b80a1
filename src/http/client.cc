#include "http/client.h"

namespace lakeshare::http {

struct Client::Handle {
  curl::EasyHandle easy;  // one connection cache for the client's requests (keep-alive)
};

const std::string* ClientResponse::Header(std::string_view name) const {
  return FindHeader(headers, name);
}

Client::Client(ClientOptions options)
    : options_(std::move(options)), handle_(std::make_unique<Handle>()) {}

Client::~Client() = default;

int64_t Client::connections_opened() const { return handle_->easy.connections_opened(); }

Result<ClientResponse> Client::Send(const ClientRequest& request) { return Send(request, nullptr); }

Result<ClientResponse> Client::Send(const ClientRequest& request, const BodyCallback& on_body) {
  curl::Request transfer;
  transfer.method = request.method;
  transfer.url = request.url;
  transfer.headers = &request.headers;
  transfer.body = request.body;
  if (request.range) {
    transfer.range = std::to_string(request.range->first) + "-" +
                     (request.range->last ? std::to_string(*request.range->last) : "");
  }
  if (on_body) {
    transfer.on_body = [&on_body](long /*status*/, std::string_view data) { return on_body(data); };
  }
  ClientOptions options_with_timeout;
  const ClientOptions* options = &options_;
  if (request.timeout_ms >= 0) {
    options_with_timeout = options_;
    options_with_timeout.timeout_ms = request.timeout_ms;
    options = &options_with_timeout;
  }
  Result<curl::Response> done = curl::Perform(handle_->easy, transfer, *options);
  if (!done) return tl::unexpected(std::move(done).error());
  if (done->stopped) {
    return MakeError(ErrorCode::kUnavailable, fmt::format("Transfer from {} aborted by the caller",
                                                          curl::UrlOrigin(request.url)));
  }
  ClientResponse response;
  response.status = static_cast<int>(done->status);
  response.headers = std::move(done->headers);
  response.body = std::move(done->body);
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
