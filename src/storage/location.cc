#include "storage/location.h"

#include <filesystem>
#include <system_error>

#include "common/strings.h"
#include "storage/sigv4.h"

namespace lakeshare::storage {

namespace {

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// A printable rendering of `text` for error messages: control bytes become '?'.
std::string Printable(std::string_view text) {
  std::string out(text.substr(0, 300));
  for (char& c : out) {
    if (IsControl(static_cast<unsigned char>(c))) c = '?';
  }
  if (text.size() > 300) out += "...";
  return out;
}

// Percent-decode a URI path once; refuse malformed escapes and encoded control bytes.
Result<std::string> DecodeUriPath(std::string_view path, std::string_view original) {
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '?' || path[i] == '#') {
      return InvalidArgument(
          "Storage location '{}' has a query or fragment ('{}'); percent-encode it as %{:02X}",
          Printable(original), path[i], static_cast<int>(path[i]));
    }
  }
  std::optional<std::string> decoded = PercentDecode(path);
  if (!decoded) {
    return InvalidArgument(
        "Storage location '{}' has a malformed percent escape; write '%' as %25 and escapes as "
        "%XX with two hex digits",
        Printable(original));
  }
  for (unsigned char c : *decoded) {
    if (IsControl(c)) {
      return InvalidArgument(
          "Storage location '{}' contains an encoded control character (0x{:02x}); remove it",
          Printable(original), c);
    }
  }
  return std::move(*decoded);
}

// Normalise the '/'-separated segments of a decoded path; ".." is always refused. A local path
// (`absolute`) drops empty and "." segments as POSIX resolution would, and starts with '/' ("/"
// for none). An S3 key prefix is taken literally by S3 ("a//b" and "a/./b" are other keys than
// "a/b"), so there only a leading and a trailing '/' are dropped and other empty or "." segments
// are refused.
Result<std::string> NormaliseSegments(std::string_view path, bool absolute,
                                      std::string_view original) {
  if (!absolute) {
    if (path.starts_with("/")) path.remove_prefix(1);
    while (path.ends_with("/")) path.remove_suffix(1);
  }
  std::string out;
  out.reserve(path.size() + 1);
  size_t start = 0;
  while (start <= path.size() && !(path.empty() && !absolute)) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment == "..") {
      return InvalidArgument(
          "Storage location '{}' contains a '..' segment (after percent-decoding); name the "
          "directory directly",
          Printable(original));
    }
    if (!absolute && (segment.empty() || segment == ".")) {
      return InvalidArgument(
          "Storage location '{}' has an empty or '.' segment in its key prefix; S3 keys are "
          "literal, write the prefix exactly",
          Printable(original));
    }
    if (!segment.empty() && segment != ".") {
      if (absolute || !out.empty()) out.push_back('/');
      out.append(segment);
    }
    start = end + 1;
  }
  if (absolute && out.empty()) out = "/";
  return out;
}

Result<Location> ParseLocalPath(std::string_view text) {
  std::string path(text);
  if (path.front() != '/') {
    std::error_code ec;
    std::filesystem::path cwd = std::filesystem::current_path(ec);
    if (ec) {
      return Errorf(ErrorCode::kUnavailable,
                    "Cannot resolve the relative storage location '{}': {}; give an absolute "
                    "path",
                    Printable(text), ec.message());
    }
    path = cwd.string() + "/" + path;
  }
  Location location;
  location.scheme = LocationScheme::kFile;
  LS_ASSIGN_OR_RETURN(location.path, NormaliseSegments(path, /*absolute=*/true, text));
  return location;
}

Result<Location> ParseFileUri(std::string_view text, std::string_view rest) {
  if (rest.starts_with("//")) {
    rest.remove_prefix(2);
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (!authority.empty() && ToLower(authority) != "localhost") {
      return InvalidArgument(
          "Storage location '{}' names the remote host '{}'; only local paths are supported "
          "(file:///path)",
          Printable(text), Printable(authority));
    }
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  }
  if (!rest.starts_with("/")) {
    return InvalidArgument("Storage location '{}' is not an absolute file URI (file:///path)",
                           Printable(text));
  }
  LS_ASSIGN_OR_RETURN(std::string decoded, DecodeUriPath(rest, text));
  Location location;
  location.scheme = LocationScheme::kFile;
  LS_ASSIGN_OR_RETURN(location.path, NormaliseSegments(decoded, /*absolute=*/true, text));
  return location;
}

Result<Location> ParseS3Uri(std::string_view text, std::string_view rest) {
  if (!rest.starts_with("//")) {
    return InvalidArgument("Storage location '{}' is not an s3:// URI (s3://bucket/prefix)",
                           Printable(text));
  }
  rest.remove_prefix(2);
  size_t slash = rest.find('/');
  std::string_view bucket = rest.substr(0, slash);
  if (bucket.find('@') != std::string_view::npos || bucket.find(':') != std::string_view::npos) {
    return InvalidArgument(
        "Storage location '{}' carries credentials or a port in its authority; name only the "
        "bucket (configure endpoints and keys as storage credentials)",
        Printable(text));
  }
  if (!IsValidS3BucketName(bucket)) {
    return InvalidArgument("Storage location '{}' has an invalid bucket name", Printable(text));
  }
  Location location;
  location.scheme = LocationScheme::kS3;
  location.bucket = std::string(bucket);
  std::string_view key = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  LS_ASSIGN_OR_RETURN(std::string decoded, DecodeUriPath(key, text));
  LS_ASSIGN_OR_RETURN(location.path, NormaliseSegments(decoded, /*absolute=*/false, text));
  return location;
}

}  // namespace

std::optional<std::string_view> UriScheme(std::string_view text) {
  size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  for (size_t i = 0; i < colon; ++i) {
    char c = text[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok) return std::nullopt;
  }
  return text.substr(0, colon);
}

bool IsValidS3BucketName(std::string_view bucket) {
  if (bucket.empty() || bucket.size() > 255) return false;
  for (char c : bucket) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

Result<Location> ParseLocation(std::string_view text) {
  if (text.empty()) {
    return InvalidArgument("Empty storage location; give an absolute path or a file:// or s3:// URI");
  }
  if (text.size() > kMaxLocationBytes) {
    return InvalidArgument("Storage location of {} bytes is longer than the {} allowed",
                           text.size(), kMaxLocationBytes);
  }
  for (unsigned char c : text) {
    if (IsControl(c)) {
      return InvalidArgument(
          "Storage location '{}' contains a control character (0x{:02x}); remove it",
          Printable(text), c);
    }
  }
  std::optional<std::string_view> scheme = UriScheme(text);
  if (!scheme) return ParseLocalPath(text);
  std::string lower = ToLower(*scheme);
  std::string_view rest = text.substr(scheme->size() + 1);
  if (lower == "file") return ParseFileUri(text, rest);
  if (lower == "s3" || lower == "s3a" || lower == "s3n") return ParseS3Uri(text, rest);
  return Unsupported("Storage scheme '{}' is not supported (use a local path, file:// or s3://)",
                     Printable(*scheme));
}

Result<std::string> CanonicalLocationUri(std::string_view text) {
  LS_ASSIGN_OR_RETURN(Location location, ParseLocation(text));
  return location.Uri();
}

std::string Location::Uri() const {
  if (scheme == LocationScheme::kFile) {
    return "file://" + UriEncode(path, /*encode_slash=*/false);
  }
  std::string uri = "s3://" + bucket;
  if (!path.empty()) {
    uri += "/";
    uri += UriEncode(path, /*encode_slash=*/false);
  }
  return uri;
}

std::optional<std::string> Location::RelativePathOf(const Location& other) const {
  if (scheme != other.scheme || bucket != other.bucket) return std::nullopt;
  std::string_view base = path;
  std::string_view inner = other.path;
  if (scheme == LocationScheme::kFile && base == "/") base = "";
  if (base.empty()) {
    // The filesystem root or a whole bucket.
    if (!inner.empty() && inner.front() == '/') inner.remove_prefix(1);
    return std::string(inner);
  }
  if (inner == base) return std::string();
  if (inner.size() > base.size() && inner.starts_with(base) && inner[base.size()] == '/') {
    return std::string(inner.substr(base.size() + 1));
  }
  return std::nullopt;
}

bool Location::Contains(const Location& other) const {
  return RelativePathOf(other).has_value();
}

}  // namespace lakeshare::storage
