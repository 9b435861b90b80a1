#include "storage/storage_test_util.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace lakeshare::storage::testing_util {

std::string TestdataPath(const std::string& name) {
  return std::string(LAKESHARE_SOURCE_DIR) + "/src/storage/testdata/" + name;
}

Result<std::string> RunCommand(const std::string& command) {
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    return Errorf(ErrorCode::kUnavailable, "Cannot run '{}'", command);
  }
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    out.append(buffer, n);
  }
  int status = ::pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string tail = out.size() > 2000 ? out.substr(out.size() - 2000) : out;
    return Errorf(ErrorCode::kUnavailable, "'{}' failed (status {}): {}", command, status, tail);
  }
  return out;
}

Status CheckPythonModules(const std::vector<std::string>& modules) {
  std::string imports;
  for (const std::string& module : modules) {
    imports += "import " + module + "; ";
  }
  auto result = RunCommand("python3 -c " + ShellQuote(imports) + " 2>&1");
  if (!result) {
    return Errorf(ErrorCode::kUnsupported, "python3 cannot import the modules needed ({}): {}",
                  imports, result.error().message);
  }
  return OkStatus();
}

Status WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
  out.close();
  if (!out) {
    return Errorf(ErrorCode::kUnavailable, "Cannot write '{}'", path);
  }
  return OkStatus();
}

}  // namespace lakeshare::storage::testing_util
