#include "sharing/share_provider.h"

#include <fmt/format.h>
#include <openssl/sha.h>

#include "common/names.h"

namespace lakeshare::sharing {

Status ValidateObjectName(std::string_view kind, std::string_view name) {
  // The one rule of common/names.h; only share names may hold a '.'.
  return lakeshare::ValidateObjectName(kind, name, /*allow_dot=*/kind == "share");
}

std::string NameBasedUuid(std::string_view space, std::string_view name) {
  std::string input;
  input.reserve(space.size() + name.size() + 1);
  input.append(space);
  input.push_back('\0');
  input.append(name);
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), d);
  // RFC 9562 §5.8: version 8 (custom) in the high nibble of octet 6, variant 10 in octet 8.
  d[6] = static_cast<unsigned char>((d[6] & 0x0f) | 0x80);
  d[8] = static_cast<unsigned char>((d[8] & 0x3f) | 0x80);
  std::string out;
  out.reserve(36);
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[d[i] >> 4]);
    out.push_back(kHex[d[i] & 15]);
  }
  return out;
}

}  // namespace lakeshare::sharing
