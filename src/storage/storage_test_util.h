// Test-only helpers for the storage tests: running python3 helper scripts from
// src/storage/testdata/, writing files, and checking that python modules (botocore, moto) exist
// so tests can skip with a visible message when they do not (scratch folders are
// common/temp_dir.h's). Not part of the library.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"

namespace lakeshare::storage::testing_util {

/// Absolute path of a file in src/storage/testdata/.
std::string TestdataPath(const std::string& name);

/// Quote `arg` for /bin/sh.
std::string ShellQuote(const std::string& arg);

/// Run a shell command and return its standard output; non-zero exit is kUnavailable with the
/// tail of the output.
Result<std::string> RunCommand(const std::string& command);

/// OK when `python3 -c 'import <m>'` works for every module; otherwise the reason, for
/// GTEST_SKIP.
Status CheckPythonModules(const std::vector<std::string>& modules);

/// Write `contents` to `path`.
Status WriteFile(const std::string& path, const std::string& contents);

}  // namespace lakeshare::storage::testing_util
