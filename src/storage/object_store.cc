#include "storage/object_store.h"

#include "common/strings.h"
#include "storage/local_object_store.h"
#include "storage/s3_object_store.h"

namespace lakeshare::storage {

Result<std::string> ObjectStore::PresignGet(std::string_view path, int64_t) const {
  return Unsupported("This store cannot pre-sign URLs (object '{}')", path);
}

namespace {

Status ValidateSegments(std::string_view text, std::string_view what, bool allow_trailing_slash) {
  if (text.find('\0') != std::string_view::npos) {
    return InvalidArgument("Invalid {} '{}': contains a NUL byte", what, text);
  }
  if (!text.empty() && text.front() == '/') {
    return InvalidArgument("Invalid {} '{}': must be relative to the table location", what, text);
  }
  std::vector<std::string_view> segments = Split(text, '/');
  for (size_t i = 0; i < segments.size(); ++i) {
    std::string_view segment = segments[i];
    if (segment == "..") {
      return InvalidArgument("Invalid {} '{}': '..' segments are not allowed", what, text);
    }
    if (segment == ".") {
      return InvalidArgument("Invalid {} '{}': '.' segments are not allowed", what, text);
    }
    bool last = i + 1 == segments.size();
    if (segment.empty() && !(last && allow_trailing_slash)) {
      return InvalidArgument("Invalid {} '{}': empty path segment", what, text);
    }
  }
  return OkStatus();
}

bool HasScheme(std::string_view uri, std::string_view* scheme) {
  size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon < 2) {
    // One letter before ':' would be a drive letter, not a scheme; we only run on POSIX anyway.
    return false;
  }
  for (size_t i = 0; i < colon; ++i) {
    char c = uri[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'));
    if (!ok) {
      return false;
    }
  }
  *scheme = uri.substr(0, colon);
  return true;
}

}  // namespace

Status ValidateObjectPath(std::string_view path) {
  if (path.empty()) {
    return InvalidArgument("Invalid object path: empty");
  }
  return ValidateSegments(path, "object path", /*allow_trailing_slash=*/false);
}

Status ValidateListPrefix(std::string_view prefix) {
  if (prefix.empty()) {
    return OkStatus();
  }
  return ValidateSegments(prefix, "listing prefix", /*allow_trailing_slash=*/true);
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& uri,
                                                     const StoreOptions& options) {
  if (uri.empty()) {
    return InvalidArgument("Empty storage location");
  }
  std::string_view scheme;
  if (!HasScheme(uri, &scheme)) {
    LS_ASSIGN_OR_RETURN(auto store, LocalObjectStore::Open(uri, options));
    return std::unique_ptr<ObjectStore>(std::move(store));
  }
  std::string lower_scheme = ToLower(scheme);
  if (lower_scheme == "file") {
    // RFC 8089: file:///abs/path, file://localhost/abs/path, and the "file:/abs/path" form that
    // Hadoop and Spark write into Delta logs.
    std::string_view rest = std::string_view(uri).substr(scheme.size() + 1);
    if (rest.starts_with("//")) {
      rest.remove_prefix(2);
      size_t slash = rest.find('/');
      std::string_view authority = rest.substr(0, slash);
      if (!authority.empty() && ToLower(authority) != "localhost") {
        return Unsupported("Storage location '{}' names a remote host; only local file URIs "
                           "are supported",
                           uri);
      }
      rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    }
    if (!rest.starts_with("/")) {
      return InvalidArgument("Storage location '{}' is not an absolute file URI", uri);
    }
    std::optional<std::string> path = PercentDecode(rest);
    if (!path) {
      return InvalidArgument("Storage location '{}' has a bad percent escape", uri);
    }
    LS_ASSIGN_OR_RETURN(auto store, LocalObjectStore::Open(*path, options));
    return std::unique_ptr<ObjectStore>(std::move(store));
  }
  if (lower_scheme == "s3" || lower_scheme == "s3a" || lower_scheme == "s3n") {
    LS_ASSIGN_OR_RETURN(auto store, S3ObjectStore::Open(uri, options));
    return std::unique_ptr<ObjectStore>(std::move(store));
  }
  return Unsupported("Storage scheme '{}' is not supported (use file:// or s3://)", scheme);
}

}  // namespace lakeshare::storage
