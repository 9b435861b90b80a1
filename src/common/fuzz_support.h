// What the fuzz targets that stand up a real server part share (header only, for *_fuzz.cc):
// a temporary folder that lives as long as the process's fixture, setup steps that abort with the
// target's name when they fail (setup failing is a broken harness, not a finding), and the split
// of an input into its first line and the rest.
//
// Thread-safety: none needed; a fuzz target runs its inputs one after another.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "common/result.h"

namespace lakeshare::fuzz {

/// Print "<target>: cannot <what>: <error>" and abort.
[[noreturn]] inline void Die(const char* target, const char* what, const Error& error) {
  std::fprintf(stderr, "%s: cannot %s: %s\n", target, what, error.ToString().c_str());
  std::abort();
}

/// The value of a setup step, or Die.
template <typename T>
T Must(Result<T> r, const char* target, const char* what) {
  if (!r) Die(target, what, r.error());
  return std::move(*r);
}
inline void Must(const Status& s, const char* target, const char* what) {
  if (!s) Die(target, what, s.error());
}

/// A fresh folder under /tmp named "<prefix>-XXXXXX", removed with everything in it on
/// destruction.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix) {
    std::string pattern = "/tmp/" + std::string(prefix) + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) std::abort();
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

/// An input as its first line (without the '\n') and the rest (empty when there is no '\n').
struct FirstLineAndRest {
  std::string_view line;
  std::string rest;
};
inline FirstLineAndRest SplitFirstLine(std::string_view input) {
  const size_t eol = input.find('\n');
  return {input.substr(0, eol),
          std::string(eol == std::string_view::npos ? std::string_view() : input.substr(eol + 1))};
}

}  // namespace lakeshare::fuzz
