#include "storage/local_object_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "storage/location.h"

namespace lakeshare::storage {

namespace {

// Directories deeper than this below the root are not listed (each level holds a descriptor).
constexpr int kMaxListDepth = 64;

// The modification time in ms. The seconds are the file owner's: a time far in the future or
// past (tmpfs keeps 64-bit seconds) has no int64 count of milliseconds and saturates.
int64_t MtimeMs(const struct stat& st) {
  int64_t ms = 0;
  if (__builtin_mul_overflow(static_cast<int64_t>(st.st_mtim.tv_sec), int64_t{1000}, &ms) ||
      __builtin_add_overflow(ms, static_cast<int64_t>(st.st_mtim.tv_nsec / 1000000), &ms)) {
    return st.st_mtim.tv_sec < 0 ? INT64_MIN : INT64_MAX;
  }
  return ms;
}

tl::unexpected<Error> ErrnoError(int err, std::string_view action, std::string_view path) {
  ErrorCode code = ErrorCode::kUnavailable;
  if (err == ENOENT || err == ENOTDIR || err == ENAMETOOLONG) {
    // A name the filesystem cannot hold names no object: not there, rather than worth a retry.
    code = ErrorCode::kNotFound;
  } else if (err == EACCES || err == EPERM) {
    code = ErrorCode::kPermissionDenied;
  }
  return Errorf(code, "Failed to {} '{}': {}", action, path, std::strerror(err));
}

// A symlink (ELOOP, EXDEV from openat2; ENOTDIR for a linked directory on the way), a missing
// file or a name longer than the filesystem allows: none is an object of the store.
bool IsNotAnObject(int err) {
  return err == ENOENT || err == ENOTDIR || err == ELOOP || err == EXDEV || err == ENAMETOOLONG;
}

tl::unexpected<Error> NotAnObject(std::string_view path) {
  return NotFound(
      "Object '{}' does not exist (not a regular file below the table location; symbolic links "
      "are not followed)",
      path);
}

// Closes a descriptor or DIR* on scope exit.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};
struct DirCloser {
  DIR* dir;
  ~DirCloser() {
    if (dir != nullptr) ::closedir(dir);
  }
};

// Recursively collect the regular files of the directory `dir_fd` (taken over and closed), whose
// path relative to the root is `dir_rel` (empty or ending in '/'), whose relative path starts
// with `prefix`. Symlinks are skipped, never followed: a listed object is one OpenFile opens.
Status Walk(int dir_fd, const std::string& dir_rel, std::string_view prefix, int depth,
            std::vector<ObjectInfo>& out) {
  DIR* dir = ::fdopendir(dir_fd);
  if (dir == nullptr) {
    int err = errno;
    ::close(dir_fd);
    return ErrnoError(err, "list", dir_rel.empty() ? "." : dir_rel);
  }
  DirCloser closer{dir};
  while (true) {
    errno = 0;
    struct dirent* entry = ::readdir(dir);
    if (entry == nullptr) {
      if (errno != 0) {
        return ErrnoError(errno, "list", dir_rel.empty() ? "." : dir_rel);
      }
      break;
    }
    std::string_view name = entry->d_name;
    if (name == "." || name == ".." || name.starts_with(LocalObjectStore::kTempPrefix)) {
      continue;
    }
    std::string rel = dir_rel;
    rel += name;
    // Names our path rules cannot address (a control byte) are not objects either.
    if (!ValidateObjectPath(rel)) continue;
    struct stat st;
    if (::fstatat(::dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // deleted while listing
      return ErrnoError(errno, "list", rel);
    }
    if (S_ISDIR(st.st_mode)) {
      std::string sub_rel = rel + "/";
      // Descend only where keys can still start with `prefix`.
      if (!sub_rel.starts_with(prefix) && !prefix.starts_with(sub_rel)) continue;
      if (depth >= kMaxListDepth) {
        return Errorf(ErrorCode::kUnsupported,
                      "Cannot list '{}': directories nest deeper than {} levels", sub_rel,
                      kMaxListDepth);
      }
      int sub = ::openat(::dirfd(dir), entry->d_name,
                         O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) {
        if (IsNotAnObject(errno)) continue;  // replaced by a symlink or removed meanwhile
        return ErrnoError(errno, "list", sub_rel);
      }
      LS_RETURN_IF_ERROR(Walk(sub, sub_rel, prefix, depth + 1, out));
    } else if (S_ISREG(st.st_mode) && std::string_view(rel).starts_with(prefix)) {
      out.push_back(ObjectInfo{std::move(rel), static_cast<int64_t>(st.st_size), MtimeMs(st)});
    }
  }
  return OkStatus();
}

Status WriteAll(int fd, std::string_view bytes, std::string_view path) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(errno, "write", path);
    }
    done += static_cast<size_t>(n);
  }
  return OkStatus();
}

std::string BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// A fresh temporary name in a directory Put writes to.
std::string TempName() {
  thread_local std::mt19937_64 random(std::random_device{}());
  static std::atomic<uint64_t> counter{0};
  return fmt::format("{}{:016x}{:x}", LocalObjectStore::kTempPrefix, random(),
                     counter.fetch_add(1, std::memory_order_relaxed));
}

}  // namespace

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::Open(const std::string& root,
                                                                 const StoreOptions& options) {
  return OpenForTest(root, internal::BeneathResolver::kAuto, options);
}

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::OpenForTest(
    const std::string& root, internal::BeneathResolver resolver, const StoreOptions& options) {
  if (root.empty()) {
    return InvalidArgument("Empty local storage path");
  }
  // A local path, not a URI: the location parser's plain-path rules (absolute against the
  // working directory, "." and empty segments dropped, ".." and control bytes refused).
  if (root.find(':') != std::string::npos && root.front() != '/') {
    return InvalidArgument("Local storage path '{}' must be absolute or start without a scheme",
                           root);
  }
  LS_ASSIGN_OR_RETURN(Location location, ParseLocation(root));
  if (location.scheme != LocationScheme::kFile) {
    return InvalidArgument("'{}' is not a local storage path", root);
  }
  std::string uri = location.Uri();
  return std::unique_ptr<LocalObjectStore>(
      new LocalObjectStore(std::move(location.path), std::move(uri), resolver,
                           options.local_root_without_symlinks));
}

int LocalObjectStore::OpenRootFd() const {
  if (!root_without_symlinks_) {
    int fd = ::open(root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
  }
  // Every component from '/' down, beneath '/', following no link (the root is absolute and
  // normalized: no empty, "." or ".." component).
  int slash = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (slash < 0 || root_ == "/") {
    return slash < 0 ? -errno : slash;
  }
  int fd = internal::OpenBeneath(slash, std::string_view(root_).substr(1), O_PATH | O_DIRECTORY,
                                 resolver_);
  ::close(slash);
  return fd;
}

Result<int> LocalObjectStore::OpenRoot(std::string_view action, std::string_view path) const {
  int fd = OpenRootFd();
  if (fd < 0) {
    // Never name the root: it is a server path. A refused link on its path is a missing root.
    int err = IsNotAnObject(-fd) ? ENOENT : -fd;
    return ErrnoError(err, action, path.empty() ? "." : path);
  }
  return fd;
}

Result<int> LocalObjectStore::OpenObject(std::string_view path, int flags,
                                         std::string_view action) const {
  LS_ASSIGN_OR_RETURN(int root_fd, OpenRoot(action, path));
  FdCloser root_closer{root_fd};
  int fd = internal::OpenBeneath(root_fd, path, flags, resolver_);
  if (fd < 0) {
    if (IsNotAnObject(-fd)) return NotAnObject(path);
    return ErrnoError(-fd, action, path);
  }
  return fd;
}

Result<int> LocalObjectStore::OpenParent(std::string_view path, bool create,
                                         std::string_view action) const {
  if (create) {
    std::error_code ec;
    std::filesystem::create_directories(root_, ec);
    if (ec) {
      return Errorf(ErrorCode::kUnavailable, "Failed to create the table location for '{}': {}",
                    path, ec.message());
    }
  }
  LS_ASSIGN_OR_RETURN(int current, OpenRoot(action, path));
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return current;
  std::string_view dirs = path.substr(0, slash);
  // One component at a time, so that missing directories can be made and none is a symlink.
  while (!dirs.empty()) {
    size_t next = dirs.find('/');
    std::string component(dirs.substr(0, next));
    if (create && ::mkdirat(current, component.c_str(), 0755) != 0 && errno != EEXIST) {
      int err = errno;
      ::close(current);
      return ErrnoError(err, action, path);
    }
    int fd = internal::OpenBeneath(current, component, O_PATH | O_DIRECTORY, resolver_);
    ::close(current);
    if (fd < 0) {
      if (IsNotAnObject(-fd)) {
        return Errorf(create ? ErrorCode::kInvalidArgument : ErrorCode::kNotFound,
                      "Failed to {} '{}': a directory on its path is missing, a file or a "
                      "symbolic link (links are not followed below the table location)",
                      action, path);
      }
      return ErrnoError(-fd, action, path);
    }
    current = fd;
    dirs = next == std::string_view::npos ? std::string_view() : dirs.substr(next + 1);
  }
  return current;
}

Result<std::vector<ObjectInfo>> LocalObjectStore::List(std::string_view prefix,
                                                       std::string_view start_after) const {
  LS_RETURN_IF_ERROR(ValidateListPrefix(prefix));
  // Start at the deepest directory the prefix names completely.
  size_t slash = prefix.rfind('/');
  std::string dir_rel =
      slash == std::string_view::npos ? std::string() : std::string(prefix.substr(0, slash + 1));
  std::vector<ObjectInfo> out;
  int root_fd = OpenRootFd();
  if (root_fd < 0) {
    // Nothing below a missing root (or one refused for a link on its path).
    if (-root_fd == ENOENT || -root_fd == ENOTDIR ||
        (root_without_symlinks_ && IsNotAnObject(-root_fd))) {
      return out;
    }
    return ErrnoError(-root_fd, "list", prefix.empty() ? "." : prefix);
  }
  FdCloser root_closer{root_fd};
  int dir_fd = dir_rel.empty()
                   ? ::openat(root_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                   : internal::OpenBeneath(root_fd, dir_rel.substr(0, dir_rel.size() - 1),
                                           O_RDONLY | O_DIRECTORY, resolver_);
  if (dir_rel.empty() && dir_fd < 0) dir_fd = -errno;
  if (dir_fd < 0) {
    if (IsNotAnObject(-dir_fd)) return out;  // a missing directory or a symlink: no objects
    return ErrnoError(-dir_fd, "list", dir_rel);
  }
  LS_RETURN_IF_ERROR(Walk(dir_fd, dir_rel, prefix, 0, out));
  std::erase_if(out, [&](const ObjectInfo& info) { return info.path <= start_after; });
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.path < b.path; });
  return out;
}

Result<std::unique_ptr<RandomAccessFile>> LocalObjectStore::OpenFile(std::string_view path) const {
  LS_RETURN_IF_ERROR(ValidateObjectPath(path));
  // O_NONBLOCK: a FIFO must not block the open (it is refused as not a regular file next).
  LS_ASSIGN_OR_RETURN(int fd, OpenObject(path, O_RDONLY | O_NONBLOCK, "open"));
  auto file = AdoptLocalFile(fd, std::string(path));
  if (!file && file.error().code == ErrorCode::kInvalidArgument) {
    return NotFound("Object '{}' does not exist (not a regular file)", path);
  }
  return file;
}

Result<std::string> LocalObjectStore::Read(std::string_view path) const {
  LS_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, OpenFile(path));
  return file->Read(0, file->size());
}

Result<std::string> LocalObjectStore::ReadRange(std::string_view path, int64_t offset,
                                                int64_t length) const {
  LS_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, OpenFile(path));
  return file->Read(offset, length);
}

Result<ObjectInfo> LocalObjectStore::Stat(std::string_view path) const {
  LS_RETURN_IF_ERROR(ValidateObjectPath(path));
  // O_PATH | O_NOFOLLOW: a final symlink yields the link itself, refused below as not a file.
  LS_ASSIGN_OR_RETURN(int fd, OpenObject(path, O_PATH, "stat"));
  FdCloser closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return ErrnoError(errno, "stat", path);
  }
  if (!S_ISREG(st.st_mode)) {
    return NotAnObject(path);
  }
  return ObjectInfo{std::string(path), static_cast<int64_t>(st.st_size), MtimeMs(st)};
}

Status LocalObjectStore::CreateTemp(std::string_view path, int* fd, int* dir_fd,
                                    std::string* tmp) const {
  LS_RETURN_IF_ERROR(ValidateObjectPath(path));
  LS_ASSIGN_OR_RETURN(*dir_fd, OpenParent(path, /*create=*/true, "write"));
  *fd = -1;
  for (int attempt = 0; *fd < 0 && attempt < 8; ++attempt) {
    *tmp = TempName();
    *fd = ::openat(*dir_fd, tmp->c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                   0644);
    if (*fd < 0 && errno != EEXIST) break;
  }
  if (*fd < 0) {
    const int err = errno;
    ::close(*dir_fd);
    return ErrnoError(err, "create a temporary file for", path);
  }
  return OkStatus();
}

namespace {

// LocalObjectStore::OpenWriter: bytes go to the temporary file through a 1 MiB buffer.
class LocalObjectWriter final : public ObjectWriter {
 public:
  LocalObjectWriter(std::string path, int fd, int dir_fd, std::string tmp)
      : path_(std::move(path)), fd_(fd), dir_fd_(dir_fd), tmp_(std::move(tmp)) {
    buffer_.reserve(kBuffer);
  }
  ~LocalObjectWriter() override {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlinkat(dir_fd_, tmp_.c_str(), 0);
    ::close(dir_fd_);
  }
  Status Append(std::string_view bytes) override {
    if (committed_ || fd_ < 0) return MakeError(ErrorCode::kInternal, "append to a closed object");
    if (buffer_.size() + bytes.size() > kBuffer) {
      LS_RETURN_IF_ERROR(Flush());
      if (bytes.size() >= kBuffer) return WriteAll(fd_, bytes, path_);
    }
    buffer_.append(bytes);
    return OkStatus();
  }
  Status Commit() override {
    if (committed_ || fd_ < 0) return MakeError(ErrorCode::kInternal, "object committed twice");
    Status written = Flush();
    if (written && ::fchmod(fd_, 0644) != 0) written = ErrnoError(errno, "set permissions of", path_);
    if (written && ::fsync(fd_) != 0) written = ErrnoError(errno, "flush", path_);
    ::close(fd_);
    fd_ = -1;
    LS_RETURN_IF_ERROR(written);
    if (::renameat(dir_fd_, tmp_.c_str(), dir_fd_, BaseName(path_).c_str()) != 0) {
      return ErrnoError(errno, "write", path_);
    }
    committed_ = true;
    return OkStatus();
  }

 private:
  static constexpr size_t kBuffer = size_t{1} << 20;
  Status Flush() {
    Status st = WriteAll(fd_, buffer_, path_);
    buffer_.clear();
    return st;
  }

  std::string path_;
  int fd_;
  int dir_fd_;
  std::string tmp_;
  std::string buffer_;
  bool committed_ = false;
};

}  // namespace

Result<std::unique_ptr<ObjectWriter>> LocalObjectStore::OpenWriter(std::string_view path) {
  int fd = -1, dir_fd = -1;
  std::string tmp;
  LS_RETURN_IF_ERROR(CreateTemp(path, &fd, &dir_fd, &tmp));
  return std::unique_ptr<ObjectWriter>(
      new LocalObjectWriter(std::string(path), fd, dir_fd, std::move(tmp)));
}

Status LocalObjectStore::Put(std::string_view path, std::string_view bytes, PutMode mode) {
  int fd = -1, dir_fd = -1;
  std::string tmp;
  LS_RETURN_IF_ERROR(CreateTemp(path, &fd, &dir_fd, &tmp));
  FdCloser dir_closer{dir_fd};
  const std::string name = BaseName(path);
  {
    FdCloser closer{fd};
    Status written = WriteAll(fd, bytes, path);
    if (written && ::fchmod(fd, 0644) != 0) {
      written = ErrnoError(errno, "set permissions of", path);
    }
    if (written && ::fsync(fd) != 0) {
      written = ErrnoError(errno, "flush", path);
    }
    if (!written) {
      ::unlinkat(dir_fd, tmp.c_str(), 0);
      return written;
    }
  }
  if (mode == PutMode::kOverwrite) {
    if (::renameat(dir_fd, tmp.c_str(), dir_fd, name.c_str()) != 0) {
      int err = errno;
      ::unlinkat(dir_fd, tmp.c_str(), 0);
      return ErrnoError(err, "write", path);
    }
    return OkStatus();
  }
  // kCreateOnly: an atomic "rename unless the target exists"; hard links where the filesystem
  // lacks RENAME_NOREPLACE.
  int rc = ::renameat2(dir_fd, tmp.c_str(), dir_fd, name.c_str(), RENAME_NOREPLACE);
  int err = rc == 0 ? 0 : errno;
  bool keep_tmp = false;
  if (rc != 0 && (err == EINVAL || err == ENOSYS || err == ENOTSUP)) {
    rc = ::linkat(dir_fd, tmp.c_str(), dir_fd, name.c_str(), 0);
    err = rc == 0 ? 0 : errno;
  } else if (rc == 0) {
    keep_tmp = true;  // renamed away: nothing left to remove
  }
  if (!keep_tmp) {
    ::unlinkat(dir_fd, tmp.c_str(), 0);
  }
  if (err == EEXIST) {
    return Errorf(ErrorCode::kAlreadyExists, "Object '{}' already exists", path);
  }
  if (err != 0) {
    return ErrnoError(err, "write", path);
  }
  return OkStatus();
}

Status LocalObjectStore::Delete(std::string_view path) {
  LS_RETURN_IF_ERROR(ValidateObjectPath(path));
  auto dir_fd = OpenParent(path, /*create=*/false, "delete");
  if (!dir_fd) {
    // Deleting below a missing directory succeeds, as deleting a missing object does.
    if (dir_fd.error().code == ErrorCode::kNotFound) return OkStatus();
    return tl::unexpected<Error>(dir_fd.error());
  }
  FdCloser dir_closer{*dir_fd};
  // unlinkat removes a symlink itself, never its target.
  if (::unlinkat(*dir_fd, BaseName(path).c_str(), 0) != 0 && errno != ENOENT &&
      errno != ENOTDIR) {
    return ErrnoError(errno, "delete", path);
  }
  return OkStatus();
}

}  // namespace lakeshare::storage
