// JSON Web Keys (RFC 7517) for JWS signatures (RFC 7515) with the algorithms of RFC 7518 §3 that
// Lakeshare accepts: RS256/384/512 (RSASSA-PKCS1-v1_5), PS256 (RSASSA-PSS) and ES256/384 (ECDSA
// on P-256/P-384). `none` and the HMAC algorithms are not in the enum, so no code path can select
// them: a public key is never used as an HMAC secret ("algorithm confusion").
//
// VerificationKey is a public key read from a JWK (RSA `n`/`e`, EC `crv`/`x`/`y`); SigningKey a
// private key Lakeshare generates for its own tokens (and tests generate to play an identity
// provider). Both wrap an OpenSSL 3 EVP_PKEY, are immutable once built and cheap to copy (the key
// is shared), so they are safe to use from many threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace lakeshare::auth {

enum class JwsAlgorithm { kRS256, kRS384, kRS512, kPS256, kES256, kES384 };

/// The algorithm named `name` ("RS256"...), or nullopt for any other name ("none", "HS256",
/// "rs256": names are case-sensitive, RFC 7515 §4.1.1).
std::optional<JwsAlgorithm> JwsAlgorithmFromName(std::string_view name);
std::string_view JwsAlgorithmName(JwsAlgorithm alg);
/// "RS256, RS384, RS512, PS256, ES256 or ES384", for messages.
std::string_view AcceptedJwsAlgorithms();

enum class KeyType { kRsa, kEcP256, kEcP384 };

class VerificationKey {
 public:
  /// The smallest and largest RSA moduli accepted (RFC 7518 §3.3: "A key of size 2048 bits or
  /// larger MUST be used"; the upper bound keeps a hostile key from making verification slow).
  static constexpr int kMinRsaBits = 2048;
  static constexpr int kMaxRsaBits = 8192;

  /// Whether this key may check a signature made with `alg`: its type matches the algorithm
  /// (RSA for RS*/PS*, P-256 for ES256, P-384 for ES384) and, when the JWK declared `alg`, the
  /// declaration names `alg`.
  bool CanVerify(JwsAlgorithm alg) const;

  /// Check `signature` (the JWS Signature bytes, RFC 7518 §3: raw R||S for ECDSA) over
  /// `signing_input` ("base64url(header).base64url(payload)"). kUnauthenticated when it does not
  /// verify or when CanVerify(alg) is false.
  Status Verify(JwsAlgorithm alg, std::string_view signing_input, std::string_view signature) const;

  /// The public JWK as JSON text ({"kty","kid","use":"sig","alg"?, n/e or crv/x/y}), for a
  /// published JWK Set.
  std::string ToJwkJson() const;

  /// An RSA public key from its big-endian modulus and exponent (a leading zero octet is
  /// tolerated). kInvalidArgument outside [kMinRsaBits, kMaxRsaBits], for an even modulus, or an
  /// exponent that is even, below 3 or above 2^32.
  static Result<VerificationKey> FromRsa(std::string_view n, std::string_view e, std::string kid,
                                         std::optional<JwsAlgorithm> declared_alg);
  /// An EC public key from its affine coordinates, each the full size of the curve's field
  /// (RFC 7518 §6.2.1.2); kInvalidArgument for another size or a point not on the curve.
  static Result<VerificationKey> FromEc(KeyType curve, std::string_view x, std::string_view y,
                                        std::string kid, std::optional<JwsAlgorithm> declared_alg);

  const std::string& kid() const { return kid_; }
  KeyType type() const { return type_; }
  const std::optional<JwsAlgorithm>& declared_alg() const { return declared_alg_; }

 private:
  friend class SigningKey;
  std::shared_ptr<evp_pkey_st> pkey_;
  KeyType type_ = KeyType::kRsa;
  std::string kid_;
  std::optional<JwsAlgorithm> declared_alg_;
};

/// A JWK Set (RFC 7517 §5). Keys this server cannot use (symmetric `oct` keys, encryption keys,
/// other curves or key types) are skipped, not errors: issuers publish them beside their
/// signing keys.
struct JsonWebKeySet {
  std::vector<VerificationKey> keys;
  size_t skipped = 0;

  /// The keys whose `kid` is `kid` (all keys when `kid` is empty).
  std::vector<const VerificationKey*> WithKid(std::string_view kid) const;
};

/// Depth and element count are those of kIdentityProviderJsonLimits (common/json_bounds.h).
struct JwksLimits {
  size_t max_bytes = 128 * 1024;
  size_t max_keys = 64;
};

/// Parse a JWK Set document. A document that is not a bounded JSON object with a `keys` array,
/// or a usable-looking key with broken parameters (an RSA key under 2048 bits, an EC point off
/// its curve, a coordinate of the wrong length), is kUnavailable: the identity provider serves
/// something wrong, and the caller answers 503.
Result<JsonWebKeySet> ParseJwks(std::string_view text, const JwksLimits& limits = {});

/// Parse one JWK (JSON text) the same way; kInvalidArgument for a key a provider registers
/// through the management API (a partner's public key for private-key JWT).
Result<VerificationKey> ParseJwk(std::string_view text);

class SigningKey {
 public:
  /// A fresh key for `alg` (RSA 2048 bits for RS*/PS*, the algorithm's curve for ES*) from
  /// OpenSSL's CSPRNG, with key id `kid`.
  static Result<SigningKey> Generate(JwsAlgorithm alg, std::string kid);
  /// A private key in PEM (PKCS#8 or traditional), to sign with `alg`; kInvalidArgument when the
  /// PEM is not a private key of the algorithm's type.
  static Result<SigningKey> FromPem(std::string_view pem, JwsAlgorithm alg, std::string kid);

  /// The private key as unencrypted PKCS#8 PEM (for the metastore, never for a log).
  std::string PrivateKeyPem() const;
  /// The public half, declared for this key's algorithm.
  VerificationKey PublicKey() const;
  /// The JWS Signature over `signing_input` (raw R||S for ECDSA). kInternal if OpenSSL fails.
  Result<std::string> Sign(std::string_view signing_input) const;

  JwsAlgorithm alg() const { return alg_; }
  const std::string& kid() const { return kid_; }

 private:
  std::shared_ptr<evp_pkey_st> pkey_;
  JwsAlgorithm alg_ = JwsAlgorithm::kES256;
  std::string kid_;
};

}  // namespace lakeshare::auth
