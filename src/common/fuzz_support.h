// What the fuzz targets that stand up a real server part share (header only, for *_fuzz.cc):
// a temporary folder that lives as long as the process's fixture, setup steps that abort with the
// target's name when they fail (setup failing is a broken harness, not a finding), the split
// of an input into its first line and the rest, and the check that a reply is no 5xx (the targets
// that dispatch through a router: bad input must get a 4xx).
//
// Thread-safety: none needed; a fuzz target runs its inputs one after another.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.h"
#include "common/temp_dir.h"

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

/// Abort with "<target>: <request> answered <status>: <body>" when `status` is a 5xx: a server
/// error for any input is a finding (a crash the fuzzer keeps). Below 500, return.
inline void AbortOnServerError(const char* target, std::string_view request, int status,
                               std::string_view body) {
  if (status < 500) return;
  std::fprintf(stderr, "%s: %.*s answered %d: %.*s\n", target, static_cast<int>(request.size()),
               request.data(), status, static_cast<int>(body.size()), body.data());
  std::abort();
}

/// The tests' temporary folder (common/temp_dir.h): "<prefix>-XXXXXX", removed on destruction.
using TempDir = ::lakeshare::TempDir;

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
