// Context for an error passed up from a callee: the caller says what it was doing, the code and
// the resource kind stay what the callee found (a storage outage stays kUnavailable, a missing
// share stays about a share), so renderers map it the same way. The one helper for the
// "Failed to read 'x': <callee's message>" chains (STYLE.md §3).
//
//   if (!listed) return tl::unexpected(WithContext(listed.error(), "Failed to list _delta_log"));
//   // -> kUnavailable "Failed to list _delta_log: connection refused"
//
// Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "common/error.h"

namespace lakeshare {

/// `e` with its message prefixed by "`what`: "; its code and resource kind unchanged.
inline Error WithContext(Error e, std::string_view what) {
  std::string message;
  message.reserve(what.size() + 2 + e.message.size());
  message.append(what).append(": ").append(e.message);
  e.message = std::move(message);
  return e;
}

}  // namespace lakeshare
