#include "http/request.h"

#include "common/strings.h"

namespace lakeshare::http {
namespace {

char LowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::optional<std::string> out = lakeshare::PercentDecode(text, plus_is_space);
  if (out && out->find('\0') != std::string::npos) {
    return std::nullopt;  // an encoded NUL never names anything we serve
  }
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) {
      return false;
    }
  }
  return true;
}

Result<Request> Request::Create(std::string method, std::string_view target,
                                std::vector<Field> headers, std::string body,
                                std::string remote_address) {
  // RFC 9112 §3.2.1: origin-form = absolute-path [ "?" query ]. Absolute-form and
  // asterisk-form are for proxies and OPTIONS *, which we do not serve.
  if (target.empty() || target.front() != '/') {
    return MakeError(ErrorCode::kMalformedRequest, "Request target must be an absolute path");
  }
  Request request;
  request.method_ = std::move(method);
  request.target_ = std::string(target);
  size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  size_t hash = query.find('#');
  if (hash != std::string_view::npos) {
    query = query.substr(0, hash);
  }
  hash = path.find('#');
  if (hash != std::string_view::npos) {
    path = path.substr(0, hash);
  }
  request.path_ = std::string(path);

  // "/" has no segments; "/a/b" has {"a", "b"}; "/a/" has {"a", ""}.
  std::string_view rest = path.substr(1);
  if (!rest.empty()) {
    while (true) {
      size_t slash = rest.find('/');
      std::string_view raw = rest.substr(0, slash);
      std::optional<std::string> decoded = PercentDecode(raw, /*plus_is_space=*/false);
      if (!decoded) {
        return MakeError(ErrorCode::kMalformedRequest, "Malformed percent-encoding in path");
      }
      request.segments_.push_back(std::move(*decoded));
      if (slash == std::string_view::npos) {
        break;
      }
      rest = rest.substr(slash + 1);
    }
  }

  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) {
      continue;
    }
    size_t eq = pair.find('=');
    std::optional<std::string> name = PercentDecode(pair.substr(0, eq), true);
    std::optional<std::string> value = eq == std::string_view::npos
                                           ? std::optional<std::string>(std::string())
                                           : PercentDecode(pair.substr(eq + 1), true);
    if (!name || !value) {
      return MakeError(ErrorCode::kMalformedRequest, "Malformed percent-encoding in query string");
    }
    request.query_.emplace_back(std::move(*name), std::move(*value));
  }

  request.headers_ = std::move(headers);
  request.body_ = std::move(body);
  request.remote_address_ = std::move(remote_address);
  return request;
}

const std::string* FindField(const std::vector<Field>& fields, std::string_view name) {
  for (const Field& field : fields) {
    if (field.first == name) {
      return &field.second;
    }
  }
  return nullptr;
}

const std::string* FindHeader(const std::vector<Field>& fields, std::string_view name) {
  for (const Field& field : fields) {
    if (EqualsIgnoreCase(field.first, name)) {
      return &field.second;
    }
  }
  return nullptr;
}

const std::string* Request::QueryParam(std::string_view name) const {
  return FindField(query_, name);
}

std::vector<std::string_view> Request::QueryParams(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const Field& field : query_) {
    if (field.first == name) {
      values.push_back(field.second);
    }
  }
  return values;
}

const std::string* Request::Header(std::string_view name) const {
  return FindHeader(headers_, name);
}

const std::string* Request::PathParam(std::string_view name) const {
  return FindField(path_params_, name);
}

}  // namespace lakeshare::http
