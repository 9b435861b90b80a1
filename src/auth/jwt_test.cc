#include "auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "common/strings.h"

namespace lakeshare::auth {
namespace {

using nlohmann::json;

constexpr int64_t kNow = 1'700'000'000;
constexpr char kIssuer[] = "https://idp.example.com/tenant";

// A token with any header and claims, signed by `key` (or with `signature` as given).
std::string Token(const json& header, const json& claims, const SigningKey* key,
                  std::optional<std::string> signature = std::nullopt) {
  std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  std::string sig = signature ? *signature : *key->Sign(input);
  return input + "." + Base64UrlEncode(sig);
}

json Header(const SigningKey& key) {
  return {{"alg", std::string(JwsAlgorithmName(key.alg()))}, {"kid", key.kid()}, {"typ", "JWT"}};
}

json Claims() {
  return {{"iss", kIssuer},    {"sub", "svc-42"},   {"aud", "lakeshare"},
          {"exp", kNow + 600}, {"iat", kNow - 10},  {"nbf", kNow - 10},
          {"jti", "token-1"},  {"azp", "client-7"}, {"groups", {"analysts", "partners"}}};
}

class JwtTest : public ::testing::Test {
 protected:
  // RSA key generation is slow: the issuer's keys are made once for the whole suite.
  static const SigningKey& SharedKey(JwsAlgorithm alg) {
    static const SigningKey rsa = *SigningKey::Generate(JwsAlgorithm::kRS256, "rsa-1");
    static const SigningKey ec = *SigningKey::Generate(JwsAlgorithm::kES256, "ec-1");
    return alg == JwsAlgorithm::kRS256 ? rsa : ec;
  }

  void SetUp() override {
    rsa_ = SharedKey(JwsAlgorithm::kRS256);
    ec_ = SharedKey(JwsAlgorithm::kES256);
    json set = {
        {"keys",
         {json::parse(rsa_.PublicKey().ToJwkJson()), json::parse(ec_.PublicKey().ToJwkJson())}}};
    jwks_text_ = set.dump();
    jwks_ = *ParseJwks(jwks_text_);
    expect_.issuer = kIssuer;
    expect_.audiences = {"other", "lakeshare"};
    expect_.times = {kNow, 60};
  }

  // The whole check; on refusal, the message (which must be a 401's).
  std::string Refusal(std::string_view token) {
    auto r = VerifyJwt(token, jwks_, expect_);
    if (r) return "";
    EXPECT_EQ(r.error().code, ErrorCode::kUnauthenticated) << r.error().message;
    return r.error().message;
  }

  SigningKey rsa_;
  SigningKey ec_;
  std::string jwks_text_;
  JsonWebKeySet jwks_;
  JwtExpectations expect_;
};

TEST_F(JwtTest, ValidTokensOfEachKeyVerifyAndExposeTheirClaims) {
  for (const SigningKey* key : {&rsa_, &ec_}) {
    auto jwt = VerifyJwt(Token(Header(*key), Claims(), key), jwks_, expect_);
    ASSERT_TRUE(jwt) << jwt.error().ToString();
    EXPECT_EQ(jwt->claims.issuer, kIssuer);
    EXPECT_EQ(jwt->claims.subject, "svc-42");
    EXPECT_EQ(jwt->claims.jwt_id, "token-1");
    EXPECT_EQ(jwt->claims.expires_at, kNow + 600);
    EXPECT_EQ(jwt->kid, key->kid());
  }
}

TEST_F(JwtTest, SubjectClaimsMatchStringsAndListMembers) {
  auto jwt = DecodeJwt(Token(Header(rsa_), Claims(), &rsa_));
  ASSERT_TRUE(jwt);
  EXPECT_TRUE(jwt->claims.Matches("sub", "svc-42"));
  EXPECT_FALSE(jwt->claims.Matches("sub", "svc-4"));
  EXPECT_TRUE(jwt->claims.Matches("azp", "client-7"));
  EXPECT_TRUE(jwt->claims.Matches("groups", "partners"));
  EXPECT_FALSE(jwt->claims.Matches("groups", "admins"));
  EXPECT_FALSE(jwt->claims.Matches("oid", "svc-42"));  // absent claim
  EXPECT_EQ(jwt->claims.First("groups"), "analysts");
  // A list that mixes types is no list of strings: it matches nothing.
  json claims = Claims();
  claims["groups"] = {"partners", 7};
  auto mixed = DecodeJwt(Token(Header(rsa_), claims, &rsa_));
  ASSERT_TRUE(mixed);
  EXPECT_FALSE(mixed->claims.Matches("groups", "partners"));
}

TEST_F(JwtTest, AlgNoneIsRefusedSignedOrNot) {
  json header = {{"alg", "none"}, {"typ", "JWT"}};
  std::string unsigned_token =
      Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(Claims().dump()) + ".";
  EXPECT_NE(Refusal(unsigned_token).find("not signed"), std::string::npos);
  for (std::string alg : {"none", "None", "NONE", "nOnE"}) {
    header["alg"] = alg;
    std::string msg = Refusal(Token(header, Claims(), nullptr, std::string("x")));
    EXPECT_NE(msg.find("is not accepted"), std::string::npos) << alg << ": " << msg;
  }
}

TEST_F(JwtTest, HmacSignedWithThePublicKeyIsRefused) {
  // The classic confusion: HS256 with the issuer's public key (as PEM, as JWK text, as the raw
  // modulus) for the HMAC secret. HS* is not an algorithm here, so no key is ever consulted.
  json pub = json::parse(rsa_.PublicKey().ToJwkJson());
  std::vector<std::string> secrets = {rsa_.PublicKey().ToJwkJson(), jwks_text_,
                                      *Base64UrlDecodeStrict(pub["n"].get<std::string>())};
  for (const char* alg : {"HS256", "HS384", "HS512"}) {
    for (const std::string& secret : secrets) {
      json header = {{"alg", alg}, {"kid", "rsa-1"}, {"typ", "JWT"}};
      std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(Claims().dump());
      unsigned char mac[EVP_MAX_MD_SIZE];
      unsigned int mac_len = 0;
      const EVP_MD* md = alg == std::string_view("HS256")   ? EVP_sha256()
                         : alg == std::string_view("HS384") ? EVP_sha384()
                                                            : EVP_sha512();
      HMAC(md, secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &mac_len);
      std::string token =
          input + "." + Base64UrlEncode(std::string(reinterpret_cast<char*>(mac), mac_len));
      std::string msg = Refusal(token);
      EXPECT_NE(msg.find("'" + std::string(alg) + "' is not accepted"), std::string::npos) << msg;
    }
  }
}

TEST_F(JwtTest, AlgorithmSwitchedToAnotherKeyTypeFindsNoKey) {
  // An RS256 header naming the EC key, an ES256 header naming the RSA key: neither key fits.
  json header = Header(rsa_);
  header["kid"] = "ec-1";
  std::string msg = Refusal(Token(header, Claims(), &rsa_));
  EXPECT_NE(msg.find("is not a RS256 key"), std::string::npos) << msg;
  header = Header(ec_);
  header["kid"] = "rsa-1";
  EXPECT_NE(Refusal(Token(header, Claims(), &ec_)).find("not a ES256 key"), std::string::npos);
  // ES384 claimed for a P-256 key.
  header = Header(ec_);
  header["alg"] = "ES384";
  EXPECT_FALSE(Refusal(Token(header, Claims(), &ec_)).empty());
  // The header's alg changed after signing: RS384 over an RS256 signature.
  std::string token = Token(Header(rsa_), Claims(), &rsa_);
  header = Header(rsa_);
  header["alg"] = "RS384";
  std::string relabeled = Base64UrlEncode(header.dump()) + token.substr(token.find('.'));
  EXPECT_FALSE(Refusal(relabeled).empty());
  header["alg"] = "PS256";
  relabeled = Base64UrlEncode(header.dump()) + token.substr(token.find('.'));
  EXPECT_FALSE(Refusal(relabeled).empty());
}

TEST_F(JwtTest, TamperedTokensAreRefused) {
  std::string token = Token(Header(ec_), Claims(), &ec_);
  size_t dot = token.find('.');
  size_t dot2 = token.find('.', dot + 1);
  // Claims changed under the original signature.
  json claims = Claims();
  claims["sub"] = "admin";
  std::string forged =
      token.substr(0, dot + 1) + Base64UrlEncode(claims.dump()) + token.substr(dot2);
  EXPECT_NE(Refusal(forged).find("signature does not verify"), std::string::npos);
  // One bit of the signature flipped.
  std::string sig = *Base64UrlDecodeStrict(token.substr(dot2 + 1));
  sig[10] = static_cast<char>(sig[10] ^ 0x01);
  EXPECT_FALSE(Refusal(token.substr(0, dot2 + 1) + Base64UrlEncode(sig)).empty());
  // A signature of another key with the same kid.
  auto impostor = SigningKey::Generate(JwsAlgorithm::kES256, "ec-1");
  EXPECT_NE(Refusal(Token(Header(ec_), Claims(), &*impostor)).find("does not verify"),
            std::string::npos);
}

TEST_F(JwtTest, KeysCarriedInTheTokenAreIgnored) {
  // The attacker signs with its own key and offers it in `jwk`, `jku` and `x5u`: only the
  // issuer's key set counts, and its key with that kid does not verify the signature.
  auto attacker = SigningKey::Generate(JwsAlgorithm::kRS256, "rsa-1");
  json header = Header(*attacker);
  header["jwk"] = json::parse(attacker->PublicKey().ToJwkJson());
  header["jku"] = "https://attacker.example/jwks.json";
  header["x5u"] = "https://attacker.example/cert.pem";
  EXPECT_NE(Refusal(Token(header, Claims(), &*attacker)).find("does not verify"),
            std::string::npos);
}

TEST_F(JwtTest, KidSelectsTheKeyAndAnUnknownKidIsNamed) {
  json header = Header(rsa_);
  header["kid"] = "rotated-out";
  auto jwt = DecodeJwt(Token(header, Claims(), &rsa_));
  ASSERT_TRUE(jwt);
  EXPECT_EQ(FindKey(jwks_, *jwt), nullptr);
  std::string msg = NoKeyError(*jwt, kIssuer).message;
  EXPECT_NE(msg.find("'rotated-out'"), std::string::npos);
  EXPECT_NE(msg.find("rotated out"), std::string::npos);
  // No kid: the only RSA key is used for RS256, the only P-256 key for ES256 ...
  header.erase("kid");
  EXPECT_EQ(Refusal(Token(header, Claims(), &rsa_)), "");
  json ec_header = Header(ec_);
  ec_header.erase("kid");
  EXPECT_EQ(Refusal(Token(ec_header, Claims(), &ec_)), "");
  // ... but with two RSA keys, a token without kid is refused rather than tried on each.
  // (the same public key under another kid: what matters is that two RSA keys fit)
  json rsa2 = json::parse(rsa_.PublicKey().ToJwkJson());
  rsa2["kid"] = "rsa-2";
  jwks_.keys.push_back(*ParseJwk(rsa2.dump()));
  EXPECT_NE(Refusal(Token(header, Claims(), &rsa_)).find("has no 'kid'"), std::string::npos);
  // Two keys sharing one kid are ambiguous too.
  jwks_.keys.push_back(rsa_.PublicKey());
  EXPECT_FALSE(Refusal(Token(Header(rsa_), Claims(), &rsa_)).empty());
}

TEST_F(JwtTest, ExpiryIsRequiredAndCheckedWithTheClockSkew) {
  json claims = Claims();
  claims.erase("exp");
  EXPECT_NE(Refusal(Token(Header(ec_), claims, &ec_)).find("no 'exp'"), std::string::npos);
  claims["exp"] = kNow - 61;
  std::string msg = Refusal(Token(Header(ec_), claims, &ec_));
  EXPECT_NE(msg.find("expired at 2023-11-14T22:12:19Z"), std::string::npos) << msg;
  EXPECT_NE(msg.find("request a new token"), std::string::npos) << msg;
  claims["exp"] = kNow - 59;  // within the skew
  EXPECT_EQ(Refusal(Token(Header(ec_), claims, &ec_)), "");
  claims["exp"] = kNow + 0.5;  // a NumericDate may have a fraction
  EXPECT_EQ(Refusal(Token(Header(ec_), claims, &ec_)), "");
  expect_.times.clock_skew_seconds = 0;
  claims["exp"] = kNow;
  EXPECT_NE(Refusal(Token(Header(ec_), claims, &ec_)).find("expired"), std::string::npos);
}

TEST_F(JwtTest, NotYetValidAndIssuedInTheFutureAreRefused) {
  json claims = Claims();
  claims["nbf"] = kNow + 120;
  std::string msg = Refusal(Token(Header(ec_), claims, &ec_));
  EXPECT_NE(msg.find("not valid before"), std::string::npos) << msg;
  claims["nbf"] = kNow + 30;  // within the skew
  EXPECT_EQ(Refusal(Token(Header(ec_), claims, &ec_)), "");
  claims = Claims();
  claims["iat"] = kNow + 3600;
  EXPECT_NE(Refusal(Token(Header(ec_), claims, &ec_)).find("issued in the future"),
            std::string::npos);
}

TEST_F(JwtTest, RegisteredClaimsOfTheWrongTypeAreRefused) {
  for (auto [name, value] : std::vector<std::pair<std::string, json>>{{"exp", "1700000600"},
                                                                      {"exp", nullptr},
                                                                      {"exp", -5},
                                                                      {"exp", 1e300},
                                                                      {"nbf", true},
                                                                      {"iat", json::array()},
                                                                      {"iss", 7},
                                                                      {"sub", {"a"}},
                                                                      {"aud", 5},
                                                                      {"aud", {"lakeshare", 5}},
                                                                      {"jti", json::object()}}) {
    json claims = Claims();
    claims[name] = value;
    EXPECT_FALSE(DecodeJwt(Token(Header(ec_), claims, &ec_))) << name << "=" << value.dump();
  }
}

TEST_F(JwtTest, AudienceMayBeAStringOrAListAndOneMustBeAccepted) {
  json claims = Claims();
  claims["aud"] = {"x", "lakeshare"};
  EXPECT_EQ(Refusal(Token(Header(ec_), claims, &ec_)), "");
  claims["aud"] = {"x", "y"};
  EXPECT_NE(Refusal(Token(Header(ec_), claims, &ec_)).find("audience"), std::string::npos);
  claims["aud"] = "LAKESHARE";  // case matters
  EXPECT_FALSE(Refusal(Token(Header(ec_), claims, &ec_)).empty());
  claims.erase("aud");
  EXPECT_FALSE(Refusal(Token(Header(ec_), claims, &ec_)).empty());
}

TEST_F(JwtTest, IssuerAndTypeMustBeTheExpectedOnes) {
  json claims = Claims();
  claims["iss"] = std::string(kIssuer) + "/";
  EXPECT_NE(Refusal(Token(Header(ec_), claims, &ec_)).find("issuer"), std::string::npos);
  expect_.typ = "at+jwt";
  EXPECT_NE(Refusal(Token(Header(ec_), Claims(), &ec_)).find("type 'JWT'"), std::string::npos);
  json header = Header(ec_);
  header["typ"] = "AT+JWT";  // RFC 7515 §4.1.9: compared case-insensitively
  EXPECT_EQ(Refusal(Token(header, Claims(), &ec_)), "");
}

TEST_F(JwtTest, MalformedCompactSerializationsAreRefused) {
  std::string good = Token(Header(ec_), Claims(), &ec_);
  size_t dot = good.find('.');
  size_t dot2 = good.find('.', dot + 1);
  std::string header = good.substr(0, dot);
  std::string payload = good.substr(dot + 1, dot2 - dot - 1);
  std::string sig = good.substr(dot2 + 1);
  for (const std::string& bad : std::vector<std::string>{
           "", ".", "..", "abc", "a.b", header + ".." + sig, "." + payload + "." + sig,
           good + ".x.y",                        // JWE shape
           header + "=." + payload + "." + sig,  // padding
           header + "." + payload + "." + sig + "=",
           header + " ." + payload + "." + sig,  // whitespace
           header + "." + payload + "." + sig.substr(0, sig.size() - 1) + "+",
           Base64UrlEncode("not json") + "." + payload + "." + sig,
           Base64UrlEncode("[1]") + "." + payload + "." + sig,
           header + "." + Base64UrlEncode("\"claims\"") + "." + sig}) {
    EXPECT_FALSE(DecodeJwt(bad)) << bad;
    EXPECT_FALSE(Refusal(bad).empty()) << bad;
  }
}

TEST_F(JwtTest, DuplicateNamesCriticalExtensionsAndDepthAreRefused) {
  // Two `sub` members: two parsers could read two subjects.
  std::string claims_text = R"({"iss":"https://idp.example.com/tenant","sub":"svc-42",)"
                            R"("aud":"lakeshare","exp":1700000600,"sub":"admin"})";
  std::string input = Base64UrlEncode(Header(ec_).dump()) + "." + Base64UrlEncode(claims_text);
  std::string token = input + "." + Base64UrlEncode(*ec_.Sign(input));
  EXPECT_NE(Refusal(token).find("names a member twice"), std::string::npos);
  std::string header_text = R"({"alg":"ES256","kid":"ec-1","alg":"none"})";
  input = Base64UrlEncode(header_text) + "." + Base64UrlEncode(Claims().dump());
  EXPECT_FALSE(Refusal(input + "." + Base64UrlEncode(*ec_.Sign(input))).empty());
  json header = Header(ec_);
  header["crit"] = {"b64"};
  header["b64"] = false;
  EXPECT_NE(Refusal(Token(header, Claims(), &ec_)).find("'crit'"), std::string::npos);
  json claims = Claims();
  json deep = "x";
  for (int i = 0; i < 10; ++i) deep = json::array({deep});
  claims["deep"] = deep;
  EXPECT_NE(Refusal(Token(Header(ec_), claims, &ec_)).find("nests JSON deeper"), std::string::npos);
}

TEST_F(JwtTest, SizesAreBoundedBeforeDecoding) {
  json claims = Claims();
  claims["pad"] = std::string(20 * 1024, 'a');
  EXPECT_NE(Refusal(Token(Header(ec_), claims, &ec_)).find("bytes, more than the 16384"),
            std::string::npos);
  json header = Header(ec_);
  header["pad"] = std::string(3000, 'a');
  EXPECT_NE(Refusal(Token(header, Claims(), &ec_)).find("header is larger"), std::string::npos);
  JoseLimits tight;
  tight.max_claims_bytes = 1024;
  claims["pad"] = std::string(2000, 'a');
  auto big_claims = DecodeJwt(Token(Header(ec_), claims, &ec_), tight);
  ASSERT_FALSE(big_claims);
  EXPECT_NE(big_claims.error().message.find("claims is larger"), std::string::npos);
  tight.max_token_bytes = 100;
  EXPECT_FALSE(DecodeJwt(Token(Header(ec_), Claims(), &ec_), tight));
}

TEST_F(JwtTest, RefusalsNeverEchoTheTokenAndKeepEchoedValuesPrintable) {
  json header = Header(ec_);
  header["alg"] = std::string("HS256\n\x01") + std::string(200, 'z');
  std::string token = Token(header, Claims(), nullptr, std::string("sig"));
  std::string msg = Refusal(token);
  EXPECT_EQ(msg.find(token), std::string::npos);
  EXPECT_EQ(msg.find('\n'), std::string::npos);
  EXPECT_LT(msg.size(), 200u);
  std::string good = Token(Header(ec_), Claims(), &ec_);
  expect_.audiences = {"nobody"};
  EXPECT_EQ(Refusal(good).find(good), std::string::npos);
}

// Tokens and a JWK Set made by another implementation (Python jwcrypto, the library the official
// connector signs its assertions with), kept as fuzz seeds: RS256, PS256 (salt = hash length),
// ES256 and ES384 (R||S) must verify here exactly as they were signed there.
TEST(JwtInteropTest, TokensSignedByAnotherImplementationVerify) {
  for (const char* name : {"rs256", "ps256", "es256", "es384"}) {
    SCOPED_TRACE(name);
    std::ifstream in(std::string(LAKESHARE_SOURCE_DIR) + "/testdata/fuzz/jwt/" + name,
                     std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t nul = bytes.find('\0');
    ASSERT_NE(nul, std::string::npos);
    auto set = ParseJwks(bytes.substr(nul + 1));
    ASSERT_TRUE(set) << set.error().ToString();
    ASSERT_EQ(set->keys.size(), 3u);
    JwtExpectations expect{"https://idp.example/t", {"aud"}, "JWT", {1'700'000'000, 60}};
    if (std::string_view(name) == "ps256") {
      // The set's RSA key declares "alg":"RS256": a PS256 signature by that key is refused ...
      auto refused = VerifyJwt(bytes.substr(0, nul), *set, expect);
      ASSERT_FALSE(refused);
      EXPECT_NE(refused.error().message.find("not a PS256 key"), std::string::npos);
      // ... and accepted once the key no longer restricts its algorithm.
      json doc = json::parse(bytes.substr(nul + 1));
      for (json& key : doc["keys"]) key.erase("alg");
      set = ParseJwks(doc.dump());
      ASSERT_TRUE(set);
    }
    auto jwt = VerifyJwt(bytes.substr(0, nul), *set, expect);
    ASSERT_TRUE(jwt) << jwt.error().ToString();
    EXPECT_TRUE(jwt->claims.Matches("groups", "partners"));
    // One byte changed anywhere in the claims breaks it.
    std::string token = bytes.substr(0, nul);
    size_t dot = token.find('.');
    token[dot + 5] = token[dot + 5] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(VerifyJwt(token, *set, expect));
  }
}

TEST(JwtShapeTest, LooksLikeJwtSeparatesJwtsFromOpaqueTokens) {
  EXPECT_TRUE(LooksLikeJwt("eyJh.eyJi.c2ln"));
  EXPECT_FALSE(LooksLikeJwt("dGhpcyBpcyBhbiBvcGFxdWUgYmVhcmVyIHRva2VuIG9mIDQz"));
  EXPECT_FALSE(LooksLikeJwt("a.b"));
  EXPECT_FALSE(LooksLikeJwt("a.b.c.d.e"));
  EXPECT_FALSE(LooksLikeJwt("a.b.c d"));
}

TEST(JwtSignTest, SignJwtMakesTokensVerifyJwtAccepts) {
  auto key = SigningKey::Generate(JwsAlgorithm::kES256, "lakeshare-1");
  JsonWebKeySet set;
  set.keys.push_back(key->PublicKey());
  json claims = {{"iss", "https://lakeshare.example"},
                 {"aud", "https://lakeshare.example"},
                 {"sub", "recipient-1"},
                 {"exp", kNow + 3600},
                 {"iat", kNow}};
  auto token = SignJwt(*key, claims.dump(), "at+jwt");
  ASSERT_TRUE(token);
  JwtExpectations expect{
      "https://lakeshare.example", {"https://lakeshare.example"}, "at+jwt", {kNow, 60}};
  auto jwt = VerifyJwt(*token, set, expect);
  ASSERT_TRUE(jwt) << jwt.error().ToString();
  EXPECT_EQ(jwt->typ, "at+jwt");
  EXPECT_EQ(jwt->kid, "lakeshare-1");
  EXPECT_EQ(jwt->claims.subject, "recipient-1");
}

}  // namespace
}  // namespace lakeshare::auth
