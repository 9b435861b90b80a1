// LocalObjectStore: an ObjectStore over a directory of the local filesystem. Object paths map to
// files below the root; directories are implied by paths and created on Put. Writes go to a
// temporary file in the target directory first (".lakeshare-tmp-*", never listed) and are then
// renamed (kOverwrite) or hard-linked (kCreateOnly) into place, so readers never see partial
// objects and two writers of the same Delta commit cannot both win.
//
// Containment: every path is resolved beneath the root directory and NO symbolic link below the
// root is followed - not one that leaves the root (a data file linked to /etc/shadow or to the
// server's own metastore), and not one that stays inside either: Delta writers never create
// links, and following only the inside ones would need a second resolver for kernels without
// openat2 (beneath_internal.h) and buy nothing. A symlink is not an object: List does not report
// it, Read/ReadRange/OpenFile/Stat answer kNotFound ("not a regular file below the table
// location"), Put and Delete refuse to go through one. Only regular files are objects (a FIFO or
// device is never opened for reading, so it cannot block a server thread). The root path itself
// is resolved by the kernel when each call starts (its own symlinks, placed by the operator, are
// followed) unless StoreOptions::local_root_without_symlinks, which refuses a link anywhere on it;
// registration rules compare locations with ParseLocation (location.h).
// Thread-safe; files it opens stay valid after the store is destroyed.
#pragma once

#include <memory>
#include <string>

#include "storage/beneath_internal.h"
#include "storage/object_store.h"

namespace lakeshare::storage {

class LocalObjectStore final : public ObjectStore {
 public:
  /// Open a store rooted at `root`, an absolute or relative directory path (which need not
  /// exist yet).
  static Result<std::unique_ptr<LocalObjectStore>> Open(const std::string& root,
                                                        const StoreOptions& options = {});
  /// Open with a chosen resolver, so that tests cover both on a kernel that has openat2.
  static Result<std::unique_ptr<LocalObjectStore>> OpenForTest(const std::string& root,
                                                               internal::BeneathResolver resolver,
                                                               const StoreOptions& options = {});

  const std::string& uri() const override { return uri_; }
  /// The absolute, normalized root directory (no trailing '/').
  const std::string& root() const { return root_; }

  Result<std::vector<ObjectInfo>> List(std::string_view prefix,
                                       std::string_view start_after = {}) const override;
  Result<std::string> Read(std::string_view path) const override;
  Result<std::string> ReadRange(std::string_view path, int64_t offset,
                                int64_t length) const override;
  Result<ObjectInfo> Stat(std::string_view path) const override;
  Result<std::unique_ptr<RandomAccessFile>> OpenFile(std::string_view path) const override;
  Status Put(std::string_view path, std::string_view bytes,
             PutMode mode = PutMode::kOverwrite) override;
  /// A temporary file beside the object, renamed into place (after fsync) by Commit.
  Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view path) override;
  Status Delete(std::string_view path) override;

  /// Prefix of the temporary files Put creates; listings skip them.
  static constexpr std::string_view kTempPrefix = ".lakeshare-tmp-";

 private:
  LocalObjectStore(std::string root, std::string uri, internal::BeneathResolver resolver,
                   bool root_without_symlinks)
      : root_(std::move(root)),
        uri_(std::move(uri)),
        resolver_(resolver),
        root_without_symlinks_(root_without_symlinks) {}
  /// A descriptor of the root directory (O_PATH), or -errno (ELOOP, ENOTDIR or EXDEV for a
  /// refused link on its path).
  int OpenRootFd() const;
  /// OpenRootFd(), or an error naming `path` for `action`.
  Result<int> OpenRoot(std::string_view action, std::string_view path) const;
  /// Open `path` beneath the root with `flags`; kNotFound for missing files and symlinks.
  Result<int> OpenObject(std::string_view path, int flags, std::string_view action) const;
  /// A new temporary file in the (created) parent directory of `path`: its descriptor, the
  /// parent's descriptor and the temporary name.
  Status CreateTemp(std::string_view path, int* fd, int* dir_fd, std::string* tmp) const;
  /// The parent directory of `path` (O_PATH), created first when `create`.
  Result<int> OpenParent(std::string_view path, bool create, std::string_view action) const;

  std::string root_;
  std::string uri_;
  internal::BeneathResolver resolver_;
  bool root_without_symlinks_;  // StoreOptions::local_root_without_symlinks
};

}  // namespace lakeshare::storage
