#include "catalog/secret_box.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <memory>

#include "common/check.h"
#include "common/strings.h"

namespace lakeshare::catalog {
namespace {

constexpr std::string_view kKeyLabel = "lakeshare metastore secret sealing v1";
constexpr std::string_view kKeyIdLabel = "lakeshare metastore secret key id v1";
constexpr std::string_view kSealedPrefix = "v1:";
constexpr std::string_view kPlainPrefix = "plain:";
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  LS_CHECK(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
                &length) != nullptr,
           "HMAC-SHA256 is always available in libcrypto");
  return std::string(reinterpret_cast<const char*>(out), length);
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

SecretBox::SecretBox(std::string_view server_secret) {
  if (!server_secret.empty()) {
    key_ = HmacSha256(server_secret, kKeyLabel);
    key_id_ = HexEncode(HmacSha256(key_, kKeyIdLabel).substr(0, 4));
  }
}

std::string SecretBox::Seal(std::string_view plaintext, std::string_view context) const {
  if (key_.empty()) {
    return std::string(kPlainPrefix) + Base64Encode(plaintext);
  }
  std::string nonce(kNonceBytes, '\0');
  LS_CHECK(RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), kNonceBytes) == 1,
           "the OpenSSL CSPRNG must not fail");
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  std::string out = nonce + std::string(plaintext.size(), '\0');
  int n = 0;
  int total = 0;
  bool ok =
      ctx &&
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_), Bytes(nonce)) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &n, Bytes(context), static_cast<int>(context.size())) ==
          1 &&
      EVP_EncryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(&out[kNonceBytes]), &n,
                        Bytes(plaintext), static_cast<int>(plaintext.size())) == 1;
  total = n;
  ok = ok && EVP_EncryptFinal_ex(
                 ctx.get(), reinterpret_cast<unsigned char*>(&out[kNonceBytes]) + total, &n) == 1;
  std::string tag(kTagBytes, '\0');
  ok = ok && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, tag.data()) == 1;
  LS_CHECK(ok, "AES-256-GCM is always available in libcrypto");
  return std::string(kSealedPrefix) + key_id_ + ":" + Base64Encode(out + tag);
}

Result<std::string> SecretBox::Open(std::string_view sealed, std::string_view context) const {
  if (sealed.substr(0, kPlainPrefix.size()) == kPlainPrefix) {
    std::optional<std::string> plain = Base64Decode(sealed.substr(kPlainPrefix.size()));
    if (!plain) {
      return Errorf(ErrorCode::kInternal, "a stored secret is damaged (not base64)");
    }
    return *plain;
  }
  if (sealed.substr(0, kSealedPrefix.size()) != kSealedPrefix) {
    return Errorf(ErrorCode::kInternal, "a stored secret has an unknown format");
  }
  sealed.remove_prefix(kSealedPrefix.size());
  size_t colon = sealed.find(':');
  if (colon == std::string_view::npos || key_.empty() || sealed.substr(0, colon) != key_id_) {
    return Errorf(ErrorCode::kInternal,
                  "a stored secret was sealed with another server key than this server's; give "
                  "the credential its keys again, or start the server with the key it had");
  }
  std::optional<std::string> raw = Base64Decode(sealed.substr(colon + 1));
  if (!raw || raw->size() < kNonceBytes + kTagBytes) {
    return Errorf(ErrorCode::kInternal, "a stored secret is damaged (too short)");
  }
  const size_t length = raw->size() - kNonceBytes - kTagBytes;
  std::string plain(length, '\0');
  std::string tag = raw->substr(kNonceBytes + length);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int n = 0;
  bool ok =
      ctx &&
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_), Bytes(*raw)) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &n, Bytes(context), static_cast<int>(context.size())) ==
          1 &&
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &n,
                        Bytes(*raw) + kNonceBytes, static_cast<int>(length)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) == 1;
  int final_n = 0;
  ok = ok && EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + n,
                                 &final_n) == 1;
  if (!ok) {
    return Errorf(ErrorCode::kInternal,
                  "a stored secret failed its integrity check (altered, or moved from another "
                  "row); give the credential its keys again");
  }
  return plain;
}

}  // namespace lakeshare::catalog
