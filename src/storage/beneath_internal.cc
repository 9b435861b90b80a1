#include "storage/beneath_internal.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace lakeshare::storage::internal {

namespace {

constexpr int kMaxComponent = 255;  // NAME_MAX

int Openat2(int dir_fd, const std::string& path, int flags) {
#ifdef SYS_openat2
  struct open_how how = {};
  how.flags = static_cast<uint64_t>(flags);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0;; ++attempt) {
    long fd = ::syscall(SYS_openat2, dir_fd, path.c_str(), &how, sizeof(how));
    if (fd >= 0) return static_cast<int>(fd);
    // EAGAIN: a concurrent rename or mount made the kernel give up a RESOLVE_BENEATH lookup.
    if ((errno == EAGAIN || errno == EINTR) && attempt < 16) continue;
    return -errno;
  }
#else
  (void)dir_fd;
  (void)path;
  (void)flags;
  return -ENOSYS;
#endif
}

int Walk(int dir_fd, std::string_view path, int flags) {
  int current = dir_fd;
  auto release = [&] {
    if (current != dir_fd) ::close(current);
  };
  while (true) {
    size_t slash = path.find('/');
    std::string component(path.substr(0, slash));
    if (component.empty() || component == "." || component == "..") {
      release();
      return -EINVAL;
    }
    if (component.size() > kMaxComponent) {  // as openat2 answers it
      release();
      return -ENAMETOOLONG;
    }
    if (slash == std::string_view::npos) {
      int fd = ::openat(current, component.c_str(), flags);
      int err = errno;
      release();
      return fd >= 0 ? fd : -err;
    }
    // A directory on the way: O_NOFOLLOW | O_DIRECTORY makes a symlink fail with ENOTDIR.
    int next = ::openat(current, component.c_str(),
                        O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int err = errno;
    release();
    if (next < 0) return -err;
    current = next;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

bool Openat2Available() {
  static const bool available = [] {
    int fd = Openat2(AT_FDCWD, "/", O_PATH | O_CLOEXEC | O_DIRECTORY);
    // RESOLVE_BENEATH of "/" from AT_FDCWD is refused (EXDEV) where openat2 exists; ENOSYS (old
    // kernel) or EPERM (a seccomp filter) mean it does not.
    if (fd >= 0) {
      ::close(fd);
      return true;
    }
    return fd == -EXDEV;
  }();
  return available;
}

BeneathResolver EffectiveResolver(BeneathResolver resolver) {
  if (resolver != BeneathResolver::kAuto) return resolver;
  return Openat2Available() ? BeneathResolver::kOpenat2 : BeneathResolver::kWalk;
}

int OpenBeneath(int dir_fd, std::string_view path, int flags, BeneathResolver resolver) {
  if (path.empty() || path.front() == '/') return -EINVAL;
  flags |= O_CLOEXEC | O_NOFOLLOW;
  if (EffectiveResolver(resolver) == BeneathResolver::kOpenat2) {
    return Openat2(dir_fd, std::string(path), flags);
  }
  return Walk(dir_fd, path, flags);
}

}  // namespace lakeshare::storage::internal
