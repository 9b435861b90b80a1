// The server's diagnostic log: one line per event on stderr, "<level>: <message>" ("warning: the
// open-file limit ..."); info lines carry no prefix (the materializer's JSON lines, "signal 15:
// stopping"). For library and server code: a command's own output to its user (the admin CLI's
// progress and errors, a subcommand's usage message) is the command's interface and stays there.
// The HTTP access log has its own sink (http::ServerOptions::log_sink).
//
//   LogWarning("table '{}' lies in no external location", name);
//
// Thread-safe: each line is written with one call under a lock, so lines never interleave.
// Tests capture lines with LogCaptureForTest instead of reading the process's stderr.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/mutex.h"

namespace lakeshare {

enum class LogLevel { kInfo, kNote, kWarning, kError, kFatal };

/// "", "note", "warning", "error", "fatal": the prefix of a line of this level.
std::string_view LogLevelName(LogLevel level);

/// Writes one line: "<level>: <message>" (info: the message alone). A newline inside the message
/// is written as "\n" so that a line is always one event.
void Log(LogLevel level, std::string_view message);

template <typename... Args>
void LogInfo(fmt::format_string<Args...> f, Args&&... args) {
  Log(LogLevel::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void LogNote(fmt::format_string<Args...> f, Args&&... args) {
  Log(LogLevel::kNote, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void LogWarning(fmt::format_string<Args...> f, Args&&... args) {
  Log(LogLevel::kWarning, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void LogError(fmt::format_string<Args...> f, Args&&... args) {
  Log(LogLevel::kError, fmt::format(f, std::forward<Args>(args)...));
}
/// Logs, then the caller ends the process (the facade does not abort on its own).
template <typename... Args>
void LogFatal(fmt::format_string<Args...> f, Args&&... args) {
  Log(LogLevel::kFatal, fmt::format(f, std::forward<Args>(args)...));
}

/// While one is alive, lines go to it instead of stderr (the newest capture wins; destroying it
/// restores the previous destination). For tests; not meant to be nested across threads.
class LogCaptureForTest {
 public:
  struct Line {
    LogLevel level;
    std::string text;  // the whole line as it would be written, without the newline
  };

  LogCaptureForTest();
  ~LogCaptureForTest();
  LogCaptureForTest(const LogCaptureForTest&) = delete;
  LogCaptureForTest& operator=(const LogCaptureForTest&) = delete;

  /// The lines captured so far, oldest first.
  std::vector<Line> lines() const;
  /// The text of the captured lines, oldest first.
  std::vector<std::string> texts() const;

 private:
  friend void Log(LogLevel level, std::string_view message);
  void Append(LogLevel level, std::string text);

  LogCaptureForTest* previous_;  // guarded by the log's lock (log.cc)
  mutable Mutex mu_;             // taken inside the log's lock by Append
  std::vector<Line> lines_ LS_GUARDED_BY(mu_);
};

}  // namespace lakeshare
