// Request-head checks the HTTP parser leaves to us (issue 10, item 8): refuse what two parties
// on the path (a proxy and this server, or two parts of this server) could read differently.
// Each refusal is a kMalformedRequest (400 MALFORMED_REQUEST) whose message names the header;
// the server then closes the connection. Pure functions, thread-safe.
//
//  - RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1
//    request message that lacks a Host header field and to any request message that contains
//    more than one Host header field line or a Host header field with an invalid field value."
//  - RFC 9112 §6.3: "If a Transfer-Encoding header field is present in a request and the chunked
//    transfer coding is not the final encoding, the message body length cannot be determined
//    reliably; the server MUST respond with the 400 (Bad Request) status code and then close the
//    connection." We support the chunked coding alone, so any other Transfer-Encoding is refused,
//    as is one sent with Content-Length (§6.1: "a server MAY reject a request that contains both
//    Content-Length and Transfer-Encoding").
//  - Content-Length: one field line with one value. RFC 9110 §8.6 lets a recipient accept a
//    repeated identical value; we do not, since an intermediary may have taken only one of them.
//  - Authorization, Content-Type, Transfer-Encoding: one field line each. Two credentials leave
//    it to chance which one a component checks (a proxy may check the first, we the last).
#pragma once

#include <string_view>
#include <vector>

#include "common/result.h"
#include "http/request.h"

namespace lakeshare::http {

/// Check the header fields of a request of HTTP version `version` (10 for 1.0, 11 for 1.1).
Status CheckRequestHeaders(const std::vector<Field>& headers, unsigned version);

/// Whether `host` is a valid Host field value (RFC 9110 §7.2: uri-host [ ":" port ]): a
/// reg-name of letters, digits, '-', '.', '_', '~', an IPv4 address, or an IPv6 literal in
/// brackets; an optional port of digits. The empty value is valid (RFC 9112 §3.2).
bool IsValidHostHeader(std::string_view host);

}  // namespace lakeshare::http
