#include "auth/secret_token.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <cstdlib>

#include "common/log.h"

namespace lakeshare::auth {

std::string NewSecretToken() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    LogFatal("OpenSSL RAND_bytes failed; refusing to mint a weak secret");
    std::abort();
  }
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve(43);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 0x3F]);
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {
constexpr std::string_view kBearerScheme = "bearer";
}  // namespace

bool HasBearerCredentials(std::string_view authorization) {
  if (authorization.size() <= kBearerScheme.size() + 1) return false;
  for (size_t i = 0; i < kBearerScheme.size(); ++i) {
    char c = authorization[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kBearerScheme[i]) return false;
  }
  return authorization[kBearerScheme.size()] == ' ';
}

std::optional<std::string_view> BearerToken(const std::string* authorization) {
  if (authorization == nullptr || !HasBearerCredentials(*authorization)) return std::nullopt;
  std::string_view v = *authorization;
  v.remove_prefix(kBearerScheme.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  return v;
}

}  // namespace lakeshare::auth
