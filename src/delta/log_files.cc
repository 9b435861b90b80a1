#include "delta/log_files.h"

#include <fmt/format.h>

namespace lakeshare::delta {

namespace {

// Parse exactly `digits` decimal digits at the start of `s`.
std::optional<int64_t> ParseVersionDigits(std::string_view s, size_t digits) {
  if (s.size() < digits) {
    return std::nullopt;
  }
  int64_t v = 0;
  for (size_t i = 0; i < digits; ++i) {
    char c = s[i];
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    if (v > (INT64_MAX - 9) / 10) {
      return std::nullopt;
    }
    v = v * 10 + (c - '0');
  }
  return v;
}

bool IsUuidLike(std::string_view s) {
  if (s.empty()) {
    return false;
  }
  for (char c : s) {
    bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<LogFileName> ParseLogFileName(std::string_view name) {
  auto version = ParseVersionDigits(name, 20);
  if (!version || name.size() < 21 || name[20] != '.') {
    return std::nullopt;
  }
  std::string_view rest = name.substr(21);
  LogFileName out;
  out.version = *version;
  if (rest == "json") {
    out.kind = LogFileKind::kCommit;
    return out;
  }
  if (rest == "crc") {
    out.kind = LogFileKind::kChecksum;
    return out;
  }
  if (rest == "checkpoint.parquet") {
    out.kind = LogFileKind::kClassicCheckpoint;
    return out;
  }
  // X.Y.compacted.json
  if (auto end = ParseVersionDigits(rest, 20); end && rest.substr(20) == ".compacted.json") {
    if (*end <= out.version) {
      return std::nullopt;  // "y must be greater than x"
    }
    out.kind = LogFileKind::kCompaction;
    out.end_version = *end;
    return out;
  }
  constexpr std::string_view kCheckpoint = "checkpoint.";
  if (rest.substr(0, kCheckpoint.size()) != kCheckpoint) {
    return std::nullopt;
  }
  rest.remove_prefix(kCheckpoint.size());
  // N.checkpoint.OOOOOOOOOO.PPPPPPPPPP.parquet
  if (rest.size() == 10 + 1 + 10 + 8 && rest[10] == '.' && rest.substr(21) == ".parquet") {
    auto part = ParseVersionDigits(rest, 10);
    auto parts = ParseVersionDigits(rest.substr(11), 10);
    if (part && parts) {
      if (*part < 1 || *part > *parts || *parts > INT32_MAX) {
        return std::nullopt;
      }
      out.kind = LogFileKind::kMultiPartCheckpoint;
      out.part = static_cast<int32_t>(*part);
      out.num_parts = static_cast<int32_t>(*parts);
      return out;
    }
  }
  // N.checkpoint.<uuid>.json|parquet
  for (std::string_view ext : {std::string_view(".json"), std::string_view(".parquet")}) {
    if (rest.size() > ext.size() && rest.substr(rest.size() - ext.size()) == ext &&
        IsUuidLike(rest.substr(0, rest.size() - ext.size()))) {
      out.kind = LogFileKind::kUuidCheckpoint;
      out.is_json = ext == ".json";
      return out;
    }
  }
  return std::nullopt;
}

std::string VersionPrefix(Version version) { return fmt::format("{:020d}", version); }

std::string CommitPath(Version version) { return fmt::format("{}{:020d}.json", kLogDir, version); }

}  // namespace lakeshare::delta
