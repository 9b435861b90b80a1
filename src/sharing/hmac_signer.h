// HmacSigner: the server's keyed MACs, one key per purpose derived from one secret. They sign the
// page and refresh tokens (page_tokens.h) and the self-signed file URLs (file_urls.h); they have
// nothing to do with bearer tokens (auth/). A sealed value is
//   base64url(payload) "." base64url(HMAC-SHA256(key, purpose || 0x00 || payload)).
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
  friend class HmacSigner;
  struct State;
  std::shared_ptr<const State> state_;
};

class HmacSigner {
 public:
  /// `secret`: at least 16 bytes; an empty secret draws 32 random bytes (tokens then die with
  /// the process).
  explicit HmacSigner(std::string secret);
  ~HmacSigner();
  HmacSigner(const HmacSigner&) = delete;
  HmacSigner& operator=(const HmacSigner&) = delete;

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

}  // namespace lakeshare::sharing
