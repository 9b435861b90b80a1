// Result<T> and Status: the return type of everything that can fail because of input, data or
// environment (STYLE.md §3). Result<T> is tl::expected<T, Error>; Status is Result<void>.
// Propagate with LS_RETURN_IF_ERROR / LS_ASSIGN_OR_RETURN; build errors with the helpers below.
#pragma once

#include <fmt/format.h>

#include <tl/expected.hpp>
#include <utility>

#include "common/error.h"

namespace lakeshare {

template <typename T>
using Result = tl::expected<T, Error>;
using Status = Result<void>;

inline tl::unexpected<Error> MakeError(ErrorCode code, std::string message,
                                      ResourceKind resource = ResourceKind::kNone) {
  return tl::unexpected<Error>(Error{code, std::move(message), resource});
}

template <typename... Args>
tl::unexpected<Error> Errorf(ErrorCode code, fmt::format_string<Args...> f, Args&&... args) {
  return MakeError(code, fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
tl::unexpected<Error> CorruptError(fmt::format_string<Args...> f, Args&&... args) {
  return MakeError(ErrorCode::kCorrupt, fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
tl::unexpected<Error> InvalidArgument(fmt::format_string<Args...> f, Args&&... args) {
  return MakeError(ErrorCode::kInvalidArgument, fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
tl::unexpected<Error> Unsupported(fmt::format_string<Args...> f, Args&&... args) {
  return MakeError(ErrorCode::kUnsupported, fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
tl::unexpected<Error> NotFound(fmt::format_string<Args...> f, Args&&... args) {
  return MakeError(ErrorCode::kNotFound, fmt::format(f, std::forward<Args>(args)...));
}

/// kNotFound about one object: NotFound(ResourceKind::kShare, "Share '{}' does not exist", name).
template <typename... Args>
tl::unexpected<Error> NotFound(ResourceKind resource, fmt::format_string<Args...> f,
                               Args&&... args) {
  return MakeError(ErrorCode::kNotFound, fmt::format(f, std::forward<Args>(args)...), resource);
}

template <typename... Args>
tl::unexpected<Error> AlreadyExists(ResourceKind resource, fmt::format_string<Args...> f,
                                    Args&&... args) {
  return MakeError(ErrorCode::kAlreadyExists, fmt::format(f, std::forward<Args>(args)...),
                   resource);
}

template <typename... Args>
tl::unexpected<Error> PermissionDenied(fmt::format_string<Args...> f, Args&&... args) {
  return MakeError(ErrorCode::kPermissionDenied, fmt::format(f, std::forward<Args>(args)...));
}

inline Status OkStatus() { return {}; }

}  // namespace lakeshare

#define LS_CONCAT_INNER_(a, b) a##b
#define LS_CONCAT_(a, b) LS_CONCAT_INNER_(a, b)

/// Return the error of a Status/Result expression from the enclosing function.
#define LS_RETURN_IF_ERROR(expr)                                   \
  do {                                                             \
    auto&& ls_status_ = (expr);                                    \
    if (!ls_status_) {                                             \
      return ::tl::unexpected<::lakeshare::Error>(                 \
          std::move(ls_status_).error());                          \
    }                                                              \
  } while (false)

#define LS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr)                             \
  auto tmp = (expr);                                                          \
  if (!tmp) {                                                                 \
    return ::tl::unexpected<::lakeshare::Error>(std::move(tmp).error());      \
  }                                                                           \
  lhs = std::move(*tmp)

/// Evaluate a Result expression; on error return it, else move its value into lhs.
#define LS_ASSIGN_OR_RETURN(lhs, expr) \
  LS_ASSIGN_OR_RETURN_IMPL_(LS_CONCAT_(ls_result_, __LINE__), lhs, expr)
