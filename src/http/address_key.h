// The key under which a client address is counted by the per-address limits (connections in
// the listener, request rates in request_limits.h): an IPv4 address as is, an IPv4-mapped IPv6
// address as its IPv4 address, and an IPv6 address by its /64 prefix ("2001:db8:1:2::/64"; a
// scoped link-local one by its /64 on its interface, "fe80::/64%eth0").
// Why /64: one IPv6 host is routinely given a whole /64 (SLAAC, RFC 4291's interface
// identifiers), so counting single IPv6 addresses would give one attacker 2^64 budgets; a
// provider's partners behind one /64 share one budget, as partners behind one IPv4 NAT do.
// Pure function, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace lakeshare::http {

/// The limit key of `address` (textual IP address); text that is no IP address is its own key.
std::string AddressLimitKey(std::string_view address);

}  // namespace lakeshare::http
