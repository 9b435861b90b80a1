// The one temporary folder of the tests and fuzz targets (header only, test support; not used by
// the server): a fresh folder under $TMPDIR (or /tmp), made by the constructor and removed with
// everything in it by the destructor. Tests that need a scratch folder hold one (as a fixture
// member, or for the whole binary), instead of each naming, creating and removing its own.
//
// Thread-safety: a TempDir is immutable after construction; mkdtemp makes names unique across
// threads and processes.
#pragma once

#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace lakeshare {

/// A fresh folder "<prefix>-XXXXXX" under $TMPDIR (or /tmp), removed with its contents on
/// destruction. Failing to make it aborts: a harness without a scratch folder is broken.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "lakeshare") {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/" +
                          std::string(prefix) + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::fprintf(stderr, "cannot make a temporary folder '%s'\n", pattern.c_str());
      std::abort();
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace lakeshare
