#include "storage/memory_object_store.h"

namespace lakeshare::storage {

MemoryObjectStore::MemoryObjectStore(std::string uri, StoreOptions options)
    : uri_(std::move(uri)), clock_(ClockOr(options.clock)) {}

Result<std::vector<ObjectInfo>> MemoryObjectStore::List(std::string_view prefix,
                                                        std::string_view start_after) const {
  LS_RETURN_IF_ERROR(ValidateListPrefix(prefix));
  std::vector<ObjectInfo> out;
  MutexLock lock(mu_);
  for (auto it = objects_.lower_bound(prefix); it != objects_.end(); ++it) {
    if (!std::string_view(it->first).starts_with(prefix)) {
      break;
    }
    if (it->first > start_after) {
      out.push_back(ObjectInfo{it->first, static_cast<int64_t>(it->second.bytes.size()),
                               it->second.last_modified_ms});
    }
  }
  return out;
}

Result<std::string> MemoryObjectStore::Read(std::string_view path) const {
  LS_RETURN_IF_ERROR(ValidateObjectPath(path));
  MutexLock lock(mu_);
  auto it = objects_.find(path);
  if (it == objects_.end()) {
    return NotFound("Object '{}' does not exist", path);
  }
  return it->second.bytes;
}

Result<std::string> MemoryObjectStore::ReadRange(std::string_view path, int64_t offset,
                                                 int64_t length) const {
  LS_RETURN_IF_ERROR(ValidateObjectPath(path));
  MutexLock lock(mu_);
  auto it = objects_.find(path);
  if (it == objects_.end()) {
    return NotFound("Object '{}' does not exist", path);
  }
  const int64_t size = static_cast<int64_t>(it->second.bytes.size());
  if (offset < 0 || length < 0 || offset > size || length > size - offset) {
    return CorruptError("Failed to read '{}': range [{}, +{}) is outside the object of {} bytes",
                        path, offset, length, size);
  }
  return it->second.bytes.substr(static_cast<size_t>(offset), static_cast<size_t>(length));
}

Result<ObjectInfo> MemoryObjectStore::Stat(std::string_view path) const {
  LS_RETURN_IF_ERROR(ValidateObjectPath(path));
  MutexLock lock(mu_);
  auto it = objects_.find(path);
  if (it == objects_.end()) {
    return NotFound("Object '{}' does not exist", path);
  }
  return ObjectInfo{it->first, static_cast<int64_t>(it->second.bytes.size()),
                    it->second.last_modified_ms};
}

Result<std::unique_ptr<RandomAccessFile>> MemoryObjectStore::OpenFile(
    std::string_view path) const {
  LS_ASSIGN_OR_RETURN(std::string bytes, Read(path));
  return MakeBufferFile(std::move(bytes), std::string(path));
}

Status MemoryObjectStore::Put(std::string_view path, std::string_view bytes, PutMode mode) {
  LS_RETURN_IF_ERROR(ValidateObjectPath(path));
  const int64_t now_ms = clock_.NowMs();
  MutexLock lock(mu_);
  auto it = objects_.find(path);
  if (it != objects_.end()) {
    if (mode == PutMode::kCreateOnly) {
      return Errorf(ErrorCode::kAlreadyExists, "Object '{}' already exists", path);
    }
    it->second = Entry{std::string(bytes), now_ms};
  } else {
    objects_.emplace(std::string(path), Entry{std::string(bytes), now_ms});
  }
  return OkStatus();
}

Status MemoryObjectStore::Delete(std::string_view path) {
  LS_RETURN_IF_ERROR(ValidateObjectPath(path));
  MutexLock lock(mu_);
  auto it = objects_.find(path);
  if (it != objects_.end()) {
    objects_.erase(it);
  }
  return OkStatus();
}

}  // namespace lakeshare::storage
