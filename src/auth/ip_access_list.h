// IpAccessList: a recipient's `ip_access_list.allowed_ip_addresses` (issue 5, "Recipient
// lifecycle"): single IPv4 or IPv6 addresses and CIDR ranges. An empty list allows everyone; a
// non-empty one allows only the addresses it covers. It gates the sharing protocol, the
// activation info and the credential download. IPv4-mapped IPv6 peers (::ffff:a.b.c.d, as a
// dual-stack listener reports IPv4 clients) match IPv4 entries. Immutable after Parse, so it is
// safe to share between threads.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace lakeshare::auth {

class IpAccessList {
 public:
  /// The most entries a list may hold (Unity Catalog allows 100).
  static constexpr size_t kMaxEntries = 100;

  IpAccessList() = default;

  /// Parse entries like "203.0.113.7", "10.0.0.0/8", "2001:db8::/32". kInvalidArgument names the
  /// first bad entry (host bits set in a range, e.g. "10.0.0.1/8", are an error too: they
  /// usually mean a typo).
  static Result<IpAccessList> Parse(std::span<const std::string> entries);

  bool empty() const { return ranges_.empty(); }
  /// Whether `address` (textual, as http::Request::remote_address gives it) may pass. An empty
  /// list allows everything; an unparsable address is refused by a non-empty list.
  bool Allows(std::string_view address) const;

 private:
  struct Range {
    std::array<uint8_t, 16> bytes{};  // IPv4 stored as IPv4-mapped IPv6
    int prefix_bits = 128;
  };
  std::vector<Range> ranges_;
};

/// Check one entry; kInvalidArgument with a message naming it.
Status ValidateIpAccessEntry(std::string_view entry);

}  // namespace lakeshare::auth
