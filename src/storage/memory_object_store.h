// MemoryObjectStore: an ObjectStore held in a map, the fake for tests of the modules above
// storage (as LevelDB's memenv is for its Env). It follows the same path rules and semantics as
// the real backends (sorted prefix listing, kNotFound, kCreateOnly, ranges). Thread-safe; files
// it opens hold a copy of the bytes and outlive the store.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/mutex.h"
#include "common/thread_annotations.h"
#include "storage/object_store.h"

namespace lakeshare::storage {

class MemoryObjectStore final : public ObjectStore {
 public:
  /// `uri` is only reported by uri(); `options.clock` stamps modification times.
  explicit MemoryObjectStore(std::string uri = "memory://", StoreOptions options = {});

  const std::string& uri() const override { return uri_; }

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

 private:
  struct Entry {
    std::string bytes;
    int64_t last_modified_ms = 0;
  };

  std::string uri_;
  const Clock& clock_;
  mutable Mutex mu_;
  std::map<std::string, Entry, std::less<>> objects_ LS_GUARDED_BY(mu_);
};

}  // namespace lakeshare::storage
