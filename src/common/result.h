// Result<T> and Status: the return type of everything that can fail because of input, data or
// environment (STYLE.md §3). Result<T> is a tl::expected<T, Error> (it derives from it and adds
// [[nodiscard]], and a .map() that answers a Result); Status is Result<void>. Dropping one is a
// compile error (GCC and clang -Werror=unused-result; result_nodiscard_test.sh shows it):
// propagate it with LS_RETURN_IF_ERROR / LS_ASSIGN_OR_RETURN, check it, or, where losing the
// error is truly right, say why with IgnoreError(result, "why").
// Build errors with the helpers below. Thread-compatible, like the value it holds.
#pragma once

#include <fmt/format.h>

#include <string_view>
#include <tl/expected.hpp>
#include <type_traits>
#include <utility>

#include "common/error.h"

namespace lakeshare {

template <typename T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using Base = tl::expected<T, Error>;
  using Base::Base;

  Result() = default;
  /// From the plain tl::expected that .and_then()/.or_else() return.
  Result(const Base& other) : Base(other) {}                               // NOLINT: implicit
  Result(Base&& other) noexcept(std::is_nothrow_move_constructible_v<Base>)  // NOLINT: implicit
      : Base(std::move(other)) {}

  /// tl::expected's .map(), answered as a Result, so that dropping what it returns is a compile
  /// error too (the plain tl::expected is not [[nodiscard]]).
  template <typename F>
  auto map(F&& f) & {
    return Rewrap(Base::map(std::forward<F>(f)));
  }
  template <typename F>
  auto map(F&& f) const& {
    return Rewrap(Base::map(std::forward<F>(f)));
  }
  template <typename F>
  auto map(F&& f) && {
    return Rewrap(static_cast<Base&&>(*this).map(std::forward<F>(f)));
  }

 private:
  template <typename U>
  static Result<U> Rewrap(tl::expected<U, Error>&& plain) {
    return Result<U>(std::move(plain));
  }
};

using Status = Result<void>;

/// Drops `result` on purpose; `why` says why losing its error is right here (a best-effort
/// clean-up after an earlier error, a fuzz target that only looks for crashes). It only documents:
/// nothing is logged. Propagate or check everything else.
template <typename T>
void IgnoreError(const Result<T>& result, std::string_view why) {
  static_cast<void>(result);
  static_cast<void>(why);
}

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

// A Result is an expected to tl's monadic helpers: .and_then(f) where f returns a Result.
template <typename T>
struct tl::detail::is_expected_impl<lakeshare::Result<T>> : std::true_type {};

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
