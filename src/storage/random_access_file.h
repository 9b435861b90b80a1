// RandomAccessFile: positional reads of one immutable object (a local file, an S3 object, a
// buffer). Readers such as the Parquet codec take one and never know where bytes come from.
// Implementations are thread-safe for concurrent ReadAt calls.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"

namespace lakeshare::storage {

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;

  /// Total size in bytes.
  virtual int64_t size() const = 0;
  /// A name for error messages (a relative path or key, never a credential).
  virtual const std::string& name() const = 0;
  /// Read exactly `length` bytes at `offset` into `out`; reading past the end is kCorrupt.
  virtual Status ReadAt(int64_t offset, int64_t length, char* out) const = 0;

  /// Read a range into a new string.
  Result<std::string> Read(int64_t offset, int64_t length) const;
};

/// Open a local file for positional reads.
Result<std::unique_ptr<RandomAccessFile>> OpenLocalFile(const std::string& path);

/// Open a local file for positional reads; `display_name` (e.g. the path relative to a store
/// root) replaces `path` in name() and in every error message, so server paths stay private.
Result<std::unique_ptr<RandomAccessFile>> OpenLocalFile(const std::string& path,
                                                        std::string display_name);

/// Take ownership of `fd`, a descriptor opened for reading, and read from it positionally; it is
/// closed on error too. Anything but a regular file (a directory, FIFO, device or socket) is
/// kInvalidArgument. `display_name` is used in name() and in every error message.
Result<std::unique_ptr<RandomAccessFile>> AdoptLocalFile(int fd, std::string display_name);

/// Wrap bytes held in memory (tests, fuzzers, small downloaded objects). `display_name` is used
/// in error messages.
std::unique_ptr<RandomAccessFile> MakeBufferFile(std::string bytes,
                                                 std::string display_name = "<memory>");

}  // namespace lakeshare::storage
