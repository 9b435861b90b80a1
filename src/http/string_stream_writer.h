// StringStreamWriter: a StreamWriter that appends a response body to a string, for tests and
// in-process callers that need a streamed body whole (it buffers everything: never on the
// serving path). Thread-compatible.
#pragma once

#include <string>
#include <string_view>

#include "http/response.h"

namespace lakeshare::http {

class StringStreamWriter final : public StreamWriter {
 public:
  Status Write(std::string_view data) override {
    out.append(data);
    return OkStatus();
  }
  Status Flush() override { return OkStatus(); }

  std::string out;  // everything written so far
};

}  // namespace lakeshare::http
