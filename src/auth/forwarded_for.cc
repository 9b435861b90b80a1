#include "auth/forwarded_for.h"

#include <optional>
#include <vector>

#include "common/strings.h"

namespace lakeshare::auth {

namespace {

// The address of one X-Forwarded-For hop without its port; nullopt when it is not an address.
std::optional<std::string> HopAddress(std::string_view hop) {
  hop = Trim(hop, kHttpOws);
  if (!hop.empty() && hop.front() == '[') {  // "[v6]" or "[v6]:port"
    size_t close = hop.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    hop = hop.substr(1, close - 1);
  } else if (hop.find(':') != std::string_view::npos && hop.find(':') == hop.rfind(':') &&
             hop.find('.') != std::string_view::npos) {
    hop = hop.substr(0, hop.find(':'));  // "a.b.c.d:port"
  }
  if (hop.empty() || hop.find('/') != std::string_view::npos || !ValidateIpAccessEntry(hop)) {
    return std::nullopt;
  }
  return std::string(hop);
}

}  // namespace

std::string ClientAddress(std::string_view peer, std::span<const std::string_view> forwarded_for,
                          const IpAccessList& trusted_proxies) {
  if (trusted_proxies.empty() || !trusted_proxies.Allows(peer)) {
    return std::string(peer);
  }
  std::vector<std::string_view> hops;
  for (std::string_view header : forwarded_for) {
    for (std::string_view hop : Split(header, ',')) {
      hops.push_back(hop);
    }
  }
  std::string client(peer);
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (Trim(*it, kHttpOws).empty()) continue;  // "a, , b": an empty element adds no hop
    std::optional<std::string> address = HopAddress(*it);
    if (!address) return "unknown";
    client = std::move(*address);
    if (!trusted_proxies.Allows(client)) break;
  }
  return client;
}

}  // namespace lakeshare::auth
