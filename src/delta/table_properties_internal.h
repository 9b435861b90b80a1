// Typed reads of table properties (metaData.configuration) that only some delta sources need.
// Internal to src/delta. Pure functions.
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

#include "delta/actions.h"

namespace lakeshare::delta {

/// An integer table property (e.g. delta.inCommitTimestampEnablementVersion); nullopt when
/// absent, null or not a whole decimal int64.
inline std::optional<int64_t> ConfigInt(const Metadata& m, std::string_view key) {
  auto s = m.Config(key);
  if (!s) {
    return std::nullopt;
  }
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || p != s->data() + s->size()) {
    return std::nullopt;
  }
  return v;
}

}  // namespace lakeshare::delta
