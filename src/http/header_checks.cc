#include "http/header_checks.h"

#include <cctype>

namespace lakeshare::http {
namespace {

constexpr size_t kMaxHostBytes = 255 + 1 + 5;  // a DNS name, ':' and a port

bool IsRegNameChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

bool IsHexOrColon(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
}

}  // namespace

bool IsValidHostHeader(std::string_view host) {
  if (host.size() > kMaxHostBytes) {
    return false;
  }
  std::string_view name = host;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos || close < 3) {
      return false;
    }
    for (char c : host.substr(1, close - 1)) {
      if (!IsHexOrColon(c)) {
        return false;
      }
    }
    std::string_view rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return false;
      }
      port = rest.substr(1);
    }
    name = {};
  } else if (size_t colon = host.find(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
    port = host.substr(colon + 1);
    if (name.empty()) {
      return false;
    }
  }
  for (char c : name) {
    if (!IsRegNameChar(c)) {
      return false;
    }
  }
  if (port.size() > 5) {
    return false;
  }
  for (char c : port) {
    if (c < '0' || c > '9') {
      return false;
    }
  }
  return true;
}

Status CheckRequestHeaders(const std::vector<Field>& headers, unsigned version) {
  int hosts = 0;
  int authorizations = 0;
  int content_lengths = 0;
  int content_types = 0;
  int transfer_encodings = 0;
  const std::string* host = nullptr;
  const std::string* transfer_encoding = nullptr;
  const std::string* content_length = nullptr;
  for (const Field& field : headers) {
    const std::string& name = field.first;
    if (EqualsIgnoreCase(name, "Host")) {
      ++hosts;
      host = &field.second;
    } else if (EqualsIgnoreCase(name, "Authorization")) {
      ++authorizations;
    } else if (EqualsIgnoreCase(name, "Content-Length")) {
      ++content_lengths;
      content_length = &field.second;
    } else if (EqualsIgnoreCase(name, "Content-Type")) {
      ++content_types;
    } else if (EqualsIgnoreCase(name, "Transfer-Encoding")) {
      ++transfer_encodings;
      transfer_encoding = &field.second;
    }
  }
  if (hosts == 0 && version >= 11) {
    return MakeError(ErrorCode::kMalformedRequest,
                     "An HTTP/1.1 request needs a Host header (RFC 9112 §3.2); send the server's "
                     "host name, as every HTTP client does");
  }
  if (hosts > 1) {
    return MakeError(ErrorCode::kMalformedRequest,
                     "The request has more than one Host header; send exactly one");
  }
  if (host != nullptr && !IsValidHostHeader(*host)) {
    return MakeError(ErrorCode::kMalformedRequest,
                     "The Host header is not a host name or address with an optional port");
  }
  if (authorizations > 1) {
    return MakeError(ErrorCode::kMalformedRequest,
                     "The request has more than one Authorization header; send exactly one "
                     "credential");
  }
  if (content_lengths > 1 ||
      (content_length != nullptr && content_length->find(',') != std::string::npos)) {
    return MakeError(ErrorCode::kMalformedRequest,
                     "The request has more than one Content-Length; send exactly one");
  }
  if (content_types > 1) {
    return MakeError(ErrorCode::kMalformedRequest,
                     "The request has more than one Content-Type header; send exactly one");
  }
  if (transfer_encoding != nullptr && version < 11) {
    // RFC 9112 §6.1: such framing is faulty; a proxy may frame the same bytes otherwise.
    return MakeError(ErrorCode::kMalformedRequest,
                     "An HTTP/1.0 request cannot use Transfer-Encoding (RFC 9112 §6.1); send the "
                     "body with Content-Length, or send the request as HTTP/1.1");
  }
  if (transfer_encodings > 1 ||
      (transfer_encoding != nullptr && !EqualsIgnoreCase(*transfer_encoding, "chunked"))) {
    return MakeError(ErrorCode::kMalformedRequest,
                     "Transfer-Encoding must be exactly 'chunked' (RFC 9112 §6.3); send the body "
                     "with Content-Length or chunked");
  }
  if (transfer_encoding != nullptr && content_length != nullptr) {
    return MakeError(ErrorCode::kMalformedRequest,
                     "The request has both Transfer-Encoding and Content-Length (RFC 9112 §6.1); "
                     "send one of them");
  }
  return OkStatus();
}

}  // namespace lakeshare::http
