#include "auth/jwk.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/strings.h"

namespace lakeshare::auth {
namespace {

using nlohmann::json;

std::string JwksOf(std::initializer_list<std::string> jwks) {
  json set = {{"keys", json::array()}};
  for (const std::string& jwk : jwks) set["keys"].push_back(json::parse(jwk));
  return set.dump();
}

TEST(JwkTest, AlgorithmNamesAreExactAndExcludeNoneAndHmac) {
  for (std::string_view name : {"RS256", "RS384", "RS512", "PS256", "ES256", "ES384"}) {
    auto alg = JwsAlgorithmFromName(name);
    ASSERT_TRUE(alg.has_value()) << name;
    EXPECT_EQ(JwsAlgorithmName(*alg), name);
  }
  for (std::string_view name : {"none", "None", "NONE", "HS256", "HS384", "HS512", "rs256",
                                "RS256 ", "ES512", "EdDSA", "PS384", ""}) {
    EXPECT_FALSE(JwsAlgorithmFromName(name).has_value()) << name;
  }
}

TEST(JwkTest, EveryAlgorithmSignsAndItsPublicJwkVerifies) {
  for (auto alg : {JwsAlgorithm::kRS256, JwsAlgorithm::kRS384, JwsAlgorithm::kRS512,
                   JwsAlgorithm::kPS256, JwsAlgorithm::kES256, JwsAlgorithm::kES384}) {
    SCOPED_TRACE(std::string(JwsAlgorithmName(alg)));
    auto key = SigningKey::Generate(alg, "k1");
    ASSERT_TRUE(key.has_value()) << key.error().ToString();
    auto sig = key->Sign("header.payload");
    ASSERT_TRUE(sig.has_value());
    // The public JWK travels as JSON and back, as it would through a JWK Set.
    auto pub = ParseJwk(key->PublicKey().ToJwkJson());
    ASSERT_TRUE(pub.has_value()) << pub.error().ToString();
    EXPECT_EQ(pub->kid(), "k1");
    EXPECT_TRUE(pub->Verify(alg, "header.payload", *sig).has_value());
    EXPECT_FALSE(pub->Verify(alg, "header.payloaD", *sig).has_value());
    // The published JWK has no private member.
    json jwk = json::parse(pub->ToJwkJson());
    EXPECT_FALSE(jwk.contains("d"));
    EXPECT_EQ(jwk["use"], "sig");
    EXPECT_EQ(jwk["alg"], std::string(JwsAlgorithmName(alg)));
  }
}

TEST(JwkTest, EcdsaSignaturesAreRawRAndSOfTheCurveSize) {
  auto p256 = SigningKey::Generate(JwsAlgorithm::kES256, "a");
  auto p384 = SigningKey::Generate(JwsAlgorithm::kES384, "b");
  ASSERT_TRUE(p256 && p384);
  // Many signatures: R or S with leading zero bytes must still be padded to full size.
  for (int i = 0; i < 64; ++i) {
    std::string input = "input-" + std::to_string(i);
    EXPECT_EQ(p256->Sign(input)->size(), 64u);
    EXPECT_EQ(p384->Sign(input)->size(), 96u);
  }
}

TEST(JwkTest, EcdsaSignatureInDerOrOfAnotherLengthIsRefused) {
  auto key = SigningKey::Generate(JwsAlgorithm::kES256, "a");
  ASSERT_TRUE(key);
  VerificationKey pub = key->PublicKey();
  std::string raw = *key->Sign("x.y");
  EXPECT_TRUE(pub.Verify(JwsAlgorithm::kES256, "x.y", raw));
  // The signature wrapped as DER (ECDSA-Sig-Value, what OpenSSL itself emits and a careless
  // signer would send): 70-72 bytes, never the 64 of R||S.
  std::string der = "\x30\x44\x02\x20" + raw.substr(0, 32) + "\x02\x20" + raw.substr(32);
  auto refused = pub.Verify(JwsAlgorithm::kES256, "x.y", der);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnauthenticated);
  EXPECT_NE(refused.error().message.find("R||S"), std::string::npos);
  EXPECT_FALSE(pub.Verify(JwsAlgorithm::kES256, "x.y", raw.substr(0, 63)));
  EXPECT_FALSE(pub.Verify(JwsAlgorithm::kES256, "x.y", raw + std::string(1, '\0')));
  EXPECT_FALSE(pub.Verify(JwsAlgorithm::kES256, "x.y", std::string(64, '\0')));
}

TEST(JwkTest, KeyTypeMustFitTheAlgorithm) {
  auto rsa = SigningKey::Generate(JwsAlgorithm::kRS256, "r");
  auto ec = SigningKey::Generate(JwsAlgorithm::kES256, "e");
  ASSERT_TRUE(rsa && ec);
  // An RSA key never checks an ECDSA signature, nor a P-256 key an ES384 one.
  EXPECT_FALSE(rsa->PublicKey().CanVerify(JwsAlgorithm::kES256));
  EXPECT_FALSE(ec->PublicKey().CanVerify(JwsAlgorithm::kRS256));
  EXPECT_FALSE(ec->PublicKey().CanVerify(JwsAlgorithm::kES384));
  // A JWK that declares RS256 is not used for PS256, though both are RSA.
  EXPECT_TRUE(rsa->PublicKey().CanVerify(JwsAlgorithm::kRS256));
  EXPECT_FALSE(rsa->PublicKey().CanVerify(JwsAlgorithm::kPS256));
  auto sig = rsa->Sign("a.b");
  auto wrong = rsa->PublicKey().Verify(JwsAlgorithm::kPS256, "a.b", *sig);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().code, ErrorCode::kUnauthenticated);
  // Without a declared alg, an RSA JWK serves every RSA algorithm, but each signature only its
  // own: an RS256 signature is not an RS384 or PS256 one.
  json jwk = json::parse(rsa->PublicKey().ToJwkJson());
  jwk.erase("alg");
  auto any = ParseJwk(jwk.dump());
  ASSERT_TRUE(any);
  EXPECT_TRUE(any->Verify(JwsAlgorithm::kRS256, "a.b", *sig));
  EXPECT_FALSE(any->Verify(JwsAlgorithm::kRS384, "a.b", *sig));
  EXPECT_FALSE(any->Verify(JwsAlgorithm::kPS256, "a.b", *sig));
}

TEST(JwkTest, RsaSignatureShorterThanTheModulusIsRefused) {
  auto key = SigningKey::Generate(JwsAlgorithm::kRS256, "r");
  ASSERT_TRUE(key);
  // Find a signature with a leading zero byte and strip it: the integer is the same, the
  // encoding is not the one RFC 8017 allows.
  for (int i = 0; i < 4000; ++i) {
    std::string input = "in." + std::to_string(i);
    std::string sig = *key->Sign(input);
    if (sig[0] != '\0') continue;
    EXPECT_TRUE(key->PublicKey().Verify(JwsAlgorithm::kRS256, input, sig));
    EXPECT_FALSE(key->PublicKey().Verify(JwsAlgorithm::kRS256, input, sig.substr(1)));
    return;
  }
  GTEST_SKIP() << "no signature with a leading zero byte in 4000 tries (chance (255/256)^4000)";
}

TEST(JwkTest, PemRoundTripKeepsTheKey) {
  for (auto alg : {JwsAlgorithm::kES256, JwsAlgorithm::kRS256}) {
    auto key = SigningKey::Generate(alg, "k");
    ASSERT_TRUE(key);
    std::string pem = key->PrivateKeyPem();
    EXPECT_NE(pem.find("BEGIN PRIVATE KEY"), std::string::npos);
    auto back = SigningKey::FromPem(pem, alg, "k");
    ASSERT_TRUE(back) << back.error().ToString();
    EXPECT_TRUE(key->PublicKey().Verify(alg, "m", *back->Sign("m")));
  }
  auto ec = SigningKey::Generate(JwsAlgorithm::kES256, "k");
  EXPECT_FALSE(SigningKey::FromPem(ec->PrivateKeyPem(), JwsAlgorithm::kRS256, "k"));
  EXPECT_FALSE(SigningKey::FromPem(ec->PrivateKeyPem(), JwsAlgorithm::kES384, "k"));
  EXPECT_FALSE(SigningKey::FromPem("not a pem", JwsAlgorithm::kES256, "k"));
}

TEST(JwkTest, JwksKeepsSigningKeysAndSkipsWhatCannotVerify) {
  auto rsa = SigningKey::Generate(JwsAlgorithm::kRS256, "rsa");
  auto ec = SigningKey::Generate(JwsAlgorithm::kES384, "ec");
  ASSERT_TRUE(rsa && ec);
  json enc = json::parse(rsa->PublicKey().ToJwkJson());
  enc["use"] = "enc";
  enc["kid"] = "enc";
  json wrap_only = json::parse(rsa->PublicKey().ToJwkJson());
  wrap_only["key_ops"] = {"wrapKey"};
  wrap_only.erase("use");
  std::string text =
      JwksOf({rsa->PublicKey().ToJwkJson(), ec->PublicKey().ToJwkJson(),
              R"({"kty":"oct","kid":"hmac","k":"c2VjcmV0"})",
              R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
              R"({"kty":"EC","crv":"P-521","x":"AA","y":"AA"})",
              R"({"kty":"RSA","kid":"rs1","alg":"RS1","n":"AQAB","e":"AQAB"})", enc.dump(),
              wrap_only.dump()});
  auto set = ParseJwks(text);
  ASSERT_TRUE(set) << set.error().ToString();
  ASSERT_EQ(set->keys.size(), 2u);
  EXPECT_EQ(set->skipped, 6u);
  EXPECT_EQ(set->WithKid("ec").size(), 1u);
  EXPECT_EQ(set->WithKid("hmac").size(), 0u);
  EXPECT_EQ(set->WithKid("").size(), 2u);
}

TEST(JwkTest, BrokenKeysInASetAreSkippedNotTrusted) {
  auto ec = SigningKey::Generate(JwsAlgorithm::kES256, "ok");
  json good = json::parse(ec->PublicKey().ToJwkJson());
  json off_curve = good;
  off_curve["kid"] = "off";
  std::string y = *Base64UrlDecodeStrict(good["y"].get<std::string>());
  y[31] = static_cast<char>(y[31] ^ 1);
  off_curve["y"] = Base64UrlEncode(y);
  json short_x = good;
  short_x["kid"] = "short";
  short_x["x"] = Base64UrlEncode(Base64UrlDecodeStrict(good["x"].get<std::string>())->substr(1));
  json padded = good;
  padded["kid"] = "padded";
  padded["x"] = good["x"].get<std::string>() + "=";
  // A 1024-bit RSA modulus (odd) and an even exponent.
  std::string n1024(128, '\xff');
  json small_rsa = {{"kty", "RSA"}, {"kid", "small"}, {"n", Base64UrlEncode(n1024)}, {"e", "AQAB"}};
  auto rsa = SigningKey::Generate(JwsAlgorithm::kRS256, "even");
  json even_e = json::parse(rsa->PublicKey().ToJwkJson());
  even_e["e"] = Base64UrlEncode("\x01\x00\x00");
  json huge_e = even_e;
  huge_e["kid"] = "huge";
  huge_e["e"] = Base64UrlEncode("\x01\x00\x00\x00\x01");
  json declares_ec = json::parse(rsa->PublicKey().ToJwkJson());
  declares_ec["alg"] = "ES256";
  auto set = ParseJwks(
      JwksOf({good.dump(), off_curve.dump(), short_x.dump(), padded.dump(), small_rsa.dump(),
              even_e.dump(), huge_e.dump(), declares_ec.dump(), R"("just a string")"}));
  ASSERT_TRUE(set);
  ASSERT_EQ(set->keys.size(), 1u);
  EXPECT_EQ(set->keys[0].kid(), "ok");
  EXPECT_EQ(set->skipped, 8u);
  // One of them alone, as a partner would register it, says what is wrong.
  auto off = ParseJwk(off_curve.dump());
  ASSERT_FALSE(off);
  EXPECT_EQ(off.error().code, ErrorCode::kInvalidArgument);
  auto small = ParseJwk(small_rsa.dump());
  ASSERT_FALSE(small);
  EXPECT_NE(small.error().message.find("1024-bit"), std::string::npos);
  auto oct = ParseJwk(R"({"kty":"oct","k":"c2VjcmV0"})");
  ASSERT_FALSE(oct);
  EXPECT_EQ(oct.error().code, ErrorCode::kInvalidArgument);
}

TEST(JwkTest, JwksDocumentShapeAndBoundsAreCheckedAsAnIdentityProviderFault) {
  for (std::string_view text : {"", "[]", "{}", R"({"keys":{}})", R"({"keys":[]} trailing)",
                                "{\"keys\":[", "null", R"({"keys":[],"keys":[]})"}) {
    auto set = ParseJwks(text);
    ASSERT_FALSE(set) << text;
    EXPECT_EQ(set.error().code, ErrorCode::kUnavailable) << text;
  }
  EXPECT_TRUE(ParseJwks(R"({"keys":[]})"));
  std::string deep =
      R"({"keys":[{"kty":"oct","x":)" + std::string(40, '[') + std::string(40, ']') + "}]}";
  EXPECT_FALSE(ParseJwks(deep));
  JwksLimits small{1024, 2};
  std::string big = R"({"keys":[],"pad":")" + std::string(2000, 'a') + "\"}";
  EXPECT_FALSE(ParseJwks(big, small));
  EXPECT_FALSE(ParseJwks(R"({"keys":[{},{},{}]})", small));
  EXPECT_TRUE(ParseJwks(R"({"keys":[{},{}]})", small));
}

}  // namespace
}  // namespace lakeshare::auth
