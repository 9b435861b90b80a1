// Typed reads of table properties (metaData.configuration) that only some delta sources need.
// Internal to src/delta. Pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "common/numbers.h"
#include "common/result.h"
#include "delta/actions.h"

namespace lakeshare::delta {

/// An integer table property (e.g. delta.inCommitTimestampEnablementVersion): nullopt when
/// absent or null; kCorrupt naming the property when it holds anything but a whole decimal int64
/// (read as absent, a mistyped enablement version moved where in-commit timestamps begin).
inline Result<std::optional<int64_t>> ConfigInt(const Metadata& m, std::string_view key) {
  auto s = m.Config(key);
  if (!s) {
    return std::optional<int64_t>();
  }
  std::optional<int64_t> v = ParseInteger<int64_t>(*s);
  if (!v) {
    return CorruptError("table property '{}' is not a whole number", key);
  }
  return v;
}

}  // namespace lakeshare::delta
