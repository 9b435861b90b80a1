#include "storage/random_access_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lakeshare::storage {

Result<std::string> RandomAccessFile::Read(int64_t offset, int64_t length) const {
  if (offset < 0 || length < 0 || offset > size() || length > size() - offset) {
    return CorruptError("Failed to read '{}': range [{}, +{}) is outside the file of {} bytes",
                        name(), offset, length, size());
  }
  std::string out(static_cast<size_t>(length), '\0');
  LS_RETURN_IF_ERROR(ReadAt(offset, length, out.data()));
  return out;
}

namespace {

class LocalFile final : public RandomAccessFile {
 public:
  LocalFile(int fd, int64_t size, std::string name) : fd_(fd), size_(size), name_(std::move(name)) {}
  ~LocalFile() override { ::close(fd_); }

  int64_t size() const override { return size_; }
  const std::string& name() const override { return name_; }

  Status ReadAt(int64_t offset, int64_t length, char* out) const override {
    if (offset < 0 || length < 0 || offset > size_ || length > size_ - offset) {
      return CorruptError("Failed to read '{}': range [{}, +{}) is outside the file of {} bytes",
                          name_, offset, length, size_);
    }
    int64_t done = 0;
    while (done < length) {
      ssize_t n = ::pread(fd_, out + done, static_cast<size_t>(length - done), offset + done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Errorf(ErrorCode::kUnavailable, "Failed to read '{}': {}", name_,
                      std::strerror(errno));
      }
      if (n == 0) {
        return CorruptError("Failed to read '{}': file shrank while reading", name_);
      }
      done += n;
    }
    return OkStatus();
  }

 private:
  int fd_;
  int64_t size_;
  std::string name_;
};

class BufferFile final : public RandomAccessFile {
 public:
  BufferFile(std::string bytes, std::string name) : bytes_(std::move(bytes)), name_(std::move(name)) {}
  int64_t size() const override { return static_cast<int64_t>(bytes_.size()); }
  const std::string& name() const override { return name_; }
  Status ReadAt(int64_t offset, int64_t length, char* out) const override {
    if (offset < 0 || length < 0 || offset > size() || length > size() - offset) {
      return CorruptError("Failed to read '{}': range [{}, +{}) is outside the file of {} bytes",
                          name_, offset, length, size());
    }
    std::memcpy(out, bytes_.data() + offset, static_cast<size_t>(length));
    return OkStatus();
  }

 private:
  std::string bytes_;
  std::string name_;
};

}  // namespace

Result<std::unique_ptr<RandomAccessFile>> OpenLocalFile(const std::string& path) {
  return OpenLocalFile(path, path);
}

Result<std::unique_ptr<RandomAccessFile>> OpenLocalFile(const std::string& path,
                                                        std::string display_name) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; it has no
  // effect on the regular files that AdoptLocalFile accepts.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return NotFound("File '{}' does not exist", display_name);
    }
    if (errno == EACCES || errno == EPERM) {
      return Errorf(ErrorCode::kPermissionDenied, "Failed to open '{}': {}", display_name,
                    std::strerror(errno));
    }
    return Errorf(ErrorCode::kUnavailable, "Failed to open '{}': {}", display_name,
                  std::strerror(errno));
  }
  return AdoptLocalFile(fd, std::move(display_name));
}

Result<std::unique_ptr<RandomAccessFile>> AdoptLocalFile(int fd, std::string display_name) {
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return InvalidArgument("'{}' is not a regular file", display_name);
  }
  return std::unique_ptr<RandomAccessFile>(new LocalFile(fd, st.st_size, std::move(display_name)));
}

std::unique_ptr<RandomAccessFile> MakeBufferFile(std::string bytes, std::string display_name) {
  return std::make_unique<BufferFile>(std::move(bytes), std::move(display_name));
}

}  // namespace lakeshare::storage
