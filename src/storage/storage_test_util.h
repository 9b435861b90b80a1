// Test-only helpers for the storage tests: running python3 helper scripts from
// src/storage/testdata/, writing files, and checking that python modules (botocore, moto) exist
// so tests can skip with a visible message when they do not (scratch folders are
// common/temp_dir.h's). Not part of the library. The ObjectStore wrappers below are header-only,
// for the tests of the modules above storage too (a test overrides the one method it changes);
// they are as thread-safe as the store they wrap.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "common/quoted.h"
#include "common/result.h"
#include "storage/object_store.h"

namespace lakeshare::storage::testing_util {

/// Absolute path of a file in src/storage/testdata/.
std::string TestdataPath(const std::string& name);

using ::lakeshare::ShellQuote;  // common/quoted.h

/// Run a shell command and return its standard output; non-zero exit is kUnavailable with the
/// tail of the output.
Result<std::string> RunCommand(const std::string& command);

/// OK when `python3 -c 'import <m>'` works for every module; otherwise the reason, for
/// GTEST_SKIP.
Status CheckPythonModules(const std::vector<std::string>& modules);

/// Write `contents` to `path`.
Status WriteFile(const std::string& path, const std::string& contents);

/// An ObjectStore that forwards every call to `inner`: the base of test stores that fail, block
/// or count one kind of call.
class ForwardingObjectStore : public ObjectStore {
 public:
  explicit ForwardingObjectStore(std::shared_ptr<ObjectStore> inner) : inner_(std::move(inner)) {}

  const std::string& uri() const override { return inner_->uri(); }
  Result<std::vector<ObjectInfo>> List(std::string_view prefix,
                                       std::string_view start_after = {}) const override {
    return inner_->List(prefix, start_after);
  }
  Result<std::string> Read(std::string_view path) const override { return inner_->Read(path); }
  Result<std::string> ReadRange(std::string_view path, int64_t offset,
                                int64_t length) const override {
    return inner_->ReadRange(path, offset, length);
  }
  Result<ObjectInfo> Stat(std::string_view path) const override { return inner_->Stat(path); }
  Result<std::unique_ptr<RandomAccessFile>> OpenFile(std::string_view path) const override {
    return inner_->OpenFile(path);
  }
  Status Put(std::string_view path, std::string_view bytes,
             PutMode mode = PutMode::kOverwrite) override {
    return inner_->Put(path, bytes, mode);
  }
  Result<std::unique_ptr<ObjectWriter>> OpenWriter(std::string_view path) override {
    return inner_->OpenWriter(path);
  }
  Status Delete(std::string_view path) override { return inner_->Delete(path); }
  Result<std::string> PresignGet(std::string_view path, int64_t expires_seconds) const override {
    return inner_->PresignGet(path, expires_seconds);
  }

  ObjectStore& inner() const { return *inner_; }

 private:
  std::shared_ptr<ObjectStore> inner_;
};

/// Counts the calls that cost a request to a remote store (benchmarks and tests of caches).
class CountingObjectStore : public ForwardingObjectStore {
 public:
  using ForwardingObjectStore::ForwardingObjectStore;

  Result<std::vector<ObjectInfo>> List(std::string_view prefix,
                                       std::string_view start_after = {}) const override {
    ++lists;
    auto listed = ForwardingObjectStore::List(prefix, start_after);
    if (listed) {
      objects_listed += static_cast<int64_t>(listed->size());
    }
    return listed;
  }
  Result<std::string> Read(std::string_view path) const override {
    ++reads;
    return Counted(ForwardingObjectStore::Read(path));
  }
  Result<std::string> ReadRange(std::string_view path, int64_t offset,
                                int64_t length) const override {
    ++reads;
    return Counted(ForwardingObjectStore::ReadRange(path, offset, length));
  }
  Result<ObjectInfo> Stat(std::string_view path) const override {
    ++stats;
    return ForwardingObjectStore::Stat(path);
  }
  Result<std::unique_ptr<RandomAccessFile>> OpenFile(std::string_view path) const override {
    ++reads;  // its positional reads are not counted
    return ForwardingObjectStore::OpenFile(path);
  }

  /// Zero every counter.
  void Reset() const {
    lists = 0;
    objects_listed = 0;
    reads = 0;
    bytes_read = 0;
    stats = 0;
  }

  mutable std::atomic<int64_t> lists{0};
  mutable std::atomic<int64_t> objects_listed{0};
  mutable std::atomic<int64_t> reads{0};       // Read, ReadRange and OpenFile calls
  mutable std::atomic<int64_t> bytes_read{0};  // by Read and ReadRange
  mutable std::atomic<int64_t> stats{0};

 private:
  Result<std::string> Counted(Result<std::string> bytes) const {
    if (bytes) {
      bytes_read += static_cast<int64_t>(bytes->size());
    }
    return bytes;
  }
};

}  // namespace lakeshare::storage::testing_util
