#include "auth/jwk.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <array>
#include <cstring>
#include <nlohmann/json.hpp>

#include "auth/jose_json_internal.h"
#include "common/check.h"
#include "common/strings.h"

namespace lakeshare::auth {
namespace {

using nlohmann::json;

struct AlgInfo {
  JwsAlgorithm alg;
  std::string_view name;
  const EVP_MD* (*md)();
  bool pss;
};

constexpr std::array<AlgInfo, 6> kAlgs = {{
    {JwsAlgorithm::kRS256, "RS256", EVP_sha256, false},
    {JwsAlgorithm::kRS384, "RS384", EVP_sha384, false},
    {JwsAlgorithm::kRS512, "RS512", EVP_sha512, false},
    {JwsAlgorithm::kPS256, "PS256", EVP_sha256, true},
    {JwsAlgorithm::kES256, "ES256", EVP_sha256, false},
    {JwsAlgorithm::kES384, "ES384", EVP_sha384, false},
}};

const AlgInfo& Info(JwsAlgorithm alg) { return kAlgs[static_cast<size_t>(alg)]; }

KeyType KeyTypeFor(JwsAlgorithm alg) {
  switch (alg) {
    case JwsAlgorithm::kES256:
      return KeyType::kEcP256;
    case JwsAlgorithm::kES384:
      return KeyType::kEcP384;
    default:
      return KeyType::kRsa;
  }
}

// RFC 7518 §3.4: the size of R and of S in an ECDSA JWS Signature; §6.2.1.2: of x and y.
size_t CoordinateBytes(KeyType type) { return type == KeyType::kEcP384 ? 48 : 32; }
const char* CurveName(KeyType type) { return type == KeyType::kEcP384 ? "P-384" : "P-256"; }

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
template <typename T>
using Owned = std::unique_ptr<T, Free>;

std::shared_ptr<evp_pkey_st> Share(EVP_PKEY* pkey) {
  return std::shared_ptr<evp_pkey_st>(pkey, [](EVP_PKEY* p) { EVP_PKEY_free(p); });
}

// OpenSSL keeps failures on a per-thread queue; a refused input must not leave them behind for
// the next caller on this thread to misread.
template <typename... Args>
tl::unexpected<Error> Fail(ErrorCode code, fmt::format_string<Args...> f, Args&&... args) {
  ERR_clear_error();
  return Errorf(code, f, std::forward<Args>(args)...);
}

BIGNUM* ToBignum(std::string_view bytes) {
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                   static_cast<int>(bytes.size()), nullptr);
}

std::string FromBignum(const BIGNUM* bn, int pad_to) {
  int size = pad_to > 0 ? pad_to : BN_num_bytes(bn);
  std::string out(static_cast<size_t>(size), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), size);
  return out;
}

// Build an EVP_PKEY of `type_name` from `params` (public parts only) and check it.
Result<std::shared_ptr<evp_pkey_st>> PublicKeyFromParams(const char* type_name,
                                                         OSSL_PARAM_BLD* bld) {
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld));
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type_name, nullptr));
  EVP_PKEY* raw = nullptr;
  if (params == nullptr || ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Fail(ErrorCode::kInvalidArgument, "The {} public key is not valid", type_name);
  }
  Owned<EVP_PKEY> pkey(raw);
  Owned<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (check == nullptr || EVP_PKEY_public_check(check.get()) != 1) {
    return Fail(ErrorCode::kInvalidArgument, "The {} public key fails its checks", type_name);
  }
  return Share(pkey.release());
}

Result<KeyType> KeyTypeOf(EVP_PKEY* pkey) {
  if (EVP_PKEY_is_a(pkey, "RSA")) return KeyType::kRsa;
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       &len) == 1) {
      std::string_view g(group, len);
      if (g == "prime256v1" || g == "P-256") return KeyType::kEcP256;
      if (g == "secp384r1" || g == "P-384") return KeyType::kEcP384;
    }
  }
  return Fail(ErrorCode::kInvalidArgument,
              "The key is neither RSA nor EC on P-256 or P-384: no accepted algorithm uses it");
}

// RFC 7518 §3.4: the JWS form of an ECDSA signature is R||S, each the coordinate size; OpenSSL
// speaks DER (ECDSA-Sig-Value).
Result<std::string> RawEcdsaToDer(std::string_view raw, size_t coord) {
  if (raw.size() != 2 * coord) {
    return Fail(ErrorCode::kUnauthenticated,
                "The token's ECDSA signature is {} bytes; it must be {} (R||S, RFC 7518 §3.4)",
                raw.size(), 2 * coord);
  }
  Owned<ECDSA_SIG> sig(ECDSA_SIG_new());
  BIGNUM* r = ToBignum(raw.substr(0, coord));
  BIGNUM* s = ToBignum(raw.substr(coord));
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return Fail(ErrorCode::kInternal, "Could not build an ECDSA signature");
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return Fail(ErrorCode::kInternal, "Could not encode an ECDSA signature");
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return out;
}

Result<std::string> DerEcdsaToRaw(std::string_view der, size_t coord) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  Owned<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (sig == nullptr) return Fail(ErrorCode::kInternal, "OpenSSL made an unreadable signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  return FromBignum(r, static_cast<int>(coord)) + FromBignum(s, static_cast<int>(coord));
}

// Set up `md_ctx` to sign or verify with `alg` (RFC 7518 §3.5: PSS uses MGF1 with the same
// hash and a salt as long as the hash).
bool InitDigest(EVP_MD_CTX* md_ctx, EVP_PKEY* pkey, const AlgInfo& info, bool sign) {
  EVP_PKEY_CTX* pctx = nullptr;
  int rc = sign ? EVP_DigestSignInit(md_ctx, &pctx, info.md(), nullptr, pkey)
                : EVP_DigestVerifyInit(md_ctx, &pctx, info.md(), nullptr, pkey);
  if (rc != 1) return false;
  if (info.pss) {
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
           EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) == 1 &&
           EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, info.md()) == 1;
  }
  if (KeyTypeFor(info.alg) == KeyType::kRsa) {
    return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
  }
  return true;
}

}  // namespace

std::optional<JwsAlgorithm> JwsAlgorithmFromName(std::string_view name) {
  for (const AlgInfo& info : kAlgs) {
    if (info.name == name) return info.alg;
  }
  return std::nullopt;
}

std::string_view JwsAlgorithmName(JwsAlgorithm alg) { return Info(alg).name; }

std::string_view AcceptedJwsAlgorithms() { return "RS256, RS384, RS512, PS256, ES256 or ES384"; }

// ---- VerificationKey ---------------------------------------------------------------------

bool VerificationKey::CanVerify(JwsAlgorithm alg) const {
  if (pkey_ == nullptr || KeyTypeFor(alg) != type_) return false;
  return !declared_alg_.has_value() || *declared_alg_ == alg;
}

Status VerificationKey::Verify(JwsAlgorithm alg, std::string_view signing_input,
                               std::string_view signature) const {
  if (!CanVerify(alg)) {
    return Fail(ErrorCode::kUnauthenticated, "The key '{}' is not a key for {}", kid_,
                JwsAlgorithmName(alg));
  }
  std::string der;
  if (type_ != KeyType::kRsa) {
    LS_ASSIGN_OR_RETURN(der, RawEcdsaToDer(signature, CoordinateBytes(type_)));
    signature = der;
  } else if (signature.size() != static_cast<size_t>(EVP_PKEY_get_size(pkey_.get()))) {
    // RFC 8017 §8.1.2/§8.2.2 step 1: the signature is exactly as long as the modulus.
    return Fail(ErrorCode::kUnauthenticated,
                "The token's signature is {} bytes; key '{}' makes {}-byte signatures",
                signature.size(), kid_, EVP_PKEY_get_size(pkey_.get()));
  }
  Owned<EVP_MD_CTX> md_ctx(EVP_MD_CTX_new());
  if (md_ctx == nullptr || !InitDigest(md_ctx.get(), pkey_.get(), Info(alg), /*sign=*/false)) {
    return Fail(ErrorCode::kInternal, "Could not set up {} verification", JwsAlgorithmName(alg));
  }
  int rc = EVP_DigestVerify(
      md_ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  if (rc != 1) {
    return Fail(ErrorCode::kUnauthenticated,
                "The token's signature does not verify with the issuer's key '{}'", kid_);
  }
  return OkStatus();
}

std::string VerificationKey::ToJwkJson() const {
  json jwk = json::object();
  EVP_PKEY* pkey = pkey_.get();
  auto param = [pkey](const char* name, int pad) {
    BIGNUM* bn = nullptr;
    std::string out;
    if (EVP_PKEY_get_bn_param(pkey, name, &bn) == 1) out = FromBignum(bn, pad);
    BN_free(bn);
    return Base64UrlEncode(out);
  };
  if (type_ == KeyType::kRsa) {
    jwk["kty"] = "RSA";
    jwk["n"] = param(OSSL_PKEY_PARAM_RSA_N, 0);
    jwk["e"] = param(OSSL_PKEY_PARAM_RSA_E, 0);
  } else {
    int coord = static_cast<int>(CoordinateBytes(type_));
    jwk["kty"] = "EC";
    jwk["crv"] = CurveName(type_);
    jwk["x"] = param(OSSL_PKEY_PARAM_EC_PUB_X, coord);
    jwk["y"] = param(OSSL_PKEY_PARAM_EC_PUB_Y, coord);
  }
  if (!kid_.empty()) jwk["kid"] = kid_;
  jwk["use"] = "sig";
  if (declared_alg_) jwk["alg"] = std::string(JwsAlgorithmName(*declared_alg_));
  return jwk.dump();
}

Result<VerificationKey> VerificationKey::FromRsa(std::string_view n, std::string_view e,
                                                 std::string kid,
                                                 std::optional<JwsAlgorithm> declared_alg) {
  Owned<BIGNUM> bn_n(ToBignum(n));
  Owned<BIGNUM> bn_e(ToBignum(e));
  if (bn_n == nullptr || bn_e == nullptr) {
    return Fail(ErrorCode::kInternal, "Out of memory reading an RSA key");
  }
  int bits = BN_num_bits(bn_n.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits || !BN_is_odd(bn_n.get())) {
    return Fail(ErrorCode::kInvalidArgument,
                "The RSA key '{}' has a {}-bit modulus; between {} and {} bits are accepted", kid,
                bits, kMinRsaBits, kMaxRsaBits);
  }
  if (!BN_is_odd(bn_e.get()) || BN_num_bits(bn_e.get()) > 32 || BN_get_word(bn_e.get()) < 3) {
    return Fail(ErrorCode::kInvalidArgument,
                "The RSA key '{}' has an exponent that is even, below 3 or above 2^32", kid);
  }
  Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) != 1) {
    return Fail(ErrorCode::kInternal, "Out of memory reading an RSA key");
  }
  VerificationKey key;
  LS_ASSIGN_OR_RETURN(key.pkey_, PublicKeyFromParams("RSA", bld.get()));
  key.type_ = KeyType::kRsa;
  key.kid_ = std::move(kid);
  key.declared_alg_ = declared_alg;
  return key;
}

Result<VerificationKey> VerificationKey::FromEc(KeyType curve, std::string_view x,
                                                std::string_view y, std::string kid,
                                                std::optional<JwsAlgorithm> declared_alg) {
  size_t coord = CoordinateBytes(curve);
  if (curve == KeyType::kRsa || x.size() != coord || y.size() != coord) {
    return Fail(ErrorCode::kInvalidArgument,
                "The EC key '{}' must have {}-byte x and y coordinates on {}", kid, coord,
                CurveName(curve));
  }
  std::string point = "\x04";  // SEC 1 §2.3.3: uncompressed point
  point.append(x);
  point.append(y);
  Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, CurveName(curve), 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return Fail(ErrorCode::kInternal, "Out of memory reading an EC key");
  }
  VerificationKey key;
  LS_ASSIGN_OR_RETURN(key.pkey_, PublicKeyFromParams("EC", bld.get()));
  key.type_ = curve;
  key.kid_ = std::move(kid);
  key.declared_alg_ = declared_alg;
  return key;
}

// ---- JWK / JWK Set -----------------------------------------------------------------------

namespace {

// Why a JWK is not used for signatures here (a reason for a message), or null when it is a
// signing key of a type this server speaks.
const char* NotASigningKey(const json& jwk) {
  auto use = jwk.find("use");
  if (use != jwk.end() && *use != "sig") return "its 'use' is not 'sig'";
  auto ops = jwk.find("key_ops");
  if (ops != jwk.end()) {
    if (!ops->is_array()) return "its 'key_ops' is not an array";
    bool verify = false;
    for (const json& op : *ops) verify = verify || op == "verify";
    if (!verify) return "its 'key_ops' does not include 'verify'";
  }
  auto alg = jwk.find("alg");
  if (alg != jwk.end() && (!alg->is_string() || !JwsAlgorithmFromName(alg->get<std::string>()))) {
    return "its 'alg' is not one of the accepted algorithms";
  }
  auto kty = jwk.find("kty");
  if (kty == jwk.end() || !kty->is_string()) return "it has no 'kty'";
  if (*kty == "RSA") return nullptr;
  if (*kty == "EC") {
    auto crv = jwk.find("crv");
    if (crv != jwk.end() && (*crv == "P-256" || *crv == "P-384")) return nullptr;
    return "its curve is not P-256 or P-384";
  }
  return "its 'kty' is not RSA or EC";  // 'oct' (HMAC) keys among them: never usable here
}

Result<std::string> Member(const json& jwk, const char* name) {
  auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) {
    return Errorf(ErrorCode::kInvalidArgument, "The JWK has no string '{}'", name);
  }
  auto bytes = Base64UrlDecodeStrict(it->get_ref<const std::string&>());
  if (!bytes) {
    return Errorf(ErrorCode::kInvalidArgument, "The JWK's '{}' is not base64url", name);
  }
  return *std::move(bytes);
}

Result<VerificationKey> KeyFromJwk(const json& jwk) {
  if (const char* why = NotASigningKey(jwk)) {
    return Errorf(ErrorCode::kUnsupported, "The JWK is not a usable signing key: {}", why);
  }
  std::string kid;
  if (auto it = jwk.find("kid"); it != jwk.end()) {
    if (!it->is_string() || it->get_ref<const std::string&>().size() > 256) {
      return InvalidArgument("The JWK's 'kid' must be a string of at most 256 characters");
    }
    kid = it->get<std::string>();
  }
  std::optional<JwsAlgorithm> alg;
  if (auto it = jwk.find("alg"); it != jwk.end())
    alg = JwsAlgorithmFromName(it->get<std::string>());
  if (jwk.at("kty") == "RSA") {
    if (alg && KeyTypeFor(*alg) != KeyType::kRsa) {
      return InvalidArgument("The RSA JWK '{}' declares an EC algorithm", kid);
    }
    LS_ASSIGN_OR_RETURN(std::string n, Member(jwk, "n"));
    LS_ASSIGN_OR_RETURN(std::string e, Member(jwk, "e"));
    return VerificationKey::FromRsa(n, e, std::move(kid), alg);
  }
  KeyType curve = jwk.at("crv") == "P-384" ? KeyType::kEcP384 : KeyType::kEcP256;
  if (alg && KeyTypeFor(*alg) != curve) {
    return InvalidArgument("The EC JWK '{}' declares an algorithm of another curve", kid);
  }
  LS_ASSIGN_OR_RETURN(std::string x, Member(jwk, "x"));
  LS_ASSIGN_OR_RETURN(std::string y, Member(jwk, "y"));
  return VerificationKey::FromEc(curve, x, y, std::move(kid), alg);
}

}  // namespace

std::vector<const VerificationKey*> JsonWebKeySet::WithKid(std::string_view kid) const {
  std::vector<const VerificationKey*> out;
  for (const VerificationKey& key : keys) {
    if (kid.empty() || key.kid() == kid) out.push_back(&key);
  }
  return out;
}

Result<JsonWebKeySet> ParseJwks(std::string_view text, const JwksLimits& limits) {
  JsonLimits bounds = kIdentityProviderJsonLimits;
  bounds.max_bytes = limits.max_bytes;
  LS_ASSIGN_OR_RETURN(
      json doc, internal::ParseJoseObject(text, bounds, "The JWK Set", ErrorCode::kUnavailable));
  auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) {
    return Errorf(ErrorCode::kUnavailable, "The JWK Set has no 'keys' array");
  }
  if (keys->size() > limits.max_keys) {
    return Errorf(ErrorCode::kUnavailable, "The JWK Set holds {} keys, more than the {} accepted",
                  keys->size(), limits.max_keys);
  }
  JsonWebKeySet set;
  for (const json& jwk : *keys) {
    // A key this server cannot use, or a broken one, is skipped: it can never verify a token,
    // and the issuer's other keys stay usable.
    Result<VerificationKey> key =
        jwk.is_object() ? KeyFromJwk(jwk) : InvalidArgument("A JWK is not an object");
    if (key) {
      set.keys.push_back(*std::move(key));
    } else {
      ++set.skipped;
    }
  }
  return set;
}

Result<VerificationKey> ParseJwk(std::string_view text) {
  constexpr JsonLimits kJwkLimits{.max_bytes = 16 * 1024, .max_depth = 4, .max_elements = 200};
  LS_ASSIGN_OR_RETURN(json jwk, internal::ParseJoseObject(text, kJwkLimits, "The JWK",
                                                          ErrorCode::kInvalidArgument));
  auto key = KeyFromJwk(jwk);
  if (!key && key.error().code == ErrorCode::kUnsupported) {
    return InvalidArgument("{}", key.error().message);
  }
  return key;
}

// ---- SigningKey --------------------------------------------------------------------------

Result<SigningKey> SigningKey::Generate(JwsAlgorithm alg, std::string kid) {
  EVP_PKEY* raw = nullptr;
  switch (KeyTypeFor(alg)) {
    case KeyType::kRsa:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
      break;
    case KeyType::kEcP256:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", const_cast<char*>("P-256"));
      break;
    case KeyType::kEcP384:
      raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", const_cast<char*>("P-384"));
      break;
  }
  if (raw == nullptr) return Fail(ErrorCode::kInternal, "OpenSSL could not generate a key");
  SigningKey key;
  key.pkey_ = Share(raw);
  key.alg_ = alg;
  key.kid_ = std::move(kid);
  return key;
}

Result<SigningKey> SigningKey::FromPem(std::string_view pem, JwsAlgorithm alg, std::string kid) {
  Owned<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  // A password callback that gives none: an encrypted PEM fails instead of prompting a terminal.
  auto no_password = [](char*, int, int, void*) -> int { return 0; };
  EVP_PKEY* raw =
      bio == nullptr ? nullptr : PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr);
  if (raw == nullptr) {
    return Fail(ErrorCode::kInvalidArgument, "The signing key '{}' is not a PEM private key", kid);
  }
  SigningKey key;
  key.pkey_ = Share(raw);
  LS_ASSIGN_OR_RETURN(KeyType type, KeyTypeOf(raw));
  if (type != KeyTypeFor(alg) ||
      (type == KeyType::kRsa && EVP_PKEY_get_bits(raw) < VerificationKey::kMinRsaBits)) {
    return Fail(ErrorCode::kInvalidArgument, "The signing key '{}' is not a key for {}", kid,
                JwsAlgorithmName(alg));
  }
  key.alg_ = alg;
  key.kid_ = std::move(kid);
  return key;
}

std::string SigningKey::PrivateKeyPem() const {
  Owned<BIO> bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PrivateKey(bio.get(), pkey_.get(), nullptr, nullptr, 0,
                                                 nullptr, nullptr) != 1) {
    ERR_clear_error();
    return {};
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

VerificationKey SigningKey::PublicKey() const {
  // Rebuilt from the public parameters, so the private half never travels with it.
  VerificationKey with_private;
  with_private.pkey_ = pkey_;
  with_private.type_ = KeyTypeFor(alg_);
  json jwk = json::parse(with_private.ToJwkJson());
  Result<VerificationKey> pub =
      with_private.type_ == KeyType::kRsa
          ? VerificationKey::FromRsa(*Base64UrlDecodeStrict(jwk["n"].get<std::string>()),
                                     *Base64UrlDecodeStrict(jwk["e"].get<std::string>()), kid_,
                                     alg_)
          : VerificationKey::FromEc(
                with_private.type_, *Base64UrlDecodeStrict(jwk["x"].get<std::string>()),
                *Base64UrlDecodeStrict(jwk["y"].get<std::string>()), kid_, alg_);
  LS_CHECK(pub.has_value(), "the public half of a valid private key is a valid public key");
  return *std::move(pub);
}

Result<std::string> SigningKey::Sign(std::string_view signing_input) const {
  Owned<EVP_MD_CTX> md_ctx(EVP_MD_CTX_new());
  const auto* in = reinterpret_cast<const unsigned char*>(signing_input.data());
  size_t len = 0;
  if (md_ctx == nullptr || !InitDigest(md_ctx.get(), pkey_.get(), Info(alg_), /*sign=*/true) ||
      EVP_DigestSign(md_ctx.get(), nullptr, &len, in, signing_input.size()) != 1) {
    return Fail(ErrorCode::kInternal, "Could not sign with key '{}'", kid_);
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(md_ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, in,
                     signing_input.size()) != 1) {
    return Fail(ErrorCode::kInternal, "Could not sign with key '{}'", kid_);
  }
  sig.resize(len);
  KeyType type = KeyTypeFor(alg_);
  if (type == KeyType::kRsa) return sig;
  return DerEcdsaToRaw(sig, CoordinateBytes(type));
}

}  // namespace lakeshare::auth
