// Fetching the documents of an identity provider (IdP): its OpenID Provider configuration and its
// JWK Set. The URLs come from federation policies (written by provider teams) and from the IdP's
// own discovery document, so each is checked before it is fetched and the address it resolves to
// is checked again when the connection is made:
//   - https only; plain http only to a loopback host, and only when allow_loopback_http is set
//     (tests, a local IdP on the same machine);
//   - no user info, no fragment;
//   - the peer address must be public unless allow_private_networks is set (a company's own IdP
//     inside its network, for provider sign-in): loopback, RFC 1918, link-local (cloud metadata
//     services live there), CGNAT, unique-local and unspecified addresses are refused; loopback
//     is allowed with allow_loopback_http.
// A fetch has a connect and a total timeout and a body limit; every failure (refused URL,
// unreachable host, timeout, non-200 answer, oversized body) is kUnavailable: the caller answers
// 503, never 500. Messages name the URL without its query.
//
// Thread-safe: each fetch uses its own connection (IdP fetches are rare: they are cached).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace lakeshare::auth {

struct IdpFetchOptions {
  int64_t connect_timeout_ms = 2'000;  // a black-holed IdP holds its caller no longer
  int64_t timeout_ms = 5'000;
  size_t max_bytes = 128 * 1024;
  bool allow_loopback_http = false;
  bool allow_private_networks = false;
  /// PEM bundle of CAs to trust for IdP connections; empty: the system store.
  std::string ca_file{};
};

/// Check `url` against the rules above (before any DNS lookup). kInvalidArgument with a message
/// naming the rule, so that a federation policy with a bad issuer is refused when it is created.
Status CheckIdpUrl(std::string_view url, const IdpFetchOptions& options);

/// Whether `ip` (textual IPv4 or IPv6) is an address an IdP fetch may connect to.
bool IdpPeerAllowed(std::string_view ip, const IdpFetchOptions& options);

/// GET `url` and return its body when the answer is 200. kUnavailable otherwise.
Result<std::string> FetchIdpDocument(const std::string& url, const IdpFetchOptions& options);

}  // namespace lakeshare::auth
