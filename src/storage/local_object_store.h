// LocalObjectStore: an ObjectStore over a directory of the local filesystem. Object paths map to
// files below the root; directories are implied by paths and created on Put. Writes go to a
// temporary file in the target directory first (".lakeshare-tmp-*", never listed) and are then
// renamed (kOverwrite) or hard-linked (kCreateOnly) into place, so readers never see partial
// objects and two writers of the same Delta commit cannot both win. Paths containing ".." are
// refused, so a store never reaches outside its root except through symlinks placed there by the
// operator. Thread-safe; files it opens stay valid after the store is destroyed.
#pragma once

#include <memory>
#include <string>

#include "storage/object_store.h"

namespace lakeshare::storage {

class LocalObjectStore final : public ObjectStore {
 public:
  /// Open a store rooted at `root`, an absolute or relative directory path (which need not
  /// exist yet).
  static Result<std::unique_ptr<LocalObjectStore>> Open(const std::string& root,
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
  Status Delete(std::string_view path) override;

  /// Prefix of the temporary files Put creates; listings skip them.
  static constexpr std::string_view kTempPrefix = ".lakeshare-tmp-";

 private:
  LocalObjectStore(std::string root, std::string uri)
      : root_(std::move(root)), uri_(std::move(uri)) {}
  std::string FullPath(std::string_view path) const;

  std::string root_;
  std::string uri_;
};

}  // namespace lakeshare::storage
