// The sinks a FileWriter writes to: a local file that appears under its name only when Close()
// succeeds (a temporary beside it until then), standard output, and a string in memory.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <random>

#include "parquet/file_writer.h"

namespace lakeshare::parquet {

Status StringSink::Append(std::string_view bytes) {
  if (closed_) {
    return MakeError(ErrorCode::kInternal, "append to a closed sink");
  }
  out_->append(bytes);
  return OkStatus();
}

Status StringSink::Close() {
  closed_ = true;
  return OkStatus();
}

namespace {

// A POSIX file descriptor with a write buffer.
class FdSink : public WritableSink {
 public:
  FdSink(int fd, std::string display, std::string temp_path, std::string final_path)
      : fd_(fd),
        display_(std::move(display)),
        temp_path_(std::move(temp_path)),
        final_path_(std::move(final_path)) {
    buffer_.reserve(kBufferSize);
  }
  ~FdSink() override {
    if (!closed_) {
      if (!temp_path_.empty()) {
        ::close(fd_);
        ::unlink(temp_path_.c_str());
      } else {
        IgnoreError(Flush(), "a destructor cannot report; Close() is where errors are seen");
      }
    }
  }

  Status Append(std::string_view bytes) override {
    if (closed_) {
      return MakeError(ErrorCode::kInternal, "append to a closed sink");
    }
    position_ += static_cast<int64_t>(bytes.size());
    if (buffer_.size() + bytes.size() > kBufferSize) {
      LS_RETURN_IF_ERROR(Flush());
      if (bytes.size() >= kBufferSize) {
        return WriteAll(bytes);
      }
    }
    buffer_.append(bytes);
    return OkStatus();
  }

  int64_t position() const override { return position_; }

  Status Close() override {
    if (closed_) {
      return OkStatus();
    }
    closed_ = true;
    Status st = Flush();
    if (temp_path_.empty()) {
      return st;  // stdout stays open
    }
    if (st && ::fsync(fd_) != 0 && errno != EINVAL) {
      st = Errorf(ErrorCode::kUnavailable, "Failed to write '{}': {}", display_,
                  std::strerror(errno));
    }
    if (::close(fd_) != 0 && st) {
      st = Errorf(ErrorCode::kUnavailable, "Failed to write '{}': {}", display_,
                  std::strerror(errno));
    }
    if (st && ::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
      st = Errorf(ErrorCode::kUnavailable, "Failed to write '{}': rename: {}", display_,
                  std::strerror(errno));
    }
    if (!st) {
      ::unlink(temp_path_.c_str());
    }
    return st;
  }

 private:
  static constexpr size_t kBufferSize = size_t{1} << 20;

  Status Flush() {
    Status st = WriteAll(buffer_);
    buffer_.clear();
    return st;
  }

  Status WriteAll(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd_, bytes.data(), bytes.size());
      if (n < 0) {
        if (errno == EINTR) {
          continue;
        }
        return Errorf(ErrorCode::kUnavailable, "Failed to write '{}': {}", display_,
                      std::strerror(errno));
      }
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return OkStatus();
  }

  int fd_;
  std::string display_;
  std::string temp_path_;
  std::string final_path_;
  std::string buffer_;
  int64_t position_ = 0;
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<WritableSink>> OpenLocalFileSink(const std::string& path) {
  std::random_device rd;
  const uint64_t salt = (uint64_t{rd()} << 32) ^ rd();
  const std::string temp = fmt::format("{}.tmp-{:016x}", path, salt);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    return Errorf(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kUnavailable,
                  "Failed to create '{}': {}", path, std::strerror(errno));
  }
  return std::unique_ptr<WritableSink>(new FdSink(fd, path, temp, path));
}

std::unique_ptr<WritableSink> MakeStdoutSink() {
  return std::unique_ptr<WritableSink>(new FdSink(STDOUT_FILENO, "<stdout>", "", ""));
}

}  // namespace lakeshare::parquet
