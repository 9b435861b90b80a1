// The client's address behind reverse proxies and load balancers. Replicas of the platform
// usually sit behind one; without this every partner would appear with the balancer's address,
// so recipients' IP access lists and the audit log's source_ip would be useless.
//
// Trust is explicit: only when the TCP peer is one of the operator's trusted proxies
// (`serve --trusted-proxy CIDR`) is X-Forwarded-For read at all. The header is then walked from
// the right (the hop our proxy appended) leftwards, skipping hops that are trusted proxies too;
// the first address that is not is the client. Everything left of it was written by the client
// and is never believed. A hop that is not an IP address ends the walk with "unknown", which
// every non-empty IP access list refuses (fail closed).
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "auth/ip_access_list.h"

namespace lakeshare::auth {

/// `peer`: the TCP peer address; `forwarded_for`: the values of every X-Forwarded-For header in
/// the order received (each a comma-separated list); `trusted_proxies`: empty trusts no one.
/// Entries may carry a port ("203.0.113.7:5312", "[2001:db8::1]:443"); it is dropped.
std::string ClientAddress(std::string_view peer, std::span<const std::string_view> forwarded_for,
                          const IpAccessList& trusted_proxies);

}  // namespace lakeshare::auth
