#include "storage/local_object_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace lakeshare::storage {

namespace {

int64_t MtimeMs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
}

tl::unexpected<Error> ErrnoError(int err, std::string_view action, std::string_view path) {
  ErrorCode code = ErrorCode::kUnavailable;
  if (err == ENOENT || err == ENOTDIR) {
    code = ErrorCode::kNotFound;
  } else if (err == EACCES || err == EPERM) {
    code = ErrorCode::kPermissionDenied;
  }
  return Errorf(code, "Failed to {} '{}': {}", action, path, std::strerror(err));
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

// Recursively collect regular files below `dir_full` (whose path relative to the root is
// `dir_rel`, empty or ending in '/') whose relative path starts with `prefix`.
Status Walk(const std::string& dir_full, const std::string& dir_rel, std::string_view prefix,
            std::vector<ObjectInfo>& out) {
  DIR* dir = ::opendir(dir_full.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return OkStatus();  // nothing below a missing directory
    }
    return ErrnoError(errno, "list", dir_rel.empty() ? "." : dir_rel);
  }
  DirCloser closer{dir};
  const int dir_fd = ::dirfd(dir);
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
    struct stat st;
    if (::fstatat(dir_fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) continue;  // deleted while listing
      return ErrnoError(errno, "list", rel);
    }
    if (S_ISLNK(st.st_mode)) {
      // A symlink to a file is an object; symlinked directories are not followed (cycles).
      if (::fstatat(dir_fd, entry->d_name, &st, 0) != 0 || !S_ISREG(st.st_mode)) {
        continue;
      }
    }
    if (S_ISDIR(st.st_mode)) {
      std::string sub_rel = rel + "/";
      // Descend only where keys can still start with `prefix`.
      if (sub_rel.starts_with(prefix) || prefix.starts_with(sub_rel)) {
        LS_RETURN_IF_ERROR(Walk(dir_full + "/" + std::string(name), sub_rel, prefix, out));
      }
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

}  // namespace

Result<std::unique_ptr<LocalObjectStore>> LocalObjectStore::Open(const std::string& root,
                                                                 const StoreOptions&) {
  if (root.empty()) {
    return InvalidArgument("Empty local storage path");
  }
  if (root.find('\0') != std::string::npos) {
    return InvalidArgument("Local storage path contains a NUL byte");
  }
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(std::filesystem::path(root), ec);
  if (ec) {
    return Errorf(ErrorCode::kUnavailable, "Cannot resolve local storage path: {}",
                  ec.message());
  }
  std::string normalized = abs.lexically_normal().string();
  while (normalized.size() > 1 && normalized.back() == '/') {
    normalized.pop_back();
  }
  std::string uri = "file://" + UriEncode(normalized, /*encode_slash=*/false);
  return std::unique_ptr<LocalObjectStore>(new LocalObjectStore(normalized, std::move(uri)));
}

std::string LocalObjectStore::FullPath(std::string_view path) const {
  std::string full = root_;
  if (full != "/") {
    full.push_back('/');
  }
  full += path;
  return full;
}

Result<std::vector<ObjectInfo>> LocalObjectStore::List(std::string_view prefix,
                                                       std::string_view start_after) const {
  LS_RETURN_IF_ERROR(ValidateListPrefix(prefix));
  // Start at the deepest directory the prefix names completely.
  size_t slash = prefix.rfind('/');
  std::string dir_rel =
      slash == std::string_view::npos ? std::string() : std::string(prefix.substr(0, slash + 1));
  std::string dir_full = dir_rel.empty() ? root_ : FullPath(dir_rel.substr(0, dir_rel.size() - 1));
  std::vector<ObjectInfo> out;
  LS_RETURN_IF_ERROR(Walk(dir_full, dir_rel, prefix, out));
  std::erase_if(out, [&](const ObjectInfo& info) { return info.path <= start_after; });
  std::sort(out.begin(), out.end(),
            [](const ObjectInfo& a, const ObjectInfo& b) { return a.path < b.path; });
  return out;
}

Result<std::unique_ptr<RandomAccessFile>> LocalObjectStore::OpenFile(std::string_view path) const {
  LS_RETURN_IF_ERROR(ValidateObjectPath(path));
  auto file = OpenLocalFile(FullPath(path), std::string(path));
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
  struct stat st;
  if (::stat(FullPath(path).c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return NotFound("Object '{}' does not exist", path);
    }
    return ErrnoError(errno, "stat", path);
  }
  if (!S_ISREG(st.st_mode)) {
    return NotFound("Object '{}' does not exist (not a regular file)", path);
  }
  return ObjectInfo{std::string(path), static_cast<int64_t>(st.st_size), MtimeMs(st)};
}

Status LocalObjectStore::Put(std::string_view path, std::string_view bytes, PutMode mode) {
  LS_RETURN_IF_ERROR(ValidateObjectPath(path));
  const std::string full = FullPath(path);
  const std::string parent = full.substr(0, full.rfind('/'));
  std::error_code ec;
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return Errorf(ErrorCode::kUnavailable, "Failed to create the directory of '{}': {}", path,
                  ec.message());
  }
  std::string tmp = parent + "/" + std::string(kTempPrefix) + "XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) {
    return ErrnoError(errno, "create a temporary file for", path);
  }
  bool keep_tmp = false;
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
      ::unlink(tmp.c_str());
      return written;
    }
  }
  if (mode == PutMode::kOverwrite) {
    if (::rename(tmp.c_str(), full.c_str()) != 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      return ErrnoError(err, "write", path);
    }
    return OkStatus();
  }
  // kCreateOnly: an atomic "rename unless the target exists"; hard links where the filesystem
  // lacks RENAME_NOREPLACE.
  int rc = ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, full.c_str(), RENAME_NOREPLACE);
  int err = rc == 0 ? 0 : errno;
  if (rc != 0 && (err == EINVAL || err == ENOSYS || err == ENOTSUP)) {
    rc = ::link(tmp.c_str(), full.c_str());
    err = rc == 0 ? 0 : errno;
  } else if (rc == 0) {
    keep_tmp = true;  // renamed away: nothing left to remove
  }
  if (!keep_tmp) {
    ::unlink(tmp.c_str());
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
  if (::unlink(FullPath(path).c_str()) != 0 && errno != ENOENT && errno != ENOTDIR) {
    return ErrnoError(errno, "delete", path);
  }
  return OkStatus();
}

}  // namespace lakeshare::storage
