// SecretBox: sealing of the secrets the metastore must be able to read back (the keys of storage
// credentials), with AES-256-GCM under a key derived from a server secret (HMAC-SHA256 of the
// secret and a fixed label). Each sealed value carries a random 96-bit nonce, the id of the key
// that sealed it and a tag that also covers `context` (the row it belongs to), so a value copied
// into another row, altered, or opened with another key is refused rather than misread.
//
// What it protects: a metastore dump, backup or replica read by someone who does not hold the
// server secret shows no secret in plain text. What it does not: anyone holding the server
// secret (LAKESHARE_SIGNING_KEY, or the metastore itself when the secret is stored there, which
// is the default), or the memory of a running server.
//
// Immutable after construction; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace lakeshare::catalog {

class SecretBox {
 public:
  /// A box keyed from `server_secret`; an empty secret makes a box that stores values unsealed
  /// (marked as such, still bound to nothing).
  explicit SecretBox(std::string_view server_secret = {});

  /// "v1:<key id>:<base64(nonce|ciphertext|tag)>", or "plain:<base64>" without a key.
  std::string Seal(std::string_view plaintext, std::string_view context) const;
  /// The plaintext of a sealed value; kInternal when it was sealed with another key, for
  /// another context, or altered (the message says which, never the value).
  Result<std::string> Open(std::string_view sealed, std::string_view context) const;

 private:
  std::string key_;     // 32 bytes, empty without a server secret
  std::string key_id_;  // 8 hex digits naming the key
};

}  // namespace lakeshare::catalog
