// Invariant checks for bugs, never for input (STYLE.md §3): LS_CHECK always aborts with the
// reason; LS_DCHECK only in debug builds.
#pragma once

#include <cstdio>
#include <cstdlib>

#define LS_CHECK(cond, reason)                                                      \
  do {                                                                              \
    if (!(cond)) {                                                                  \
      std::fprintf(stderr, "%s:%d: check failed: %s (%s)\n", __FILE__, __LINE__, #cond, \
                   reason);                                                         \
      std::abort();                                                                 \
    }                                                                               \
  } while (false)

#ifdef NDEBUG
#define LS_DCHECK(cond, reason) \
  do {                          \
  } while (false)
#else
#define LS_DCHECK(cond, reason) LS_CHECK(cond, reason)
#endif
