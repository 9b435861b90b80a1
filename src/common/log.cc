#include "common/log.h"

#include <cstdio>

#include "common/mutex.h"
#include "common/strings.h"

namespace lakeshare {
namespace {

// One lock for the destination: a line is formatted outside it and written inside it with one
// call. Constant-initialised, so a log line written during static initialisation finds it ready.
constinit Mutex g_log_mu;

LogCaptureForTest* g_capture LS_GUARDED_BY(g_log_mu) = nullptr;

// A control character in a message (a partner's table name, a header value) must not start a
// forged line or rewrite one on a terminal: \n, \r and \t are written as those two characters,
// any other C0 control and DEL as \xNN.
void AppendEscaped(std::string& line, char c) {
  auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte != 0x7f) {
    line.push_back(c);
  } else if (c == '\n') {
    line.append("\\n");
  } else if (c == '\r') {
    line.append("\\r");
  } else if (c == '\t') {
    line.append("\\t");
  } else {
    line.append("\\x");
    AppendHex(line, std::string_view(&c, 1));
  }
}

std::string FormatLine(LogLevel level, std::string_view message) {
  std::string line;
  std::string_view name = LogLevelName(level);
  line.reserve(name.size() + 2 + message.size() + 1);
  if (!name.empty()) {
    line.append(name);
    line.append(": ");
  }
  for (char c : message) AppendEscaped(line, c);
  return line;
}

}  // namespace

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "";
    case LogLevel::kNote:
      return "note";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
    case LogLevel::kFatal:
      return "fatal";
  }
  return "";
}

void Log(LogLevel level, std::string_view message) {
  std::string line = FormatLine(level, message);
  MutexLock lock(g_log_mu);
  if (g_capture != nullptr) {
    g_capture->Append(level, std::move(line));
    return;
  }
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
}

LogCaptureForTest::LogCaptureForTest() {
  MutexLock lock(g_log_mu);
  previous_ = g_capture;
  g_capture = this;
}

LogCaptureForTest::~LogCaptureForTest() {
  MutexLock lock(g_log_mu);
  g_capture = previous_;
}

void LogCaptureForTest::Append(LogLevel level, std::string text) {
  MutexLock lock(mu_);
  lines_.push_back(Line{level, std::move(text)});
}

std::vector<LogCaptureForTest::Line> LogCaptureForTest::lines() const {
  MutexLock lock(mu_);
  return lines_;
}

std::vector<std::string> LogCaptureForTest::texts() const {
  MutexLock lock(mu_);
  std::vector<std::string> out;
  out.reserve(lines_.size());
  for (const Line& l : lines_) out.push_back(l.text);
  return out;
}

}  // namespace lakeshare
