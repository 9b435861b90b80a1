// What the benchmark programs of src/sharing (metastore_scale_bench, jwt_auth_bench) share: a
// failed setup step ends the program with the step's name and the error (a benchmark has no one
// to return an error to). Programs only, never library code.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "common/result.h"

namespace lakeshare::sharing::bench {

/// The value of `r`, or exit(1) after printing "`what`: error" to stderr.
template <typename T>
T Check(Result<T> r, const char* what) {
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", what, r.error().ToString().c_str());
    std::exit(1);
  }
  return std::move(*r);
}

/// Nothing, or exit(1) after printing "`what`: error" to stderr.
inline void Check(const Status& s, const char* what) {
  if (!s) {
    std::fprintf(stderr, "%s: %s\n", what, s.error().ToString().c_str());
    std::exit(1);
  }
}

}  // namespace lakeshare::sharing::bench
