#include "catalog/catalog.h"

#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <optional>

#include "catalog/postgres_catalog.h"
#include "catalog/sql_catalog_internal.h"
#include "catalog/sqlite_catalog.h"
#include "common/names.h"
#include "common/check.h"
#include "common/numbers.h"
#include "common/strings.h"

namespace lakeshare::catalog {
namespace {

constexpr std::array<std::pair<SecurableType, std::string_view>, 7> kSecurableNames = {{
    {SecurableType::kMetastore, "METASTORE"},
    {SecurableType::kCatalog, "CATALOG"},
    {SecurableType::kSchema, "SCHEMA"},
    {SecurableType::kTable, "TABLE"},
    {SecurableType::kShare, "SHARE"},
    {SecurableType::kExternalLocation, "EXTERNAL_LOCATION"},
    {SecurableType::kStorageCredential, "STORAGE_CREDENTIAL"},
}};

constexpr std::array<std::pair<Privilege, std::string_view>, 12> kPrivilegeNames = {{
    {Privilege::kCreateCatalog, "CREATE_CATALOG"},
    {Privilege::kCreateShare, "CREATE_SHARE"},
    {Privilege::kCreateRecipient, "CREATE_RECIPIENT"},
    {Privilege::kUseShare, "USE_SHARE"},
    {Privilege::kUseRecipient, "USE_RECIPIENT"},
    {Privilege::kSetSharePermission, "SET_SHARE_PERMISSION"},
    {Privilege::kUseCatalog, "USE_CATALOG"},
    {Privilege::kUseSchema, "USE_SCHEMA"},
    {Privilege::kSelect, "SELECT"},
    {Privilege::kCreateExternalLocation, "CREATE_EXTERNAL_LOCATION"},
    {Privilege::kCreateStorageCredential, "CREATE_STORAGE_CREDENTIAL"},
    {Privilege::kCreateExternalTable, "CREATE_EXTERNAL_TABLE"},
}};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

/// The name of `value` in `names` ("UNKNOWN" when absent).
template <typename E, size_t N>
std::string_view NameIn(const std::array<std::pair<E, std::string_view>, N>& names, E value) {
  for (const auto& [v, name] : names) {
    if (v == value) {
      return name;
    }
  }
  return "UNKNOWN";
}

/// The value named `text` in `names`, after upper-casing it (and turning spaces into '_' when
/// `spaces_are_underscores`).
template <typename E, size_t N>
std::optional<E> ValueIn(const std::array<std::pair<E, std::string_view>, N>& names,
                         std::string_view text, bool spaces_are_underscores) {
  std::string upper(text);
  for (char& ch : upper) {
    ch = spaces_are_underscores && ch == ' '
             ? '_'
             : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  for (const auto& [v, name] : names) {
    if (name == upper) {
      return v;
    }
  }
  return std::nullopt;
}

}  // namespace

std::string_view SecurableTypeName(SecurableType type) { return NameIn(kSecurableNames, type); }

Result<SecurableType> ParseSecurableType(std::string_view text) {
  if (std::optional<SecurableType> t = ValueIn(kSecurableNames, text, false)) {
    return *t;
  }
  return InvalidArgument("Unknown securable type '{}'", text);
}

std::string_view PrivilegeName(Privilege privilege) { return NameIn(kPrivilegeNames, privilege); }

Result<Privilege> ParsePrivilege(std::string_view text) {
  // UC spells privileges with underscores ("USE_SHARE"); SQL users type spaces ("USE SHARE").
  if (std::optional<Privilege> p = ValueIn(kPrivilegeNames, text, true)) {
    return *p;
  }
  return InvalidArgument("Unknown privilege '{}'", text);
}

std::string HashToken(std::string_view token) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  int ok = EVP_Digest(token.data(), token.size(), digest, &length, EVP_sha256(), nullptr);
  LS_CHECK(ok == 1 && length == 32, "SHA-256 is always available in libcrypto");
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string NewUuid() {
  unsigned char b[16];
  LS_CHECK(RAND_bytes(b, sizeof(b)) == 1, "the OpenSSL CSPRNG must not fail");
  b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // RFC 9562 version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // variant 10
  std::string hex = HexEncode(std::string_view(reinterpret_cast<const char*>(b), sizeof(b)));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

namespace {

struct ChosenTokenRecord {
  int iterations = 0;
  std::string salt;
  unsigned char hint = 0;
  std::string key;
};

std::string Sha256(std::string_view a, std::string_view b) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  bool ok = ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, a.data(), a.size()) == 1 &&
            EVP_DigestUpdate(ctx, b.data(), b.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, digest, &length) == 1;
  EVP_MD_CTX_free(ctx);
  LS_CHECK(ok && length == 32, "SHA-256 is always available in libcrypto");
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string Pbkdf2(std::string_view token, std::string_view salt, int iterations) {
  unsigned char key[32];
  int ok = PKCS5_PBKDF2_HMAC(token.data(), static_cast<int>(token.size()),
                             reinterpret_cast<const unsigned char*>(salt.data()),
                             static_cast<int>(salt.size()), iterations, EVP_sha256(),
                             sizeof(key), key);
  LS_CHECK(ok == 1, "PBKDF2-HMAC-SHA256 is always available in libcrypto");
  return std::string(reinterpret_cast<const char*>(key), sizeof(key));
}

std::optional<ChosenTokenRecord> ParseChosenToken(std::string_view stored) {
  if (!StartsWith(stored, kChosenTokenPrefix)) return std::nullopt;
  std::vector<std::string_view> parts = Split(stored.substr(kChosenTokenPrefix.size()), '$');
  if (parts.size() != 4) return std::nullopt;
  ChosenTokenRecord r;
  auto iterations = ParseInteger<decltype(r.iterations)>(parts[0]);
  if (!iterations || *iterations < 1 || *iterations > 100'000'000) {
    return std::nullopt;
  }
  r.iterations = *iterations;
  auto salt = HexDecode(parts[1]);
  auto hint = HexDecode(parts[2]);
  auto key = HexDecode(parts[3]);
  if (!salt || salt->empty() || !hint || hint->size() != 1 || !key || key->size() != 32) {
    return std::nullopt;
  }
  r.salt = std::move(*salt);
  r.hint = static_cast<unsigned char>((*hint)[0]);
  r.key = std::move(*key);
  return r;
}

}  // namespace

std::string HashChosenToken(std::string_view token) {
  unsigned char salt[16];
  LS_CHECK(RAND_bytes(salt, sizeof(salt)) == 1, "the OpenSSL CSPRNG must not fail");
  std::string_view salt_view(reinterpret_cast<const char*>(salt), sizeof(salt));
  std::string hint = Sha256(salt_view, token).substr(0, 1);
  return fmt::format("{}{}${}${}${}", kChosenTokenPrefix, kChosenTokenIterations,
                     HexEncode(salt_view), HexEncode(hint),
                     HexEncode(Pbkdf2(token, salt_view, kChosenTokenIterations)));
}

bool ChosenTokenHintMatches(std::string_view stored, std::string_view token) {
  std::optional<ChosenTokenRecord> r = ParseChosenToken(stored);
  return r && static_cast<unsigned char>(Sha256(r->salt, token)[0]) == r->hint;
}

bool VerifyChosenToken(std::string_view stored, std::string_view token) {
  std::optional<ChosenTokenRecord> r = ParseChosenToken(stored);
  if (!r) return false;
  std::string key = Pbkdf2(token, r->salt, r->iterations);
  return CRYPTO_memcmp(key.data(), r->key.data(), key.size()) == 0;
}

Status ValidateName(std::string_view what, std::string_view name, bool allow_dot) {
  return ValidateObjectName(what, name, allow_dot);  // common/names.h: the one rule
}

Result<std::unique_ptr<Catalog>> OpenCatalog(std::string_view url_or_path,
                                             const CatalogOptions& options) {
  if (StartsWith(url_or_path, "postgresql://") || StartsWith(url_or_path, "postgres://")) {
    return PostgresCatalog::Open(url_or_path, options);
  }
  if (StartsWith(url_or_path, "sqlite://")) {
    url_or_path.remove_prefix(std::string_view("sqlite://").size());
  }
  if (url_or_path.empty()) {
    return InvalidArgument("Empty metastore path");
  }
  return SqliteCatalog::Open(std::string(url_or_path), options);
}

}  // namespace lakeshare::catalog
