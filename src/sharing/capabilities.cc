#include "sharing/capabilities.h"

#include "common/quoted.h"
#include "common/strings.h"

namespace lakeshare::sharing {

namespace {

Result<bool> ParseFlag(std::string_view key, std::string_view value) {
  if (value == "true") return true;
  if (value == "false") return false;
  return InvalidArgument("delta-sharing-capabilities: {} must be true or false, got {}", key,
                         Quoted(value));
}

}  // namespace

std::string_view ResponseFormatName(ResponseFormat format) {
  return format == ResponseFormat::kDelta ? "delta" : "parquet";
}

bool Capabilities::Accepts(ResponseFormat f) const {
  for (ResponseFormat g : formats) {
    if (g == f) return true;
  }
  return false;
}

Result<Capabilities> ParseCapabilities(const std::string* header) {
  Capabilities caps;
  if (header == nullptr) return caps;
  std::string lower = ToLower(*header);
  for (std::string_view segment : Split(lower, ';')) {
    segment = Trim(segment, kHttpOws);
    size_t eq = segment.find('=');
    if (eq == std::string_view::npos || segment.find('=', eq + 1) != std::string_view::npos) {
      continue;
    }
    std::string_view key = Trim(segment.substr(0, eq), kHttpOws);
    std::string_view value = Trim(segment.substr(eq + 1), kHttpOws);
    if (key == "responseformat") {
      std::vector<ResponseFormat> formats;
      for (std::string_view v : Split(value, ',')) {
        v = Trim(v, kHttpOws);
        if (v == "parquet") {
          formats.push_back(ResponseFormat::kParquet);
        } else if (v == "delta") {
          formats.push_back(ResponseFormat::kDelta);
        }  // other values are ignored: a newer client may offer formats we do not know
      }
      if (formats.empty()) {
        return InvalidArgument(
            "delta-sharing-capabilities: responseformat must be parquet, delta or both, got {}",
            Quoted(value));
      }
      caps.formats = std::move(formats);
    } else if (key == "readerfeatures") {
      for (std::string_view v : Split(value, ',')) {
        v = Trim(v, kHttpOws);
        if (!v.empty()) caps.reader_features.emplace(v);
      }
    } else if (key == "includeendstreamaction") {
      LS_ASSIGN_OR_RETURN(caps.include_end_stream_action, ParseFlag(key, value));
    } else if (key == "asyncquery") {
      LS_ASSIGN_OR_RETURN(caps.async_query, ParseFlag(key, value));
    }
  }
  return caps;
}

Result<std::optional<ResponseFormat>> ParseFileIdHash(const std::string* header) {
  if (header == nullptr) return std::optional<ResponseFormat>();
  std::string v = ToLower(Trim(*header, kHttpOws));
  if (v == "parquet") return std::optional<ResponseFormat>(ResponseFormat::kParquet);
  if (v == "delta") return std::optional<ResponseFormat>(ResponseFormat::kDelta);
  return InvalidArgument("fileidhash must be 'parquet' or 'delta', got {}", Quoted(*header));
}

}  // namespace lakeshare::sharing
