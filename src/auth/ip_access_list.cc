#include "auth/ip_access_list.h"

#include <arpa/inet.h>

#include <cstring>
#include <algorithm>
#include <optional>

#include "common/numbers.h"

namespace lakeshare::auth {

namespace {

/// The 16-byte form of a textual IPv4 or IPv6 address (IPv4 as ::ffff:a.b.c.d), and whether it
/// was written as IPv4.
struct Parsed {
  std::array<uint8_t, 16> bytes{};
  bool v4 = false;
};

std::optional<Parsed> ParseAddress(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  std::string s(text);
  Parsed p;
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    p.v4 = true;
    p.bytes[10] = 0xFF;
    p.bytes[11] = 0xFF;
    std::memcpy(p.bytes.data() + 12, &v4, 4);
    return p;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(p.bytes.data(), &v6, 16);
    return p;
  }
  return std::nullopt;
}

bool Covers(const std::array<uint8_t, 16>& net, int prefix_bits,
            const std::array<uint8_t, 16>& addr) {
  int full = prefix_bits / 8;
  if (std::memcmp(net.data(), addr.data(), static_cast<size_t>(full)) != 0) return false;
  int rest = prefix_bits % 8;
  if (rest == 0) return true;
  uint8_t mask = static_cast<uint8_t>(0xFF << (8 - rest));
  return (net[full] & mask) == (addr[full] & mask);
}

}  // namespace

Status ValidateIpAccessEntry(std::string_view entry) {
  std::string_view addr = entry;
  std::optional<int> prefix;
  if (size_t slash = entry.find('/'); slash != std::string_view::npos) {
    addr = entry.substr(0, slash);
    std::string_view bits = entry.substr(slash + 1);
    prefix = ParseInteger<int>(bits);
    if (!prefix) {
      return InvalidArgument("ip_access_list entry '{}' has a bad prefix length; use "
                             "ADDRESS/BITS, e.g. 10.0.0.0/8",
                             entry);
    }
  }
  auto parsed = ParseAddress(addr);
  if (!parsed) {
    return InvalidArgument("ip_access_list entry '{}' is not an IPv4 or IPv6 address or CIDR "
                           "range",
                           entry);
  }
  if (prefix) {
    int max = parsed->v4 ? 32 : 128;
    if (*prefix < 0 || *prefix > max) {
      return InvalidArgument("ip_access_list entry '{}': prefix length must be 0..{}",
                             entry, max);
    }
    int bits = parsed->v4 ? *prefix + 96 : *prefix;
    std::array<uint8_t, 16> masked = parsed->bytes;
    for (int i = 0; i < 16; ++i) {
      int keep = std::max(0, std::min(8, bits - i * 8));
      masked[i] &= static_cast<uint8_t>(keep == 0 ? 0 : 0xFF << (8 - keep));
    }
    if (masked != parsed->bytes) {
      return InvalidArgument("ip_access_list entry '{}' has host bits set after the prefix; "
                             "did you mean the network address?",
                             entry);
    }
  }
  return OkStatus();
}

Result<IpAccessList> IpAccessList::Parse(std::span<const std::string> entries) {
  if (entries.size() > kMaxEntries) {
    return InvalidArgument("ip_access_list holds {} entries; at most {} are allowed",
                           entries.size(), kMaxEntries);
  }
  IpAccessList list;
  for (const std::string& entry : entries) {
    LS_RETURN_IF_ERROR(ValidateIpAccessEntry(entry));
    std::string_view addr = entry;
    int prefix = -1;
    if (size_t slash = entry.find('/'); slash != std::string::npos) {
      addr = std::string_view(entry).substr(0, slash);
      prefix = ParseInteger<int>(std::string_view(entry).substr(slash + 1)).value_or(-1);
    }
    auto parsed = ParseAddress(addr);
    Range range;
    range.bytes = parsed->bytes;
    if (prefix < 0) {
      range.prefix_bits = 128;
    } else {
      range.prefix_bits = parsed->v4 ? prefix + 96 : prefix;
    }
    list.ranges_.push_back(range);
  }
  return list;
}

bool IpAccessList::Allows(std::string_view address) const {
  if (ranges_.empty()) return true;
  // A scope id ("fe80::1%eth0") is not part of the address.
  if (size_t pct = address.find('%'); pct != std::string_view::npos) {
    address = address.substr(0, pct);
  }
  auto parsed = ParseAddress(address);
  if (!parsed) return false;
  for (const Range& range : ranges_) {
    if (Covers(range.bytes, range.prefix_bits, parsed->bytes)) return true;
  }
  return false;
}

}  // namespace lakeshare::auth
