#include "http/address_key.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace lakeshare::http {

std::string AddressLimitKey(std::string_view address) {
  // A scoped address ("fe80::1:2:3:4%eth0", a link-local peer) is counted by its /64 on that
  // interface: inet_pton does not read the zone, so it is cut off and kept for the key.
  const std::string_view zone = address.substr(std::min(address.find('%'), address.size()));
  const std::string_view ip = address.substr(0, address.size() - zone.size());
  if (ip.find(':') == std::string_view::npos || ip.size() >= INET6_ADDRSTRLEN) {
    return std::string(address);
  }
  const std::string text(ip);
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) {
    return std::string(address);
  }
  static constexpr unsigned char kV4Mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  char out[INET6_ADDRSTRLEN];
  if (std::memcmp(v6.s6_addr, kV4Mapped, sizeof(kV4Mapped)) == 0) {
    in_addr v4{};
    std::memcpy(&v4, v6.s6_addr + 12, 4);
    return inet_ntop(AF_INET, &v4, out, sizeof(out)) != nullptr ? std::string(out)
                                                                : std::string(address);
  }
  std::memset(v6.s6_addr + 8, 0, 8);
  if (inet_ntop(AF_INET6, &v6, out, sizeof(out)) == nullptr) {
    return std::string(address);
  }
  return std::string(out) + "/64" + std::string(zone);
}

}  // namespace lakeshare::http
