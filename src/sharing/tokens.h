// Signed tokens: the page tokens of listings, /query and /changes, the refresh tokens of /query,
// and the signatures of self-signed file URLs. The reference server sends unsigned protobufs
// (the inventory notes "No token security ... A C++ server should HMAC them"); ours are
//   base64url(payload JSON) "." base64url(HMAC-SHA256(key, purpose || 0x00 || payload))
// and every page token is bound to the request it continues (recipient, endpoint, table and a
// digest of the parameters), so a tampered, expired or foreign token is a 400, never a 500 and
// never another request's data. Keys for each purpose are derived from one secret.
// Thread-safe (immutable after construction). HMAC-SHA256 (RFC 2104) is computed from the SHA-256
// states after the key's inner and outer pads, prepared once: a MAC is a copy of those states and
// the hashing of its own bytes, with no allocation and no lock (a /query response signs one URL
// per file; OpenSSL's EVP_MAC and one-shot HMAC() fetch the algorithm, take provider locks and
// duplicate contexts on the heap every time).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace lakeshare::sharing {

/// HMAC-SHA256 under one key with the beginning of the message absorbed once: the MACs of many
/// messages that share a prefix (the file URLs of one response) cost only their own bytes.
/// Immutable and thread-safe; cheap to copy.
class PrefixedMac {
 public:
  static constexpr size_t kSize = 32;
  /// The MAC of prefix || parts[0] || parts[1] ..., written to `out`.
  void Compute(std::initializer_list<std::string_view> parts, unsigned char (&out)[kSize]) const;

 private:
  friend class TokenSigner;
  struct State;
  std::shared_ptr<const State> state_;
};

class TokenSigner {
 public:
  /// `secret`: at least 16 bytes; an empty secret draws 32 random bytes (tokens then die with
  /// the process).
  explicit TokenSigner(std::string secret);
  ~TokenSigner();
  TokenSigner(const TokenSigner&) = delete;
  TokenSigner& operator=(const TokenSigner&) = delete;

  /// Raw HMAC-SHA256 of `data` under the key for `purpose`.
  std::string Mac(std::string_view purpose, std::string_view data) const;
  /// Mac(purpose, data_prefix + rest) for any `rest`, with everything up to `rest` hashed once.
  PrefixedMac Prefixed(std::string_view purpose, std::string_view data_prefix) const;
  /// base64url(payload) "." base64url(mac).
  std::string Seal(std::string_view purpose, std::string_view payload) const;
  /// Verify a sealed token and return its payload; kInvalidArgument when it is not one of ours.
  Result<std::string> Open(std::string_view purpose, std::string_view token) const;
  /// Compare `mac_b64url` with the MAC of `data`, in constant time.
  bool Verify(std::string_view purpose, std::string_view data, std::string_view mac_b64url) const;

 private:
  std::string key_;
  PrefixedMac keyed_;  // the key's pads with nothing after them
};

/// Base64url without padding (RFC 4648 §5).
std::string Base64UrlEncode(std::string_view bytes);
/// Append base64url without padding of `bytes` to `out`.
void AppendBase64Url(std::string& out, std::string_view bytes);

/// MD5 and SHA-256 of `data` (file ids), without OpenSSL's per-call algorithm fetch and locks.
void Md5Digest(std::string_view data, unsigned char (&out)[16]);
void Sha256Digest(std::string_view data, unsigned char (&out)[32]);

/// Md5Digest of up to kMd5Lanes messages at once: on CPUs with AVX2 the messages of one block
/// (55 bytes or less, file paths mostly) are hashed side by side in the lanes of one vector (MD5
/// is one long dependency chain per message; eight run for about the price of one).
inline constexpr size_t kMd5Lanes = 8;
void Md5Digests(const std::string_view* data, size_t n, unsigned char (*out)[16]);

/// Hex of the first 16 bytes of SHA-256(text): a compact digest for bindings.
std::string ShortDigest(std::string_view text);

/// The content of a page token.
struct PageToken {
  std::string kind;     // "shares", "schemas", "tables", "all-tables", "query", "changes"
  std::string binding;  // ShortDigest of what the token is bound to
  int64_t expires_ms = 0;
  std::string after;         // listings: key of the last item; query: key of the last file
  int64_t version = -1;      // query: pinned snapshot version; changes: resume commit
  int64_t index = 0;         // changes: actions of `version` already sent
  int64_t end_version = -1;  // changes / streaming query: pinned end of the range
};

std::string EncodePageToken(const TokenSigner& signer, const PageToken& token);
/// Decode and check a page token: signature, kind, binding and expiry. Every failure is
/// kInvalidArgument "Invalid pageToken: ...".
Result<PageToken> DecodePageToken(const TokenSigner& signer, std::string_view text,
                                  std::string_view kind, std::string_view binding, int64_t now_ms);

/// The content of a refresh token (issue #383): the snapshot to re-serve with fresh URLs.
struct RefreshToken {
  std::string binding;  // recipient + table
  int64_t version = 0;
  int64_t expires_ms = 0;
};

std::string EncodeRefreshToken(const TokenSigner& signer, const RefreshToken& token);
Result<RefreshToken> DecodeRefreshToken(const TokenSigner& signer, std::string_view text,
                                        std::string_view binding, int64_t now_ms);

}  // namespace lakeshare::sharing
