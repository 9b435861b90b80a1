#include "http/address_key.h"

#include <arpa/inet.h>

#include <cstring>

namespace lakeshare::http {

std::string AddressLimitKey(std::string_view address) {
  if (address.find(':') == std::string_view::npos || address.size() >= INET6_ADDRSTRLEN) {
    return std::string(address);
  }
  std::string text(address);
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) {
    return text;
  }
  static constexpr unsigned char kV4Mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  char out[INET6_ADDRSTRLEN];
  if (std::memcmp(v6.s6_addr, kV4Mapped, sizeof(kV4Mapped)) == 0) {
    in_addr v4{};
    std::memcpy(&v4, v6.s6_addr + 12, 4);
    return inet_ntop(AF_INET, &v4, out, sizeof(out)) != nullptr ? std::string(out) : text;
  }
  std::memset(v6.s6_addr + 8, 0, 8);
  if (inet_ntop(AF_INET6, &v6, out, sizeof(out)) == nullptr) {
    return text;
  }
  return std::string(out) + "/64";
}

}  // namespace lakeshare::http
