// Page tokens of listings, /query and /changes, and the refresh tokens of /query. The reference
// server sends unsigned protobufs (the inventory notes "No token security ... A C++ server should
// HMAC them"); ours are sealed by HmacSigner (purposes "page" and "refresh") and every page token
// is bound to the request it continues (recipient, endpoint, table and a digest of the
// parameters), so a tampered, expired or foreign token is a 400, never a 500 and never another
// request's data. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "sharing/hmac_signer.h"

namespace lakeshare::sharing {

/// The content of a page token.
struct PageToken {
  std::string kind;     // "shares", "schemas", "tables", "all-tables", "query", "changes"
  std::string binding;  // ShortDigest of what the token is bound to
  int64_t expires_ms = 0;
  std::string after;         // listings: key of the last item; query: key of the last file
  int64_t version = -1;      // query: pinned snapshot version; changes: resume commit
  int64_t index = 0;         // changes: actions of `version` already sent
  int64_t end_version = -1;  // changes / streaming query: pinned end of the range
};

std::string EncodePageToken(const HmacSigner& signer, const PageToken& token);
/// Decode and check a page token: signature, kind, binding and expiry. Every failure is
/// kInvalidArgument "Invalid pageToken: ...".
Result<PageToken> DecodePageToken(const HmacSigner& signer, std::string_view text,
                                  std::string_view kind, std::string_view binding, int64_t now_ms);

/// The content of a refresh token (issue #383): the snapshot to re-serve with fresh URLs.
struct RefreshToken {
  std::string binding;  // recipient + table
  int64_t version = 0;
  int64_t expires_ms = 0;
};

std::string EncodeRefreshToken(const HmacSigner& signer, const RefreshToken& token);
Result<RefreshToken> DecodeRefreshToken(const HmacSigner& signer, std::string_view text,
                                        std::string_view binding, int64_t now_ms);

}  // namespace lakeshare::sharing
