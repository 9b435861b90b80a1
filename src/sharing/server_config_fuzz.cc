// Fuzz target: any bytes as a reference-server configuration file (YAML), as
// `lakeshare serve --config` reads it. The only acceptable outcomes are a SharingConfig or an
// Error naming the key; nothing may crash, hang or grow without bound.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sharing/server_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  lakeshare::IgnoreError(lakeshare::sharing::ParseSharingConfig(text),
                         "fuzzing: an Error is an accepted outcome");
  return 0;
}
