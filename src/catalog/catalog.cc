#include "catalog/catalog.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>

#include "catalog/postgres_catalog.h"
#include "catalog/sql_catalog_internal.h"
#include "catalog/sqlite_catalog.h"
#include "common/check.h"
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

}  // namespace

std::string_view SecurableTypeName(SecurableType type) {
  for (const auto& [t, name] : kSecurableNames) {
    if (t == type) {
      return name;
    }
  }
  return "UNKNOWN";
}

Result<SecurableType> ParseSecurableType(std::string_view text) {
  std::string upper(text);
  for (char& ch : upper) {
    ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  for (const auto& [t, name] : kSecurableNames) {
    if (name == upper) {
      return t;
    }
  }
  return InvalidArgument("Unknown securable type '{}'", text);
}

std::string_view PrivilegeName(Privilege privilege) {
  for (const auto& [p, name] : kPrivilegeNames) {
    if (p == privilege) {
      return name;
    }
  }
  return "UNKNOWN";
}

Result<Privilege> ParsePrivilege(std::string_view text) {
  // UC spells privileges with underscores ("USE_SHARE"); SQL users type spaces ("USE SHARE").
  std::string upper(text);
  for (char& ch : upper) {
    ch = ch == ' ' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  }
  for (const auto& [p, name] : kPrivilegeNames) {
    if (name == upper) {
      return p;
    }
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

// Delta Sharing / Unity Catalog names: at most 255 characters, no spaces, '/', or control
// characters; the dot separates the parts of a full name, so catalog, schema and table names
// cannot contain one.
Status ValidateName(std::string_view what, std::string_view name, bool allow_dot) {
  if (name.empty()) {
    return InvalidArgument("The {} name must not be empty", what);
  }
  if (name.size() > 255) {
    return InvalidArgument("The {} name is longer than 255 characters", what);
  }
  for (char ch : name) {
    auto u = static_cast<unsigned char>(ch);
    if (u < 0x20 || u == 0x7f || ch == ' ' || ch == '/' || (!allow_dot && ch == '.')) {
      return InvalidArgument("Invalid {} name '{}': no spaces, '/', {}or control characters",
                             what, name, allow_dot ? "" : "'.', ");
    }
  }
  return OkStatus();
}

Result<std::unique_ptr<Catalog>> OpenCatalog(std::string_view url_or_path) {
  if (StartsWith(url_or_path, "postgresql://") || StartsWith(url_or_path, "postgres://")) {
    return PostgresCatalog::Open(url_or_path);
  }
  if (StartsWith(url_or_path, "sqlite://")) {
    url_or_path.remove_prefix(std::string_view("sqlite://").size());
  }
  if (url_or_path.empty()) {
    return InvalidArgument("Empty metastore path");
  }
  return SqliteCatalog::Open(std::string(url_or_path));
}

}  // namespace lakeshare::catalog
