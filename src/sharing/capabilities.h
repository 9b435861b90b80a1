// The `delta-sharing-capabilities` request header and the `fileidhash` header.
// PROTOCOL.md, "Delta Sharing Capabilities Header": "the value is semicolon separated
// capabilities. Each capability is in the format of "key=value1,value2", values are separated by
// commas ... All keys and values should be case-insensitive when processed by the server."
// Segments without exactly one '=' are ignored, as the reference server does; so are unknown
// keys. Pure functions.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace lakeshare::sharing {

enum class ResponseFormat { kParquet, kDelta };

std::string_view ResponseFormatName(ResponseFormat format);  // "parquet" / "delta"

struct Capabilities {
  /// The formats the client accepts, in the order given; {kParquet} when not specified
  /// ("parquet ... is the default format if responseFormat is not specified in the header").
  std::vector<ResponseFormat> formats{ResponseFormat::kParquet};
  /// Lower-cased reader feature names ("deletionvectors", "columnmapping", ...).
  std::set<std::string> reader_features;
  bool include_end_stream_action = false;
  bool async_query = false;

  bool Accepts(ResponseFormat f) const;
  bool HasReaderFeature(std::string_view lower_name) const {
    return reader_features.count(std::string(lower_name)) != 0;
  }
};

/// Parse the header value (null: header absent). kInvalidArgument when responseformat names no
/// known format, or includeendstreamaction/asyncquery is not true/false.
Result<Capabilities> ParseCapabilities(const std::string* header);

/// PROTOCOL.md, "File ID Hash Header": "The value is case-insensitive. The server must return
/// HTTP 400 if an unsupported value is provided." Null when the header is absent.
Result<std::optional<ResponseFormat>> ParseFileIdHash(const std::string* header);

}  // namespace lakeshare::sharing
