#include "auth/idp_fetch.h"

#include <fmt/format.h>

#include <array>

#include "auth/ip_access_list.h"
#include "auth/jwt.h"
#include "common/check.h"
#include "common/strings.h"
#include "http/client.h"

namespace lakeshare::auth {
namespace {

struct UrlParts {
  std::string scheme;  // lower case
  std::string host;    // lower case, IPv6 without brackets
  std::string_view rest;
};

Result<UrlParts> SplitUrl(std::string_view url) {
  size_t colon = url.find("://");
  if (colon == std::string_view::npos) {
    return InvalidArgument("'{}' is not an absolute URL", Printable(url));
  }
  UrlParts parts;
  parts.scheme = ToLower(url.substr(0, colon));
  std::string_view after = url.substr(colon + 3);
  size_t end = after.find_first_of("/?#");
  std::string_view authority = after.substr(0, end);
  parts.rest = end == std::string_view::npos ? std::string_view() : after.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument("The URL '{}' carries user information; remove it", Printable(url));
  }
  if (url.find('#') != std::string_view::npos) {
    return InvalidArgument("The URL '{}' has a fragment; remove it", Printable(url));
  }
  std::string_view host = authority;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgument("The URL '{}' has a broken IPv6 host", Printable(url));
    }
    host = host.substr(1, close - 1);
  } else if (size_t port = host.rfind(':'); port != std::string_view::npos) {
    host = host.substr(0, port);
  }
  if (host.empty()) return InvalidArgument("The URL '{}' has no host", Printable(url));
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return InvalidArgument("The URL '{}' contains spaces or control characters", Printable(url));
    }
  }
  parts.host = ToLower(host);
  return parts;
}

// Addresses that are not the public internet (RFC 6890 special-purpose registries).
const IpAccessList& NonPublicRanges() {
  static const IpAccessList ranges = [] {
    const std::array<std::string, 14> cidrs = {
        "0.0.0.0/8",     "10.0.0.0/8",   "100.64.0.0/10",  "127.0.0.0/8",   "169.254.0.0/16",
        "172.16.0.0/12", "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "::/128",
        "::1/128",       "fc00::/7",     "fe80::/10",      "240.0.0.0/4"};
    auto list = IpAccessList::Parse(cidrs);
    LS_CHECK(list.has_value(), "the built-in non-public ranges parse");
    return *std::move(list);
  }();
  return ranges;
}

const IpAccessList& LoopbackRanges() {
  static const IpAccessList ranges = [] {
    const std::array<std::string, 2> cidrs = {"127.0.0.0/8", "::1/128"};
    auto list = IpAccessList::Parse(cidrs);
    LS_CHECK(list.has_value(), "the built-in loopback ranges parse");
    return *std::move(list);
  }();
  return ranges;
}

// "localhost" or a literal loopback address ("127.evil.example" is a name, not a literal).
bool IsLoopbackHost(std::string_view host) {
  return host == "localhost" || LoopbackRanges().Allows(host);
}

}  // namespace

Status CheckIdpUrl(std::string_view url, const IdpFetchOptions& options) {
  LS_ASSIGN_OR_RETURN(UrlParts parts, SplitUrl(url));
  if (parts.scheme == "https") return OkStatus();
  if (parts.scheme == "http" && IsLoopbackHost(parts.host)) {
    if (options.allow_loopback_http) return OkStatus();
    return InvalidArgument(
        "The URL '{}' is plain http: identity providers are reached over https (plain http to "
        "a loopback address needs the server flag --oidc-allow-loopback-http)",
        Printable(url));
  }
  return InvalidArgument("The URL '{}' is not https: identity providers are reached over https",
                         Printable(url));
}

bool IdpPeerAllowed(std::string_view ip, const IdpFetchOptions& options) {
  if (options.allow_loopback_http && LoopbackRanges().Allows(ip)) return true;
  if (options.allow_private_networks) return true;
  return !NonPublicRanges().Allows(ip);
}

Result<std::string> FetchIdpDocument(const std::string& url, const IdpFetchOptions& options) {
  if (auto ok = CheckIdpUrl(url, options); !ok) {
    return MakeError(ErrorCode::kUnavailable, ok.error().message);
  }
  http::ClientOptions client_options;
  client_options.connect_timeout_ms = options.connect_timeout_ms;
  client_options.timeout_ms = options.timeout_ms;
  client_options.max_body_bytes = static_cast<int64_t>(options.max_bytes);
  client_options.ca_file = options.ca_file;
  client_options.allow_peer = [options](std::string_view ip) {
    return IdpPeerAllowed(ip, options);
  };
  http::Client client(std::move(client_options));
  auto response = client.Get(url, {{"Accept", "application/json"}});
  if (!response) {
    return MakeError(
        ErrorCode::kUnavailable,
        fmt::format("The identity provider could not be reached: {}", response.error().message));
  }
  if (response->status != 200) {
    std::string_view shown = std::string_view(url).substr(0, url.find('?'));
    return MakeError(ErrorCode::kUnavailable,
                     fmt::format("The identity provider answered HTTP {} for {}", response->status,
                                 Printable(shown, 200)));
  }
  return std::move(response->body);
}

}  // namespace lakeshare::auth
