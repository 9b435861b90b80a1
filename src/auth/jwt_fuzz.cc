// Fuzz target for what a caller and an identity provider control: a bearer token and a JWK Set.
// The input is split on the first NUL byte: the token before it, the JWK Set after it (a single
// JWK is tried too). Every step runs on whatever decodes: key choice, signature check, times,
// audience and subject matching. Nothing may crash, hang or leak; refusals are expected.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/jwk.h"
#include "auth/jwt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace lakeshare::auth;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string_view token = input.substr(0, nul);
  std::string_view jwks_text =
      nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);

  constexpr std::string_view kAccepted = "fuzzing: an Error is an accepted outcome";
  (void)LooksLikeJwt(token);
  auto jwks = ParseJwks(jwks_text);
  IgnoreError(ParseJwk(jwks_text), kAccepted);
  for (const VerificationKey& key : jwks ? jwks->keys : std::vector<VerificationKey>{}) {
    (void)key.ToJwkJson();
  }
  auto jwt = DecodeJwt(token);
  if (!jwt) return 0;
  (void)jwt->claims.Matches("groups", "partners");
  (void)jwt->claims.First("azp");
  IgnoreError(CheckTimes(jwt->claims, TimeRules{1'700'000'000, 60}), kAccepted);
  if (jwks) {
    if (const VerificationKey* key = FindKey(*jwks, *jwt)) {
      IgnoreError(jwt->VerifySignature(*key), kAccepted);
    } else {
      (void)NoKeyError(*jwt, jwt->claims.issuer);
    }
    JwtExpectations expect{jwt->claims.issuer, {"aud"}, "", TimeRules{1'700'000'000, 60}};
    IgnoreError(VerifyJwt(token, *jwks, expect), kAccepted);
  }
  return 0;
}
