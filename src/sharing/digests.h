// Digests of the sharing hot path: MD5 and SHA-256 without OpenSSL's per-call algorithm fetch and
// locks, and MD5 of several short messages side by side (the parquet-format file ids of a /query
// response are the MD5 of each file's path). Also the short digest that binds page tokens to their
// request. Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lakeshare::sharing {

/// MD5 and SHA-256 of `data` (file ids), without OpenSSL's per-call algorithm fetch and locks.
void Md5Digest(std::string_view data, unsigned char (&out)[16]);
void Sha256Digest(std::string_view data, unsigned char (&out)[32]);

/// Md5Digest of up to kMd5Lanes messages at once: on CPUs with AVX2 the messages of one block
/// (55 bytes or less, file paths mostly) are hashed side by side in the lanes of one vector (MD5
/// is one long dependency chain per message; eight run for about the price of one).
inline constexpr size_t kMd5Lanes = 8;
void Md5Digests(const std::string_view* data, size_t n, unsigned char (*out)[16]);

/// Hex of the first 16 bytes of SHA-256(text): a compact digest for bindings.
std::string ShortDigest(std::string_view text);

}  // namespace lakeshare::sharing
