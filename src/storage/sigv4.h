// AWS Signature Version 4 for Amazon S3 and S3-compatible stores, written from the public
// specification ("Authenticating Requests (AWS Signature Version 4)", Amazon S3 API Reference):
// canonical request, string to sign, signing key, the Authorization header and query-string
// pre-signing. Only S3's rules are implemented: the canonical URI is the path URI-encoded once
// with '/' kept, never normalized or double-encoded as other AWS services require.
// Everything here is a pure function of its inputs (the clock is a parameter); thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace lakeshare::storage {

using HeaderList = std::vector<std::pair<std::string, std::string>>;
using QueryList = std::vector<std::pair<std::string, std::string>>;
using SystemTime = std::chrono::system_clock::time_point;

/// An access key pair, optionally with the session token of temporary credentials. Never log it.
struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys

  bool empty() const { return access_key_id.empty() || secret_access_key.empty(); }
};

/// A request before signing. `path` and `query` are raw (not percent-encoded): the signer encodes
/// them by the S3 rules, and the caller must put exactly `EncodedPath()`/`EncodedQuery()` on the
/// wire so that the server computes the same canonical request.
struct SigV4Request {
  std::string method = "GET";
  /// The Host header: host name plus ":port" unless the port is the scheme's default.
  std::string host;
  /// Absolute path, e.g. "/bucket/dir/my key.txt" (path-style) or "/dir/my key.txt".
  std::string path = "/";
  QueryList query;
  /// Extra headers to sign and send (e.g. "Range", "If-None-Match"); names in any case.
  HeaderList headers;
  /// Lower-case hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"; empty means an empty body.
  std::string payload_sha256;
};

/// Result of header-based signing, with the intermediate strings for tests and debugging (they
/// hold the access key id and session token, so never log them either).
struct SigV4Signature {
  /// Headers to add to the request: x-amz-date, x-amz-content-sha256, optionally
  /// x-amz-security-token, and authorization.
  HeaderList headers;
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lower-case hex
};

/// Result of query-string pre-signing.
struct SigV4Presigned {
  /// The complete encoded query string, including X-Amz-Signature (no leading '?').
  std::string query;
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
};

inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
/// SHA-256 of the empty string, the payload hash of a request without a body.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// The longest validity a SigV4 pre-signed URL may have (7 days).
inline constexpr int64_t kMaxPresignExpiresSeconds = 604800;

/// URI-encode per the SigV4 spec: every byte except the unreserved characters A-Z a-z 0-9 '-'
/// '.' '_' '~' becomes %XX with upper-case hex; '/' is kept unless `encode_slash`.
std::string UriEncode(std::string_view s, bool encode_slash);

/// "Each path segment must be URI-encoded twice (except for Amazon S3 which only gets URI-encoded
/// once)": the S3 canonical URI of a raw path, '/' kept.
std::string CanonicalUri(std::string_view raw_path);

/// "Sort the parameter names by character code point in ascending order ... URI-encode each
/// parameter name and value": name=value pairs joined with '&' ('/' encoded in values).
std::string CanonicalQueryString(const QueryList& raw_query);

/// "20130524T000000Z" (ISO 8601 basic format, UTC) for `t`, truncated to seconds.
std::string SigV4Timestamp(SystemTime t);

/// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
/// Raw 32-byte HMAC-SHA256 of `data` under `key`.
Result<std::string> HmacSha256(std::string_view key, std::string_view data);

/// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, yyyymmdd), region), service), "aws4_request").
Result<std::string> DeriveSigningKey(std::string_view secret_access_key, std::string_view date,
                                     std::string_view region, std::string_view service);

/// Signs requests for one set of credentials, region and service. Immutable; thread-safe.
class SigV4Signer {
 public:
  SigV4Signer(AwsCredentials credentials, std::string region, std::string service = "s3");

  /// Sign `request` with an Authorization header at time `now`.
  Result<SigV4Signature> Sign(const SigV4Request& request, SystemTime now) const;

  /// Pre-sign `request` in its query string at time `now`, valid `expires_seconds` (1..604800).
  /// Only "host" is signed (X-Amz-SignedHeaders=host) plus any `request.headers`; the payload is
  /// UNSIGNED-PAYLOAD, and X-Amz-Security-Token is added when the credentials carry one.
  Result<SigV4Presigned> Presign(const SigV4Request& request, SystemTime now,
                                 int64_t expires_seconds) const;

  const std::string& region() const { return region_; }
  const std::string& access_key_id() const { return credentials_.access_key_id; }

 private:
  struct Canonical {
    std::string request;
    std::string signed_headers;
  };
  Canonical BuildCanonicalRequest(const SigV4Request& request, const HeaderList& extra_headers,
                                  const QueryList& query, std::string_view payload_hash) const;
  std::string Scope(std::string_view date) const;
  Result<std::string> Signature(std::string_view date, std::string_view string_to_sign) const;

  AwsCredentials credentials_;
  std::string region_;
  std::string service_;
};

}  // namespace lakeshare::storage
