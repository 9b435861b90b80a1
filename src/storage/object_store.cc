#include "storage/object_store.h"

#include <cstring>

#include "common/strings.h"
#include "storage/location.h"
#include "storage/local_object_store.h"
#include "storage/s3_object_store.h"

namespace lakeshare::storage {

Result<std::string> ObjectStore::PresignGet(std::string_view path, int64_t) const {
  return Unsupported("This store cannot pre-sign URLs (object '{}')", path);
}

namespace {

// The default ObjectWriter: the bytes in memory, one Put on Commit.
class BufferedObjectWriter final : public ObjectWriter {
 public:
  BufferedObjectWriter(ObjectStore& store, std::string path)
      : store_(store), path_(std::move(path)) {}
  Status Append(std::string_view bytes) override {
    if (committed_) return MakeError(ErrorCode::kInternal, "append to a committed object");
    bytes_.append(bytes);
    return OkStatus();
  }
  Status Commit() override {
    if (committed_) return MakeError(ErrorCode::kInternal, "object committed twice");
    committed_ = true;
    return store_.Put(path_, bytes_);
  }

 private:
  ObjectStore& store_;
  std::string path_;
  std::string bytes_;
  bool committed_ = false;
};

}  // namespace

Result<std::unique_ptr<ObjectWriter>> ObjectStore::OpenWriter(std::string_view path) {
  LS_RETURN_IF_ERROR(ValidateObjectPath(path));
  return std::unique_ptr<ObjectWriter>(new BufferedObjectWriter(*this, std::string(path)));
}

namespace {

bool IsControlByte(unsigned char c) { return c < 0x20 || c == 0x7f; }

// True when ValidateSegments has nothing to report about `text` (non-empty): no control byte and
// no empty, "." or ".." segment (a leading '/' makes the first segment empty). The common case,
// decided without a branch per byte: the control bytes in a loop the compiler vectorizes, the
// segments from one memchr of '/' to the next. ValidateSegments itself runs only when this says
// no, for its message. It runs for every file of every query response.
bool PlainSegments(std::string_view text, bool allow_trailing_slash) {
  if (text.empty()) return false;
  unsigned control = 0;
  for (unsigned char c : text) control |= static_cast<unsigned>(c < 0x20) | (c == 0x7f);
  if (control != 0) return false;
  const char* p = text.data();
  const char* const end = p + text.size();
  while (true) {
    const auto* slash = static_cast<const char*>(std::memchr(p, '/', end - p));
    const char* stop = slash != nullptr ? slash : end;
    // The segment [p, stop) is refused when it is empty, "." or "..".
    if (stop - p <= 2 && (stop == p || (p[0] == '.' && stop[-1] == '.'))) {
      return slash == nullptr && stop == p && allow_trailing_slash;  // only a trailing '/'
    }
    if (slash == nullptr) return true;
    p = slash + 1;
  }
}

// One pass over the path, no allocation (it runs for every file of every query response).
Status ValidateSegments(std::string_view text, std::string_view what, bool allow_trailing_slash) {
  if (PlainSegments(text, allow_trailing_slash)) return OkStatus();
  if (!text.empty() && text.front() == '/') {
    return InvalidArgument("Invalid {} '{}': must be relative to the table location", what, text);
  }
  for (unsigned char c : text) {
    if (IsControlByte(c)) {
      // Never echo the path: it holds the control byte.
      return InvalidArgument("Invalid {}: contains a control character (0x{:02x})", what, c);
    }
  }
  size_t start = 0;
  const size_t n = text.size();
  for (size_t i = 0; i <= n; ++i) {
    if (i < n && text[i] != '/') continue;
    std::string_view segment = text.substr(start, i - start);
    if (segment.size() <= 2 && segment.find_first_not_of('.') == std::string_view::npos) {
      if (segment == "..") {
        return InvalidArgument("Invalid {} '{}': '..' segments are not allowed", what, text);
      }
      if (segment == ".") {
        return InvalidArgument("Invalid {} '{}': '.' segments are not allowed", what, text);
      }
      if (segment.empty() && !(i == n && allow_trailing_slash)) {
        return InvalidArgument("Invalid {} '{}': empty path segment", what, text);
      }
    }
    start = i + 1;
  }
  return OkStatus();
}

tl::unexpected<Error> Outside(std::string_view why) {
  return Errorf(ErrorCode::kUnsupported,
                "The table's Delta log names a file {}; such a table cannot be shared until its "
                "provider repairs it",
                why);
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

Result<std::string> ResolveTablePath(const ObjectStore& store, std::string_view log_path) {
  const bool rooted = !log_path.empty() && log_path.front() == '/';
  if (!rooted && !UriScheme(log_path)) {
    std::optional<std::string> decoded = PercentDecode(log_path);
    if (!decoded) return Outside("path with a malformed percent escape");
    if (!ValidateObjectPath(*decoded)) {
      return Outside("path outside the table location (an empty, '.' or '..' segment or a "
                     "control character)");
    }
    return std::move(*decoded);
  }
  // An absolute URI ("file:/t/x.parquet", "s3://b/t/x.parquet") or a rooted path: allowed by the
  // protocol, served only when it lies beneath the table's own location.
  auto file = ParseLocation(rooted ? "file:" + std::string(log_path) : std::string(log_path));
  auto root = ParseLocation(store.uri());
  if (!file || !root) return Outside("path that is not a valid location");
  std::optional<std::string> relative = root->RelativePathOf(*file);
  if (!relative) return Outside("outside the table location (an absolute path elsewhere)");
  if (!ValidateObjectPath(*relative)) return Outside("path that is not a file of the table");
  return std::move(*relative);
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& uri,
                                                     const StoreOptions& options) {
  LS_ASSIGN_OR_RETURN(Location location, ParseLocation(uri));
  if (location.scheme == LocationScheme::kFile) {
    LS_ASSIGN_OR_RETURN(auto store, LocalObjectStore::Open(location.path, options));
    return std::unique_ptr<ObjectStore>(std::move(store));
  }
  LS_ASSIGN_OR_RETURN(auto store, S3ObjectStore::Open(location.Uri(), options));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

}  // namespace lakeshare::storage
