// Table locations: the ONE parser of the URLs and paths that say where a table (or an external
// location, or a file named by a Delta log) lives. Everything that checks a location - the
// registration rules, the external-location prefix rules, OpenObjectStore, the containment of
// log paths - parses it here first and compares the canonical form, so that a check can never
// look at one spelling while the store opens another ("file:///a/%2e%2e/b" is refused here, not
// after a "no '..'" test has passed it).
//
// Accepted spellings:
//   /abs/path                 a local directory (taken literally: no percent-decoding)
//   rel/path                  a local directory relative to the working directory (CLI only; the
//                             management API refuses relative paths)
//   file:///abs/path          RFC 8089; also file://localhost/abs/path and file:/abs/path (the
//                             form Hadoop and Spark write into Delta logs)
//   s3://bucket/prefix        also s3a:// and s3n:// (Hadoop's names for the same thing)
// URIs are percent-decoded exactly once. Refused with kInvalidArgument: an empty location, more
// than kMaxLocationBytes, NUL or any control character (raw or percent-encoded), a malformed
// escape ("%zz"), a '?' or '#' (query or fragment), a remote file:// host
// ("file://evil.example/etc"), userinfo or a port in an s3:// authority, an invalid bucket name,
// and ".." segments (after decoding; "." and empty segments are dropped). Schemes other than
// file and s3 (also one-letter "schemes" such as "c:") are kUnsupported.
//
// Location is a plain value type; all functions are pure and thread-safe (a relative path reads
// the working directory).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace lakeshare::storage {

enum class LocationScheme { kFile, kS3 };

/// A parsed, normalised location. Two locations name the same place exactly when their Uri()s
/// are equal.
struct Location {
  LocationScheme scheme = LocationScheme::kFile;
  /// kS3: the bucket. Empty for kFile.
  std::string bucket;
  /// Decoded and normalised. kFile: an absolute directory path, "/" or "/a/b" (no trailing '/').
  /// kS3: the key prefix without leading or trailing '/', "" for the whole bucket.
  std::string path;

  /// The canonical URI: "file:///a/my%20table", "s3://bucket/a/b" (RFC 3986 unreserved bytes and
  /// '/' kept, everything else percent-encoded).
  std::string Uri() const;

  /// True when `other` is this location or lies beneath it, segment by segment: "/a/b" contains
  /// "/a/b" and "/a/b/c" but not "/a/bc"; a bucket root contains its whole bucket.
  bool Contains(const Location& other) const;

  /// The path of `other` relative to this location ("" when they are equal, else "c/d" without a
  /// leading '/'); nullopt when this location does not contain `other`.
  std::optional<std::string> RelativePathOf(const Location& other) const;

  friend bool operator==(const Location&, const Location&) = default;
};

/// Longest location accepted, in bytes (PATH_MAX).
inline constexpr size_t kMaxLocationBytes = 4096;

/// Parse and normalise a table location (see the file comment for the accepted forms and what is
/// refused). Error messages quote the location as given, which may be a server path: callers that
/// answer partners must not pass them on.
Result<Location> ParseLocation(std::string_view text);

/// ParseLocation(text).Uri(): the one spelling of a location, as it is compared and stored
/// ("/a//b/" and "file:/a/b" give "file:///a/b"); symlinks are not resolved.
Result<std::string> CanonicalLocationUri(std::string_view text);

/// The scheme of an absolute URI (RFC 3986 §3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
/// before the first ':'), or nullopt for a path. "c:/x" has the scheme "c" (refused by
/// ParseLocation as unsupported, never taken for a relative path).
std::optional<std::string_view> UriScheme(std::string_view text);

/// True for names S3 (and compatible stores) accept as a bucket in a URI: 1..255 bytes of
/// letters, digits, '.', '-' and '_'.
bool IsValidS3BucketName(std::string_view bucket);

}  // namespace lakeshare::storage
